"""A fake Kubernetes API server for tests and demos (docs/architecture.md#test-doubles).

HTTPS on 127.0.0.1 with a per-run CA, bearer tokens with RBAC-like rules, discovery, lists with
selectors and pagination, named GET/DELETE/PATCH, pod logs, SSAR/SSRR (JSON and protobuf), Table output,
answers of 128 KiB or more gzipped for clients that accept it (as kube-apiserver does), and a record of
every request. Real `kubectl` and the `kubernetes` client work against it.

    with FakeKubeAPI.from_scenario("tests/fakes/scenarios/shop.yaml") as api:
        kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig")

Run standalone (serves until killed):
    python -m tests.fakes.kube_apiserver SCENARIO_DIR_OR_FILE... --kubeconfig-out FILE [--port N]

Pieces: kube_store (objects, lists, writes, watch events), kube_router (authorize and answer),
kube_subresources (reviews, logs, scale), kube_handler (HTTP/1.1 keep-alive, recording, watch streams),
kube_request, kube_auth (tokens, rules, Status bodies), kube_selectors, kube_patch, kube_table,
kube_discovery, kube_protobuf.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import copy
import shutil
import signal
import socket
import ssl
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.fakes import kube_auth
from tests.fakes.kube_handler import Handler, RecordedRequest
from tests.fakes.kube_store import Store, iter_objects

__all__ = ["FakeKubeAPI", "RecordedRequest"]


@dataclass
class _Injection:
    path_prefix: str
    method: str | None
    status: int
    reason: str
    message: str
    delay: float
    times: int
    headers: dict[str, str]
    truncate: bool  # send the headers and half the body, then close the connection
    drip: float  # seconds between the body's bytes (each sent on its own)
    body: Callable[[], Iterator[bytes]] | None  # a generated body, sent chunked (e.g. a list of 300k pods)
    close: bool  # close the connection without answering


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], api: FakeKubeAPI, context: ssl.SSLContext):
        self.api = api
        self.context = context
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = self.socket.accept()
        tls = self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        with self.connections_lock:
            self.connections.add(tls)
        return tls, addr

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up mid-connection (kubectl exits, TLS probes) are normal here.
        exc = sys.exc_info()[1]
        if isinstance(exc, (OSError, ssl.SSLError, ConnectionError)):
            return
        super().handle_error(request, client_address)

    def close_connections(self) -> None:
        with self.connections_lock:
            conns = list(self.connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class FakeKubeAPI:
    """A started/stoppable fake API server holding a mutable set of objects, logs and tokens.

    objects: Kubernetes objects as a real server returns them (List objects are flattened).
    logs: dicts {namespace, pod, container, previous, text} (the scenario `logs` format).
    tokens: scenario `tokens` entries; "admin-token" (user "admin", full access) always works unless
            an entry redefines it.
    """

    def __init__(
        self,
        objects: Iterable[dict[str, Any]] = (),
        logs: Iterable[dict[str, Any]] = (),
        tokens: list[dict[str, Any]] | None = None,
    ):
        self.store = Store()
        for obj in iter_objects(objects):
            self.store.add(obj)
        for log in logs:
            self.add_log(log["namespace"], log["pod"], log["container"], log["text"],
                         previous=bool(log.get("previous", False)))
        self.tokens = tokens
        self.identities = kube_auth.identities(tokens)
        self._requests: list[RecordedRequest] = []
        self._requests_lock = threading.Lock()
        self._injections: list[_Injection] = []
        self.ignore_limit = False  # answer every list whole, as a server that does not page would
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._tmpdir: str | None = None
        self.url: str = ""
        self.address: str = ""
        self.ca_file: Path | None = None
        self.ca_pem: bytes = b""
        self.kubeconfig: Path | None = None  # set by the `fake_kube` fixture (admin token)

    @classmethod
    def from_scenario(cls, paths: str | Path | Sequence[str | Path]) -> FakeKubeAPI:
        """Load one scenario file, a directory of them (*.yaml, *.yml), or a list of either."""
        from tests.scenarios import load_scenario

        items = [paths] if isinstance(paths, (str, Path)) else list(paths)
        files: list[Path] = []
        for item in map(Path, items):
            if item.is_dir():
                files += sorted(p for p in item.iterdir() if p.suffix in (".yaml", ".yml"))
            else:
                files.append(item)
        objects: list[dict[str, Any]] = []
        logs: list[dict[str, Any]] = []
        tokens: list[dict[str, Any]] | None = None
        for file in files:
            scenario = load_scenario(file)
            objects += scenario.objects
            logs += scenario.logs
            if scenario.tokens is not None:
                tokens = (tokens or []) + scenario.tokens
        return cls(objects, logs, tokens)

    # --- lifecycle ----------------------------------------------------------------------------------
    def start(self, port: int = 0) -> FakeKubeAPI:
        import trustme

        if self._server is not None:
            return self
        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.set_alpn_protocols(["http/1.1"])  # never negotiate h2: this server speaks HTTP/1.1
        cert.configure_cert(context)
        self._tmpdir = tempfile.mkdtemp(prefix="fake-kube-")
        self.ca_pem = ca.cert_pem.bytes()
        self.ca_file = Path(self._tmpdir) / "ca.crt"
        self.ca_file.write_bytes(self.ca_pem)
        self._stopping.clear()
        self._server = _Server(("127.0.0.1", port), self, context)
        host, bound = self._server.server_address[:2]
        self.address = f"{host}:{bound}"
        self.url = f"https://{self.address}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-kube-apiserver", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        with self.store.changed:
            self.store.changed.notify_all()
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self) -> FakeKubeAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- clients ------------------------------------------------------------------------------------
    def write_kubeconfig(
        self, path: str | Path, *, token: str = kube_auth.ADMIN_TOKEN, namespace: str | None = None,
        context: str = "fake", user: str = "fake-user",
    ) -> Path:
        """Write a kubeconfig (CA data inline, bearer token) pointing at this server; returns its path."""
        import yaml

        if not self.url:
            raise RuntimeError("start() the fake API server before writing a kubeconfig")
        ctx: dict[str, Any] = {"cluster": context, "user": user}
        if namespace:
            ctx["namespace"] = namespace
        config = {
            "apiVersion": "v1", "kind": "Config", "preferences": {},
            "clusters": [{"name": context, "cluster": {
                "server": self.url, "certificate-authority-data": base64.b64encode(self.ca_pem).decode()}}],
            "users": [{"name": user, "user": {"token": token}}],
            "contexts": [{"name": context, "context": ctx}],
            "current-context": context,
        }
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        path.chmod(0o600)
        return path

    # --- state --------------------------------------------------------------------------------------
    def add(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Insert or replace an object (uid, creationTimestamp, resourceVersion filled when missing)."""
        return self.store.add(obj).obj

    def add_log(self, namespace: str, pod: str, container: str, text: str, previous: bool = False) -> None:
        self.store.add_log(namespace, pod, container, text, previous)

    def set_tokens(self, tokens: list[dict[str, Any]] | None) -> None:
        """Replace the token table (scenario `tokens` format); "admin-token" stays unless redefined."""
        self.tokens = tokens
        self.identities = kube_auth.identities(tokens)

    def get(self, kind: str, name: str, namespace: str | None = None) -> dict[str, Any] | None:
        """A copy of the stored object as the server holds it right now, or None."""
        entry = self.store.get(kind, namespace or "", name)
        return copy.deepcopy(entry.obj) if entry else None

    def objects(self, kind: str) -> list[dict[str, Any]]:
        """Copies of the stored objects of a kind, in (namespace, name) order."""
        return copy.deepcopy(self.store.all(kind))

    def inject(
        self, path_prefix: str, status: int = 500, *, times: int = 1, method: str | None = None,
        delay: float = 0.0, reason: str = "InternalError", message: str = "injected failure",
        headers: dict[str, str] | None = None, truncate: bool = False, drip: float = 0.0,
        body: Callable[[], Iterator[bytes]] | None = None, close: bool = False,
    ) -> None:
        """Make the next `times` matching requests misbehave.

        `status`: answer with that Status (0: answer normally). `delay`: wait first (a hang, ended early
        when the server stops). `headers`: extra answer headers (e.g. Retry-After). `truncate`: announce
        the full Content-Length but send half the body, then close. `drip`: send the body one byte at a
        time, `drip` seconds apart. `body`: send this generated body (chunked) as the answer. `close`:
        close the connection without answering.
        """
        self._injections.append(_Injection(path_prefix, method, status, reason, message, delay, times,
                                           dict(headers or {}), truncate, drip, body, close))

    def _take_injection(self, method: str, path: str) -> _Injection | None:
        with self._requests_lock:
            for inj in self._injections:
                if inj.times > 0 and path.startswith(inj.path_prefix) and inj.method in (None, method):
                    inj.times -= 1
                    return inj
        return None

    # --- what happened --------------------------------------------------------------------------------
    def _record(self, request: RecordedRequest) -> None:
        with self._requests_lock:
            self._requests.append(request)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._requests_lock:
            return list(self._requests)

    @property
    def mutations(self) -> list[RecordedRequest]:
        """Requests that changed stored state (dry runs and access reviews are not mutations)."""
        return [r for r in self.requests if r.mutating]

    def clear_requests(self) -> None:
        with self._requests_lock:
            self._requests.clear()

    def request_count(self, path_prefix: str | None = None) -> int:
        return sum(1 for r in self.requests if path_prefix is None or r.path.startswith(path_prefix))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fakes.kube_apiserver",
                                     description="Serve scenario files as a fake Kubernetes API server.")
    parser.add_argument("scenarios", nargs="+", help="scenario YAML files or directories of them")
    parser.add_argument("--kubeconfig-out", required=True, help="where to write a kubeconfig (admin token)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free port)")
    parser.add_argument("--token", default=kube_auth.ADMIN_TOKEN, help="token written to the kubeconfig")
    parser.add_argument("--namespace", default=None, help="default namespace of the kubeconfig context")
    args = parser.parse_args(argv)
    try:
        api = FakeKubeAPI.from_scenario(args.scenarios)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    api.start(args.port)
    api.write_kubeconfig(args.kubeconfig_out, token=args.token, namespace=args.namespace)
    print(f"serving {api.url} (kubeconfig: {args.kubeconfig_out}); Ctrl-C to stop", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with contextlib.suppress(KeyboardInterrupt):
        done.wait()
    api.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
