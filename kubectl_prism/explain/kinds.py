"""Per-kind spec highlights and status, as plain data (the `spec` and `status` of an Explanation)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kubectl_prism.explain.describe import dig, pod_spec, pod_spec_highlights
from kubectl_prism.snapshot import KubeObject
from kubectl_prism.timeutil import age_of


def _drop_empty(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v not in (None, "", [], {})}


# --- spec ----------------------------------------------------------------------------------------

def spec_highlights(obj: KubeObject) -> dict[str, Any]:
    kind = obj.get("kind")
    spec = obj.get("spec") or {}
    out: dict[str, Any] = {}
    if kind in ("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"):
        out["replicas"] = spec.get("replicas", 1)
    if kind == "Deployment":
        strategy = spec.get("strategy") or {}
        out["strategy"] = strategy.get("type", "RollingUpdate")
        if spec.get("paused"):
            out["paused"] = True
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"):
        out["selector"] = _selector_text(spec.get("selector"))
    if kind == "StatefulSet":
        out["serviceName"] = spec.get("serviceName")
        templates = spec.get("volumeClaimTemplates") or []
        out["volumeClaimTemplates"] = [dig(t, "metadata", "name") for t in templates]
    if kind == "Job":
        out.update({k: spec.get(k) for k in ("completions", "parallelism", "backoffLimit",
                                              "activeDeadlineSeconds")})
    if kind == "CronJob":
        out.update({k: spec.get(k) for k in ("schedule", "timeZone", "concurrencyPolicy", "suspend",
                                              "startingDeadlineSeconds")})
    ps = pod_spec(obj)
    if ps is not None:
        out.update(pod_spec_highlights(ps))
    describe = _SPEC.get(kind or "")
    if describe:
        out.update(describe(obj, spec))
    return _drop_empty(out)


def _selector_text(selector: dict[str, Any] | None) -> str | None:
    if not selector:
        return None
    labels = selector.get("matchLabels", selector) if isinstance(selector, dict) else {}
    parts = [f"{k}={v}" for k, v in (labels or {}).items() if isinstance(v, str)]
    for expr in selector.get("matchExpressions") or []:
        parts.append(f"{expr.get('key')} {expr.get('operator')} ({', '.join(expr.get('values') or [])})")
    return ",".join(parts) or None


def _service(obj: KubeObject, spec: dict[str, Any]) -> dict[str, Any]:
    ports = []
    for p in spec.get("ports") or []:
        text = f"{p.get('port')}->{p.get('targetPort', p.get('port'))}/{p.get('protocol', 'TCP')}"
        if p.get("name"):
            text = f"{p['name']} {text}"
        if p.get("nodePort"):
            text += f" nodePort {p['nodePort']}"
        ports.append(text)
    return {"type": spec.get("type", "ClusterIP"), "clusterIP": spec.get("clusterIP"),
            "selector": _selector_text(spec.get("selector")), "ports": ports,
            "externalName": spec.get("externalName")}


def _ingress(obj: KubeObject, spec: dict[str, Any]) -> dict[str, Any]:
    rules = []
    for rule in spec.get("rules") or []:
        for path in dig(rule, "http", "paths") or []:
            svc = dig(path, "backend", "service") or {}
            port = (svc.get("port") or {}).get("number") or (svc.get("port") or {}).get("name")
            where = f"{rule.get('host') or '*'}{path.get('path', '/')}"
            rules.append(f"{where} -> service/{svc.get('name')}:{port}")
    default = dig(spec, "defaultBackend", "service")
    tls = [f"{', '.join(t.get('hosts') or [])} with secret/{t.get('secretName')}"
           for t in spec.get("tls") or []]
    return {"ingressClassName": spec.get("ingressClassName"), "rules": rules,
            "defaultBackend": f"service/{default.get('name')}" if default else None, "tls": tls}


def _pvc(obj: KubeObject, spec: dict[str, Any]) -> dict[str, Any]:
    return {"storageClassName": spec.get("storageClassName"), "accessModes": spec.get("accessModes"),
            "requested": dig(spec, "resources", "requests", "storage"), "volumeName": spec.get("volumeName"),
            "volumeMode": spec.get("volumeMode")}


def _node(obj: KubeObject, spec: dict[str, Any]) -> dict[str, Any]:
    info = dig(obj, "status", "nodeInfo") or {}
    taints = [f"{t.get('key')}={t.get('value', '')}:{t.get('effect')}" for t in spec.get("taints") or []]
    return {"unschedulable": spec.get("unschedulable"), "taints": taints, "podCIDR": spec.get("podCIDR"),
            "kubeletVersion": info.get("kubeletVersion"), "osImage": info.get("osImage"),
            "containerRuntime": info.get("containerRuntimeVersion"),
            "capacity": dig(obj, "status", "capacity"), "allocatable": dig(obj, "status", "allocatable")}


def _hpa(obj: KubeObject, spec: dict[str, Any]) -> dict[str, Any]:
    target = spec.get("scaleTargetRef") or {}
    metrics = []
    for m in spec.get("metrics") or []:
        res = m.get("resource") or {}
        goal = res.get("target") or {}
        value = goal.get("averageUtilization")
        name = res.get("name", m.get("type"))
        metrics.append(f"{name} {value}%" if value is not None else str(m.get("type")))
    return {"scaleTargetRef": f"{str(target.get('kind', '')).lower()}/{target.get('name')}",
            "minReplicas": spec.get("minReplicas", 1), "maxReplicas": spec.get("maxReplicas"),
            "metrics": metrics}


def _pdb(obj: KubeObject, spec: dict[str, Any]) -> dict[str, Any]:
    return {"minAvailable": spec.get("minAvailable"), "maxUnavailable": spec.get("maxUnavailable"),
            "selector": _selector_text(spec.get("selector"))}


def _netpol(obj: KubeObject, spec: dict[str, Any]) -> dict[str, Any]:
    return {"podSelector": _selector_text(spec.get("podSelector")) or "all pods in the namespace",
            "policyTypes": spec.get("policyTypes"), "ingressRules": len(spec.get("ingress") or []),
            "egressRules": len(spec.get("egress") or [])}


def _configmap(obj: KubeObject, spec: dict[str, Any]) -> dict[str, Any]:
    data = obj.get("data") or {}
    return {"keys": [f"{k} ({len(str(v))} bytes)" for k, v in sorted(data.items())],
            "binaryKeys": sorted(obj.get("binaryData") or {})}


def _secret(obj: KubeObject, spec: dict[str, Any]) -> dict[str, Any]:
    # Key names only: values never leave the Secret, not even into local output.
    keys = sorted({*(obj.get("data") or {}), *(obj.get("stringData") or {})})
    return {"type": obj.get("type"), "keys": keys, "values": "never read or shown by prism"}


_SPEC = {
    "Service": _service, "Ingress": _ingress, "PersistentVolumeClaim": _pvc, "Node": _node,
    "HorizontalPodAutoscaler": _hpa, "PodDisruptionBudget": _pdb, "NetworkPolicy": _netpol,
    "ConfigMap": _configmap, "Secret": _secret,
}


# --- status --------------------------------------------------------------------------------------

def pod_status_text(pod: KubeObject) -> str:
    """The STATUS column of `kubectl get pods`: CrashLoopBackOff, Init:0/1, Terminating, Running..."""
    status = pod.get("status") or {}
    if dig(pod, "metadata", "deletionTimestamp"):
        return "Terminating"
    if status.get("reason"):
        return str(status["reason"])
    inits = status.get("initContainerStatuses") or []
    for i, cs in enumerate(inits):
        state = cs.get("state") or {}
        term = state.get("terminated")
        if term and term.get("exitCode") == 0:
            continue
        if term:
            return f"Init:{term.get('reason') or 'Error'}"
        if state.get("waiting", {}).get("reason") not in (None, "PodInitializing"):
            return f"Init:{state['waiting']['reason']}"
        return f"Init:{i}/{len(inits)}"
    for cs in status.get("containerStatuses") or []:
        state = cs.get("state") or {}
        if (state.get("waiting") or {}).get("reason"):
            return str(state["waiting"]["reason"])
        if (state.get("terminated") or {}).get("reason"):
            return str(state["terminated"]["reason"])
    return str(status.get("phase") or "Unknown")


def container_state_text(state: dict[str, Any] | None, now: datetime) -> str | None:
    if not state:
        return None
    if "running" in state:
        since = age_of((state["running"] or {}).get("startedAt"), now)
        return f"Running for {since}" if since else "Running"
    if "waiting" in state:
        w = state["waiting"] or {}
        return ": ".join(p for p in (f"Waiting ({w.get('reason', 'unknown')})", w.get("message")) if p)
    if "terminated" in state:
        t = state["terminated"] or {}
        text = f"Terminated ({t.get('reason', 'unknown')}, exit code {t.get('exitCode')})"
        ago = age_of(t.get("finishedAt"), now)
        text += f" {ago} ago" if ago else ""
        return f"{text}: {t['message']}" if t.get("message") else text
    return None


def _conditions(obj: KubeObject, now: datetime) -> list[dict[str, Any]]:
    out = []
    for c in dig(obj, "status", "conditions") or []:
        out.append(_drop_empty({"type": c.get("type"), "status": c.get("status"), "reason": c.get("reason"),
                                "message": c.get("message"),
                                "since": age_of(c.get("lastTransitionTime"), now)}))
    return out


def _pod_status(obj: KubeObject, status: dict[str, Any], now: datetime) -> dict[str, Any]:
    containers = []
    for init, key in ((True, "initContainerStatuses"), (False, "containerStatuses")):
        for cs in status.get(key) or []:
            containers.append(_drop_empty({
                "name": cs.get("name"), "init": init or None, "ready": cs.get("ready"),
                "restarts": cs.get("restartCount", 0), "state": container_state_text(cs.get("state"), now),
                "lastState": container_state_text(cs.get("lastState"), now), "image": cs.get("image"),
            }))
    return {"status": pod_status_text(obj), "phase": status.get("phase"), "message": status.get("message"),
            "podIP": status.get("podIP"), "hostIP": status.get("hostIP"), "qosClass": status.get("qosClass"),
            "startedAgo": age_of(status.get("startTime"), now), "containers": containers}


_REPLICA_FIELDS = {
    "Deployment": ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas",
                   "unavailableReplicas"),
    "ReplicaSet": ("replicas", "readyReplicas", "availableReplicas"),
    "ReplicationController": ("replicas", "readyReplicas", "availableReplicas"),
    "StatefulSet": ("replicas", "readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas"),
    "DaemonSet": ("desiredNumberScheduled", "currentNumberScheduled", "numberReady", "numberAvailable",
                  "numberUnavailable", "numberMisscheduled", "updatedNumberScheduled"),
    "Job": ("active", "succeeded", "failed", "ready"),
    "HorizontalPodAutoscaler": ("currentReplicas", "desiredReplicas"),
    "PodDisruptionBudget": ("currentHealthy", "desiredHealthy", "disruptionsAllowed", "expectedPods"),
}


def status_summary(obj: KubeObject, now: datetime) -> dict[str, Any]:
    kind = obj.get("kind", "")
    status = obj.get("status") or {}
    out: dict[str, Any] = {}
    if kind == "Pod":
        out.update(_pod_status(obj, status, now))
    for key in _REPLICA_FIELDS.get(kind, ()):
        out[key] = status.get(key, 0)
    if kind == "Job":
        out["startedAgo"] = age_of(status.get("startTime"), now)
        out["completedAgo"] = age_of(status.get("completionTime"), now)
    if kind == "CronJob":
        out["lastScheduleAgo"] = age_of(status.get("lastScheduleTime"), now)
        out["lastSuccessfulAgo"] = age_of(status.get("lastSuccessfulTime"), now)
        out["activeJobs"] = [a.get("name") for a in status.get("active") or []]
    if kind in ("PersistentVolumeClaim", "Namespace", "PersistentVolume"):
        out["phase"] = status.get("phase")
        out["capacity"] = dig(status, "capacity", "storage")
    if kind == "Service":
        ingress = dig(status, "loadBalancer", "ingress") or []
        out["loadBalancer"] = [i.get("ip") or i.get("hostname") for i in ingress]
    if kind == "Ingress":
        ingress = dig(status, "loadBalancer", "ingress") or []
        out["address"] = [i.get("ip") or i.get("hostname") for i in ingress]
    if kind == "HorizontalPodAutoscaler":
        out["currentMetrics"] = [_hpa_metric(m) for m in status.get("currentMetrics") or []]
    out["conditions"] = _conditions(obj, now)
    return _drop_empty(out)


def _hpa_metric(metric: dict[str, Any]) -> str:
    res = metric.get("resource") or {}
    current = res.get("current") or {}
    if current.get("averageUtilization") is not None:
        return f"{res.get('name')} {current['averageUtilization']}%"
    return f"{res.get('name', metric.get('type'))} {current.get('averageValue', '')}".strip()
