"""Timestamps as Kubernetes and our own files write them (RFC 3339, `Z` for UTC), and kubectl's ages."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any


def parse_time(value: Any) -> datetime | None:
    """An aware datetime from `2026-11-12T10:00:00Z` or any ISO 8601 text; None for anything else.

    A time without a zone is taken as UTC (the API server and prism only ever write UTC).
    """
    if not isinstance(value, str) or not value:
        return None
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def human_age(seconds: float | None) -> str | None:
    """kubectl's short durations: 45s, 4m30s, 25m, 5h12m, 3d4h, 120d."""
    if seconds is None:
        return None
    s = max(0, int(seconds))
    if s < 120:
        return f"{s}s"
    m, h, d = s // 60, s // 3600, s // 86400
    if m < 10:
        return f"{m}m{s % 60}s" if s % 60 else f"{m}m"
    if h < 3:
        return f"{m}m"
    if h < 8:
        return f"{h}h{m % 60}m" if m % 60 else f"{h}h"
    if d < 2:
        return f"{h}h"
    if d < 8:
        return f"{d}d{h % 24}h" if h % 24 else f"{d}d"
    return f"{d}d"


def age_of(value: Any, now: datetime) -> str | None:
    """The age of a timestamp at `now`, kubectl style; None when it is not a timestamp."""
    stamp = parse_time(value)
    return human_age((now - stamp).total_seconds()) if stamp else None


def event_time(ev: dict[str, Any]) -> str:
    """When an Event last happened, as the API wrote it ("" when it does not say).

    core/v1 events carry lastTimestamp; events.k8s.io/v1 ones a series or an eventTime; some only the
    first time or their own creation. RFC 3339 text sorts in time order, so callers sort on this.
    """
    series = ev.get("series") or {}
    created = (ev.get("metadata") or {}).get("creationTimestamp")
    return str(ev.get("lastTimestamp") or series.get("lastObservedTime") or ev.get("eventTime")
               or ev.get("firstTimestamp") or created or "")


# Go's time.ParseDuration units, as kubectl's duration flags take them.
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str, flag: str, hint: str = "use a duration like 30s, 5m or 1h30m") -> float:
    """Seconds from a duration as kubectl and Go write them: `30s`, `5m`, `1h30m`, `1.5s`, `250ms`.

    Whole seconds may go without a unit ("90"), as kubectl's --request-timeout takes them. Bad text is
    a usage error naming `flag` (the value shown bounded and printable).
    """
    from kubectl_prism.errors import UsageError
    from kubectl_prism.printable import shown

    value = text.strip()
    if value.isdigit():
        return float(value)
    parts = _DURATION_PART.findall(value)
    if not parts or "".join(n + u for n, u in parts) != value:
        raise UsageError(f"invalid {flag} {shown(value, 40)}", hint=hint)
    return sum(float(n) * _UNIT_SECONDS[u] for n, u in parts)
