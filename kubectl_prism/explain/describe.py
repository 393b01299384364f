"""What `kubectl describe` would say about an object, as plain data: spec highlights and status.

Pure functions of one raw object (no snapshot, no API): used by `explain` to build its document.
Secrets are described by type and key names only; values are never read.
"""

from __future__ import annotations

from typing import Any

from kubectl_prism.snapshot import KubeObject, meta

# Where each workload kind keeps its PodSpec.
POD_SPEC_PATH: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
# Annotations that are noise or may embed whole objects (a Secret's last-applied config holds its data).
_HIDDEN_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration",)
_PROBES = ("liveness", "readiness", "startup")
# Volume types that name another object, with the field holding its name.
_VOLUME_SOURCES = (("configMap", "name"), ("secret", "secretName"), ("persistentVolumeClaim", "claimName"))


def dig(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def pod_spec(obj: KubeObject) -> dict[str, Any] | None:
    path = POD_SPEC_PATH.get(obj.get("kind", ""))
    spec = dig(obj, *path) if path else None
    return spec if isinstance(spec, dict) else None


def pod_template_labels(obj: KubeObject) -> dict[str, str]:
    if obj.get("kind") == "Pod":
        return meta(obj).get("labels") or {}
    path = POD_SPEC_PATH.get(obj.get("kind", ""))
    if not path:
        return {}
    return dig(obj, *path[:-1], "metadata", "labels") or {}


# --- containers ----------------------------------------------------------------------------------

def probe_text(probe: dict[str, Any] | None) -> str | None:
    """`http-get :8080/healthz delay=5s timeout=1s period=10s failure=3`, like kubectl describe."""
    if not probe:
        return None
    if "httpGet" in probe:
        h = probe["httpGet"]
        scheme = "https " if h.get("scheme") == "HTTPS" else ""
        how = f"http-get {scheme}:{h.get('port', '')}{h.get('path', '/')}"
    elif "tcpSocket" in probe:
        how = f"tcp-socket :{probe['tcpSocket'].get('port', '')}"
    elif "grpc" in probe:
        how = f"grpc :{probe['grpc'].get('port', '')}"
    elif "exec" in probe:
        how = "exec [" + " ".join(probe["exec"].get("command") or []) + "]"
    else:
        how = "unknown"
    timing = (f"delay={probe.get('initialDelaySeconds', 0)}s timeout={probe.get('timeoutSeconds', 1)}s "
              f"period={probe.get('periodSeconds', 10)}s failure={probe.get('failureThreshold', 3)}")
    return f"{how} {timing}"


def _env_refs(container: dict[str, Any]) -> list[str]:
    refs = []
    for src in container.get("envFrom") or []:
        if src.get("configMapRef"):
            refs.append(f"all keys of configmap/{src['configMapRef'].get('name')}")
        if src.get("secretRef"):
            refs.append(f"all keys of secret/{src['secretRef'].get('name')}")
    for env in container.get("env") or []:
        vf = env.get("valueFrom") or {}
        for key, kind in (("configMapKeyRef", "configmap"), ("secretKeyRef", "secret")):
            if vf.get(key):
                refs.append(f"{env.get('name')} from {kind}/{vf[key].get('name')} key {vf[key].get('key')}")
        if vf.get("fieldRef"):
            refs.append(f"{env.get('name')} from field {vf['fieldRef'].get('fieldPath')}")
    return refs


def container_highlights(container: dict[str, Any], init: bool = False) -> dict[str, Any]:
    resources = container.get("resources") or {}
    out: dict[str, Any] = {"name": container.get("name"), "image": container.get("image")}
    if init:
        out["init"] = True
    ports = [f"{p.get('containerPort')}/{p.get('protocol', 'TCP')}"
             + (f" ({p['name']})" if p.get("name") else "") for p in container.get("ports") or []]
    if ports:
        out["ports"] = ports
    out["requests"] = dict(resources.get("requests") or {})
    out["limits"] = dict(resources.get("limits") or {})
    probes = {kind: probe_text(container.get(f"{kind}Probe")) for kind in _PROBES}
    probes = {k: v for k, v in probes.items() if v}
    if probes:
        out["probes"] = probes
    if container.get("command") or container.get("args"):
        out["command"] = " ".join([*(container.get("command") or []), *(container.get("args") or [])])
    refs = _env_refs(container)
    if refs:
        out["envFrom"] = refs
    mounts = [f"{m.get('name')} at {m.get('mountPath')}" + (" (ro)" if m.get("readOnly") else "")
              for m in container.get("volumeMounts") or []]
    if mounts:
        out["mounts"] = mounts
    return out


def volume_highlights(volume: dict[str, Any]) -> dict[str, Any]:
    name = volume.get("name")
    for kind, key in _VOLUME_SOURCES:
        if kind in volume:
            return {"name": name, "type": kind, "source": (volume[kind] or {}).get(key)}
    if "projected" in volume:
        sources = []
        for src in (volume["projected"] or {}).get("sources") or []:
            for kind in ("configMap", "secret"):
                if kind in src:
                    sources.append(f"{kind.lower()}/{src[kind].get('name')}")
            if "serviceAccountToken" in src:
                sources.append("serviceaccount token")
            if "downwardAPI" in src:
                sources.append("downward API")
        return {"name": name, "type": "projected", "source": ", ".join(sources)}
    if "emptyDir" in volume:
        ed = volume["emptyDir"] or {}
        detail = " ".join(f"{k}={v}" for k, v in ed.items())
        return {"name": name, "type": "emptyDir", "source": detail or None}
    if "hostPath" in volume:
        return {"name": name, "type": "hostPath", "source": (volume["hostPath"] or {}).get("path")}
    kinds = [k for k in volume if k != "name"]
    return {"name": name, "type": kinds[0] if kinds else "unknown", "source": None}


def pod_spec_highlights(spec: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    containers = [container_highlights(c, init=True) for c in spec.get("initContainers") or []]
    containers += [container_highlights(c) for c in spec.get("containers") or []]
    out["containers"] = containers
    volumes = [volume_highlights(v) for v in spec.get("volumes") or []]
    if volumes:
        out["volumes"] = volumes
    for key in ("serviceAccountName", "nodeName", "nodeSelector", "priorityClassName", "restartPolicy"):
        if spec.get(key):
            out[key] = spec[key]
    if spec.get("tolerations"):
        out["tolerations"] = [_toleration(t) for t in spec["tolerations"]]
    if spec.get("affinity"):
        out["affinity"] = sorted(spec["affinity"])
    if spec.get("imagePullSecrets"):
        out["imagePullSecrets"] = [s.get("name") for s in spec["imagePullSecrets"]]
    return out


def _toleration(t: dict[str, Any]) -> str:
    key = t.get("key") or "*"
    op = "=" + str(t.get("value", "")) if t.get("operator", "Equal") == "Equal" else " exists"
    return f"{key}{op}:{t.get('effect') or 'any effect'}"


def secret_free_annotations(obj: KubeObject) -> dict[str, str]:
    """Annotations but those that embed whole objects. Values stay whole: they are cut for display
    after redaction, never before (a secret cut in half no longer matches its pattern)."""
    return {key: str(value) for key, value in (meta(obj).get("annotations") or {}).items()
            if key not in _HIDDEN_ANNOTATIONS}
