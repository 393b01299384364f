"""Text output of `diagnose` for people: findings grouped by severity, gaps, a clear all-clear."""

from __future__ import annotations

from typing import Any

from kubectl_prism.findings import SEVERITY_ORDER, Diagnosis, Finding, ObjectRef, Severity
from kubectl_prism.render.console import (
    DIM,
    SEVERITY_STYLE,
    Lines,
    counts_phrase,
    kind_name,
    ref_text,
    scope_phrase,
    source_phrase,
    table_lines,
)


def diagnosis_lines(diagnosis: Diagnosis, counts: dict[str, int] | None = None) -> Lines:
    scope = diagnosis.scope.to_dict()
    out = Lines()
    out.add(("Diagnosis of " + scope_phrase(scope), "bold"), (f" ({source_phrase(scope)})", DIM))
    checked = counts_phrase(counts or {})
    out.add(("Checked: ", "bold"), checked or "no objects found in this scope")
    if diagnosis.findings:
        summary = diagnosis.summary()
        parts: list[str | tuple[str, str | None]] = [("Found: ", "bold")]
        for i, sev in enumerate(SEVERITY_ORDER):
            count = summary[sev.value]
            parts.append((f"{count} {sev.value}", SEVERITY_STYLE[sev] if count else None))
            if i < len(SEVERITY_ORDER) - 1:
                parts.append(", ")
        out.add(*parts)
    out.blank()

    if not diagnosis.findings:
        out.add(_all_clear(scope, counts or {}, bool(diagnosis.gaps)))
    by_id = {(f.id, f.object): f for f in diagnosis.findings}
    for sev in SEVERITY_ORDER:
        group = [f for f in diagnosis.findings if f.severity is sev]
        if not group:
            continue
        out.blank()
        out.add((f"{sev.value.upper()} ({len(group)})", SEVERITY_STYLE[sev]))
        for finding in group:
            out.blank()
            finding_lines(out, finding, by_id)

    if diagnosis.gaps:
        out.blank()
        out.add(("What prism could not see:", "bold"))
        for gap in diagnosis.gaps:
            out.add(("! ", "yellow"), gap.line(), indent=2)
    if diagnosis.ai:
        out.blank()
        ai_lines(out, diagnosis.ai)
    return out


def _all_clear(scope: dict[str, Any], counts: dict[str, int], has_gaps: bool) -> tuple[str, str]:
    """The line that stands where findings would, with its style."""
    checked = counts_phrase(counts, with_events=False, main_only=True)
    where = scope_phrase(scope)
    if not checked and has_gaps:  # e.g. every list was forbidden: that is no all-clear
        return f"Nothing could be checked in {where}: prism could not read it (see below).", "bold yellow"
    if not checked:
        return f"No problems found in {where}: there were no objects to check.", "bold green"
    seen = " among what prism could read" if has_gaps else ""
    return f"No problems found in {where}{seen} ({checked} checked).", "bold green"


def finding_lines(out: Lines, f: Finding, by_id: dict[Any, Finding] | None = None) -> None:
    home = f.object.namespace
    out.add((f.severity.value.upper(), SEVERITY_STYLE[f.severity]), "  ", (f.title, "bold"),
            (f"  [{f.id}]", DIM), indent=2)
    obj = kind_name(f.object) + (f" in {home}" if home else "")
    if f.owner and f.owner != f.object:
        obj += f" (owner {ref_text(f.owner, home)})"
    _field(out, "object", obj)
    if f.reason:
        _field(out, "reason", f.reason)
    if f.message:
        first, *rest = f.message.splitlines() or [""]
        _field(out, "message", first)
        for line in rest:
            out.add(line, indent=16)
    if f.evidence:
        _field(out, "evidence", "")
        for item in f.evidence:
            lines = item.splitlines() or [""]
            out.add(("- ", DIM), lines[0], indent=6)
            for cont in lines[1:]:
                out.add(cont, indent=8)
    affected = [a for a in f.affected if a != f.object]
    if affected:
        names = ", ".join(ref_text(a, home) for a in f.affected)
        _field(out, "affected", f"{names} ({len(f.affected)} objects)" if len(f.affected) > 1 else names)
    if f.caused_by:
        _field(out, "caused by", _caused_by_text(f.caused_by, home, by_id or {}))
    if f.related:
        _field(out, "related", ", ".join(ref_text(r, home) for r in f.related))
    if f.remediation:
        _field(out, "fix", "")
        for rem in f.remediation:
            out.add(("- ", DIM), rem.description, indent=6)
            if rem.command:
                out.add(("$ ", DIM), (rem.command, "bold"), indent=8)


def _field(out: Lines, label: str, value: str) -> None:
    out.add((f"{label}:", "bold"), " " * max(1, 12 - len(label)) if value else "", value, indent=4)


def _caused_by_text(caused_by: dict[str, Any], home: str | None, by_id: dict[Any, Finding]) -> str:
    rule = caused_by.get("id") or caused_by.get("rule") or ""
    obj = caused_by.get("object")
    where = ref_text(obj, home) if isinstance(obj, dict) else ""
    text = " ".join(p for p in (where, f"[{rule}]" if rule else "") if p)
    if isinstance(obj, dict):
        cause = by_id.get((rule, ObjectRef(obj.get("kind", ""), obj.get("name", ""), obj.get("namespace"))))
        if cause:
            text = f"{text}: {cause.title}"
    return text or str(caused_by)


def ai_header_lines(who: str) -> Lines:
    out = Lines()
    out.blank()
    out.add(("AI explanation", "bold magenta"), (f" ({who})", DIM))
    return out


_CATEGORY_STYLE = {"read-only": DIM, "changes": "yellow", "destructive": "bold red"}


def ai_lines(out: Lines, ai: dict[str, Any], streamed: bool = False) -> None:
    """The AI block (see ai.explain): prose (unless it was already streamed), root cause, steps."""
    if not streamed:
        who = " ".join(str(ai[k]) for k in ("provider", "model") if ai.get(k))
        out.add(("AI explanation", "bold magenta"), (f" ({who})" if who else "", DIM))
        for line in str(ai.get("explanation") or "").strip().splitlines():
            out.add(line, indent=2)
    if ai.get("summary"):
        _field(out, "summary", str(ai["summary"]))
    if ai.get("root_cause"):
        _field(out, "root cause", str(ai["root_cause"]))
    if ai.get("confidence"):
        _field(out, "confidence", str(ai["confidence"]))
    if ai.get("evidence"):
        _field(out, "evidence", "")
        unverified = set(ai.get("unverified_evidence") or [])
        for item in ai["evidence"]:
            flag = ("  (unverified: not in the context sent)", "yellow") if item in unverified else ("", None)
            out.add(("- ", DIM), str(item), flag, indent=6)
    if ai.get("remediation"):
        _field(out, "fix", "")
        for step in ai["remediation"]:
            out.add(("- ", DIM), str(step.get("description", "")), indent=6)
            if step.get("command"):
                # The model's commands never look like a rule's fix: labelled, classified, warned.
                category = str(step.get("category") or "unclassified")
                style = _CATEGORY_STYLE.get(category, "yellow")
                out.add((f"AI-proposed, {category}: ", style), (str(step["command"]), "bold"), indent=8)
                if step.get("warning"):
                    out.add((f"! {step['warning']}", "bold red"), indent=10)
    if ai.get("disclaimer"):
        out.add((str(ai["disclaimer"]), DIM), indent=2)
    if isinstance(ai.get("tokens"), dict):
        from kubectl_prism.ai.usage import usage_text

        out.add((usage_text(ai["tokens"]), DIM), indent=2)


def rules_lines(rules: list[dict[str, Any]]) -> Lines:
    """kubectl-style columns (no box drawing): RULE  SEVERITY  DESCRIPTION."""
    rows = [[(r["id"], None), (r["severity"], _severity_style(r["severity"])), (r["description"], None)]
            for r in rules]
    out = table_lines(("RULE", "SEVERITY", "DESCRIPTION"), rows)
    out.add((f"{len(rows)} rules", DIM))
    return out


def _severity_style(value: str) -> str | None:
    return SEVERITY_STYLE.get(Severity(value)) if value in Severity._value2member_map_ else None
