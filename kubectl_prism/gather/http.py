"""A small raw-JSON client for the Kubernetes API on urllib3.

Why not the `kubernetes` client's API classes: they build (and, since v37, validate) model objects for
every item, which is slow and memory-hungry for big lists and rejects objects the models do not know.
We read the bytes and `json.loads` them. Credentials and TLS settings come from the official loader
(see kubeconfig.py), so authentication behaves exactly as the official client's.

Bounded on a misbehaving server (each bound ends one request, which the gatherer turns into a gap):
- time: every request has a deadline (`request_timeout`, kubectl's `--request-timeout`) covering the
  wait for the answer and the whole body, and never past the run's own deadline (`run_deadline`);
- size: one answer is read up to `ANSWER_BYTES`. A list page over that is asked again in smaller
  pages (500, 50, then 5 objects); a server that still sends more ignores `limit`, and the list is a
  gap rather than a partial list analyzers would take for the whole;
- load: 429, and 503 with Retry-After, are retried a few times after the wait the server asks for
  (capped), never past the deadline.
"""

from __future__ import annotations

import ipaddress
import logging
import ssl
import threading
import time
import urllib.parse
import urllib.request
import warnings
from collections.abc import Callable
from typing import Any

from kubectl_prism import __version__
from kubectl_prism.apipath import ApiPath
from kubectl_prism.errors import ClusterAccessError
from kubectl_prism.gather.answers import (
    ApiError,
    Expired,
    Forbidden,
    NotFound,
    RequestFailed,
    TooLarge,
    describe_transport,
    dropped_before_answer,
    first_line,
    list_continue,
    parse_object,
    parse_object_quickly,
    read_body,
    retry_after,
    seconds_text,
    status_message,
)
from kubectl_prism.gather.kubeconfig import ClusterConnection
from kubectl_prism.gather.lean_lists import lean_items

LIST_LIMIT = 500  # kubectl's default --chunk-size
SMALLER_PAGES = (50, 5)  # asked for when a page is over ANSWER_BYTES
# The most one answer may hold. A page of 500 real objects is a few MiB; the 1.5 MiB etcd object limit
# makes even 5 objects at most ~8 MiB. Parsed, an answer takes about five times its size in memory.
ANSWER_BYTES = 16 * 1024 * 1024
DEFAULT_REQUEST_TIMEOUT = 30.0  # seconds; kubectl's default is none, a plugin in CI needs a bound
RUN_TIMEOUT_FACTOR = 10  # a whole gather is bounded at this many request timeouts

# Which of a page's items (decoded and transformed) to keep, given the page's bytes.
PageAdmit = Callable[[bytes, list[dict[str, Any]]], list[dict[str, Any]]]


class KubeClient:
    """GETs against one API server; thread-safe, with a connection pool sized for parallel lists.

    `request_timeout`: seconds one request may take, answer and body (None: no limit, kubectl's `0`).
    `run_deadline`: a `time.monotonic()` after which no request is sent and running ones are cut.
    `before_decode(size)`: called before an answer of `size` bytes is decoded, and may wait (a fleet
    run lets only a few contexts hold decoded objects at once); the seconds it returns, time spent
    waiting for others, move `run_deadline` by as much.
    """

    def __init__(self, conn: ClusterConnection, *, pool_size: int = 8, connect_timeout: float = 10,
                 request_timeout: float | None = DEFAULT_REQUEST_TIMEOUT,
                 run_deadline: float | None = None, answer_bytes: int = ANSWER_BYTES,
                 before_decode: Callable[[int], float] | None = None) -> None:
        import urllib3

        # urllib3 logs retries and certificate mismatches as warnings; we report failures as one line.
        logging.getLogger("urllib3").setLevel(logging.ERROR)
        self.conn = conn
        self.request_timeout = request_timeout
        self.run_deadline = run_deadline
        self.before_decode = before_decode
        self.answer_bytes = answer_bytes
        self.connect_timeout = connect_timeout
        self.requests = 0  # HTTP requests sent (pages count one each); read by tests and the benchmark
        self._count_lock = threading.Lock()
        self._base = conn.server.rstrip("/")
        pool_args: dict[str, Any] = {"maxsize": pool_size, "block": False, "retries": False}
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
        self.wait_to_decode(len(data))
        return parse_object(data, path)

    def get_text(self, path: ApiPath, max_bytes: int | None = None) -> str:
        return self._get(path, None, max_bytes).decode("utf-8", errors="replace")

    def list(
        self,
        path: ApiPath,
        limit: int = LIST_LIMIT,
        transform: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        admit: PageAdmit | None = None,
    ) -> list[dict[str, Any]]:
        """All items of a collection, page by page (`limit`/`continue`); `transform` runs on each item,
        then `admit` on each page's items with the page's bytes, and keeps what it returns.

        Without `before_decode` each page is decoded as it arrives, so its bytes and trimmed fields are
        freed before the next comes. With it, the pages are read first as bytes (`pages`), and the turn
        is asked once for all of them: a fleet run's turn is never held across the round trips for the
        next page.
        """
        if self.before_decode is not None:
            pages = self.pages(path, limit)
            self.wait_to_decode(sum(map(len, pages)))
            return self.decode_pages(path, pages, transform, admit)
        items: list[dict[str, Any]] = []

        def take(data: bytes) -> str | None:
            page = parse_object(data, path)
            got = _page_items(page, path, transform)
            items.extend(admit(data, got) if admit else got)
            return _continue_of(page.get("metadata"))

        self._read_pages(path, limit, take, items.clear)
        return items

    def pages(self, path: ApiPath, limit: int = LIST_LIMIT) -> list[bytes]:
        """The answers of a list, as bytes; of each only `metadata.continue` is decoded, to ask for the
        next (see `list`, and `decode_pages` for their items)."""
        pages: list[bytes] = []

        def take(data: bytes) -> str | None:
            pages.append(data)
            return list_continue(data, path)

        self._read_pages(path, limit, take, pages.clear)
        return pages

    def decode_pages(self, path: ApiPath, pages: list[bytes],
                     transform: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
                     admit: PageAdmit | None = None) -> list[dict[str, Any]]:
        """The items of a list's pages (from `pages`, with `transform` and `admit` as in `list`), each
        page's bytes dropped once it is decoded (at msgspec's speed: only a fleet run reads pages ahead,
        and it decodes one cluster at a time)."""
        items: list[dict[str, Any]] = []
        for index in range(len(pages)):
            data, pages[index] = pages[index], b""
            got = lean_items(data)  # without managedFields' field sets, when the page allows it
            if got is None:
                got = _page_items(parse_object_quickly(data, path), path, transform)
            elif transform:
                got = list(map(transform, got))
            items.extend(admit(data, got) if admit else got)
            del data
        return items

    def _read_pages(self, path: ApiPath, limit: int, take: Callable[[bytes], str | None],
                    restart: Callable[[], None]) -> None:
        """Every page of a list, each handed to `take`, which returns the page's continue token. A page
        over the byte cap is asked again in smaller pages; if even those are too large the server
        ignores `limit`, and TooLarge is raised."""
        params: dict[str, Any] = {"limit": limit}
        smaller = list(SMALLER_PAGES)
        while True:
            try:
                data = self._get(path, params)
            except TooLarge:
                if not smaller:
                    mib = self.answer_bytes // 2**20
                    raise TooLarge(f"truncated: more than {mib} MiB in one answer even for {params['limit']} "
                                   "objects (the server ignores `limit`)", path.path) from None
                params["limit"] = smaller.pop(0)
                continue
            except Expired:
                if "continue" not in params:
                    raise
                # The token expired between pages (the server compacted); start over in one request,
                # as client-go's pager does.
                params = {}
                restart()
                data = self._get(path, params)
            token = take(data)
            del data
            if not token or "limit" not in params:
                return
            params["continue"] = token

    def wait_to_decode(self, size: int) -> None:
        """Before `size` bytes are decoded: `before_decode` may wait, and moves the run deadline by
        as much."""
        if self.before_decode is not None:
            self.extend_deadline(self.before_decode(size))

    def extend_deadline(self, seconds: float) -> None:
        """Time spent waiting for other contexts of a fleet run is not this gather's own."""
        if seconds and self.run_deadline is not None:
            self.run_deadline += seconds

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

    def _deadline(self) -> tuple[float | None, str]:
        """When this request must be done, and what to call it when it is not."""
        now = time.monotonic()
        deadline, why = None, ""
        if self.request_timeout:
            deadline = now + self.request_timeout
            why = f"timed out after {seconds_text(self.request_timeout)}"
        if self.run_deadline is not None and (deadline is None or self.run_deadline < deadline):
            deadline = self.run_deadline
            why = "not read: the run's time limit was reached (10 request timeouts)"
        return deadline, why

    def _get(self, path: ApiPath, extra: dict[str, Any] | None, max_bytes: int | None = None) -> bytes:
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
        deadline, late = self._deadline()
        retries = 0
        fresh_connection_tried = False
        while True:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise RequestFailed(late, path.path)
            timeout = urllib3.Timeout(connect=min(self.connect_timeout, remaining or self.connect_timeout),
                                      read=remaining)
            with self._count_lock:
                self.requests += 1
            try:
                resp = self._http.request("GET", url, headers=headers, timeout=timeout, retries=False,
                                          preload_content=False, redirect=False)
            except urllib3.exceptions.HTTPError as exc:
                if dropped_before_answer(exc) and not fresh_connection_tried:
                    # A pooled keep-alive connection the server had closed: one more try on a new one.
                    fresh_connection_tried = True
                    continue
                raise self._transport_error(exc, path, late) from exc
            try:
                data = read_body(resp, deadline, late, max_bytes or self.answer_bytes, path)
            finally:
                resp.release_conn()
            if resp.status < 300:
                return data
            wait = retry_after(resp, retries)
            if wait is not None and (deadline is None or time.monotonic() + wait < deadline):
                retries += 1
                time.sleep(wait)
                continue
            self._raise_status(resp.status, resp.reason, data, path)

    def _raise_status(self, status: int, reason: str | None, data: bytes, path: ApiPath) -> None:
        message = status_message(data) or (reason or "")
        if status == 401:
            problem = self.conn.credentials_problem
            if problem:
                raise ClusterAccessError(
                    f"the server requires credentials (401 Unauthorized) and {problem}",
                    hint="fix the context's user in the kubeconfig")
            raise ClusterAccessError(
                "the server rejected your credentials (401 Unauthorized)",
                hint=f'refresh your login / token for context "{self.conn.context}"',
            )
        error_type = {403: Forbidden, 404: NotFound, 410: Expired}.get(status, ApiError)
        raise error_type(status, message, path.path)

    def _transport_error(self, exc: Exception, path: ApiPath, late: str) -> Exception:
        """A connection that could not be made ends the command; one that failed after the request was
        sent fails only that request (a gap)."""
        import urllib3

        reason = getattr(exc, "reason", None) if isinstance(exc, urllib3.exceptions.MaxRetryError) else exc
        reason = reason or exc
        where = f'the API server at {self._base} (context "{self.conn.context}")'
        if isinstance(reason, urllib3.exceptions.ReadTimeoutError):
            return RequestFailed(late, path.path)
        if isinstance(reason, urllib3.exceptions.ProtocolError):
            return RequestFailed(f"connection lost: {describe_transport(reason)}", path.path)
        if isinstance(reason, (urllib3.exceptions.SSLError, ssl.SSLError)):
            detail = str(reason)
            if "doesn't match" in detail:  # urllib3's own host name check (tls-server-name)
                return ClusterAccessError(
                    f"TLS verification of {where} failed: {first_line(detail)}",
                    hint="fix tls-server-name or the server URL in the kubeconfig")
            if "CERTIFICATE_VERIFY_FAILED" in detail or "certificate verify failed" in detail:
                short = detail.split("certificate verify failed:")[-1].split("(_ssl")[0].strip(" ')\"")
                return ClusterAccessError(
                    f"TLS verification of {where} failed: {short or 'certificate verify failed'}",
                    hint="set the cluster's certificate-authority in the kubeconfig to the CA that signed "
                    "the server certificate (insecure-skip-tls-verify: true only for a throwaway cluster)",
                )
            return ClusterAccessError(f"TLS handshake with {where} failed: {describe_transport(reason)}",
                                      hint="check the server URL and the client certificate")
        if isinstance(reason, urllib3.exceptions.NameResolutionError):
            return ClusterAccessError(f"cannot reach {where}: host name not found",
                                      hint="check the server URL in the kubeconfig and your DNS/VPN")
        if isinstance(reason, urllib3.exceptions.ProxyError):
            return ClusterAccessError(f"cannot reach {where} through the proxy: {describe_transport(reason)}",
                                      hint="check proxy-url / HTTPS_PROXY")
        # NewConnectionError subclasses ConnectTimeoutError in urllib3 2: test it first.
        if isinstance(reason, urllib3.exceptions.NewConnectionError) and "refused" in str(reason).lower():
            return ClusterAccessError(
                f"cannot reach {where}: connection refused",
                hint="check that the cluster is running and the kubeconfig's server URL is right",
            )
        if isinstance(reason, (urllib3.exceptions.ConnectTimeoutError, TimeoutError)):
            return ClusterAccessError(f"cannot reach {where}: timed out",
                                      hint="check that the cluster is up and reachable (VPN, firewall)")
        if isinstance(reason, urllib3.exceptions.NewConnectionError):
            return ClusterAccessError(
                f"cannot reach {where}: {_connect_reason(reason)}",
                hint="check that the cluster is running and the kubeconfig's server URL is right",
            )
        return ClusterAccessError(f"lost the connection to {where}: {describe_transport(reason)}",
                                  hint="check that the cluster is reachable and retry")


def _connect_reason(exc: Exception) -> str:
    # "<urllib3.connection.HTTPSConnection object at 0x…>: Failed to establish a new connection: [Errno …] …"
    text = first_line(str(exc))
    return text.split("new connection: ", 1)[-1]


def _page_items(page: dict[str, Any], path: ApiPath,
                transform: Callable[[dict[str, Any]], dict[str, Any]] | None) -> list[Any]:
    items = page.get("items") or []
    if not isinstance(items, list):
        raise ApiError(200, "the server's list has no list of items", path.path)
    return list(map(transform, items)) if transform else items


def _continue_of(metadata: Any) -> str | None:
    token = metadata.get("continue") if isinstance(metadata, dict) else None
    return token if isinstance(token, str) and token else None


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
