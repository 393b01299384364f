"""The health report as GitHub-flavoured Markdown (tables, collapsible evidence)."""

from __future__ import annotations

from kubectl_prism.findings import Finding
from kubectl_prism.quantity import format_bytes, format_cpu
from kubectl_prism.render.markdown import table as markdown_table
from kubectl_prism.report.ai_section import FAILED_NOTE, AISection, ai_section
from kubectl_prism.report.model import HealthReport
from kubectl_prism.resources import Resources

SEVERITY_MARK = {"critical": "🔴 critical", "warning": "🟠 warning", "info": "🔵 info"}


def table(headers: list[str], rows: list[list[object]]) -> list[str]:
    return markdown_table(headers, rows, empty="—")


def _res(r: Resources | None) -> str:
    return f"{format_cpu(r.cpu)} CPU, {format_bytes(r.memory)}" if r else "—"


def scope_line(report: HealthReport, generated: str) -> str:
    scope = report.diagnosis.scope
    parts = [
        f"context `{scope.context or '—'}`",
        f"namespace `{scope.namespace}`" if scope.namespace else "all namespaces",
        f"source {scope.source}",
        f"generated {generated}",
    ]
    return "_" + " · ".join(parts) + "_"


def _ai_lines(section: AISection | None) -> list[str]:
    if section is None:
        return []
    by = f" by {section.by}" if section.by else ""
    lines = ["## Executive summary", ""]
    if section.failed:
        return [*lines, f"> **AI summary failed**{by}: {section.error}", ">", f"> {FAILED_NOTE}", ""]
    confidence = f" Confidence: {section.confidence}." if section.confidence else ""
    lines += [f"> {section.disclaimer} Written{by}.{confidence}", "", section.summary, ""]
    if section.root_cause:
        lines += [f"**Root cause:** {section.root_cause}", ""]
    for description, command, what in section.steps:
        lines.append(f"- {description}" + (f": `{command}` ({what})" if command else ""))
    return [*lines, ""] if section.steps else lines


def _finding(f: Finding) -> list[str]:
    lines = [f"### {SEVERITY_MARK[f.severity.value]} — {f.title}", ""]
    facts = [f"**Rule** `{f.id}`", f"**Object** `{f.object}`"]
    if f.owner:
        facts.append(f"**Owner** `{f.owner}`")
    if f.reason:
        facts.append(f"**Reason** {f.reason}")
    lines += [" · ".join(facts), ""]
    if f.message:
        lines += [f.message, ""]
    if f.caused_by:
        obj = f.caused_by.get("object") or {}
        cause = f"`{f.caused_by.get('rule')}` on {obj.get('kind', '')} `{obj.get('name', '')}`"
        lines += [f"Caused by {cause}.", ""]
    if f.affected:
        lines += ["Affected: " + ", ".join(f"`{a}`" for a in f.affected), ""]
    if f.evidence:
        lines += [f"<details><summary>Evidence ({len(f.evidence)})</summary>", ""]
        lines += [f"- {e}" for e in f.evidence] + ["", "</details>", ""]
    if f.remediation:
        lines += ["**Remediation**", ""]
        for r in f.remediation:
            lines.append(f"- {r.description}")
            if r.command:
                lines += ["", "  ```sh", f"  {r.command}", "  ```"]
        lines.append("")
    return lines


def render_markdown(report: HealthReport, generated: str) -> str:
    card = report.scorecard()
    summary = card["findings"]
    w = card["workloads"]
    lines = ["# Kubernetes health report", "", scope_line(report, generated), "", "## Scorecard", ""]
    lines += table(
        ["", ""],
        [
            ["Workloads", f"{w['healthy']} healthy · {w['degraded']} degraded · {w['failing']} failing"],
            ["Nodes ready", f"{card['nodes']['ready']}/{card['nodes']['total']}"],
            ["Pods", " · ".join(f"{v} {k}" for k, v in card["pods"].items() if k != "total") or "none"],
            [
                "Findings",
                " · ".join(f"{summary[s]} {SEVERITY_MARK[s]}" for s in ("critical", "warning", "info")),
            ],
        ],
    )
    lines += _ai_lines(ai_section(report.ai_summary))
    lines += ["## Findings", ""]
    if not report.findings:
        lines += ["No problems found.", ""]
    for f in report.findings:
        lines += _finding(f)
    lines += ["## Nodes", ""]
    lines += (
        table(
            ["Node", "Ready", "Schedulable", "Pressure", "CPU requested", "Memory requested", "Live usage"],
            [
                [
                    n.name,
                    "yes" if n.ready else "**no**",
                    "yes" if n.schedulable else "cordoned",
                    ", ".join(n.pressure) or "none",
                    n.cpu_summary(),
                    n.memory_summary(),
                    _res(n.usage),
                ]
                for n in report.nodes
            ],
        )
        if report.nodes
        else ["No nodes in scope.", ""]
    )
    lines += ["## Workloads", ""]
    lines += (
        table(
            ["Status", "Kind", "Namespace", "Name", "Ready", "Worst finding"],
            [
                [w.status, w.kind, w.namespace, w.name, f"{w.ready}/{w.desired}", w.worst or "none"]
                for w in report.workloads
            ],
        )
        if report.workloads
        else ["No workloads in scope.", ""]
    )
    lines += ["## Capacity and utilization", ""]
    lines += table(
        ["", "CPU", "Memory"],
        [[k, format_cpu(v.cpu), format_bytes(v.memory)] for k, v in report.capacity.items()],
    )
    if not report.metrics_available:
        lines += ["Live usage unavailable: metrics.k8s.io is not served (or not readable) in this scope.", ""]
    if report.provisioning:
        lines += table(
            ["Verdict", "Namespace", "Pod", "Requested", "Live usage"],
            [[p.verdict, p.namespace, p.pod, _res(p.requested), _res(p.usage)] for p in report.provisioning],
        )
    lines += ["## Top restarting pods", ""]
    lines += (
        table(
            ["Namespace", "Pod", "Container", "Restarts", "Last termination"],
            [[r.namespace, r.pod, r.container, r.restarts, r.last_reason] for r in report.top_restarts],
        )
        if report.top_restarts
        else ["No restarts.", ""]
    )
    lines += ["## Recent warning events", ""]
    lines += (
        table(
            ["Last seen", "Namespace", "Object", "Reason", "Count", "Message"],
            [
                [e.last_seen, e.namespace, e.object, e.reason, e.count, e.message]
                for e in report.warning_events
            ],
        )
        if report.warning_events
        else ["No warning events.", ""]
    )
    lines += ["## Gaps", ""]
    lines += [f"- {g.line()}" for g in report.diagnosis.gaps] or ["Everything in scope could be read."]
    return "\n".join(lines).rstrip() + "\n"
