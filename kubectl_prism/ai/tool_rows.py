"""Small, redaction-free views of objects for tool results: one status line, one event row, a log tail
with long lines clipped, and `fit_rows`, which shortens a list until its document fits the cap."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from kubectl_prism.redact import Redacted
from kubectl_prism.snapshot import KubeObject, meta
from kubectl_prism.timeutil import event_time

MAX_LOG_LINE = 400
_LINE_HEAD = 300


def clip_line(line: str, limit: int = MAX_LOG_LINE) -> str:
    """A log line of at most about `limit` characters: its head and its tail, saying what was left out."""
    if len(line) <= limit:
        return line
    tail = limit - _LINE_HEAD
    return f"{line[:_LINE_HEAD]} …[line clipped: {len(line):,} characters, middle left out]… {line[-tail:]}"


def fit_rows(build: Callable[[Sequence[Any], int], Any], rows: Sequence[Any],
             redact: Callable[[Any], Redacted], limit: int) -> tuple[Redacted, int]:
    """(the redacted document of as many leading rows as fit under `limit`, how many rows it holds).

    `build(shown, left_out)` makes the document; binary search over the number of rows keeps this to a
    few redaction passes. With no row fitting, the document of zero rows is returned.
    """
    full = redact(build(rows, 0))
    if len(full) <= limit:
        return full, len(rows)
    lo, hi, best, best_n = 0, len(rows) - 1, redact(build(rows[:0], len(rows))), 0
    while lo <= hi:
        mid = (lo + hi) // 2
        candidate = redact(build(rows[:mid], len(rows) - mid))
        if len(candidate) <= limit:
            lo, best, best_n = mid + 1, candidate, mid
        else:
            hi = mid - 1
    return best, best_n


def event_row(ev: KubeObject) -> dict[str, Any]:
    ref = ev.get("involvedObject") or ev.get("regarding") or {}
    return {
        "type": ev.get("type"),
        "reason": ev.get("reason"),
        "object": f"{str(ref.get('kind', '')).lower()}/{ref.get('name', '')}",
        "count": ev.get("count") or (ev.get("series") or {}).get("count") or 1,
        "last": event_time(ev),
        "message": ev.get("message") or ev.get("note"),
    }


def warnings_first(events: list[KubeObject]) -> list[KubeObject]:
    """Warnings before normal events (Pulled, Created, Started say little), each newest first."""
    by_time = sorted(events, key=event_time, reverse=True)
    return sorted(by_time, key=lambda e: e.get("type") != "Warning")


def status_line(obj: KubeObject) -> str:
    """One line of status per object, like the STATUS column of `kubectl get`."""
    kind = obj.get("kind")
    status = obj.get("status") or {}
    spec = obj.get("spec") or {}
    if kind == "Pod":
        statuses = status.get("containerStatuses") or []
        ready = sum(1 for c in statuses if c.get("ready"))
        restarts = sum(int(c.get("restartCount") or 0) for c in statuses)
        reason = status.get("reason") or next(
            (
                s.get("reason")
                for c in statuses
                for s in ((c.get("state") or {}).get("waiting"), (c.get("state") or {}).get("terminated"))
                if s
            ),
            None,
        )
        if meta(obj).get("deletionTimestamp"):
            reason = "Terminating"
        return f"{reason or status.get('phase', '?')} ready {ready}/{len(statuses)} restarts {restarts}"
    if kind in ("Deployment", "StatefulSet", "ReplicaSet"):
        return f"ready {status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}"
    if kind == "DaemonSet":
        return f"ready {status.get('numberReady', 0)}/{status.get('desiredNumberScheduled', 0)}"
    if kind == "Job":
        return f"succeeded {status.get('succeeded', 0)} failed {status.get('failed', 0)}"
    if kind == "Node":
        ready = next(
            (c.get("status") for c in status.get("conditions") or [] if c.get("type") == "Ready"), "?"
        )
        cordoned = " cordoned" if spec.get("unschedulable") else ""
        return f"Ready={ready}{cordoned}"
    if kind == "Service":
        return f"{spec.get('type', 'ClusterIP')} selector={spec.get('selector') or {}}"
    if kind == "PersistentVolumeClaim":
        return str(status.get("phase", "?"))
    if kind == "Event":
        return f"{obj.get('type')} {obj.get('reason')}"
    return str(status.get("phase") or "")
