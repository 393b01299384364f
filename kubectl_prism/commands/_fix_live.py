"""`fix` against the live cluster: diagnose the scope, walk the steps through the fix loop, finish.

`fix.py` calls `diagnose` for the findings and, at a terminal without `--ai` or `--repo`, `walk`;
`finish` re-diagnoses and prints before/after and the step counts for any live loop's outcomes (the
AI path, `_fix_ai.py`, ends with it too).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from kubectl_prism.errors import UsageError

if TYPE_CHECKING:
    from kubectl_prism.agent.decision import Scope
    from kubectl_prism.agent.steps import PlannedStep, StepOutcome
    from kubectl_prism.agent.terminal import TerminalPrompter
    from kubectl_prism.findings import Finding
    from kubectl_prism.kinds import Target
    from kubectl_prism.options import GlobalOptions


def diagnose(g: GlobalOptions, parsed: Target | None) -> list[Finding]:
    """The findings of the scope; with a TARGET, those about it (its own, and those naming it as owner
    or affected object). The whole namespace is read either way: a Service's fix is in its
    pods' labels, which a Service-only gather would not see."""
    from kubectl_prism.analyzers import run_analyzers
    from kubectl_prism.commands._output import progress
    from kubectl_prism.gather import check_something_was_readable, gather_scope

    if parsed is not None and parsed.info.namespaced and g.all_namespaces:
        raise UsageError("a resource cannot be retrieved by name across all namespaces",
                         hint=f"use -n NAMESPACE with {parsed}")
    with progress("Gathering cluster state…", g):
        snapshot = gather_scope(g, None, keep_process=True)
    check_something_was_readable(snapshot)
    with progress("Analyzing…", g):
        findings = run_analyzers(snapshot)
    if parsed is None:
        return findings
    return [f for f in findings if any(ref is not None and ref.kind == parsed.kind and ref.name == parsed.name
                                       for ref in (f.object, f.owner, *f.affected))]


def walk(g: GlobalOptions, scope: Scope, steps: list[PlannedStep], kubectl: str,
          prompter: TerminalPrompter) -> list[StepOutcome]:
    from kubectl_prism.agent.loop import FixLoop
    from kubectl_prism.agent.steps import RuleSource
    from kubectl_prism.commands._output import echo

    source = RuleSource(steps)
    changes = sum(1 for s in steps if s.decision.needs_approval)
    echo(f"{changes} step{'s' if changes != 1 else ''} to confirm in {scope.describe()}: each is shown "
         "with a server-side preview; answer y, n, e (edit), s (skip) or q (quit).")
    return FixLoop(prompter, kubectl).run(source, total=changes)


def finish(g: GlobalOptions, scope: Scope, parsed: Target | None, before: list[Finding],
           outcomes: list[StepOutcome]) -> None:
    """After the last step: re-diagnose when something ran, print before/after and the step counts,
    and end with exit 5 when a step was declined, refused or failed, or the person quit."""
    from kubectl_prism.agent import steps as st
    from kubectl_prism.agent.before_after import compare
    from kubectl_prism.commands._output import clear, write
    from kubectl_prism.render.fix import before_after_lines, summary_lines

    counts = Counter(o.status for o in outcomes)
    if counts[st.RAN] or counts[st.FAILED]:
        after = diagnose(g, parsed)
        doc = {**compare(before, after).to_dict(), "scopeText": scope.describe()}
        write(clear(doc, g).render(before_after_lines), g)
    write(clear({"counts": dict(counts)}, g).render(summary_lines), g)
    st.stop_if_unfinished(counts, after_quit="the steps after it were not run",
                          not_done="the cluster is not fully fixed")
