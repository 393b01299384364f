"""What the pod finding builders share: the run's context, container lookups, quantities."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kubectl_prism.analyzers.pod_evidence import EventIndex
from kubectl_prism.quantity import parse_quantity
from kubectl_prism.snapshot import KubeObject, Snapshot, name_of, namespace_of


@dataclass
class PodContext:
    """Read-only inputs every builder needs, computed once per analyzer run."""

    snapshot: Snapshot
    events: EventIndex
    now: datetime | None
    _node_requests: dict[str, dict[str, float]] = field(default_factory=dict, repr=False)
    _revisions: dict[tuple[str | None, str], int] | None = field(default=None, repr=False)
    _services: dict[str | None, list[str]] = field(default_factory=dict, repr=False)

    def service_names(self, namespace: str | None) -> list[str]:
        """Names of the namespace's Services, longest first (so `api-db` is tried before `api`)."""
        if namespace not in self._services:
            names = (name_of(s) for s in self.snapshot.of_kind("Service", namespace))
            self._services[namespace] = sorted(names, key=len, reverse=True)
        return self._services[namespace]

    def revisions(self, namespace: str | None, deployment: str) -> int:
        """How many ReplicaSets (revisions) the Deployment owns (indexed once per analyzer run)."""
        if self._revisions is None:
            self._revisions = {}
            for rs in self.snapshot.of_kind("ReplicaSet"):
                # Counted once per Deployment it names, however many ownerReferences name it.
                owners = {
                    r.get("name")
                    for r in (rs.get("metadata") or {}).get("ownerReferences") or []
                    if r.get("kind") == "Deployment"
                }
                for name in owners:
                    key = (namespace_of(rs), name)
                    self._revisions[key] = self._revisions.get(key, 0) + 1
        return self._revisions.get((namespace, deployment), 0)

    def node_requests(self, resource: str) -> dict[str, float]:
        """Sum of `resource` requests of the live pods bound to each node (computed once per resource)."""
        if resource not in self._node_requests:
            totals: dict[str, float] = {}
            for pod in self.snapshot.of_kind("Pod"):
                node = (pod.get("spec") or {}).get("nodeName")
                if node and (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed"):
                    totals[node] = totals.get(node, 0.0) + pod_requests(pod, resource)
            self._node_requests[resource] = totals
        return self._node_requests[resource]


def container_spec(pod: KubeObject, name: str | None, init: bool = False) -> dict[str, Any]:
    spec = pod.get("spec") or {}
    lists = (spec.get("initContainers") or [], spec.get("containers") or [])
    for containers in lists if init else lists[::-1]:
        for c in containers:
            if c.get("name") == name:
                return c
    return {}


def container_status(pod: KubeObject, name: str | None) -> dict[str, Any]:
    status = pod.get("status") or {}
    for cs in (status.get("containerStatuses") or []) + (status.get("initContainerStatuses") or []):
        if cs.get("name") == name:
            return cs
    return {}


# --- quantities --------------------------------------------------------------------------------------

def format_memory(num_bytes: float) -> str:
    """Bytes as the shortest exact-ish binary quantity: 268435456 -> "256Mi", rounded up to a Mi."""
    mib = math.ceil(num_bytes / 2**20)
    if mib >= 1024 and mib % 1024 == 0:
        return f"{mib // 1024}Gi"
    return f"{mib}Mi"


def format_cpu(cores: float) -> str:
    milli = math.ceil(cores * 1000)
    return f"{milli // 1000}" if milli % 1000 == 0 else f"{milli}m"


def pod_requests(pod: KubeObject, resource: str) -> float:
    """Effective request of a pod: max(sum of app containers, largest init container) (+ overhead)."""
    spec = pod.get("spec") or {}

    def req(c: dict[str, Any]) -> float:
        res = c.get("resources") or {}
        value = (res.get("requests") or {}).get(resource, (res.get("limits") or {}).get(resource))
        return parse_quantity(value) or 0.0

    app = sum(req(c) for c in spec.get("containers") or [])
    sidecars = sum(req(c) for c in spec.get("initContainers") or [] if c.get("restartPolicy") == "Always")
    init = max(
        (req(c) for c in spec.get("initContainers") or [] if c.get("restartPolicy") != "Always"), default=0.0
    )
    overhead = parse_quantity((spec.get("overhead") or {}).get(resource)) or 0.0
    return max(app + sidecars, init) + overhead


def human_bytes(num_bytes: float) -> str:
    """For people: 16660664320 -> "15.5Gi", 134217728 -> "128Mi"."""
    if num_bytes >= 2**30:
        return f"{num_bytes / 2**30:.1f}".rstrip("0").rstrip(".") + "Gi"
    return format_memory(num_bytes)


def format_quantity(resource: str, value: float, human: bool = False) -> str:
    if resource == "cpu":
        return format_cpu(value)
    if "memory" in resource or "storage" in resource:
        return human_bytes(value) if human else format_memory(value)
    return f"{value:g}"
