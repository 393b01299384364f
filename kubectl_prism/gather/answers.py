"""One answer of the API server, read within its bounds, and the words for what went wrong.

The exceptions a request ends with (`ApiError` and kin: a gap for the gatherer, never a crash), the
body read against a deadline and a byte cap, Retry-After, and transport errors described in words
rather than urllib3's tuples.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from email.utils import parsedate_to_datetime
from typing import Any

from kubectl_prism.apipath import ApiPath
from kubectl_prism.gather.watchdog import WATCHDOG

_CHUNK = 256 * 1024
MAX_RETRIES = 3  # after 429 / 503 with Retry-After
MAX_RETRY_AFTER = 10.0  # seconds: a server asking for longer gets that much, then the answer is a gap


class ApiError(Exception):
    """A non-success answer for one request that is not an access error of the whole cluster."""

    def __init__(self, status: int, message: str, path: str) -> None:
        super().__init__(f"{status} {message} ({path})")
        self.status = status
        self.message = message
        self.path = path

    def describe(self) -> str:
        """"429 too many requests", or for an answer that never came whole: "timed out after 30s"."""
        return f"{self.status} {self.message}" if self.status else self.message


class Forbidden(ApiError):
    """403: becomes a gap in the snapshot."""


class NotFound(ApiError):
    """404: the object is gone, or the resource type is not served by this cluster."""


class Expired(ApiError):
    """410 Gone: a `continue` token expired while paging."""


class RequestFailed(ApiError):
    """No complete answer to one request (status 0): timed out, cut off, too large, connection lost.

    `message` is the gap reason ("timed out after 30s", "truncated: ...").
    """

    def __init__(self, message: str, path: str) -> None:
        super().__init__(0, message, path)


class TooLarge(RequestFailed):
    """The answer was larger than the byte cap."""


def read_body(resp: Any, deadline: float | None, late: str, max_bytes: int, path: ApiPath) -> bytes:
    """The whole body by `deadline`, at most `max_bytes` of it (decoded), or RequestFailed.

    The socket's read timeout bounds each wait for data; at the deadline the watchdog (gather/watchdog.py)
    closes the connection, so a server that sends one byte now and then cannot stretch the request either.
    """
    import urllib3

    expired = threading.Event()

    def cut() -> None:
        expired.set()
        resp.shutdown()

    alarm = WATCHDOG.arm(deadline, cut) if deadline is not None else None
    try:
        data = _read(resp, max_bytes, path)
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        if expired.is_set() or isinstance(exc, urllib3.exceptions.ReadTimeoutError):
            raise RequestFailed(late, path.path) from None
        raise RequestFailed(f"truncated: {describe_transport(exc)}", path.path) from None
    finally:
        if alarm is not None:
            alarm.cancel()
    if expired.is_set():
        raise RequestFailed(late, path.path)
    return data


def _read(resp: Any, max_bytes: int, path: ApiPath) -> bytes:
    too_large = f"truncated: the answer is larger than {max_bytes // 2**20} MiB"
    length = _declared_length(resp)
    if length is not None:
        if length > max_bytes:
            resp.close()  # nothing is read: the connection is closed, not drained
            raise TooLarge(too_large, path.path)
        # A size the server declared, of bytes as they are: one read of exactly that many (half the CPU
        # of reading it in chunks and joining them).
        data: bytes = resp.read()
        return data
    chunks: list[bytes] = []
    size = 0
    while chunk := resp.read(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            resp.close()  # nothing more is read
            raise TooLarge(too_large, path.path)
        chunks.append(chunk)
    return b"".join(chunks)


def _declared_length(resp: Any) -> int | None:
    """Content-Length, when it is the size of the body read (not compressed) and well-formed."""
    headers = resp.headers
    if headers.get("Content-Encoding") or headers.get("Transfer-Encoding"):
        return None
    text = headers.get("Content-Length")
    if text is None or not text.isdigit() or not text.isascii():
        return None
    return int(text)


def parse_object(data: bytes, path: ApiPath) -> dict[str, Any]:
    """An answer's JSON object. `json.loads`, not msgspec or orjson: those decode a third faster, but
    json shares every key string within an answer, and the objects it builds take 5-10% less memory
    (measured on 3,000 synthetic pods and 6,000 events: 106 MB, msgspec 116 MB, orjson 111 MB). A fleet
    run, which holds one cluster's objects at a time, takes msgspec's speed (`parse_object_quickly`)."""
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as exc:
        detail = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise ApiError(200, f"the server answered with invalid JSON: {detail}", path.path) from None
    if not isinstance(doc, dict):
        raise ApiError(200, "the server answered with JSON that is not an object", path.path)
    return doc


def parse_object_quickly(data: bytes, path: ApiPath) -> dict[str, Any]:
    """`parse_object` at msgspec's speed, for a fleet run's decoding turn.

    A fleet run decodes one cluster at a time (fleet/run.py), so the 5-10% more memory of msgspec's
    objects is paid once, not per cluster; its speed is paid for every cluster: 46-59 ms against
    65-68 ms for a cluster's 7.3 MB of pods and events. Whatever msgspec refuses (NaN, numbers too large
    for a float, lone surrogates, invalid UTF-8, deep nesting) goes to `parse_object`, so both accept
    and refuse exactly the same answers; for what both accept they build equal values.
    """
    import msgspec

    try:
        doc = _any_decoder().decode(data)
    except (msgspec.MsgspecError, RecursionError):
        return parse_object(data, path)
    if not isinstance(doc, dict):
        raise ApiError(200, "the server answered with JSON that is not an object", path.path)
    return doc


@functools.cache
def _any_decoder() -> Any:
    import msgspec

    return msgspec.json.Decoder()


def list_continue(data: bytes, path: ApiPath) -> str | None:
    """A list answer's `metadata.continue`, decoded without its items (msgspec skips them at C speed:
    ~2 ms for a page of 500 pods, against ~20 ms to decode it whole).

    A page without the word at all (a list's last page) has no token, and is not read here: its JSON
    is checked when it is decoded, which makes a page that is not JSON a gap all the same.
    """
    if b'"continue"' not in data:
        return None
    try:
        head = _list_head_decoder().decode(data)
    except (ValueError, RecursionError) as exc:
        detail = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise ApiError(200, f"the server answered with invalid JSON: {detail}", path.path) from None
    metadata = head.metadata
    token = metadata.get("continue") if isinstance(metadata, dict) else None
    return token if isinstance(token, str) and token else None


@functools.cache
def _list_head_decoder() -> Any:
    import msgspec

    class ListHead(msgspec.Struct):
        metadata: Any = None  # any JSON: list_continue checks what it needs

    return msgspec.json.Decoder(ListHead)


def retry_after(resp: Any, retries: int) -> float | None:
    """Seconds to wait before asking again: 429 (Retry-After, else 1 s), or 503 with Retry-After."""
    if retries >= MAX_RETRIES or resp.status not in (429, 503):
        return None
    header = resp.headers.get("Retry-After")
    if header is None:
        return 1.0 if resp.status == 429 else None
    header = header.strip()
    if header.isdigit():
        seconds = float(header)
    else:
        try:
            seconds = parsedate_to_datetime(header).timestamp() - time.time()
        except (TypeError, ValueError, OverflowError):
            seconds = 1.0
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def dropped_before_answer(exc: Exception) -> bool:
    """The server closed a connection before answering (it had timed out an idle keep-alive)."""
    import http.client

    import urllib3

    if not isinstance(exc, urllib3.exceptions.ProtocolError):
        return False
    cause = exc.args[1] if len(exc.args) > 1 else None
    return isinstance(cause, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError))


def describe_transport(exc: BaseException) -> str:
    """An exception as words: urllib3 wraps causes in tuples ("('Connection aborted.', Remote...")."""
    import http.client

    if isinstance(exc, http.client.IncompleteRead):
        got = exc.partial if isinstance(exc.partial, int) else len(exc.partial)  # urllib3: a count
        expected = f", {exc.expected} more expected" if exc.expected is not None else ""
        return f"the connection closed after {got} bytes{expected}"
    args = getattr(exc, "args", ())
    if len(args) == 2 and isinstance(args[0], str) and isinstance(args[1], BaseException):
        inner = describe_transport(args[1])
        return f"{args[0].rstrip('.').lower()}: {inner}" if "broken" not in args[0].lower() else inner
    if isinstance(exc, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    if isinstance(exc, ConnectionResetError):
        return "connection reset by the server"
    text = first_line(str(exc))
    if text.startswith("<urllib3") and ": " in text:  # "<urllib3.connection... object at 0x…>: reason"
        text = text.split(": ", 1)[1]
    return text


def status_message(data: bytes) -> str:
    """The `message` of a Kubernetes Status body, if the answer is one."""
    try:
        body = json.loads(data[:65536])
    except (ValueError, RecursionError):
        return data[:200].decode("utf-8", errors="replace").strip()
    return str(body.get("message") or "") if isinstance(body, dict) else ""


def seconds_text(value: float) -> str:
    return f"{value:g}s"


def first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "unknown error"
