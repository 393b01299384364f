"""Kinds `kubectl cluster-info dump` leaves out but a user adds with `kubectl get ... -o json`."""

from __future__ import annotations

import base64

from kube import LAST_APPLIED, Cluster, Obj, last_applied, managed


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def storage_class(
    c: Cluster,
    name: str,
    *,
    created: float,
    provisioner: str,
    parameters: Obj,
    default: bool = False,
    binding: str = "WaitForFirstConsumer",
) -> Obj:
    labels = {"addonmanager.kubernetes.io/mode": "EnsureExists"}
    notes = {"components.gke.io/component-name": "pdcsi", "components.gke.io/component-version": "0.20.7"}
    if default:
        notes["storageclass.kubernetes.io/is-default-class"] = "true"
    md = c.metadata(name, None, created, labels=labels, annotations=notes)
    return c.add(
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "StorageClass",
            "metadata": md,
            "provisioner": provisioner,
            "parameters": parameters,
            "reclaimPolicy": "Delete",
            "allowVolumeExpansion": True,
            "volumeBindingMode": binding,
        }
    )


def pvc(c: Cluster, ns: str, name: str, *, created: float, storage_class: str, size: str, labels: Obj) -> Obj:
    md = c.metadata(name, ns, created, labels=labels, finalizers=["kubernetes.io/pvc-protection"])
    spec = {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": size}},
        "storageClassName": storage_class,
        "volumeMode": "Filesystem",
    }
    return c.add(
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": md,
            "spec": spec,
            "status": {"phase": "Pending"},
        }
    )


def statefulset(
    c: Cluster,
    ns: str,
    name: str,
    *,
    created: float,
    tmpl: Obj,
    claim_templates: list[Obj],
    replicas: int,
    ready: int,
    revision: str,
    service: str,
) -> Obj:
    status: Obj = {"observedGeneration": 1, "replicas": replicas}
    if ready:
        status["readyReplicas"] = ready
    status.update(
        {
            "currentReplicas": replicas,
            "updatedReplicas": replicas,
            "currentRevision": revision,
            "updateRevision": revision,
            "collisionCount": 0,
            "availableReplicas": ready,
        }
    )
    md = c.metadata(name, ns, created, generation=1, labels={"app": name})
    spec = {
        "replicas": replicas,
        "selector": {"matchLabels": {"app": name}},
        "template": tmpl,
        "volumeClaimTemplates": claim_templates,
        "serviceName": service,
        "podManagementPolicy": "OrderedReady",
        "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
        "revisionHistoryLimit": 10,
        "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
    }
    return c.add(
        {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": md, "spec": spec, "status": status}
    )


def claim_template(name: str, storage_class: str, size: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "creationTimestamp": None},
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "storageClassName": storage_class,
            "resources": {"requests": {"storage": size}},
            "volumeMode": "Filesystem",
        },
        "status": {"phase": "Pending"},
    }


def job(
    c: Cluster,
    ns: str,
    name: str,
    *,
    uid: str,
    created: float,
    tmpl: Obj,
    backoff: int,
    failed: int,
    failed_at: float,
    labels: Obj,
) -> Obj:
    md = c.metadata(name, ns, created, uid=uid, generation=1, labels=labels)
    spec = {
        "parallelism": 1,
        "completions": 1,
        "backoffLimit": backoff,
        "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}},
        "manualSelector": False,
        "template": tmpl,
        "completionMode": "NonIndexed",
        "suspend": False,
        "podReplacementPolicy": "TerminatingOrFailed",
    }
    failed_condition = {
        "type": "Failed",
        "status": "True",
        "lastProbeTime": c.at(failed_at),
        "lastTransitionTime": c.at(failed_at),
        "reason": "BackoffLimitExceeded",
        "message": "Job has reached the specified backoff limit",
    }
    status = {
        "conditions": [failed_condition],
        "startTime": c.at(created - 1),
        "failed": failed,
        "terminating": 0,
        "uncountedTerminatedPods": {},
        "ready": 0,
    }
    return c.add({"apiVersion": "batch/v1", "kind": "Job", "metadata": md, "spec": spec, "status": status})


def ingress_class(c: Cluster, name: str, *, created: float, controller: str, labels: Obj) -> Obj:
    md = c.metadata(name, None, created, generation=1, labels=labels)
    return c.add(
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "IngressClass",
            "metadata": md,
            "spec": {"controller": controller},
        }
    )


def ingress(
    c: Cluster,
    ns: str,
    name: str,
    *,
    created: float,
    class_name: str,
    tls: list[Obj],
    rules: list[Obj],
    lb_ip: str,
    annotations: Obj | None = None,
) -> Obj:
    md = c.metadata(name, ns, created, generation=2, annotations=annotations)
    spec = {"ingressClassName": class_name, "tls": tls, "rules": rules}
    return c.add(
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": md,
            "spec": spec,
            "status": {"loadBalancer": {"ingress": [{"ip": lb_ip}]}},
        }
    )


def ingress_path(path: str, service: str, port_number: int) -> Obj:
    return {
        "path": path,
        "pathType": "Prefix",
        "backend": {"service": {"name": service, "port": {"number": port_number}}},
    }


def hpa(
    c: Cluster,
    ns: str,
    name: str,
    *,
    created: float,
    target: str,
    min_replicas: int,
    max_replicas: int,
    cpu: int,
    current: int,
    conditions: list[Obj],
) -> Obj:
    md = c.metadata(name, ns, created)
    spec = {
        "scaleTargetRef": {"kind": "Deployment", "name": target, "apiVersion": "apps/v1"},
        "minReplicas": min_replicas,
        "maxReplicas": max_replicas,
        "metrics": [
            {
                "type": "Resource",
                "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": cpu}},
            }
        ],
    }
    status = {
        "currentReplicas": current,
        "desiredReplicas": current,
        "currentMetrics": [{"type": ""}],
        "conditions": conditions,
    }
    return c.add(
        {
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": md,
            "spec": spec,
            "status": status,
        }
    )


def secret(
    c: Cluster,
    ns: str,
    name: str,
    *,
    created: float,
    data: dict[str, str],
    kind: str = "Opaque",
    applied: bool = False,
    labels: Obj | None = None,
) -> Obj:
    """A Secret as `kubectl get secret -o json` shows it. `applied`: created by `kubectl apply` from a
    manifest with stringData, so the plain values also sit in the last-applied annotation."""
    notes = None
    fields = None
    if applied:
        manifest = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"annotations": {}, "name": name, "namespace": ns},
            "stringData": data,
            "type": kind,
        }
        notes = {LAST_APPLIED: last_applied(manifest)}
        fields = [
            managed(
                "kubectl-client-side-apply",
                "v1",
                c.at(created),
                {"metadata": {"annotations": {LAST_APPLIED: 1}}, "data": {k: 1 for k in data}, "type": 1},
            )
        ]
    md = c.metadata(name, ns, created, labels=labels, annotations=notes, managedFields=fields)
    return c.add(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": md,
            "data": {k: b64(v) for k, v in sorted(data.items())},
            "type": kind,
        }
    )


def configmap(
    c: Cluster, ns: str, name: str, *, created: float, data: dict[str, str], annotations: Obj | None = None
) -> Obj:
    md = c.metadata(name, ns, created, annotations=annotations)
    return c.add(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": md, "data": dict(sorted(data.items()))}
    )


def fake_pem(c: Cluster, label: str, lines: int) -> str:
    body = [base64.b64encode(bytes(c.rng.getrandbits(8) for _ in range(48))).decode() for _ in range(lines)]
    return f"-----BEGIN {label}-----\n" + "\n".join(body) + f"\n-----END {label}-----\n"
