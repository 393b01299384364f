"""Find the cluster the way kubectl does and turn it into a `ClusterConnection`.

Loading rules (client-go's): `--kubeconfig FILE` alone; else every existing file of `KUBECONFIG`
(`:`-separated) merged — for clusters, contexts and users the first file to define a name wins, and
the first file that sets `current-context` wins; else `~/.kube/config`; and when none of those exists,
the in-cluster service account of the pod we run in.

Credentials (tokens, token files, client certificates, exec plugins, auth providers, basic auth,
`insecure-skip-tls-verify`, `tls-server-name`, `proxy-url`) are resolved by the `kubernetes` package's
own loader, so they behave as the official client supports them. It is imported lazily: loading it
costs ~0.2 s and commands like `--help` must not pay for it.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kubectl_prism.errors import ClusterAccessError
from kubectl_prism.gather.kubeconfig_checks import server_url, shape_problem

# Where Kubernetes mounts a pod's service account. A module constant so tests can point it elsewhere.
SERVICEACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
IN_CLUSTER_CONTEXT = "in-cluster"

_NO_CONFIG_HINT = "pass --kubeconfig FILE, set KUBECONFIG, or analyze saved files with --snapshot PATH"


@dataclass
class ClusterConnection:
    """Everything needed to talk to one API server; never printed (it may point at credentials)."""

    context: str
    namespace: str  # the context's default namespace ("default" when the context sets none)
    server: str  # "https://10.0.0.1:6443", without a trailing slash
    verify: bool = True
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    tls_server_name: str | None = None
    proxy: str | None = None
    # Returns the Authorization header value ("Bearer …", "Basic …") or None; it refreshes expiring
    # exec-plugin and service-account tokens through the kubernetes loader's refresh hook.
    auth_header: Callable[[], str | None] = field(default=lambda: None, repr=False)
    in_cluster: bool = False
    sources: tuple[str, ...] = ()  # the kubeconfig files it came from (for messages)
    # Why the context sends no credentials (a user missing from the kubeconfig, or none named): a 401
    # then says that instead of "refresh your login".
    credentials_problem: str | None = None


# --- which files -----------------------------------------------------------------------------------


def kubeconfig_paths(explicit: str | None) -> tuple[list[Path], str]:
    """The kubeconfig files to merge (existing ones only) and a phrase saying where we looked."""
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            problem = "is a directory, not a file" if path.is_dir() else "does not exist"
            raise ClusterAccessError(f"kubeconfig {explicit} {problem}", hint="check the --kubeconfig path")
        return [path], str(path)
    env = os.environ.get("KUBECONFIG")
    if env:
        listed = [Path(p).expanduser() for p in env.split(os.pathsep) if p]
        # client-go ignores files of KUBECONFIG that do not exist, and reads each file once.
        existing = list(dict.fromkeys(p for p in listed if p.is_file()))
        return existing, f"KUBECONFIG={env}"
    default = Path.home() / ".kube" / "config"
    return ([default] if default.is_file() else []), str(default)


def _read_yaml(path: Path) -> dict[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ClusterAccessError(f"cannot read kubeconfig {path}: {_os_reason(exc)}") from exc
    with _PARSED_LOCK:
        cached = _PARSED.get(path)
    if cached is not None and cached[0] == text:
        return cached[1]
    data = _parse_yaml(path, text)
    with _PARSED_LOCK:
        _PARSED[path] = (text, data)
    return data


# A fleet run resolves every one of its contexts from the same files, and the exporter does so again
# every interval: the last version of each file (its text) is parsed and checked once per process.
# Callers only read what comes back.
_PARSED: dict[Path, tuple[str, dict[str, Any] | None]] = {}
_PARSED_LOCK = threading.Lock()


def _parse_yaml(path: Path, text: str) -> dict[str, Any] | None:
    import yaml

    from kubectl_prism.gather.snapshot_yaml import YamlRefused, check_aliases

    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml when built in
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ClusterAccessError(
            f"kubeconfig {path} is not valid YAML{where}", hint="fix the file or point --kubeconfig elsewhere"
        ) from exc
    except RecursionError:  # the pure-Python composer recurses per level (libyaml stops at 1,000)
        raise ClusterAccessError(f"kubeconfig {path} is nested too deeply to load",
                                 hint="fix the file or point --kubeconfig elsewhere") from None
    if "&" in text:
        # The same alias budget as a snapshot file: the checks below, and the kubernetes package's
        # merge (which formats whole entries as text), would expand an alias bomb to billions of values.
        try:
            check_aliases(data, "it")
        except YamlRefused as exc:
            raise ClusterAccessError(f"kubeconfig {path} is not usable: {exc}",
                                     hint="fix the file or point --kubeconfig elsewhere") from None
    if data is None:
        return None  # an empty file is an empty config, as in kubectl
    if not isinstance(data, dict):
        raise ClusterAccessError(f"kubeconfig {path} is not a kubeconfig: expected a mapping at the top")
    problem = shape_problem(data)
    if problem:
        raise ClusterAccessError(f"kubeconfig {path} is malformed: {problem}",
                                 hint="fix the file or point --kubeconfig elsewhere")
    return data


def _read_all(paths: list[Path]) -> list[tuple[Path, dict[str, Any]]]:
    return [(p, d) for p in paths if (d := _read_yaml(p)) is not None]


def _current_context(docs: list[tuple[Path, dict[str, Any]]]) -> str | None:
    return next((d["current-context"] for _, d in docs if d.get("current-context")), None)


# --- listing ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KubeContext:
    """One context by name and default namespace: no server or user (those can carry account ids)."""

    name: str
    namespace: str | None  # None only for the in-cluster context (its namespace is read on connect)


def list_contexts(kubeconfig: str | None = None) -> tuple[list[KubeContext], str | None]:
    """The contexts `--kubeconfig` / `KUBECONFIG` define, merged by kubectl's rules, and the current one.

    Inside a pod without a kubeconfig: the in-cluster context. Raises ClusterAccessError for an
    unreadable or malformed file, like `resolve_connection`; credentials are not loaded.
    """
    paths, _ = kubeconfig_paths(kubeconfig)
    docs = _read_all(paths)
    contexts = _merged_names(docs, "contexts")
    if not contexts and not kubeconfig and _in_cluster_possible():
        return [KubeContext(IN_CLUSTER_CONTEXT, None)], IN_CLUSTER_CONTEXT
    rows = [KubeContext(name, (entry.get("context") or {}).get("namespace") or "default")
            for name, entry in contexts.items()]
    return rows, _current_context(docs)


def context_servers(kubeconfig: str | None = None) -> dict[str, str]:
    """The API server URL of each context (for a fleet table), without loading any credentials.

    A context whose cluster is missing or has no usable URL is left out; reading it says why.
    """
    paths, _ = kubeconfig_paths(kubeconfig)
    docs = _read_all(paths)
    contexts = _merged_names(docs, "contexts")
    if not contexts and not kubeconfig and _in_cluster_possible():
        host, port = os.environ["KUBERNETES_SERVICE_HOST"], os.environ["KUBERNETES_SERVICE_PORT"]
        return {IN_CLUSTER_CONTEXT: f"https://{_join_host_port(host, port)}"}
    clusters = _merged_names(docs, "clusters")
    servers = {}
    for name, entry in contexts.items():
        cluster_name = (entry.get("context") or {}).get("cluster")
        server = ((clusters.get(cluster_name or "") or {}).get("cluster") or {}).get("server")
        if server:
            try:
                servers[name] = server_url(server, cluster_name or "")
            except ClusterAccessError:
                continue
    return servers


def _join_host_port(host: str, port: str) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"  # IPv6 in brackets, as client-go


# --- resolving -------------------------------------------------------------------------------------


def resolve_connection(kubeconfig: str | None = None, context: str | None = None) -> ClusterConnection:
    """The connection for `--kubeconfig` / `--context`, following kubectl's rules (module docstring)."""
    paths, looked_at = kubeconfig_paths(kubeconfig)
    docs = _read_all(paths)
    if not docs or not any(d.get("contexts") or d.get("clusters") for _, d in docs):
        if not kubeconfig and _in_cluster_possible():
            return _in_cluster_connection()
        if paths:
            raise ClusterAccessError(f"kubeconfig {looked_at} holds no clusters or contexts",
                                     hint=_NO_CONFIG_HINT)
        raise ClusterAccessError(f"no kubeconfig found (looked at {looked_at})", hint=_NO_CONFIG_HINT)

    contexts = _merged_names(docs, "contexts")
    name = context or _current_context(docs)
    available = ", ".join(contexts) or "none"
    if not name:
        raise ClusterAccessError(
            f"no current context is set in kubeconfig ({looked_at})",
            hint=f"pass --context NAME or run `kubectl config use-context NAME`; "
            f"available contexts: {available}",
        )
    if name not in contexts:
        raise ClusterAccessError(
            f'context "{name}" not found in kubeconfig ({looked_at})', hint=f"available contexts: {available}"
        )
    ctx = contexts[name].get("context") or {}
    cluster_name = ctx.get("cluster")
    clusters = _merged_names(docs, "clusters")
    if not cluster_name or cluster_name not in clusters:
        raise ClusterAccessError(
            f'context "{name}" refers to cluster "{cluster_name}", which is not in the kubeconfig',
            hint="fix the context or add the cluster",
        )
    cluster = clusters[cluster_name].get("cluster") or {}
    if not cluster.get("server"):
        raise ClusterAccessError(f'cluster "{cluster_name}" of context "{name}" has no server URL')
    user_name = ctx.get("user")
    users = _merged_names(docs, "users")
    problem = None
    if user_name and user_name not in users:
        # kubectl goes on without credentials; the server will then answer 401 or 403.
        logging.getLogger(__name__).debug("user %s of context %s is not in the kubeconfig", user_name, name)
        problem = f'context "{name}" names user "{user_name}", which is not in the kubeconfig'
    elif not user_name:
        problem = f'context "{name}" names no user, so no credentials are sent'
    elif not (users[user_name].get("user") or {}):
        problem = f'user "{user_name}" of context "{name}" has no credentials in the kubeconfig'
    server = server_url(cluster["server"], cluster_name)

    cfg, expires = _load_with_kubernetes(paths, docs, name, user_name)
    return ClusterConnection(
        context=name,
        namespace=ctx.get("namespace") or "default",
        server=server,
        verify=bool(cfg.verify_ssl),
        ca_file=cfg.ssl_ca_cert,
        cert_file=cfg.cert_file,
        key_file=cfg.key_file,
        tls_server_name=cfg.tls_server_name,
        # Only the kubeconfig's proxy-url: the client's Configuration also copies HTTPS_PROXY, which
        # http.py applies itself with kubectl's rules (NO_PROXY, never for loopback).
        proxy=cluster.get("proxy-url"),
        auth_header=_auth_header_provider(cfg) if expires else _fixed_auth_header(cfg),
        sources=tuple(str(p) for p in paths),
        credentials_problem=problem,
    )


def _merged_names(docs: list[tuple[Path, dict[str, Any]]], key: str) -> dict[str, dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    for _, data in docs:
        for entry in data.get(key) or []:
            merged.setdefault(entry["name"], entry)  # the first file to define a name wins
    return merged


def _load_with_kubernetes(
    paths: list[Path], docs: list[tuple[Path, dict[str, Any]]], context: str, user: str | None
) -> tuple[Any, bool]:
    """The kubernetes package's Configuration for `context`, and whether its credentials expire (an
    exec plugin or auth provider that gave an expiry: the header is asked for again before each request)."""
    from kubernetes.client import Configuration
    from kubernetes.config.config_exception import ConfigException
    from kubernetes.config.kube_config import KubeConfigLoader

    # KubeConfigMerger lets the *last* file set current-context; kubectl lets the first one win. The
    # loader is given the context explicitly, so the merged current-context is never read.
    merged = _merged_for_kubernetes(docs)
    cfg = Configuration()
    errors = _CapturedErrors()
    try:
        with errors:
            loader = KubeConfigLoader(config_dict=merged, active_context=context,
                                      config_base_path=None)
            loader.load_and_set(cfg)
    except ConfigException as exc:
        raise ClusterAccessError(f'cannot load credentials of context "{context}": {_config_reason(exc)}',
                                 hint="fix the kubeconfig entry") from exc
    except OSError as exc:
        raise ClusterAccessError(
            f'cannot load credentials of context "{context}": {_os_reason(exc)}',
            hint="fix the kubeconfig entry",
        ) from exc
    except ValueError as exc:  # bad base64 in *-data fields
        raise ClusterAccessError(
            f'cannot load credentials of context "{context}": invalid embedded data ({exc})',
            hint="fix the kubeconfig entry",
        ) from exc
    except (TypeError, AttributeError, KeyError) as exc:  # a field of a shape the loader did not expect
        raise ClusterAccessError(
            f'cannot load credentials of context "{context}": a field of its user or cluster is malformed '
            f"({exc.__class__.__name__}: {exc})",
            hint="fix the kubeconfig entry",
        ) from exc
    if errors.messages and not cfg.api_key and not cfg.cert_file:
        # The loader only logs a failing exec credential plugin and goes on without credentials.
        raise ClusterAccessError(
            f'the credential plugin of user "{user}" failed: {errors.messages[0].splitlines()[0]}',
            hint="run the plugin by hand or log in again",
        )
    for label, file in (("certificate-authority", cfg.ssl_ca_cert), ("client-certificate", cfg.cert_file),
                        ("client-key", cfg.key_file)):
        _check_readable(file, label, context)
    return cfg, "expiry" in vars(loader)


def _merged_for_kubernetes(docs: list[tuple[Path, dict[str, Any]]]) -> Any:
    """The kubernetes package's merge of the files (it keeps each entry's file, for relative paths),
    made once for the last versions of the files read: a fleet run resolves all its contexts from one."""
    global _LAST_MERGE
    from kubernetes.config.kube_config import KubeConfigMerger

    with _PARSED_LOCK:
        key = tuple((path, _PARSED[path][0] if path in _PARSED else None) for path, _ in docs)
        if _LAST_MERGE is not None and _LAST_MERGE[0] == key:
            return _LAST_MERGE[1]
    merger = KubeConfigMerger("")  # no paths: we feed it the files we already validated, in order
    for path, _ in docs:
        merger.load_config(str(path))
    with _PARSED_LOCK:
        _LAST_MERGE = (key, merger.config)
    return merger.config


_LAST_MERGE: tuple[tuple[tuple[Path, str | None], ...], Any] | None = None


def _fixed_auth_header(cfg: Any) -> Callable[[], str | None]:
    """The header of credentials that never expire (a token, basic auth, a plugin's token without an
    expiry), read once: the loader's refresh hook would only copy the same token again, and costs a
    scan of the environment for proxies each time (a quarter of a millisecond, 37 times per gather)."""
    header = cfg.get_api_key_with_prefix("BearerToken")
    return lambda: header


def _auth_header_provider(cfg: Any) -> Callable[[], str | None]:
    lock = threading.Lock()

    def header() -> str | None:
        # get_api_key_with_prefix runs the loader's refresh hook (exec plugin / token file re-read).
        with lock:
            return cfg.get_api_key_with_prefix("BearerToken")

    return header


def _check_readable(path: str | None, label: str, context: str) -> None:
    if not path:
        return
    try:
        with open(path, "rb") as fh:
            fh.read(1)
    except OSError as exc:
        raise ClusterAccessError(
            f'cannot read {label} file {path} of context "{context}": {_os_reason(exc)}',
            hint="fix the path in the kubeconfig or the file's permissions",
        ) from exc


# --- in-cluster ------------------------------------------------------------------------------------


def _in_cluster_possible() -> bool:
    # client-go's inClusterClientConfig.Possible(): the env vars are set and the token file exists.
    return bool(os.environ.get("KUBERNETES_SERVICE_HOST") and os.environ.get("KUBERNETES_SERVICE_PORT")
                and (SERVICEACCOUNT_DIR / "token").is_file())


def _in_cluster_connection() -> ClusterConnection:
    from kubernetes.client import Configuration
    from kubernetes.config.config_exception import ConfigException
    from kubernetes.config.incluster_config import InClusterConfigLoader

    cfg = Configuration()
    try:
        InClusterConfigLoader(
            token_filename=str(SERVICEACCOUNT_DIR / "token"), cert_filename=str(SERVICEACCOUNT_DIR / "ca.crt")
        ).load_and_set(cfg)
    except (ConfigException, OSError) as exc:
        raise ClusterAccessError(f"cannot use the in-cluster service account: {exc}",
                                 hint=_NO_CONFIG_HINT) from exc
    return ClusterConnection(
        context=IN_CLUSTER_CONTEXT,
        namespace=_in_cluster_namespace(),
        server=cfg.host,
        ca_file=cfg.ssl_ca_cert,
        auth_header=_auth_header_provider(cfg),
        in_cluster=True,
    )


def _in_cluster_namespace() -> str:
    # client-go: POD_NAMESPACE first, then the service account's namespace file, then "default".
    if ns := os.environ.get("POD_NAMESPACE"):
        return ns
    try:
        return (SERVICEACCOUNT_DIR / "namespace").read_text(encoding="utf-8").strip() or "default"
    except OSError:
        return "default"


# --- helpers ---------------------------------------------------------------------------------------


class _CapturedErrors(logging.Handler):
    """Collects what the kubernetes loader logs (it logs exec-plugin failures instead of raising)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def __enter__(self) -> _CapturedErrors:
        root = logging.getLogger()
        # Keep the messages off stderr: the caller turns them into one clear line.
        self._saved = list(root.handlers)
        root.handlers = [self]
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger().handlers = self._saved


def _config_reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    return text.replace("Invalid kube-config file. ", "")


def _os_reason(exc: OSError | UnicodeDecodeError) -> str:
    if isinstance(exc, OSError):
        if exc.strerror and exc.filename:
            return f"{exc.strerror}: {exc.filename}"
        return exc.strerror or str(exc)
    return "not UTF-8 text"
