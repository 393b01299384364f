"""`kubectl prism explain`: one object — what it is, what it runs, what touches it, what is wrong."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from kubectl_prism.errors import UsageError
from kubectl_prism.options import (
    AiFlag,
    AnonymizeFlag,
    FleetOptions,
    GlobalOptions,
    OutputFormat,
    with_fleet_options,
    with_global_options,
)

if TYPE_CHECKING:
    from kubectl_prism.explain.model import Explanation
    from kubectl_prism.redact.output import Output
    from kubectl_prism.render.console import Lines

TARGET_HELP = "KIND/NAME to explain (pod/x, deploy/x, svc/x, pvc/x, node/x, ...)."


@with_global_options
@with_fleet_options
def explain(
    g: GlobalOptions,
    fleet: FleetOptions,
    target: Annotated[str, typer.Argument(
        help=TARGET_HELP, metavar="TARGET", show_default=False)],
    ai: AiFlag = None,
    anonymize: AnonymizeFlag = False,
) -> None:
    """Explain one object: owners, spec, status, pods, related objects, events, findings, utilization."""
    from kubectl_prism.kinds import parse_target

    parsed = parse_target(target)
    if g.all_namespaces:
        raise UsageError("explain works on one object; -A/--all-namespaces cannot be used",
                         hint="name its namespace with -n NAMESPACE")
    if fleet.requested:
        from kubectl_prism.commands._fleet import explain_fleet

        explain_fleet(g, fleet, parsed, ai)
        return
    from kubectl_prism.commands import _ai
    from kubectl_prism.commands._output import progress, write

    settings, ai_error = _ai.resolve(ai)

    from kubectl_prism.analyzers import run_analyzers
    from kubectl_prism.explain.model import build_explanation
    from kubectl_prism.findings import Diagnosis
    from kubectl_prism.gather import gather_scope

    with progress("Gathering cluster state…", g):
        snapshot = gather_scope(g, parsed)
    with progress("Analyzing…", g):
        explanation = build_explanation(snapshot, parsed, run_analyzers(snapshot))

    streaming = g.output is OutputFormat.text
    # The AI sees the object's findings and the same snapshot the explanation was built from.
    as_diagnosis = Diagnosis(explanation.scope, explanation.findings, explanation.gaps)
    if settings is not None and not streaming:
        explanation.ai, ai_error = _ai.quiet(as_diagnosis, snapshot, settings, anonymize, g,
                                              purpose="explain")
    write(render_explanation(explanation, g), g)
    if settings is not None and streaming:
        explanation.ai, ai_error = _ai.streamed(
            as_diagnosis, snapshot, settings, anonymize, g, purpose="explain"
        )
    if ai_error is not None:
        raise ai_error


def render_explanation(explanation: Explanation, g: GlobalOptions) -> Output[str | Lines]:
    from kubectl_prism.commands._output import clear

    cleared = clear(explanation, g)
    if g.output in (OutputFormat.json, OutputFormat.yaml):
        from kubectl_prism.render.structured import structured_output

        return structured_output(cleared, g.output.value)
    if g.output is OutputFormat.markdown:
        from kubectl_prism.render.explain_markdown import explanation_markdown

        return cleared.render(explanation_markdown)
    from kubectl_prism.render.explain_text import explanation_lines

    return cleared.render(explanation_lines)
