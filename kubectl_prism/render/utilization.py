"""The utilization part of an Explanation in words: shared by the text and markdown renderers."""

from __future__ import annotations

from typing import Any

COLUMNS = ("POD", "CONTAINER", "CPU USED/REQ/LIM", "MEMORY USED/REQ/LIM")


def _res(r: dict[str, Any] | None) -> str:
    parts = [f"{k} {r[k]}" for k in ("cpu", "memory") if r and r.get(k)]
    return ", ".join(parts) or "none set"


def _share(r: dict[str, Any] | None) -> str:
    parts = []
    for key in ("cpu", "memory"):
        if r and r.get(key):
            pct = r.get(f"{key}Percent")
            parts.append(f"{key} {r[key]}" + (f" ({pct}%)" if pct is not None else ""))
    return ", ".join(parts) or "none"


def _req_lim(r: dict[str, Any]) -> str:
    return f"requests {_res(r['requests'])}; limits {_res(r['limits'])}"


def metrics_gap(gaps: list[dict[str, Any]]) -> str:
    gap = next((g for g in gaps if "metrics" in g["resource"]), None)
    return gap["reason"] if gap else "no metrics reported for these pods"


def utilization_facts(u: dict[str, Any], gaps: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(label, sentence) pairs, most telling first."""
    facts: list[tuple[str, str]] = []
    if "allocatable" in u:  # a node
        whose = "pods" if u.get("requestedComplete") else "pods of this snapshot (other namespaces unread)"
        return [
            ("allocatable", f"{_res(u['allocatable'])}, pods {u.get('podCapacity') or '?'}"),
            ("requested", f"{_share(u['requested'])} by {u['pods']} {whose}"),
            ("limits", _share(u["limits"])),
            ("in use", _share(u["usage"]) if u.get("usage") else f"unknown ({metrics_gap(gaps)})"),
        ]
    if "perPod" in u:
        facts.append(("per pod", _req_lim(u["perPod"])))
    if "total" in u:
        facts.append((f"total ({u['pods']} pods)", _req_lim(u["total"])))
    for q in u.get("quotas") or []:
        used = ", ".join(f"{k} {v}" for k, v in q["resources"].items())
        facts.append((f"quota {q['name']}", used or "empty"))
    for node in u.get("nodes") or []:
        if not node.get("found"):
            facts.append((f"node {node['name']}",
                           f"requested here {_res(node['requestedHere'])} (node not gathered)"))
            continue
        text = f"allocatable {_res(node['allocatable'])}; requested here {_share(node['requestedHere'])}"
        if node.get("requestedByAllPods"):
            text += f"; requested by all pods {_share(node['requestedByAllPods'])}"
        if node.get("usage"):
            text += f"; in use {_share(node['usage'])}"
        facts.append((f"node {node['name']}", text))
    usage = u.get("usage")
    if usage:
        parts = [f"cpu {usage['cpu']}" if usage.get("cpu") else "",
                 f"memory {usage['memory']}" if usage.get("memory") else ""]
        if parts[0] and usage.get("cpuOfRequests") is not None:
            parts[0] += f" ({usage['cpuOfRequests']}% of requests)"
        if parts[1] and usage.get("memoryOfLimits") is not None:
            parts[1] += f" ({usage['memoryOfLimits']}% of limits)"
        facts.append(("live usage", ", ".join(p for p in parts if p) or "none"))
    elif u.get("nodes") or "total" in u:
        facts.append(("live usage", f"unknown ({metrics_gap(gaps)})"))
    if not facts:
        facts.append(("pods", "none run here: nothing to measure"))
    return facts


def usage_rows(u: dict[str, Any]) -> list[tuple[list[str], float | None]]:
    """Per-container used/request/limit cells, with memory use as % of its limit (for highlighting)."""
    if not u.get("usage"):
        return []
    rows = []
    for c in u.get("containers") or []:
        cells = [c["pod"], c.get("container") or ""]
        for key in ("cpu", "memory"):
            values = ((c.get("usage") or {}).get(key), c["requests"].get(key), c["limits"].get(key))
            cells.append("/".join(v or "-" for v in values))
        rows.append((cells, c.get("memoryOfLimit")))
    return rows
