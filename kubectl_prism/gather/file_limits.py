"""Opening snapshot files without trusting them: regular files only, and a size cap per file.

A snapshot folder is input like any other: a `pods.json` that is a named pipe would block the first
read forever, and one that is a symlink to `/dev/zero` would be read until memory runs out. So a file
is opened without blocking (`O_NONBLOCK`: opening a FIFO that has no writer returns at once), then
`fstat` of the open descriptor — not of the name, which could be swapped in between — decides: only a
regular file is read, and only up to MAX_FILE_BYTES. A symlink is followed when it leads to a regular
file, wherever that lives (snapshot folders are often assembled from links); one that leads to a
device, pipe or socket is refused like the thing itself.

The cap: `kubectl cluster-info dump` writes one `pods.json` per namespace, indented, with managed
fields: about 15 KB per pod (benchmarks' generated pods: 7.4 MB for 500 pods). 1 GiB is a namespace of
~70,000 pods, well past what one namespace holds in practice, and a file that size already needs
several GB of memory to parse. Past it, the file is refused with its name instead of the process being
killed by the kernel minutes later.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

MAX_FILE_BYTES = 1 << 30  # 1 GiB per snapshot file (objects and logs alike)


class NotReadable(OSError):
    """A snapshot file that is refused; `strerror` says why in words for the error line."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.strerror = problem


def _what(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def open_regular(path: Path, max_bytes: int = MAX_FILE_BYTES) -> BinaryIO:
    """`path` opened for binary reading; NotReadable unless it is a regular file of at most max_bytes."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotReadable(f"it is {_what(info.st_mode)}, not a regular file; snapshots are read "
                              "from regular files only")
        if info.st_size > max_bytes:
            raise NotReadable(f"it is {info.st_size:,} bytes, over the {max_bytes:,}-byte limit for one "
                              "snapshot file; split it (one file per namespace, as cluster-info dump does)")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_capped(path: Path, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """All bytes of a regular file of at most `max_bytes` (also if it grows while being read)."""
    with open_regular(path, max_bytes) as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise NotReadable(f"it grew past the {max_bytes:,}-byte limit for one snapshot file while read")
    return data
