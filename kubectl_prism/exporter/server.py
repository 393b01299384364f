"""The exporter's HTTP side: `/metrics` (prometheus_client's own WSGI app), `/healthz`, a small index.

Served by prometheus_client's threading WSGI server on a daemon thread, quietly (no access log).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

INDEX = (b"<html><head><title>kubectl-prism exporter</title></head><body><h1>kubectl-prism exporter</h1>"
         b'<p><a href="/metrics">Metrics</a></p></body></html>')

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def make_app(registry: Any, healthy: Callable[[], bool]) -> Callable[[dict[str, Any], StartResponse],
                                                                     Iterable[bytes]]:
    """The WSGI app: /metrics, /healthz (200 once the first run finished, 503 before), /, else 404."""
    from prometheus_client import make_wsgi_app

    metrics = make_wsgi_app(registry)

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        if path == "/metrics":
            return metrics(environ, start_response)
        if path == "/healthz":
            ok = healthy()
            start_response("200 OK" if ok else "503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"ok\n" if ok else b"no run finished yet\n"]
        if path == "/":
            start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
            return [INDEX]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found: try /metrics\n"]

    return app


class MetricsServer:
    """A started HTTP server (`port` is the bound one, e.g. after asking for port 0)."""

    def __init__(self, app: Callable[..., Iterable[bytes]], address: str, port: int) -> None:
        from wsgiref.simple_server import WSGIRequestHandler, make_server

        from prometheus_client.exposition import ThreadingWSGIServer

        class Quiet(WSGIRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

        ThreadingWSGIServer.address_family = _family(address)
        self._server = make_server(address, port, app, ThreadingWSGIServer, handler_class=Quiet)
        self.address, self.port = self._server.server_address[:2]
        self._thread = threading.Thread(target=self._server.serve_forever, name="prism-exporter-http",
                                        daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host = f"[{self.address}]" if ":" in str(self.address) else self.address
        return f"http://{host}:{self.port}/metrics"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _family(address: str) -> int:
    import socket

    return socket.AF_INET6 if ":" in address else socket.AF_INET
