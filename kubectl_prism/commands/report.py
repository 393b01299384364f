"""`kubectl prism report`: a health report of a namespace or the cluster, as Markdown, HTML or JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kubectl_prism.errors import FindingsAtOrAboveThreshold, UsageError
from kubectl_prism.findings import Severity
from kubectl_prism.options import GlobalOptions, with_global_options

if TYPE_CHECKING:
    from kubectl_prism.findings import Diagnosis
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
def report(
    g: GlobalOptions,
    out: Annotated[Path, typer.Option("--out", help="File to write (written atomically).")],
    fmt: Annotated[ReportFormat | None, typer.Option(
        "--format", help="md, html or json (default: from the --out extension).")] = None,
    fail_on: Annotated[Severity | None, typer.Option(
        "--fail-on", help="Exit 1 when a finding is at or above this severity (after writing).")] = None,
    ai: Annotated[bool | None, typer.Option(
        "--ai/--no-ai", help="Add an AI executive summary (default: on when `ai enable` was run).")] = None,
) -> None:
    """Write a health report: scorecard, nodes, workloads, findings, capacity, restarts, events, gaps."""
    report_format = format_for(out, fmt)
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
    health.ai_summary = _ai_summary(ai, diagnosis, snapshot)

    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = render(health, report_format, generated)
    from kubectl_prism.files import atomic_write

    atomic_write(out, text)
    counts = diagnosis.summary()
    typer.echo(
        f"wrote {out} ({counts['critical']} critical, {counts['warning']} warning, {counts['info']} info)"
    )
    check_something_was_readable(snapshot)
    if diagnosis.fails(fail_on):
        raise FindingsAtOrAboveThreshold(f"findings at or above {fail_on.value} (see {out})")


def render(health: HealthReport, report_format: ReportFormat, generated: str) -> str:
    from kubectl_prism.printable import printable  # reports get `cat`: no escape sequences from logs

    if report_format is ReportFormat.md:
        from kubectl_prism.report.markdown import render_markdown

        return printable(render_markdown(health, generated))
    if report_format is ReportFormat.html:
        from kubectl_prism.report.html import render_html

        return printable(render_html(health, generated))
    doc = health.to_dict()
    doc["generated"] = generated
    return json.dumps(doc, indent=2) + "\n"


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
