"""Resource utilization for `explain`: requests and limits against node allocatable, and live usage.

Live usage comes from PodMetrics / NodeMetrics objects (`metrics.k8s.io`) when the gatherer could read
them; without them the explanation carries a gap saying so instead of inventing numbers.
"""

from __future__ import annotations

from typing import Any

from kubectl_prism.explain.describe import dig, pod_spec
from kubectl_prism.quantity import format_bytes, format_cpu, parse_quantity
from kubectl_prism.resources import Resources, has_metrics, is_active, node_allocatable, pod_resources
from kubectl_prism.snapshot import KubeObject, Snapshot, name_of, namespace_of


def _pct(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _res(r: Resources) -> dict[str, Any]:
    return {"cpu": format_cpu(r.cpu) if r.cpu else None,
            "memory": format_bytes(r.memory) if r.memory else None}


def _share(r: Resources, of: Resources) -> dict[str, Any]:
    return {**_res(r), "cpuPercent": _pct(r.cpu, of.cpu), "memoryPercent": _pct(r.memory, of.memory)}


def _metrics_usage(entry: dict[str, Any] | None) -> Resources:
    usage = (entry or {}).get("usage") or {}
    return Resources(parse_quantity(usage.get("cpu")) or 0.0, parse_quantity(usage.get("memory")) or 0.0)


def utilization(snapshot: Snapshot, obj: KubeObject, pods: list[KubeObject]) -> dict[str, Any]:
    kind = obj.get("kind")
    out: dict[str, Any] = {"metrics": "available" if has_metrics(snapshot) else "unavailable"}
    if kind == "Node":
        out.update(_node(snapshot, obj))
        return out
    if kind == "Namespace":
        out["quotas"] = _quotas(snapshot, name_of(obj))
    spec = pod_spec(obj)
    if spec is not None and kind != "Pod":
        template = {"spec": spec}
        out["perPod"] = {"requests": _res(pod_resources(template, "requests")),
                         "limits": _res(pod_resources(template, "limits"))}
    active = [p for p in pods if is_active(p)]
    if not active:
        return out
    requests = sum((pod_resources(p, "requests") for p in active), Resources())
    limits = sum((pod_resources(p, "limits") for p in active), Resources())
    out["pods"] = len(active)
    out["total"] = {"requests": _res(requests), "limits": _res(limits)}
    out["containers"] = _container_usage(snapshot, active)
    measured = [c for c in out["containers"] if c.get("measured")]
    if measured:
        used = Resources(sum(c["_cpu"] for c in measured), sum(c["_memory"] for c in measured))
        out["usage"] = {**_res(used), "cpuOfRequests": _pct(used.cpu, requests.cpu),
                        "memoryOfRequests": _pct(used.memory, requests.memory),
                        "memoryOfLimits": _pct(used.memory, limits.memory)}
    for c in out["containers"]:
        c.pop("_cpu", None)
        c.pop("_memory", None)
        c.pop("measured", None)
    out["nodes"] = _nodes_of(snapshot, active)
    return out


def _container_usage(snapshot: Snapshot, pods: list[KubeObject]) -> list[dict[str, Any]]:
    rows = []
    for pod in pods:
        metrics = snapshot.get("PodMetrics", namespace_of(pod), name_of(pod))
        by_name = {c.get("name"): c for c in (metrics or {}).get("containers") or []}
        for container in (pod.get("spec") or {}).get("containers") or []:
            res = container.get("resources") or {}
            req = Resources(parse_quantity(dig(res, "requests", "cpu")) or 0.0,
                            parse_quantity(dig(res, "requests", "memory")) or 0.0)
            lim = Resources(parse_quantity(dig(res, "limits", "cpu")) or 0.0,
                            parse_quantity(dig(res, "limits", "memory")) or 0.0)
            row: dict[str, Any] = {"pod": name_of(pod), "container": container.get("name"),
                                   "requests": _res(req), "limits": _res(lim)}
            if container.get("name") in by_name:
                used = _metrics_usage(by_name[container.get("name")])
                row.update({"usage": _res(used), "cpuOfRequest": _pct(used.cpu, req.cpu),
                            "cpuOfLimit": _pct(used.cpu, lim.cpu),
                            "memoryOfRequest": _pct(used.memory, req.memory),
                            "memoryOfLimit": _pct(used.memory, lim.memory),
                            "measured": True, "_cpu": used.cpu, "_memory": used.memory})
            rows.append(row)
    return rows


def _complete_node_view(snapshot: Snapshot) -> bool:
    # Only a cluster-wide (or node-scoped) snapshot holds every pod on a node; a namespace scope
    # would understate what the node has promised to others.
    return snapshot.namespace is None


def _node_requested(snapshot: Snapshot, node: str) -> Resources:
    return sum((pod_resources(p) for p in snapshot.of_kind("Pod")
                if (p.get("spec") or {}).get("nodeName") == node and is_active(p)), Resources())


def _nodes_of(snapshot: Snapshot, pods: list[KubeObject]) -> list[dict[str, Any]]:
    by_node: dict[str, Resources] = {}
    for pod in pods:
        node = (pod.get("spec") or {}).get("nodeName")
        if node:
            by_node[node] = by_node.get(node, Resources()) + pod_resources(pod)
    rows = []
    for node_name, requested in sorted(by_node.items()):
        node = snapshot.get("Node", None, node_name)
        if node is None:
            rows.append({"name": node_name, "found": False, "requestedHere": _res(requested)})
            continue
        alloc = node_allocatable(node)
        row: dict[str, Any] = {"name": node_name, "found": True, "allocatable": _res(alloc),
                               "requestedHere": _share(requested, alloc)}
        if _complete_node_view(snapshot):
            row["requestedByAllPods"] = _share(_node_requested(snapshot, node_name), alloc)
        metrics = snapshot.get("NodeMetrics", None, node_name)
        if metrics is not None:
            row["usage"] = _share(_metrics_usage(metrics), alloc)
        rows.append(row)
    return rows


def _node(snapshot: Snapshot, node: KubeObject) -> dict[str, Any]:
    alloc = node_allocatable(node)
    name = name_of(node)
    pods = [p for p in snapshot.of_kind("Pod")
            if (p.get("spec") or {}).get("nodeName") == name and is_active(p)]
    out: dict[str, Any] = {"allocatable": _res(alloc),
                           "podCapacity": dig(node, "status", "allocatable", "pods"), "pods": len(pods)}
    requested = sum((pod_resources(p) for p in pods), Resources())
    limits = sum((pod_resources(p, "limits") for p in pods), Resources())
    out["requested"] = _share(requested, alloc)
    out["limits"] = _share(limits, alloc)
    out["requestedComplete"] = _complete_node_view(snapshot)
    metrics = snapshot.get("NodeMetrics", None, name)
    if metrics is not None:
        out["usage"] = _share(_metrics_usage(metrics), alloc)
    return out


def _quotas(snapshot: Snapshot, namespace: str) -> list[dict[str, Any]]:
    out = []
    for quota in snapshot.of_kind("ResourceQuota", namespace):
        hard = dig(quota, "status", "hard") or dig(quota, "spec", "hard") or {}
        used = dig(quota, "status", "used") or {}
        out.append({"name": name_of(quota),
                    "resources": {k: f"{used.get(k, '0')} of {v}" for k, v in sorted(hard.items())}})
    return out
