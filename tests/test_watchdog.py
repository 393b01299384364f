"""The watchdog that cuts requests at their deadlines: one thread, alarms in a heap."""

from __future__ import annotations

import threading
import time

from kubectl_prism.gather.watchdog import Watchdog


def test_alarms_fire_in_time_order_and_cancelled_ones_never_do() -> None:
    dog = Watchdog()
    fired: list[str] = []
    done = threading.Event()
    now = time.monotonic()
    dog.arm(now + 0.20, lambda: (fired.append("late"), done.set()))
    cancelled = dog.arm(now + 0.05, lambda: fired.append("cancelled"))
    # armed after a later one: the sleeping thread must wake for it
    dog.arm(now + 0.10, lambda: fired.append("early"))
    cancelled.cancel()
    assert done.wait(5)
    assert fired == ["early", "late"]
    assert time.monotonic() - now >= 0.20


def test_a_past_deadline_fires_at_once_and_a_failing_action_stops_nothing() -> None:
    dog = Watchdog()
    fired = threading.Event()

    def broken() -> None:
        raise OSError("the connection was already closed")

    dog.arm(time.monotonic() - 1, broken)
    began = time.monotonic()
    dog.arm(time.monotonic() - 1, fired.set)
    assert fired.wait(5) and time.monotonic() - began < 1


def test_one_thread_for_many_alarms_and_cancel_drops_what_the_action_holds() -> None:
    before = threading.active_count()
    dog = Watchdog()
    alarms = [dog.arm(time.monotonic() + 60, lambda: None) for _ in range(200)]
    assert threading.active_count() == before + 1
    for alarm in alarms:
        alarm.cancel()
    assert all(alarm.done and alarm.action.__name__ == "_nothing" for alarm in alarms)


def test_cancel_waits_for_an_action_already_running() -> None:
    """A request that cancels its alarm and hands its connection back must not be cut afterwards."""
    dog = Watchdog()
    started, finished = threading.Event(), threading.Event()

    def slow_cut() -> None:
        started.set()
        time.sleep(0.2)
        finished.set()

    alarm = dog.arm(time.monotonic(), slow_cut)
    assert started.wait(5)
    alarm.cancel()
    assert finished.is_set()
