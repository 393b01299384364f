"""Realistic synthetic clusters for the gather benchmark.

Objects look like what a real API server returns (managedFields, ownerReferences, probes, projected
service-account volumes, full status with conditions and container statuses), so sizes and parse
costs are realistic: a pod is ~5 KB of JSON, an event ~1 KB, a node ~8 KB.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from typing import Any

T0 = "2026-03-01T09:00:00Z"
T1 = "2026-03-02T14:31:07Z"
PODS_PER_DEPLOYMENT = 5
PODS_PER_NODE = 100


def _uid(*parts: object) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(map(str, parts))))


def _hash(*parts: object) -> str:
    return hashlib.sha1("/".join(map(str, parts)).encode()).hexdigest()[:10]


def _managed(manager: str, operation: str, fields: dict[str, Any], sub: str | None = None) -> dict[str, Any]:
    entry = {
        "manager": manager,
        "operation": operation,
        "apiVersion": "v1",
        "time": T1,
        "fieldsType": "FieldsV1",
        "fieldsV1": fields,
    }
    if sub:
        entry["subresource"] = sub
    return entry


POD_SPEC_FIELDS = {
    "f:metadata": {
        "f:generateName": {},
        "f:labels": {".": {}, "f:app": {}, "f:pod-template-hash": {}, "f:version": {}},
        "f:ownerReferences": {".": {}, 'k:{"uid":"x"}': {}},
    },
    "f:spec": {
        "f:containers": {
            'k:{"name":"app"}': {
                ".": {},
                "f:env": {
                    ".": {},
                    'k:{"name":"LOG_LEVEL"}': {".": {}, "f:name": {}, "f:value": {}},
                    'k:{"name":"DB_PASSWORD"}': {".": {}, "f:name": {}, "f:valueFrom": {}},
                },
                "f:image": {},
                "f:imagePullPolicy": {},
                "f:livenessProbe": {},
                "f:name": {},
                "f:ports": {},
                "f:readinessProbe": {},
                "f:resources": {},
                "f:terminationMessagePath": {},
                "f:terminationMessagePolicy": {},
            }
        },
        "f:dnsPolicy": {},
        "f:enableServiceLinks": {},
        "f:restartPolicy": {},
        "f:schedulerName": {},
        "f:securityContext": {},
        "f:terminationGracePeriodSeconds": {},
    },
}
POD_STATUS_FIELDS = {
    "f:status": {
        "f:conditions": {
            'k:{"type":"ContainersReady"}': {},
            'k:{"type":"Ready"}': {},
            'k:{"type":"Initialized"}': {},
        },
        "f:containerStatuses": {},
        "f:hostIP": {},
        "f:hostIPs": {},
        "f:phase": {},
        "f:podIP": {},
        "f:podIPs": {},
        "f:startTime": {},
    }
}


def pod(ns: str, deploy: str, rs_hash: str, index: int, node: str, state: str) -> dict[str, Any]:
    name = f"{deploy}-{rs_hash}-{_hash(ns, deploy, index)[:5]}"
    rs = f"{deploy}-{rs_hash}"
    ready = state == "running"
    container_state: dict[str, Any] = {"running": {"startedAt": T0}}
    last_state: dict[str, Any] = {}
    restarts = 0
    if state == "crash":
        container_state = {
            "waiting": {
                "reason": "CrashLoopBackOff",
                "message": f"back-off 5m0s restarting failed container=app pod={name}",
            }
        }
        last_state = {
            "terminated": {
                "exitCode": 1,
                "reason": "Error",
                "startedAt": T0,
                "finishedAt": T1,
                "containerID": f"containerd://{_hash(name, 'c')}{_hash(name, 'd')}",
            }
        }
        restarts = 17
    phase = "Pending" if state == "pending" else "Running"
    conditions = [
        {
            "type": "PodReadyToStartContainers",
            "status": "True",
            "lastProbeTime": None,
            "lastTransitionTime": T0,
        },
        {"type": "Initialized", "status": "True", "lastProbeTime": None, "lastTransitionTime": T0},
        {"type": "Ready", "status": str(ready), "lastProbeTime": None, "lastTransitionTime": T0},
        {"type": "ContainersReady", "status": str(ready), "lastProbeTime": None, "lastTransitionTime": T0},
        {"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": T0},
    ]
    status: dict[str, Any] = {"phase": phase, "conditions": conditions, "qosClass": "Burstable"}
    spec: dict[str, Any] = {
        "volumes": [
            {
                "name": "kube-api-access-x2b9k",
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
        ],
        "containers": [
            {
                "name": "app",
                "image": f"registry.example.com/{ns}/{deploy}:1.{index % 7}.3",
                "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                "env": [
                    {"name": "LOG_LEVEL", "value": "info"},
                    {
                        "name": "DB_PASSWORD",
                        "valueFrom": {"secretKeyRef": {"name": f"{deploy}-db", "key": "password"}},
                    },
                    {
                        "name": "POD_NAME",
                        "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}},
                    },
                ],
                "resources": {
                    "limits": {"cpu": "500m", "memory": "256Mi"},
                    "requests": {"cpu": "100m", "memory": "128Mi"},
                },
                "volumeMounts": [
                    {
                        "name": "kube-api-access-x2b9k",
                        "readOnly": True,
                        "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                    }
                ],
                "livenessProbe": {
                    "httpGet": {"path": "/healthz", "port": "http", "scheme": "HTTP"},
                    "initialDelaySeconds": 10,
                    "timeoutSeconds": 1,
                    "periodSeconds": 10,
                    "successThreshold": 1,
                    "failureThreshold": 3,
                },
                "readinessProbe": {
                    "httpGet": {"path": "/ready", "port": "http", "scheme": "HTTP"},
                    "timeoutSeconds": 1,
                    "periodSeconds": 5,
                    "successThreshold": 1,
                    "failureThreshold": 3,
                },
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File",
                "imagePullPolicy": "IfNotPresent",
            }
        ],
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
        "priority": 0,
        "enableServiceLinks": True,
        "preemptionPolicy": "PreemptLowerPriority",
    }
    if state == "pending":
        conditions[:] = [
            {
                "type": "PodScheduled",
                "status": "False",
                "lastProbeTime": None,
                "lastTransitionTime": T0,
                "reason": "Unschedulable",
                "message": "0/10 nodes are available: 10 Insufficient memory. preemption: 0/10 nodes "
                "are available: 10 No preemption victims found for incoming pod.",
            }
        ]
    else:
        spec["nodeName"] = node
        status.update(
            {
                "hostIP": "10.0.1.17",
                "hostIPs": [{"ip": "10.0.1.17"}],
                "podIP": f"10.244.{index % 250}.{index % 200}",
                "podIPs": [{"ip": f"10.244.{index % 250}.{index % 200}"}],
                "startTime": T0,
                "containerStatuses": [
                    {
                        "name": "app",
                        "state": container_state,
                        "lastState": last_state,
                        "ready": ready,
                        "restartCount": restarts,
                        "image": spec["containers"][0]["image"],
                        "imageID": f"registry.example.com/{ns}/{deploy}@sha256:"
                        f"{_hash(deploy, 'img')}{_hash(deploy, 'i2')}",
                        "containerID": f"containerd://{_hash(name, 'cid')}{_hash(name, 'cid2')}",
                        "started": ready,
                        "volumeMounts": [
                            {
                                "name": "kube-api-access-x2b9k",
                                "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                                "readOnly": True,
                                "recursiveReadOnly": "Disabled",
                            }
                        ],
                    }
                ],
            }
        )
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "generateName": f"{rs}-",
            "namespace": ns,
            "uid": _uid("pod", ns, name),
            "resourceVersion": str(100000 + index),
            "creationTimestamp": T0,
            "labels": {"app": deploy, "pod-template-hash": rs_hash, "version": "v1"},
            "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": "8080"},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": rs,
                    "uid": _uid("rs", ns, rs),
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
            "managedFields": [
                _managed("kube-controller-manager", "Update", POD_SPEC_FIELDS),
                _managed("kubelet", "Update", POD_STATUS_FIELDS, "status"),
            ],
        },
        "spec": spec,
        "status": status,
    }


def deployment(ns: str, name: str, replicas: int, rs_hash: str, broken: bool) -> list[dict[str, Any]]:
    labels = {"app": name}
    template = {
        "metadata": {"labels": {**labels, "version": "v1"}},
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": f"registry.example.com/{ns}/{name}:1.0.3",
                    "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                    "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}},
                }
            ]
        },
    }
    available = replicas - (1 if broken else 0)
    dep = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": _uid("deploy", ns, name),
            "resourceVersion": "5001",
            "generation": 3,
            "creationTimestamp": T0,
            "labels": labels,
            "annotations": {"deployment.kubernetes.io/revision": "2"},
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": template,
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
            },
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
        },
        "status": {
            "observedGeneration": 3,
            "replicas": replicas,
            "updatedReplicas": replicas,
            "readyReplicas": available,
            "availableReplicas": available,
            "conditions": [
                {
                    "type": "Available",
                    "status": str(not broken),
                    "lastUpdateTime": T0,
                    "lastTransitionTime": T0,
                    "reason": "MinimumReplicasAvailable",
                    "message": "Deployment has minimum availability.",
                },
                {
                    "type": "Progressing",
                    "status": "True",
                    "lastUpdateTime": T1,
                    "lastTransitionTime": T0,
                    "reason": "NewReplicaSetAvailable",
                    "message": f'ReplicaSet "{name}-{rs_hash}" has successfully progressed.',
                },
            ],
        },
    }
    out = [dep]
    for h, count in ((rs_hash, replicas), (_hash(ns, name, "old")[:9], 0)):
        rs = f"{name}-{h}"
        out.append(
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "metadata": {
                    "name": rs,
                    "namespace": ns,
                    "uid": _uid("rs", ns, rs),
                    "resourceVersion": "5002",
                    "generation": 1,
                    "creationTimestamp": T0,
                    "labels": {**labels, "pod-template-hash": h},
                    "annotations": {
                        "deployment.kubernetes.io/desired-replicas": str(replicas),
                        "deployment.kubernetes.io/max-replicas": str(replicas + 1),
                        "deployment.kubernetes.io/revision": "2" if count else "1",
                    },
                    "ownerReferences": [
                        {
                            "apiVersion": "apps/v1",
                            "kind": "Deployment",
                            "name": name,
                            "uid": dep["metadata"]["uid"],
                            "controller": True,
                            "blockOwnerDeletion": True,
                        }
                    ],
                },
                "spec": {
                    "replicas": count,
                    "selector": {"matchLabels": {**labels, "pod-template-hash": h}},
                    "template": template,
                },
                "status": {
                    "replicas": count,
                    "fullyLabeledReplicas": count,
                    "readyReplicas": count,
                    "availableReplicas": count,
                    "observedGeneration": 1,
                },
            }
        )
    out.append(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {
                "name": name,
                "namespace": ns,
                "uid": _uid("svc", ns, name),
                "resourceVersion": "5003",
                "creationTimestamp": T0,
                "labels": labels,
            },
            "spec": {
                "ports": [{"name": "http", "protocol": "TCP", "port": 80, "targetPort": "http"}],
                "selector": labels,
                "clusterIP": "10.96.12.34",
                "clusterIPs": ["10.96.12.34"],
                "type": "ClusterIP",
                "sessionAffinity": "None",
                "ipFamilies": ["IPv4"],
                "ipFamilyPolicy": "SingleStack",
                "internalTrafficPolicy": "Cluster",
            },
            "status": {"loadBalancer": {}},
        }
    )
    return out


def node(i: int) -> dict[str, Any]:
    name = f"node-{i:03d}"
    images = [
        {
            "names": [
                f"registry.example.com/lib/image-{j}@sha256:{_hash(i, j)}{_hash(j, i)}",
                f"registry.example.com/lib/image-{j}:1.{j}",
            ],
            "sizeBytes": 10_000_000 + j * 1013,
        }
        for j in range(25)
    ]
    cond = [
        {
            "type": t,
            "status": "False",
            "lastHeartbeatTime": T1,
            "lastTransitionTime": T0,
            "reason": f"KubeletHas{r}",
            "message": f"kubelet has {m}",
        }
        for t, r, m in (
            ("MemoryPressure", "SufficientMemory", "sufficient memory available"),
            ("DiskPressure", "NoDiskPressure", "no disk pressure"),
            ("PIDPressure", "SufficientPID", "sufficient PID available"),
        )
    ]
    cond.append(
        {
            "type": "Ready",
            "status": "True",
            "lastHeartbeatTime": T1,
            "lastTransitionTime": T0,
            "reason": "KubeletReady",
            "message": "kubelet is posting ready status",
        }
    )
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "uid": _uid("node", name),
            "resourceVersion": "7001",
            "creationTimestamp": T0,
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "node.kubernetes.io/instance-type": "m5.xlarge",
                "topology.kubernetes.io/zone": f"eu-west-1{'abc'[i % 3]}",
            },
            "annotations": {
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": {
            "podCIDR": f"10.244.{i}.0/24",
            "podCIDRs": [f"10.244.{i}.0/24"],
            "providerID": f"aws:///eu-west-1a/i-{_hash(name)}",
        },
        "status": {
            "capacity": {
                "cpu": "4",
                "ephemeral-storage": "101430960Ki",
                "memory": "16231012Ki",
                "pods": "110",
            },
            "allocatable": {
                "cpu": "3920m",
                "ephemeral-storage": "93478772582",
                "memory": "15186532Ki",
                "pods": "110",
            },
            "conditions": cond,
            "addresses": [
                {"type": "InternalIP", "address": f"10.0.{i // 250}.{i % 250}"},
                {"type": "Hostname", "address": name},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "machineID": _hash(name, "m") * 3,
                "systemUUID": _uid("sys", name),
                "bootID": _uid("boot", name),
                "kernelVersion": "6.1.0-18-cloud-amd64",
                "osImage": "Debian GNU/Linux 12 (bookworm)",
                "containerRuntimeVersion": "containerd://1.7.13",
                "kubeletVersion": "v1.33.1",
                "kubeProxyVersion": "v1.33.1",
                "operatingSystem": "linux",
                "architecture": "amd64",
            },
            "images": images,
        },
    }


def event(ns: str, pod_name: str, i: int, warning: bool) -> dict[str, Any]:
    reason, message = (
        ("BackOff", "Back-off restarting failed container app in pod " + pod_name)
        if warning
        else (
            "Pulled",
            'Container image "registry.example.com/shop/api:1.0.3" already present on '
            "machine and can be pulled",
        )
    )
    name = f"{pod_name}.{_hash(ns, pod_name, i)[:8]}{i:08x}"
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": _uid("ev", ns, name),
            "resourceVersion": str(200000 + i),
            "creationTimestamp": T1,
            "managedFields": [
                {
                    "manager": "kubelet",
                    "operation": "Update",
                    "apiVersion": "v1",
                    "time": T1,
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {
                        "f:count": {},
                        "f:firstTimestamp": {},
                        "f:involvedObject": {},
                        "f:lastTimestamp": {},
                        "f:message": {},
                        "f:reason": {},
                        "f:reportingComponent": {},
                        "f:reportingInstance": {},
                        "f:source": {"f:component": {}, "f:host": {}},
                        "f:type": {},
                    },
                }
            ],
        },
        "involvedObject": {
            "kind": "Pod",
            "namespace": ns,
            "name": pod_name,
            "uid": _uid("pod", ns, pod_name),
            "apiVersion": "v1",
            "resourceVersion": "100001",
            "fieldPath": "spec.containers{app}",
        },
        "reason": reason,
        "message": message,
        "source": {"component": "kubelet", "host": "node-001"},
        "firstTimestamp": T0,
        "lastTimestamp": T1,
        "count": 12 if warning else 1,
        "type": "Warning" if warning else "Normal",
        "eventTime": None,
        "reportingComponent": "kubelet",
        "reportingInstance": "node-001",
    }


def make_cluster(
    n_pods: int, n_events: int, namespaces: int = 20, seed: int = 7
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(objects, logs) of a cluster: ~1% crash-looping pods (with logs), ~0.5% pending."""
    rng = random.Random(seed)
    objects: list[dict[str, Any]] = [node(i) for i in range(max(1, n_pods // PODS_PER_NODE))]
    n_nodes = len(objects)
    logs: list[dict[str, Any]] = []
    pods: list[dict[str, Any]] = []
    n_deploy = max(1, n_pods // PODS_PER_DEPLOYMENT)
    for d in range(n_deploy):
        ns = f"team-{d % namespaces:02d}"
        name = f"svc-{d:05d}"
        rs_hash = _hash(ns, name)[:9]
        roll = rng.random()
        state = "crash" if roll < 0.01 else "pending" if roll < 0.015 else "running"
        objects += deployment(ns, name, PODS_PER_DEPLOYMENT, rs_hash, state != "running")
        for i in range(PODS_PER_DEPLOYMENT):
            p = pod(
                ns,
                name,
                rs_hash,
                d * PODS_PER_DEPLOYMENT + i,
                f"node-{rng.randrange(n_nodes):03d}",
                state if i == 0 else "running",
            )
            pods.append(p)
            if state == "crash" and i == 0:
                text = "".join(f"2026-03-02T14:31:{s:02d}Z INFO handling request id={s}\n" for s in range(40))
                text += "2026-03-02T14:31:59Z FATAL cannot connect to database: connection refused\n"
                for previous in (False, True):
                    logs.append(
                        {
                            "namespace": ns,
                            "pod": p["metadata"]["name"],
                            "container": "app",
                            "previous": previous,
                            "text": text,
                        }
                    )
    objects += pods
    for i in range(n_events):
        p = pods[rng.randrange(len(pods))]
        objects.append(event(p["metadata"]["namespace"], p["metadata"]["name"], i, rng.random() < 0.2))
    return objects, logs
