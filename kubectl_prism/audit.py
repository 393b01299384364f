"""The local audit log: one JSON line per AI request, MCP tool call or executed agent step.

`state_dir()/audit.jsonl`, append-only. Each record is written with a single `write()` on a file
opened with O_APPEND and held under an exclusive `flock`, so concurrent runs never interleave or
tear lines; a record starts on a fresh line even when the last one was cut short, and the reader
skips a damaged line (with a warning) and keeps the records around it. Records carry sizes, hashes
and counts — never a payload — and every string field goes through `redact_text` on the way in, so a
command line or an error message cannot smuggle a secret into the log either.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kubectl_prism.errors import UsageError
from kubectl_prism.settings import state_dir
from kubectl_prism.timeutil import parse_time

FILE_NAME = "audit.jsonl"

# Event types written by the rest of prism (free-form strings are accepted too).
AI_REQUEST = "ai.request"
MCP_CALL = "mcp.call"
AGENT_PROPOSAL = "agent.proposal"  # a step was proposed (by the rules, the model or a person's edit)
AGENT_ANSWER = "agent.answer"  # what the person answered (or why nobody was asked)
AGENT_PREVIEW = "agent.preview"  # a step's server-side dry run (its preview) ran
AGENT_STEP = "agent.step"  # a step ran: exit code, duration
AGENT_GITOPS = "agent.gitops"  # a manifest edit, commit or push


def audit_path() -> Path:
    return state_dir() / FILE_NAME


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _clean(value: Any) -> Any:
    """Redact every string in a record (keys too); numbers, booleans and None pass unchanged."""
    from kubectl_prism.redact import redact_text

    if isinstance(value, str):
        return redact_text(value).text
    if isinstance(value, dict):
        return {_clean(str(k)): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact_text(str(value)).text


def record(event: str, **fields: Any) -> dict[str, Any]:
    """Append one record; returns what was written. Fields with value None are left out.

    Usual fields: command, provider, model, bytes, sha256, redactions (counts by type), client (MCP),
    tool. Agent records (`kubectl_prism.agent.records`): argv, argv_sha256, category, rule, context,
    namespace, objects, source, why, answer, approver, preview_sha256, resource_version, exit_code,
    duration_ms, timed_out, truncated, and for GitOps action, repo, branch, commit, pushed, remote.
    """
    entry: dict[str, Any] = {"time": _now(), "event": event}
    entry.update({k: v for k, v in fields.items() if v is not None and k not in ("time", "event")})
    entry = _clean(entry)
    line = (json.dumps(entry, ensure_ascii=False, sort_keys=False, separators=(",", ":")) + "\n").encode()
    append_line(audit_path(), line)
    return entry


def append_line(path: Path, line: bytes) -> None:
    import fcntl

    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    except OSError as err:
        raise UsageError(
            f"cannot write the audit log {path}: {err.strerror or err}",
            hint="set PRISM_STATE_DIR to a writable folder",
        ) from err
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            # The last record was cut short (a crash, a full disk, a hand edit): start a fresh line,
            # or this record would be glued to the damaged one and lost with it.
            line = b"\n" + line
        written = os.write(fd, line)
        while written < len(line):  # a short write on a full disk: finish it under the same lock
            written += os.write(fd, line[written:])
    except OSError as err:
        raise UsageError(f"cannot write the audit log {path}: {err.strerror or err}") from err
    finally:
        os.close(fd)  # closing releases the lock


# --- reading --------------------------------------------------------------------------------------


@dataclass
class AuditLog:
    records: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0  # lines that were not a JSON object with a readable time
    path: Path | None = None


_RELATIVE = re.compile(r"^(\d+)\s*(s|sec|m|min|h|d|w)$")
_UNITS = {"s": "seconds", "sec": "seconds", "m": "minutes", "min": "minutes", "h": "hours", "d": "days",
          "w": "weeks"}


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """`1h`, `30m`, `7d`, `2026-11-01`, or an ISO time (UTC when no zone is given)."""
    now = now or datetime.now(UTC)
    value = text.strip()
    m = _RELATIVE.match(value)
    if m:
        try:
            return now - timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
        except OverflowError:  # `--since 99999999d`: further back than a datetime goes, so everything
            return datetime.min.replace(tzinfo=UTC)
    when = parse_time(value)
    if when is None:
        raise UsageError(
            f'invalid --since "{text}"', hint="use a duration like 30m, 1h, 7d or a date like 2026-11-01"
        )
    return when


def _lines(path: Path) -> Iterator[bytes]:
    try:
        with path.open("rb") as fh:
            yield from fh
    except FileNotFoundError:
        return
    except OSError as err:
        raise UsageError(f"cannot read the audit log {path}: {err.strerror or err}") from err


def _records(raw: bytes) -> tuple[list[Any], int]:
    """The records of one line, and how many damaged pieces it held.

    A line is normally one record. One that does not parse was damaged, and may still hold whole
    records after the damage: a record cut short and, glued to it by an older prism, the next one.
    Every record starts with `{"time":`, so the line is retried from each such start.
    """
    try:
        return [json.loads(raw)], 0
    except (ValueError, UnicodeDecodeError, RecursionError):
        if len(raw) > _MAX_RECORD_BYTES:  # no record is that long: damage through and through
            return [], 1
    text = raw.decode("utf-8", errors="replace")
    decoder = json.JSONDecoder()
    found: list[Any] = []
    damaged = pos = search = 0
    while (start := text.find(_RECORD_START, search)) >= 0:
        try:
            entry, end = decoder.raw_decode(text, start)
        except (ValueError, RecursionError):
            search = start + 1
            continue
        if text[pos:start].strip():
            damaged += 1
        found.append(entry)
        pos = search = end
    if text[pos:].strip():
        damaged += 1
    return found, damaged


_RECORD_START = '{"time":'
_MAX_RECORD_BYTES = 1 << 20


def read(since: datetime | None = None, path: Path | None = None) -> AuditLog:
    """All readable records (oldest first), optionally only those at or after `since`."""
    path = path or audit_path()
    log = AuditLog(path=path)
    for raw in _lines(path):
        if not raw.strip():
            continue
        entries, damaged = _records(raw)
        log.skipped += damaged
        for entry in entries:
            when = parse_time(entry.get("time")) if isinstance(entry, dict) else None
            if when is None:
                log.skipped += 1
            elif since is None or when >= since:
                log.records.append(entry)
    return log
