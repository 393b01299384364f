"""The plan of `fix --plan` (and of `fix` without a terminal): every step classified, changes previewed.

`plan_document` builds it (the server-side previews run a few at a time), `write_plan` prints it as
text, json or markdown and ends with exit 5 when it holds a change; `_fix_gitops.py` adds each
change's manifest diff to the same document before printing it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from kubectl_prism.errors import AgentStopped
from kubectl_prism.options import GlobalOptions, OutputFormat

if TYPE_CHECKING:
    from kubectl_prism.agent.decision import Scope
    from kubectl_prism.agent.steps import PlannedStep
    from kubectl_prism.findings import Finding

PLAN_PREVIEWS_AT_ONCE = 3  # steps previewed side by side for a plan (each runs up to 3 kubectl at once)


def plan_document(scope: Scope, findings: list[Finding], steps: list[PlannedStep], kubectl: str
                  ) -> dict[str, Any]:
    """The plan: every remediation command classified; changes with their server-side preview."""
    from concurrent.futures import ThreadPoolExecutor

    from kubectl_prism.agent.preview import compute_preview

    changes = [s.decision for s in steps if s.decision.needs_approval and s.decision.runnable]
    with ThreadPoolExecutor(max_workers=PLAN_PREVIEWS_AT_ONCE, thread_name_prefix="prism-plan") as pool:
        done = pool.map(lambda d: compute_preview(d, kubectl=kubectl), changes)
        previews = dict(zip(map(id, changes), done, strict=True))
    entries = []
    for step in steps:
        decision = step.decision
        preview = previews.get(id(decision))
        f = step.finding
        entries.append({
            "finding": {"id": f.id, "severity": f.severity.value, "title": f.title, "object": str(f.object)},
            "description": step.description,
            "commandLine": decision.command_line,
            "argv": list(decision.argv),
            "sha256": decision.sha256,
            "category": str(decision.category),
            "rule": decision.rule,
            "reason": decision.reason,
            "confirmWord": decision.confirm_word,
            "preview": preview.to_dict() if preview else None,
        })
    return {"apiVersion": "prism/v1", "kind": "FixPlan", "scope": scope.to_dict(),
            "scopeText": scope.describe(),
            "summary": {"findings": len(findings), "steps": len(steps),
                        "changes": sum(1 for s in steps if s.decision.needs_approval)},
            "steps": entries}


def print_plan(g: GlobalOptions, scope: Scope, findings: list[Finding], steps: list[PlannedStep],
               kubectl: str) -> None:
    """`fix --plan` (and `fix` without a terminal): print the plan; exit 5 when it holds a change."""
    write_plan(g, plan_document(scope, findings, steps, kubectl))


def write_plan(g: GlobalOptions, doc: dict[str, Any]) -> None:
    """Print a plan document (text, json or markdown); exit 5 when it holds a change."""
    from kubectl_prism.commands._output import clear, write
    from kubectl_prism.render.fix import plan_lines, plan_markdown

    cleared = clear(doc, g)
    if g.output is OutputFormat.json:
        from kubectl_prism.redact.output import BANNER_FIELD

        head = {BANNER_FIELD: cleared.banner} if cleared.banner else {}
        write(cleared.render(lambda d: json.dumps({**head, **d}, indent=2) + "\n"), g)
    elif g.output is OutputFormat.markdown:
        write(cleared.render(plan_markdown), g)
    else:
        write(cleared.render(plan_lines), g)
    changes = doc["summary"]["changes"]
    if changes:
        raise AgentStopped(f"the plan holds {changes} change{'s' if changes != 1 else ''} that nobody "
                           "confirmed: nothing was changed",
                           hint="run `kubectl prism fix` at a terminal to confirm each step")
