"""Properties of the classifier over generated commands (hypothesis).

The main one (issue 14): no generated argv that holds a retargeting flag, in any spelling or
position, or a shell metacharacter anywhere, is ever classified as something that may run.
"""

from __future__ import annotations

import shlex

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubectl_prism.agent import Category, Scope, classify
from kubectl_prism.agent.argv import is_bool_short
from kubectl_prism.agent.classify import RETARGETING_FLAGS, SHELL_CHARACTERS
from kubectl_prism.agent.kubectl_flags import COMMAND_FLAGS, GLOBAL_FLAGS
from tests.test_agent_classify import TABLE

RUNNABLE = [(line, ns) for line, ns, category, _ in TABLE if category is not Category.REJECTED]
HARMLESS = [("--request-timeout=5s",), ("--warnings-as-errors",), ("--match-server-version=false",),
            ("--disable-compression",)]
SCOPES = [Scope("shop", "kind-dev"), Scope(None, "kind-dev", default_namespace="default")]
COMMANDS = sorted(COMMAND_FLAGS)
WORDS = ["pods", "po", "deploy", "deployment/api", "svc/db", "api", "api-0", "nodes", "node/n1", "cm",
         "app=api", "web=nginx:1.27", "KEY=value", "KEY-", "secret/db", "all", "shop", "x.yaml"]
VALUES = ["shop", "api", "yaml", "wide", "3", "0", "app=api", "10s", "true", "x.yaml", "-", ""]
BOOL_SHORTS = sorted({s for t in (GLOBAL_FLAGS, *COMMAND_FLAGS.values()) for s, k in t.values()
                      if s and k == "bool" and is_bool_short(s)})


@st.composite
def flag_tokens(draw: st.DrawFn, command: str) -> list[str]:
    """One flag of `command` (or a global one), spelled any way kubectl accepts."""
    table = {**GLOBAL_FLAGS, **COMMAND_FLAGS[command]}
    name = draw(st.sampled_from(sorted(table)))
    short, kind = table[name]
    value = draw(st.sampled_from(VALUES))
    spelled = draw(st.sampled_from(["long", "short"])) if short else "long"
    if kind == "bool":
        return [f"--{name}" if spelled == "long" else f"-{short}"] if draw(st.booleans()) else [
            f"--{name}={draw(st.sampled_from(['true', 'false']))}"]
    if spelled == "short":
        return draw(st.sampled_from([[f"-{short}", value], [f"-{short}{value}"], [f"-{short}={value}"]]))
    return draw(st.sampled_from([[f"--{name}", value], [f"--{name}={value}"]]))


@st.composite
def commands(draw: st.DrawFn) -> list[str]:
    """A plausible kubectl command: a parsed command, words and flags in any order."""
    command = draw(st.sampled_from(COMMANDS))
    parts: list[list[str]] = [[w] for w in draw(st.lists(st.sampled_from(WORDS), max_size=4))]
    parts += draw(st.lists(flag_tokens(command), max_size=4))
    order = draw(st.permutations(range(len(parts)))) if parts else []
    tokens = [tok for i in order for tok in parts[i]]
    return ["kubectl", *command.split(), *tokens]


@st.composite
def retargeting(draw: st.DrawFn) -> list[str]:
    name = draw(st.sampled_from(sorted(RETARGETING_FLAGS | {"server"})))
    value = draw(st.sampled_from(["prod", "https://evil:6443", "/tmp/kubeconfig", "true", "system:admin"]))
    forms = [[f"--{name}={value}"], [f"--{name}", value], [f"--{name}"]]
    if name == "server":
        prefix = draw(st.sampled_from(["", *BOOL_SHORTS])) if BOOL_SHORTS else ""
        forms += [[f"-{prefix}s", value], [f"-{prefix}s{value}"], [f"-{prefix}s={value}"]]
    return draw(st.sampled_from(forms))


@st.composite
def runnable_commands(draw: st.DrawFn) -> tuple[list[str], Scope]:
    """A command the classifier lets run (a read-only, mutating or destructive row of the table), with
    harmless global flags added before the command or at the end."""
    line, namespace = draw(st.sampled_from(RUNNABLE))
    argv = shlex.split(line)
    for extra in draw(st.lists(st.sampled_from(HARMLESS), max_size=2, unique=True)):
        if extra[0].split("=")[0] in line:
            continue  # the row has this flag already: twice is rejected (kubectl would use the last)
        at = draw(st.sampled_from([1, len(argv)]))  # where a flag cannot take the place of a value
        argv = argv[:at] + list(extra) + argv[at:]
    return argv, Scope(namespace, "kind-dev")


def _insert(draw: st.DrawFn, argv: list[str], extra: list[str]) -> list[str]:
    at = draw(st.integers(min_value=1, max_value=len(argv)))
    return argv[:at] + extra + argv[at:]


@settings(max_examples=300, deadline=None)
@given(command=runnable_commands())
def test_the_generated_base_commands_may_run(command: tuple[list[str], Scope]) -> None:
    """So that the two properties below test the insertion, not commands that were rejected anyway."""
    argv, scope = command
    assert classify(argv, scope).category is not Category.REJECTED, argv


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), base=st.one_of(runnable_commands(), st.tuples(commands(), st.sampled_from(SCOPES))))
def test_no_argv_with_a_retargeting_flag_may_run(data: st.DataObject, base: tuple[list[str], Scope]) -> None:
    argv, scope = base
    argv = _insert(data.draw, argv, data.draw(retargeting()))
    decision = classify(argv, scope)
    assert decision.category is Category.REJECTED, (argv, decision.rule, decision.reason)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), base=st.one_of(runnable_commands(), st.tuples(commands(), st.sampled_from(SCOPES))))
def test_no_argv_with_a_shell_metacharacter_may_run(data: st.DataObject,
                                                    base: tuple[list[str], Scope]) -> None:
    argv, scope = base
    char = data.draw(st.sampled_from(sorted(SHELL_CHARACTERS)))
    if data.draw(st.booleans()):
        i = data.draw(st.integers(min_value=0, max_value=len(argv) - 1))
        at = data.draw(st.integers(min_value=0, max_value=len(argv[i])))
        argv[i] = argv[i][:at] + char + argv[i][at:]
    else:
        word = data.draw(st.sampled_from([char, "&&", "||", ">>", "2>&1", "$(id)"]))
        argv = _insert(data.draw, argv, [word])
    decision = classify(argv, scope)
    assert decision.category is Category.REJECTED, (argv, decision.rule, decision.reason)


@settings(max_examples=400, deadline=None)
@given(argv=st.lists(st.text(max_size=12), max_size=8), scope=st.sampled_from(SCOPES))
def test_any_text_gets_a_decision_and_only_plain_kubectl_may_run(argv: list[str], scope: Scope) -> None:
    decision = classify(argv, scope)  # never raises
    assert decision.rule and decision.reason
    if decision.category is not Category.REJECTED:
        assert argv[0] == "kubectl"
        assert all(t.isascii() and t.isprintable() for t in argv)
        assert not any(set(t) & SHELL_CHARACTERS for t in argv)


@settings(max_examples=400, deadline=None)
@given(argv=commands())
def test_a_namespace_scope_never_lets_a_step_act_elsewhere(argv: list[str]) -> None:
    scope = Scope("shop", "kind-dev")
    decision = classify(argv, scope)
    if decision.category is not Category.REJECTED:
        assert decision.namespace == "shop" and not decision.all_namespaces
        if decision.needs_approval:
            assert all(o.namespace == "shop" for o in decision.objects), decision.objects
