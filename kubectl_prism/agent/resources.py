"""kubectl's built-in resource types and how kubectl spells them on a command line.

kubectl resolves `secret`, `secrets`, `SECRETS`, `secrets.v1.`, `secret.v1` and `po,secrets` to the
same resource: the name before the first dot, matched without case against the plural, the singular
and the short names, and an optional `VERSION.GROUP` or `GROUP` after it. The classifier resolves
the same way, so a spelling cannot hide a Secret or a cluster-scoped object from it.

Types not listed here (custom resources) resolve to None: they may be read, never written (the
classifier cannot know whether they are namespaced, or what writing them does).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class ResourceType:
    plural: str  # "deployments"
    singular: str  # "deployment"
    kind: str  # "Deployment"
    group: str  # "" for the core group
    namespaced: bool
    short_names: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """kubectl's canonical name: `deployments.apps`, `pods`."""
        return f"{self.plural}.{self.group}" if self.group else self.plural


def _t(plural: str, kind: str, group: str = "", namespaced: bool = True, *short: str) -> ResourceType:
    return ResourceType(plural, kind.lower(), kind, group, namespaced, tuple(short))


# `kubectl api-resources` of a Kubernetes 1.37 cluster (the API groups every cluster serves, plus
# metrics-server's), without the create-only review types.
BUILTIN: tuple[ResourceType, ...] = (
    _t("bindings", "Binding"),
    _t("componentstatuses", "ComponentStatus", "", False, "cs"),
    _t("configmaps", "ConfigMap", "", True, "cm"),
    _t("endpoints", "Endpoints", "", True, "ep"),
    _t("events", "Event", "", True, "ev"),
    _t("limitranges", "LimitRange", "", True, "limits"),
    _t("namespaces", "Namespace", "", False, "ns"),
    _t("nodes", "Node", "", False, "no"),
    _t("persistentvolumeclaims", "PersistentVolumeClaim", "", True, "pvc"),
    _t("persistentvolumes", "PersistentVolume", "", False, "pv"),
    _t("pods", "Pod", "", True, "po"),
    _t("podtemplates", "PodTemplate"),
    _t("replicationcontrollers", "ReplicationController", "", True, "rc"),
    _t("resourcequotas", "ResourceQuota", "", True, "quota"),
    _t("secrets", "Secret"),
    _t("serviceaccounts", "ServiceAccount", "", True, "sa"),
    _t("services", "Service", "", True, "svc"),
    _t("mutatingwebhookconfigurations", "MutatingWebhookConfiguration", "admissionregistration.k8s.io",
       False),
    _t("validatingwebhookconfigurations", "ValidatingWebhookConfiguration", "admissionregistration.k8s.io",
       False),
    _t("validatingadmissionpolicies", "ValidatingAdmissionPolicy", "admissionregistration.k8s.io", False),
    _t("validatingadmissionpolicybindings", "ValidatingAdmissionPolicyBinding",
       "admissionregistration.k8s.io", False),
    _t("mutatingadmissionpolicies", "MutatingAdmissionPolicy", "admissionregistration.k8s.io", False),
    _t("mutatingadmissionpolicybindings", "MutatingAdmissionPolicyBinding", "admissionregistration.k8s.io",
       False),
    _t("customresourcedefinitions", "CustomResourceDefinition", "apiextensions.k8s.io", False, "crd", "crds"),
    _t("apiservices", "APIService", "apiregistration.k8s.io", False),
    _t("controllerrevisions", "ControllerRevision", "apps"),
    _t("daemonsets", "DaemonSet", "apps", True, "ds"),
    _t("deployments", "Deployment", "apps", True, "deploy"),
    _t("replicasets", "ReplicaSet", "apps", True, "rs"),
    _t("statefulsets", "StatefulSet", "apps", True, "sts"),
    _t("horizontalpodautoscalers", "HorizontalPodAutoscaler", "autoscaling", True, "hpa"),
    _t("cronjobs", "CronJob", "batch", True, "cj"),
    _t("jobs", "Job", "batch"),
    _t("certificatesigningrequests", "CertificateSigningRequest", "certificates.k8s.io", False, "csr"),
    _t("clustertrustbundles", "ClusterTrustBundle", "certificates.k8s.io", False),
    _t("leases", "Lease", "coordination.k8s.io"),
    _t("leasecandidates", "LeaseCandidate", "coordination.k8s.io"),
    _t("endpointslices", "EndpointSlice", "discovery.k8s.io"),
    _t("events", "Event", "events.k8s.io", True, "ev"),
    _t("flowschemas", "FlowSchema", "flowcontrol.apiserver.k8s.io", False),
    _t("prioritylevelconfigurations", "PriorityLevelConfiguration", "flowcontrol.apiserver.k8s.io", False),
    _t("ingressclasses", "IngressClass", "networking.k8s.io", False),
    _t("ingresses", "Ingress", "networking.k8s.io", True, "ing"),
    _t("ipaddresses", "IPAddress", "networking.k8s.io", False, "ip"),
    _t("networkpolicies", "NetworkPolicy", "networking.k8s.io", True, "netpol"),
    _t("servicecidrs", "ServiceCIDR", "networking.k8s.io", False),
    _t("runtimeclasses", "RuntimeClass", "node.k8s.io", False),
    _t("poddisruptionbudgets", "PodDisruptionBudget", "policy", True, "pdb"),
    _t("clusterrolebindings", "ClusterRoleBinding", "rbac.authorization.k8s.io", False),
    _t("clusterroles", "ClusterRole", "rbac.authorization.k8s.io", False),
    _t("rolebindings", "RoleBinding", "rbac.authorization.k8s.io"),
    _t("roles", "Role", "rbac.authorization.k8s.io"),
    _t("deviceclasses", "DeviceClass", "resource.k8s.io", False),
    _t("resourceclaims", "ResourceClaim", "resource.k8s.io"),
    _t("resourceclaimtemplates", "ResourceClaimTemplate", "resource.k8s.io"),
    _t("resourceslices", "ResourceSlice", "resource.k8s.io", False),
    _t("priorityclasses", "PriorityClass", "scheduling.k8s.io", False, "pc"),
    _t("csidrivers", "CSIDriver", "storage.k8s.io", False),
    _t("csinodes", "CSINode", "storage.k8s.io", False),
    _t("csistoragecapacities", "CSIStorageCapacity", "storage.k8s.io"),
    _t("storageclasses", "StorageClass", "storage.k8s.io", False, "sc"),
    _t("volumeattachments", "VolumeAttachment", "storage.k8s.io", False),
    _t("volumeattributesclasses", "VolumeAttributesClass", "storage.k8s.io", False, "vac"),
    _t("pods", "PodMetrics", "metrics.k8s.io"),
    _t("nodes", "NodeMetrics", "metrics.k8s.io", False),
)

RBAC_GROUP = "rbac.authorization.k8s.io"
# Deleting these takes everything in them along (a namespace, a node's pods, a volume's data, every
# custom object of a CRD): never from an agent step.
PROTECTED_FROM_DELETE = frozenset({"namespaces", "nodes", "persistentvolumes",
                                   "customresourcedefinitions.apiextensions.k8s.io"})
# Spellings of the first dot-segment that mean a Secret, whatever group or version follows.
SECRET_NAMES = frozenset({"secret", "secrets"})
# `kubectl get all`: a category, not a type (it never includes Secrets).
CATEGORIES = frozenset({"all"})

_VERSION = re.compile(r"^v\d+((alpha|beta)\d+)?$")
_SPELLING = re.compile(r"^[a-z0-9]([a-z0-9.-]*)$")


@dataclass(frozen=True)
class ResourceArg:
    """One resource type as typed on a command line, resolved like kubectl resolves it."""

    typed: str  # as given, e.g. "Secrets.v1."
    type: ResourceType | None  # None: a custom resource, a category or a typo
    secret: bool  # names Secrets in any spelling

    @property
    def name(self) -> str:
        return self.type.name if self.type else self.typed.lower().rstrip(".")

    @property
    def namespaced(self) -> bool | None:
        return self.type.namespaced if self.type else None


def valid_spelling(typed: str) -> bool:
    return bool(_SPELLING.match(typed.lower())) and ".." not in typed


def _group_part(rest: list[str]) -> tuple[str | None, str]:
    """(version, group) of what follows the resource name: `v1.` -> (v1, ""), `apps` -> (None, apps)."""
    if rest and _VERSION.match(rest[0]):
        return rest[0], ".".join(rest[1:])
    return None, ".".join(rest)


def resolve(typed: str) -> ResourceArg:
    """Resolve one resource spelling (no commas, no `/NAME`)."""
    text = typed.lower()
    first, *rest = text.split(".")
    _, group = _group_part(rest)
    matches = [t for t in BUILTIN if first in (t.plural, t.singular, *t.short_names)]
    if rest:
        matches = [t for t in matches if t.group == group]
    else:
        # Without a group kubectl prefers the core group, then the others (metrics last).
        matches.sort(key=lambda t: (t.group != "", t.group == "metrics.k8s.io"))
    return ResourceArg(typed, matches[0] if matches else None, first in SECRET_NAMES)
