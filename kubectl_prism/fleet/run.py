"""Run one job per context, `parallel` at a time, each within its own deadline.

Threads, not processes: against real clusters a context's time is mostly round trips and credential
plugins, which threads overlap; its Python work (parsing lists, the analyzers) is CPU-bound either
way. Measured with benchmarks/fleet_bench.py (8 fake clusters of 1,000 pods, 2 CPUs, load ~7):
threads with --parallel 4 took 3.6 s and 199 MB; a process per context (a forkserver pool of 4) took
4.9 s and 387 MB summed over its processes, since every worker carries its own interpreter and
imports. Threads also share one import of the analyzers.

A context's deadline starts when its worker picks it up (waiting for a free worker does not count).
It is the gather's run deadline (gather/live.py, on top of --request-timeout for each request): no
request is sent after it and running ones are cut, so what was read stays and the rest are gaps; a
cluster where nothing could be read in time is a context that timed out. The runner itself stops
waiting for a context shortly after its deadline, so a context stuck elsewhere (a credential plugin
that hangs) costs the fleet run its deadline and no more; that worker's late result is dropped.

Each job returns what is kept of its context (a Diagnosis, a HealthReport, ...), never the snapshot.
Of the `parallel` contexts running, one at a time holds decoded objects (DECODED_AT_ONCE,
`Deadline.before_decode`) and up to two more read their lists meanwhile, as bytes (READ_AHEAD,
`Deadline.before_lists`); the others get their credentials and wait with nothing read. Decoding and
the analyzers are Python work that holds the interpreter's lock, so running more of it at once would
not make it faster, only bigger; answers waiting as bytes take about a fifth of what they take once
parsed. So peak memory is one cluster's objects plus two clusters' answers, whatever --parallel and
the size of the fleet. Time spent waiting for either is not the context's own: it moves the deadline.
Measured with benchmarks/fleet_bench.py (8 fake clusters of 1,000 pods, 2 CPUs): with every context
decoding at once, --parallel 4 peaked at 206 MB, 2.19x a single run's 94 MB; now about 1.3x at
--parallel 4 and at 8, and no slower (docs/fleet.md has the table).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Generic, TypeVar

from kubectl_prism.errors import ClusterAccessError, PrismError

T = TypeVar("T")

# After a context's deadline, how long the runner still waits for its worker to report the timeout
# itself (with its own, more precise, message) before it calls the context timed out.
GRACE_SECONDS = 0.5
# Contexts holding decoded objects at once. Measured, two bought no speed over one (the interpreter's
# lock serializes their Python work) and cost a third more memory at --parallel 4.
DECODED_AT_ONCE = 1
# Contexts that may read their lists while others decode. Against servers 50 ms away, reading a
# cluster's lists (pages follow each other) takes longer than decoding them: with one reader the
# decoder waited, and --parallel 4 took 3.45 s where two readers took 2.98 s (8 fake clusters of 1,000
# pods, in-process, median of 3). Without latency the second reader costs next to nothing (2.43 s,
# 2.50 s), and its answers, as bytes, about 8 MB.
READ_AHEAD = 2
# A context decodes this many bytes of answers before it needs a turn: small clusters never wait.
FREE_DECODE_BYTES = 256 * 1024
# The interpreter's switch interval while contexts run in parallel (Python's default is 5 ms). The
# context holding the turn runs Python without pause, while those reading ahead have up to 8 threads
# each that want the interpreter for a moment per TLS record (16 KiB) they receive, and may pull the
# decoder off it whenever an interval has passed. Measured with 8 fake clusters of 1,000 pods (2 CPUs,
# no added latency), --parallel 4 took 2.72 s at 5 ms and 2.64 s at 50 ms (median of 14 runs each;
# --parallel 1: 2.55 s); with 50 ms of latency per request it was as fast either way.
PARALLEL_SWITCH_INTERVAL = 0.05


class Deadline:
    """One context's time: a point in monotonic time, `seconds` after the context was picked up.

    With `turns` and `readers` it is also the context's gather/turns.py: before its first round of lists
    it waits for one of the `readers` slots (the contexts that may hold answers at once), and before it
    decodes past FREE_DECODE_BYTES for one of the `turns` (the contexts that may hold decoded objects);
    it keeps both until `end`. Time spent waiting for either moves the deadline: it is not the
    context's own.
    """

    def __init__(self, seconds: float, flag: str = "--context-timeout", *,
                 turns: threading.Semaphore | None = None,
                 readers: threading.Semaphore | None = None) -> None:
        self.seconds = seconds
        self.flag = flag  # named in the error, so people know what to raise
        self.at = time.monotonic() + seconds
        self._turns, self._readers = turns, readers
        self._held: list[threading.Semaphore] = []
        self._decoded = 0
        self._waiting_since: float | None = None
        self._abandoned = False
        self._lock = threading.Lock()  # the context's own threads queue here while one waits

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def expired(self) -> bool:
        return self.remaining() <= 0

    @property
    def decoding(self) -> bool:
        """The context holds its turn to decode."""
        return self._turns is not None and self._turns in self._held

    def before_lists(self) -> float:
        """Before the gather's first round of lists; returns the seconds the deadline moved."""
        with self._lock:
            return self._reader()

    def before_decode(self, size: int) -> float:
        """Before `size` bytes of answers are decoded: waits for a turn once the context has decoded
        FREE_DECODE_BYTES. Returns the seconds the deadline moved."""
        with self._lock:
            self._decoded += size
            if self._turns is None or self._turns in self._held or self._decoded <= FREE_DECODE_BYTES:
                return 0.0
            # A reader's slot first, always: a context holding a turn and waiting for a slot, while
            # the readers wait for its turn, would be a deadlock.
            return self._reader() + self._wait_for(self._turns)

    def _reader(self) -> float:
        if self._readers is None or self._readers in self._held:
            return 0.0
        return self._wait_for(self._readers)

    def _wait_for(self, slots: threading.Semaphore) -> float:
        """One of `slots`, kept until `end`: the seconds waited, or 0 for a context already late when it
        asked (it gets no time back). Raises ClusterAccessError when the runner gave up on the context."""
        began = self._waiting_since = time.monotonic()
        try:
            while not slots.acquire(timeout=0.05):
                if self._abandoned:
                    raise ClusterAccessError("the fleet run gave up on this context")
            if self._abandoned:  # a slot came just as the runner gave up: pass it on
                slots.release()
                raise ClusterAccessError("the fleet run gave up on this context")
            self._held.append(slots)
            if began >= self.at:
                return 0.0
            waited = time.monotonic() - began
            self.at += waited
            return waited
        finally:
            self._waiting_since = None

    def due(self, now: float) -> float:
        """When the runner may give up on the context: its deadline, later by the wait for a slot that
        is going on right now."""
        waiting_since = self._waiting_since
        if waiting_since is None or waiting_since >= self.at:
            return self.at
        return self.at + (now - waiting_since)

    def end(self) -> None:
        """The context is done: its slots go to the next ones."""
        with self._lock:
            while self._held:
                self._held.pop().release()

    def abandon(self) -> None:
        """The runner gave up on the context: a wait for a slot ends, and the slots held go to the next
        contexts (the late worker may still hold its objects until its gather is cut at the deadline)."""
        self._abandoned = True  # first, without the lock: a thread waiting for a slot holds it
        self.end()

    def error(self, context: str) -> ClusterAccessError:
        return ClusterAccessError(
            f'gave up on context "{context}" after {seconds_text(self.seconds)} ({self.flag})',
            hint=f"raise {self.flag} for slow clusters")


def seconds_text(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        return f"{int(seconds // 60)}m"
    return f"{seconds:g}s"


@dataclass
class ContextRun(Generic[T]):
    """What a fleet run knows about one context: its result, or why there is none."""

    context: str
    result: T | None = None
    error: str | None = None  # one line: why the context could not be read
    reason: str | None = None  # short: unreachable, unauthorized, timed out, forbidden, not found, error
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


Job = Callable[[str, Deadline], T]


def run_contexts(names: list[str], job: Job[T], *, parallel: int, timeout: float,
                 bugs_are_errors: bool = False,
                 decoded_at_once: int = DECODED_AT_ONCE, read_ahead: int = READ_AHEAD,
                 ) -> list[ContextRun[T]]:
    """`job(context, deadline)` for each context name, in parallel; the runs in the order of `names`.

    A PrismError raised by a job (unreachable, unauthorized, forbidden, not found, timed out) is that
    context's error and the rest goes on; any other exception is a bug and ends the run — unless
    `bugs_are_errors` (a long-running exporter), where it is that context's error too. At most
    `decoded_at_once` contexts hold decoded objects at a time (jobs ask through `deadline.before_decode`),
    and `read_ahead` more may hold their answers as bytes (`deadline.before_lists`).
    """
    runs = {name: ContextRun[T](name) for name in names}
    started: dict[str, float] = {}
    deadlines: dict[str, Deadline] = {}
    lock = threading.Lock()
    turns = threading.Semaphore(max(1, min(decoded_at_once, parallel)))
    # The contexts that may hold answers: those decoding, and those reading meanwhile.
    readers = threading.Semaphore(max(1, min(decoded_at_once + read_ahead, parallel)))

    def work(name: str) -> ContextRun[T]:
        deadline = Deadline(timeout, turns=turns, readers=readers)
        with lock:
            started[name], deadlines[name] = time.monotonic(), deadline
        run = ContextRun[T](name)
        try:
            run.result = job(name, deadline)
        except PrismError as err:
            run.error, run.reason = err.line(), failure_reason(err, deadline)
        except Exception as err:
            if not bugs_are_errors:
                raise
            run.error, run.reason = f"internal error: {err.__class__.__name__}: {err}", "error"
        finally:
            deadline.end()
        run.seconds = time.monotonic() - started[name]
        return run

    switch_interval = sys.getswitchinterval()
    if parallel > 1:
        sys.setswitchinterval(PARALLEL_SWITCH_INTERVAL)
    pool = ThreadPoolExecutor(max_workers=max(1, parallel), thread_name_prefix="prism-fleet")
    finished = False
    try:
        pending: dict[Future[ContextRun[T]], str] = {pool.submit(work, name): name for name in names}
        while pending:
            done, _ = wait(pending, timeout=_next_check(deadlines, list(pending.values()), lock),
                           return_when=FIRST_COMPLETED)
            for future in done:
                runs[pending.pop(future)] = future.result()  # a bug in a job re-raises here
            now = time.monotonic()
            for future, name in list(pending.items()):
                with lock:
                    began, deadline = started.get(name), deadlines.get(name)
                if began is not None and deadline is not None and now >= deadline.due(now) + GRACE_SECONDS:
                    del pending[future]  # its worker ends on its own; the late result is dropped
                    deadline.abandon()
                    runs[name] = ContextRun[T](name, error=deadline.error(name).line(), reason="timed out",
                                               seconds=now - began)
        finished = True
    finally:
        # Ctrl-C or a bug: drop contexts not started yet. A late worker is not waited for either.
        pool.shutdown(wait=False, cancel_futures=not finished)
        sys.setswitchinterval(switch_interval)
    return [runs[name] for name in names]


def _next_check(deadlines: dict[str, Deadline], pending: list[str], lock: threading.Lock) -> float:
    """Seconds until the earliest running context passes its deadline (a second when none started)."""
    now = time.monotonic()
    with lock:
        ends = [deadlines[n].due(now) for n in pending if n in deadlines]
    if not ends:
        return 1.0
    return max(0.01, min(ends) + GRACE_SECONDS - now)


def failure_reason(err: PrismError, deadline: Deadline | None = None) -> str:
    """The short word for the fleet table: why a context could not be read."""
    text = err.message.lower()
    if (deadline is not None and deadline.expired()) or "timed out" in text or "gave up on context" in text:
        return "timed out"
    if "401" in text or "credentials" in text or "credential plugin" in text:
        return "unauthorized"
    if "forbidden" in text or "not allowed" in text:
        return "forbidden"
    if "not found" in text:
        return "not found"
    if isinstance(err, ClusterAccessError) and ("cannot reach" in text or "connection" in text
                                                 or "tls" in text):
        return "unreachable"
    return "error"
