"""Small in-memory Kubernetes objects for the cluster analyzers' table-driven unit tests.

Each builder returns the raw JSON shape the API server returns, with only the fields the analyzers read
plus identity (uid, creationTimestamp); `snap(...)` turns a list of them into a Snapshot.
"""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from kubectl_prism.findings import Finding, Severity
from kubectl_prism.snapshot import Snapshot

NOW = datetime(2026, 11, 12, 10, 0, tzinfo=UTC)


def ts(minutes_ago: float = 0) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def snap(*objects: dict[str, Any], namespace: str | None = None, source: str = "snapshot") -> Snapshot:
    snapshot = Snapshot(source=source, namespace=namespace)
    for obj in objects:
        snapshot.add(copy.deepcopy(obj))
    # A "now" for age checks: the newest timestamp in the snapshot, as for a real one.
    snapshot.add(
        event(
            {"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": "default", "uid": "x"}},
            "Clock",
            "reference time",
            type_="Normal",
            last_ago=0,
        )
    )
    return snapshot


def meta(
    name: str,
    namespace: str | None = None,
    age: float = 60 * 24,
    labels: dict[str, str] | None = None,
    owner: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    m: dict[str, Any] = {
        "name": name,
        "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{namespace}/{name}")),
        "resourceVersion": "1",
        "creationTimestamp": ts(age),
    }
    if namespace:
        m["namespace"] = namespace
    if labels:
        m["labels"] = dict(labels)
    if owner:
        m["ownerReferences"] = [
            {
                "apiVersion": owner["apiVersion"],
                "kind": owner["kind"],
                "name": owner["metadata"]["name"],
                "uid": owner["metadata"]["uid"],
                "controller": True,
            }
        ]
    m.update(extra)
    return m


def container(
    name: str = "app",
    ports: tuple[tuple[int, str], ...] = ((8080, "http"),),
    requests: dict[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    c: dict[str, Any] = {"name": name, "image": f"registry.example.com/{name}:1.0"}
    if ports:
        c["ports"] = [
            {"containerPort": n, "protocol": "TCP", **({"name": pn} if pn else {})} for n, pn in ports
        ]
    c["resources"] = {"requests": requests} if requests else {}
    c.update(extra)
    return c


def deployment(
    name: str,
    ns: str = "shop",
    labels: dict[str, str] | None = None,
    replicas: int = 2,
    containers: list[dict[str, Any]] | None = None,
    **spec_extra: Any,
) -> dict[str, Any]:
    labels = labels or {"app": name}
    template_spec = {"containers": containers or [container(name)], **spec_extra}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta(name, ns, labels=labels),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": template_spec},
        },
        "status": {"replicas": replicas},
    }


def replicaset(dep: dict[str, Any]) -> dict[str, Any]:
    name = f"{dep['metadata']['name']}-5d8f7c9b4"
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": meta(
            name,
            dep["metadata"]["namespace"],
            owner=dep,
            labels=dep["spec"]["template"]["metadata"]["labels"],
        ),
        "spec": copy.deepcopy({k: v for k, v in dep["spec"].items() if k != "strategy"}),
        "status": {},
    }


def pod(
    name: str,
    ns: str = "shop",
    labels: dict[str, str] | None = None,
    state: str = "running",
    owner: dict[str, Any] | None = None,
    node: str | None = "node-1",
    age: float = 60,
    spec: dict[str, Any] | None = None,
    **status_extra: Any,
) -> dict[str, Any]:
    """A pod whose containers are `running` (ready), `notready`, `crashloop`, `creating` or `configerror`."""
    spec = copy.deepcopy(spec) if spec else {"containers": [container()]}
    if node:
        spec["nodeName"] = node
    ready = state == "running"
    statuses = []
    for c in spec["containers"]:
        cs: dict[str, Any] = {
            "name": c["name"],
            "image": c["image"],
            "ready": ready,
            "restartCount": 0,
            "started": ready,
            "state": {"running": {"startedAt": ts(age - 1)}},
        }
        if state == "crashloop":
            cs.update(
                restartCount=9,
                started=False,
                state={"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}},
                lastState={"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": ts(2)}},
            )
        elif state == "creating":
            cs.update(state={"waiting": {"reason": "ContainerCreating"}})
        elif state == "configerror":
            cs.update(
                state={
                    "waiting": {
                        "reason": "CreateContainerConfigError",
                        "message": status_extra.pop("config_message"),
                    }
                }
            )
        statuses.append(cs)
    phase = "Pending" if state in ("creating", "configerror") else "Running"
    conditions = [
        {"type": "Ready", "status": "True" if ready else "False"},
        {"type": "PodScheduled", "status": "True"},
    ]
    status = {"phase": phase, "conditions": conditions, "containerStatuses": statuses, **status_extra}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta(name, ns, age=age, labels=labels or {"app": "api"}, owner=owner),
        "spec": spec,
        "status": status,
    }


def service(
    name: str,
    ns: str = "shop",
    selector: dict[str, str] | None = None,
    ports: list[dict[str, Any]] | None = None,
    type_: str = "ClusterIP",
    age: float = 60 * 24,
    **spec_extra: Any,
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "type": type_,
        "ports": ports or [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}],
        **spec_extra,
    }
    if selector is not None:
        spec["selector"] = selector
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta(name, ns, age=age),
        "spec": spec,
        "status": {"loadBalancer": {}},
    }


def endpoints(
    name: str, ns: str = "shop", ready: list[str] = (), not_ready: list[str] = ()
) -> dict[str, Any]:
    ep: dict[str, Any] = {"apiVersion": "v1", "kind": "Endpoints", "metadata": meta(name, ns)}
    subset: dict[str, Any] = {}
    if ready:
        subset["addresses"] = [
            {"ip": f"10.244.0.{i + 2}", "targetRef": {"kind": "Pod", "name": p}} for i, p in enumerate(ready)
        ]
    if not_ready:
        subset["notReadyAddresses"] = [
            {"ip": f"10.244.1.{i + 2}", "targetRef": {"kind": "Pod", "name": p}}
            for i, p in enumerate(not_ready)
        ]
    if subset:
        ep["subsets"] = [subset]
    return ep


def event(
    obj: dict[str, Any],
    reason: str,
    message: str,
    type_: str = "Warning",
    count: int = 1,
    last_ago: float = 1,
) -> dict[str, Any]:
    m = obj["metadata"]
    involved = {
        "kind": obj["kind"],
        "name": m["name"],
        "uid": m.get("uid", ""),
        "apiVersion": obj["apiVersion"],
    }
    if m.get("namespace"):
        involved["namespace"] = m["namespace"]
    name = f"{m['name']}.{uuid.uuid5(uuid.NAMESPACE_URL, reason + message).hex[:16]}"
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": name,
            "namespace": m.get("namespace") or "default",
            "creationTimestamp": ts(last_ago + 5),
        },
        "involvedObject": involved,
        "reason": reason,
        "message": message,
        "type": type_,
        "count": count,
        "firstTimestamp": ts(last_ago + 5),
        "lastTimestamp": ts(last_ago),
    }


def obj(kind: str, api_version: str, name: str, ns: str | None = None, **fields: Any) -> dict[str, Any]:
    """Any other kind: `obj("StorageClass", "storage.k8s.io/v1", "fast", provisioner=...)`."""
    extra_meta = fields.pop("metadata", {})
    return {"apiVersion": api_version, "kind": kind, "metadata": {**meta(name, ns), **extra_meta}, **fields}


def node(
    name: str,
    ready: str = "True",
    reason: str = "KubeletReady",
    message: str = "kubelet is posting ready status",
    heartbeat_ago: float = 0.5,
    extra_conditions: list[dict[str, Any]] | None = None,
    **spec: Any,
) -> dict[str, Any]:
    conditions = [
        {
            "type": t,
            "status": "False",
            "reason": f"KubeletHasSufficient{t}",
            "message": "ok",
            "lastHeartbeatTime": ts(heartbeat_ago),
            "lastTransitionTime": ts(60 * 24),
        }
        for t in ("MemoryPressure", "DiskPressure", "PIDPressure")
    ]
    conditions.append(
        {
            "type": "Ready",
            "status": ready,
            "reason": reason,
            "message": message,
            "lastHeartbeatTime": ts(heartbeat_ago),
            "lastTransitionTime": ts(30),
        }
    )
    for extra in extra_conditions or []:
        conditions = [c for c in conditions if c["type"] != extra["type"]] + [extra]
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": meta(name),
        "spec": spec,
        "status": {"conditions": conditions},
    }


def configmap(name: str, ns: str = "shop", data: dict[str, str] | None = None) -> dict[str, Any]:
    return obj("ConfigMap", "v1", name, ns, data=data if data is not None else {"k": "v"})


def secret(name: str, ns: str = "shop", type_: str = "Opaque") -> dict[str, Any]:
    return obj("Secret", "v1", name, ns, type=type_)


def one_finding(findings: list[Finding], rule: str | None, severity: Severity | None,
                evidence: str) -> Finding | None:
    """The analyzers' table-driven check: nothing when `rule` is None, else exactly one finding with
    that rule and severity and `evidence` in one of its evidence lines."""
    if rule is None:
        assert findings == []
        return None
    (finding,) = findings
    assert (finding.id, finding.severity) == (rule, severity)
    assert any(evidence in line for line in finding.evidence), finding.evidence
    return finding


def linked(snapshot: Snapshot, analyzer: str | None = None) -> list[Finding]:
    """The findings of a full run (every rule, then the linking pass that sets caused_by), or only those of
    the rules `analyzer` registers."""
    from kubectl_prism.analyzers import registered, run_analyzers

    findings = run_analyzers(snapshot)
    if analyzer is None:
        return findings
    rules = {rule.id for spec in registered() if spec.name == analyzer for rule in spec.rules}
    return [f for f in findings if f.id in rules]
