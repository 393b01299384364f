"""Server-side printing: the `meta.k8s.io/v1 Table` kubectl asks for when it prints without `-o`.

Column sets follow the real printers (pkg/printers/internalversion) for the kinds people look at
most; every other kind gets Name/Age like a resource without printer columns.
"""

from __future__ import annotations

import time
from calendar import timegm
from collections.abc import Callable
from typing import Any

Obj = dict[str, Any]


def _col(name: str, description: str = "", priority: int = 0, type_: str = "string", fmt: str = "") -> Obj:
    return {"name": name, "type": type_, "format": fmt, "description": description, "priority": priority}


_NAME = _col("Name", "Name must be unique within a namespace.", fmt="name")
_AGE = _col("Age", "CreationTimestamp is a timestamp representing the server time when this object was "
                   "created.")


def _seconds_since(stamp: str | None, now: float) -> float | None:
    if not stamp:
        return None
    try:
        parsed = time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None
    return now - timegm(parsed)


def human_duration(seconds: float) -> str:
    """Go's k8s.io/apimachinery/pkg/util/duration.HumanDuration."""
    if seconds < -1:
        return "<invalid>"
    s = max(int(seconds), 0)
    if s < 120:
        return f"{s}s"
    m = s // 60
    if m < 10:
        return f"{m}m{s % 60}s" if s % 60 else f"{m}m"
    if m < 180:
        return f"{m}m"
    h = m // 60
    if h < 8:
        return f"{h}h{m % 60}m" if m % 60 else f"{h}h"
    if h < 48:
        return f"{h}h"
    if h < 24 * 8:
        return f"{h // 24}d{h % 24}h" if h % 24 else f"{h // 24}d"
    if h < 24 * 365 * 2:
        return f"{h // 24}d"
    if h < 24 * 365 * 8:
        return f"{h // (24 * 365)}y{(h // 24) % 365}d"
    return f"{h // (24 * 365)}y"


def _since(stamp: str | None, now: float) -> str:
    seconds = _seconds_since(stamp, now)
    return "<unknown>" if seconds is None else human_duration(seconds)


def _age(obj: Obj, now: float) -> str:
    return _since((obj.get("metadata") or {}).get("creationTimestamp"), now)


def _last_finished(status: Obj) -> str:
    return ((status.get("lastState") or {}).get("terminated") or {}).get("finishedAt", "")


def _terminated_reason(term: Obj) -> str:
    if term.get("reason"):
        return term["reason"]
    return f"Signal:{term['signal']}" if term.get("signal") else f"ExitCode:{term.get('exitCode', 0)}"


# --- per-kind rows -----------------------------------------------------------------------------

def _pod_cells(pod: Obj, now: float) -> list[Any]:
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    phase = status.get("phase", "")
    reason = status.get("reason") or phase
    restarts, ready, last_restart = 0, 0, ""
    initializing = False
    init_specs = spec.get("initContainers") or []
    for i, cs in enumerate(status.get("initContainerStatuses") or []):
        restarts += cs.get("restartCount", 0)
        last_restart = max(last_restart, _last_finished(cs))
        state = cs.get("state") or {}
        term, wait = state.get("terminated"), state.get("waiting")
        if term and term.get("exitCode") == 0:
            continue
        if term:
            reason = "Init:" + _terminated_reason(term)
        elif wait and wait.get("reason") and wait["reason"] != "PodInitializing":
            reason = "Init:" + wait["reason"]
        else:
            reason = f"Init:{i}/{len(init_specs)}"
        initializing = True
        break
    if not initializing:
        restarts, last_restart, has_running = 0, "", False
        for cs in reversed(status.get("containerStatuses") or []):
            restarts += cs.get("restartCount", 0)
            last_restart = max(last_restart, _last_finished(cs))
            state = cs.get("state") or {}
            wait, term = state.get("waiting"), state.get("terminated")
            if wait and wait.get("reason"):
                reason = wait["reason"]
            elif term:
                reason = _terminated_reason(term)
            elif cs.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            conds = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
            reason = "Running" if conds.get("Ready") == "True" else "NotReady"
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        reason = "Unknown" if status.get("reason") == "NodeLost" else (
            reason if phase in ("Succeeded", "Failed") else "Terminating")
    restarts_text = str(restarts)
    if restarts and last_restart:
        restarts_text = f"{restarts} ({_since(last_restart, now)} ago)"
    ips = status.get("podIPs") or []
    gates = spec.get("readinessGates") or []
    if gates:
        conds = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
        gates_text = f"{sum(conds.get(g.get('conditionType')) == 'True' for g in gates)}/{len(gates)}"
    else:
        gates_text = "<none>"
    return [
        pod["metadata"]["name"], f"{ready}/{len(spec.get('containers') or [])}", reason, restarts_text,
        _age(pod, now), (ips[0].get("ip") if ips else status.get("podIP")) or "<none>",
        spec.get("nodeName") or "<none>", status.get("nominatedNodeName") or "<none>", gates_text,
    ]


_POD_COLUMNS = [
    _NAME,
    _col("Ready", "The aggregate readiness state of this pod for accepting traffic."),
    _col("Status", "The aggregate status of the containers in this pod."),
    _col("Restarts", "The number of times the containers in this pod have been restarted and when the "
                     "last container in this pod has restarted."),
    _AGE,
    _col("IP", "podIP address allocated to the pod.", 1),
    _col("Node", "NodeName indicates in which node this pod is scheduled.", 1),
    _col("Nominated Node", "nominatedNodeName is set only when this pod preempts other pods on the node.", 1),
    _col("Readiness Gates", "If specified, all readiness gates will be evaluated for pod readiness.", 1),
]


def _node_cells(node: Obj, now: float) -> list[Any]:
    meta, spec, status = node.get("metadata") or {}, node.get("spec") or {}, node.get("status") or {}
    ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
    state = "Unknown" if ready is None else {"True": "Ready", "False": "NotReady"}.get(ready.get("status"),
                                                                                        "Unknown")
    if spec.get("unschedulable"):
        state += ",SchedulingDisabled"
    roles = sorted(k.split("/", 1)[1] for k in meta.get("labels") or {}
                   if k.startswith("node-role.kubernetes.io/"))
    info = status.get("nodeInfo") or {}
    addrs = {a.get("type"): a.get("address") for a in status.get("addresses") or []}
    return [meta["name"], state, ",".join(roles) or "<none>", _age(node, now), info.get("kubeletVersion", ""),
            addrs.get("InternalIP", "<none>"), addrs.get("ExternalIP", "<none>"), info.get("osImage", ""),
            info.get("kernelVersion", ""), info.get("containerRuntimeVersion", "")]


_NODE_COLUMNS = [
    _NAME, _col("Status", "The status of the node"), _col("Roles", "The roles of the node"), _AGE,
    _col("Version", "Kubelet Version reported by the node."), _col("Internal-IP", "", 1),
    _col("External-IP", "", 1), _col("OS-Image", "", 1), _col("Kernel-Version", "", 1),
    _col("Container-Runtime", "", 1),
]


def _deployment_cells(dep: Obj, now: float) -> list[Any]:
    spec, status = dep.get("spec") or {}, dep.get("status") or {}
    containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or []
    match = (spec.get("selector") or {}).get("matchLabels") or {}
    return [dep["metadata"]["name"], f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}",
            status.get("updatedReplicas", 0), status.get("availableReplicas", 0), _age(dep, now),
            ",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers),
            ",".join(f"{k}={v}" for k, v in match.items()) or "<none>"]


_DEPLOYMENT_COLUMNS = [
    _NAME, _col("Ready", "Number of the pod with ready state"),
    _col("Up-to-date", "Total number of non-terminated pods targeted by this deployment that have the "
                       "desired template spec.", type_="integer"),
    _col("Available", "Total number of available pods (ready for at least minReadySeconds) targeted by "
                      "this deployment.", type_="integer"),
    _AGE, _col("Containers", "Names of each container in the template.", 1),
    _col("Images", "Images referenced by each container in the template.", 1),
    _col("Selector", "Label selector for pods.", 1),
]


def _service_cells(svc: Obj, now: float) -> list[Any]:
    spec = svc.get("spec") or {}
    kind = spec.get("type", "ClusterIP")
    ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    external = ",".join(i.get("ip") or i.get("hostname", "") for i in ingress) or spec.get("externalName", "")
    if not external:
        external = "<pending>" if kind == "LoadBalancer" else "<none>"
    ports = ",".join(
        f"{p.get('port')}:{p['nodePort']}/{p.get('protocol', 'TCP')}" if p.get("nodePort")
        else f"{p.get('port')}/{p.get('protocol', 'TCP')}"
        for p in spec.get("ports") or []
    ) or "<none>"
    selector = ",".join(f"{k}={v}" for k, v in (spec.get("selector") or {}).items()) or "<none>"
    return [svc["metadata"]["name"], kind, spec.get("clusterIP") or "<none>", external, ports, _age(svc, now),
            selector]


_SERVICE_COLUMNS = [
    _NAME, _col("Type", "type determines how the Service is exposed."),
    _col("Cluster-IP", "clusterIP is the IP address of the service."),
    _col("External-IP", "externalIPs is a list of IP addresses for which nodes in the cluster will also "
                        "accept traffic for this service."),
    _col("Port(s)", "The list of ports that are exposed by this service."), _AGE,
    _col("Selector", "Route service traffic to pods with label keys and values matching this selector.", 1),
]


def _event_cells(ev: Obj, now: float) -> list[Any]:
    last = _since(ev.get("lastTimestamp") or ev.get("eventTime") or ev.get("firstTimestamp"), now)
    first = _since(ev.get("firstTimestamp") or ev.get("eventTime"), now)
    count = ev.get("count") or 1
    seen = f"{last} (x{count} over {first})" if count > 1 else last
    inv = ev.get("involvedObject") or {}
    source = (ev.get("source") or {}).get("component") or ev.get("reportingComponent") or ""
    obj = f"{inv.get('kind', '').lower()}/{inv.get('name', '')}"
    return [seen, ev.get("type", ""), ev.get("reason", ""), obj, inv.get("fieldPath", ""), source,
            ev.get("message", ""), first, count, ev["metadata"]["name"]]


_EVENT_COLUMNS = [
    _col("Last Seen", "Time when this Event was last observed."), _col("Type", "Type of this event."),
    _col("Reason", "Reason is why the action was taken."),
    _col("Object", "The object that this event is about."),
    _col("Subobject", "The subobject that this event is about.", 1),
    _col("Source", "The component reporting this event.", 1),
    _col("Message", "A human-readable description of the status of this operation."),
    _col("First Seen", "Time when this Event was first observed.", 1),
    _col("Count", "The number of times this event has occurred.", 1, "integer"),
    _col("Name", "Name must be unique within a namespace.", 1, fmt="name"),
]


def _replicaset_cells(rs: Obj, now: float) -> list[Any]:
    spec, status = rs.get("spec") or {}, rs.get("status") or {}
    containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or []
    match = (spec.get("selector") or {}).get("matchLabels") or {}
    return [rs["metadata"]["name"], spec.get("replicas", 1), status.get("replicas", 0),
            status.get("readyReplicas", 0), _age(rs, now), ",".join(c.get("name", "") for c in containers),
            ",".join(c.get("image", "") for c in containers),
            ",".join(f"{k}={v}" for k, v in match.items()) or "<none>"]


_REPLICASET_COLUMNS = [
    _NAME, _col("Desired", "Number of desired pods.", type_="integer"),
    _col("Current", "Number of actual replicas.", type_="integer"),
    _col("Ready", "The number of ready replicas for this replica set.", type_="integer"), _AGE,
    _col("Containers", "Names of each container in the template.", 1),
    _col("Images", "Images referenced by each container in the template.", 1),
    _col("Selector", "Label selector for pods.", 1),
]


def _secret_cells(secret: Obj, now: float) -> list[Any]:
    data = len(secret.get("data") or {}) + len(secret.get("stringData") or {})
    return [secret["metadata"]["name"], secret.get("type", "Opaque"), data, _age(secret, now)]


def _configmap_cells(cm: Obj, now: float) -> list[Any]:
    items = len(cm.get("data") or {}) + len(cm.get("binaryData") or {})
    return [cm["metadata"]["name"], items, _age(cm, now)]


def _namespace_cells(ns: Obj, now: float) -> list[Any]:
    return [ns["metadata"]["name"], (ns.get("status") or {}).get("phase", "Active"), _age(ns, now)]


_PRINTERS: dict[str, tuple[list[Obj], Callable[[Obj, float], list[Any]]]] = {
    "Pod": (_POD_COLUMNS, _pod_cells),
    "Node": (_NODE_COLUMNS, _node_cells),
    "Deployment": (_DEPLOYMENT_COLUMNS, _deployment_cells),
    "Service": (_SERVICE_COLUMNS, _service_cells),
    "Event": (_EVENT_COLUMNS, _event_cells),
    "ReplicaSet": (_REPLICASET_COLUMNS, _replicaset_cells),
    "Secret": ([_NAME, _col("Type", "The type of the secret"),
                _col("Data", "The number of data items in the secret", type_="integer"), _AGE],
               _secret_cells),
    "ConfigMap": ([_NAME, _col("Data", "The number of data items", type_="integer"), _AGE], _configmap_cells),
    "Namespace": ([_NAME, _col("Status", "The status of the namespace"), _AGE], _namespace_cells),
}


def _generic_cells(obj: Obj, now: float) -> list[Any]:
    return [obj["metadata"]["name"], _age(obj, now)]


def partial_metadata(obj: Obj) -> Obj:
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
            "metadata": obj.get("metadata", {})}


def table(kind: str, objects: list[Obj], list_meta: Obj, include_object: str = "Metadata") -> Obj:
    columns, cells = _PRINTERS.get(kind, ([_NAME, _AGE], _generic_cells))
    now = time.time()
    rows = []
    for obj in objects:
        row: Obj = {"cells": cells(obj, now)}
        if include_object == "Object":
            row["object"] = obj
        elif include_object != "None":
            row["object"] = partial_metadata(obj)
        rows.append(row)
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": list_meta,
            "columnDefinitions": columns, "rows": rows}
