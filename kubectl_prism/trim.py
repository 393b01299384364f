"""Kubernetes objects trimmed to what diagnosis needs, before they are redacted and sent out.

Drops what every object carries and nobody reads (managedFields are dropped by redaction; here:
termination-message paths, scheduler names, the service-account token volume and its mounts, probe
fields left at their defaults, empty values, node image lists) and keeps container specs, statuses,
conditions, owners and labels. `status_only` keeps metadata and status: the short form of an object
when the token budget is tight.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kubectl_prism.snapshot import MAX_NESTING, NESTING_CUT, KubeObject

_NOISY_SPEC = ("terminationMessagePath", "terminationMessagePolicy", "dnsPolicy", "schedulerName",
               "enableServiceLinks", "preemptionPolicy", "priority", "terminationGracePeriodSeconds",
               "revisionHistoryLimit", "progressDeadlineSeconds")
_NODE_INFO_KEEP = ("kubeletVersion", "containerRuntimeVersion", "osImage", "architecture")


def _drop(d: Any, keys: Iterable[str]) -> Any:
    return {k: v for k, v in d.items() if k not in keys} if isinstance(d, dict) else d


_PROBE_DEFAULTS = {"successThreshold": 1, "timeoutSeconds": 1, "periodSeconds": 10, "failureThreshold": 3,
                   "scheme": "HTTP"}


def _prune(value: Any, depth: int = 0) -> Any:
    """Drop what says nothing: None, {}, [] and probe fields left at their defaults.

    A copy (so YAML aliases would be expanded: the snapshot loader bounds them); nothing below
    MAX_NESTING levels is entered.
    """
    if depth >= MAX_NESTING and isinstance(value, dict | list):
        return NESTING_CUT
    if isinstance(value, dict):
        out = {k: _prune(v, depth + 1) for k, v in value.items()}
        out = {k: v for k, v in out.items() if v not in (None, {}, [])}
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            if isinstance(out.get(probe), dict):
                out[probe] = {k: v for k, v in out[probe].items() if _PROBE_DEFAULTS.get(k, ...) != v}
                for action in ("httpGet", "tcpSocket", "grpc"):
                    if isinstance(out[probe].get(action), dict):
                        out[probe][action] = {k: v for k, v in out[probe][action].items()
                                              if _PROBE_DEFAULTS.get(k, ...) != v}
        return out
    if isinstance(value, list):
        return [_prune(v, depth + 1) for v in value]
    return value


def _trim_container(c: Any) -> Any:
    if not isinstance(c, dict):
        return c
    out = _drop(c, _NOISY_SPEC)
    if isinstance(out.get("volumeMounts"), list):
        out["volumeMounts"] = [m for m in out["volumeMounts"]
                               if not str(m.get("name", "")).startswith("kube-api-access")]
    return out


def _trim_pod_spec(spec: dict[str, Any]) -> dict[str, Any]:
    out = _drop(spec, (*_NOISY_SPEC, "serviceAccount"))
    for field_name in ("containers", "initContainers"):
        if isinstance(out.get(field_name), list):
            out[field_name] = [_trim_container(c) for c in out[field_name]]
    if isinstance(out.get("volumes"), list):  # the token volume every pod has says nothing
        out["volumes"] = [v for v in out["volumes"]
                          if not str(v.get("name", "")).startswith("kube-api-access")]
    if isinstance(out.get("tolerations"), list):
        out["tolerations"] = [t for t in out["tolerations"]
                              if t.get("key") not in ("node.kubernetes.io/not-ready",
                                                      "node.kubernetes.io/unreachable")]
    return out


def trim_object(obj: KubeObject, status_only: bool = False) -> KubeObject:
    meta = obj.get("metadata") or {}
    slim_meta = {k: meta[k] for k in ("name", "namespace", "labels", "annotations", "creationTimestamp",
                                      "deletionTimestamp", "generation") if k in meta}
    if meta.get("ownerReferences"):
        slim_meta["ownerReferences"] = [{"kind": o.get("kind"), "name": o.get("name")}
                                        for o in meta["ownerReferences"]]
    out: dict[str, Any] = {"kind": obj.get("kind"), "metadata": slim_meta}
    for key, value in obj.items():
        if key in ("kind", "apiVersion", "metadata"):
            continue
        if status_only and key != "status":
            continue
        out[key] = value
    kind = obj.get("kind")
    spec = out.get("spec")
    if isinstance(spec, dict):
        if kind == "Pod":
            out["spec"] = _trim_pod_spec(spec)
        elif isinstance(spec.get("template"), dict) and isinstance(spec["template"].get("spec"), dict):
            out["spec"] = {**_drop(spec, _NOISY_SPEC),
                           "template": {**spec["template"], "spec": _trim_pod_spec(spec["template"]["spec"])}}
    status = out.get("status")
    if kind == "Node" and isinstance(status, dict):
        info = status.get("nodeInfo") or {}
        out["status"] = {**_drop(status, ("images", "volumesInUse", "volumesAttached", "daemonEndpoints")),
                         "nodeInfo": {k: info[k] for k in _NODE_INFO_KEEP if k in info}}
    return _prune(out)
