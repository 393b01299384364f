"""One provider request under an overall deadline, whatever the provider does on the wire.

The SDKs' timeouts are per read: a provider that trickles a token every few seconds never trips them,
and a hung one costs the read timeout once per retry (182 s with the old defaults). So each request
runs in a worker thread that does only SDK work (send, retry with backoff, read, decode) and hands
every streamed event to the caller over a small queue. The caller never waits longer than what is
left of the deadline. When the deadline passes, or the caller stops early (an answer over its size
cap), the worker is told to stop at its next event and is otherwise left behind: it is a daemon
thread, blocked at worst in one socket read that the process exit ends.

Waiting on a queue also keeps Ctrl-C prompt: the main thread is never stuck inside a socket read.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

# Events in flight between the worker and the caller: enough to keep the worker reading while the
# caller writes to the terminal, small enough that a fast huge answer cannot pile up in memory.
_QUEUE_SIZE = 64


class Deadline:
    """A point in time `seconds` from now."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def left(self) -> float:
        return self._end - time.monotonic()


class DeadlinePassed(Exception):
    """The request did not finish in time. `received` says whether any event had arrived."""

    def __init__(self, seconds: float, received: bool) -> None:
        super().__init__(f"no complete answer within {seconds:g} s")
        self.seconds = seconds
        self.received = received


def bounded_events(open_stream: Callable[[], Iterable[T]], deadline: Deadline) -> Iterator[T]:
    """Yield what `open_stream()` yields, all of it within `deadline`, or raise DeadlinePassed.

    `open_stream` runs in the worker thread together with the iteration, so the request itself (and
    the SDK's retries) count against the deadline too. An exception raised there is raised here
    unchanged, for the provider to classify. The stream is closed by the worker when it ends.
    """
    handoff: queue.Queue[tuple[str, object]] = queue.Queue(_QUEUE_SIZE)
    stop = threading.Event()

    def put(kind: str, value: object) -> bool:
        while not stop.is_set():
            try:
                handoff.put((kind, value), timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        stream: Iterable[T] | None = None
        try:
            stream = open_stream()
            for item in stream:
                if not put("item", item):
                    return
            put("end", None)
        except BaseException as err:  # every failure goes to the caller, which decides
            put("error", err)
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    close()

    worker = threading.Thread(target=work, name="prism-ai-request", daemon=True)
    worker.start()
    received = False
    try:
        while True:
            left = deadline.left()
            if left <= 0:
                raise DeadlinePassed(deadline.seconds, received)
            try:
                kind, value = handoff.get(timeout=left)
            except queue.Empty:
                raise DeadlinePassed(deadline.seconds, received) from None
            if kind == "end":
                return
            if kind == "error":
                assert isinstance(value, BaseException)
                raise value
            received = True
            yield value  # type: ignore[misc]
    finally:
        stop.set()


def bounded_call(call: Callable[[], T], deadline: Deadline) -> T:
    """`call()` in the worker thread, waited for at most until `deadline`."""
    for value in bounded_events(lambda: (call(),), deadline):
        return value
    raise AssertionError("unreachable: the worker yields exactly one value or raises")
