"""Requests, limits and live usage of pods and nodes, read from a Snapshot."""

from __future__ import annotations

from dataclasses import dataclass

from kubectl_prism.quantity import parse_quantity
from kubectl_prism.snapshot import KubeObject, Snapshot, name_of, namespace_of


@dataclass(frozen=True)
class Resources:
    cpu: float = 0.0  # cores
    memory: float = 0.0  # bytes

    def __add__(self, other: Resources) -> Resources:
        return Resources(self.cpu + other.cpu, self.memory + other.memory)


def _container_resources(container: dict, which: str) -> Resources:
    values = (container.get("resources") or {}).get(which) or {}
    return Resources(parse_quantity(values.get("cpu")) or 0.0, parse_quantity(values.get("memory")) or 0.0)


def pod_resources(pod: KubeObject, which: str = "requests") -> Resources:
    """Effective pod requests/limits as the scheduler counts them: max(sum of containers, largest init)."""
    spec = pod.get("spec") or {}
    total = Resources()
    for container in spec.get("containers") or []:
        total = total + _container_resources(container, which)
    for init in spec.get("initContainers") or []:
        r = _container_resources(init, which)
        total = Resources(max(total.cpu, r.cpu), max(total.memory, r.memory))
    return total


def is_active(pod: KubeObject) -> bool:
    """Pods that hold node resources: not Succeeded/Failed."""
    return (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed")


def node_allocatable(node: KubeObject) -> Resources:
    alloc = (node.get("status") or {}).get("allocatable") or {}
    return Resources(parse_quantity(alloc.get("cpu")) or 0.0, parse_quantity(alloc.get("memory")) or 0.0)


def requested_on_nodes(snapshot: Snapshot) -> dict[str, Resources]:
    totals: dict[str, Resources] = {}
    for pod in snapshot.of_kind("Pod"):
        node = (pod.get("spec") or {}).get("nodeName")
        if node and is_active(pod):
            totals[node] = totals.get(node, Resources()) + pod_resources(pod)
    return totals


def _usage(containers_or_usage: dict | list) -> Resources:
    if isinstance(containers_or_usage, dict):
        usage = containers_or_usage
        return Resources(parse_quantity(usage.get("cpu")) or 0.0, parse_quantity(usage.get("memory")) or 0.0)
    total = Resources()
    for container in containers_or_usage:
        total = total + _usage(container.get("usage") or {})
    return total


def node_usage(snapshot: Snapshot) -> dict[str, Resources]:
    return {name_of(m): _usage(m.get("usage") or {}) for m in snapshot.of_kind("NodeMetrics")}


def pod_usage(snapshot: Snapshot) -> dict[tuple[str | None, str], Resources]:
    return {
        (namespace_of(m), name_of(m)): _usage(m.get("containers") or [])
        for m in snapshot.of_kind("PodMetrics")
    }


def has_metrics(snapshot: Snapshot) -> bool:
    return bool(snapshot.of_kind("NodeMetrics") or snapshot.of_kind("PodMetrics"))
