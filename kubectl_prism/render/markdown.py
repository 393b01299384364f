"""`-o markdown`: a Diagnosis for tickets and pull requests (GitHub-flavoured markdown)."""

from __future__ import annotations

from typing import Any

from kubectl_prism.findings import Diagnosis, Finding
from kubectl_prism.render.console import counts_phrase, kind_name, ref_text, scope_phrase


def cell(value: Any, empty: str = "-") -> str:
    """A table cell: pipes escaped, newlines folded, never empty."""
    text = str(value if value is not None else "").replace("\\", "\\\\").replace("|", "\\|")
    return " ".join(text.split()) or empty


def table(headers: list[str], rows: list[list[Any]], empty: str = "-") -> list[str]:
    """A whole table with a blank line after it."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(c, empty) for c in row) + " |" for row in rows]
    return [*lines, ""]


def code(value: str) -> str:
    """An inline code span that survives backticks inside the value."""
    text = " ".join(str(value).split())
    fence = "`"
    while fence in text:
        fence += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def code_block(text: str, lang: str = "") -> list[str]:
    fence = "```"
    while fence in text:
        fence += "`"
    return [f"{fence}{lang}", *text.splitlines(), fence]


def text_block(text: str) -> str:
    """Free text (a log line, an event message) as inert markdown: no accidental headings or emphasis."""
    escaped = str(text)
    for char in ("\\", "*", "_", "<", ">", "#", "[", "]"):
        escaped = escaped.replace(char, "\\" + char)
    return escaped


def diagnosis_markdown(diagnosis: Diagnosis, counts: dict[str, int] | None = None) -> str:
    scope = diagnosis.scope.to_dict()
    out = [f"# Diagnosis of {scope_phrase(scope)}", ""]
    out += [
        "| Context | Namespace | Target | Source |",
        "|---|---|---|---|",
        f"| {cell(scope['context'])} | {cell(scope['namespace'] or 'all')} | {cell(scope['target'])} "
        f"| {'live cluster' if scope['source'] == 'live' else 'snapshot'} |",
        "",
    ]
    if counts:
        out += [f"Checked: {counts_phrase(counts)}.", ""]
    out += findings_markdown(diagnosis, level=2)
    return "\n".join(out).rstrip("\n") + "\n"


def findings_markdown(diagnosis: Diagnosis, level: int = 2) -> list[str]:
    """Summary table, one section per finding, gaps and AI answer, with headings at `level`."""
    h = "#" * level
    scope = diagnosis.scope.to_dict()
    summary = diagnosis.summary()
    out = [f"{h} Summary", ""]
    out += ["| Critical | Warning | Info |", "|---|---|---|",
            f"| {summary['critical']} | {summary['warning']} | {summary['info']} |", ""]
    if not diagnosis.findings:
        seen = " among what prism could read" if diagnosis.gaps else ""
        out += [f"No problems found in {scope_phrase(scope)}{seen}.", ""]
    else:
        out += ["| # | Severity | Rule | Object | Finding |", "|---|---|---|---|---|"]
        for i, f in enumerate(diagnosis.findings, 1):
            out.append(f"| {i} | {f.severity.value} | {code(f.id)} | {cell(ref_text(f.object))} "
                       f"| {cell(f.title)} |")
        out.append("")
    for i, f in enumerate(diagnosis.findings, 1):
        out += _finding(i, f, h)
    if diagnosis.gaps:
        out += [f"{h} What prism could not see", ""]
        out += [f"- {text_block(g.line())}" for g in diagnosis.gaps]
        out.append("")
    if diagnosis.ai:
        out += _ai(diagnosis.ai, h)
    return out


def _finding(index: int, f: Finding, h: str) -> list[str]:
    home = f.object.namespace
    out = [f"{h} {index}. {text_block(f.title)}", ""]
    meta = [f"- **Severity:** {f.severity.value}", f"- **Rule:** {code(f.id)}",
            f"- **Object:** {code(kind_name(f.object))}" + (f" in namespace {code(home)}" if home else "")]
    if f.owner and f.owner != f.object:
        meta.append(f"- **Owner:** {code(ref_text(f.owner, home))}")
    if f.reason:
        meta.append(f"- **Reason:** {code(f.reason)}")
    if f.affected:
        meta.append("- **Affected:** " + ", ".join(code(ref_text(a, home)) for a in f.affected))
    if f.caused_by:
        obj = f.caused_by.get("object")
        where = code(ref_text(obj, home)) if isinstance(obj, dict) else ""
        rule = f.caused_by.get("rule") or f.caused_by.get("id") or ""
        meta.append(f"- **Caused by:** {where} ({code(rule)})" if rule else f"- **Caused by:** {where}")
    if f.related:
        meta.append("- **Related:** " + ", ".join(code(ref_text(r, home)) for r in f.related))
    out += [*meta, ""]
    if f.message:
        out += [text_block(f.message), ""]
    if f.evidence:
        out += ["**Evidence**", ""]
        out += [f"- {code(item)}" for item in f.evidence]
        out.append("")
    if f.remediation:
        out += ["**Remediation**", ""]
        for n, rem in enumerate(f.remediation, 1):
            out.append(f"{n}. {text_block(rem.description)}")
            if rem.command:
                out += ["", *("   " + line for line in code_block(rem.command, "sh"))]
            out.append("")
    return out


def _ai(ai: dict[str, Any], h: str) -> list[str]:
    who = " ".join(str(ai[k]) for k in ("provider", "model") if ai.get(k))
    out = [f"{h} AI explanation" + (f" ({who})" if who else ""), ""]
    if ai.get("explanation"):
        out += [text_block(str(ai["explanation"])), ""]
    for key, label in (("summary", "Summary"), ("root_cause", "Root cause"), ("confidence", "Confidence")):
        if ai.get(key):
            out.append(f"- **{label}:** {text_block(str(ai[key]))}")
    out.append("")
    if ai.get("evidence"):
        unverified = set(ai.get("unverified_evidence") or [])
        out += ["**Evidence**", "", *(f"- {code(str(e))}" + (" _(unverified: not in the context sent)_"
                                                            if e in unverified else "")
                                      for e in ai["evidence"]), ""]
    if ai.get("remediation"):
        out += ["**Remediation (AI-proposed: review before running)**", ""]
        for n, step in enumerate(ai["remediation"], 1):
            out.append(f"{n}. {text_block(str(step.get('description', '')))}")
            if step.get("command"):
                out += ["", f"   _AI-proposed, {step.get('category') or 'unclassified'}_"]
                if step.get("warning"):
                    out += ["", f"   > **Warning:** {text_block(str(step['warning']))}"]
                out += ["", *("   " + line for line in code_block(str(step["command"]), "sh"))]
            out.append("")
    if ai.get("disclaimer"):
        out += [f"_{text_block(str(ai['disclaimer']))}_", ""]
    return out


def rules_markdown(rules: list[dict[str, Any]]) -> str:
    out = ["| Rule | Severity | Description |", "|---|---|---|"]
    out += [f"| {code(r['id'])} | {r['severity']} | {cell(r['description'])} |" for r in rules]
    return "\n".join(out) + "\n"
