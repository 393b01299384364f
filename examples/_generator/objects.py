"""Nodes, pods, workloads, services and events built on kube.py, with statuses that agree with each other."""

from __future__ import annotations

import copy

from kube import (
    DEFAULT_TOLERATIONS,
    LAST_APPLIED,
    Cluster,
    Done,
    NodeRef,
    Obj,
    Running,
    State,
    Terminated,
    Waiting,
    condition,
    full_image,
    image_id,
    last_applied,
    managed,
    owner,
)

# --- nodes ----------------------------------------------------------------------------------------


def node(
    c: Cluster,
    name: str,
    *,
    ip: str,
    pod_prefix: str,
    created: float,
    labels: Obj,
    annotations: Obj,
    capacity: Obj,
    allocatable: Obj,
    info: Obj,
    conditions: list[Obj],
    pod_cidr: str | None = None,
    provider_id: str | None = None,
    taints: list[Obj] | None = None,
    images: list[tuple[str, int]],
    external_ip: str | None = None,
    unschedulable: bool = False,
) -> NodeRef:
    spec: Obj = {}
    if pod_cidr:
        spec["podCIDR"] = pod_cidr
        spec["podCIDRs"] = [pod_cidr]
    if provider_id:
        spec["providerID"] = provider_id
    if unschedulable:
        spec["unschedulable"] = True
    if taints:
        spec["taints"] = taints
    addresses = [{"type": "InternalIP", "address": ip}]
    if external_ip:
        addresses.append({"type": "ExternalIP", "address": external_ip})
    addresses.append({"type": "Hostname", "address": name})
    obj = {
        "metadata": c.metadata(name, None, created, labels=labels, annotations=annotations),
        "spec": spec,
        "status": {
            "capacity": capacity,
            "allocatable": allocatable,
            "conditions": conditions,
            "addresses": addresses,
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "machineID": c.hexs(32),
                "systemUUID": info.get("systemUUID") or c.uid(),
                "bootID": c.uid(),
                "kernelVersion": info["kernel"],
                "osImage": info["os"],
                "containerRuntimeVersion": info["runtime"],
                "kubeletVersion": info["kubelet"],
                "kubeProxyVersion": info["kubelet"],
                "operatingSystem": "linux",
                "architecture": "amd64",
            },
            "images": [
                {"names": [image_id(i), i if "/" in i else f"docker.io/library/{i}"], "sizeBytes": size}
                for i, size in images
            ],
        },
    }
    obj = {"apiVersion": "v1", "kind": "Node", **obj}
    c.add(obj)
    return NodeRef(obj, ip, pod_prefix)


def node_conditions(
    c: Cluster,
    *,
    created: float,
    heartbeat: float = 20,
    pressure: str | None = None,
    ready: tuple[str, str, str, float] | None = None,
    extra: list[Obj] | None = None,
) -> list[Obj]:
    """kubelet's four conditions (plus `extra` in front). `pressure`: "memory" turns MemoryPressure on;
    `ready`: (status, reason, message, seconds since the transition) for a node that is not ready."""
    beat = c.at(heartbeat)
    memory = (
        ("True", "KubeletHasInsufficientMemory", "kubelet has insufficient memory available", 604)
        if pressure == "memory"
        else ("False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", created)
    )
    rows = [
        ("MemoryPressure", *memory),
        ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", created),
        ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", created),
        ("Ready", *(ready or ("True", "KubeletReady", "kubelet is posting ready status", created - 40))),
    ]
    out = list(extra or [])
    for kind, status, reason, message, since in rows:
        out.append(
            {
                "type": kind,
                "status": status,
                "lastHeartbeatTime": beat,
                "lastTransitionTime": c.at(since),
                "reason": reason,
                "message": message,
            }
        )
    return out


# --- pods -----------------------------------------------------------------------------------------


def _container_status(c: Cluster, spec: Obj, state: State, started_pod: float, *, init: bool = False) -> Obj:
    image = spec["image"]
    status: Obj = {"name": spec["name"]}
    last: Terminated | None = None
    if isinstance(state, Running):
        status["state"] = {"running": {"startedAt": c.at(state.since)}}
        last, restarts, ready, started = state.last, state.restarts, state.ready, True
    elif isinstance(state, Waiting):
        waiting: Obj = {"reason": state.reason}
        if state.message:
            waiting["message"] = state.message
        status["state"] = {"waiting": waiting}
        last, restarts, ready, started = state.last, state.restarts, False, False
    else:
        status["state"] = {"terminated": _terminated(c, state.term)}
        restarts, ready, started = state.restarts, False, False
    status["lastState"] = {"terminated": _terminated(c, last)} if last else {}
    last_id = status["lastState"].get("terminated", {}).get("containerID")
    status["ready"] = ready
    status["restartCount"] = restarts
    pulled = not (
        isinstance(state, Waiting)
        and state.reason in ("ImagePullBackOff", "ErrImagePull", "ContainerCreating", "PodInitializing")
    )
    status["image"] = full_image(image) if pulled else image
    status["imageID"] = image_id(image) if pulled and not (isinstance(state, Waiting) and not last) else ""
    if status["imageID"]:
        # a waiting container still reports the id of its last run
        status["containerID"] = (
            last_id if isinstance(state, Waiting) and last_id else "containerd://" + c.hexs(64)
        )
    if not init:
        status["started"] = started
    return status


def _terminated(c: Cluster, term: Terminated) -> Obj:
    out: Obj = {"exitCode": term.exit_code, "reason": term.reason}
    if term.message:
        out["message"] = term.message
    out["startedAt"] = c.at(term.started)
    out["finishedAt"] = c.at(term.finished)
    out["containerID"] = "containerd://" + c.hexs(64)
    return out


def _qos(containers: list[Obj]) -> str:
    res = [ct.get("resources", {}) for ct in containers]
    if not any(r.get("requests") or r.get("limits") for r in res):
        return "BestEffort"
    for r in res:
        limits = r.get("limits", {})
        requests = r.get("requests", limits)
        if not ("cpu" in limits and "memory" in limits) or any(
            requests.get(k) != limits.get(k) for k in limits
        ):
            return "Burstable"
    return "Guaranteed"


def pod(
    c: Cluster,
    ns: str,
    name: str,
    template: Obj,
    *,
    created: float,
    node: NodeRef | None,
    states: list[State],
    init_states: list[State] | None = None,
    owners: list[Obj] | None = None,
    generate_name: str | None = None,
    annotations: Obj | None = None,
    unschedulable: str | None = None,
    phase: str | None = None,
    reason: str | None = None,
    message: str | None = None,
    node_not_ready: float | None = None,
    extra_conditions: list[Obj] | None = None,
    host_network: bool = False,
    priority: int = 0,
    managed_by: str | None = None,
    static: bool = False,
    ready_changed: float | None = None,
) -> Obj:
    """A pod from a template ({metadata: {labels}, spec}) as the API server returns it after running."""
    spec = copy.deepcopy(template["spec"])
    labels = dict(template["metadata"].get("labels", {}))
    vol_name = "kube-api-access-" + c.suffix(5)
    token_mount = {
        "name": vol_name,
        "readOnly": True,
        "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
    }
    if not static:
        spec.setdefault("volumes", []).append(
            {
                "name": vol_name,
                "projected": {
                    "sources": [
                        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                        {
                            "configMap": {
                                "name": "kube-root-ca.crt",
                                "items": [{"key": "ca.crt", "path": "ca.crt"}],
                            }
                        },
                        {
                            "downwardAPI": {
                                "items": [
                                    {
                                        "path": "namespace",
                                        "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                                    }
                                ]
                            }
                        },
                    ],
                    "defaultMode": 420,
                },
            }
        )
        for ct in spec.get("initContainers", []) + spec["containers"]:
            ct.setdefault("volumeMounts", []).append(dict(token_mount))
    ordered: Obj = {}
    for key in (
        "volumes",
        "initContainers",
        "containers",
        "restartPolicy",
        "terminationGracePeriodSeconds",
        "activeDeadlineSeconds",
        "dnsPolicy",
        "nodeSelector",
    ):
        if key in spec:
            ordered[key] = spec[key]
    if not static:
        ordered["serviceAccountName"] = spec.get("serviceAccountName", "default")
        ordered["serviceAccount"] = spec.get("serviceAccount", "default")
    if node is not None:
        ordered["nodeName"] = node.name
    for key in ("hostNetwork", "securityContext", "affinity", "schedulerName"):
        if key in spec:
            ordered[key] = spec[key]
    ordered["tolerations"] = spec.get("tolerations") or list(DEFAULT_TOLERATIONS)
    if "priorityClassName" in spec:
        ordered["priorityClassName"] = spec["priorityClassName"]
    ordered["priority"] = priority
    ordered["enableServiceLinks"] = True
    ordered["preemptionPolicy"] = "PreemptLowerPriority"

    started = created - 2
    status: Obj = {}
    if phase is None:
        if node is None or any(isinstance(s, Waiting) and not s.last and not s.restarts for s in states):
            phase = "Pending"
        elif all(isinstance(s, Done) for s in states):
            phase = "Succeeded" if all(s.term.exit_code == 0 for s in states) else "Failed"  # type: ignore[union-attr]
        else:
            phase = "Running"
    status["phase"] = phase
    if node is None:
        status["conditions"] = [
            condition("PodScheduled", "False", c.at(created - 1), "Unschedulable", unschedulable, probe=True)
        ]
    else:
        ready = all(isinstance(s, Running) and s.ready for s in states) and node_not_ready is None
        names = [
            ct["name"]
            for ct, s in zip(spec["containers"], states, strict=True)
            if not (isinstance(s, Running) and s.ready)
        ]
        not_ready = (
            ("ContainersNotReady", f"containers with unready status: [{' '.join(names)}]")
            if names
            else (None, None)
        )
        if node_not_ready is not None:
            ready_since = c.at(node_not_ready)
        elif ready_changed is not None:
            ready_since = c.at(ready_changed)
        else:
            ready_since = c.at(min((s.since for s in states if isinstance(s, Running)), default=started) - 3)
        done = phase in ("Succeeded", "Failed")
        conds = list(extra_conditions or [])
        conds.append(
            condition("PodReadyToStartContainers", "False" if done else "True", c.at(started - 1), probe=True)
        )
        conds.append(
            condition("Initialized", "True", c.at(started - 1), "PodCompleted" if done else None, probe=True)
        )
        if ready:
            conds.append(condition("Ready", "True", ready_since, probe=True))
            conds.append(condition("ContainersReady", "True", ready_since, probe=True))
        else:
            r_reason, r_message = (
                ("PodFailed" if phase == "Failed" else "PodCompleted", None) if done else not_ready
            )
            conds.append(condition("Ready", "False", ready_since, r_reason, r_message, probe=True))
            conds.append(
                condition(
                    "ContainersReady",
                    "False",
                    ready_since if names else c.at(started - 3),
                    r_reason,
                    r_message,
                    probe=True,
                )
            )
        conds.append(condition("PodScheduled", "True", c.at(created), probe=True))
        status["conditions"] = conds
    if reason:
        status["message"] = message
        status["reason"] = reason
    if node is not None:
        status["hostIP"] = node.ip
        status["hostIPs"] = [{"ip": node.ip}]
        if phase != "Failed" or reason != "Evicted":
            ip = node.ip if host_network else node.pod_ip()
            status["podIP"] = ip
            status["podIPs"] = [{"ip": ip}]
        status["startTime"] = c.at(started)
        if init_states:
            status["initContainerStatuses"] = [
                _container_status(c, ct, s, started, init=True)
                for ct, s in zip(spec["initContainers"], init_states, strict=True)
            ]
        status["containerStatuses"] = [
            _container_status(c, ct, s, started) for ct, s in zip(spec["containers"], states, strict=True)
        ]
    status["qosClass"] = _qos(spec["containers"])

    md = c.metadata(
        name,
        ns,
        created,
        generateName=generate_name,
        labels=labels,
        annotations=annotations,
        ownerReferences=owners,
    )
    if managed_by:
        md["managedFields"] = [
            managed(
                managed_by,
                "v1",
                c.at(created),
                {"metadata": {"generateName": 1, "labels": labels, "ownerReferences": 1}, "spec": {}},
            ),
            managed(
                "kubelet",
                "v1",
                c.at(1 if phase == "Running" else 30),
                {
                    "status": {
                        "conditions": 1,
                        "containerStatuses": 1,
                        "hostIP": 1,
                        "phase": 1,
                        "startTime": 1,
                    }
                },
                subresource="status",
            ),
        ]
    pod_ref = f"{name}_{ns}({md['uid']})"  # kubelet names a pod so in back-off messages
    for cs in status.get("containerStatuses", []):
        waiting = cs["state"].get("waiting", {})
        if "$POD" in waiting.get("message", ""):
            waiting["message"] = waiting["message"].replace("$POD", pod_ref)
    obj = {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": ordered, "status": status}
    return c.add(obj)


# --- workloads ------------------------------------------------------------------------------------


def template(labels: Obj, spec: Obj, annotations: Obj | None = None) -> Obj:
    md: Obj = {"creationTimestamp": None, "labels": dict(sorted(labels.items()))}
    if annotations:
        md["annotations"] = annotations
    return {"metadata": md, "spec": spec}


def deployment(
    c: Cluster,
    ns: str,
    name: str,
    *,
    replicas: int,
    tmpl: Obj,
    created: float,
    generation: int,
    status: Obj,
    labels: Obj | None = None,
    applied: bool = True,
    revision: int = 1,
    annotations: Obj | None = None,
) -> Obj:
    selector = {
        "matchLabels": {
            k: v
            for k, v in tmpl["metadata"]["labels"].items()
            if k in ("app", "app.kubernetes.io/name", "app.kubernetes.io/instance")
        }
    }
    spec = {
        "replicas": replicas,
        "selector": selector,
        "template": tmpl,
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
        "revisionHistoryLimit": 10,
        "progressDeadlineSeconds": 600,
    }
    notes = {"deployment.kubernetes.io/revision": str(revision), **(annotations or {})}
    fields: list[Obj] = []
    if applied:
        manifest = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"annotations": {}, "labels": labels or {"app": name}, "name": name, "namespace": ns},
            "spec": {
                "replicas": replicas,
                "selector": selector,
                "template": {
                    "metadata": {"labels": tmpl["metadata"]["labels"]},
                    "spec": {"containers": [_applied_container(ct) for ct in tmpl["spec"]["containers"]]},
                },
            },
        }
        notes[LAST_APPLIED] = last_applied(manifest)
        fields.append(
            managed(
                "kubectl-client-side-apply",
                "apps/v1",
                c.at(created),
                {
                    "metadata": {"annotations": {LAST_APPLIED: 1}, "labels": labels or {"app": name}},
                    "spec": spec,
                },
            )
        )
    fields.append(
        managed(
            "kube-controller-manager",
            "apps/v1",
            c.at(min(created, 300)),
            {
                "metadata": {"annotations": {"deployment.kubernetes.io/revision": 1}},
                "status": {k: 1 for k in status},
            },
            subresource="status",
        )
    )
    md = c.metadata(
        name,
        ns,
        created,
        generation=generation,
        labels=labels or {"app": name},
        annotations=notes,
        managedFields=fields,
    )
    return c.add(
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": md, "spec": spec, "status": status}
    )


def _applied_container(ct: Obj) -> Obj:
    keep = (
        "name",
        "image",
        "command",
        "args",
        "ports",
        "envFrom",
        "env",
        "resources",
        "livenessProbe",
        "readinessProbe",
    )
    out = {k: ct[k] for k in keep if ct.get(k)}
    for port in out.get("ports", []):
        port.pop("protocol", None)
    return out


def replicaset(
    c: Cluster,
    deploy: Obj,
    pod_hash: str,
    *,
    replicas: int,
    created: float,
    revision: int,
    ready: int,
    available: int,
    observed: int = 1,
    current: int | None = None,
    tmpl: Obj | None = None,
) -> tuple[Obj, Obj]:
    """The ReplicaSet of one Deployment revision; returns (replicaset, pod template with the hash label)."""
    ns, name = deploy["metadata"]["namespace"], deploy["metadata"]["name"]
    base = copy.deepcopy(tmpl or deploy["spec"]["template"])
    base["metadata"]["labels"] = dict(
        sorted({**base["metadata"]["labels"], "pod-template-hash": pod_hash}.items())
    )
    selector = {"matchLabels": {**deploy["spec"]["selector"]["matchLabels"], "pod-template-hash": pod_hash}}
    desired = deploy["spec"]["replicas"]
    notes = {
        "deployment.kubernetes.io/desired-replicas": str(desired),
        "deployment.kubernetes.io/max-replicas": str(desired + max(1, -(-desired // 4))),
        "deployment.kubernetes.io/revision": str(revision),
    }
    status: Obj = {"replicas": replicas if current is None else current}
    if status["replicas"]:
        status["fullyLabeledReplicas"] = status["replicas"]
    if ready:
        status["readyReplicas"] = ready
    if available:
        status["availableReplicas"] = available
    status["observedGeneration"] = observed
    md = c.metadata(
        f"{name}-{pod_hash}",
        ns,
        created,
        generation=observed,
        labels=base["metadata"]["labels"],
        annotations=notes,
        ownerReferences=owner("Deployment", deploy),
    )
    rs = c.add(
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": md,
            "spec": {"replicas": replicas, "selector": selector, "template": base},
            "status": status,
        }
    )
    return rs, base


def deployment_status(
    *,
    replicas: int,
    updated: int,
    ready: int,
    available: int,
    conditions: list[Obj],
    observed: int,
    total: int | None = None,
) -> Obj:
    status: Obj = {
        "observedGeneration": observed,
        "replicas": total if total is not None else replicas,
        "updatedReplicas": updated,
    }
    if ready:
        status["readyReplicas"] = ready
    if available:
        status["availableReplicas"] = available
    if replicas - available > 0:
        status["unavailableReplicas"] = (total if total is not None else replicas) - available
    status["conditions"] = conditions
    return status


def daemonset(
    c: Cluster,
    ns: str,
    name: str,
    *,
    tmpl: Obj,
    created: float,
    nodes: int,
    ready: int,
    generation: int = 1,
    labels: Obj | None = None,
) -> Obj:
    status: Obj = {
        "currentNumberScheduled": nodes,
        "numberMisscheduled": 0,
        "desiredNumberScheduled": nodes,
        "numberReady": ready,
        "observedGeneration": generation,
        "updatedNumberScheduled": nodes,
        "numberAvailable": ready,
    }
    if nodes - ready:
        status["numberUnavailable"] = nodes - ready
    md = c.metadata(
        name,
        ns,
        created,
        generation=generation,
        labels=labels or tmpl["metadata"]["labels"],
        annotations={"deprecated.daemonset.template.generation": str(generation)},
    )
    spec = {
        "selector": {
            "matchLabels": {
                k: v
                for k, v in tmpl["metadata"]["labels"].items()
                if k in ("k8s-app", "app", "app.kubernetes.io/name")
            }
        },
        "template": tmpl,
        "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
        "revisionHistoryLimit": 10,
    }
    return c.add(
        {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": md, "spec": spec, "status": status}
    )


def daemon_pod_template(ds: Obj, node: NodeRef, revision_hash: str) -> Obj:
    tmpl = copy.deepcopy(ds["spec"]["template"])
    tmpl["metadata"]["labels"] = dict(
        sorted(
            {
                **tmpl["metadata"]["labels"],
                "controller-revision-hash": revision_hash,
                "pod-template-generation": "1",
            }.items()
        )
    )
    spec = tmpl["spec"]
    spec["affinity"] = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node.name]}]}
                ]
            }
        }
    }
    return tmpl


# --- networking and events ------------------------------------------------------------------------


def service(
    c: Cluster,
    ns: str,
    name: str,
    *,
    created: float,
    ports: list[Obj],
    selector: Obj | None,
    cluster_ip: str,
    kind: str = "ClusterIP",
    labels: Obj | None = None,
    lb_ip: str | None = None,
    annotations: Obj | None = None,
) -> Obj:
    spec: Obj = {"ports": ports}
    if selector is not None:
        spec["selector"] = selector
    spec["clusterIP"] = cluster_ip
    spec["clusterIPs"] = [cluster_ip]
    spec["type"] = kind
    spec["sessionAffinity"] = "None"
    if kind == "LoadBalancer":
        spec["externalTrafficPolicy"] = "Cluster"
    spec["ipFamilies"] = ["IPv4"]
    spec["ipFamilyPolicy"] = "SingleStack"
    if kind == "LoadBalancer":
        spec["allocateLoadBalancerNodePorts"] = True
    spec["internalTrafficPolicy"] = "Cluster"
    status: Obj = {"loadBalancer": {"ingress": [{"ip": lb_ip, "ipMode": "VIP"}]} if lb_ip else {}}
    md = c.metadata(name, ns, created, labels=labels, annotations=annotations)
    return c.add({"apiVersion": "v1", "kind": "Service", "metadata": md, "spec": spec, "status": status})


def port(
    name: str | None, port_number: int, target: int | str, node_port: int | None = None, protocol: str = "TCP"
) -> Obj:
    out: Obj = {"name": name} if name else {}
    out.update({"protocol": protocol, "port": port_number, "targetPort": target})
    if node_port:
        out["nodePort"] = node_port
    return out


def event(
    c: Cluster,
    obj: Obj,
    reason: str,
    message: str,
    *,
    first: float,
    last: float,
    count: int = 1,
    kind: str = "Normal",
    component: str = "kubelet",
    host: str | None = None,
    field_path: str | None = None,
    ns: str | None = None,
) -> Obj:
    """A core/v1 Event as kubelet and the controllers record it (count, first/last timestamps)."""
    md = obj["metadata"]
    involved: Obj = {"kind": obj["kind"]}
    if md.get("namespace"):
        involved["namespace"] = md["namespace"]
    involved.update(
        {
            "name": md["name"],
            "uid": md["uid"] if obj["kind"] != "Node" else md["name"],
            "apiVersion": obj["apiVersion"],
            "resourceVersion": md["resourceVersion"],
        }
    )
    if field_path:
        involved["fieldPath"] = field_path
    where = ns or md.get("namespace") or "default"
    source: Obj = {"component": component}
    if host:
        source["host"] = host
    ev = {
        "metadata": c.metadata(f"{md['name']}.{_event_suffix(c, first)}", where, first),
        "involvedObject": involved,
        "reason": reason,
        "message": message,
        "source": source,
        "firstTimestamp": c.at(first),
        "lastTimestamp": c.at(last),
        "count": count,
        "type": kind,
        "eventTime": None,
        "reportingComponent": component,
        "reportingInstance": host or "",
    }
    return c.add({"apiVersion": "v1", "kind": "Event", **ev})


def series_event(
    c: Cluster,
    obj: Obj,
    reason: str,
    message: str,
    *,
    first: float,
    last: float,
    count: int,
    kind: str = "Warning",
    component: str = "default-scheduler",
    action: str = "Scheduling",
    instance: str | None = None,
) -> Obj:
    """An event recorded through events.k8s.io (the scheduler's), as the core/v1 API shows it."""
    md = obj["metadata"]
    ev: Obj = {
        "metadata": c.metadata(f"{md['name']}.{_event_suffix(c, first)}", md["namespace"], first),
        "involvedObject": {
            "kind": obj["kind"],
            "namespace": md["namespace"],
            "name": md["name"],
            "uid": md["uid"],
            "apiVersion": obj["apiVersion"],
            "resourceVersion": md["resourceVersion"],
        },
        "reason": reason,
        "message": message,
        "source": {},
        "firstTimestamp": None,
        "lastTimestamp": None,
        "type": kind,
        "eventTime": c.at_micro(first),
    }
    if count > 1:
        ev["series"] = {"count": count, "lastObservedTime": c.at_micro(last)}
    ev.update(
        {
            "action": action,
            "reportingComponent": component,
            "reportingInstance": instance or f"{component}-{c.suffix(6)}",
        }
    )
    return c.add({"apiVersion": "v1", "kind": "Event", **ev})


def _event_suffix(c: Cluster, first: float) -> str:
    nanos = int((c.now.timestamp() - first) * 1e9) + c.rng.randint(0, 999_999_999)
    return f"{nanos:x}"
