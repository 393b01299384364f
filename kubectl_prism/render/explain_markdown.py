"""`explain -o markdown`: one object for a ticket or pull request."""

from __future__ import annotations

from typing import Any

from kubectl_prism.explain.model import Explanation
from kubectl_prism.findings import Diagnosis
from kubectl_prism.render.console import ref_text, source_phrase
from kubectl_prism.render.explain_text import humanize, scalar, shorten
from kubectl_prism.render.markdown import cell, code, findings_markdown, text_block
from kubectl_prism.render.utilization import COLUMNS, usage_rows, utilization_facts


def _bullets(value: Any, depth: int = 0) -> list[str]:
    pad = "  " * depth
    out: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if v in (None, "", [], {}):
                continue
            if isinstance(v, dict | list) and not _flat(v):
                out.append(f"{pad}- **{humanize(k)}:**")
                out += _bullets(v, depth + 1)
            else:
                out.append(f"{pad}- **{humanize(k)}:** {_inline(v)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                first = True
                for line in _bullets(item, depth + 1):
                    # the first key of each item starts the list entry
                    out.append(f"{pad}- {line.strip()[2:]}" if first else line)
                    first = False
            else:
                out.append(f"{pad}- {_inline(item)}")
    return out


def _flat(value: Any) -> bool:
    items = value.values() if isinstance(value, dict) else value
    return all(not isinstance(v, dict | list) for v in items)


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(code(f"{k}={scalar(v)}") for k, v in value.items() if v is not None)
    if isinstance(value, list):
        return ", ".join(code(scalar(v)) for v in value)
    return text_block(scalar(value))


def explanation_markdown(ex: Explanation) -> str:
    d = ex.to_dict()
    obj, scope = d["object"], d["scope"]
    where = f" in namespace `{obj['namespace']}`" if obj.get("namespace") else ""
    out = [f"# {obj['kind']} `{obj['name']}`{where}", "",
           f"_{source_phrase(scope)}, as of {d['asOf']}_", ""]
    summary = {"age": obj.get("age"), "created": obj.get("created"), "labels": obj.get("labels"),
               "annotations": shorten(obj.get("annotations")),
               "ownedBy": " <- ".join(ref_text(o) for o in d["ownerChain"]) or None}
    out += [*_bullets(summary), ""]
    if d["spec"]:
        out += ["## Spec", "", *_bullets(d["spec"]), ""]
    status = dict(d["status"])
    conditions = status.pop("conditions", [])
    out += ["## Status", "", *(_bullets(status) or ["Nothing reported."]), ""]
    if conditions:
        out += ["| Condition | Status | Reason | Since | Message |", "|---|---|---|---|---|"]
        out += [f"| {cell(c.get('type'))} | {cell(c.get('status'))} | {cell(c.get('reason'))} "
                f"| {cell(c.get('since'))} | {cell(c.get('message'))} |" for c in conditions]
        out.append("")
    if d["pods"]:
        out += [f"## Pods ({len(d['pods'])})", "", "| Pod | Status | Ready | Restarts | Node | Age |",
                "|---|---|---|---|---|---|"]
        out += [f"| {cell(p['name'])} | {cell(p['status'])} | {cell(p['ready'])} | {p['restarts']} "
                f"| {cell(p.get('node'))} | {cell(p.get('age'))} |" for p in d["pods"]]
        out.append("")
    if d["related"]:
        out += [f"## Related objects ({len(d['related'])})", "", "| Object | Relation | State |",
                "|---|---|---|"]
        state = {True: "found", False: "**missing**", None: "not gathered"}
        home = scope.get("namespace")
        out += [f"| {code(ref_text(r, home))} | {cell(r['relation'])} | {state[r['found']]} |"
                for r in d["related"]]
        out.append("")
    out += ["## Recent events", ""]
    if d["events"]:
        out += ["| Age | Type | Reason | Object | Count | Message |", "|---|---|---|---|---|---|"]
        out += [f"| {cell(e.get('age'))} | {cell(e.get('type'))} | {cell(e.get('reason'))} "
                f"| {code(e['object'])} | {e['count']} | {cell(e['message'])} |" for e in d["events"]]
    else:
        out.append("No recent events.")
    out.append("")
    out += ["## Resource utilization", ""]
    facts = utilization_facts(d["utilization"], d["gaps"])
    out += [f"- **{label}:** {text_block(text)}" for label, text in facts]
    out.append("")
    rows = usage_rows(d["utilization"])
    if rows:
        out += ["| " + " | ".join(c.title() for c in COLUMNS) + " |", "|---|---|---|---|"]
        out += ["| " + " | ".join(cell(c) for c in cells) + " |" for cells, _ in rows]
        out.append("")
    findings = Diagnosis(ex.scope, ex.findings, ex.gaps, ex.ai)
    out += ["## Findings", "", *findings_markdown(findings, level=3)]
    return "\n".join(out).rstrip("\n") + "\n"
