"""The agent's gate: `classify(argv, scope)` says whether a kubectl command is read-only, mutating,
destructive or rejected, and why. Pure: no I/O, no cluster, no environment.

It fails closed. What it does not recognise as safe is rejected: shell syntax, another program,
flags that retarget kubectl or change who it acts as, other namespaces, Secret data in any spelling,
`--raw`, remote or stdin manifests, a `--dry-run` someone else chose, follow/watch, verbs that open
shells, proxies, editors or kubeconfig, RBAC writes, deleting namespaces, nodes, volumes or CRDs,
`apply --prune`, non-ASCII lookalikes, repeated flags, unknown flags and unknown commands. argv is
parsed with kubectl's own flag table (`kubectl_flags`), the way kubectl parses it (`argv`).

Check order (the first rule that matches decides, and its id is `Decision.rule`): the tokens
themselves (characters, shell syntax, the program, retargeting flags), then the command, then its
flags, then what it acts on. `verbs` holds the per-command rules.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from kubectl_prism.agent.argv import Flag, Refusal, is_bool_short, parse_flags, read_subcommand, read_verb
from kubectl_prism.agent.decision import Category, Decision, Scope, _make
from kubectl_prism.agent.verbs import CommandContext, Verdict, has_rules, run_rules

# Flags that point kubectl at another cluster, user, identity, credential or trust root, or change
# where it reads its configuration from (`--kuberc`, `--cache-dir`: aliases and cached discovery).
RETARGETING_FLAGS = frozenset({
    "kubeconfig", "context", "cluster", "user", "server", "token", "as", "as-group", "as-uid",
    "as-user-extra", "certificate-authority", "client-certificate", "client-key",
    "insecure-skip-tls-verify", "tls-server-name", "proxy-url", "username", "password", "kuberc",
    "cache-dir",
})
RETARGETING_SHORTHANDS = frozenset({"s"})  # -s, --server

# Commands that open a shell, a proxy, an editor, a tunnel, a file copy, kubeconfig, plugins,
# kustomize (which can run helm and fetch remote bases), or approve certificates.
FORBIDDEN_VERBS = frozenset({
    "config", "edit", "exec", "attach", "port-forward", "proxy", "cp", "debug", "run", "kustomize",
    "certificate", "plugin", "kuberc",
})
FORBIDDEN_SUBCOMMANDS = frozenset({("auth", "reconcile"), ("create", "token"), ("create", "secret"),
                                   ("apply", "edit-last-applied")})

# Characters and words that only mean something to a shell. argv never goes through one, so their
# presence means the command was written for a shell: pipes, lists, redirections, substitutions.
SHELL_CHARACTERS = frozenset(";|&<>`$\\\n\r")
_SHELL_WORDS = frozenset({"(", ")", "{", "}", "!", "!!", "[[", "]]"})
# No kubectl command an agent step needs comes near these; past them the input is hostile or broken,
# and classifying it would only cost time and memory.
MAX_TOKENS = 256
MAX_BYTES = 64 * 1024
_ENV_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_WRAPPERS = frozenset({"env", "sudo", "doas", "sh", "bash", "zsh", "dash", "fish", "exec", "xargs", "nohup",
                       "timeout", "watch", "command", "nice", "time", "busybox", "k"})


def classify(argv: Sequence[str], scope: Scope) -> Decision:
    """Classify one kubectl command (argv[0] must be `kubectl`) for an agent run in `scope`."""
    tokens = tuple(argv)
    try:
        _check_tokens(tokens)
        verb, sub, pos, flags = _read_command(tokens)
        command = f"{verb} {sub}" if sub else verb
        parsed = parse_flags(tokens, command, pos, flags)
        ctx = CommandContext(tokens, scope, parsed)
        verdict = run_rules(ctx)
    except Refusal as refusal:
        if refusal.rule == "too-long":  # keep what is shown and logged small: the start says enough
            tokens = (*(t[:200] for t in tokens[:16]), "…")
        return _make(tokens, scope, Category.REJECTED, refusal.rule, refusal.reason,
                     verb=_verb_for_message(tokens))
    return _decision(tokens, scope, command, verdict, ctx)


def classify_command_line(text: str, scope: Scope) -> Decision:
    """Classify a command written as one line (a finding's remediation, a person's typing).

    Split with POSIX shell quoting rules (`shlex`), without a shell: `a; b` stays one token `a;`,
    which the shell-syntax rule then rejects. Unbalanced quotes are rejected too.
    """
    import shlex

    if len(text) > MAX_BYTES:
        return _make((text[:200] + "…",), scope, Category.REJECTED, "too-long",
                     f"the command is longer than {MAX_BYTES // 1024} KiB")
    try:
        argv = shlex.split(text, comments=False, posix=True)
    except ValueError as err:
        return _make((text,), scope, Category.REJECTED, "shell-syntax",
                     f"cannot be split into words the way a shell would: {err}")
    if not argv:
        return _make((), scope, Category.REJECTED, "empty", "no command given")
    return classify(argv, scope)


def _decision(argv: tuple[str, ...], scope: Scope, command: str, verdict: Verdict,
              ctx: CommandContext) -> Decision:
    details = {
        "verb": command,
        "namespace": ctx.namespace,
        "all_namespaces": ctx.all_namespaces,
        "objects": tuple(verdict.objects),
        "resources": tuple(dict.fromkeys(verdict.resources)),
        "by_selector": verdict.by_selector,
        "selector": verdict.selector,
        "files": tuple(verdict.files),
    }
    if verdict.files:
        details["argv_without_files"] = _without_file_flags(argv, ctx.parsed.given("filename"))
    return _make(argv, scope, verdict.category, verdict.rule, verdict.reason, **details)


def _without_file_flags(argv: tuple[str, ...], file_flags: list[Flag]) -> tuple[str, ...]:
    drop = {i for f in file_flags for i in range(f.start, f.end)}
    return tuple(tok for i, tok in enumerate(argv) if i not in drop)


# --- the tokens themselves -----------------------------------------------------------------------


def _check_tokens(argv: tuple[str, ...]) -> None:
    if not argv:
        raise Refusal("empty", "no command given")
    for token in argv:
        if not isinstance(token, str):
            raise Refusal("bad-arguments", f"argv holds a {type(token).__name__}, not text")
    if len(argv) > MAX_TOKENS or sum(len(t) for t in argv) > MAX_BYTES:
        raise Refusal("too-long", f"the command has more than {MAX_TOKENS} words or {MAX_BYTES // 1024} KiB")
    for token in argv:
        _check_characters(token)
    for token in argv:
        _check_shell(token)
    _check_program(argv[0])
    for token in argv[1:]:
        _check_retargeting(token)


def _check_characters(token: str) -> None:
    for ch in token:
        if ch in "\n\r":
            raise Refusal("shell-syntax", "a line break inside the command (a second command)")
        if not (" " <= ch <= "~"):
            what = unicodedata.name(ch, f"control character U+{ord(ch):04X}")
            raise Refusal("non-ascii", f'"{_show(token)}" holds {what} (U+{ord(ch):04X}); kubectl commands '
                          "are plain ASCII, and a lookalike letter can hide a different command")


def _check_shell(token: str) -> None:
    found = sorted(set(token) & SHELL_CHARACTERS)
    if found:
        raise Refusal("shell-syntax", f'"{_show(token)}" holds shell syntax ({" ".join(found)}): prism runs '
                      "one kubectl command as a list of words, never through a shell")
    if token in _SHELL_WORDS or token.startswith("#"):
        raise Refusal("shell-syntax", f'"{_show(token)}" is shell syntax: prism runs one kubectl command, '
                      "never through a shell")


def _check_program(program: str) -> None:
    if program == "kubectl":
        return
    if _ENV_ASSIGNMENT.match(program):
        raise Refusal("env-prefix", f'the command starts with an environment assignment "{_show(program)}": '
                      "prism runs kubectl with its own environment, never one a command sets")
    base = program.rsplit("/", 1)[-1]
    if base == "kubectl":
        raise Refusal("other-binary", f'"{_show(program)}" is a path to a kubectl binary: prism runs only '
                      "the kubectl it resolved itself (PATH, --kubectl or the config)")
    if base in _WRAPPERS:
        raise Refusal("other-binary", f'"{_show(program)}" wraps the command in another program: prism runs '
                      "kubectl directly")
    raise Refusal("other-binary", f'"{_show(program)}" is not kubectl: agent steps are kubectl commands '
                  "(shell commands need the terminal skill)")


def _check_retargeting(token: str) -> None:
    """Reject retargeting flags wherever they stand, even where kubectl would read them as a value."""
    if token.startswith("--"):
        name = token[2:].split("=", 1)[0]
        if name in RETARGETING_FLAGS:
            raise Refusal("retargeting-flag", "a flag that changes which cluster, user or credentials "
                          f"kubectl uses (--{name}); prism pins the scope's kubeconfig and context itself")
        return
    if token.startswith("-") and len(token) > 1:
        for letter in token[1:]:
            if letter in RETARGETING_SHORTHANDS:
                raise Refusal("retargeting-flag", f"-{letter} (--server) in {_show(token)} points kubectl at "
                              "another API server: prism pins the scope's kubeconfig and context itself")
            if not is_bool_short(letter):
                return  # a flag taking a value: the rest of the token is that value


# --- the command ---------------------------------------------------------------------------------

_NOT_ALLOWED_HINT = (
    "prism runs get, describe, logs, events, top, explain, rollout, auth can-i, api-resources, apply -f, "
    "patch, scale, set image|resources|env, label, annotate, cordon, uncordon, drain, delete, replace"
)


def _read_command(argv: tuple[str, ...]) -> tuple[str, str | None, int, list[Flag]]:
    flags: list[Flag] = []
    verb, pos = read_verb(argv, flags)
    if verb in FORBIDDEN_VERBS:
        raise Refusal("forbidden-verb", f"`kubectl {verb}` is never run by prism (it can open shells, "
                      "tunnels, editors or credentials, or run other programs)")
    try:
        sub, pos = read_subcommand(argv, verb, pos, flags)
    except Refusal:
        if verb == "create":
            raise Refusal("verb-not-allowed",
                          f"`kubectl create` is not run by prism ({_NOT_ALLOWED_HINT})") from None
        raise
    if (verb, sub) in FORBIDDEN_SUBCOMMANDS:
        raise Refusal("forbidden-verb", f"`kubectl {verb} {sub}` is never run by prism (it reads or mints "
                      "credentials, or rewrites RBAC)")
    if (verb, sub) == ("set", "subject"):
        raise Refusal("rbac-write", "`kubectl set subject` changes who a role binding grants: RBAC is never "
                      "written by prism")
    command = f"{verb} {sub}" if sub else verb
    if not has_rules(command):
        raise Refusal("verb-not-allowed", f"`kubectl {command}` is not run by prism ({_NOT_ALLOWED_HINT})")
    return verb, sub, pos, flags


def _verb_for_message(argv: tuple[str, ...]) -> str | None:
    """The command word, when one can be read, for the rejected decision's `verb`."""
    if not argv or not all(isinstance(t, str) for t in argv):
        return None
    try:
        flags: list[Flag] = []
        verb, pos = read_verb(argv, flags)
        sub, _ = read_subcommand(argv, verb, pos, flags)
    except (Refusal, IndexError):
        return None
    return f"{verb} {sub}" if sub else verb


def _show(token: str, limit: int = 80) -> str:
    """A token for a reason line: control characters escaped, long ones cut."""
    text = token.encode("unicode_escape").decode("ascii") if not token.isprintable() else token
    return text if len(text) <= limit else text[:limit] + "…"
