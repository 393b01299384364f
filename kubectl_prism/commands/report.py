"""`kubectl prism report`: a health report of a namespace or the cluster, as Markdown, HTML or JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kubectl_prism.errors import FindingsAtOrAboveThreshold, UsageError
from kubectl_prism.findings import Severity
from kubectl_prism.options import (
    FleetOptions,
    GlobalOptions,
    OutputFormat,
    with_fleet_options,
    with_global_options,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from kubectl_prism.findings import Diagnosis
    from kubectl_prism.fleet.model import Fleet
    from kubectl_prism.redact.output import Cleared, Output
    from kubectl_prism.render.console import Lines
    from kubectl_prism.report.model import HealthReport
    from kubectl_prism.snapshot import Snapshot


class ReportFormat(StrEnum):
    md = "md"
    html = "html"
    json = "json"


_EXTENSIONS = {".md": ReportFormat.md, ".markdown": ReportFormat.md, ".html": ReportFormat.html,
               ".htm": ReportFormat.html, ".json": ReportFormat.json}


def format_for(out: Path, explicit: ReportFormat | None) -> ReportFormat:
    if explicit is not None:
        return explicit
    fmt = _EXTENSIONS.get(out.suffix.lower())
    if fmt is None:
        raise UsageError(f"cannot tell the report format from {out.name!r}",
                         hint="use --format md|html|json or a .md, .html or .json file name")
    return fmt


@with_global_options
@with_fleet_options
def report(
    g: GlobalOptions,
    fleet: FleetOptions,
    out: Annotated[Path, typer.Option("--out", help="File to write (written atomically).")],
    fmt: Annotated[ReportFormat | None, typer.Option(
        "--format", help="md, html or json (default: from the --out extension).")] = None,
    fail_on: Annotated[Severity | None, typer.Option(
        "--fail-on", help="Exit 1 when a finding is at or above this severity (after writing).")] = None,
    ai: Annotated[bool | None, typer.Option(
        "--ai/--no-ai", help="Add an AI executive summary (default: on when `ai enable` was run).")] = None,
) -> None:
    """Write a health report: scorecard, nodes, workloads, findings, capacity, restarts, events, gaps.

    With -o json|yaml the run's Diagnosis also goes to stdout (log collection of a scheduled run).
    """
    report_format = format_for(out, fmt)
    if fleet.requested:
        report_fleet(g, fleet, out, report_format, fail_on, ai)
        return
    from kubectl_prism.analyzers import run_analyzers
    from kubectl_prism.commands._output import progress
    from kubectl_prism.findings import Diagnosis, Scope
    from kubectl_prism.gather import check_something_was_readable, gather_scope
    from kubectl_prism.report.model import build_report

    with progress("Gathering cluster state…", g):
        snapshot = gather_scope(g, None)
    with progress("Analyzing…", g):
        findings = run_analyzers(snapshot)
        scope = Scope(snapshot.context, snapshot.namespace, None, snapshot.source)
        diagnosis = Diagnosis(scope, findings, list(snapshot.gaps))
        health = build_report(snapshot, diagnosis)
    section = health.ai_summary = _ai_summary(ai, diagnosis, snapshot)
    ai_error = section.get("error") if section and section.get("status") == "failed" else None

    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    from kubectl_prism.commands._output import clear, write_file

    write_file(out, render(clear(health, g), report_format, generated))
    counts = diagnosis.summary()

    def document() -> Output[str | Lines]:
        from kubectl_prism.commands.diagnose import render_diagnosis

        return render_diagnosis(diagnosis, g, snapshot.counts())

    announce(out, f"{counts['critical']} critical, {counts['warning']} warning, {counts['info']} info", g,
             document)
    check_something_was_readable(snapshot)
    if ai_error:  # the rule-based report is written; its AI section says what went wrong
        from kubectl_prism.errors import AIError

        raise AIError(f"{ai_error}; {out} was written without the AI summary")
    if diagnosis.fails(fail_on):
        raise FindingsAtOrAboveThreshold(f"findings at or above {fail_on.value} (see {out})")


def report_fleet(g: GlobalOptions, fleet: FleetOptions, out: Path, report_format: ReportFormat,
                 fail_on: Severity | None, ai: bool | None) -> None:
    """`report --all-contexts --out FILE`: the fleet health report, and with -o json|yaml the
    FleetDiagnosis on stdout."""
    from datetime import UTC, datetime

    from kubectl_prism.commands._fleet import check_no_ai, finish, render_fleet
    from kubectl_prism.commands._output import clear, progress, write_file
    from kubectl_prism.fleet.jobs import run_fleet
    from kubectl_prism.fleet.model import Fleet, FleetItem
    from kubectl_prism.report.fleet import report_job

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
    from kubectl_prism.printable import printable
    from kubectl_prism.report import fleet as fleet_report

    banner = cleared.banner
    if report_format is ReportFormat.md:
        from kubectl_prism.commands._output import markdown_banner

        head = markdown_banner() if banner else ""
        return cleared.render(lambda r: head + printable(fleet_report.render_fleet_markdown(r, generated)))
    if report_format is ReportFormat.html:
        return cleared.render(
            lambda r: printable(fleet_report.render_fleet_html(r, generated, banner=banner)))

    def as_json(r: Fleet[Any]) -> str:
        from kubectl_prism.render.structured import with_banner

        doc = with_banner(fleet_report.fleet_report_document(r, generated), banner)
        return json.dumps(doc, indent=2) + "\n"

    return cleared.render(as_json)


def announce(out: Path, summary: str, g: GlobalOptions, document: Callable[[], Output[str | Lines]]) -> None:
    """`wrote FILE (summary)`; with -o json|yaml|markdown the run's document goes to stdout first and
    the note to stderr (a scheduled run's log then holds the document alone)."""
    from kubectl_prism.commands._output import echo, write

    unredacted = " UNREDACTED (--show-secrets)" if g.show_secrets else ""
    wrote = f"wrote{unredacted} {out} ({summary})"
    if g.output is OutputFormat.text:
        echo(wrote)
        return
    write(document(), g)
    echo(wrote, err=True)


def render(cleared: Cleared[HealthReport], report_format: ReportFormat, generated: str) -> Output[str]:
    """The report file's text, drawn from the cleared report; an unredacted one says so first."""
    from kubectl_prism.printable import printable  # reports get `cat`: no escape sequences from logs

    banner = cleared.banner
    if report_format is ReportFormat.md:
        from kubectl_prism.commands._output import markdown_banner
        from kubectl_prism.report.markdown import render_markdown

        head = markdown_banner() if banner else ""
        return cleared.render(lambda health: head + printable(render_markdown(health, generated)))
    if report_format is ReportFormat.html:
        from kubectl_prism.report.html import render_html

        return cleared.render(lambda health: printable(render_html(health, generated, banner=banner)))

    def as_json(health: HealthReport) -> str:
        from kubectl_prism.render.structured import with_banner

        doc = health.to_dict()
        doc["generated"] = generated
        return json.dumps(with_banner(doc, banner), indent=2) + "\n"

    return cleared.render(as_json)


def _ai_summary(explicit: bool | None, diagnosis: Diagnosis, snapshot: Snapshot) -> dict | None:
    """The AI executive summary seam: filled by the AI layer when AI is enabled (or asked for)."""
    if explicit is False:
        return None
    try:
        from kubectl_prism.ai.report import ai_report_summary
    except ImportError:
        if explicit:
            from kubectl_prism.errors import AIError

            raise AIError("AI summaries are not available in this build") from None
        return None
    return ai_report_summary(diagnosis, snapshot, explicit=explicit)
