"""The fleet side of `diagnose`, `explain` and `report` (`--contexts`, `--all-contexts`).

Each reads as the single-context command does — select, gather and analyze (fleet/jobs.py), render,
write — and ends with the fleet's exit code: 3 when no context could be read, else 1 when a finding
anywhere is at or above `--fail-on`, else 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kubectl_prism.errors import ClusterAccessError, FindingsAtOrAboveThreshold, UsageError
from kubectl_prism.options import FleetOptions, GlobalOptions, OutputFormat

if TYPE_CHECKING:
    from pathlib import Path

    from kubectl_prism.commands.report import ReportFormat
    from kubectl_prism.findings import Severity
    from kubectl_prism.fleet.model import Fleet
    from kubectl_prism.kinds import Target
    from kubectl_prism.redact.output import Cleared, Output
    from kubectl_prism.render.console import Lines


def check_no_ai(ai: bool | None) -> None:
    """AI explains one context at a time: an explicit --ai with a fleet run is a usage error."""
    if ai:
        raise UsageError("--ai explains one context at a time; fleet runs are rule-based",
                         hint="drop --ai, or pick one context with --context NAME")


def diagnose_fleet(g: GlobalOptions, fleet: FleetOptions, target: Target | None, fail_on: Severity | None,
                   ai: bool | None) -> None:
    from kubectl_prism.commands._output import progress, write
    from kubectl_prism.fleet.jobs import diagnose_job, run_fleet

    check_no_ai(ai)
    with progress("Reading the fleet…", g):
        result = run_fleet(g, fleet, "FleetDiagnosis", diagnose_job(g, target), target)
    write(render_fleet(result, g, "diagnose"), g)
    finish(result, fail_on)


def explain_fleet(g: GlobalOptions, fleet: FleetOptions, target: Target, ai: bool | None) -> None:
    from kubectl_prism.commands._output import progress, write
    from kubectl_prism.fleet.jobs import explain_job, run_fleet

    check_no_ai(ai)
    with progress("Reading the fleet…", g):
        result = run_fleet(g, fleet, "FleetExplanation", explain_job(g, target), target)
    write(render_fleet(result, g, "explain"), g)
    finish(result, None)


def report_fleet(g: GlobalOptions, fleet: FleetOptions, out: Path, report_format: ReportFormat,
                 fail_on: Severity | None, ai: bool | None) -> None:
    """`report --all-contexts --out FILE`: the fleet health report, and with -o json|yaml the
    FleetDiagnosis on stdout."""
    from datetime import UTC, datetime

    from kubectl_prism.commands._output import clear, progress, write_file
    from kubectl_prism.commands.report import announce
    from kubectl_prism.fleet.jobs import report_job, run_fleet
    from kubectl_prism.fleet.model import Fleet, FleetItem

    check_no_ai(ai)
    with progress("Reading the fleet…", g):
        result = run_fleet(g, fleet, "FleetHealthReport", report_job(g))
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    write_file(out, render_fleet_report(clear(result, g), report_format, generated))
    s = result.summary()

    def document() -> Output[str | Lines]:
        diagnoses = Fleet("FleetDiagnosis", [
            FleetItem(i.context, i.result.diagnosis if i.result is not None else None, i.server, i.counts,
                      i.seconds, i.error, i.reason) for i in result.items], result.namespace)
        return render_fleet(diagnoses, g, "diagnose")

    announce(out, f"{s['read']}/{s['contexts']} clusters read; {s['critical']} critical, {s['warning']} "
             f"warning, {s['info']} info", g, document)
    finish(result, fail_on)


def render_fleet_report(cleared: Cleared[Fleet[Any]], report_format: ReportFormat,
                        generated: str) -> Output[str]:
    """The fleet report file, drawn from the cleared fleet; an unredacted one says so first."""
    import json

    from kubectl_prism.printable import printable
    from kubectl_prism.report import fleet as fleet_report

    banner = cleared.banner
    if report_format.value == "md":
        from kubectl_prism.commands._output import markdown_banner

        head = markdown_banner() if banner else ""
        return cleared.render(lambda r: head + printable(fleet_report.render_fleet_markdown(r, generated)))
    if report_format.value == "html":
        return cleared.render(
            lambda r: printable(fleet_report.render_fleet_html(r, generated, banner=banner)))

    def as_json(r: Fleet[Any]) -> str:
        from kubectl_prism.render.structured import with_banner

        doc = with_banner(fleet_report.fleet_report_document(r, generated), banner)
        return json.dumps(doc, indent=2) + "\n"

    return cleared.render(as_json)


def render_fleet(result: Fleet[Any], g: GlobalOptions, command: str) -> Output[str | Lines]:
    """The fleet's output for `-o`, drawn from the cleared fleet (the one door out, redact/output.py)."""
    from kubectl_prism.commands._output import clear

    cleared = clear(result, g)
    if g.output in (OutputFormat.json, OutputFormat.yaml):
        from kubectl_prism.render.structured import structured_output

        return structured_output(cleared, g.output.value)
    if g.output is OutputFormat.markdown:
        from kubectl_prism.render import fleet_markdown

        markdown = fleet_markdown.diagnosis_fleet_markdown if command == "diagnose" else \
            fleet_markdown.explanation_fleet_markdown
        return cleared.render(markdown)
    from kubectl_prism.render import fleet_text

    lines = fleet_text.diagnosis_fleet_lines if command == "diagnose" else fleet_text.explanation_fleet_lines
    return cleared.render(lines)


def finish(result: Fleet[Any], fail_on: Severity | None) -> None:
    """The fleet's exit code, after its output was written."""
    if not result.read:
        reasons = ", ".join(dict.fromkeys(i.status for i in result.items))
        raise ClusterAccessError(f"no context of the fleet could be read ({reasons})",
                                 hint="see the table above; check each context with kubectl --context NAME")
    count = result.fails(fail_on)
    if count and fail_on is not None:
        raise FindingsAtOrAboveThreshold(
            f"{count} finding{'s' if count != 1 else ''} at or above --fail-on {fail_on.value} "
            "across the fleet")
