"""One thread that cuts requests at their deadlines, for every request of the process.

A request's body is read against a deadline (gather/answers.py): the socket's read timeout bounds each
wait for data, and at the deadline the connection is shut down, so a server that trickles a byte now
and then cannot stretch the request. A `threading.Timer` per request did that at the price of a thread
started and stopped per request (~0.15 ms, 37 times per gather of a cluster); here one daemon thread
keeps the deadlines in a heap and sleeps until the earliest.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import threading
import time
from collections.abc import Callable


class Alarm:
    """One armed deadline: its action runs once at `at`, unless cancelled before."""

    __slots__ = ("_lock", "action", "at", "done")

    def __init__(self, at: float, action: Callable[[], None]) -> None:
        self.at = at
        self.action = action
        self.done = False  # fired or cancelled
        self._lock = threading.Lock()

    def cancel(self) -> None:
        """After this returns the action has either run to its end or never will: a request that
        cancels its alarm and hands its connection back to the pool is sure that a late cut does not
        land on the next request sent over it."""
        with self._lock:
            self.done = True
            self.action = _nothing  # the heap entry stays until its time; what the action holds goes now

    def fire(self) -> None:
        with self._lock:
            if not self.done:
                self.done = True
                with contextlib.suppress(Exception):  # one failed cut must not stop the others
                    self.action()


class Watchdog:
    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Alarm]] = []
        self._order = itertools.count()  # ties in time never compare alarms
        self._wake = threading.Condition(threading.Lock())
        self._thread: threading.Thread | None = None

    def arm(self, at: float, action: Callable[[], None]) -> Alarm:
        """Run `action` (once, in the watchdog's thread) at `time.monotonic()` `at`, unless cancelled."""
        alarm = Alarm(at, action)
        with self._wake:
            heapq.heappush(self._heap, (at, next(self._order), alarm))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="prism-watchdog", daemon=True)
                self._thread.start()
            elif self._heap[0][2] is alarm:
                self._wake.notify()  # earlier than what the thread sleeps for
        return alarm

    def _run(self) -> None:
        while True:
            due: list[Alarm] = []
            with self._wake:
                while self._heap and self._heap[0][2].done:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._wake.wait()
                    continue
                now = time.monotonic()
                while self._heap and self._heap[0][0] <= now:
                    due.append(heapq.heappop(self._heap)[2])
                if not due:
                    self._wake.wait(self._heap[0][0] - now)
                    continue
            for alarm in due:
                alarm.fire()


def _nothing() -> None:
    pass


WATCHDOG = Watchdog()
