"""The fleet runner: bounded concurrency, per-context deadlines, errors per context, no snapshot kept."""

from __future__ import annotations

import gc
import threading
import time
import weakref
from pathlib import Path
from typing import Any

import pytest

from kubectl_prism.errors import ClusterAccessError, UsageError
from kubectl_prism.fleet import jobs as jobs_module
from kubectl_prism.fleet import run as run_module
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


@pytest.mark.parametrize("fails", [False, True])
def test_parallel_contexts_run_with_a_longer_switch_interval_and_give_it_back(fails: bool) -> None:
    import sys

    before = sys.getswitchinterval()
    seen: list[float] = []

    def job(name: str, deadline: Deadline) -> str:
        seen.append(sys.getswitchinterval())
        if fails:
            raise KeyError("a bug")  # the interval comes back on the way out of a failed run too
        return name

    try:
        run_contexts(["a", "b"], job, parallel=2, timeout=5)
    except KeyError:
        assert fails
    # the interpreter keeps microseconds: 0.05 reads back as 0.049999...
    assert seen and all(s == pytest.approx(run_module.PARALLEL_SWITCH_INTERVAL) for s in seen)
    assert sys.getswitchinterval() == before != pytest.approx(run_module.PARALLEL_SWITCH_INTERVAL)


def test_one_context_at_a_time_keeps_the_switch_interval() -> None:
    import sys

    before = sys.getswitchinterval()
    seen = run_contexts(["a"], lambda name, deadline: sys.getswitchinterval(), parallel=1, timeout=5)
    assert [r.result for r in seen] == [before]


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


# --- turns to hold decoded objects (Deadline.before_decode) ------------------------------------------

BIG = run_module.FREE_DECODE_BYTES + 1  # one answer this size needs a turn


def test_one_turn_lets_one_context_decode_at_a_time_while_all_of_them_talk_to_their_servers() -> None:
    all_started = threading.Barrier(4, timeout=2)  # breaks (a bug: the run raises) unless 4 run at once
    lock = threading.Lock()
    before, holding, peak_before, peak_holding = 0, 0, 0, 0

    def job(name: str, deadline: Deadline) -> float:
        nonlocal before, holding, peak_before, peak_holding
        with lock:
            before += 1
            peak_before = max(peak_before, before)
        all_started.wait()
        assert deadline.before_decode(1000) == 0.0  # the first bytes are free
        with lock:
            before -= 1
        waited = deadline.before_decode(BIG)
        with lock:
            holding += 1
            peak_holding = max(peak_holding, holding)
        time.sleep(0.03)
        assert deadline.before_decode(BIG) == 0.0  # the context already holds its turn
        with lock:
            holding -= 1
        return waited

    runs = run_contexts(["a", "b", "c", "d"], job, parallel=4, timeout=5, decoded_at_once=1)
    assert all(r.ok for r in runs), [r.error for r in runs]
    assert (peak_before, peak_holding) == (4, 1)
    # One after the other: the last to get the turn waited for the three before it.
    assert max(r.result or 0.0 for r in runs) >= 3 * 0.03 * 0.9


def test_two_turns_let_exactly_two_contexts_decode_at_once() -> None:
    all_started = threading.Barrier(4, timeout=2)
    changed = threading.Condition()
    holding, peak = 0, 0

    def job(name: str, deadline: Deadline) -> str:
        nonlocal holding, peak
        all_started.wait()
        deadline.before_decode(BIG)
        with changed:
            holding += 1
            peak = max(peak, holding)
            changed.notify_all()
            changed.wait_for(lambda: holding >= 2, timeout=1)  # a second one comes in while this holds
        time.sleep(0.05)  # room for a third, if one were let in
        with changed:
            holding -= 1
        return name

    runs = run_contexts(["a", "b", "c", "d"], job, parallel=4, timeout=5, decoded_at_once=2)
    assert all(r.ok for r in runs), [r.error for r in runs]
    assert peak == 2


@pytest.mark.parametrize("read_ahead", [1, run_module.READ_AHEAD])
def test_only_read_ahead_contexts_more_than_those_decoding_read_their_lists_at_once(read_ahead: int) -> None:
    reading, peak, lock = 0, 0, threading.Lock()

    def job(name: str, deadline: Deadline) -> str:
        nonlocal reading, peak
        deadline.before_lists()  # what the gather asks before its first round of lists
        with lock:
            reading += 1
            peak = max(peak, reading)
        time.sleep(0.05)
        deadline.before_decode(BIG)
        time.sleep(0.05)
        with lock:
            reading -= 1
        return name

    runs = run_contexts([f"c{i}" for i in range(6)], job, parallel=4, timeout=5, decoded_at_once=1,
                        read_ahead=read_ahead)
    assert all(r.ok for r in runs), [r.error for r in runs]
    assert peak == 1 + read_ahead  # one decoding, the readers ahead; the others wait with nothing read


def test_a_context_decoding_before_its_lists_takes_a_readers_slot_first() -> None:
    # "early" decodes a big answer before its first round of lists (a huge target object): were it to
    # take the turn without a reader's slot, it would wait for a slot held by readers waiting for its turn.
    def job(name: str, deadline: Deadline) -> str:
        if name == "early":
            time.sleep(0.05)  # the others hold both readers' slots by now
            deadline.before_decode(BIG)
            deadline.before_lists()
        else:
            deadline.before_lists()
            time.sleep(0.1)
            deadline.before_decode(BIG)
        time.sleep(0.02)
        return name

    start = time.monotonic()
    runs = run_contexts(["a", "b", "early"], job, parallel=3, timeout=5, decoded_at_once=1, read_ahead=1)
    assert all(r.ok for r in runs), [r.error for r in runs]
    assert time.monotonic() - start < 2


def test_a_context_within_the_free_bytes_never_waits_for_a_turn() -> None:
    big_has_turn, small_done = threading.Event(), threading.Event()
    small_waited: list[float] = []

    def job(name: str, deadline: Deadline) -> bool:
        if name == "big":
            deadline.before_decode(BIG)
            big_has_turn.set()
            return small_done.wait(1)  # holds the only turn until the small one is done
        assert big_has_turn.wait(1)
        free = run_module.FREE_DECODE_BYTES
        # Exactly the free bytes, in two answers.
        small_waited.extend([deadline.before_decode(free // 2), deadline.before_decode(free - free // 2)])
        small_done.set()
        return True

    runs = run_contexts(["big", "small"], job, parallel=2, timeout=5, decoded_at_once=1)
    assert [(r.context, r.result) for r in runs] == [("big", True), ("small", True)]
    assert small_waited == [0.0, 0.0]


def test_waiting_for_a_turn_is_not_held_against_the_context(monkeypatch: pytest.MonkeyPatch) -> None:
    # The runner gives up soon after a deadline, so that a deadline left in place shows.
    monkeypatch.setattr(run_module, "GRACE_SECONDS", 0.1)
    hold = 0.35
    moved: dict[str, tuple[float, float]] = {}

    def job(name: str, deadline: Deadline) -> float:
        at = deadline.at
        waited = deadline.before_decode(BIG)
        moved[name] = (deadline.at - at, waited)
        time.sleep(hold)
        if deadline.expired():  # as a gather does: past its deadline, a context reads nothing more
            raise ClusterAccessError(f"{name}: out of time")
        return waited

    # Each alone fits in its 0.5 s; the second spends the first's 0.35 s waiting for the turn, and
    # 0.35 s more holding it: past 0.5 s, and past the runner's 0.6 s, unless the wait moved its deadline.
    runs = run_contexts(["a", "b"], job, parallel=2, timeout=0.5, decoded_at_once=1)
    assert all(r.ok for r in runs), [r.error for r in runs]
    waits = sorted(r.result or 0.0 for r in runs)
    assert waits[0] < 0.1 and waits[1] > 0.2, waits
    for shift, waited in moved.values():
        assert shift == pytest.approx(waited)


def test_a_context_waiting_for_a_turn_longer_than_its_timeout_is_not_given_up_on() -> None:
    def job(name: str, deadline: Deadline) -> float:
        waited = deadline.before_decode(BIG)
        time.sleep(0.3)  # each holds its turn 0.3 s, within its own 0.4 s
        return waited

    # The last of four waits ~0.9 s for its turn: over twice its timeout, and none of it its own time.
    runs = run_contexts(["a", "b", "c", "d"], job, parallel=4, timeout=0.4, decoded_at_once=1)
    assert all(r.ok for r in runs), [r.error for r in runs]
    assert max(r.result or 0.0 for r in runs) > 0.8


def test_a_context_given_up_on_while_holding_the_turn_passes_it_on() -> None:
    release = threading.Event()

    def job(name: str, deadline: Deadline) -> float:
        waited = deadline.before_decode(BIG)
        if name == "stuck":
            release.wait(5)  # holds its turn and ignores its deadline
        return waited

    start = time.monotonic()
    try:
        runs = run_contexts(["stuck", "next"], job, parallel=2, timeout=0.3, decoded_at_once=1)
    finally:
        release.set()
    assert (runs[0].reason, runs[1].ok) == ("timed out", True), [r.error for r in runs]
    assert time.monotonic() - start < 2


def test_a_context_given_up_on_while_waiting_for_a_turn_stops_waiting() -> None:
    turns = threading.Semaphore(1)
    assert turns.acquire(timeout=1)  # another context holds the only turn
    deadline = Deadline(5, turns=turns)
    errors: list[str] = []

    def worker() -> None:
        try:
            deadline.before_decode(BIG)
        except ClusterAccessError as err:
            errors.append(err.message)

    thread = threading.Thread(target=worker)
    thread.start()
    time.sleep(0.1)
    assert thread.is_alive() and deadline.due(time.monotonic() + 10) > deadline.at + 9  # waiting: not due
    deadline.abandon()  # what the runner does when it gives up on the context
    thread.join(1)
    assert not thread.is_alive() and errors == ["the fleet run gave up on this context"]
    assert not turns.acquire(blocking=False)  # the other context's turn was not taken or given away


@pytest.mark.parametrize(("error", "bugs_are_errors"), [
    (ClusterAccessError('cannot reach the API server at https://x (context "first"): connection reset'),
     False),
    (KeyError("a bug"), True),
])
def test_a_context_that_fails_holding_the_turn_gives_it_back(error: Exception, bugs_are_errors: bool) -> None:
    first_has_turn = threading.Event()

    def job(name: str, deadline: Deadline) -> float:
        if name == "first":
            deadline.before_decode(BIG)
            first_has_turn.set()
            raise error
        assert first_has_turn.wait(1)
        return deadline.before_decode(BIG)  # waits for "first"'s turn

    start = time.monotonic()
    runs = run_contexts(["first", "second"], job, parallel=2, timeout=1, decoded_at_once=1,
                        bugs_are_errors=bugs_are_errors)
    assert (runs[0].ok, runs[1].ok) == (False, True), [r.error for r in runs]
    assert runs[1].result is not None and runs[1].result < 0.5
    assert time.monotonic() - start < 1


def test_a_fleet_run_decodes_one_context_at_a_time_and_finds_the_same(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every answer past the first byte needs a turn, so each context takes one; run_fleet does not
    # pass `decoded_at_once`, and run_contexts' default was bound when it was defined: set it here.
    monkeypatch.setattr(run_module, "FREE_DECODE_BYTES", 1)
    turns_at_once = 1
    real_run_contexts = run_module.run_contexts

    def run_contexts_with(*args: Any, **kwargs: Any) -> Any:
        return real_run_contexts(*args, decoded_at_once=turns_at_once, **kwargs)

    monkeypatch.setattr(jobs_module, "run_contexts", run_contexts_with)

    events: list[tuple[str, int]] = []  # ("take" or "give", id of the context's Deadline), in order
    taken: set[int] = set()
    record = threading.Lock()
    real_before_decode, real_end = Deadline.before_decode, Deadline.end

    def before_decode(self: Deadline, size: int) -> float:
        waited = real_before_decode(self, size)
        with record:
            if self.decoding and id(self) not in taken:  # recorded after the turn was taken
                taken.add(id(self))
                events.append(("take", id(self)))
        return waited

    def end(self: Deadline) -> None:
        with record:
            if self.decoding and id(self) in taken:  # recorded before the turn is given back
                events.append(("give", id(self)))
        real_end(self)

    monkeypatch.setattr(Deadline, "before_decode", before_decode)
    monkeypatch.setattr(Deadline, "end", end)

    apis = [FakeKubeAPI.from_scenario(SHOP).start() for _ in range(3)]
    try:
        kubeconfig = write_fleet_kubeconfig(tmp_path / "kubeconfig",
                                            [Member(f"c{i}", api) for i, api in enumerate(apis)])
        g = GlobalOptions(kubeconfig=str(kubeconfig), all_namespaces=True)
        options = FleetOptions(all_contexts=True, parallel=3, context_timeout=30)
        one_at_a_time = run_fleet(g, options, "FleetDiagnosis", diagnose_job(g, None))
        limited = list(events)
        turns_at_once = 3
        all_at_once = run_fleet(g, options, "FleetDiagnosis", diagnose_job(g, None))
    finally:
        for api in apis:
            api.stop()

    assert [e for e, _ in limited].count("take") == 3  # each context took a turn, and gave it back
    assert [e for e, _ in limited].count("give") == 3
    holding, peak = 0, 0
    for event, _ in limited:
        holding += 1 if event == "take" else -1
        peak = max(peak, holding)
    assert peak == 1, limited
    assert [i.readable for i in one_at_a_time.items] == [True, True, True]
    assert all(i.findings for i in one_at_a_time.items)

    def found(fleet: Any) -> list[tuple[str, Any]]:
        return [(i.context, i.result.to_dict(), i.counts) for i in fleet.items]

    assert found(one_at_a_time) == found(all_at_once)
