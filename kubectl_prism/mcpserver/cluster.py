"""What the MCP tools read the cluster with: kubeconfig contexts, kinds, and one raw client per context.

Connections come from the gather package (`resolve_connection`, `KubeClient`), so kubeconfig loading,
credentials, TLS and proxies behave exactly as for every other command. A client is made on first
use of a context and kept for the life of the server (the loader refreshes expiring tokens).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from kubectl_prism.gather.http import KubeClient
from kubectl_prism.gather.kubeconfig import ClusterConnection
from kubectl_prism.kinds import KINDS, KindInfo


class ToolInputError(Exception):
    """The assistant's arguments are wrong (unknown kind, malformed target): a tool error it can fix."""


@dataclass(frozen=True)
class ServeScope:
    """The global flags `mcp serve` was started with: the defaults every tool call starts from."""

    kubeconfig: str | None = None
    context: str | None = None
    namespace: str | None = None
    all_namespaces: bool = False
    request_timeout: float | None = 30.0  # `--request-timeout` of `mcp serve`, for every API request


# --- kinds -----------------------------------------------------------------------------------------

# Everything in the kinds table except the metrics API (its "pods"/"nodes" would shadow the core kinds).
READABLE_KINDS: tuple[KindInfo, ...] = tuple(k for k in KINDS if k.group != "metrics.k8s.io")


def _aliases() -> dict[str, KindInfo]:
    table: dict[str, KindInfo] = {}
    for info in READABLE_KINDS:
        names = {info.kind.lower(), info.plural, info.plural.removesuffix("s"), *info.short_names}
        if info.group:
            names |= {f"{n}.{info.group}" for n in (info.kind.lower(), info.plural)}
        for alias in names:
            table.setdefault(alias, info)
    return table


_ALIASES = _aliases()


def accepted_kinds() -> str:
    return ", ".join(info.plural + (f" ({', '.join(info.short_names)})" if info.short_names else "")
                     for info in READABLE_KINDS)


def resolve_kind(text: str | None) -> KindInfo:
    """kubectl's names: `pods`, `pod`, `po`, `Deployment`, `deployments.apps`, ..."""
    if not text or not text.strip():
        raise ToolInputError(f"kind is required; accepted kinds: {accepted_kinds()}")
    info = _ALIASES.get(text.strip().lower())
    if info is None:
        raise ToolInputError(f'unknown kind "{text}"; accepted kinds: {accepted_kinds()}')
    return info


# --- contexts --------------------------------------------------------------------------------------


def kubeconfig_contexts(kubeconfig: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """The kubeconfig's contexts as tool rows (name, default namespace) and the current one."""
    from kubectl_prism.gather.kubeconfig import list_contexts

    contexts, current = list_contexts(kubeconfig)
    return [{"name": c.name, "namespace": c.namespace} for c in contexts], current


class Cluster:
    """Connections and clients per context, shared by the tool calls (which run on worker threads)."""

    def __init__(self, scope: ServeScope) -> None:
        self.scope = scope
        self._lock = threading.Lock()
        self._connections: dict[str | None, ClusterConnection] = {}
        self._clients: dict[str, KubeClient] = {}

    def connection(self, context: str | None) -> ClusterConnection:
        from kubectl_prism.gather.kubeconfig import resolve_connection

        key = context or self.scope.context
        with self._lock:
            if key in self._connections:
                return self._connections[key]
        conn = resolve_connection(self.scope.kubeconfig, key)  # may run a credential plugin: not locked
        with self._lock:
            self._connections.setdefault(key, conn)
            self._connections.setdefault(conn.context, conn)
            return self._connections[key]

    def default_context(self) -> str:
        """`--context` of `mcp serve`, else the kubeconfig's current context."""
        return self.scope.context or self.connection(None).context

    def client(self, context: str) -> KubeClient:
        conn = self.connection(context)
        with self._lock:
            if context not in self._clients:
                self._clients[context] = KubeClient(conn, pool_size=4,
                                                    request_timeout=self.scope.request_timeout)
            return self._clients[context]

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()
