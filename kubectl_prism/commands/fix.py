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
- `_fix_live.finish(...)` re-diagnoses and prints before/after and the exit status for any live loop's
  outcomes; `_fix_plan.write_plan(...)` prints any plan document (the GitOps plan adds manifest diffs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from kubectl_prism.errors import UsageError
from kubectl_prism.options import GlobalOptions, OutputFormat, with_global_options

if TYPE_CHECKING:
    from kubectl_prism.agent.terminal import TerminalPrompter, Tty

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
    from kubectl_prism.commands import _fix_live as live

    git_repo = gitops.open_repo(repo) if repo is not None else None
    ai_settings = with_ai.resolve(ai)  # --ai without AI set up: exit 4 before anything is read
    from kubectl_prism.agent.scope import resolve_scope

    scope = resolve_scope(g)
    findings = live.diagnose(g, parsed)
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
            from kubectl_prism.commands._fix_plan import print_plan

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
        outcomes = live.walk(g, scope, steps, kubectl, _prompter(tty, g))
    live.finish(g, scope, parsed, findings, outcomes)


def _prompter(tty: Tty, g: GlobalOptions) -> TerminalPrompter:
    from kubectl_prism.agent.terminal import TerminalPrompter
    from kubectl_prism.commands._output import clear, echo, write
    from kubectl_prism.render.fix import card_lines

    return TerminalPrompter(tty, lambda card: write(clear(card, g).render(card_lines), g), echo)
