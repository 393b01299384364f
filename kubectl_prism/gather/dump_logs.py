"""Pod logs saved beside a snapshot, as `kubectl cluster-info dump` writes them (and two common variants).

Layouts read (the namespace and pod come from the markers when there are markers, else from the path):
- `<ns>/<pod>/logs.txt` — kubectl's own: every container of the pod between
  `==== START logs for container C of pod NS/P ====` and `==== END logs for container C of pod NS/P ====`.
  kubectl writes the END marker right after the log bytes, so it ends the last line when the log
  does not end with a newline.
- `<ns>/<pod>/logs-previous.txt` (or `previous-logs.txt`) — the same format holding `kubectl logs
  --previous` output; real dumps have no previous logs, this is prism's convention for adding them.
  A marker written as `==== START previous logs for container ...` also means previous, in any file.
- `<ns>/<pod>/logs-<container>.txt` and `logs-<container>-previous.txt` — one container per file, no
  markers (a pattern support scripts use to add `kubectl logs -p` output to a dump).

Only the tail of each container is kept (MAX_LOG_LINES / MAX_LOG_BYTES): diagnosis needs the last
lines, and a runaway or binary log must not exhaust memory. Files are read in bounded chunks, bytes
that are not UTF-8 are replaced. A section holding only kubectl's own fetch error ("Request log error:
container ... is waiting to start") is not a log and is dropped; so are empty sections.
"""

from __future__ import annotations

import re
from collections import deque
from pathlib import Path

from kubectl_prism.gather.file_limits import open_regular
from kubectl_prism.snapshot import LogKey

MAX_LOG_BYTES = 256 * 1024
MAX_LOG_LINES = 2000
_CHUNK = 64 * 1024  # longest piece read at once; a longer "line" (binary junk) is read in pieces

_START = re.compile(r"==== START (previous )?logs for container (\S+) of pod ([^/\s]+)/(\S+) ====\r?\n?")
_END = re.compile(r"==== END (previous )?logs for container (\S+) of pod ([^/\s]+)/(\S+) ====\r?\n?$")
_FETCH_ERRORS = ("Request log error: ", "Create log request error: ")
_PREVIOUS_FILES = ("logs-previous.txt", "previous-logs.txt")
_PER_CONTAINER = re.compile(r"logs-(.+?)(-previous)?\.txt")


def is_log_file(name: str) -> bool:
    return name == "logs.txt" or name in _PREVIOUS_FILES or bool(_PER_CONTAINER.fullmatch(name))


class _Tail:
    """The last MAX_LOG_LINES pieces and MAX_LOG_BYTES bytes of a stream of lines."""

    def __init__(self) -> None:
        self.pieces: deque[bytes] = deque()
        self.size = 0

    def add(self, piece: bytes) -> None:
        self.pieces.append(piece)
        self.size += len(piece)
        while len(self.pieces) > 1 and (len(self.pieces) > MAX_LOG_LINES or self.size > MAX_LOG_BYTES):
            self.size -= len(self.pieces.popleft())

    def text(self) -> str:
        data = b"".join(self.pieces)[-MAX_LOG_BYTES:]
        return data.decode("utf-8", errors="replace")


def cap_log(text: str) -> str:
    """The same tail limits for a log that is already in memory."""
    lines = text.splitlines(keepends=True)[-MAX_LOG_LINES:]
    data = "".join(lines).encode("utf-8", errors="replace")
    return data[-MAX_LOG_BYTES:].decode("utf-8", errors="replace")


def keep_log(logs: dict[LogKey, str], key: LogKey, text: str) -> None:
    """Store a container's log unless it is empty or only kubectl's note that fetching it failed."""
    body = text.strip()
    if not body or (body.startswith(_FETCH_ERRORS) and "\n" not in body):
        return
    logs[key] = text


def start_marker(line: str) -> tuple[str, str, str, bool] | None:
    """(namespace, pod, container, previous) of a START marker line, or None."""
    m = _START.fullmatch(line)
    return (m.group(3), m.group(4), m.group(2), bool(m.group(1))) if m else None


def end_marker_text(namespace: str, pod: str, container: str, previous: bool) -> str:
    word = "previous " if previous else ""
    return f"==== END {word}logs for container {container} of pod {namespace}/{pod} ===="


def read_log_file(path: Path, namespace: str | None, pod: str | None) -> dict[LogKey, str]:
    """Read one log file. `namespace`/`pod` come from its folders and serve files without markers."""
    previous_file = path.name in _PREVIOUS_FILES
    per_container = None if previous_file else _PER_CONTAINER.fullmatch(path.name)
    fallback: LogKey | None = None
    if per_container and namespace and pod:
        fallback = LogKey(namespace, pod, per_container.group(1), bool(per_container.group(2)))

    logs: dict[LogKey, str] = {}
    open_key: LogKey | None = None
    tail = _Tail()
    loose = _Tail()  # text outside any section: the whole log of a marker-less per-container file
    at_line_start = True
    with open_regular(path) as fh:  # a FIFO or /dev/zero is refused, not read forever
        for piece in iter(lambda: fh.readline(_CHUNK), b""):
            starts_line, at_line_start = at_line_start, piece.endswith(b"\n")
            if open_key is None and starts_line and piece.startswith(b"==== START "):
                marker = start_marker(piece.decode("latin-1"))
                if marker:
                    ns, pod_name, container, previous = marker
                    open_key = LogKey(ns, pod_name, container, previous or previous_file)
                    tail = _Tail()
                    continue
            if open_key is not None and b"==== END " in piece:
                end = _END.search(piece.decode("latin-1"))
                if end and (end.group(3), end.group(4), end.group(2)) == (
                    open_key.namespace, open_key.pod, open_key.container
                ):
                    if end.start():
                        tail.add(piece[: end.start()])
                    keep_log(logs, open_key, tail.text())
                    open_key = None
                    continue
            (tail if open_key is not None else loose).add(piece)
    if open_key is not None:  # a truncated file: keep what is there
        keep_log(logs, open_key, tail.text())
    if fallback is not None and not logs:
        keep_log(logs, fallback, loose.text())
    return logs
