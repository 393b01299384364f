"""The health report as one self-contained HTML file: inline CSS and SVG, no scripts, prints well."""

from __future__ import annotations

from html import escape

from kubectl_prism.findings import Finding
from kubectl_prism.quantity import format_bytes, format_cpu
from kubectl_prism.report.ai_section import FAILED_NOTE, AISection, ai_section
from kubectl_prism.report.charts import Bar, bar_chart
from kubectl_prism.report.model import HealthReport

CSS = """
:root { --crit:#c62828; --warn:#ef6c00; --info:#1565c0; --ok:#2e7d32; --ink:#1f2328; --muted:#59636e; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink);
       max-width: 1100px; margin: 2rem auto; padding: 0 1rem; }
h1 { margin-bottom: .2rem; } h2 { border-bottom: 1px solid #d0d7de; padding-bottom: .3rem; margin-top: 2rem; }
.scope { color: var(--muted); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: .8rem; }
.card { border: 1px solid #d0d7de; border-radius: 8px; padding: .8rem 1rem; }
.card .n { font-size: 1.6rem; font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: 14px; }
th, td { border: 1px solid #d0d7de; padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
.sev { font-weight: 600; text-transform: uppercase; font-size: 12px; padding: .1rem .4rem; border-radius: 4px;
       color: #fff; }
.sev.critical, .status.failing { background: var(--crit); }
.sev.warning, .status.degraded { background: var(--warn); }
.sev.info { background: var(--info); } .status.healthy { background: var(--ok); }
.status { color: #fff; padding: .1rem .4rem; border-radius: 4px; font-size: 12px; }
.finding { border: 1px solid #d0d7de; border-left: 5px solid var(--info); border-radius: 6px;
           padding: .6rem 1rem;
           margin: .8rem 0; page-break-inside: avoid; }
.finding.critical { border-left-color: var(--crit); } .finding.warning { border-left-color: var(--warn); }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; }
pre { background: #f6f8fa; padding: .5rem; border-radius: 6px; white-space: pre-wrap; word-break: break-all; }
.unredacted { background: var(--crit); color: #fff; font-weight: 600; padding: .6rem 1rem;
              border-radius: 6px; }
.ai { border: 1px dashed var(--info); border-radius: 8px; padding: .8rem 1rem; background: #f5f9ff; }
.ai.failed { border-color: var(--warn); background: #fff8f0; }
figure { margin: .5rem 0 1rem; } figcaption { font-weight: 600; font-size: 13px; color: var(--muted); }
svg.chart { max-width: 680px; display: block; }
svg .label, svg .value { font-size: 12px; fill: var(--ink); }
svg rect.bar { fill: #57606a; } svg rect.critical, svg rect.failing { fill: var(--crit); }
svg rect.warning, svg rect.degraded { fill: var(--warn); } svg rect.info { fill: var(--info); }
svg rect.healthy { fill: var(--ok); } svg rect.cpu { fill: #6f42c1; } svg rect.memory { fill: #0969da; }
@media print { body { margin: 0; max-width: none; }
  details > summary { display: none; }
  .finding, table, svg { page-break-inside: avoid; } }
"""


def _table(headers: list[str], rows: list[list[str]], raw: bool = False) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{c if raw else escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _ai_html(section: AISection | None, head: str) -> list[str]:
    """The executive summary under the heading `head`."""
    if section is None:
        return []
    by = f" by {escape(section.by)}" if section.by else ""
    if section.failed:
        return [head, f'<div class="ai failed"><p><strong>AI summary failed</strong>{by}: '
                      f"{escape(section.error)}</p><p>{FAILED_NOTE}</p></div>"]
    confidence = f" Confidence: {escape(section.confidence)}." if section.confidence else ""
    parts = [f"<p><em>{escape(section.disclaimer)} Written{by}.{confidence}</em></p>",
             f"<p>{escape(section.summary)}</p>"]
    if section.root_cause:
        parts.append(f"<p><strong>Root cause:</strong> {escape(section.root_cause)}</p>")
    if section.steps:
        items = "".join(f"<li>{escape(d)}"
                        + (f": <code>{escape(c)}</code> <em>({escape(w)})</em>" if c else "") + "</li>"
                        for d, c, w in section.steps)
        parts.append(f"<ul>{items}</ul>")
    return [head, f'<div class="ai">{"".join(parts)}</div>']


def _finding(f: Finding, level: int = 3) -> str:
    sev = f.severity.value
    facts = [f"rule <code>{escape(f.id)}</code>", f"object <code>{escape(str(f.object))}</code>"]
    if f.owner:
        facts.append(f"owner <code>{escape(str(f.owner))}</code>")
    if f.reason:
        facts.append(f"reason {escape(f.reason)}")
    parts = [
        f'<div class="finding {sev}" data-finding="{escape(f.id)}">',
        f'<h{level}><span class="sev {sev}">{sev}</span> {escape(f.title)}</h{level}>',
        f"<p>{' · '.join(facts)}</p>",
    ]
    if f.message:
        parts.append(f"<p>{escape(f.message)}</p>")
    if f.caused_by:
        obj = f.caused_by.get("object") or {}
        parts.append(
            f"<p>Caused by <code>{escape(str(f.caused_by.get('rule')))}</code> on "
            f"{escape(str(obj.get('kind', '')))} <code>{escape(str(obj.get('name', '')))}</code>.</p>"
        )
    if f.affected:
        parts.append(
            "<p>Affected: " + ", ".join(f"<code>{escape(str(a))}</code>" for a in f.affected) + "</p>"
        )
    if f.evidence:
        items = "".join(f"<li>{escape(e)}</li>" for e in f.evidence)
        parts.append(
            f"<details open><summary>Evidence ({len(f.evidence)})</summary><ul>{items}</ul></details>"
        )
    if f.remediation:
        items = "".join(
            f"<li>{escape(r.description)}"
            + (f"<pre>{escape(r.command)}</pre>" if r.command else "")
            + "</li>"
            for r in f.remediation
        )
        parts.append(f"<p><strong>Remediation</strong></p><ul>{items}</ul>")
    parts.append("</div>")
    return "".join(parts)


def _charts(report: HealthReport) -> dict[str, str]:
    summary = report.diagnosis.summary()
    card = report.scorecard()["workloads"]
    charts = {
        "findings": bar_chart(
            "findings",
            "Findings by severity",
            [Bar(s, summary[s], str(summary[s]), s) for s in ("critical", "warning", "info")],
        ),
        "workloads": bar_chart(
            "workloads",
            "Workloads by health",
            [Bar(s, card[s], str(card[s]), s) for s in ("healthy", "degraded", "failing")],
        ),
    }
    if report.nodes:
        bars = []
        for n in report.nodes:
            bars.append(
                Bar(f"{n.name} CPU", round(n.cpu_requested_pct, 1), f"{n.cpu_requested_pct:.0f}%", "cpu")
            )
            bars.append(
                Bar(
                    f"{n.name} memory",
                    round(n.memory_requested_pct, 1),
                    f"{n.memory_requested_pct:.0f}%",
                    "memory",
                )
            )
        charts["nodes"] = bar_chart("nodes", "Requested share of node allocatable (%)", bars, max_value=100)
    cap = report.capacity
    if cap:
        charts["capacity-cpu"] = bar_chart(
            "capacity-cpu",
            "Cluster CPU (cores)",
            [Bar(k, round(v.cpu, 3), format_cpu(v.cpu), "cpu") for k, v in cap.items()],
        )
        charts["capacity-memory"] = bar_chart(
            "capacity-memory",
            "Cluster memory (GiB)",
            [Bar(k, round(v.memory / 2**30, 3), format_bytes(v.memory), "memory") for k, v in cap.items()],
        )
    return charts


def render_html(report: HealthReport, generated: str, banner: str | None = None) -> str:
    """The report page; `banner` (an unredacted report) is the title's start and the first thing shown."""
    scope = report.diagnosis.scope
    where = f"namespace {scope.namespace}" if scope.namespace else "all namespaces"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{'UNREDACTED — ' if banner else ''}Kubernetes health report — "
        f"{escape(scope.context or where)}</title>",
        f"<style>{CSS}</style></head><body>",
        *([f'<p class="unredacted" role="alert">{escape(banner)}</p>'] if banner else []),
        "<h1>Kubernetes health report</h1>",
        f'<p class="scope">context <code>{escape(scope.context or "—")}</code> · {escape(where)} · '
        f"source {escape(scope.source)} · generated {escape(generated)}</p>",
    ]
    out += report_sections(report)
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def report_sections(report: HealthReport, anchor: str = "", level: int = 2) -> list[str]:
    """Everything under the title: scorecard, findings, nodes, ... as HTML blocks.

    `anchor` prefixes every section id (a fleet report holds one cluster's sections per context) and
    `level` is the sections' heading level.
    """
    card = report.scorecard()
    summary, w = card["findings"], card["workloads"]
    charts = _charts(report)

    def h(section: str, title: str) -> str:
        return f'<h{level} id="{escape(anchor)}{section}">{title}</h{level}>'

    out = [
        h("scorecard", "Scorecard") + '<div class="cards">',
        f'<div class="card"><div class="n">{w["healthy"]}/{sum(w.values())}</div>workloads healthy '
        f"({w['degraded']} degraded, {w['failing']} failing)</div>",
        f'<div class="card"><div class="n">{card["nodes"]["ready"]}/{card["nodes"]["total"]}</div>'
        "nodes ready</div>",
        f'<div class="card"><div class="n">{summary["critical"]}</div>critical · '
        f"{summary['warning']} warning · {summary['info']} info findings</div>",
        f'<div class="card"><div class="n">{card["pods"].get("total", 0)}</div>pods</div></div>',
        charts["findings"],
        charts["workloads"],
    ]
    out += _ai_html(ai_section(report.ai_summary), h("summary", "Executive summary"))
    out.append(h("findings", "Findings"))
    out += [_finding(f, level + 1) for f in report.findings] or ["<p>No problems found.</p>"]
    out.append(h("nodes", "Nodes"))
    if report.nodes:
        out.append(charts["nodes"])
        out.append(
            _table(
                ["Node", "Ready", "Schedulable", "Pressure", "CPU requested", "Memory requested"],
                [
                    [
                        n.name,
                        "yes" if n.ready else "NO",
                        "yes" if n.schedulable else "cordoned",
                        ", ".join(n.pressure) or "none",
                        n.cpu_summary(),
                        n.memory_summary(),
                    ]
                    for n in report.nodes
                ],
            )
        )
    else:
        out.append("<p>No nodes in scope.</p>")
    out.append(h("workloads", "Workloads"))
    out.append(
        _table(
            ["Status", "Kind", "Namespace", "Name", "Ready", "Worst finding"],
            [
                [
                    f'<span class="status {escape(x.status)}">{escape(x.status)}</span>',
                    escape(x.kind),
                    escape(x.namespace or ""),
                    escape(x.name),
                    f"{x.ready}/{x.desired}",
                    escape(x.worst or "none"),
                ]
                for x in report.workloads
            ],
            raw=True,
        )
        if report.workloads
        else "<p>No workloads in scope.</p>"
    )
    out.append(h("capacity", "Capacity and utilization"))
    out += [charts.get("capacity-cpu", ""), charts.get("capacity-memory", "")]
    if not report.metrics_available:
        out.append(
            "<p>Live usage unavailable: metrics.k8s.io is not served (or not readable) in this scope.</p>"
        )
    if report.provisioning:
        out.append(
            _table(
                ["Verdict", "Namespace", "Pod", "Requested CPU/memory", "Used CPU/memory"],
                [
                    [
                        p.verdict,
                        p.namespace or "",
                        p.pod,
                        f"{format_cpu(p.requested.cpu)} / {format_bytes(p.requested.memory)}",
                        f"{format_cpu(p.usage.cpu)} / {format_bytes(p.usage.memory)}",
                    ]
                    for p in report.provisioning
                ],
            )
        )
    out.append(h("restarts", "Top restarting pods"))
    out.append(
        _table(
            ["Namespace", "Pod", "Container", "Restarts", "Last termination"],
            [
                [r.namespace or "", r.pod, r.container, str(r.restarts), r.last_reason]
                for r in report.top_restarts
            ],
        )
        if report.top_restarts
        else "<p>No restarts.</p>"
    )
    out.append(h("events", "Recent warning events"))
    out.append(
        _table(
            ["Last seen", "Namespace", "Object", "Reason", "Count", "Message"],
            [
                [e.last_seen, e.namespace or "", e.object, e.reason, str(e.count), e.message]
                for e in report.warning_events
            ],
        )
        if report.warning_events
        else "<p>No warning events.</p>"
    )
    out.append(h("gaps", "Gaps"))
    gaps = report.diagnosis.gaps
    out.append(
        "<ul>" + "".join(f"<li>{escape(g.line())}</li>" for g in gaps) + "</ul>"
        if gaps
        else "<p>Everything in scope could be read.</p>"
    )
    return out
