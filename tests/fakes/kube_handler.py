"""Socket side of the fake API server: read a request, record it, write the answer (or a watch stream)."""

from __future__ import annotations

import contextlib
import functools
import gzip
import json
import select
import socket
import ssl
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.fakes import kube_auth, kube_protobuf
from tests.fakes.kube_request import JSON, Call, Reply
from tests.fakes.kube_router import Router
from tests.fakes.kube_store import ApiError, Entry

if TYPE_CHECKING:
    from tests.fakes.kube_apiserver import FakeKubeAPI

_MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
_WATCH_CAP_SECONDS = 60.0


@dataclass
class RecordedRequest:
    method: str
    path: str  # as the server reads it: percent-decoded, like Go's URL.Path in kube-apiserver
    query: dict[str, list[str]]
    user: str | None  # None: no or unknown token
    status: int
    accept: str
    content_type: str = ""
    body: Any = None  # parsed JSON/YAML, a decoded protobuf review, raw bytes (protobuf) or text
    dry_run: bool = False  # a mutating request with dryRun=All (query or DeleteOptions)
    mutating: bool = False  # it changed stored state (2xx, not a dry run, not an access review)
    raw_path: str = ""  # the path as sent on the wire, before percent-decoding
    gzipped: bool = False  # answered with Content-Encoding: gzip


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: every body is drained and every answer sized
    server_version = "fake-kube-apiserver"
    sys_version = ""
    timeout = 120  # idle keep-alive connections give their thread back eventually
    disable_nagle_algorithm = True  # headers and body are two writes: avoid 40 ms delayed-ACK stalls

    def setup(self) -> None:
        # The TLS handshake runs here, in the connection's own thread, not in the accept loop.
        self.request.do_handshake()
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read `FakeKubeAPI.requests` instead."""

    def do_GET(self) -> None:
        self._serve()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _call(self, api: FakeKubeAPI) -> Call:
        raw_body = self._read_body()
        split = urlsplit(self.path)
        query = parse_qs(split.query, keep_blank_values=True)
        auth = self.headers.get("Authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        # kube-apiserver routes on Go's decoded URL.Path: `%2F` in a name is a `/` there.
        call = Call(method=self.command, path=unquote(split.path), query=query,
                    accept=self.headers.get("Accept", ""),
                    content_type=self.headers.get("Content-Type", ""), raw_body=raw_body,
                    ident=api.identities.get(token) if token else None)
        dry_run = "All" in query.get("dryRun", [])
        if self.command == "DELETE" and raw_body and not dry_run:
            with contextlib.suppress(ValueError, AttributeError):
                dry_run = "All" in (json.loads(raw_body).get("dryRun") or [])
        call.dry_run = dry_run and self.command in _MUTATING
        call.raw_path = split.path
        return call

    def _serve(self) -> None:
        api: FakeKubeAPI = self.server.api  # type: ignore[attr-defined]
        call = self._call(api)
        injected = api._take_injection(call.method, call.path)
        try:
            if injected is not None and injected.delay:
                api._stopping.wait(injected.delay)  # a hang; the server's stop ends it
            if injected is not None and (injected.body is not None or injected.close):
                self._misbehave(api, call, injected)
                return
            if injected is not None and injected.status:
                reply = Reply(injected.status,
                              kube_auth.status_body(injected.status, injected.reason, injected.message))
            else:
                reply = Router(api).handle(call)
        except ApiError as exc:
            reply = Reply(exc.status, exc.body)
        body = call.parsed_body
        if body is None and call.raw_body:
            body = _decode_for_record(call.raw_body, call.content_type)
        # As kube-apiserver: an answer of GZIP_THRESHOLD or more is compressed for a client that accepts it.
        gzipped = (injected is None and self.command == "GET" and len(reply.body) >= GZIP_THRESHOLD
                   and "gzip" in self.headers.get("Accept-Encoding", "") and "watch" not in call.extras)
        # Recorded before answering: a client that exits on the answer must find its request here.
        api._record(RecordedRequest(
            method=call.method, path=call.path, query=call.query,
            user=call.ident.user if call.ident else None, status=reply.status, accept=call.accept,
            content_type=call.content_type, body=body, dry_run=call.dry_run, mutating=reply.changed,
            raw_path=call.raw_path, gzipped=gzipped,
        ))
        if "watch" in call.extras and reply.status == 200:
            self._stream_watch(api, call)
            return
        if gzipped:
            self._send_gzipped(reply)
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("Cache-Control", "no-cache, private")
        for name, value in (injected.headers if injected is not None else {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command == "HEAD":
            return
        if injected is not None and injected.truncate:
            self.wfile.write(reply.body[:len(reply.body) // 2])
            self.wfile.flush()
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
        elif injected is not None and injected.drip:
            with contextlib.suppress(OSError):
                for i in range(len(reply.body)):
                    if api._stopping.wait(injected.drip):
                        break
                    self.wfile.write(reply.body[i:i + 1])
                    self.wfile.flush()
            self.close_connection = True
        else:
            self.wfile.write(reply.body)

    def _send_gzipped(self, reply: Reply) -> None:
        """The answer through gzip at level 1, streamed in chunks without a Content-Length, as the real
        server's response writer does."""
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        data = _gzipped(reply.body)
        for i in range(0, len(data), 32 * 1024):
            self._send_chunk(data[i:i + 32 * 1024])
        self.wfile.write(b"0\r\n\r\n")

    def _misbehave(self, api: FakeKubeAPI, call: Call, injected: Any) -> None:
        """Close without an answer, or stream a generated body (chunked) until it ends or the client goes."""
        api._record(RecordedRequest(method=call.method, path=call.path, query=call.query,
                                    user=call.ident.user if call.ident else None, status=200 if injected.body
                                    else 0, accept=call.accept, raw_path=call.raw_path))
        self.close_connection = True
        if injected.close:
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(200)
        self.send_header("Content-Type", JSON)
        self.send_header("Transfer-Encoding", "chunked")
        for name, value in injected.headers.items():
            self.send_header(name, value)
        self.end_headers()
        with contextlib.suppress(OSError):
            for piece in injected.body():
                if api._stopping.is_set():
                    return
                self._send_chunk(piece)
            self.wfile.write(b"0\r\n\r\n")

    def _client_gone(self) -> bool:
        """True once a watching client has closed its end (it never sends anything else)."""
        if not select.select([self.connection], [], [], 0)[0]:
            return False
        self.connection.settimeout(0.01)
        try:
            return self.connection.recv(1) == b""
        except (TimeoutError, ssl.SSLWantReadError):
            return False
        except OSError:
            return True
        finally:
            self.connection.settimeout(self.timeout)

    def _send_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")

    def _stream_watch(self, api: FakeKubeAPI, call: Call) -> None:
        """Chunked watch events until timeoutSeconds (capped), the server stops or the client leaves."""
        info, namespace, match = call.extras["watch"]
        store = api.store
        self.send_response(200)
        self.send_header("Content-Type", JSON)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.close_connection = True

        def send(kind: str, entry: Entry) -> None:
            self._send_chunk(b'{"type":"' + kind.encode() + b'","object":' + entry.full_bytes() + b"}\n")

        def wanted(entry: Entry) -> bool:
            meta = entry.obj["metadata"]
            in_scope = not namespace or meta.get("namespace") == namespace
            return in_scope and (match is None or match(entry.obj))

        timeout = call.param("timeoutSeconds")
        seconds = min(float(timeout) if timeout.isdigit() else _WATCH_CAP_SECONDS, _WATCH_CAP_SECONDS)
        deadline = time.monotonic() + seconds
        rv = call.param("resourceVersion")
        # Streaming lists (client-go's WatchList, kubectl 1.3x): ADDED for what exists, then a BOOKMARK
        # marking the end of the initial events. A plain watch from "" or "0" also starts with ADDEDs.
        streaming_list = call.flag("sendInitialEvents")
        try:
            if streaming_list or (rv in ("", "0") and "sendInitialEvents" not in call.query):
                with store.lock:
                    cursor = store.rv
                    current = [store.get(info.kind, *key) for key in store.keys(info.kind)]
                for entry in current:
                    if entry is not None and wanted(entry):
                        send("ADDED", entry)
                if streaming_list:
                    self._send_chunk(_bookmark(info.kind, info.api_version, cursor))
            else:
                cursor = int(rv) if rv.isdigit() else store.rv
            while not api._stopping.is_set() and time.monotonic() < deadline and not self._client_gone():
                with store.changed:
                    if not store.events_after(cursor):
                        store.changed.wait(timeout=min(0.5, max(deadline - time.monotonic(), 0)))
                    events = store.events_after(cursor)
                for event in events:
                    cursor = event.rv
                    if event.kind == info.kind and wanted(event.entry):
                        send(event.type, event.entry)
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass  # the client went away


GZIP_THRESHOLD = 128 * 1024  # kube-apiserver's defaultGzipThresholdBytes


@functools.lru_cache(maxsize=8)
def _gzipped(body: bytes) -> bytes:
    # Level 1, kube-apiserver's defaultGzipContentEncodingLevel. Each distinct body is compressed once:
    # the fake's CPU time is not what benchmarks measure, and on a 2-CPU machine it would compete.
    return gzip.compress(body, compresslevel=1, mtime=0)


def _bookmark(kind: str, api_version: str, rv: int) -> bytes:
    meta = {"resourceVersion": str(rv), "annotations": {"k8s.io/initial-events-end": "true"}}
    event = {"type": "BOOKMARK", "object": {"kind": kind, "apiVersion": api_version, "metadata": meta}}
    return json.dumps(event, separators=(",", ":")).encode() + b"\n"


def _decode_for_record(raw: bytes, content_type: str) -> Any:
    if content_type.startswith(kube_protobuf.CONTENT_TYPE):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")
