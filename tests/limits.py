"""Run the real CLI in a subprocess under a time and memory limit, for hostile-input tests.

One helper for every hostile test (STYLE: make hostile tests as easy to write as happy ones):
`run_limited(args, seconds=10, rss_mb=300)` returns the exit code, stdout, stderr, wall time and peak
RSS of the child. A child that runs past its time or grows past its memory limit is killed (with its
whole process group), so a regression fails the test instead of eating the machine; the result says
which limit it hit.

Peak RSS comes from wait4's rusage of that one child (the kernel's own high-water mark), not from
polling; polling is used only as the guard that kills a runaway child early (and for the peak of a
child it had to kill). The child is started by a small spawner process rather than by the test
process itself: the kernel carries the old address space's high-water mark into ru_maxrss at exec,
so a child forked straight from a 300 MB test worker would report 300 MB even for `--help`. Output
goes to temporary files rather than pipes so a child that writes a lot cannot block while we wait
for it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

BIN = Path(sys.executable).parent
EXE = BIN / "kubectl-prism"

# Runs argv[2:] as its own child and writes "EXITCODE MAXRSS_KB" to the fd in argv[1].
_SPAWNER = """
import os, sys
report, argv = int(sys.argv[1]), sys.argv[2:]
pid = os.fork()
if pid == 0:
    os.close(report)
    try:
        os.execvp(argv[0], argv)
    except OSError as exc:
        os.write(2, f"cannot run {argv[0]}: {exc}\\n".encode())
    os._exit(127)
_, status, usage = os.wait4(pid, 0)
os.write(report, b"%d %d" % (os.waitstatus_to_exitcode(status), usage.ru_maxrss))
"""


@dataclass(frozen=True)
class Limited:
    """What a bounded run did."""

    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mb: float
    timed_out: bool  # killed at the time limit
    over_memory: bool  # killed at the memory limit

    def within(self, seconds: float, rss_mb: float) -> bool:
        return not self.timed_out and not self.over_memory and self.seconds <= seconds \
            and self.peak_rss_mb <= rss_mb

    def describe(self) -> str:
        """For assertion messages: everything needed to see why a run failed its bounds."""
        state = "timed out" if self.timed_out else "over memory" if self.over_memory else "exited"
        return (f"{state} code={self.code} {self.seconds:.2f}s {self.peak_rss_mb:.0f}MB "
                f"stderr={self.stderr[-600:]!r} stdout={self.stdout[-300:]!r}")


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def run_limited(
    args: Sequence[str | Path],
    *,
    seconds: float = 10,
    rss_mb: float = 300,
    exe: Sequence[str | Path] | None = None,
    env: Mapping[str, str] | None = None,
    cwd: str | Path | None = None,
    stdin: str | None = None,
) -> Limited:
    """`kubectl-prism ARGS` (or `exe ARGS`) bounded by `seconds` of wall time and `rss_mb` of memory.

    The child is killed at twice the limits (so a result just over a limit is still measured and the
    test's own assertion reports it); `Limited.within(seconds, rss_mb)` is the check tests make.
    """
    command = [str(a) for a in (exe or [EXE])] + [str(a) for a in args]
    run_env = dict(os.environ if env is None else env)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.TemporaryFile() as inp:
        if stdin is not None:
            inp.write(stdin.encode())
            inp.seek(0)
        report_read, report_write = os.pipe()
        started = time.monotonic()
        try:
            child = subprocess.Popen([sys.executable, "-S", "-c", _SPAWNER, str(report_write), *command],
                                     stdout=out, stderr=err, stdin=inp if stdin is not None
                                     else subprocess.DEVNULL, env=run_env, cwd=cwd, start_new_session=True,
                                     pass_fds=(report_write,))
        finally:
            os.close(report_write)
        killed: dict[str, bool] = {"time": False, "memory": False}
        polled_peak = [0]
        done = threading.Event()

        def guard() -> None:
            try:
                watched = psutil.Process(child.pid)
            except psutil.NoSuchProcess:  # it ended (and was reaped) before the guard looked
                return
            while not done.wait(0.02):
                over_time = time.monotonic() - started > 2 * seconds
                rss = _tree_rss(watched)
                polled_peak[0] = max(polled_peak[0], rss)
                over_memory = rss > 2 * rss_mb * 1024 * 1024
                if over_time or over_memory:
                    killed["time" if over_time else "memory"] = True
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(child.pid, signal.SIGKILL)
                    return

        watcher = threading.Thread(target=guard, daemon=True)
        watcher.start()
        _, status, _ = os.wait4(child.pid, 0)
        elapsed = time.monotonic() - started
        done.set()
        watcher.join()
        child.returncode = os.waitstatus_to_exitcode(status)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)  # anything the child left running in its session
        with os.fdopen(report_read, "rb") as report:
            measured = report.read().split()
        # A killed run has no report from the spawner: its peak is the guard's last look.
        code, peak_kb = (int(measured[0]), int(measured[1])) if len(measured) == 2 else \
            (child.returncode, polled_peak[0] // 1024)
        out.seek(0)
        err.seek(0)
        stderr = err.read().decode(errors="replace")
        if exe is None and code == 70:  # prism's internal error: a bug, whatever the test expected
            raise AssertionError(f"prism ended with an internal error (exit 70): {stderr[-1500:]}")
        return Limited(
            code=code,
            stdout=out.read().decode(errors="replace"),
            stderr=stderr,
            seconds=elapsed,
            peak_rss_mb=peak_kb / 1024,
            timed_out=killed["time"],
            over_memory=killed["memory"],
        )
