"""The fleet runner: bounded concurrency, per-context deadlines, errors per context, no snapshot kept."""

from __future__ import annotations

import gc
import threading
import time
import weakref
from pathlib import Path

import pytest

from kubectl_prism.errors import ClusterAccessError, UsageError
from kubectl_prism.fleet.jobs import diagnose_job, run_fleet
from kubectl_prism.fleet.run import Deadline, failure_reason, run_contexts
from kubectl_prism.options import FleetOptions, GlobalOptions
from kubectl_prism.snapshot import Snapshot
from kubectl_prism.timeutil import parse_duration
from tests.fakes.kube_apiserver import FakeKubeAPI
from tests.fleet_support import Member, write_fleet_kubeconfig

SHOP = Path(__file__).resolve().parent / "fakes" / "scenarios" / "shop.yaml"


def test_no_more_than_parallel_contexts_run_at_once() -> None:
    running, peak, lock = 0, 0, threading.Lock()

    def job(name: str, deadline: Deadline) -> str:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return name.upper()

    names = [f"c{i}" for i in range(9)]
    runs = run_contexts(names, job, parallel=3, timeout=5)
    assert [r.result for r in runs] == [n.upper() for n in names]  # in the order asked for
    assert peak == 3


def test_a_failing_context_is_its_own_error_and_the_rest_goes_on() -> None:
    def job(name: str, deadline: Deadline) -> str:
        if name == "bad":
            raise ClusterAccessError('cannot reach the API server at https://x (context "bad"): '
                                     "connection refused")
        return "fine"

    runs = run_contexts(["a", "bad", "b"], job, parallel=2, timeout=5)
    assert [(r.context, r.ok, r.reason) for r in runs] == [("a", True, None), ("bad", False, "unreachable"),
                                                           ("b", True, None)]
    assert runs[1].error is not None and "connection refused" in runs[1].error


def test_a_bug_in_a_job_is_not_hidden_as_a_gap() -> None:
    def job(name: str, deadline: Deadline) -> str:
        raise KeyError("a bug")

    with pytest.raises(KeyError):
        run_contexts(["a"], job, parallel=1, timeout=5)


def test_the_runner_stops_waiting_for_a_context_at_its_deadline() -> None:
    release = threading.Event()

    def job(name: str, deadline: Deadline) -> str:
        if name == "hung":
            release.wait(10)  # ignores its deadline: the runner must not wait for it
        return name

    start = time.monotonic()
    try:
        runs = run_contexts(["hung", "ok"], job, parallel=2, timeout=0.3)
    finally:
        release.set()
    elapsed = time.monotonic() - start
    assert elapsed < 2, elapsed
    assert (runs[0].reason, runs[0].result) == ("timed out", None)
    assert 'gave up on context "hung" after 0.3s' in (runs[0].error or "")
    assert runs[1].result == "ok"


def test_the_deadline_starts_when_a_worker_picks_the_context_up() -> None:
    def job(name: str, deadline: Deadline) -> float:
        time.sleep(0.25)
        return deadline.remaining()

    # Two workers, four contexts of 0.25 s each with a 0.4 s deadline: the last two waited 0.25 s
    # for a worker, and that wait is not held against them.
    runs = run_contexts(["a", "b", "c", "d"], job, parallel=2, timeout=0.4)
    assert all(r.ok for r in runs), [r.error for r in runs]


@pytest.mark.parametrize(("message", "reason"), [
    ('gave up on context "x" after 2s (--context-timeout)', "timed out"),
    ("cannot reach the API server at https://h (context \"x\"): timed out", "timed out"),
    ("the server rejected your credentials (401 Unauthorized)", "unauthorized"),
    ('the credential plugin of user "u" failed: exit status 1', "unauthorized"),
    ("could not read anything in the cluster: every request was forbidden", "forbidden"),
    ('deployment "api" not found in namespace "shop"', "not found"),
    ("cannot reach the API server at https://h (context \"x\"): connection refused", "unreachable"),
    ("TLS verification of the API server at https://h failed: self-signed certificate", "unreachable"),
])
def test_failure_reasons(message: str, reason: str) -> None:
    assert failure_reason(ClusterAccessError(message)) == reason


def test_no_snapshot_outlives_a_fleet_run(tmp_path: Path) -> None:
    # Snapshots other tests keep on purpose (a cached scenario) are theirs: only new ones count, so
    # the result does not depend on which tests ran before in this worker.
    gc.collect()
    before = {id(o): weakref.ref(o) for o in gc.get_objects() if isinstance(o, Snapshot)}
    apis = [FakeKubeAPI.from_scenario(SHOP).start() for _ in range(3)]
    try:
        kubeconfig = write_fleet_kubeconfig(tmp_path / "kubeconfig",
                                            [Member(f"c{i}", api) for i, api in enumerate(apis)])
        g = GlobalOptions(kubeconfig=str(kubeconfig), all_namespaces=True)
        result = run_fleet(g, FleetOptions(all_contexts=True, parallel=2, context_timeout=30),
                           "FleetDiagnosis", diagnose_job(g, None))
    finally:
        for api in apis:
            api.stop()
    assert [i.readable for i in result.items] == [True, True, True]
    assert all(i.findings for i in result.items)
    gc.collect()
    assert not [o for o in gc.get_objects() if isinstance(o, Snapshot)
                and (id(o) not in before or before[id(o)]() is not o)]


@pytest.mark.parametrize(("text", "seconds"), [
    ("30s", 30), ("5m", 300), ("1h30m", 5400), ("1.5s", 1.5), ("250ms", 0.25), ("90", 90), ("2m30s", 150),
    (".5s", 0.5), ("1500us", 0.0015),
])
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text, "--x") == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "soon", "5 m", "-1s", "1d", "nan", "inf", "1h-5m", "m5", "1.5"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(UsageError, match="--x"):
        parse_duration(text, "--x")
