"""The Kubernetes kinds prism understands, with kubectl's names for them, and TARGET parsing."""

from __future__ import annotations

from dataclasses import dataclass

from kubectl_prism.errors import UsageError
from kubectl_prism.names import check_name
from kubectl_prism.printable import shown


@dataclass(frozen=True)
class KindInfo:
    kind: str  # "Deployment"
    plural: str  # "deployments"
    group: str  # "" for the core group
    version: str
    namespaced: bool
    short_names: tuple[str, ...] = ()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def api_prefix(self) -> str:
        """URL prefix of the kind's API group: `/api/v1` or `/apis/apps/v1`."""
        return f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"

    @property
    def resource(self) -> str:
        """kubectl's resource name: `deployments.apps`, `pods`."""
        return f"{self.plural}.{self.group}" if self.group else self.plural


KINDS: tuple[KindInfo, ...] = (
    KindInfo("Pod", "pods", "", "v1", True, ("po",)),
    KindInfo("Service", "services", "", "v1", True, ("svc",)),
    KindInfo("Endpoints", "endpoints", "", "v1", True, ("ep",)),
    KindInfo("Event", "events", "", "v1", True, ("ev",)),
    KindInfo("EndpointSlice", "endpointslices", "discovery.k8s.io", "v1", True, ()),
    KindInfo("ConfigMap", "configmaps", "", "v1", True, ("cm",)),
    KindInfo("Secret", "secrets", "", "v1", True, ()),
    KindInfo("PersistentVolumeClaim", "persistentvolumeclaims", "", "v1", True, ("pvc",)),
    KindInfo("PersistentVolume", "persistentvolumes", "", "v1", False, ("pv",)),
    KindInfo("Node", "nodes", "", "v1", False, ("no",)),
    KindInfo("Namespace", "namespaces", "", "v1", False, ("ns",)),
    KindInfo("ServiceAccount", "serviceaccounts", "", "v1", True, ("sa",)),
    KindInfo("ResourceQuota", "resourcequotas", "", "v1", True, ("quota",)),
    KindInfo("LimitRange", "limitranges", "", "v1", True, ("limits",)),
    KindInfo("ReplicationController", "replicationcontrollers", "", "v1", True, ("rc",)),
    KindInfo("Deployment", "deployments", "apps", "v1", True, ("deploy",)),
    KindInfo("ReplicaSet", "replicasets", "apps", "v1", True, ("rs",)),
    KindInfo("StatefulSet", "statefulsets", "apps", "v1", True, ("sts",)),
    KindInfo("DaemonSet", "daemonsets", "apps", "v1", True, ("ds",)),
    KindInfo("Job", "jobs", "batch", "v1", True, ()),
    KindInfo("CronJob", "cronjobs", "batch", "v1", True, ("cj",)),
    KindInfo("Ingress", "ingresses", "networking.k8s.io", "v1", True, ("ing",)),
    KindInfo("IngressClass", "ingressclasses", "networking.k8s.io", "v1", False, ()),
    KindInfo("NetworkPolicy", "networkpolicies", "networking.k8s.io", "v1", True, ("netpol",)),
    KindInfo("HorizontalPodAutoscaler", "horizontalpodautoscalers", "autoscaling", "v2", True, ("hpa",)),
    KindInfo("PodDisruptionBudget", "poddisruptionbudgets", "policy", "v1", True, ("pdb",)),
    KindInfo("StorageClass", "storageclasses", "storage.k8s.io", "v1", False, ("sc",)),
    KindInfo(
        "ValidatingWebhookConfiguration", "validatingwebhookconfigurations",
        "admissionregistration.k8s.io", "v1", False, (),
    ),
    KindInfo(
        "MutatingWebhookConfiguration", "mutatingwebhookconfigurations",
        "admissionregistration.k8s.io", "v1", False, (),
    ),
    KindInfo("PodMetrics", "pods", "metrics.k8s.io", "v1beta1", True, ()),
    KindInfo("NodeMetrics", "nodes", "metrics.k8s.io", "v1beta1", False, ()),
)

BY_KIND: dict[str, KindInfo] = {k.kind: k for k in KINDS}

# Kinds a person may name as a diagnosis TARGET, in the order `--help` lists them.
TARGET_KINDS: tuple[str, ...] = (
    "Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Service",
    "Ingress", "PersistentVolumeClaim", "Node", "Namespace", "HorizontalPodAutoscaler",
    "ConfigMap", "Secret", "PodDisruptionBudget", "NetworkPolicy",
)


def _aliases() -> dict[str, KindInfo]:
    table: dict[str, KindInfo] = {}
    for name in TARGET_KINDS:
        info = BY_KIND[name]
        names = {info.kind.lower(), info.plural, info.plural.rstrip("s"), *info.short_names}
        if info.group:
            names |= {f"{n}.{info.group}" for n in (info.kind.lower(), info.plural)}
            names |= {f"{n}.{info.version}.{info.group}" for n in (info.kind.lower(), info.plural)}
        for alias in names:
            table[alias] = info
    return table


_ALIASES = _aliases()


def accepted_kinds_line() -> str:
    parts = []
    for name in TARGET_KINDS:
        info = BY_KIND[name]
        short = f" ({', '.join(info.short_names)})" if info.short_names else ""
        parts.append(f"{info.kind.lower()}{short}")
    return ", ".join(parts)


def resolve_kind(text: str) -> KindInfo:
    info = _ALIASES.get(text.strip().lower())
    if info is None:
        raise UsageError(
            f"unknown kind {shown(text)}", hint=f"accepted kinds: {accepted_kinds_line()}"
        )
    return info


@dataclass(frozen=True)
class Target:
    """A named object to diagnose: `deploy/api` resolves to Target(Deployment, "api").

    The name follows the kind's naming rule (kubectl_prism/names.py), or there is no Target.
    """

    info: KindInfo
    name: str

    def __post_init__(self) -> None:
        check_name(self.info.kind, self.name)

    @property
    def kind(self) -> str:
        return self.info.kind

    def __str__(self) -> str:
        return f"{self.info.kind.lower()}/{self.name}"


def parse_target(text: str) -> Target:
    """Parse kubectl's `KIND/NAME` (`po/x`, `deployment.apps/x`, `hpa/x`)."""
    kind, sep, name = text.partition("/")
    if not sep or not kind or not name or "/" in name:
        raise UsageError(
            f"malformed target {shown(text)}: expected KIND/NAME, e.g. pod/api-0 or deploy/api",
            hint=f"accepted kinds: {accepted_kinds_line()}",
        )
    return Target(resolve_kind(kind), name)
