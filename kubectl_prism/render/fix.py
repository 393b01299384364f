"""Text and markdown for `kubectl prism fix`: a step card, a step's result, the plan, before/after.

All of it is drawn from cleared (redacted) documents: the card of `agent.confirm.step_card` /
`text_card`, the plan document of `commands/_fix_plan.py` and `BeforeAfter.to_dict()`.
"""

from __future__ import annotations

from typing import Any

from kubectl_prism.printable import printable
from kubectl_prism.render.agent import CATEGORY_STYLE
from kubectl_prism.render.console import DIM, SEVERITY_STYLE, Line, Lines
from kubectl_prism.render.markdown import code, code_block, text_block

_DIFF_STYLE = {"+": "green", "-": "red", "@": "cyan"}
_STATUS_STYLE = {"ran": "bold green", "failed": "bold red", "declined": "bold yellow", "skipped": "dim",
                 "quit": "bold yellow", "rejected": "bold magenta", "refused": "bold magenta"}


def _severity(value: str) -> str | None:
    from kubectl_prism.findings import Severity

    return SEVERITY_STYLE.get(Severity(value)) if value in {s.value for s in Severity} else None


def card_lines(card: dict[str, Any]) -> Lines:
    """What the person sees before the question (or a step's result, for `kind: result`)."""
    if card.get("kind") == "result":
        return result_lines(card)
    out = Lines([Line()])  # a blank line between one step and the next
    head = f"Step {card['number']} of {card['total']}" if card.get("number") and card.get("total") else (
        f"Step {card['number']}" if card.get("number") else "Step")
    finding = card.get("finding")
    if finding:
        out.add((f"── {head} ", "bold"), (finding["severity"].upper(), _severity(finding["severity"])),
                f" {finding['id']} ", (finding["object"], "bold"))
        out.add((printable(finding["title"]), DIM), indent=3)
    else:
        out.add((f"── {head} ", "bold"), (f"proposed by {card.get('source') or '-'}", DIM))
    category = card["category"]
    label = {"shell": "SHELL", "gitops": "FILE CHANGE"}.get(card["kind"], category.upper())
    out.add((label, CATEGORY_STYLE.get(category, "bold")), "  ", printable(card["commandLine"]))
    if card.get("edited"):
        out.add(("(edited by you, classified again)", DIM), indent=2)
    rows = [("why", card.get("why") or "-")]
    if card["kind"] == "kubectl":
        rows += [("category", f"{category}: {card['reason']}"), ("namespace", card.get("namespace") or "-")]
        if card.get("confirmWord"):
            rows.append(("type back", card["confirmWord"]))
    _rows(out, rows)
    for warning in card.get("warnings") or []:
        out.add(("! warning: ", "bold red"), printable(warning), indent=2)
    preview = card.get("preview")
    if preview is not None:
        preview_lines(out, preview)
    return out


def _rows(out: Lines, rows: list[tuple[str, str]], indent: int = 2) -> None:
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        out.add((f"{key}:".ljust(width + 2), DIM), printable(value), indent=indent)


def preview_lines(out: Lines, preview: dict[str, Any], indent: int = 2) -> None:
    status = preview["status"]
    if status == "previewed":
        sha = f" (sha256 {preview['sha256'][:12]})" if preview.get("sha256") else ""
        out.add(("preview: ", DIM), "server dry run", (sha, DIM), indent=indent)
    else:
        style = "bold red" if status == "refused" else "bold yellow"
        out.add(("preview: ", DIM), (status.upper(), style), indent=indent)
    if preview.get("note"):
        out.add(("  " + printable(preview["note"]), DIM), indent=indent)
    for line in (preview.get("diff") or "").splitlines():
        style = _DIFF_STYLE.get(line[:1]) if not line.startswith(("+++", "---")) else "bold"
        out.add((printable(line), style), indent=indent + 2)
    for said in (preview.get("serverSaid") or "").splitlines():
        out.add(printable(said), indent=indent + 2)
    affected = preview.get("affected") or []
    if affected:
        count = f"{len(affected)} object{'s' if len(affected) != 1 else ''}:"
        out.add(("affects ", DIM), count, indent=indent)
        for name in affected:
            out.add(printable(name), indent=indent + 2)


def result_lines(doc: dict[str, Any]) -> Lines:
    out = Lines()
    status = doc["status"]
    tail = f" (exit {doc['exitCode']}, {doc['durationMs']} ms)" if doc.get("exitCode") is not None else ""
    out.add(("→ ", DIM), (status, _STATUS_STYLE.get(status, "bold")), (tail, DIM))
    for stream in ("stdout", "stderr"):
        for line in (doc.get(stream) or "").rstrip("\n").splitlines()[-20:]:
            out.add((printable(line), DIM if stream == "stdout" else "red"), indent=2)
    if doc.get("note") and status != "ran":
        out.add(printable(doc["note"]), indent=2)
    return out


def plan_lines(plan: dict[str, Any]) -> Lines:
    """`fix --plan` for people: every remediation command classified, changes with their preview."""
    out = Lines()
    s = plan["summary"]
    out.add(("Fix plan", "bold"), f" for {plan['scopeText']}: {s['findings']} finding"
            f"{'s' if s['findings'] != 1 else ''}, {s['changes']} step{'s' if s['changes'] != 1 else ''} "
            "that change something (nothing was changed)")
    current = None
    for step in plan["steps"]:
        finding = step["finding"]
        key = (finding["id"], finding["object"])
        if key != current:
            current = key
            out.blank()
            out.add((finding["severity"].upper(), _severity(finding["severity"])), f" {finding['id']} ",
                    (finding["object"], "bold"))
        category = step["category"]
        out.add((category.upper(), CATEGORY_STYLE[category]), "  ", printable(step["commandLine"]), indent=2)
        out.add((printable(step["description"]), DIM), indent=4)
        if category == "rejected":
            out.add(("rejected: ", DIM), printable(step["reason"]), indent=4)
        if step.get("preview"):
            preview_lines(out, step["preview"], indent=4)
    if not plan["steps"]:
        out.add("Nothing to fix: no finding in the scope has a remediation command.")
    return out


def plan_markdown(plan: dict[str, Any]) -> str:
    """`fix --plan -o markdown`: for a pull-request comment."""
    s = plan["summary"]
    lines = [f"## kubectl prism fix plan: {text_block(plan['scopeText'])}", "",
             f"{s['findings']} findings, **{s['changes']} steps that change something**. "
             "Nothing was changed: each step runs only after a person confirms it at a terminal.", ""]
    for i, step in enumerate(plan["steps"], 1):
        finding = step["finding"]
        lines += [f"### {i}. {step['category']}: {code(step['commandLine'])}", "",
                  f"- finding: **{finding['severity']}** {code(finding['id'])} on {code(finding['object'])}",
                  f"- why: {text_block(step['description'])}",
                  f"- classifier: {text_block(step['reason'])}"]
        preview = step.get("preview")
        if preview:
            lines.append(f"- preview: {preview['status']}" + (f" ({text_block(preview['note'])})"
                                                              if preview.get("note") else ""))
            if preview.get("diff"):
                lines += ["", *code_block(preview["diff"], "diff")]
            if preview.get("affected"):
                lines += ["", *code_block("\n".join(preview["affected"]))]
        lines.append("")
    if not plan["steps"]:
        lines += ["Nothing to fix: no finding in the scope has a remediation command.", ""]
    return "\n".join(lines)


def before_after_lines(doc: dict[str, Any]) -> Lines:
    out = Lines([Line()])
    out.add(("Before/after", "bold"), f" (re-diagnosed {printable(doc['scopeText'])}):")
    groups = (("resolved", "resolved", "bold green"), ("still there", "stillThere", "bold yellow"),
              ("new", "new", "bold red"))
    for title, key, style in groups:
        items = doc[key]
        out.add((f"{title}: {len(items)}", style), indent=2)
        for f in items:
            obj = f["object"]
            out.add((f["severity"].upper(), _severity(f["severity"])), f" {f['id']} ",
                    f"{obj['kind'].lower()}/{obj['name']}", indent=4)
    return out


def summary_lines(doc: dict[str, Any]) -> Lines:
    out = Lines([Line()])
    counts = doc["counts"]
    parts = [f"{n} {status}" for status, n in counts.items() if n]
    out.add(("Steps: ", "bold"), ", ".join(parts) or "none")
    return out
