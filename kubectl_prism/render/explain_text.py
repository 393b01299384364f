"""Text output of `explain`: one object, described the way an engineer reads `kubectl describe`."""

from __future__ import annotations

import re
from typing import Any

from kubectl_prism.explain.model import Explanation
from kubectl_prism.render.console import DIM, Lines, kind_name, ref_text, source_phrase, table_lines
from kubectl_prism.render.text import ai_lines, finding_lines
from kubectl_prism.render.utilization import COLUMNS, usage_rows, utilization_facts

INLINE_LIMIT = 100
ANNOTATION_LIMIT = 120  # a long annotation (a whole JSON config) is cut for people, whole in -o json


def shorten(values: dict[str, str] | None, limit: int = ANNOTATION_LIMIT) -> dict[str, str] | None:
    """Each value cut to `limit` characters (the model is redacted already: cutting comes after)."""
    if not values:
        return values
    return {k: v if len(v) <= limit else v[:limit - 3] + "..." for k, v in values.items()}


def humanize(key: str) -> str:
    """`readyReplicas` -> `ready replicas`, `podIP` -> `pod IP`."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", key).split()
    return " ".join(w if len(w) > 1 and w.isupper() else w.lower() for w in words)


def scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def value_lines(out: Lines, key: str, value: Any, indent: int) -> None:
    """Any nested data as readable `key: value` lines, inline when short."""
    if value in (None, "", [], {}):
        return
    label = (f"{humanize(key)}:", "bold")
    if _is_scalar(value):
        out.add(label, " ", scalar(value), indent=indent)
    elif isinstance(value, dict) and all(_is_scalar(v) for v in value.values()):
        inline = ", ".join(f"{k}={scalar(v)}" for k, v in value.items() if v is not None)
        if len(inline) <= INLINE_LIMIT:
            out.add(label, " ", inline, indent=indent)
        else:
            out.add(label, indent=indent)
            for k, v in value.items():
                value_lines(out, k, v, indent + 2)
    elif isinstance(value, list) and all(_is_scalar(v) for v in value):
        inline = ", ".join(scalar(v) for v in value)
        if len(inline) <= INLINE_LIMIT:
            out.add(label, " ", inline, indent=indent)
        else:
            out.add(label, indent=indent)
            for v in value:
                out.add(("- ", DIM), scalar(v), indent=indent + 2)
    elif isinstance(value, list):
        out.add(label, indent=indent)
        for item in value:
            _list_item(out, item, indent + 2)
    else:
        out.add(label, indent=indent)
        for k, v in value.items():
            value_lines(out, k, v, indent + 2)


def _list_item(out: Lines, item: Any, indent: int) -> None:
    if not isinstance(item, dict) or not item:
        out.add(("- ", DIM), scalar(item), indent=indent)
        return
    first, *rest = item.items()
    start = len(out)
    value_lines(out, first[0], first[1], indent + 2)
    if len(out) > start:
        out[start].indent = indent
        out[start].segments.insert(0, ("- ", DIM))
    for k, v in rest:
        value_lines(out, k, v, indent + 2)


def _section(out: Lines, title: str) -> None:
    out.blank()
    out.add((title, "bold underline"))


def explanation_lines(ex: Explanation) -> Lines:
    d = ex.to_dict()
    obj, scope = d["object"], d["scope"]
    out = Lines()
    where = f" in namespace {obj['namespace']}" if obj.get("namespace") else ""
    as_of = f", as of {d['asOf']}" if scope.get("source") != "live" else ""
    out.add((f"{obj['kind']} {obj['name']}{where}", "bold"), (f" ({source_phrase(scope)}{as_of})", DIM))
    value_lines(out, "age", f"{obj['age']} (created {obj['created']})" if obj.get("age") else None, 2)
    value_lines(out, "labels", obj.get("labels"), 2)
    value_lines(out, "annotations", shorten(obj.get("annotations")), 2)
    if obj.get("deleting"):
        value_lines(out, "deleting since", obj["deleting"], 2)
    if ex.owner_chain:
        out.add(("owned by:", "bold"), " ", " <- ".join(kind_name(o) for o in ex.owner_chain), indent=2)

    if d["spec"]:
        _section(out, "Spec")
        for key, value in d["spec"].items():
            value_lines(out, key, value, 2)
    status = dict(d["status"])
    conditions = status.pop("conditions", [])
    if status or conditions:
        _section(out, "Status")
    for key, value in status.items():
        value_lines(out, key, value, 2)
    if conditions:
        out.add(("conditions:", "bold"), indent=2)
        for c in conditions:
            ok = c.get("status") == "True"
            since = f" for {c['since']}" if c.get("since") else ""
            reason = f" {c['reason']}" if c.get("reason") else ""
            msg = f": {c['message']}" if c.get("message") else ""
            out.add(("- ", DIM), (f"{c.get('type')}={c.get('status')}", "green" if ok else "yellow"),
                    f"{reason}{since}{msg}", indent=4)

    if ex.pods:
        _section(out, f"Pods ({len(ex.pods)})")
        rows = [[(p["name"], None), (p["status"], _status_style(p["status"])), (p["ready"], None),
                 (str(p["restarts"]), None), (p.get("node") or "<none>", None), (p.get("age") or "", None)]
                for p in ex.pods]
        out += table_lines(("NAME", "STATUS", "READY", "RESTARTS", "NODE", "AGE"), rows, indent=2)
    if ex.related:
        _section(out, f"Related ({len(ex.related)})")
        rows = [[(ref_text(r.ref, ex.scope.namespace), None),
                 ({True: "found", False: "missing", None: "not gathered"}[r.found],
                  "bold red" if r.found is False else DIM),
                 (r.relation, None)] for r in ex.related]
        out += table_lines(("OBJECT", "STATE", "RELATION"), rows, indent=2)
    _section(out, "Events" + (f" ({len(ex.events)}, oldest first)" if ex.events else ""))
    if ex.events:
        rows = [[(e.get("age") or "", None), (e.get("type") or "", _event_style(e.get("type"))),
                 (e.get("reason") or "", None), (e["object"], None),
                 (f"x{e['count']}" if e["count"] > 1 else "", None), (e["message"], None)] for e in ex.events]
        out += table_lines(("AGE", "TYPE", "REASON", "OBJECT", "COUNT", "MESSAGE"), rows, indent=2)
    else:
        out.add("no recent events", indent=2)

    _section(out, f"Findings ({len(ex.findings)})")
    if not ex.findings:
        out.add(("No problems found for this object.", "green"), indent=2)
    by_id = {(f.id, f.object): f for f in ex.findings}
    for f in ex.findings:
        out.blank()
        finding_lines(out, f, by_id)

    _section(out, "Resource utilization")
    _utilization_lines(out, d["utilization"], d)
    if ex.gaps:
        _section(out, "What prism could not see")
        for gap in ex.gaps:
            out.add(("! ", "yellow"), gap.line(), indent=2)
    if ex.ai:
        out.blank()
        ai_lines(out, ex.ai)
    return out


def _event_style(kind: str | None) -> str | None:
    return "yellow" if kind == "Warning" else None


def _status_style(status: str) -> str | None:
    if status in ("Running", "Completed", "Succeeded"):
        return "green"
    return "bold red" if status not in ("Pending", "ContainerCreating", "Terminating") else "yellow"


def _utilization_lines(out: Lines, u: dict[str, Any], doc: dict[str, Any]) -> None:
    for label, text in utilization_facts(u, doc["gaps"]):
        out.add((f"{label}:", "bold"), f" {text}", indent=2)
    rows = [[(cells[0], None), (cells[1], None), (cells[2], None), (cells[3], _mem_style(pct))]
            for cells, pct in usage_rows(u)]
    if rows:
        out += table_lines(COLUMNS, rows, indent=4)


def _mem_style(pct: float | None) -> str | None:
    return "bold red" if pct is not None and pct >= 90 else None
