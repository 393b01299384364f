"""The `[mcp]` section of the config: on/off, allow-lists, and the HTTP token's source.

    [mcp]
    enabled = true
    allow_contexts = ["kind-dev"]      # empty or absent: every context of the kubeconfig
    allow_namespaces = ["shop"]        # empty or absent: every namespace
    allow_clients = ["claude-code"]    # empty or absent: any MCP client
    token = "..."                      # optional bearer token for --transport http

The namespace list limits namespaced reads and filters the Namespace objects listed; cluster-scoped
kinds (nodes, persistent volumes, storage classes) stay readable. The policy is read again on every
tool call, so `mcp disable` or a narrower allow-list takes effect on running servers at once.

Client names are what the client says in its MCP `initialize` (or request envelope)
`clientInfo.name`: self-reported, so that list guards against the wrong tool being pointed at the
cluster by mistake, not against a hostile local process (the kubeconfig's own RBAC is the real
boundary; every call is in the audit log either way).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

SECTION = "mcp"
TOKEN_ENV = "PRISM_MCP_TOKEN"
ENABLE_COMMAND = "kubectl prism mcp enable"


class Refused(Exception):
    """A call outside the policy: reported to the MCP client as a tool error, never a crash."""


@dataclass(frozen=True)
class Policy:
    enabled: bool = False
    contexts: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()
    clients: tuple[str, ...] = ()
    config_token: str | None = field(default=None, repr=False)

    # --- checks -----------------------------------------------------------------------------------
    def check_enabled(self) -> None:
        if not self.enabled:
            raise Refused(f"the kubectl-prism MCP server is disabled; the user can run `{ENABLE_COMMAND}`")

    def check_client(self, name: str | None) -> None:
        if not self.clients:
            return
        if not name:
            raise Refused("this MCP client did not send its name (clientInfo.name) and the server only "
                          f"answers these clients: {_list(self.clients)}")
        if name not in self.clients:
            raise Refused(f'MCP client "{name}" is not in the allow-list ({_list(self.clients)}); the user '
                          f"can add it with `{ENABLE_COMMAND} --allow-client {name}`")

    def check_context(self, context: str) -> None:
        if self.contexts and context not in self.contexts:
            raise Refused(f'kube context "{context}" is not in the MCP allow-list ({_list(self.contexts)}); '
                          "pass one of those as `context`")

    def allows_context(self, context: str) -> bool:
        return not self.contexts or context in self.contexts

    def check_namespace(self, namespace: str | None) -> None:
        """`None` means all namespaces, which an allow-list rules out."""
        if not self.namespaces:
            return
        if namespace is None:
            raise Refused("reading all namespaces is not allowed: the MCP namespace allow-list is "
                          f"{_list(self.namespaces)}; pass one of those as `namespace`")
        if namespace not in self.namespaces:
            raise Refused(f'namespace "{namespace}" is not in the MCP allow-list ({_list(self.namespaces)}); '
                          "pass one of those as `namespace`")

    def allows_namespace(self, namespace: str | None) -> bool:
        return not self.namespaces or namespace in self.namespaces

    # --- describing ---------------------------------------------------------------------------------
    def token_source(self) -> str:
        """Where `--transport http` takes its bearer token from; never the token itself."""
        if os.environ.get(TOKEN_ENV):
            return f"environment ({TOKEN_ENV})"
        if self.config_token:
            return "config file (mcp.token)"
        return "generated at each start (printed on stderr)"

    def to_dict(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "allowContexts": list(self.contexts),
            "allowNamespaces": list(self.namespaces),
            "allowClients": list(self.clients),
            "httpToken": self.token_source(),
        }


def _list(names: Iterable[str]) -> str:
    return ", ".join(names)


def _names(key: str, value: Any) -> tuple[str, ...]:
    """An allow-list. A value of the wrong type fails closed with a usage error: read as "no list", it
    would silently allow everything."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        from kubectl_prism import settings
        from kubectl_prism.errors import UsageError

        raise UsageError(f"[{SECTION}] {key} in {settings.config_path()} is not a list of names",
                         hint=f'write it as {key} = ["name", ...], or delete it to allow all')
    return tuple(dict.fromkeys(v.strip() for v in value if v.strip()))


def load_policy() -> Policy:
    from kubectl_prism import settings

    table = settings.section(SECTION)
    token = table.get("token")
    return Policy(
        enabled=table.get("enabled") is True,
        contexts=_names("allow_contexts", table.get("allow_contexts")),
        namespaces=_names("allow_namespaces", table.get("allow_namespaces")),
        clients=_names("allow_clients", table.get("allow_clients")),
        config_token=token if isinstance(token, str) and token else None,
    )


def http_token() -> tuple[str, bool]:
    """The bearer token for HTTP and whether it was generated now (then it is printed once)."""
    import secrets

    token = os.environ.get(TOKEN_ENV) or load_policy().config_token
    if token:
        return token, False
    return secrets.token_urlsafe(32), True
