"""Reading the decisive evidence out of raw text: exit codes, log tails, kubelet and registry messages.

Pure string/time helpers with no knowledge of findings, so they can be tested line by line.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kubectl_prism.object_graph import forget_memo as forget_memo  # where _index.py takes it from
from kubectl_prism.object_graph import memo
from kubectl_prism.snapshot import KubeObject, Snapshot, namespace_of
from kubectl_prism.textcut import ends, head
from kubectl_prism.timeutil import parse_time

# --- bounded text ------------------------------------------------------------------------------------

# Cluster text (log lines, event and status messages) is clipped to this many characters before any
# pattern reads it: the decisive words of a kubelet or runtime message fit easily (the API server caps
# event messages near 1 KB, termination messages at 4 KB), and a hostile 1 MB log line stays cheap.
MAX_TEXT = 4096


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """`text` cut to about `limit` characters keeping both ends (errors often say the decisive part
    last), never inside a word: a secret in it is redacted on the way out, and half of one would not be."""
    return ends(text, limit)


# --- time --------------------------------------------------------------------------------------------


_CONDITION_STAMPS = ("lastTransitionTime", "lastHeartbeatTime", "lastUpdateTime", "lastProbeTime")
_STATUS_STAMPS = ("startTime", "completionTime", "lastScheduleTime", "lastSuccessfulTime")
_EVENT_STAMPS = ("lastTimestamp", "eventTime", "firstTimestamp")


def _stamps(snapshot: Snapshot) -> list[Any]:
    """Every timestamp that says when something last happened (never deletionTimestamp: it can lie in the
    future, since it includes the grace period). Written for speed: 38,000 objects give ~430,000 values."""
    raw: list[Any] = []
    add, extend = raw.append, raw.extend
    for obj in snapshot:
        add((obj.get("metadata") or {}).get("creationTimestamp"))
        if obj.get("kind") == "Event":
            extend(map(obj.get, _EVENT_STAMPS))
            add((obj.get("series") or {}).get("lastObservedTime"))
        status = obj.get("status")
        if not isinstance(status, dict):
            continue
        extend(map(status.get, _STATUS_STAMPS))
        for cond in status.get("conditions") or ():
            extend(map(cond.get, _CONDITION_STAMPS))
        for statuses in (status.get("containerStatuses"), status.get("initContainerStatuses")):
            for cs in statuses or ():
                for state in (cs.get("state"), cs.get("lastState")):
                    for detail in (state or {}).values():
                        if isinstance(detail, dict):
                            add(detail.get("startedAt"))
                            add(detail.get("finishedAt"))
    return raw


def snapshot_now(snapshot: Snapshot) -> datetime | None:
    """The newest timestamp in the snapshot: "now" for age checks, so results never depend on the clock."""
    result: datetime | None = memo(snapshot, "now", lambda: _newest(snapshot))
    return result


def _newest(snapshot: Snapshot) -> datetime | None:
    raw = _stamps(snapshot)
    try:
        distinct = set(raw)  # a few hundred distinct values: most objects share their stamps
    except TypeError:  # a malformed (unhashable) value where a timestamp belongs
        distinct = {v for v in raw if isinstance(v, str)}
    # API servers write UTC "...Z" stamps, which order correctly as strings: compare those lexically
    # and parse only the largest; other forms (offsets, no zone) are few and parsed one by one.
    newest_z = ""
    newest: datetime | None = None
    for value in sorted(v for v in distinct if isinstance(v, str) and v):
        if value.endswith("Z") and len(value) >= 20:
            if value > newest_z:
                newest_z = value
        elif (stamp := parse_time(value)) and (newest is None or stamp > newest):
            newest = stamp
    from_z = parse_time(newest_z)
    if from_z and (newest is None or from_z > newest):
        newest = from_z
    return newest


def age(now: datetime | None, raw: Any) -> float | None:
    stamp = parse_time(raw)
    if now is None or stamp is None:
        return None
    return (now - stamp).total_seconds()


def duration_text(seconds: float) -> str:
    """3725 -> "1h2m": the compact age kubectl prints."""
    seconds = int(seconds)
    if seconds >= 86400:
        return f"{seconds // 86400}d{(seconds % 86400) // 3600}h"
    if seconds >= 3600:
        return f"{seconds // 3600}h{(seconds % 3600) // 60}m"
    if seconds >= 60:
        return f"{seconds // 60}m"
    return f"{seconds}s"


# --- events ------------------------------------------------------------------------------------------


class EventIndex:
    """Events by (kind, namespace, name) of the object they are about: built once per analyzer run."""

    @classmethod
    def of(cls, snapshot: Snapshot) -> EventIndex:
        """The snapshot's index, built once however many analyzers ask."""
        index: EventIndex = memo(snapshot, "events", lambda: cls(snapshot))
        return index

    def __init__(self, snapshot: Snapshot) -> None:
        self._by_object: dict[tuple[str, str | None, str], list[KubeObject]] = defaultdict(list)
        for ev in snapshot.of_kind("Event"):
            ref = ev.get("involvedObject") or ev.get("regarding") or {}
            key = (ref.get("kind", ""), ref.get("namespace") or namespace_of(ev), ref.get("name", ""))
            self._by_object[key].append(ev)
        for events in self._by_object.values():
            events.sort(key=event_time)

    def about(
        self, kind: str, namespace: str | None, name: str, reason: str | None = None
    ) -> list[KubeObject]:
        """Events about the object, oldest first, optionally only those with `reason`."""
        events = self._by_object.get((kind, namespace, name), [])
        return [e for e in events if reason is None or e.get("reason") == reason]


def event_time(ev: KubeObject) -> str:
    series = ev.get("series") or {}
    return (
        ev.get("lastTimestamp")
        or series.get("lastObservedTime")
        or ev.get("eventTime")
        or ev.get("firstTimestamp")
        or (ev.get("metadata") or {}).get("creationTimestamp")
        or ""
    )


def event_count(ev: KubeObject) -> int:
    return int(ev.get("count") or (ev.get("series") or {}).get("count") or 1)


def event_message(ev: KubeObject) -> str:
    return clip(ev.get("message") or ev.get("note") or "").strip()


def event_line(ev: KubeObject, limit: int = 200) -> str:
    """`event BackOff x12: Back-off restarting failed container api`."""
    count = event_count(ev)
    times = f" x{count}" if count > 1 else ""
    return f"event {ev.get('reason', '')}{times}: {trim(event_message(ev), limit)}"


# --- exit codes --------------------------------------------------------------------------------------

_EXIT_CODES = {
    0: "completed",
    1: "application error",
    2: "misuse of a shell builtin or invalid arguments",
    126: "command cannot execute: permission denied or not executable",
    127: "command not found",
    128: "invalid exit argument or container failed to start",
    130: "SIGINT",
    134: "SIGABRT: the process aborted",
    137: "SIGKILL: killed by the OOM killer or a failed liveness probe",
    139: "SIGSEGV: segmentation fault",
    143: "SIGTERM: terminated, e.g. by a liveness probe or shutdown",
    255: "exit status out of range",
}

_SIGNALS = {1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 6: "SIGABRT", 9: "SIGKILL", 11: "SIGSEGV", 15: "SIGTERM"}


def exit_code_meaning(code: int) -> str:
    if code in _EXIT_CODES:
        return _EXIT_CODES[code]
    if 128 < code < 160:
        return f"killed by signal {_SIGNALS.get(code - 128, code - 128)}"
    return "application error"


# --- log lines ---------------------------------------------------------------------------------------

# (pattern, weight): the strongest match wins; later lines win ties (the last words before the crash). An
# error signature (a certificate, a timeout, a refused connection, an unknown host, a denied permission)
# outweighs the generic last words it causes ("FATAL exiting: upstream unavailable").
_LOG_PATTERNS: tuple[tuple[re.Pattern[str], int], ...] = tuple(
    (re.compile(p, re.IGNORECASE), w)
    for p, w in (
        (
            r"x509: |certificate (?:has expired|is not yet valid|signed by unknown authority|is valid for|"
            r"verify failed)|tls: (?:bad certificate|handshake failure|failed to verify)",
            7,
        ),
        (
            r"connection refused|no route to host|name or service not known|no such host|bad address|"
            r"could not translate host name|temporary failure in name resolution|i/o timeout|"
            r"unknownhostexception|nxdomain|context deadline exceeded|connection timed out|"
            r"authentication failed|password authentication",
            6,
        ),
        (r"permission denied|access denied|read-only file system|operation not permitted", 6),
        (
            r"no such file or directory|not found|does not exist|missing required|is not set|"
            r"address already in use|out of memory|cannot allocate memory|oomkilled|"
            r"invalid (?:value|config|configuration|argument|option|flag)|unauthorized|forbidden|not defined|"
            r"unknown (?:flag|option|command|shorthand)|unrecognized (?:option|argument)",
            5,
        ),
        (r"^\s*(?:[\w.]+\.)?\w*(?:Error|Exception)\b:?", 5),  # Python/Java exception line
        (r"\b(?:panic|fatal|critical|emerg|segmentation fault)\b", 4),
        (r"\bcaused by\b|\bexception\b|\btraceback\b|\bfailed\b|\bfailure\b|\bunable to\b|\bcannot\b", 3),
        (r"\berror\b|\berr\b|level=error|\[error\]", 2),
    )
)
# Stack frames and separators never explain a crash on their own.
_NOISE = re.compile(r"^\s*(?:at\s+[\w$.<>]+\(|File \"|\.\.\. \d+ more|goroutine \d+|[-=*#]{4,}$|\w+\.go:\d+)")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_LEADING_TS = re.compile(r"^\[?\d{4}-\d{2}-\d{2}[T ][\d:.,]+(?: ?(?:Z|UTC|[+-]\d{2}:?\d{2}))?\]?\s*")


@dataclass(frozen=True)
class LogLine:
    """A line of a log tail, with its place: line `number` of the `total` lines read."""

    text: str
    number: int
    total: int

    def __str__(self) -> str:
        return f"log line {self.number}/{self.total}: {self.text}"


@functools.lru_cache(maxsize=128)
def decisive_log_lines(*texts: str | None, tail: int = 200) -> tuple[LogLine, ...]:
    """The log line that best explains a failure and, when a later line with an error signature follows it
    (the program's last words), that line too: at most two, searched in the last `tail` lines of each text.

    Cached: each crash finding asks for the same log more than once (evidence, message, dependency hint).
    """
    scored: list[tuple[int, int, LogLine]] = []  # (weight, order, line)
    order = 0
    for text in texts:
        if not text:
            continue
        lines = text.splitlines()[-tail:]
        for number, raw in enumerate(lines, 1):
            order += 1
            line = _ANSI.sub("", clip(raw)).strip()
            if not line or _NOISE.search(line):
                continue
            weight = max((w for pattern, w in _LOG_PATTERNS if pattern.search(line)), default=0)
            if weight:
                shown = trim(_LEADING_TS.sub("", line) or line, 180)
                scored.append((weight, order, LogLine(shown, number, len(lines))))
    if not scored:
        return ()
    best = max(scored, key=lambda s: s[:2])
    last = scored[-1]
    return (best[2],) if last is best else (best[2], last[2])


def decisive_log_line(*texts: str | None, tail: int = 200) -> str | None:
    """The text of the log line that best explains a failure (see decisive_log_lines)."""
    lines = decisive_log_lines(*texts, tail=tail)
    return lines[0].text if lines else None


def last_log_line(text: str | None) -> str | None:
    for raw in reversed((text or "").splitlines()):
        line = _ANSI.sub("", clip(raw)).strip()
        if line:
            return trim(line, 180)
    return None


def trim(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else head(text, limit - 1).rstrip() + "…"


# --- scheduler messages ------------------------------------------------------------------------------

_COUNTED = re.compile(r"(\d+) (.+)")


def scheduler_reasons(message: str) -> list[tuple[int, str]]:
    """`0/3 nodes are available: 1 node(s) had untolerated taint {..}, 2 Insufficient memory. preemption: ..`
    -> [(2, "Insufficient memory"), (1, "node(s) had untolerated taint {..}")], most nodes first."""
    body = clip(message).split("preemption:", 1)[0]
    if ":" in body:
        body = body.split(":", 1)[1]
    reasons: list[tuple[int, str]] = []
    # Split on ", <digit>" so a taint value containing a comma does not split a reason.
    for part in re.split(r",\s+(?=\d+ )", body.strip().rstrip(".")):
        m = _COUNTED.match(part.strip())
        if m:
            reasons.append((int(m.group(1)), m.group(2).strip().rstrip(".")))
        elif part.strip():
            reasons.append((0, part.strip()))
    return sorted(reasons, key=lambda r: -r[0])


def cordon_only(reasons: list[tuple[int, str]]) -> bool:
    """The scheduler ruled out every node for being cordoned ("node(s) were unschedulable")."""
    return bool(reasons) and all("unschedulable" in r for _, r in reasons)


# --- CreateContainerConfigError ----------------------------------------------------------------------

_MISSING_OBJECT = re.compile(r'(configmap|secret)s? "([^"]+)" not found', re.IGNORECASE)
_MISSING_KEY = re.compile(r"couldn't find key (\S+) in (ConfigMap|Secret) ([^/\s]+)/(\S+)", re.IGNORECASE)


def parse_config_error(message: str) -> dict[str, str] | None:
    """What a CreateContainerConfigError is missing: {kind, name, key?} or {problem} for other causes."""
    message = clip(message)
    if m := _MISSING_KEY.search(message):
        kind = "ConfigMap" if m.group(2).lower() == "configmap" else "Secret"
        return {"kind": kind, "name": m.group(4), "key": m.group(1)}
    if m := _MISSING_OBJECT.search(message):
        kind = "ConfigMap" if m.group(1).lower() == "configmap" else "Secret"
        return {"kind": kind, "name": m.group(2)}
    if "runAsNonRoot" in message:
        return {"problem": "runAsNonRoot"}
    return None


# --- start errors ------------------------------------------------------------------------------------

_START_ERROR = re.compile(
    r'(exec: "[^"]*": [^:]+(?: in \$PATH)?|exec format error|'
    # A path is the text since the previous colon: anchored there, so each colon starts one short attempt
    # (an unanchored [^:]* retried from every position was quadratic in the message's length).
    r"(?:(?<=:)|^)[^:]*: permission denied|(?:(?<=:)|^)[^:]*: no such file or directory|"
    r"executable file not found in \$PATH)"
)


def start_error_cause(message: str) -> str:
    """The short, telling part of an OCI runtime error."""
    message = clip(message)
    if m := _START_ERROR.search(message):
        return trim(m.group(1).strip(), 160)
    return trim(message, 160)
