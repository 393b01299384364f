"""Fleets for tests: one kubeconfig with a context per fake API server (and unreachable ones)."""

from __future__ import annotations

import base64
import socket
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.fakes.kube_apiserver import FakeKubeAPI


@dataclass
class Member:
    """One context of the fleet: a fake server (or a URL nobody answers on), a token, a namespace."""

    context: str
    api: FakeKubeAPI | None = None
    url: str | None = None  # for a server that does not exist
    token: str = "admin-token"
    namespace: str | None = None

    @property
    def server(self) -> str:
        return self.api.url if self.api is not None else str(self.url)


def closed_port_url() -> str:
    """An https URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"https://127.0.0.1:{port}"


def write_fleet_kubeconfig(path: Path, members: list[Member], current: str | None = None) -> Path:
    """A kubeconfig with one cluster, user and context per member, in the given order."""
    clusters, users, contexts = [], [], []
    for m in members:
        cluster: dict[str, object] = {"server": m.server}
        if m.api is not None:
            cluster["certificate-authority-data"] = base64.b64encode(m.api.ca_pem).decode()
        else:
            cluster["insecure-skip-tls-verify"] = True
        clusters.append({"name": f"{m.context}-cluster", "cluster": cluster})
        users.append({"name": f"{m.context}-user", "user": {"token": m.token}})
        ctx: dict[str, str] = {"cluster": f"{m.context}-cluster", "user": f"{m.context}-user"}
        if m.namespace:
            ctx["namespace"] = m.namespace
        contexts.append({"name": m.context, "context": ctx})
    config = {"apiVersion": "v1", "kind": "Config", "preferences": {}, "clusters": clusters, "users": users,
              "contexts": contexts, "current-context": current or members[0].context}
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    path.chmod(0o600)
    return path
