"""A container that crashed before and has run cleanly since is history, not a crash loop (pod_status.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from kubectl_prism.analyzers.pod_status import CRASH_LOOP, pod_problem

NOW = datetime(2026, 11, 12, 10, 0, tzinfo=UTC)


def at(minutes_ago: float) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def crashed_pod(up: float, last_run: float, restarts: int = 4, ready: bool = True) -> dict[str, Any]:
    """Running for `up` minutes after a run of `last_run` minutes that ended with exit 1."""
    status = {"name": "app", "ready": ready, "restartCount": restarts,
              "state": {"running": {"startedAt": at(up)}},
              "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "startedAt": at(up + last_run),
                                           "finishedAt": at(up)}}}
    return {"kind": "Pod", "metadata": {"name": "orders-1", "namespace": "shop"},
            "spec": {"containers": [{"name": "app", "image": "registry.example.com/orders:1"}]},
            "status": {"phase": "Running", "containerStatuses": [status],
                       "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}}


def test_a_crash_forty_minutes_ago_after_a_five_minute_run_is_over() -> None:
    assert pod_problem(crashed_pod(up=40, last_run=5), NOW) is None


def test_a_container_that_crashes_every_fifteen_minutes_is_still_crash_looping() -> None:
    problem = pod_problem(crashed_pod(up=12, last_run=15), NOW)
    assert problem is not None and problem.rule_id == CRASH_LOOP
    # ... and three runs' length later it counts as recovered
    assert pod_problem(crashed_pod(up=46, last_run=15), NOW) is None


def test_a_recent_restart_is_not_recovered_whatever_the_last_run() -> None:
    problem = pod_problem(crashed_pod(up=4, last_run=0.5), NOW)
    assert problem is not None and problem.rule_id == CRASH_LOOP


def test_a_running_container_that_is_not_ready_is_not_recovered() -> None:
    problem = pod_problem(crashed_pod(up=40, last_run=5, ready=False), NOW)
    assert problem is not None and problem.rule_id == CRASH_LOOP


def test_without_a_clock_the_restarts_still_count() -> None:
    problem = pod_problem(crashed_pod(up=40, last_run=5))
    assert problem is not None and problem.rule_id == CRASH_LOOP
