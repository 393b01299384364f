"""A fake AI provider on 127.0.0.1 that the real `anthropic` and `openai` SDKs talk to
(docs/architecture.md#test-doubles).

It speaks three wire dialects:
- Anthropic: `POST /v1/messages`, JSON or SSE (`event:` lines: message_start, content_block_start,
  content_block_delta with text_delta / input_json_delta, content_block_stop, message_delta, message_stop);
- OpenAI (and any OpenAI-compatible server): `POST /v1/chat/completions`, JSON or `data:` chunks ending
  with `data: [DONE]`, including streamed tool_calls;
- Azure OpenAI: `POST /openai/deployments/{deployment}/chat/completions?api-version=...` with `api-key`.

Tests script the replies (`enqueue(Reply(...))`, or a callable taking the request) and read back every
request exactly as it arrived (`requests`, raw bytes and headers), which is what the leak tests assert on.
Errors (401, 429, 500, ...) and slow answers are replies too.
"""

from __future__ import annotations

import itertools
import json
import re
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.ai_cache import CacheUsage, PromptCache, TooManyBreakpoints


@dataclass
class Reply:
    """One scripted answer. `status` >= 400 makes it an error answer in the dialect of the request."""

    text: str = ""
    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (name, input)
    status: int = 200
    error_message: str = ""
    error_param: str | None = None  # OpenAI's `param`: the request field an error is about
    delay: float = 0.0  # seconds to wait before answering (a slow provider)
    input_tokens: int | None = None  # None: estimated from the request size (4 bytes a token)
    output_tokens: int | None = None
    chunk_chars: int = 7  # text and tool arguments are streamed in pieces this long
    headers: dict[str, str] = field(default_factory=dict)
    stop_reason: str | None = None  # None: end_turn/stop, or tool_use/tool_calls when there are calls
    # Misbehaviour, as broken providers, proxies and networks show it:
    raw: bytes | None = None  # sent verbatim as the body of a 200 (a proxy's HTML page, a broken stream)
    content_type: str | None = None  # of `raw`; default: text/event-stream when streaming, else JSON
    cut_after: int | None = None  # streamed: the connection closes after this many events, mid-answer
    fail_after: int | None = None  # streamed: after this many events, an error event (`error_message`)
    drip: float = 0.0  # streamed: seconds between events (a provider that trickles and never finishes)


def text(value: str, **kw: Any) -> Reply:
    return Reply(text=value, **kw)


def tool(name: str, arguments: dict[str, Any], text: str = "", **kw: Any) -> Reply:
    return Reply(text=text, tool_calls=[(name, arguments)], **kw)


def error(status: int, message: str = "", **kw: Any) -> Reply:
    return Reply(status=status, error_message=message, **kw)


# Models the real APIs refuse a temperature for: OpenAI's reasoning models (anything but the default 1),
# and Claude Opus 4.7 and later ("`temperature` is deprecated for this model").
_NO_TEMPERATURE = {"anthropic": re.compile(r"opus-4-[7-9]"), "openai": re.compile(r"^(o\d|gpt-5)")}


def refuses_temperature(dialect: str, model: str, value: Any) -> bool:
    if dialect == "anthropic":
        return bool(_NO_TEMPERATURE["anthropic"].search(model))
    return bool(_NO_TEMPERATURE["openai"].match(model)) and value != 1


def slow(seconds: float, reply: Reply | None = None) -> Reply:
    base = reply or Reply(text="slow answer")
    base.delay = seconds
    return base


def raw(body: bytes | str, content_type: str | None = None) -> Reply:
    """A 200 whose body is exactly `body` (not JSON, a broken event stream, ...)."""
    return Reply(raw=body.encode() if isinstance(body, str) else body, content_type=content_type)


class _Cut(Exception):
    """Raised inside a handler to drop the connection in the middle of a streamed answer."""


@dataclass
class RecordedRequest:
    method: str
    path: str  # without the query string
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    raw: bytes  # request line + headers + body, exactly as received

    @property
    def json(self) -> Any:
        return json.loads(self.body or b"null")

    @property
    def dialect(self) -> str:
        if self.path.startswith("/openai/deployments/"):
            return "azure"
        return "anthropic" if self.path.endswith("/messages") else "openai"

    @property
    def stream(self) -> bool:
        body = self.json
        return bool(isinstance(body, dict) and body.get("stream"))

    @property
    def api_key(self) -> str | None:
        """The key as sent, whichever header carried it."""
        for name in ("api-key", "x-api-key"):
            if name in self.headers:
                return self.headers[name]
        auth = self.headers.get("authorization", "")
        return auth[7:] if auth.lower().startswith("bearer ") else None


ReplySource = Reply | Callable[[RecordedRequest], Reply]


class FakeAIServer:
    """Threaded HTTP server; use as a context manager or call start()/stop()."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.default: Reply | None = None  # answer when the queue is empty (None: a 500 saying so)
        self.accept_keys: set[str] | None = None  # None: any key; else other keys get a 401
        self.first_byte_at: float | None = None  # time.perf_counter() when the first request arrived
        self.cache = PromptCache()  # what requests wrote to the prompt cache (see ai_cache.py)
        # Which (dialect, model, temperature) the API refuses with a 400 naming `temperature`.
        self.refuses_temperature: Callable[[str, str, Any], bool] = refuses_temperature
        self._queue: deque[ReplySource] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._ids = itertools.count(1)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------------------
    def start(self) -> FakeAIServer:
        self._httpd = _Server(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()

    def __enter__(self) -> FakeAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- addresses for the SDKs -----------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def anthropic_base_url(self) -> str:
        return self.url

    @property
    def openai_base_url(self) -> str:
        return f"{self.url}/v1"

    @property
    def azure_endpoint(self) -> str:
        return self.url

    # --- scripting ------------------------------------------------------------------------------
    def enqueue(self, *replies: ReplySource) -> None:
        with self._lock:
            self._queue.extend(replies)

    def pending(self) -> int:
        return len(self._queue)

    def all_bytes(self) -> bytes:
        """Every byte every request carried, for leak assertions."""
        return b"\n".join(r.raw for r in self.requests)

    def _next(self, request: RecordedRequest) -> Reply:
        with self._lock:
            source = self._queue.popleft() if self._queue else self.default
        if source is None:
            return error(500, "fake AI server: no reply enqueued")
        return source(request) if callable(source) else source

    def _next_id(self) -> int:
        return next(self._ids)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a slow reply still sleeping must not hold up stop()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up (a timeout, a refused answer) is part of the tests, not an error; the
        # default would print a traceback into the test's captured stderr.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


def _handler_for(server: FakeAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        fake = server

    return Handler


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: FakeAIServer
    _reply: Reply
    _dialect: str
    _cached: CacheUsage
    _events = 0  # events emitted in the current streamed answer

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        self._record(b"")
        self._send_json(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self) -> None:
        # Always drain the body so a keep-alive connection stays in sync.
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        req = self._record(body)
        split = urlsplit(self.path)
        if not (split.path.endswith("/messages") or split.path.endswith("/chat/completions")):
            self._send_json(404, {"error": {"message": f"no route {split.path}"}})
            return
        self._cached = CacheUsage(0)
        if self.fake.accept_keys is not None and req.api_key not in self.fake.accept_keys:
            reply = error(
                401, "invalid x-api-key" if req.dialect == "anthropic" else "Incorrect API key provided"
            )
        elif (refusal := self._refusal(req)) is not None:
            reply = refusal  # checked before a scripted reply is used, as the API checks before answering
        else:
            reply = self.fake._next(req)
        if reply.delay and self.fake._stopping.wait(reply.delay):
            return
        self._events = 0
        self._reply = reply
        self._dialect = req.dialect
        try:
            if reply.status >= 400:
                self._send_error(req, reply)
            elif reply.raw is not None:
                self._send_raw(req, reply)
            elif req.dialect == "anthropic":
                self._anthropic(req, reply)
            else:
                self._openai(req, reply)
        except _Cut:
            self.close_connection = True  # the answer ends here, without its last events
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to do

    # --- recording ------------------------------------------------------------------------------
    def _record(self, body: bytes) -> RecordedRequest:
        if self.fake.first_byte_at is None:
            self.fake.first_byte_at = time.perf_counter()
        split = urlsplit(self.path)
        head = f"{self.requestline}\r\n{self.headers}".encode("latin-1", "replace")
        req = RecordedRequest(
            method=self.command,
            path=split.path,
            query={k: v[-1] for k, v in parse_qs(split.query).items()},
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            raw=head + body,
        )
        with self.fake._lock:
            self.fake.requests.append(req)
        return req

    # --- answers --------------------------------------------------------------------------------
    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _send_raw(self, req: RecordedRequest, reply: Reply) -> None:
        body = reply.raw or b""
        default = "text/event-stream" if req.stream else "application/json"
        self.send_response(200)
        self.send_header("Content-Type", reply.content_type or default)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_error(self, req: RecordedRequest, reply: Reply) -> None:
        headers = dict(reply.headers)
        if reply.status == 429:
            headers.setdefault("retry-after-ms", "10")  # keep retry tests fast
        if req.dialect == "anthropic":
            kind = _ANTHROPIC_ERROR_TYPES.get(reply.status, "api_error")
            payload: Any = {"type": "error", "error": {"type": kind, "message": reply.error_message or kind}}
        else:
            payload = {
                "error": {
                    "message": reply.error_message or f"error {reply.status}",
                    "type": "invalid_request_error",
                    "param": reply.error_param,
                    "code": "unsupported_value" if reply.error_param else str(reply.status),
                }
            }
        self._send_json(reply.status, payload, headers)

    def _refusal(self, req: RecordedRequest) -> Reply | None:
        """What the API refuses before answering: a temperature the model does not take, too many
        cache breakpoints. Otherwise the request's prompt-cache reads and writes are noted."""
        body = req.json if req.body else None
        if not isinstance(body, dict):
            return None
        model = str(body.get("model") or req.path)
        if "temperature" in body and self.fake.refuses_temperature(req.dialect, model, body["temperature"]):
            if req.dialect == "anthropic":
                return error(400, "`temperature` is deprecated for this model.")
            value = body["temperature"]
            return error(400, f"Unsupported value: 'temperature' does not support {value} with this model. "
                              "Only the default (1) value is supported.", error_param="temperature")
        try:
            self._cached = self.fake.cache.anthropic(body) if req.dialect == "anthropic" \
                else self.fake.cache.openai(body)
        except TooManyBreakpoints as err:
            return error(400, str(err))
        return None

    def _usage(self, req: RecordedRequest, reply: Reply) -> tuple[CacheUsage, int]:
        """Input tokens (4 request bytes a token, or the cache's tokenizer) split by the prompt cache, and
        output tokens."""
        out = reply.output_tokens
        if out is None:
            out = max(1, (len(reply.text) + sum(len(json.dumps(a)) for _, a in reply.tool_calls)) // 4)
        if reply.input_tokens is not None:  # scripted exactly: no cache split
            return CacheUsage(reply.input_tokens), out
        cached = self._cached
        if self.fake.cache.tokenizer is not None:  # counted by a real tokenizer (ai_cache.py)
            return cached, out
        total = max(1, len(req.body) // 4, cached.read + cached.written)
        return CacheUsage(total, cached.read, cached.written), out

    def _start_stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")  # the end of the body is the end of the stream
        self.end_headers()
        self.close_connection = True

    def _emit(self, data: str, event: str | None = None) -> None:
        reply = self._reply
        if reply.cut_after is not None and self._events >= reply.cut_after:
            raise _Cut
        if reply.fail_after is not None and self._events >= reply.fail_after:
            self._stream_error()
            raise _Cut
        if reply.drip and self._events and self.fake._stopping.wait(reply.drip):
            raise _Cut
        self._events += 1
        out = (f"event: {event}\n" if event else "") + f"data: {data}\n\n"
        self.wfile.write(out.encode())
        self.wfile.flush()

    def _stream_error(self) -> None:
        """An error in the middle of a stream, as each API sends one (e.g. Anthropic's overloaded)."""
        message = self._reply.error_message or "Overloaded"
        if self._dialect == "anthropic":
            data = {"type": "error", "error": {"type": "overloaded_error", "message": message}}
            self.wfile.write(f"event: error\ndata: {json.dumps(data)}\n\n".encode())
        else:
            data = {"error": {"message": message, "type": "server_error", "code": None}}
            self.wfile.write(f"data: {json.dumps(data)}\n\n".encode())
        self.wfile.flush()

    def _anthropic(self, req: RecordedRequest, reply: Reply) -> None:
        body = req.json
        n = self.fake._next_id()
        model = body.get("model", "claude")
        inp, out = self._usage(req, reply)
        usage = {"input_tokens": inp.uncached, "cache_creation_input_tokens": inp.written,
                 "cache_read_input_tokens": inp.read}
        calls = [(f"toolu_{n:04d}_{i}", name, args) for i, (name, args) in enumerate(reply.tool_calls)]
        stop = reply.stop_reason or ("tool_use" if calls else "end_turn")
        if not req.stream:
            content: list[dict[str, Any]] = [{"type": "text", "text": reply.text}] if reply.text else []
            content += [
                {"type": "tool_use", "id": cid, "name": name, "input": args} for cid, name, args in calls
            ]
            self._send_json(
                200,
                {
                    "id": f"msg_{n:04d}",
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": content,
                    "stop_reason": stop,
                    "stop_sequence": None,
                    "usage": {**usage, "output_tokens": out},
                },
                reply.headers,
            )
            return
        self._start_stream()
        ev = self._emit_anthropic
        ev(
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": f"msg_{n:04d}",
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {**usage, "output_tokens": 1},
                },
            },
        )
        ev("ping", {"type": "ping"})
        index = 0
        if reply.text:
            ev(
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {"type": "text", "text": ""},
                },
            )
            for piece in _chunks(reply.text, reply.chunk_chars):
                ev(
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": index,
                        "delta": {"type": "text_delta", "text": piece},
                    },
                )
            ev("content_block_stop", {"type": "content_block_stop", "index": index})
            index += 1
        for cid, name, args in calls:
            ev(
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {"type": "tool_use", "id": cid, "name": name, "input": {}},
                },
            )
            for piece in _chunks(json.dumps(args), reply.chunk_chars):
                ev(
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": index,
                        "delta": {"type": "input_json_delta", "partial_json": piece},
                    },
                )
            ev("content_block_stop", {"type": "content_block_stop", "index": index})
            index += 1
        ev(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": out},
            },
        )
        ev("message_stop", {"type": "message_stop"})

    def _emit_anthropic(self, event: str, data: dict[str, Any]) -> None:
        self._emit(json.dumps(data), event)

    def _openai(self, req: RecordedRequest, reply: Reply) -> None:
        body = req.json
        n = self.fake._next_id()
        model = body.get("model") or "gpt"
        inp, out = self._usage(req, reply)
        calls = [(f"call_{n:04d}_{i}", name, args) for i, (name, args) in enumerate(reply.tool_calls)]
        finish = reply.stop_reason or ("tool_calls" if calls else "stop")
        created = int(time.time())
        usage = {"prompt_tokens": inp.total, "completion_tokens": out, "total_tokens": inp.total + out,
                 "prompt_tokens_details": {"cached_tokens": inp.read, "audio_tokens": 0},
                 "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0}}
        if not req.stream:
            message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
            if calls:
                message["tool_calls"] = [
                    {"id": cid, "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}
                    for cid, name, args in calls
                ]
            self._send_json(
                200,
                {
                    "id": f"chatcmpl-{n:04d}",
                    "object": "chat.completion",
                    "created": created,
                    "model": model,
                    "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
                    "usage": usage,
                },
                reply.headers,
            )
            return
        self._start_stream()

        def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> None:
            self._emit(
                json.dumps(
                    {
                        "id": f"chatcmpl-{n:04d}",
                        "object": "chat.completion.chunk",
                        "created": created,
                        "model": model,
                        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
                    }
                )
            )

        chunk({"role": "assistant", "content": ""})
        for piece in _chunks(reply.text, reply.chunk_chars):
            chunk({"content": piece})
        for i, (cid, name, args) in enumerate(calls):
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": i,
                            "id": cid,
                            "type": "function",
                            "function": {"name": name, "arguments": ""},
                        }
                    ]
                }
            )
            for piece in _chunks(json.dumps(args), reply.chunk_chars):
                chunk({"tool_calls": [{"index": i, "function": {"arguments": piece}}]})
        chunk({}, finish)
        if (body.get("stream_options") or {}).get("include_usage"):
            self._emit(
                json.dumps(
                    {
                        "id": f"chatcmpl-{n:04d}",
                        "object": "chat.completion.chunk",
                        "created": created,
                        "model": model,
                        "choices": [],
                        "usage": usage,
                    }
                )
            )
        self._emit("[DONE]")


_ANTHROPIC_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


def _chunks(value: str, size: int) -> Iterator[str]:
    for i in range(0, len(value), max(1, size)):
        yield value[i : i + size]
