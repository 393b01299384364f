"""Text for agent-mode documents: a decision (category first, then why, then what the step acts on)
and agent mode's status. Both are drawn from cleared (redacted) documents, never from raw values."""

from __future__ import annotations

from typing import Any

from kubectl_prism.printable import printable
from kubectl_prism.render.console import DIM, Lines

CATEGORY_STYLE = {
    "read-only": "bold green",
    "mutating": "bold yellow",
    "destructive": "bold red",
    "rejected": "bold magenta",
}

WHAT_HAPPENS = {
    "read-only": "runs without asking; its output is redacted and capped",
    "mutating": "asks first, with a server-side preview of the change",
    "destructive": "asks first, with a preview, and the name must be typed back",
    "rejected": "never runs",
}


def _table(out: Lines, rows: list[tuple[str, str]], indent: int = 2) -> None:
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        out.add((f"{key}:".ljust(width + 2), DIM), printable(value), indent=indent)


def decision_lines(doc: dict[str, Any]) -> Lines:
    """A decision document (`Decision.to_dict()` with its `commandLine`)."""
    category = doc["category"]
    out = Lines()
    out.add((category.upper(), CATEGORY_STYLE[category]), "  ", printable(doc["commandLine"]))
    rows = [("rule", doc["rule"]), ("reason", doc["reason"]), ("then", WHAT_HAPPENS[category])]
    if doc.get("verb"):
        rows.append(("verb", doc["verb"]))
    if category != "rejected":
        rows.append(("namespace", "all namespaces" if doc["allNamespaces"] else doc["namespace"] or "-"))
        objects = [f"{(o['kind'] or o['resource']).lower()}/{o['name']}" for o in doc["objects"]]
        if objects:
            rows.append(("objects", ", ".join(objects)))
        if doc["bySelector"]:
            rows.append(("selected by", doc["selector"] or "--all, or every object of the type"))
        if doc["files"]:
            rows.append(("manifests", ", ".join(doc["files"]) + " (checked before running)"))
        if doc["confirmWord"]:
            rows.append(("type back", doc["confirmWord"]))
    rows.append(("scope", doc["scopeText"]))
    _table(out, rows)
    return out


def status_lines(doc: dict[str, Any]) -> Lines:
    """Agent mode's switches (`kubectl prism agent status`)."""
    def on(value: bool) -> str:
        return "on" if doc["enabled"] and value else "off"

    out = Lines()
    out.add("Agent mode: ", ("enabled", "bold green") if doc["enabled"] else ("disabled", "bold"))
    _table(out, [
        ("terminal skill (shell commands)", on(doc["terminal"])),
        ("GitOps (fix --repo)", on(doc["gitops"])),
        ("kubectl", doc["resolvedKubectl"] or doc["kubectlProblem"] or "-"),
        ("audit log", doc["auditLog"]),
    ])
    out.add("Every step that changes anything shows a preview and asks; there is no yes-to-all.")
    if not doc["enabled"]:
        out.add(f"Turn on with `{doc['enableCommand']}`.")
    return out
