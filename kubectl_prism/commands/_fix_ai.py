"""`fix --ai`: the model proposes the steps (`ai.fix_source.AIStepSource`), the same fix loop runs them.

Read-only steps run unasked (within the source's caps); every change is previewed and confirmed;
with `--repo` the changes become commits (`agent.gitops.flow.GitOpsLoop`). The run ends with the
model's summary, before/after when something ran, and exit 5 when the person quit or a step was
declined, refused or failed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kubectl_prism.errors import AgentStopped

if TYPE_CHECKING:
    from kubectl_prism.agent.decision import Scope
    from kubectl_prism.agent.gitops.repo import GitRepo
    from kubectl_prism.agent.settings import AgentSettings
    from kubectl_prism.agent.terminal import Prompter
    from kubectl_prism.ai.config import AISettings
    from kubectl_prism.ai.fix_source import AIStepSource
    from kubectl_prism.findings import Finding
    from kubectl_prism.kinds import Target
    from kubectl_prism.options import GlobalOptions


def resolve(explicit: bool | None) -> AISettings | None:
    """The AI settings when this run uses AI (`--ai`, or AI enabled and no `--no-ai`)."""
    from kubectl_prism.ai.resolve import resolve_ai

    settings = resolve_ai(explicit)
    if settings is not None:
        from kubectl_prism.ai.providers import prewarm

        prewarm(settings.provider, settings)  # import the SDK while the cluster is read
    return settings


def walk(g: GlobalOptions, scope: Scope, request: str | None, findings: list[Finding], kubectl: str,
         agent: AgentSettings, prompter: Prompter, settings: AISettings, repo: GitRepo | None
         ) -> tuple[Any, AIStepSource]:
    import uuid

    from kubectl_prism.agent.loop import FixLoop
    from kubectl_prism.ai.fix_source import AIStepSource
    from kubectl_prism.ai.providers import make_provider
    from kubectl_prism.ai.tools import AskTools
    from kubectl_prism.commands._output import echo

    run_id = uuid.uuid4().hex[:12]
    tools = AskTools(g)
    source = AIStepSource(make_provider(settings), tools, scope, findings, prompter, terminal=agent.terminal,
                          max_turns=max(settings.max_steps * 3, 12), token_budget=settings.loop_tokens,
                          request=request, run_id=run_id)
    skill = "; shell commands too (terminal skill)" if agent.terminal else ""
    echo(f"AI fix of {scope.describe()}: the model proposes one step at a time{skill}. Read-only steps run "
         "unasked; every change is previewed and asked: y, n, e (edit), s (skip) or q (quit).")
    loop: Any
    if repo is not None:
        from kubectl_prism.agent.gitops.flow import GitOpsLoop

        loop = GitOpsLoop(prompter, kubectl, repo, run_read_only=True, run_id=run_id)
    else:
        loop = FixLoop(prompter, kubectl, run_read_only=True, run_id=run_id)
    loop.run(source)
    return loop, source


def finish(g: GlobalOptions, scope: Scope, parsed: Target | None, findings: list[Finding], loop: Any,
           source: AIStepSource) -> None:
    from kubectl_prism.commands._output import echo

    if source.stopped:
        what = "model turns" if source.stopped == "max_steps" else "tokens"
        echo(f"The AI's budget of {what} is used up: it proposes nothing more.")
    from kubectl_prism.agent.gitops.flow import GitOpsLoop

    try:
        if isinstance(loop, GitOpsLoop):
            from kubectl_prism.commands import _fix_gitops

            _fix_gitops.finish(g, loop)
        else:
            from kubectl_prism.commands._fix_live import finish as finish_live

            finish_live(g, scope, parsed, findings, loop.outcomes)
    except AgentStopped:
        if not source.quit:
            raise
    if source.quit:  # the person quit at a shell command's question
        raise AgentStopped("stopped: you quit; nothing more was proposed or run")
