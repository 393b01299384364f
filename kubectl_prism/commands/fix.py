"""`kubectl prism fix [TARGET] [-n NS | -A] [--no-ai] [--plan] [-o text|json|markdown]`: agent mode.

What it does:
1. refuses while agent mode is off (exit 2, naming `kubectl prism agent enable`);
2. diagnoses the scope (live only: a snapshot cannot be fixed);
3. builds the plan: the findings' remediation commands, classified, root causes first
   (`agent.steps.rule_plan`);
4. with a person at the controlling terminal: walks the steps that change something through the fix
   loop (`agent.loop.FixLoop`: preview, confirm, re-check, run), then re-diagnoses and prints
   before/after; without one (CI), or with `--plan` or `-o json|markdown`: prints the plan with each
   step's classification and server-side preview, and changes nothing.
Exit codes: 0 nothing to fix / every step answered; 5 the plan holds a change nobody confirmed, a
step was declined, refused or failed, or the person quit.

Extension points:
- The step source: `_rule_source` gives the rule-based one; `fix --ai` plugs in an AI source (any
  `agent.steps.StepSource`) and runs it through the same `FixLoop` with `run_read_only=True`.
- The prompter: `_prompter(tty, g)` draws cards with `render.fix.card_lines`; shell and GitOps cards
  (`agent.confirm.text_card`) are drawn by the same function.
- `finish(...)` re-diagnoses and prints before/after and the exit status for any loop's outcomes.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kubectl_prism.errors import AgentStopped, UsageError
from kubectl_prism.options import GlobalOptions, OutputFormat, with_global_options

if TYPE_CHECKING:
    from kubectl_prism.agent.decision import Scope
    from kubectl_prism.agent.steps import PlannedStep, StepOutcome
    from kubectl_prism.agent.terminal import TerminalPrompter, Tty
    from kubectl_prism.findings import Finding
    from kubectl_prism.kinds import Target

PLAN_PREVIEWS_AT_ONCE = 3  # steps previewed side by side for a plan (each runs up to 3 kubectl at once)
TARGET_HELP = "KIND/NAME to fix (deploy/x, svc/x, pod/x, ...). Default: the namespace (or -A)."


@with_global_options
def fix(
    g: GlobalOptions,
    target: Annotated[str | None, typer.Argument(
        help=TARGET_HELP, metavar="TARGET", show_default=False)] = None,
    plan: Annotated[bool, typer.Option(
        "--plan", help="Print the plan (each step classified, with its server-side preview) and change "
        "nothing. Exit 5 when it holds a change. What `fix` does without a terminal to ask.")] = False,
    ai: Annotated[bool | None, typer.Option(
        "--ai/--no-ai", help="Let the model propose the steps (propose_step; shell commands too with "
        "`agent enable --terminal`); each is classified, previewed and confirmed like the rules' steps. "
        "Default: on when `ai enable` was run.")] = None,
    repo: Annotated[str | None, typer.Option(
        "--repo", metavar="PATH", help="GitOps: change the objects' manifests in this git repository "
        "instead of the cluster (plain YAML or kustomize overlays); each change is committed on a branch "
        "prism/fix-RULE-NAME after a yes, pushed only after a second yes. Needs `agent enable --gitops`.",
        show_default=False)] = None,
) -> None:
    """Fix what diagnose found, one confirmed step at a time (agent mode; off until `agent enable`)."""
    from kubectl_prism.agent.settings import require_agent, resolve_kubectl
    from kubectl_prism.kinds import parse_target

    if g.output not in (OutputFormat.text, OutputFormat.json, OutputFormat.markdown):
        raise UsageError(f"-o {g.output.value} is not supported by fix", hint="use -o text, json or markdown")
    parsed = parse_target(target) if target is not None else None
    agent = require_agent(gitops=repo is not None)  # exit 2 with the command that turns it on
    if g.snapshot is not None:
        raise UsageError("fix changes a live cluster and cannot read a snapshot",
                         hint="drop --snapshot (`diagnose --snapshot` shows the findings offline)")
    kubectl = resolve_kubectl(configured=agent.kubectl)
    from kubectl_prism.commands import _fix_ai as with_ai
    from kubectl_prism.commands import _fix_gitops as gitops

    git_repo = gitops.open_repo(repo) if repo is not None else None
    ai_settings = with_ai.resolve(ai)  # --ai without AI set up: exit 4 before anything is read
    from kubectl_prism.agent.scope import resolve_scope

    scope = resolve_scope(g)
    findings = _diagnose(g, parsed)
    from kubectl_prism.agent.steps import rule_plan

    steps = rule_plan(findings, scope)
    tty = None
    if not plan and g.output is OutputFormat.text:
        from kubectl_prism.agent.terminal import open_terminal

        tty = open_terminal()
        if tty is None:
            from kubectl_prism.commands._output import echo

            echo("No terminal to ask: printing the plan; nothing is changed.", err=True)
    if tty is None or (ai_settings is None and not any(s.decision.needs_approval for s in steps)):
        if tty is not None:
            tty.close()
        if git_repo is not None:  # each change as the manifest diff it would commit
            gitops.print_plan(g, scope, findings, steps, kubectl, git_repo)
        else:
            print_plan(g, scope, findings, steps, kubectl)  # nothing to ask about: the plan says so
        return
    if ai_settings is not None:
        with tty:
            loop, source = with_ai.walk(g, scope, target, findings, kubectl, agent, _prompter(tty, g),
                                        ai_settings, git_repo)
        with_ai.finish(g, scope, parsed, findings, loop, source)
        return
    if git_repo is not None:
        from kubectl_prism.agent.steps import RuleSource

        changes = sum(1 for s in steps if s.decision.needs_approval)
        with tty:
            loop = gitops.walk(g, scope, RuleSource(steps), changes, kubectl, _prompter(tty, g), git_repo)
        gitops.finish(g, loop)
        return
    with tty:
        outcomes = _walk(g, scope, steps, kubectl, _prompter(tty, g))
    finish(g, scope, parsed, findings, outcomes)


def _diagnose(g: GlobalOptions, parsed: Target | None) -> list[Finding]:
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


def _prompter(tty: Tty, g: GlobalOptions) -> TerminalPrompter:
    from kubectl_prism.agent.terminal import TerminalPrompter
    from kubectl_prism.commands._output import clear, echo, write
    from kubectl_prism.render.fix import card_lines

    return TerminalPrompter(tty, lambda card: write(clear(card, g).render(card_lines), g), echo)


def _walk(g: GlobalOptions, scope: Scope, steps: list[PlannedStep], kubectl: str,
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
        after = _diagnose(g, parsed)
        doc = {**compare(before, after).to_dict(), "scopeText": scope.describe()}
        write(clear(doc, g).render(before_after_lines), g)
    write(clear({"counts": dict(counts)}, g).render(summary_lines), g)
    st.stop_if_unfinished(counts, after_quit="the steps after it were not run",
                          not_done="the cluster is not fully fixed")


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
