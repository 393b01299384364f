"""A small raw-JSON client for the Kubernetes API on urllib3.

Why not the `kubernetes` client's API classes: they build (and, since v37, validate) model objects for
every item, which is slow and memory-hungry for big lists and rejects objects the models do not know.
We read the bytes and `json.loads` them. Credentials and TLS settings come from the official loader
(see kubeconfig.py), so authentication behaves exactly as the official client's.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import ssl
import threading
import urllib.parse
import urllib.request
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from kubectl_prism import __version__
from kubectl_prism.apipath import ApiPath
from kubectl_prism.errors import ClusterAccessError
from kubectl_prism.gather.kubeconfig import ClusterConnection

LIST_LIMIT = 500  # kubectl's default --chunk-size


class ApiError(Exception):
    """A non-success HTTP answer that is not an access error of the whole cluster."""

    def __init__(self, status: int, message: str, path: str) -> None:
        super().__init__(f"{status} {message} ({path})")
        self.status = status
        self.message = message
        self.path = path


class Forbidden(ApiError):
    """403: becomes a gap in the snapshot."""


class NotFound(ApiError):
    """404: the object is gone, or the resource type is not served by this cluster."""


class Expired(ApiError):
    """410 Gone: a `continue` token expired while paging."""


class KubeClient:
    """GETs against one API server; thread-safe, with a connection pool sized for parallel lists."""

    def __init__(self, conn: ClusterConnection, *, pool_size: int = 8, connect_timeout: float = 10,
                 read_timeout: float = 60) -> None:
        import urllib3

        # urllib3 logs retries and certificate mismatches as warnings; we report failures as one line.
        logging.getLogger("urllib3").setLevel(logging.ERROR)
        self.conn = conn
        self.requests = 0  # HTTP requests sent (pages count one each); read by tests and the benchmark
        self._count_lock = threading.Lock()
        self._base = conn.server.rstrip("/")
        self._timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
        # One retry for a connection that could not be made or broke mid-read (idempotent GETs only);
        # HTTP statuses are never retried here.
        self._retries = urllib3.Retry(total=2, connect=1, read=1, status=0, other=0, redirect=0,
                                      backoff_factor=0.1, raise_on_status=False)
        pool_args: dict[str, Any] = {"maxsize": pool_size, "block": False, "retries": self._retries}
        if self._base.startswith("https://"):
            pool_args["ssl_context"] = self._ssl_context()
            if conn.tls_server_name:
                pool_args["server_hostname"] = conn.tls_server_name
                pool_args["assert_hostname"] = conn.tls_server_name if conn.verify else False
            if not conn.verify:
                pool_args["assert_hostname"] = False
                # The user chose insecure-skip-tls-verify; kubectl does not nag on every request either.
                warnings.filterwarnings("ignore", category=urllib3.exceptions.InsecureRequestWarning)
        proxy = conn.proxy or _proxy_from_environment(self._base)
        self._http = (urllib3.ProxyManager(proxy, **pool_args) if proxy else urllib3.PoolManager(**pool_args))

    # --- public API --------------------------------------------------------------------------------

    def get_json(self, path: ApiPath, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """One JSON object (`extra`: paging parameters only; everything else is in the ApiPath)."""
        data = self._get(path, extra)
        try:
            doc = json.loads(data)
        except ValueError as exc:
            raise ApiError(200, f"the server answered with invalid JSON: {exc}", path.path) from exc
        if not isinstance(doc, dict):
            raise ApiError(200, "the server answered with JSON that is not an object", path.path)
        return doc

    def get_text(self, path: ApiPath) -> str:
        return self._get(path, None).decode("utf-8", errors="replace")

    def list(
        self,
        path: ApiPath,
        limit: int = LIST_LIMIT,
        transform: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> list[dict[str, Any]]:
        """All items of a collection, page by page (`limit`/`continue`).

        `transform` runs on each item as its page arrives, so trimmed fields are freed page by page
        instead of piling up to the size of the whole list.
        """
        items: list[dict[str, Any]] = []
        params: dict[str, Any] = {"limit": limit}
        while True:
            try:
                page = self.get_json(path, params)
            except Expired:
                if "continue" not in params:
                    raise
                # The token expired between pages (the server compacted); start over in one request,
                # as client-go's pager does.
                params = {}
                items.clear()
                page = self.get_json(path, params)
            page_items: Iterable[dict[str, Any]] = page.get("items") or []
            items.extend(map(transform, page_items) if transform else page_items)
            token = (page.get("metadata") or {}).get("continue")
            if not token or "limit" not in params:
                return items
            params["continue"] = token

    def close(self) -> None:
        self._http.clear()

    def __enter__(self) -> KubeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- internals ---------------------------------------------------------------------------------

    def _ssl_context(self) -> ssl.SSLContext:
        conn = self.conn
        try:
            # A cluster CA replaces the system roots, as in kubectl.
            ctx = ssl.create_default_context(cafile=conn.ca_file or None)
        except (OSError, ssl.SSLError) as exc:
            raise ClusterAccessError(
                f'cannot load the certificate-authority {conn.ca_file} of context "{conn.context}": {exc}',
                hint="fix certificate-authority in the kubeconfig",
            ) from exc
        if not conn.verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        if conn.cert_file:
            try:
                ctx.load_cert_chain(conn.cert_file, conn.key_file)
            except (OSError, ssl.SSLError) as exc:
                raise ClusterAccessError(
                    f'cannot load the client certificate {conn.cert_file} of context "{conn.context}": {exc}',
                    hint="fix client-certificate / client-key in the kubeconfig",
                ) from exc
        return ctx

    def _get(self, path: ApiPath, extra: dict[str, Any] | None) -> bytes:
        import urllib3

        if not isinstance(path, ApiPath):  # a str path would skip the name checks (kubectl_prism/apipath)
            raise TypeError(f"KubeClient sends only an ApiPath, not {type(path).__name__}")
        query = dict(path.query)
        query.update(extra or {})
        url = self._base + path.path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        headers = {"Accept": path.accept, "Accept-Encoding": "gzip",
                   "User-Agent": f"kubectl-prism/{__version__}"}
        auth = self.conn.auth_header()
        if auth:
            headers["Authorization"] = auth
        with self._count_lock:
            self.requests += 1
        try:
            resp = self._http.request("GET", url, headers=headers, timeout=self._timeout,
                                      retries=self._retries)
        except urllib3.exceptions.HTTPError as exc:
            raise self._transport_error(exc) from exc
        if resp.status < 300:
            return resp.data
        message = _status_message(resp.data) or (resp.reason or "")
        if resp.status == 401:
            raise ClusterAccessError(
                "the server rejected your credentials (401 Unauthorized)",
                hint=f'refresh your login / token for context "{self.conn.context}"',
            )
        error_type = {403: Forbidden, 404: NotFound, 410: Expired}.get(resp.status, ApiError)
        raise error_type(resp.status, message, path.path)

    def _transport_error(self, exc: Exception) -> ClusterAccessError:
        import urllib3

        reason = getattr(exc, "reason", None) if isinstance(exc, urllib3.exceptions.MaxRetryError) else exc
        reason = reason or exc
        where = f'the API server at {self._base} (context "{self.conn.context}")'
        if isinstance(reason, (urllib3.exceptions.SSLError, ssl.SSLError)):
            detail = str(reason)
            if "doesn't match" in detail:  # urllib3's own host name check (tls-server-name)
                return ClusterAccessError(
                    f"TLS verification of {where} failed: {_first_line(detail)}",
                    hint="fix tls-server-name or the server URL in the kubeconfig")
            if "CERTIFICATE_VERIFY_FAILED" in detail or "certificate verify failed" in detail:
                short = detail.split("certificate verify failed:")[-1].split("(_ssl")[0].strip(" ')\"")
                return ClusterAccessError(
                    f"TLS verification of {where} failed: {short or 'certificate verify failed'}",
                    hint="set the cluster's certificate-authority in the kubeconfig to the CA that signed "
                    "the server certificate (insecure-skip-tls-verify: true only for a throwaway cluster)",
                )
            return ClusterAccessError(f"TLS handshake with {where} failed: {_first_line(detail)}",
                                      hint="check the server URL and the client certificate")
        if isinstance(reason, urllib3.exceptions.NameResolutionError):
            return ClusterAccessError(f"cannot reach {where}: host name not found",
                                      hint="check the server URL in the kubeconfig and your DNS/VPN")
        if isinstance(reason, urllib3.exceptions.ProxyError):
            return ClusterAccessError(f"cannot reach {where} through the proxy: {_first_line(str(reason))}",
                                      hint="check proxy-url / HTTPS_PROXY")
        # NewConnectionError subclasses ConnectTimeoutError in urllib3 2: test it first.
        if isinstance(reason, urllib3.exceptions.NewConnectionError) and "refused" in str(reason).lower():
            return ClusterAccessError(
                f"cannot reach {where}: connection refused",
                hint="check that the cluster is running and the kubeconfig's server URL is right",
            )
        if isinstance(reason, (urllib3.exceptions.ConnectTimeoutError, urllib3.exceptions.ReadTimeoutError,
                               TimeoutError)) and "timed out" in str(reason).lower():
            return ClusterAccessError(f"cannot reach {where}: timed out",
                                      hint="check that the cluster is up and reachable (VPN, firewall)")
        if isinstance(reason, urllib3.exceptions.NewConnectionError):
            return ClusterAccessError(
                f"cannot reach {where}: {_connect_reason(reason)}",
                hint="check that the cluster is running and the kubeconfig's server URL is right",
            )
        return ClusterAccessError(f"lost the connection to {where}: {_first_line(str(reason))}",
                                  hint="check that the cluster is reachable and retry")


def _status_message(data: bytes) -> str:
    """The `message` of a Kubernetes Status body, if the answer is one."""
    try:
        body = json.loads(data[:65536])
    except ValueError:
        return data[:200].decode("utf-8", errors="replace").strip()
    return str(body.get("message") or "") if isinstance(body, dict) else ""


def _connect_reason(exc: Exception) -> str:
    # "<urllib3.connection.HTTPSConnection object at 0x…>: Failed to establish a new connection: [Errno …] …"
    text = _first_line(str(exc))
    return text.split("new connection: ", 1)[-1]


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "unknown error"


def _proxy_from_environment(base: str) -> str | None:
    """HTTPS_PROXY / HTTP_PROXY / NO_PROXY, as Go's ProxyFromEnvironment reads them for kubectl."""
    parts = urllib.parse.urlsplit(base)
    host = parts.hostname or ""
    if host == "localhost" or _is_loopback(host):
        return None  # Go never proxies loopback addresses
    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(parts.scheme)
    if not proxy or urllib.request.proxy_bypass_environment(host, proxies):
        return None
    return proxy


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
