"""A small, realistic `shop` namespace for the diagnose/explain/render tests.

Objects look the way a real API server returns them (uids, timestamps, resourceVersions, full status).
`shop_objects(broken=True)` has one crash-looping replica of Deployment web; `broken=False` is healthy.
"""

from __future__ import annotations

import copy
from typing import Any

NS = "shop"
T0 = "2026-11-27T08:00:00Z"
NOW = "2026-11-27T10:00:00Z"
SECRET_VALUE_B64 = "c3VwZXJzZWNyZXQtZGItcGFzc3dvcmQ="  # "supersecret-db-password"
CRASH_LOG = "2026-11-27T09:59:58Z starting web 2.3.1\nError: connect ECONNREFUSED 10.96.0.12:5432\n"


def _meta(name: str, uid: str, namespace: str | None = NS, **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "name": name,
        "uid": uid,
        "resourceVersion": str(1000 + len(name)),
        "creationTimestamp": T0,
    }
    if namespace:
        meta["namespace"] = namespace
    meta.update(extra)
    return meta


def node() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": _meta(
            "worker-1",
            "9b0e1c55-0d1b-4d0e-9a53-1f4f3b8a0001",
            None,
            labels={"kubernetes.io/hostname": "worker-1", "kubernetes.io/os": "linux"},
        ),
        "spec": {"podCIDR": "10.244.1.0/24", "providerID": "kind://docker/kind/worker-1"},
        "status": {
            "capacity": {
                "cpu": "4",
                "memory": "16331416Ki",
                "pods": "110",
                "ephemeral-storage": "102626232Ki",
            },
            "allocatable": {
                "cpu": "4",
                "memory": "16229016Ki",
                "pods": "110",
                "ephemeral-storage": "102626232Ki",
            },
            "conditions": [
                {
                    "type": "MemoryPressure",
                    "status": "False",
                    "reason": "KubeletHasSufficientMemory",
                    "message": "kubelet has sufficient memory available",
                    "lastHeartbeatTime": NOW,
                    "lastTransitionTime": T0,
                },
                {
                    "type": "DiskPressure",
                    "status": "False",
                    "reason": "KubeletHasNoDiskPressure",
                    "message": "kubelet has no disk pressure",
                    "lastHeartbeatTime": NOW,
                    "lastTransitionTime": T0,
                },
                {
                    "type": "PIDPressure",
                    "status": "False",
                    "reason": "KubeletHasSufficientPID",
                    "message": "kubelet has sufficient PID available",
                    "lastHeartbeatTime": NOW,
                    "lastTransitionTime": T0,
                },
                {
                    "type": "Ready",
                    "status": "True",
                    "reason": "KubeletReady",
                    "message": "kubelet is posting ready status",
                    "lastHeartbeatTime": NOW,
                    "lastTransitionTime": T0,
                },
            ],
            "addresses": [
                {"type": "InternalIP", "address": "172.18.0.3"},
                {"type": "Hostname", "address": "worker-1"},
            ],
            "nodeInfo": {
                "machineID": "4c4c4544004d3510804bc2c04f4e4d32",
                "systemUUID": "4c4c4544-004d-3510-804b",
                "bootID": "2f0e8b1e-6b0e-4c39-9d62-0f1d0c7e2a11",
                "kernelVersion": "6.8.0-49-generic",
                "osImage": "Debian GNU/Linux 12 (bookworm)",
                "containerRuntimeVersion": "containerd://1.7.18",
                "kubeletVersion": "v1.31.0",
                "kubeProxyVersion": "v1.31.0",
                "operatingSystem": "linux",
                "architecture": "amd64",
            },
        },
    }


def _container(image: str = "ghcr.io/acme/web:2.3.1") -> dict[str, Any]:
    return {
        "name": "web",
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
        "env": [
            {
                "name": "DB_PASSWORD",
                "valueFrom": {"secretKeyRef": {"name": "web-secrets", "key": "db-password"}},
            }
        ],
        "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}},
        "readinessProbe": {
            "httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
            "periodSeconds": 5,
            "timeoutSeconds": 1,
            "failureThreshold": 3,
            "successThreshold": 1,
        },
        "volumeMounts": [{"name": "config", "mountPath": "/etc/web", "readOnly": True}],
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }


def _template() -> dict[str, Any]:
    return {
        "metadata": {"labels": {"app": "web", "pod-template-hash": "6b7f9c8d5"}},
        "spec": {
            "containers": [_container()],
            "restartPolicy": "Always",
            "dnsPolicy": "ClusterFirst",
            "serviceAccountName": "default",
            "volumes": [{"name": "config", "configMap": {"name": "web-config", "defaultMode": 420}}],
        },
    }


def deployment(broken: bool) -> dict[str, Any]:
    ready = 1 if broken else 2
    conditions = [
        {
            "type": "Progressing",
            "status": "True",
            "reason": "NewReplicaSetAvailable",
            "message": 'ReplicaSet "web-6b7f9c8d5" has successfully progressed.',
            "lastUpdateTime": T0,
            "lastTransitionTime": T0,
        },
        {
            "type": "Available",
            "status": "False" if broken else "True",
            "reason": "MinimumReplicasUnavailable" if broken else "MinimumReplicasAvailable",
            "message": "Deployment does not have minimum availability."
            if broken
            else "Deployment has minimum availability.",
            "lastUpdateTime": T0,
            "lastTransitionTime": T0,
        },
    ]
    template = _template()
    template["metadata"]["labels"].pop("pod-template-hash")
    status = {
        "observedGeneration": 1,
        "replicas": 2,
        "updatedReplicas": 2,
        "readyReplicas": ready,
        "availableReplicas": ready,
        "conditions": conditions,
    }
    if broken:
        status["unavailableReplicas"] = 1
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(
            "web",
            "3f1d2a10-6c2b-4f7e-9e1a-7a0c2d4e0001",
            labels={"app": "web"},
            annotations={"deployment.kubernetes.io/revision": "1"},
            generation=1,
        ),
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": template,
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
            },
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
        },
        "status": status,
    }


def replicaset(broken: bool) -> dict[str, Any]:
    ready = 1 if broken else 2
    owner = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "web",
        "uid": "3f1d2a10-6c2b-4f7e-9e1a-7a0c2d4e0001",
        "controller": True,
        "blockOwnerDeletion": True,
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": _meta(
            "web-6b7f9c8d5",
            "3f1d2a10-6c2b-4f7e-9e1a-7a0c2d4e0002",
            labels={"app": "web", "pod-template-hash": "6b7f9c8d5"},
            ownerReferences=[owner],
            annotations={"deployment.kubernetes.io/revision": "1"},
        ),
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web", "pod-template-hash": "6b7f9c8d5"}},
            "template": _template(),
        },
        "status": {
            "replicas": 2,
            "fullyLabeledReplicas": 2,
            "readyReplicas": ready,
            "availableReplicas": ready,
            "observedGeneration": 1,
        },
    }


def pod(name: str, uid: str, crashing: bool) -> dict[str, Any]:
    owner = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "name": "web-6b7f9c8d5",
        "uid": "3f1d2a10-6c2b-4f7e-9e1a-7a0c2d4e0002",
        "controller": True,
        "blockOwnerDeletion": True,
    }
    spec = copy.deepcopy(_template()["spec"])
    spec.update(
        {
            "nodeName": "worker-1",
            "schedulerName": "default-scheduler",
            "priority": 0,
            "terminationGracePeriodSeconds": 30,
            "enableServiceLinks": True,
            "tolerations": [
                {
                    "key": "node.kubernetes.io/not-ready",
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": 300,
                }
            ],
        }
    )
    if crashing:
        cs = {
            "name": "web",
            "ready": False,
            "restartCount": 7,
            "started": False,
            "image": "ghcr.io/acme/web:2.3.1",
            "imageID": "ghcr.io/acme/web@sha256:8f3e1f0c7b9d",
            "containerID": "containerd://a1b2c3",
            "state": {
                "waiting": {
                    "reason": "CrashLoopBackOff",
                    "message": f"back-off 5m0s restarting failed container=web pod={name}_{NS}({uid})",
                }
            },
            "lastState": {
                "terminated": {
                    "exitCode": 1,
                    "reason": "Error",
                    "startedAt": "2026-11-27T09:59:57Z",
                    "finishedAt": "2026-11-27T09:59:58Z",
                    "containerID": "containerd://a1b2c3",
                }
            },
        }
        ready = "False"
    else:
        cs = {
            "name": "web",
            "ready": True,
            "restartCount": 0,
            "started": True,
            "image": "ghcr.io/acme/web:2.3.1",
            "imageID": "ghcr.io/acme/web@sha256:8f3e1f0c7b9d",
            "containerID": "containerd://d4e5f6",
            "state": {"running": {"startedAt": "2026-11-27T08:00:05Z"}},
            "lastState": {},
        }
        ready = "True"
    conditions = [
        {
            "type": t,
            "status": "True" if t in ("PodScheduled", "Initialized", "PodReadyToStartContainers") else ready,
            "lastProbeTime": None,
            "lastTransitionTime": T0,
            **(
                {}
                if ready == "True" or t in ("PodScheduled", "Initialized", "PodReadyToStartContainers")
                else {"reason": "ContainersNotReady", "message": "containers with unready status: [web]"}
            ),
        }
        for t in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")
    ]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": _meta(
            name,
            uid,
            labels={"app": "web", "pod-template-hash": "6b7f9c8d5"},
            ownerReferences=[owner],
            generateName="web-6b7f9c8d5-",
        ),
        "spec": spec,
        "status": {
            "phase": "Running",
            "conditions": conditions,
            "hostIP": "172.18.0.3",
            "podIP": "10.244.1.7" if crashing else "10.244.1.6",
            "startTime": T0,
            "qosClass": "Burstable",
            "containerStatuses": [cs],
        },
    }


def service() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta("web", "5c2e7a21-1f0b-4b57-8c3d-2e9d1a6b0001", labels={"app": "web"}),
        "spec": {
            "type": "ClusterIP",
            "clusterIP": "10.96.14.2",
            "clusterIPs": ["10.96.14.2"],
            "selector": {"app": "web"},
            "sessionAffinity": "None",
            "ipFamilies": ["IPv4"],
            "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
        },
        "status": {"loadBalancer": {}},
    }


def endpoints(broken: bool) -> dict[str, Any]:
    ready = [
        {
            "ip": "10.244.1.6",
            "nodeName": "worker-1",
            "targetRef": {"kind": "Pod", "namespace": NS, "name": "web-6b7f9c8d5-q7x2m"},
        }
    ]
    other = {
        "ip": "10.244.1.7",
        "nodeName": "worker-1",
        "targetRef": {"kind": "Pod", "namespace": NS, "name": "web-6b7f9c8d5-z9k4p"},
    }
    subset: dict[str, Any] = {
        "addresses": ready if broken else [*ready, other],
        "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
    }
    if broken:
        subset["notReadyAddresses"] = [other]
    return {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": _meta("web", "5c2e7a21-1f0b-4b57-8c3d-2e9d1a6b0002", labels={"app": "web"}),
        "subsets": [subset],
    }


def others(broken: bool) -> list[dict[str, Any]]:
    return [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": _meta(
                NS, "0e7c1d4a-2b6f-4a0e-8f3b-5d6c7e8f0001", None, labels={"kubernetes.io/metadata.name": NS}
            ),
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"},
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": _meta("web-config", "7d8e9f10-1a2b-4c3d-8e4f-5a6b7c8d0001"),
            "data": {"web.yaml": "listen: 8080\nlog_level: info\n"},
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "Opaque",
            "metadata": _meta("web-secrets", "7d8e9f10-1a2b-4c3d-8e4f-5a6b7c8d0002"),
            "data": {"db-password": SECRET_VALUE_B64},
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": _meta("web", "8a9b0c1d-2e3f-4a5b-9c6d-7e8f9a0b0001"),
            "spec": {
                "ingressClassName": "nginx",
                "tls": [{"hosts": ["shop.example.com"], "secretName": "web-secrets"}],
                "rules": [
                    {
                        "host": "shop.example.com",
                        "http": {
                            "paths": [
                                {
                                    "path": "/",
                                    "pathType": "Prefix",
                                    "backend": {"service": {"name": "web", "port": {"number": 80}}},
                                }
                            ]
                        },
                    }
                ],
            },
            "status": {"loadBalancer": {"ingress": [{"ip": "172.18.0.100"}]}},
        },
        {
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": _meta("web", "9b0c1d2e-3f4a-4b5c-8d6e-7f8a9b0c0001"),
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                "minReplicas": 2,
                "maxReplicas": 6,
                "metrics": [
                    {
                        "type": "Resource",
                        "resource": {
                            "name": "cpu",
                            "target": {"type": "Utilization", "averageUtilization": 70},
                        },
                    }
                ],
            },
            "status": {
                "currentReplicas": 2,
                "desiredReplicas": 2,
                "currentMetrics": [
                    {
                        "type": "Resource",
                        "resource": {
                            "name": "cpu",
                            "current": {"averageValue": "60m", "averageUtilization": 24},
                        },
                    }
                ],
                "conditions": [
                    {
                        "type": "AbleToScale",
                        "status": "True",
                        "reason": "ReadyForNewScale",
                        "message": "recommended size matches current size",
                        "lastTransitionTime": T0,
                    },
                    {
                        "type": "ScalingActive",
                        "status": "True",
                        "reason": "ValidMetricFound",
                        "message": "the HPA was able to successfully calculate a replica count",
                        "lastTransitionTime": T0,
                    },
                ],
            },
        },
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": _meta("web", "0c1d2e3f-4a5b-4c6d-9e7f-8a9b0c1d0001"),
            "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}},
            "status": {
                "currentHealthy": 1 if broken else 2,
                "desiredHealthy": 1,
                "disruptionsAllowed": 0 if broken else 1,
                "expectedPods": 2,
                "observedGeneration": 1,
            },
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "IngressClass",
            "metadata": _meta("nginx", "2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b", None,
                              labels={"app.kubernetes.io/name": "ingress-nginx"}),
            "spec": {"controller": "k8s.io/ingress-nginx"},
        },
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": _meta("default", "1d2e3f4a-5b6c-4d7e-8f9a"),
        },
    ]


def metrics() -> list[dict[str, Any]]:
    def pod_metrics(name: str, cpu: str, memory: str) -> dict[str, Any]:
        return {
            "apiVersion": "metrics.k8s.io/v1beta1",
            "kind": "PodMetrics",
            "metadata": {"name": name, "namespace": NS, "creationTimestamp": NOW, "labels": {"app": "web"}},
            "timestamp": NOW,
            "window": "15s",
            "containers": [{"name": "web", "usage": {"cpu": cpu, "memory": memory}}],
        }

    return [
        pod_metrics("web-6b7f9c8d5-q7x2m", "50m", "300Mi"),
        pod_metrics("web-6b7f9c8d5-z9k4p", "1m", "12Mi"),
        {
            "apiVersion": "metrics.k8s.io/v1beta1",
            "kind": "NodeMetrics",
            "metadata": {
                "name": "worker-1",
                "creationTimestamp": NOW,
                "labels": {"kubernetes.io/hostname": "worker-1"},
            },
            "timestamp": NOW,
            "window": "20s",
            "usage": {"cpu": "1200m", "memory": "6Gi"},
        },
    ]


def events(broken: bool) -> list[dict[str, Any]]:
    def event(
        name: str,
        obj_kind: str,
        obj_name: str,
        reason: str,
        message: str,
        kind: str = "Normal",
        count: int = 1,
        last: str = NOW,
    ) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {
                "name": name,
                "namespace": NS,
                "uid": f"ev-{name}",
                "resourceVersion": "2001",
                "creationTimestamp": T0,
            },
            "involvedObject": {
                "kind": obj_kind,
                "namespace": NS,
                "name": obj_name,
                "apiVersion": "v1" if obj_kind == "Pod" else "apps/v1",
            },
            "reason": reason,
            "message": message,
            "type": kind,
            "count": count,
            "firstTimestamp": T0,
            "lastTimestamp": last,
            "source": {"component": "kubelet", "host": "worker-1"},
            "reportingComponent": "kubelet",
            "reportingInstance": "worker-1",
        }

    out = [
        event(
            "web.17f1a",
            "Deployment",
            "web",
            "ScalingReplicaSet",
            "Scaled up replica set web-6b7f9c8d5 from 0 to 2",
            last=T0,
        )
    ]
    if broken:
        out.append(
            event(
                "web-6b7f9c8d5-z9k4p.17f1b",
                "Pod",
                "web-6b7f9c8d5-z9k4p",
                "BackOff",
                "Back-off restarting failed container web in pod web-6b7f9c8d5-z9k4p_shop(uid)",
                kind="Warning",
                count=31,
            )
        )
    return out


def shop_objects(broken: bool = True, with_metrics: bool = True) -> list[dict[str, Any]]:
    objs = [
        node(),
        deployment(broken),
        replicaset(broken),
        pod("web-6b7f9c8d5-q7x2m", "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b0001", crashing=False),
        pod("web-6b7f9c8d5-z9k4p", "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b0002", crashing=broken),
        service(),
        endpoints(broken),
        *others(broken),
        *events(broken),
    ]
    return objs + (metrics() if with_metrics else [])


def shop_logs(broken: bool = True) -> list[dict[str, Any]]:
    if not broken:
        return []
    return [
        {
            "namespace": NS,
            "pod": "web-6b7f9c8d5-z9k4p",
            "container": "web",
            "previous": True,
            "text": CRASH_LOG,
        },
        {
            "namespace": NS,
            "pod": "web-6b7f9c8d5-z9k4p",
            "container": "web",
            "previous": False,
            "text": CRASH_LOG,
        },
    ]
