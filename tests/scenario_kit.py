"""Builders for scenario files (tests/scenarios/*.yaml): objects shaped as a real API server returns them.

`tests/make_scenarios.py` uses them to write the scenarios of issue 13; the YAML it writes is what the
corpus reads, so a reviewer reads the YAML and regenerates it with `python -m tests.make_scenarios`.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

Obj = dict[str, Any]
NOW = datetime(2026, 11, 12, 10, 0, tzinfo=UTC)
SCENARIOS = Path(__file__).parent / "scenarios"


def at(minutes_ago: float) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def uid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))


def suffix(*parts: str, n: int = 5) -> str:
    digest = hashlib.sha256("/".join(parts).encode()).hexdigest()
    return "".join("bcdfghjklmnpqrstvwxz2456789"[int(digest[i : i + 2], 16) % 27] for i in range(0, 2 * n, 2))


def meta(kind: str, name: str, ns: str | None = None, age: float = 60 * 24 * 30, **extra: Any) -> Obj:
    m: Obj = {"name": name}
    if ns:
        m["namespace"] = ns
    m.update(
        uid=uid(kind, ns or "", name),
        resourceVersion=str(1000 + int(uid(kind, name)[:4], 16) % 9000),
        creationTimestamp=at(age),
    )
    m.update({k: v for k, v in extra.items() if v is not None})
    return m


def owner_ref(obj: Obj, controller: bool = True) -> list[Obj]:
    return [
        {
            "apiVersion": obj["apiVersion"],
            "kind": obj["kind"],
            "name": obj["metadata"]["name"],
            "uid": obj["metadata"]["uid"],
            "controller": controller,
            "blockOwnerDeletion": True,
        }
    ]


def namespace(name: str, labels: dict[str, str] | None = None) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": meta(
            "Namespace",
            name,
            age=60 * 24 * 60,
            labels={"kubernetes.io/metadata.name": name, **(labels or {})},
        ),
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }


def node(
    name: str,
    *,
    ready: str = "True",
    arch: str = "amd64",
    taints: list[Obj] | None = None,
    labels: dict[str, str] | None = None,
    heartbeat: float = 0.5,
    age: float = 60 * 24 * 30,
    unschedulable: bool = False,
    network: bool = True,
) -> Obj:
    reason = {"True": "KubeletReady", "False": "KubeletNotReady", "Unknown": "NodeStatusUnknown"}[ready]
    message = {
        "True": "kubelet is posting ready status",
        "False": "container runtime is down",
        "Unknown": "Kubelet stopped posting node status.",
    }[ready]
    conditions = [
        {
            "type": t,
            "status": "False" if ready != "Unknown" else "Unknown",
            "lastHeartbeatTime": at(heartbeat),
            "lastTransitionTime": at(age),
            "reason": r,
            "message": m,
        }
        for t, r, m in (
            ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory"),
            ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        )
    ]
    conditions.append(
        {
            "type": "Ready",
            "status": ready,
            "lastHeartbeatTime": at(heartbeat),
            "lastTransitionTime": at(heartbeat if ready != "True" else age),
            "reason": reason,
            "message": message,
        }
    )
    if not network:
        conditions.append(
            {
                "type": "NetworkUnavailable",
                "status": "True",
                "reason": "NoRouteCreated",
                "message": "Node created without a route",
                "lastHeartbeatTime": at(heartbeat),
                "lastTransitionTime": at(heartbeat),
            }
        )
    spec: Obj = {"podCIDR": f"10.244.{sum(map(ord, name)) % 250}.0/24"}
    all_taints = list(taints or [])
    if ready == "Unknown":
        all_taints += [
            {"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule", "timeAdded": at(heartbeat)},
            {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute", "timeAdded": at(heartbeat)},
        ]
    if unschedulable:
        spec["unschedulable"] = True
        all_taints.append(
            {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule", "timeAdded": at(90)}
        )
    if all_taints:
        spec["taints"] = all_taints
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": meta(
            "Node",
            name,
            age=age,
            labels={
                "kubernetes.io/arch": arch,
                "kubernetes.io/os": "linux",
                "kubernetes.io/hostname": name,
                **(labels or {}),
            },
        ),
        "spec": spec,
        "status": {
            "capacity": {
                "cpu": "4",
                "memory": "16372580Ki",
                "pods": "110",
                "ephemeral-storage": "101430960Ki",
            },
            "allocatable": {
                "cpu": "4",
                "memory": "16270180Ki",
                "pods": "110",
                "ephemeral-storage": "93478772582",
            },
            "conditions": conditions,
            "addresses": [
                {"type": "InternalIP", "address": f"10.0.0.{sum(map(ord, name)) % 250}"},
                {"type": "Hostname", "address": name},
            ],
            "nodeInfo": {
                "machineID": uid("machine", name).replace("-", ""),
                "systemUUID": uid("sys", name),
                "bootID": uid("boot", name),
                "kernelVersion": "6.8.0-48-generic",
                "osImage": "Ubuntu 24.04.1 LTS",
                "containerRuntimeVersion": "containerd://1.7.22",
                "kubeletVersion": "v1.33.2",
                "kubeProxyVersion": "v1.33.2",
                "operatingSystem": "linux",
                "architecture": arch,
            },
        },
    }


def container(
    name: str,
    image: str,
    *,
    port: int | None = 8080,
    port_name: str = "http",
    cpu: str = "100m",
    memory: str = "128Mi",
    limits: Obj | None = None,
    **extra: Any,
) -> Obj:
    c: Obj = {"name": name, "image": image, "imagePullPolicy": "IfNotPresent"}
    if port:
        c["ports"] = [{"name": port_name, "containerPort": port, "protocol": "TCP"}]
    c["resources"] = {"requests": {"cpu": cpu, "memory": memory}, **({"limits": limits} if limits else {})}
    c.update(extra)
    c.update(terminationMessagePath="/dev/termination-log", terminationMessagePolicy="File")
    return c


def http_probe(
    path: str, port: int | str, *, period: int = 10, timeout: int = 1, failures: int = 3, delay: int = 0
) -> Obj:
    return {
        "httpGet": {"path": path, "port": port, "scheme": "HTTP"},
        "initialDelaySeconds": delay,
        "periodSeconds": period,
        "timeoutSeconds": timeout,
        "successThreshold": 1,
        "failureThreshold": failures,
    }


def running(started: float = 60 * 24, ready: bool = True, restarts: int = 0, last: Obj | None = None) -> Obj:
    """A container status: running since `started` minutes ago."""
    status: Obj = {
        "state": {"running": {"startedAt": at(started)}},
        "ready": ready,
        "started": True,
        "restartCount": restarts,
        "lastState": {"terminated": last} if last else {},
    }
    return status


def terminated(reason: str, code: int, finished: float, started: float | None = None, **extra: Any) -> Obj:
    return {
        "exitCode": code,
        "reason": reason,
        "startedAt": at(started if started is not None else finished + 5),
        "finishedAt": at(finished),
        **extra,
    }


def waiting(reason: str, message: str = "", restarts: int = 0, last: Obj | None = None) -> Obj:
    state: Obj = {"reason": reason}
    if message:
        state["message"] = message
    return {
        "state": {"waiting": state},
        "ready": False,
        "started": False,
        "restartCount": restarts,
        "lastState": {"terminated": last} if last else {},
    }


def pod_spec(containers: list[Obj], **extra: Any) -> Obj:
    spec: Obj = {
        "containers": containers,
        "restartPolicy": "Always",
        "terminationGracePeriodSeconds": 30,
        "dnsPolicy": "ClusterFirst",
        "serviceAccountName": "default",
        "serviceAccount": "default",
        "securityContext": {},
        "schedulerName": "default-scheduler",
        "tolerations": [
            {
                "key": "node.kubernetes.io/not-ready",
                "operator": "Exists",
                "effect": "NoExecute",
                "tolerationSeconds": 300,
            },
            {
                "key": "node.kubernetes.io/unreachable",
                "operator": "Exists",
                "effect": "NoExecute",
                "tolerationSeconds": 300,
            },
        ],
    }
    spec.update(extra)
    return spec


def pod(
    name: str,
    ns: str,
    spec: Obj,
    statuses: list[Obj],
    *,
    labels: dict[str, str],
    owner: Obj | None = None,
    node_name: str | None = "node-1",
    age: float = 60 * 24,
    phase: str | None = None,
    ready: bool | None = None,
    ready_reason: str | None = None,
    **status_extra: Any,
) -> Obj:
    spec = dict(spec)
    if node_name:
        spec["nodeName"] = node_name
    cstatuses = []
    for c, st in zip(spec["containers"], statuses, strict=True):
        cstatuses.append(
            {
                "name": c["name"],
                "image": c["image"],
                "imageID": f"{c['image'].split(':')[0]}@sha256:{uid('img', c['image']).replace('-', '')}",
                "containerID": f"containerd://{uid('ctr', ns, name, c['name']).replace('-', '')}",
                **st,
            }
        )
    all_ready = all(cs.get("ready") for cs in cstatuses) if ready is None else ready
    if phase is None:
        phase = "Running" if any("running" in cs["state"] for cs in cstatuses) else "Pending"
    ready_cond: Obj = {
        "type": "Ready",
        "status": "True" if all_ready else "False",
        "lastProbeTime": None,
        "lastTransitionTime": at(age - 1),
    }
    if not all_ready:
        ready_cond.update(
            reason=ready_reason or "ContainersNotReady",
            message="containers with unready status: ["
            + " ".join(
                c["name"] for c, cs in zip(spec["containers"], cstatuses, strict=True) if not cs.get("ready")
            )
            + "]",
        )
    conditions = [
        {
            "type": "PodReadyToStartContainers",
            "status": "True",
            "lastProbeTime": None,
            "lastTransitionTime": at(age),
        },
        {"type": "Initialized", "status": "True", "lastProbeTime": None, "lastTransitionTime": at(age)},
        ready_cond,
        {
            "type": "ContainersReady",
            "status": ready_cond["status"],
            "lastProbeTime": None,
            "lastTransitionTime": at(age - 1),
        },
        {"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": at(age)},
    ]
    m = meta("Pod", name, ns, age=age, labels=labels, ownerReferences=owner_ref(owner) if owner else None)
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": m,
        "spec": spec,
        "status": {
            "phase": phase,
            "conditions": conditions,
            "hostIP": "10.0.0.11",
            "podIP": f"10.244.1.{sum(map(ord, name)) % 250}",
            "startTime": at(age),
            "containerStatuses": cstatuses,
            "qosClass": "Burstable",
            **status_extra,
        },
    }


def deployment(
    name: str,
    ns: str,
    containers: list[Obj],
    pods: list[tuple[list[Obj], dict[str, Any]]] | None = None,
    *,
    replicas: int | None = None,
    age: float = 60 * 24 * 10,
    labels: dict[str, str] | None = None,
    strategy: Obj | None = None,
    spec_extra: Obj | None = None,
) -> list[Obj]:
    """A Deployment, its ReplicaSet and pods; `pods` is [(container statuses, pod keyword arguments)]."""
    pods = pods if pods is not None else [([running()], {})]
    replicas = len(pods) if replicas is None else replicas
    labels = labels or {"app": name}
    spec = pod_spec(containers, **(spec_extra or {}))
    rs_hash = suffix("rs", ns, name, n=10)[:9].replace("b", "5")
    ready = sum(
        1 for statuses, kw in pods if all(s.get("ready") for s in statuses) and kw.get("ready") is not False
    )
    dep: Obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta(
            "Deployment",
            name,
            ns,
            age=age,
            generation=1,
            labels=labels,
            annotations={"deployment.kubernetes.io/revision": "1"},
        ),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": spec},
            "strategy": strategy
            or {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
        },
        "status": {
            "observedGeneration": 1,
            "replicas": len(pods),
            "updatedReplicas": len(pods),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "conditions": [
                {
                    "type": "Available",
                    "status": "True" if ready >= replicas else "False",
                    "lastUpdateTime": at(30),
                    "lastTransitionTime": at(30),
                    "reason": "MinimumReplicasAvailable"
                    if ready >= replicas
                    else "MinimumReplicasUnavailable",
                    "message": "Deployment has minimum availability."
                    if ready >= replicas
                    else "Deployment does not have minimum availability.",
                },
                {
                    "type": "Progressing",
                    "status": "True",
                    "lastUpdateTime": at(age - 2),
                    "lastTransitionTime": at(age),
                    "reason": "NewReplicaSetAvailable",
                    "message": f'ReplicaSet "{name}-{rs_hash}" has successfully progressed.',
                },
            ],
        },
    }
    if ready < replicas:
        dep["status"]["unavailableReplicas"] = replicas - ready
    if not ready:
        dep["status"].pop("readyReplicas")
        dep["status"].pop("availableReplicas")
    rs_labels = {**labels, "pod-template-hash": rs_hash}
    rs: Obj = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": meta(
            "ReplicaSet",
            f"{name}-{rs_hash}",
            ns,
            age=age,
            generation=1,
            labels=rs_labels,
            annotations={
                "deployment.kubernetes.io/desired-replicas": str(replicas),
                "deployment.kubernetes.io/max-replicas": str(replicas + 1),
                "deployment.kubernetes.io/revision": "1",
            },
            ownerReferences=owner_ref(dep),
        ),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": rs_labels},
            "template": {"metadata": {"labels": rs_labels}, "spec": spec},
        },
        "status": {
            "replicas": len(pods),
            "fullyLabeledReplicas": len(pods),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "observedGeneration": 1,
        },
    }
    out = [dep, rs]
    for i, (statuses, kw) in enumerate(pods):
        pod_name = f"{name}-{rs_hash}-{suffix('pod', ns, name, str(i))}"
        out.append(pod(pod_name, ns, spec, statuses, labels=rs_labels, owner=rs, **kw))
    return out


def service(
    name: str,
    ns: str,
    selector: dict[str, str] | None,
    port: int = 80,
    target: int | str = 8080,
    port_name: str = "http",
) -> Obj:
    spec: Obj = {
        "type": "ClusterIP",
        "clusterIP": f"10.96.{sum(map(ord, ns)) % 250}.{sum(map(ord, name)) % 250}",
        "ports": [{"name": port_name, "port": port, "targetPort": target, "protocol": "TCP"}],
        "sessionAffinity": "None",
    }
    if selector is not None:
        spec["selector"] = selector
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta("Service", name, ns),
        "spec": spec,
        "status": {"loadBalancer": {}},
    }


def endpoints(
    name: str, ns: str, ready: list[Obj], not_ready: list[Obj] | None = None, port: int = 8080
) -> Obj:
    def addr(p: Obj) -> Obj:
        return {
            "ip": p["status"]["podIP"],
            "nodeName": p["spec"].get("nodeName"),
            "targetRef": {
                "kind": "Pod",
                "namespace": ns,
                "name": p["metadata"]["name"],
                "uid": p["metadata"]["uid"],
            },
        }

    subset: Obj = {"ports": [{"name": "http", "port": port, "protocol": "TCP"}]}
    if ready:
        subset["addresses"] = [addr(p) for p in ready]
    if not_ready:
        subset["notReadyAddresses"] = [addr(p) for p in not_ready]
    return {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": meta("Endpoints", name, ns),
        "subsets": [subset] if (ready or not_ready) else [],
    }


def endpoint_slice(service_name: str, ns: str, pods: list[tuple[Obj, bool]], port: int = 8080) -> Obj:
    """An EndpointSlice (discovery.k8s.io/v1) of `service_name`: [(pod, ready)]."""
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": meta(
            "EndpointSlice",
            f"{service_name}-{suffix('eps', ns, service_name)}",
            ns,
            labels={
                "kubernetes.io/service-name": service_name,
                "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
            },
        ),
        "addressType": "IPv4",
        "endpoints": [
            {
                "addresses": [p["status"]["podIP"]],
                "conditions": {"ready": ok, "serving": ok, "terminating": False},
                "nodeName": p["spec"].get("nodeName"),
                "targetRef": {
                    "kind": "Pod",
                    "namespace": ns,
                    "name": p["metadata"]["name"],
                    "uid": p["metadata"]["uid"],
                },
            }
            for p, ok in pods
        ],
        "ports": [{"name": "http", "port": port, "protocol": "TCP"}],
    }


def ingress(name: str, ns: str, host: str, service_name: str, port: int = 80, cls: str = "nginx") -> Obj:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": meta("Ingress", name, ns),
        "spec": {
            "ingressClassName": cls,
            "rules": [
                {
                    "host": host,
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": service_name, "port": {"number": port}}},
                            }
                        ]
                    },
                }
            ],
        },
        "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.10"}]}},
    }


def ingress_class(name: str = "nginx") -> Obj:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "IngressClass",
        "metadata": meta(
            "IngressClass", name, annotations={"ingressclass.kubernetes.io/is-default-class": "true"}
        ),
        "spec": {"controller": "k8s.io/ingress-nginx"},
    }


def event(
    obj: Obj,
    reason: str,
    message: str,
    *,
    type_: str = "Warning",
    count: int = 1,
    first: float = 10,
    last: float = 1,
    component: str = "kubelet",
    field_path: str | None = None,
) -> Obj:
    """A core/v1 Event about `obj`."""
    m = obj["metadata"]
    involved: Obj = {
        "kind": obj["kind"],
        "namespace": m.get("namespace"),
        "name": m["name"],
        "uid": m["uid"],
        "apiVersion": obj["apiVersion"],
        "resourceVersion": m["resourceVersion"],
    }
    if field_path:
        involved["fieldPath"] = field_path
    name = f"{m['name']}.{uid('ev', m['name'], reason, message)[:16].replace('-', '')}"
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": meta("Event", name, m.get("namespace") or "default", age=first),
        "involvedObject": {k: v for k, v in involved.items() if v is not None},
        "reason": reason,
        "message": message,
        "source": {"component": component},
        "firstTimestamp": at(first),
        "lastTimestamp": at(last),
        "count": count,
        "type": type_,
        "eventTime": None,
        "reportingComponent": component,
        "reportingInstance": "",
    }


def modern_event(
    obj: Obj,
    reason: str,
    note: str,
    *,
    type_: str = "Warning",
    count: int = 1,
    first: float = 10,
    last: float = 1,
    controller: str = "kubelet",
    action: str = "",
) -> Obj:
    """An events.k8s.io/v1 Event: eventTime, series, regarding and note; no first/last timestamps."""
    m = obj["metadata"]
    name = f"{m['name']}.{uid('ev2', m['name'], reason, note)[:16].replace('-', '')}"
    ev: Obj = {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": meta("Event", name, m.get("namespace") or "default", age=first),
        "eventTime": (NOW - timedelta(minutes=first)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "reportingController": controller,
        "reportingInstance": f"{controller}-node-1",
        "action": action or reason,
        "reason": reason,
        "regarding": {
            "kind": obj["kind"],
            "namespace": m.get("namespace"),
            "name": m["name"],
            "uid": m["uid"],
            "apiVersion": obj["apiVersion"],
        },
        "note": note,
        "type": type_,
    }
    if count > 1:
        ev["series"] = {
            "count": count,
            "lastObservedTime": (NOW - timedelta(minutes=last)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }
    ev["regarding"] = {k: v for k, v in ev["regarding"].items() if v is not None}
    return ev


def base(*namespaces: str, nodes: list[Obj] | None = None) -> list[Obj]:
    """Namespaces (default, kube-system and `namespaces`) and nodes (node-1, node-2 unless given)."""
    return [
        *(namespace(n) for n in ("default", "kube-system", *namespaces)),
        *(nodes if nodes is not None else [node("node-1"), node("node-2")]),
    ]


def write(
    name: str,
    description: str,
    objects: list[Obj],
    expect: list[Obj] | None = None,
    logs: list[Obj] | None = None,
) -> Path:
    path = SCENARIOS / f"{name}.yaml"
    doc: Obj = {"description": description, "objects": objects}
    if logs:
        doc["logs"] = logs
    if expect:
        for e in expect:  # name the namespace of the expected object, as both corpus harnesses match it
            found = next(
                (o for o in objects if o["kind"] == e.get("kind") and o["metadata"]["name"] == e.get("name")),
                None,
            )
            if found is not None and found["metadata"].get("namespace") and "namespace" not in e:
                e["namespace"] = found["metadata"]["namespace"]
        doc["expect"] = expect
    text = yaml.safe_dump(doc, sort_keys=False, width=120, allow_unicode=True)
    path.write_text(f"# Generated by tests/make_scenarios.py: {description}\n{text}", encoding="utf-8")
    return path


def log(pod_obj: Obj, container_name: str, text: str, previous: bool = False) -> Obj:
    return {
        "namespace": pod_obj["metadata"]["namespace"],
        "pod": pod_obj["metadata"]["name"],
        "container": container_name,
        "previous": previous,
        "text": text,
    }
