"""The rules both sources share: what to read, what to keep, how to trim (pure functions).

Which logs are worth reading, when nodes, storage, ingress classes or webhooks matter to a scope,
what a pod spec references, how a selector reads as a query, and what is dropped from every object
(managedFields, last-applied, Secret values) before it enters the model.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kubectl_prism.printable import printable
from kubectl_prism.snapshot import KubeObject, LogKey, meta, name_of, namespace_of

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
LOG_TAIL_LINES = 200
LOG_LIMIT_BYTES = 64 * 1024
# Containers whose logs are read per scope. Replicas of one template fail alike, so one pod per
# (owner, container) is read; the cap keeps the request count independent of the cluster's size.
MAX_LOG_CONTAINERS = 20

WORKLOAD_KINDS = (
    "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicationController",
)
# For a target: the namespace's objects that may point at it.
RELATED_KINDS = ("Service", "Endpoints", "EndpointSlice", "Ingress", "HorizontalPodAutoscaler",
                 "PodDisruptionBudget", "NetworkPolicy", "ResourceQuota")
REFERENCED_KINDS = ("ConfigMap", "Secret", "PersistentVolumeClaim")
# Cluster-scoped kinds a namespace or target scope reads only when something in it needs them.
WEBHOOK_KINDS = ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration")
STORAGE_KINDS = ("PersistentVolume", "StorageClass")
_WRITE_FIELDS = ("manager", "operation", "subresource", "time")
NODE_TROUBLE_REASONS = {"Evicted", "NodeLost", "NodeShutdown", "NodeAffinity", "OutOfcpu", "OutOfmemory",
                        "UnexpectedAdmissionError", "Terminated"}


# --- object hygiene --------------------------------------------------------------------------------


def slim(obj: KubeObject) -> KubeObject:
    """Drop what no analyzer needs and nothing may leak: last-applied, Secret values, and the field sets
    of managedFields. Who wrote the object when (manager, operation, time) stays: it dates a re-apply,
    the most common root cause there is."""
    m = obj.get("metadata")
    secret = obj.get("kind") == "Secret"
    if isinstance(m, dict):
        managed = m.pop("managedFields", None)
        if managed and isinstance(managed, list) and not secret:
            # Called for every object gathered: one pass, and entries without a time skipped first.
            writes = [{k: e[k] for k in _WRITE_FIELDS if e.get(k)} for e in managed
                      if isinstance(e, dict) and e.get("time")]
            if writes:
                m["managedFields"] = writes
        annotations = m.get("annotations")
        if annotations and isinstance(annotations, dict) and LAST_APPLIED in annotations:
            # On a Secret this annotation holds its data in plain text.
            del annotations[LAST_APPLIED]
    if secret:
        return {"apiVersion": "v1", "kind": "Secret", "metadata": m or {}}
    return obj


def tail_log(text: str) -> str:
    """What `tailLines=200&limitBytes=65536` gives: the last lines, then at most that many bytes.

    Escape sequences and control characters go (`printable`): every log of a snapshot, live or
    loaded, passes here, and its lines end up in evidence printed on terminals.
    """
    text = printable(text)
    lines = text.splitlines(keepends=True)
    if len(lines) > LOG_TAIL_LINES:
        text = "".join(lines[-LOG_TAIL_LINES:])
    raw = text.encode("utf-8")
    if len(raw) > LOG_LIMIT_BYTES:
        text = raw[:LOG_LIMIT_BYTES].decode("utf-8", errors="replace")
    return text


# --- what needs what -------------------------------------------------------------------------------


def needs_nodes(pods: Iterable[KubeObject]) -> bool:
    """Nodes matter when a pod waits for scheduling, was evicted, is stuck terminating, was lost, or
    sits on a node that stopped reporting."""
    for pod in pods:
        status = pod.get("status") or {}
        phase = status.get("phase")
        if phase == "Unknown" or status.get("reason") in NODE_TROUBLE_REASONS:
            return True
        if meta(pod).get("deletionTimestamp"):
            return True
        if phase in (None, "Pending") and not (pod.get("spec") or {}).get("nodeName"):
            return True
        if phase == "Running" and _marked_unready_by_node_controller(status):
            return True
    return False


def _marked_unready_by_node_controller(status: dict[str, Any]) -> bool:
    """Ready=False while every container still says ready: the kubelet went silent and the node
    controller marked the pod unready. Its node is the story, not its containers."""
    containers = status.get("containerStatuses") or []
    ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
    return bool(ready and ready.get("status") == "False" and containers
                and all(c.get("ready") for c in containers))


def pod_nodes(pods: Iterable[KubeObject]) -> set[str]:
    """Names of the nodes the pods are bound to."""
    return {name for pod in pods if (name := (pod.get("spec") or {}).get("nodeName"))}


def needs_storage(pvcs: Iterable[KubeObject]) -> bool:
    return any((p.get("status") or {}).get("phase") != "Bound" for p in pvcs)


def needs_webhooks(events: Iterable[KubeObject]) -> bool:
    return any("webhook" in str(e.get("message") or e.get("note") or "") for e in events)


FAILING, STUCK = 0, 1  # log priorities: the cap is spent on failing containers first


def _log_priority(cs: dict[str, Any], init: bool) -> int | None:
    """FAILING (crashed, restarted, exited non-zero), STUCK (running but not ready, or a running init
    container — init containers run to completion, so one still running holds the pod back), or None."""
    state = cs.get("state") or {}
    if cs.get("restartCount", 0) > 0 or (cs.get("lastState") or {}).get("terminated"):
        return FAILING
    if (state.get("waiting") or {}).get("reason") == "CrashLoopBackOff":
        return FAILING
    terminated = state.get("terminated") or {}
    if terminated and terminated.get("exitCode", 0) != 0:
        return FAILING
    if state.get("running") and (init or not cs.get("ready")):
        return STUCK
    return None


def _ever_ran(cs: dict[str, Any]) -> bool:
    state = cs.get("state") or {}
    last = cs.get("lastState") or {}
    return bool(state.get("running") or state.get("terminated") or last.get("terminated"))


def _controller(obj: KubeObject) -> tuple[str, str] | None:
    refs = meta(obj).get("ownerReferences") or []
    ref = next((r for r in refs if r.get("controller")), refs[0] if refs else None)
    return (ref.get("kind", ""), ref.get("name", "")) if ref else None


def _log_candidates(pod: KubeObject) -> Iterable[tuple[int, dict[str, Any]]]:
    """(priority, container status) of the pod's containers whose logs are worth reading."""
    status = pod.get("status") or {}
    # Native sidecars (init containers with restartPolicy Always) run beside the app: judged like it.
    sidecars = {c.get("name") for c in (pod.get("spec") or {}).get("initContainers") or []
                if c.get("restartPolicy") == "Always"}
    lists = ((True, status.get("initContainerStatuses")), (False, status.get("containerStatuses")))
    for init, statuses in lists:
        for cs in statuses or []:
            if not cs.get("name"):
                continue
            priority = _log_priority(cs, init and cs["name"] not in sidecars)
            if priority is not None:
                yield priority, cs


def log_plan(pods: Iterable[KubeObject], limit: int = MAX_LOG_CONTAINERS) -> tuple[list[LogKey], int]:
    """The logs to read for failing, restarted or stuck containers, and how many the cap skipped.

    Failing containers come first, so stuck ones only use what the cap leaves over.
    """
    def order(pod: KubeObject) -> tuple[str, tuple[str, str], str]:
        return (namespace_of(pod) or "", _controller(pod) or ("Pod", name_of(pod)), name_of(pod))

    candidates = [(priority, order(pod), cs) for pod in pods for priority, cs in _log_candidates(pod)]
    candidates.sort(key=lambda c: (c[0], c[1]))  # stable: init containers stay before the others
    keys: list[LogKey] = []
    groups: set[tuple[str, tuple[str, str], str]] = set()
    skipped = 0
    for _, (ns, owner, pod_name), cs in candidates:
        group = (ns, owner, cs["name"])
        if group in groups:
            continue
        groups.add(group)
        if len(groups) > limit:
            skipped += 1
            continue
        if _ever_ran(cs):
            keys.append(LogKey(ns, pod_name, cs["name"], False))
        if cs.get("restartCount", 0) > 0:
            keys.append(LogKey(ns, pod_name, cs["name"], True))
    return keys, skipped


def log_cap_gap_reason(skipped: int) -> str:
    return (f"read for the first {MAX_LOG_CONTAINERS} failing or stuck containers only "
            f"({skipped} more not read)")


# --- pod references and selection -----------------------------------------------------------------


def pod_spec_of(obj: KubeObject) -> dict[str, Any] | None:
    """The pod spec of a Pod, or the pod template spec of a workload."""
    spec = obj.get("spec") or {}
    if obj.get("kind") == "Pod":
        return spec
    if obj.get("kind") == "CronJob":
        spec = ((spec.get("jobTemplate") or {}).get("spec")) or {}
    return ((spec.get("template") or {}).get("spec")) or None


def template_labels(obj: KubeObject) -> dict[str, str] | None:
    spec = obj.get("spec") or {}
    if obj.get("kind") == "CronJob":
        spec = ((spec.get("jobTemplate") or {}).get("spec")) or {}
    template = spec.get("template")
    return ((template or {}).get("metadata") or {}).get("labels") if template else None


def spec_refs(spec: dict[str, Any] | None) -> dict[str, set[str]]:
    """Names of ConfigMaps, Secrets and PVCs a pod spec references (volumes, env, envFrom, pulls)."""
    refs: dict[str, set[str]] = {"ConfigMap": set(), "Secret": set(), "PersistentVolumeClaim": set()}
    if not spec:
        return refs
    for vol in spec.get("volumes") or []:
        if (cm := vol.get("configMap")) and cm.get("name"):
            refs["ConfigMap"].add(cm["name"])
        if (sec := vol.get("secret")) and sec.get("secretName"):
            refs["Secret"].add(sec["secretName"])
        if (pvc := vol.get("persistentVolumeClaim")) and pvc.get("claimName"):
            refs["PersistentVolumeClaim"].add(pvc["claimName"])
        for source in (vol.get("projected") or {}).get("sources") or []:
            if (cm := source.get("configMap")) and cm.get("name"):
                refs["ConfigMap"].add(cm["name"])
            if (sec := source.get("secret")) and sec.get("name"):
                refs["Secret"].add(sec["name"])
    for pull in spec.get("imagePullSecrets") or []:
        if pull.get("name"):
            refs["Secret"].add(pull["name"])
    containers = (spec.get("initContainers") or []) + (spec.get("containers") or []) + (
        spec.get("ephemeralContainers") or [])
    for container in containers:
        for env in container.get("env") or []:
            source = env.get("valueFrom") or {}
            if (cm := source.get("configMapKeyRef")) and cm.get("name"):
                refs["ConfigMap"].add(cm["name"])
            if (sec := source.get("secretKeyRef")) and sec.get("name"):
                refs["Secret"].add(sec["name"])
        for env_from in container.get("envFrom") or []:
            if (cm := env_from.get("configMapRef")) and cm.get("name"):
                refs["ConfigMap"].add(cm["name"])
            if (sec := env_from.get("secretRef")) and sec.get("name"):
                refs["Secret"].add(sec["name"])
    return refs


def label_selector_string(selector: dict[str, Any] | None) -> str | None:
    """A LabelSelector (or a Service's plain map) as the `labelSelector` query; None if it is empty."""
    if not selector:
        return None
    is_label_selector = "matchLabels" in selector or "matchExpressions" in selector
    match_labels = (selector.get("matchLabels") or {}) if is_label_selector else selector
    parts = [f"{k}={v}" for k, v in sorted(match_labels.items())]
    for expr in (selector.get("matchExpressions") or []) if is_label_selector else []:
        key, op, values = expr.get("key"), expr.get("operator"), ",".join(expr.get("values") or [])
        parts.append({"In": f"{key} in ({values})", "NotIn": f"{key} notin ({values})", "Exists": key,
                      "DoesNotExist": f"!{key}"}.get(op, key))
    return ",".join(parts) or None


def ingress_service_names(ingress: KubeObject) -> set[str]:
    spec = ingress.get("spec") or {}
    backends = [spec.get("defaultBackend") or {}]
    for rule in spec.get("rules") or []:
        backends += [p.get("backend") or {} for p in ((rule.get("http") or {}).get("paths") or [])]
    return {b["service"]["name"] for b in backends if (b.get("service") or {}).get("name")}


def ingress_tls_secrets(ingress: KubeObject) -> set[str]:
    return {t["secretName"] for t in (ingress.get("spec") or {}).get("tls") or [] if t.get("secretName")}


def optional_kinds(pods: list[KubeObject], pvcs: list[KubeObject], ingresses: list[KubeObject],
                   events: list[KubeObject]) -> list[str]:
    """Cluster-scoped kinds a namespace or target scope needs, decided from what is already in it."""
    kinds: list[str] = []
    if needs_nodes(pods):
        kinds += ["Node", "NodeMetrics"]
    if needs_storage(pvcs):
        kinds += STORAGE_KINDS
    if ingresses:
        kinds.append("IngressClass")
    if needs_webhooks(events):
        kinds += WEBHOOK_KINDS
    return kinds
