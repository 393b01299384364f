"""Streamable HTTP on 127.0.0.1 only, behind a bearer token and an Origin check.

Browsers send `Origin` on cross-site requests, so a web page the user visits cannot drive the server
(DNS rebinding): a request whose Origin is anything but http://127.0.0.1[:port] or
http://localhost[:port] gets 403, as does a Host header that is not a loopback name. Every request
needs `Authorization: Bearer <token>` (compared in constant time) or gets 401. The SDK's own
TransportSecuritySettings check Host and Origin again behind this guard.
"""

from __future__ import annotations

import hmac
import socket
import sys
import urllib.parse
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

HOST = "127.0.0.1"
DEFAULT_PORT = 8377
PATH = "/mcp"
_LOOPBACK_NAMES = ("127.0.0.1", "localhost")

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


def local_origin(origin: str) -> bool:
    """http://127.0.0.1, http://localhost, each with or without a port; nothing else (not "null")."""
    try:
        parts = urllib.parse.urlsplit(origin)
        port = parts.port  # raises on a malformed port
    except ValueError:
        return False
    if parts.scheme != "http" or parts.hostname not in _LOOPBACK_NAMES:
        return False
    rest = (parts.path, parts.query, parts.fragment, parts.username, parts.password)
    return not any(rest) and (port is None or 0 < port < 65536)


def local_host(host: str) -> bool:
    name, _, port = host.rpartition(":") if host.count(":") == 1 else (host, "", "")
    return name in _LOOPBACK_NAMES and (not port or port.isdigit())


class LocalGuard:
    """ASGI middleware: Origin and Host first (403), then the bearer token (401)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        if not token:
            raise ValueError("an HTTP MCP server needs a token")
        self.app = app
        self._token = token.encode()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":  # lifespan: the SDK's session manager starts here
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
        origin = headers.get("origin")
        if origin is not None and not local_origin(origin):
            await _respond(send, 403, f"Origin {origin!r} is not allowed: only http://127.0.0.1 and "
                           "http://localhost may call this server")
            return
        if not local_host(headers.get("host", "")):
            await _respond(send, 403, "Host is not allowed: use http://127.0.0.1:PORT")
            return
        scheme, _, credential = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(credential.strip().encode(), self._token):
            await _respond(send, 401, "missing or wrong bearer token",
                           {"www-authenticate": 'Bearer realm="kubectl-prism"'})
            return
        await self.app(scope, receive, send)


async def _respond(send: Any, status: int, message: str, headers: dict[str, str] | None = None) -> None:
    body = (message + "\n").encode()
    raw = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def bind(port: int) -> socket.socket:
    """The listening socket on 127.0.0.1 (port 0: any free port); bound before the app is built so the
    SDK's Host/Origin allow-list can name the real port."""
    from kubectl_prism.errors import UsageError

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError as err:
        sock.close()
        raise UsageError(f"cannot listen on {HOST}:{port}: {err.strerror or err}",
                         hint="choose another --port (0 picks a free one)") from err
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def serve_http(server: Any, port: int, token: str, generated: bool, verbose: bool = False) -> None:
    """Run the MCP server's streamable HTTP app on 127.0.0.1:port until interrupted."""
    import anyio
    import uvicorn
    from mcp.server.transport_security import TransportSecuritySettings

    sock = bind(port)
    bound = sock.getsockname()[1]
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[f"{name}:{bound}" for name in _LOOPBACK_NAMES],
        allowed_origins=[f"http://{name}{suffix}" for name in _LOOPBACK_NAMES for suffix in ("", ":*")],
    )
    app = LocalGuard(server.streamable_http_app(streamable_http_path=PATH, transport_security=security,
                                                host=HOST), token)
    # log_config=None: uvicorn's loggers propagate to ours on stderr (its default sends access logs
    # to stdout).
    config = uvicorn.Config(app, log_config=None, log_level="info" if verbose else "warning",
                            access_log=verbose, lifespan="on", timeout_graceful_shutdown=2)
    print(f"kubectl-prism MCP server listening on http://{HOST}:{bound}{PATH}", file=sys.stderr, flush=True)
    if generated:
        print(f"Bearer token (generated for this run): {token}", file=sys.stderr, flush=True)
    else:
        print("Bearer token: from PRISM_MCP_TOKEN or the config (mcp.token)", file=sys.stderr, flush=True)
    try:
        anyio.run(uvicorn.Server(config).serve, [sock])
    finally:
        sock.close()
