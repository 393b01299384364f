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

Each job returns what is kept of its context (a Diagnosis, a HealthReport, ...), never the snapshot:
memory is bounded by `parallel` snapshots in flight, not by the number of contexts.
"""

from __future__ import annotations

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


class Deadline:
    """One context's time: a point in monotonic time, `seconds` after the context was picked up."""

    def __init__(self, seconds: float, flag: str = "--context-timeout") -> None:
        self.seconds = seconds
        self.flag = flag  # named in the error, so people know what to raise
        self.at = time.monotonic() + seconds

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def expired(self) -> bool:
        return self.remaining() <= 0

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
                 bugs_are_errors: bool = False) -> list[ContextRun[T]]:
    """`job(context, deadline)` for each context name, in parallel; the runs in the order of `names`.

    A PrismError raised by a job (unreachable, unauthorized, forbidden, not found, timed out) is that
    context's error and the rest goes on; any other exception is a bug and ends the run — unless
    `bugs_are_errors` (a long-running exporter), where it is that context's error too.
    """
    runs = {name: ContextRun[T](name) for name in names}
    started: dict[str, float] = {}
    lock = threading.Lock()

    def work(name: str) -> ContextRun[T]:
        with lock:
            started[name] = time.monotonic()
        deadline = Deadline(timeout)
        run = ContextRun[T](name)
        try:
            run.result = job(name, deadline)
        except PrismError as err:
            run.error, run.reason = err.line(), failure_reason(err, deadline)
        except Exception as err:
            if not bugs_are_errors:
                raise
            run.error, run.reason = f"internal error: {err.__class__.__name__}: {err}", "error"
        run.seconds = time.monotonic() - started[name]
        return run

    pool = ThreadPoolExecutor(max_workers=max(1, parallel), thread_name_prefix="prism-fleet")
    finished = False
    try:
        pending: dict[Future[ContextRun[T]], str] = {pool.submit(work, name): name for name in names}
        while pending:
            done, _ = wait(pending, timeout=_next_check(started, list(pending.values()), timeout, lock),
                           return_when=FIRST_COMPLETED)
            for future in done:
                runs[pending.pop(future)] = future.result()  # a bug in a job re-raises here
            now = time.monotonic()
            for future, name in list(pending.items()):
                with lock:
                    began = started.get(name)
                if began is not None and now - began >= timeout + GRACE_SECONDS:
                    del pending[future]  # its worker ends on its own; the late result is dropped
                    error = Deadline(timeout).error(name)
                    runs[name] = ContextRun[T](name, error=error.line(), reason="timed out",
                                               seconds=now - began)
        finished = True
    finally:
        # Ctrl-C or a bug: drop contexts not started yet. A late worker is not waited for either.
        pool.shutdown(wait=False, cancel_futures=not finished)
    return [runs[name] for name in names]


def _next_check(started: dict[str, float], pending: list[str], timeout: float, lock: threading.Lock) -> float:
    """Seconds until the earliest running context passes its deadline (a second when none started)."""
    with lock:
        begins = [started[n] for n in pending if n in started]
    if not begins:
        return 1.0
    return max(0.01, min(begins) + timeout + GRACE_SECONDS - time.monotonic())


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
