"""`-o markdown` of a fleet run: the fleet table, then each cluster's own section, linked from it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from kubectl_prism.fleet.model import Fleet, FleetItem
from kubectl_prism.render.fleet_text import seconds_text
from kubectl_prism.render.markdown import code, table


def anchor(context: str) -> str:
    """The id of a context's section: GitHub's heading slug of `Context NAME`."""
    return "context-" + re.sub(r"[^a-z0-9_-]", "", context.lower().replace(" ", "-"))


def fleet_table_markdown(fleet: Fleet[Any]) -> list[str]:
    rows = []
    for item in fleet.items:
        row = item.row()
        name = f"[{item.context}](#{anchor(item.context)})" if item.readable else item.context
        if item.readable:
            cells = [row["summary"]["critical"], row["summary"]["warning"], row["gaps"]]
        else:
            cells = ["-", "-", f"**{item.status}**"]
        rows.append([name, item.server or "-", row["nodes"], row["pods"], *cells, seconds_text(item.seconds)])
    return table(["Context", "Server", "Nodes", "Pods", "Critical", "Warning", "Gaps", "Time"], rows)


def fleet_markdown(fleet: Fleet[Any], title: str, section: Callable[[FleetItem[Any]], str]) -> str:
    s = fleet.summary()
    lines = [f"# {title}", "",
             f"{s['contexts']} contexts: {s['read']} read, {s['unreadable']} could not be read · "
             f"{s['critical']} critical, {s['warning']} warning, {s['info']} info", ""]
    lines += fleet_table_markdown(fleet)
    if fleet.unread:
        lines += ["**Could not read:**", ""]
        lines += [f"- {code(i.context)}: {i.error}" for i in fleet.unread] + [""]
    for item in fleet.read:
        lines += [f"## Context {item.context}", ""]
        lines += [*demote_headings(section(item).rstrip()), ""]
    return "\n".join(lines).rstrip() + "\n"


def demote_headings(text: str) -> list[str]:
    """A document's lines with every heading one level down (fenced code is left as it is)."""
    out, fence = [], ""
    for line in text.splitlines():
        stripped = line.lstrip()
        if fence:
            if stripped.startswith(fence) and not stripped.strip("`"):
                fence = ""
        elif stripped.startswith("```"):
            fence = stripped[: len(stripped) - len(stripped.lstrip("`"))]
        elif line.startswith("#"):
            line = "#" + line
        out.append(line)
    return out


def diagnosis_fleet_markdown(fleet: Fleet[Any]) -> str:
    from kubectl_prism.render.markdown import diagnosis_markdown

    return fleet_markdown(fleet, "Fleet diagnosis", lambda item: diagnosis_markdown(item.result, item.counts))


def explanation_fleet_markdown(fleet: Fleet[Any]) -> str:
    from kubectl_prism.render.explain_markdown import explanation_markdown

    return fleet_markdown(fleet, f"Fleet explanation of {fleet.target}",
                          lambda item: explanation_markdown(item.result))
