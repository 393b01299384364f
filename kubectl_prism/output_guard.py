"""Standard output that fails as an output error: `prism diagnose > /dev/full` says so in one line.

A write to stdout can fail anywhere something is printed (a full disk: ENOSPC or EDQUOT, a dead
terminal or NFS server: EIO, a file grown past its limit: EFBIG). Catching OSError around every print
would miss some, and catching it at the top cannot tell a failed print from a failed read. So the
process's stdout is rebuilt over a raw writer that turns a failed write into OutputError (exit 2, as
for an unwritable `--out`); BrokenPipeError stays what it is (`| head`: the reader left, exit 0).
"""

from __future__ import annotations

import io
import os
import sys

from kubectl_prism.errors import UsageError


class OutputError(UsageError):
    """Standard output could not be written."""


class _RawStdout(io.RawIOBase):
    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def isatty(self) -> bool:
        return os.isatty(self._fd)

    def write(self, data: bytes) -> int:  # type: ignore[override]
        try:
            return os.write(self._fd, data)
        except (BrokenPipeError, BlockingIOError, InterruptedError):
            raise
        except OSError as err:
            raise OutputError(f"cannot write the output: {err.strerror or err}",
                              hint="free some space, or send the output somewhere else") from err

    def close(self) -> None:  # the descriptor belongs to the process, not to this wrapper
        super().close()


def guard_stdout() -> None:
    """Replace sys.stdout by the same stream over the guarded writer (same encoding and buffering)."""
    old = sys.stdout
    if old is None or not hasattr(old, "fileno"):
        return
    try:
        fd = old.fileno()
    except (OSError, ValueError):  # no real descriptor (stdout closed, or a test's capture)
        return
    old.flush()
    sys.stdout = io.TextIOWrapper(
        io.BufferedWriter(_RawStdout(fd)), encoding=old.encoding, errors=old.errors,
        line_buffering=old.line_buffering,
    )


def discard_stdout() -> None:
    """After an output error: what is still buffered goes nowhere, so exiting cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    finally:
        os.close(devnull)
