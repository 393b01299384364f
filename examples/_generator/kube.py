"""Builders for realistic Kubernetes API objects, in the field order the API server (Go) writes them.

Everything random comes from one seeded generator, so regenerating an example gives identical files.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from string import Template
from typing import Any

Obj = dict[str, Any]
# k8s.io/apimachinery/pkg/util/rand: the alphabet of generated name suffixes and template hashes
NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
LOG_TEMPLATES = Path(__file__).with_name("logs")


def log_text(name: str, **values: str) -> str:
    """A log body from logs/<name>, with `$placeholders` filled in."""
    return Template((LOG_TEMPLATES / name).read_text()).substitute(values)


@dataclass
class Terminated:
    exit_code: int
    reason: str  # "Error", "OOMKilled", "Completed"
    started: float  # seconds before the dump
    finished: float
    message: str | None = None


@dataclass
class Running:
    since: float
    restarts: int = 0
    ready: bool = True
    last: Terminated | None = None


@dataclass
class Waiting:
    reason: str  # "CrashLoopBackOff", "ImagePullBackOff", "CreateContainerConfigError", "ContainerCreating"
    message: str | None = None
    restarts: int = 0
    last: Terminated | None = None


@dataclass
class Done:  # a container that ran to the end (Job pods, evicted pods)
    term: Terminated
    restarts: int = 0


State = Running | Waiting | Done


@dataclass
class NodeRef:
    obj: Obj
    ip: str
    pod_prefix: str  # "192.168.118." — pod IPs are handed out from here
    next_ip: int = 10

    @property
    def name(self) -> str:
        return self.obj["metadata"]["name"]

    def pod_ip(self) -> str:
        self.next_ip += 1
        return f"{self.pod_prefix}{self.next_ip}"


@dataclass
class Cluster:
    now: datetime
    seed: int
    rv: int  # resourceVersion counter
    objects: list[Obj] = field(default_factory=list)
    logs: list[Obj] = field(default_factory=list)
    log_errors: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    # --- identity and time ------------------------------------------------------------------------
    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def next_rv(self) -> str:
        self.rv += self.rng.randint(3, 400)
        return str(self.rv)

    def suffix(self, n: int = 5) -> str:
        return "".join(self.rng.choice(NAME_ALPHABET) for _ in range(n))

    def hexs(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(n))

    def at(self, ago: float) -> str:
        return (self.now - timedelta(seconds=ago)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def at_micro(self, ago: float) -> str:
        moment = self.now - timedelta(seconds=ago) + timedelta(microseconds=self.rng.randint(0, 999_999))
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def klog_time(self, ago: float) -> str:
        """The header time of a klog line: `I0314 09:12:03.551235`."""
        moment = self.now - timedelta(seconds=ago) + timedelta(microseconds=self.rng.randint(0, 999_999))
        return moment.strftime("%m%d %H:%M:%S.%f")

    def iso_ms(self, ago: float) -> str:
        moment = self.now - timedelta(seconds=ago) + timedelta(microseconds=self.rng.randint(0, 999_999))
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"

    def add(self, obj: Obj) -> Obj:
        self.objects.append(obj)
        return obj

    def log(self, ns: str, pod: str, container: str, text: str, previous: bool = False) -> None:
        self.logs.append(
            {"namespace": ns, "pod": pod, "container": container, "previous": previous, "text": text}
        )

    def metadata(self, name: str, ns: str | None, created: float, **extra: Any) -> Obj:
        """ObjectMeta in Go field order; `extra` keys are slotted where the API server puts them."""
        md: Obj = {"name": name}
        if "generateName" in extra:
            md["generateName"] = extra.pop("generateName")
        if ns is not None:
            md["namespace"] = ns
        md["uid"] = extra.pop("uid", None) or self.uid()
        md["resourceVersion"] = self.next_rv()
        if "generation" in extra:
            md["generation"] = extra.pop("generation")
        md["creationTimestamp"] = self.at(created)
        for key in (
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "labels",
            "annotations",
            "ownerReferences",
            "finalizers",
            "managedFields",
        ):
            if extra.get(key) is not None:
                value = extra.pop(key)
                md[key] = dict(sorted(value.items())) if key in ("labels", "annotations") else value
        return md


# --- small pieces ---------------------------------------------------------------------------------


def owner(kind: str, obj: Obj, api_version: str = "apps/v1") -> list[Obj]:
    return [
        {
            "apiVersion": api_version,
            "kind": kind,
            "name": obj["metadata"]["name"],
            "uid": obj["metadata"]["uid"],
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]


def full_image(image: str) -> str:
    """The image name as containerd reports it: `nginx:1.27` -> `docker.io/library/nginx:1.27`."""
    first = image.split("/")[0]
    if "/" not in image:
        return f"docker.io/library/{image}"
    if "." not in first and ":" not in first and first != "localhost":
        return f"docker.io/{image}"
    return image


def image_id(image: str) -> str:
    repo = full_image(image).rsplit(":", 1)[0] if "@" not in image else image.split("@")[0]
    digest = hashlib.sha256(image.encode()).hexdigest()
    return f"{repo}@sha256:{digest}"


def http_probe(
    path: str, port: int | str, *, delay: int = 0, period: int = 10, timeout: int = 1, failure: int = 3
) -> Obj:
    probe: Obj = {"httpGet": {"path": path, "port": port, "scheme": "HTTP"}}
    if delay:
        probe["initialDelaySeconds"] = delay
    probe.update(
        {
            "timeoutSeconds": timeout,
            "periodSeconds": period,
            "successThreshold": 1,
            "failureThreshold": failure,
        }
    )
    return probe


def tcp_probe(port: int | str, *, delay: int = 0, period: int = 10) -> Obj:
    probe: Obj = {"tcpSocket": {"port": port}}
    if delay:
        probe["initialDelaySeconds"] = delay
    probe.update({"timeoutSeconds": 1, "periodSeconds": period, "successThreshold": 1, "failureThreshold": 3})
    return probe


def container(
    name: str,
    image: str,
    *,
    command: list[str] | None = None,
    args: list[str] | None = None,
    ports: list[tuple[str | None, int]] | None = None,
    env_from: list[Obj] | None = None,
    env: list[Obj] | None = None,
    requests: Obj | None = None,
    limits: Obj | None = None,
    mounts: list[Obj] | None = None,
    liveness: Obj | None = None,
    readiness: Obj | None = None,
    security: Obj | None = None,
    pull: str | None = None,
) -> Obj:
    c: Obj = {"name": name, "image": image}
    if command:
        c["command"] = command
    if args:
        c["args"] = args
    if ports:
        c["ports"] = [
            ({"name": pname} if pname else {}) | {"containerPort": port, "protocol": "TCP"}
            for pname, port in ports
        ]
    if env_from:
        c["envFrom"] = env_from
    if env:
        c["env"] = env
    resources: Obj = {}
    if limits:
        resources["limits"] = limits
    if requests:
        resources["requests"] = requests
    c["resources"] = resources
    if mounts:
        c["volumeMounts"] = mounts
    if liveness:
        c["livenessProbe"] = liveness
    if readiness:
        c["readinessProbe"] = readiness
    c["terminationMessagePath"] = "/dev/termination-log"
    c["terminationMessagePolicy"] = "File"
    c["imagePullPolicy"] = pull or ("Always" if image.endswith(":latest") else "IfNotPresent")
    if security:
        c["securityContext"] = security
    return c


def env(name: str, value: str) -> Obj:
    return {"name": name, "value": value}


def pod_spec(
    containers: list[Obj],
    *,
    init: list[Obj] | None = None,
    volumes: list[Obj] | None = None,
    restart: str = "Always",
    grace: int = 30,
    dns: str = "ClusterFirst",
    node_selector: Obj | None = None,
    service_account: str | None = None,
    host_network: bool = False,
    security: Obj | None = None,
    affinity: Obj | None = None,
    tolerations: list[Obj] | None = None,
    priority_class: str | None = None,
) -> Obj:
    """A pod template spec as stored in a Deployment/DaemonSet/Job (defaults filled in)."""
    spec: Obj = {}
    if volumes:
        spec["volumes"] = volumes
    if init:
        spec["initContainers"] = init
    spec["containers"] = containers
    spec["restartPolicy"] = restart
    spec["terminationGracePeriodSeconds"] = grace
    spec["dnsPolicy"] = dns
    if node_selector:
        spec["nodeSelector"] = node_selector
    if service_account:
        spec["serviceAccountName"] = service_account
        spec["serviceAccount"] = service_account
    if host_network:
        spec["hostNetwork"] = True
    spec["securityContext"] = security or {}
    if affinity:
        spec["affinity"] = affinity
    spec["schedulerName"] = "default-scheduler"
    if tolerations:
        spec["tolerations"] = tolerations
    if priority_class:
        spec["priorityClassName"] = priority_class
    return spec


DEFAULT_TOLERATIONS = [
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
]
DAEMON_TOLERATIONS = [
    {"operator": "Exists"},
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
]


def fields_v1(data: Any, depth: int = 0) -> Obj:
    """A managedFields `fieldsV1` tree for `data` (maps as f:key, named list items as k:{...})."""
    if not isinstance(data, dict):
        return {}
    out: Obj = {}
    for key, value in sorted(data.items()):  # a field set serializes sorted
        if isinstance(value, dict):
            sub = fields_v1(value, depth + 1)
            out[f"f:{key}"] = ({".": {}} | sub) if sub and depth else sub
        elif isinstance(value, list) and value and all(isinstance(v, dict) and "name" in v for v in value):
            out[f"f:{key}"] = {
                "k:" + json.dumps({"name": v["name"]}, separators=(",", ":")): {".": {}}
                | fields_v1(v, depth + 2)
                for v in value
            }
        else:
            out[f"f:{key}"] = {}
    return out


def managed(
    manager: str,
    api_version: str,
    time: str,
    fields: Obj,
    *,
    operation: str = "Update",
    subresource: str | None = None,
) -> Obj:
    entry: Obj = {
        "manager": manager,
        "operation": operation,
        "apiVersion": api_version,
        "time": time,
        "fieldsType": "FieldsV1",
        "fieldsV1": fields_v1(fields),
    }
    if subresource:
        entry["subresource"] = subresource
    return entry


def last_applied(obj: Obj) -> str:
    """The annotation `kubectl apply` leaves behind: the applied manifest, compact, plus a newline."""
    return json.dumps(obj, separators=(",", ":")) + "\n"


def condition(
    kind: str,
    status: str,
    time: str,
    reason: str | None = None,
    message: str | None = None,
    *,
    probe: bool = False,
    update: str | None = None,
) -> Obj:
    cond: Obj = {"type": kind, "status": status}
    if probe:
        cond["lastProbeTime"] = None
    if update:
        cond["lastUpdateTime"] = update
    cond["lastTransitionTime"] = time
    if reason:
        cond["reason"] = reason
    if message:
        cond["message"] = message
    return cond


def quantity_ki(gib: float) -> str:
    return f"{int(gib * 1024 * 1024)}Ki"
