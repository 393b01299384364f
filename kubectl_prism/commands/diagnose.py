"""`kubectl prism diagnose`: rule-based findings for an object, a namespace or the cluster."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from kubectl_prism.errors import FindingsAtOrAboveThreshold
from kubectl_prism.findings import Severity
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
    from kubectl_prism.findings import Diagnosis, Finding
    from kubectl_prism.redact.output import Output
    from kubectl_prism.render.console import Lines

TARGET_HELP = "KIND/NAME to diagnose (pod/x, deploy/x, sts/x, svc/x, ...). Default: the namespace (or -A)."


@with_global_options
@with_fleet_options
def diagnose(
    g: GlobalOptions,
    fleet: FleetOptions,
    target: Annotated[str | None, typer.Argument(
        help=TARGET_HELP, metavar="TARGET", show_default=False)] = None,
    fail_on: Annotated[Severity | None, typer.Option(
        "--fail-on", help="Exit 1 when a finding is at or above this severity (after printing).",
        case_sensitive=False)] = None,
    list_rules: Annotated[bool, typer.Option(
        "--list-rules", help="List every rule: id, default severity and description.")] = False,
    ai: AiFlag = None,
    anonymize: AnonymizeFlag = False,
) -> None:
    """Find what is wrong, from rules: each finding with evidence and commands that fix it."""
    from kubectl_prism.commands import _ai
    from kubectl_prism.commands._output import progress, write

    if list_rules:
        _print_rules(g)
        return
    from kubectl_prism.kinds import parse_target

    parsed = parse_target(target) if target is not None else None  # "" is a malformed TARGET
    if fleet.requested:
        from kubectl_prism.commands._fleet import diagnose_fleet

        diagnose_fleet(g, fleet, parsed, fail_on, ai)
        return
    settings, ai_error = _ai.resolve(ai)

    from kubectl_prism.analyzers import run_analyzers
    from kubectl_prism.findings import Diagnosis, Scope
    from kubectl_prism.gather import check_something_was_readable, gather_scope

    with progress("Gathering cluster state…", g):
        snapshot = gather_scope(g, parsed)
    with progress("Analyzing…", g):
        findings = run_analyzers(snapshot)
    scope = Scope(snapshot.context, snapshot.namespace, str(parsed) if parsed else None, snapshot.source)
    diagnosis = Diagnosis(scope, findings, list(snapshot.gaps))

    streaming = g.output is OutputFormat.text
    if settings is not None and not streaming:
        diagnosis.ai, ai_error = _ai.quiet(diagnosis, snapshot, settings, anonymize, g)
    write(render_diagnosis(diagnosis, g, snapshot.counts()), g)
    if settings is not None and streaming:
        diagnosis.ai, ai_error = _ai.streamed(diagnosis, snapshot, settings, anonymize, g)
    if ai_error is not None:
        raise ai_error
    check_something_was_readable(snapshot)
    check_fail_on(diagnosis.findings, fail_on)


def check_fail_on(findings: list[Finding], fail_on: Severity | None) -> None:
    """Exit 1 (after the output is written) when a finding is at or above the threshold."""
    if fail_on is None:
        return
    count = sum(1 for f in findings if f.severity.at_least(fail_on))
    if count:
        raise FindingsAtOrAboveThreshold(
            f"{count} finding{'s' if count != 1 else ''} at or above --fail-on {fail_on.value}")


def render_diagnosis(diagnosis: Diagnosis, g: GlobalOptions, counts: dict[str, int]) -> Output[str | Lines]:
    """The document for `-o json|yaml|markdown`, or text lines for people: from the cleared diagnosis."""
    from kubectl_prism.commands._output import clear

    cleared = clear(diagnosis, g)
    if g.output in (OutputFormat.json, OutputFormat.yaml):
        from kubectl_prism.render.structured import structured_output

        return structured_output(cleared, g.output.value)
    if g.output is OutputFormat.markdown:
        from kubectl_prism.render.markdown import diagnosis_markdown

        return cleared.render(lambda d: diagnosis_markdown(d, counts))
    from kubectl_prism.render.text import diagnosis_lines

    return cleared.render(lambda d: diagnosis_lines(d, counts))


def _print_rules(g: GlobalOptions) -> None:
    from kubectl_prism.analyzers import registered
    from kubectl_prism.commands._output import write
    from kubectl_prism.redact.output import clear_for_output

    rules = [{"id": r.id, "severity": r.severity.value, "description": r.description, "analyzer": spec.name}
             for spec in registered() for r in spec.rules]
    rules.sort(key=lambda r: r["id"])
    cleared = clear_for_output(rules)  # prism's own words, nothing from a cluster: never "unredacted"
    if g.output in (OutputFormat.json, OutputFormat.yaml):
        from kubectl_prism.render.structured import structured_output

        write(structured_output(cleared, g.output.value), g)
    elif g.output is OutputFormat.markdown:
        from kubectl_prism.render.markdown import rules_markdown

        write(cleared.render(rules_markdown), g)
    else:
        from kubectl_prism.render.text import rules_lines

        write(cleared.render(rules_lines), g)
