"""Atomic file writes: a reader (or a crash, or Ctrl-C) never sees a half-written file."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from kubectl_prism.errors import UsageError


def atomic_write(path: str | os.PathLike[str], data: str | bytes, mode: int | None = None) -> None:
    """Write `data` to a temporary file beside `path`, fsync it, then rename it into place.

    Through a symlink the file it points at is replaced (the link stays). A device, pipe or socket
    (`--out /dev/stdout`) cannot be replaced and holds no file that could be left half-written: it is
    written to directly. The file gets `mode` when given; else a file that is replaced keeps its mode
    and a new one gets what the umask leaves of 0666, as `open()` would give it (the temporary file
    itself is created 0600 so nobody reads it half-written).
    """
    shown = Path(path)
    raw = data.encode() if isinstance(data, str) else data
    try:
        kind = os.stat(shown).st_mode
    except OSError:
        kind = None
    if kind is not None and not stat.S_ISREG(kind) and not stat.S_ISDIR(kind):
        try:
            with open(shown, "wb") as fh:
                fh.write(raw)
        except OSError as err:
            raise UsageError(f"cannot write {shown}: {err.strerror or err}") from err
        return
    target = Path(os.path.realpath(shown)) if shown.is_symlink() else shown
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as err:
        raise UsageError(
            f"cannot write {shown}: {err.strerror or err}", hint="choose a writable path with --out"
        ) from err
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode if mode is not None else _mode_for(target))
        os.replace(tmp, target)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(err, OSError):
            raise UsageError(f"cannot write {shown}: {err.strerror or err}") from err
        raise


def _mode_for(target: Path) -> int:
    try:
        existing = os.stat(target).st_mode
    except OSError:
        return 0o666 & ~_umask()
    return stat.S_IMODE(existing)


def _umask() -> int:
    """The process's umask, read without changing it where Linux tells it (os.umask sets to read)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    current = os.umask(0o022)
    os.umask(current)
    return current
