"""Text output of a fleet run: the fleet table first, then each cluster's own output.

```
Fleet of 3 contexts: 2 read, 1 could not be read · 1 critical, 4 warning

CONTEXT   SERVER                    NODES   PODS   CRITICAL   WARNING   GAPS          TIME
prod-eu   https://10.0.0.1:6443     3       120    1          2         0             1.2s
prod-us   https://10.0.1.1:6443     -       -      -          -         unreachable   0.1s
```
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from kubectl_prism.findings import Severity
from kubectl_prism.fleet.model import Fleet, FleetItem
from kubectl_prism.render.console import DIM, SEVERITY_STYLE, Lines, Segment, table_lines

T = TypeVar("T")


def seconds_text(seconds: float) -> str:
    return f"{seconds:.1f}s" if seconds < 60 else f"{int(seconds // 60)}m{int(seconds % 60):02d}s"


def _count(value: int | None, style: str | None = None) -> Segment:
    if value is None:
        return ("-", DIM)
    return (str(value), style if value else None)


def fleet_table(fleet: Fleet[Any]) -> Lines:
    rows: list[list[Segment]] = []
    for item in fleet.items:
        row = item.row()
        summary = row["summary"]
        if item.readable:
            gaps: Segment = _count(row["gaps"], "yellow")
            critical = _count(summary["critical"], SEVERITY_STYLE[Severity.CRITICAL])
            warning = _count(summary["warning"], SEVERITY_STYLE[Severity.WARNING])
        else:
            gaps, critical, warning = (item.status, "bold yellow"), ("-", DIM), ("-", DIM)
        rows.append([(item.context, "bold"), (item.server or "-", None), _count(row["nodes"]),
                     _count(row["pods"]), critical, warning, gaps, (seconds_text(item.seconds), DIM)])
    return table_lines(("CONTEXT", "SERVER", "NODES", "PODS", "CRITICAL", "WARNING", "GAPS", "TIME"), rows)


def headline(fleet: Fleet[Any]) -> Lines:
    s = fleet.summary()
    out = Lines()
    read = f"{s['read']} read" + (f", {s['unreadable']} could not be read" if s["unreadable"] else "")
    found: list[str | Segment] = []
    for sev in (Severity.CRITICAL, Severity.WARNING, Severity.INFO):
        if found:
            found.append(", ")
        found.append((f"{s[sev.value]} {sev.value}", SEVERITY_STYLE[sev] if s[sev.value] else None))
    contexts = f"{s['contexts']} context" + ("s" if s["contexts"] != 1 else "")
    out.add(("Fleet of ", "bold"), (contexts, "bold"), f": {read} · ", *found)
    return out


def fleet_lines(fleet: Fleet[T], section: Callable[[FleetItem[T]], Lines]) -> Lines:
    """The table, the contexts that could not be read, then `section(item)` for each one that was."""
    out = headline(fleet)
    out.blank()
    out.extend(fleet_table(fleet))
    if fleet.unread:
        out.blank()
        out.add(("What prism could not read:", "bold"))
        for item in fleet.unread:
            out.add(("! ", "yellow"), (item.context, "bold"), f": {item.error}", indent=2)
    for item in fleet.read:
        out.blank()
        out.blank()
        out.add((f"══ {item.context} ", "bold magenta"), (f"({item.server})" if item.server else "", DIM))
        out.extend(section(item))
    return out


def diagnosis_fleet_lines(fleet: Fleet[Any]) -> Lines:
    from kubectl_prism.render.text import diagnosis_lines

    return fleet_lines(fleet, lambda item: diagnosis_lines(item.result, item.counts))


def explanation_fleet_lines(fleet: Fleet[Any]) -> Lines:
    from kubectl_prism.render.explain_text import explanation_lines

    return fleet_lines(fleet, lambda item: explanation_lines(item.result))
