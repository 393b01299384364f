"""Timestamps as the API writes them, kubectl's short ages, and which time an Event carries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from kubectl_prism.timeutil import age_of, event_time, human_age, parse_time

NOW = datetime(2026, 11, 12, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-12T09:58:30Z", datetime(2026, 11, 12, 9, 58, 30, tzinfo=UTC)),
    ("2026-11-12T09:58:30.123456Z", datetime(2026, 11, 12, 9, 58, 30, 123456, tzinfo=UTC)),
    ("2026-11-12T11:58:30+02:00", datetime(2026, 11, 12, 11, 58, 30, tzinfo=timezone(timedelta(hours=2)))),
    ("2026-11-12", datetime(2026, 11, 12, tzinfo=UTC)),  # no zone: UTC
    ("", None), ("yesterday", None), (None, None), (1731405510, None), ({"time": "x"}, None),
])
def test_parse_time(text: Any, expected: datetime | None) -> None:
    parsed = parse_time(text)
    assert parsed == expected
    assert parsed is None or parsed.tzinfo is not None


@pytest.mark.parametrize(("seconds", "text"), [
    (None, None), (-5, "0s"), (45, "45s"), (119, "119s"), (270, "4m30s"), (300, "5m"), (25 * 60, "25m"),
    (5 * 3600 + 12 * 60, "5h12m"), (7 * 3600, "7h"), (30 * 3600, "30h"), (3 * 86400 + 4 * 3600, "3d4h"),
    (120 * 86400, "120d"),
])
def test_human_age_like_kubectl(seconds: float | None, text: str | None) -> None:
    assert human_age(seconds) == text


def test_age_of_a_timestamp() -> None:
    assert age_of("2026-11-12T09:55:00Z", NOW) == "5m"
    assert age_of("not a time", NOW) is None


@pytest.mark.parametrize(("event", "expected"), [
    ({"lastTimestamp": "2026-11-12T09:00:00Z", "eventTime": "2026-11-12T08:00:00.000000Z"},
     "2026-11-12T09:00:00Z"),
    ({"lastTimestamp": None, "series": {"lastObservedTime": "2026-11-12T09:30:00.000000Z"},
      "eventTime": "2026-11-12T08:00:00.000000Z"}, "2026-11-12T09:30:00.000000Z"),
    ({"eventTime": "2026-11-12T08:00:00.000000Z"}, "2026-11-12T08:00:00.000000Z"),
    ({"firstTimestamp": "2026-11-12T07:00:00Z", "metadata": {"creationTimestamp": "2026-11-12T06:00:00Z"}},
     "2026-11-12T07:00:00Z"),
    ({"metadata": {"creationTimestamp": "2026-11-12T06:00:00Z"}}, "2026-11-12T06:00:00Z"),
    ({}, ""),
])
def test_event_time_prefers_the_latest_field_the_event_has(event: dict[str, Any], expected: str) -> None:
    assert event_time(event) == expected
