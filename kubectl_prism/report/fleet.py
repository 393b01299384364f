"""The fleet health report (`report --all-contexts`): a scorecard row per cluster, linked to its section.

HTML (one self-contained file), Markdown and JSON, from the same `Fleet[HealthReport]`: the scorecard
first, the contexts that could not be read, then each cluster's own report (the single-cluster
sections, their ids prefixed with the cluster's anchor). `report_job` is what a fleet run does for
each context of the report.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING, Any

from kubectl_prism.fleet.jobs import ContextResult, gather_context, unreadable
from kubectl_prism.fleet.model import Fleet, FleetItem
from kubectl_prism.render.fleet_markdown import anchor, demote_headings
from kubectl_prism.render.fleet_text import seconds_text
from kubectl_prism.report.html import CSS, report_sections
from kubectl_prism.report.markdown import render_markdown
from kubectl_prism.report.markdown import table as md_table
from kubectl_prism.report.model import HealthReport

if TYPE_CHECKING:
    from kubectl_prism.fleet.run import Deadline
    from kubectl_prism.options import GlobalOptions


def report_job(g: GlobalOptions) -> Callable[[str, Deadline], ContextResult[HealthReport]]:
    """A fleet run's job for `report`: one context read, analyzed and kept as its HealthReport."""
    def run(context: str, deadline: Deadline) -> ContextResult[HealthReport]:
        from kubectl_prism.analyzers import run_analyzers
        from kubectl_prism.findings import Diagnosis, Scope
        from kubectl_prism.report.model import build_report

        snapshot = gather_context(g, context, None, deadline)
        findings = run_analyzers(snapshot)
        scope = Scope(snapshot.context, snapshot.namespace, None, snapshot.source)
        health = build_report(snapshot, Diagnosis(scope, findings, list(snapshot.gaps)))
        return ContextResult(health, snapshot.counts(), unreadable(snapshot))

    return run


HEADERS = ["Context", "Server", "Status", "Workloads healthy", "Nodes ready", "Pods", "Critical", "Warning",
           "Info", "Gaps", "Time"]


def scorecard_cells(item: FleetItem[HealthReport]) -> list[str]:
    """A cluster's scorecard row after its name: server, status, workloads, nodes, pods, findings, gaps."""
    server, took = item.server or "-", seconds_text(item.seconds)
    if not item.readable or item.result is None:
        return [server, item.status, "-", "-", "-", "-", "-", "-", "-", took]
    card = item.result.scorecard()
    w, nodes, s = card["workloads"], card["nodes"], card["findings"]
    return [server, "ok", f"{w['healthy']}/{sum(w.values())}", f"{nodes['ready']}/{nodes['total']}",
            str(card["pods"].get("total", 0)), str(s["critical"]), str(s["warning"]), str(s["info"]),
            str(len(item.gaps)), took]


def _totals_line(fleet: Fleet[HealthReport]) -> str:
    s = fleet.summary()
    return (f"{s['contexts']} contexts: {s['read']} read, {s['unreadable']} could not be read · "
            f"{s['critical']} critical, {s['warning']} warning, {s['info']} info findings")


# --- HTML ----------------------------------------------------------------------------------------

def render_fleet_html(fleet: Fleet[HealthReport], generated: str, banner: str | None = None) -> str:
    """The fleet page; `banner` (an unredacted report) is the title's start and the first thing shown."""
    rows = []
    for item in fleet.items:
        cells = scorecard_cells(item)
        name = escape(item.context)
        link = f'<a href="#{escape(anchor(item.context))}">{name}</a>' if item.readable else name
        status = cells[1]
        css = "healthy" if status == "ok" else "failing"
        cells_html = [escape(cells[0]), f'<span class="status {css}">{escape(status)}</span>',
                      *(escape(c) for c in cells[2:])]
        cells_td = "".join(f"<td>{c}</td>" for c in cells_html)
        rows.append(f'<tr data-context="{name}"><td>{link}</td>{cells_td}</tr>')
    head = "".join(f"<th>{escape(h)}</th>" for h in HEADERS)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{'UNREDACTED — ' if banner else ''}Kubernetes fleet health report — "
        f"{len(fleet.items)} clusters</title>",
        f"<style>{CSS}</style></head><body>",
        *([f'<p class="unredacted" role="alert">{escape(banner)}</p>'] if banner else []),
        "<h1>Kubernetes fleet health report</h1>",
        f'<p class="scope">{escape(_totals_line(fleet))} · generated {escape(generated)}</p>',
        '<h2 id="scorecard">Scorecard</h2>',
        f'<table class="fleet"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>',
    ]
    if fleet.unread:
        out.append('<h2 id="unread">Clusters prism could not read</h2><ul>')
        out += [f"<li><code>{escape(i.context)}</code>: {escape(i.error or i.status)}</li>"
                for i in fleet.unread]
        out.append("</ul>")
    for item in fleet.read:
        assert item.result is not None
        scope = item.result.diagnosis.scope
        where = f"namespace {scope.namespace}" if scope.namespace else "all namespaces"
        section_id = anchor(item.context)
        out += [
            f'<section id="{escape(section_id)}">',
            f"<h2>Cluster <code>{escape(item.context)}</code></h2>",
            f'<p class="scope">server <code>{escape(item.server or "-")}</code> · {escape(where)} · '
            f'<a href="#scorecard">back to the scorecard</a></p>',
            *report_sections(item.result, anchor=f"{section_id}-", level=3),
            "</section>",
        ]
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# --- Markdown ------------------------------------------------------------------------------------

def render_fleet_markdown(fleet: Fleet[HealthReport], generated: str) -> str:
    lines = ["# Kubernetes fleet health report", "", f"_{_totals_line(fleet)} · generated {generated}_", "",
             "## Scorecard", ""]
    rows = []
    for item in fleet.items:
        name = f"[{item.context}](#{anchor(item.context)})" if item.readable else item.context
        rows.append([name, *scorecard_cells(item)])
    lines += md_table(HEADERS, rows)
    if fleet.unread:
        lines += ["## Clusters prism could not read", ""]
        lines += [f"- `{i.context}`: {i.error or i.status}" for i in fleet.unread] + [""]
    for item in fleet.read:
        assert item.result is not None
        body = render_markdown(item.result, generated).splitlines()
        # The cluster's report, its title replaced by the cluster's heading and the rest one level down.
        lines += [f"## Context {item.context}", "", *demote_headings("\n".join(body[1:]).strip()), ""]
    return "\n".join(lines).rstrip() + "\n"


# --- JSON ----------------------------------------------------------------------------------------

def fleet_report_document(fleet: Fleet[HealthReport], generated: str) -> dict[str, Any]:
    """`kind: FleetHealthReport`: the fleet document with each context's HealthReport as its item."""
    doc = fleet.to_dict()
    for row, item in zip(doc["contexts"], fleet.items, strict=True):
        row["scorecard"] = item.result.scorecard() if item.readable and item.result is not None else None
    doc["generated"] = generated
    return doc
