"""Shared lookups for the cluster analyzers: pods by label and node, "was this kind gathered?",
workload templates, pods by owner, the run's clock.

Built once per analyzer run so that selector matching stays cheap on snapshots with 10,000 pods.
"""

from __future__ import annotations

import difflib
import json
import re
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from functools import cache
from typing import Any

from kubectl_prism.analyzers._util import selector_matches, top_owner_ref
from kubectl_prism.analyzers.pod_evidence import EventIndex, forget_memo, parse_time, snapshot_now
from kubectl_prism.findings import ObjectRef
from kubectl_prism.kinds import BY_KIND
from kubectl_prism.snapshot import KubeObject, Snapshot, meta, name_of, namespace_of

TERMINAL_PHASES = ("Succeeded", "Failed")
# Kinds whose pod template the cluster analyzers read, with the path to the PodSpec.
TEMPLATE_KINDS: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}


def labels_of(obj: KubeObject) -> dict[str, str]:
    return meta(obj).get("labels") or {}


def is_live(pod: KubeObject) -> bool:
    """A pod that can still serve or run: not Succeeded/Failed."""
    return (pod.get("status") or {}).get("phase") not in TERMINAL_PHASES


class PodIndex:
    """Pods by namespace, by (namespace, label, value) and by node."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.by_namespace: dict[str | None, list[KubeObject]] = defaultdict(list)
        self.by_node: dict[str, list[KubeObject]] = defaultdict(list)
        self._by_label: dict[tuple[str | None, str, str], list[KubeObject]] = defaultdict(list)
        for pod in snapshot.of_kind("Pod"):
            ns = namespace_of(pod)
            self.by_namespace[ns].append(pod)
            node = (pod.get("spec") or {}).get("nodeName")
            if node:
                self.by_node[node].append(pod)
            for key, value in labels_of(pod).items():
                self._by_label[(ns, key, value)].append(pod)

    def in_namespace(self, namespace: str | None) -> list[KubeObject]:
        return self.by_namespace.get(namespace, [])

    def matching(
        self, namespace: str | None, selector: dict[str, Any] | None, empty_matches_all: bool = False
    ) -> list[KubeObject]:
        """Pods a selector picks. A LabelSelector `{}` selects every pod when `empty_matches_all`
        (NetworkPolicy, PodDisruptionBudget); a Service's empty selector selects none."""
        if selector is None or selector == {}:
            return list(self.in_namespace(namespace)) if empty_matches_all and selector == {} else []
        is_label_selector = "matchLabels" in selector or "matchExpressions" in selector
        exact = (selector.get("matchLabels") or {}) if is_label_selector else selector
        if not exact and not selector.get("matchExpressions"):
            return list(self.in_namespace(namespace)) if empty_matches_all else []
        if exact:
            key, value = min(exact.items(), key=lambda kv: len(self._by_label.get((namespace, *kv), ())))
            candidates = self._by_label.get((namespace, key, str(value)), [])
        else:
            candidates = self.in_namespace(namespace)
        return [p for p in candidates if selector_matches(selector, labels_of(p))]


def exact_labels(selector: dict[str, Any]) -> dict[str, str]:
    """The key=value part of a Service selector or LabelSelector."""
    if "matchLabels" in selector or "matchExpressions" in selector:
        return dict(selector.get("matchLabels") or {})
    return dict(selector)


def selector_text(selector: dict[str, Any]) -> str:
    parts = [f"{k}={v}" for k, v in exact_labels(selector).items()]
    for expr in selector.get("matchExpressions") or [] if "matchExpressions" in selector else []:
        values = ",".join(expr.get("values") or [])
        parts.append(f"{expr.get('key')} {expr.get('operator')} ({values})" if values
                     else f"{expr.get('operator')} {expr.get('key')}")
    return ",".join(parts) or "(empty)"


def closest_labels(
    selector: dict[str, Any], pods: list[KubeObject]
) -> tuple[dict[str, str | None], list[KubeObject]]:
    """The label change that would make `selector` match the pods it most likely meant.

    Returns ({selector key: replacement value or None to drop it, new key: value}, pods matched by the
    corrected selector), or ({}, []) when no pod shares a key or a value with the selector.
    """
    wanted = exact_labels(selector)
    if not wanted or not pods:
        return {}, []
    best_score, best_pod = 0.0, None
    for pod in pods:
        labels = labels_of(pod)
        score = 0.0
        for key, value in wanted.items():
            if labels.get(key) == value:
                score += 3
            elif key in labels:
                score += 1 + _similarity(str(value), labels[key])
            elif value in labels.values():
                score += 1
        if score > best_score:
            best_score, best_pod = score, pod
    if best_pod is None or best_score <= 0:
        return {}, []
    labels = labels_of(best_pod)
    change: dict[str, str | None] = {}
    corrected = dict(wanted)
    for key, value in wanted.items():
        if labels.get(key) == value:
            continue
        if key in labels:
            change[key] = corrected[key] = labels[key]
            continue
        other = next((k for k, v in labels.items() if v == value), None)
        change[key] = None
        del corrected[key]
        if other:
            change[other] = corrected[other] = value
    if not change or not corrected:
        return {}, []
    return change, [p for p in pods if selector_matches(corrected, labels_of(p))]


@cache
def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def labels_text(labels: dict[str, str | None]) -> str:
    return ",".join(f"{k}={v}" for k, v in labels.items() if v is not None)


def gathered(snapshot: Snapshot, kind: str, namespace: str | None = None) -> bool:
    """True when the snapshot holds the full list of `kind` (in `namespace`), so absence means "missing".

    A kind never listed (e.g. a `cluster-info dump` has no ConfigMaps), a namespace outside the scope,
    or a permission gap all mean "unknown": the analyzers then say nothing rather than guess.
    """
    if kind not in snapshot.objects:
        return False
    info = BY_KIND.get(kind)
    if info and info.namespaced and namespace and snapshot.namespace not in (None, namespace):
        return False
    names = {kind.lower(), info.plural if info else kind.lower() + "s"}
    if info:
        names.add(info.resource)
    for gap in snapshot.gaps:
        resource = gap.resource.split("/")[0]
        if resource in names and (gap.namespace is None or gap.namespace == namespace):
            return False
    return True


def dig(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def pod_templates(snapshot: Snapshot) -> Iterator[tuple[KubeObject, dict[str, Any]]]:
    """(workload, PodSpec) for every workload whose template still matters.

    ReplicaSets owned by a Deployment and Jobs owned by a CronJob are skipped (their parent's template
    is the current one; old ReplicaSets legitimately point at old config), as are finished Jobs.
    """
    for kind, path in TEMPLATE_KINDS.items():
        for obj in snapshot.of_kind(kind):
            owners = meta(obj).get("ownerReferences") or []
            if kind in ("ReplicaSet", "Job") and any(o.get("controller") for o in owners):
                continue
            if kind == "Job" and _job_finished(obj):
                continue
            spec = dig(obj, *path)
            if isinstance(spec, dict):
                yield obj, spec


def _job_finished(job: KubeObject) -> bool:
    return any(
        c.get("type") in ("Complete", "Failed") and c.get("status") == "True"
        for c in (job.get("status") or {}).get("conditions") or []
    )


def workload_ref(snapshot: Snapshot, pod: KubeObject) -> ObjectRef:
    """The pod's top owner (Deployment, StatefulSet, ...) or the pod itself when it has none."""
    return top_owner_ref(snapshot, pod) or ObjectRef("Pod", name_of(pod), namespace_of(pod))


def pods_by_owner(snapshot: Snapshot) -> dict[ObjectRef, list[ObjectRef]]:
    """Every pod's ObjectRef by its top owner (Deployment, StatefulSet, ...), built once per run."""

    def build(snap: Snapshot) -> dict[ObjectRef, list[ObjectRef]]:
        out: dict[ObjectRef, list[ObjectRef]] = defaultdict(list)
        for pod in snap.of_kind("Pod"):
            if (owner := top_owner_ref(snap, pod)) is not None:
                out[owner].append(ObjectRef("Pod", name_of(pod), namespace_of(pod)))
        return out

    result: dict[ObjectRef, list[ObjectRef]] = shared(snapshot, "pods-by-owner", build)
    return result


# Log commands in remediations read a bounded tail: a crash-looping container's log can be huge, and
# agent mode runs only logs with --tail.
LOG_TAIL = "--tail=100"


def ns_flag(namespace: str | None) -> str:
    """`kubectl -n NS ` prefix for namespaced commands."""
    return f"-n {namespace} " if namespace else ""


class Clock:
    """The analysis' "now": the snapshot's newest timestamp, as the pod analyzer uses, so that results
    never depend on when a saved snapshot is read (the wall clock only when the snapshot has no time).

    Computed lazily: walking every object for timestamps is only worth it when a rule needs an age.
    """

    def __init__(self, snapshot: Snapshot) -> None:
        # Weakly: the clock lives in the run's shared cache, which must not keep the snapshot alive.
        self._snapshot = weakref.ref(snapshot)
        self._now: datetime | None = None
        self._done = False

    @property
    def now(self) -> datetime | None:
        snapshot = self._snapshot()
        if not self._done and snapshot is not None:
            self._done = True
            self._now = snapshot_now(snapshot)
            if self._now is None and snapshot.source == "live":
                self._now = datetime.now(UTC)
        return self._now

    def age(self, raw: Any) -> float | None:
        """Seconds between the timestamp `raw` and now, None when either is unknown."""
        stamp = parse_time(raw)
        now = self.now
        return None if stamp is None or now is None else (now - stamp).total_seconds()


def duration_text(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    if seconds >= 86400:
        return f"{seconds // 86400}d{(seconds % 86400) // 3600}h"
    if seconds >= 3600:
        return f"{seconds // 3600}h{(seconds % 3600) // 60}m"
    if seconds >= 60:
        return f"{seconds // 60}m"
    return f"{seconds}s"


def compact_json(value: Any) -> str:
    """JSON for a `kubectl patch -p '...'` argument (single-quoted in the shell)."""
    return json.dumps(value, separators=(",", ":"))


def squeeze(text: str, limit: int = 240) -> str:
    """One line of at most `limit` characters keeping both ends: errors often say the decisive part last
    ("... api error UnauthorizedOperation: You are not authorized")."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    head = limit * 2 // 5
    return f"{text[:head].rstrip()} … {text[len(text) - (limit - head - 3):].lstrip()}"


def event_text(ev: KubeObject, limit: int = 240) -> str:
    """`event ProvisioningFailed x14: failed to provision … UnauthorizedOperation: ...`."""
    count = int(ev.get("count") or (ev.get("series") or {}).get("count") or 1)
    times = f" x{count}" if count > 1 else ""
    message = ev.get("message") or ev.get("note") or ""
    return f"event {ev.get('reason', '')}{times}: {squeeze(message, limit)}"


def endpoint_slices(snapshot: Snapshot, namespace: str | None, service: str) -> list[tuple[bool, str]]:
    """(ready, address) of every endpoint in the Service's EndpointSlices (discovery.k8s.io/v1)."""
    out: list[tuple[bool, str]] = []
    for eps in snapshot.of_kind("EndpointSlice", namespace):
        if labels_of(eps).get("kubernetes.io/service-name") != service:
            continue
        for endpoint in eps.get("endpoints") or []:
            ready = (endpoint.get("conditions") or {}).get("ready")
            address = ",".join(endpoint.get("addresses") or [])
            out.append((ready is not False, address))  # unset means ready (discovery.k8s.io/v1)
    return out


def routes_to(snapshot: Snapshot, namespace: str | None, service: str) -> list[str]:
    """What sends traffic to the Service: Ingress rules, HTTPRoute rules, and workloads whose environment
    names it as a host (`http://cart:8080`, `cart.shop.svc`), each as one line of evidence."""
    out: list[str] = []
    for ing in snapshot.of_kind("Ingress", namespace):
        spec = ing.get("spec") or {}
        if dig(spec, "defaultBackend", "service", "name") == service:
            out.append(f"Ingress {name_of(ing)} default backend → service {service}")
        for rule in spec.get("rules") or []:
            for path in dig(rule, "http", "paths") or []:
                if dig(path, "backend", "service", "name") == service:
                    where = f"{rule.get('host') or '*'}{path.get('path') or '/'}"
                    out.append(f"Ingress {name_of(ing)} routes {where} → service {service}")
    for route in snapshot.of_kind("HTTPRoute", namespace):
        hosts = ",".join(dig(route, "spec", "hostnames") or []) or "*"
        for rule in dig(route, "spec", "rules") or []:
            for backend in rule.get("backendRefs") or []:
                if backend.get("name") == service and backend.get("kind", "Service") == "Service" \
                        and backend.get("namespace", namespace) == namespace:
                    out.append(f"HTTPRoute {name_of(route)} routes {hosts} → service {service}")
    name, ns = re.escape(service), re.escape(namespace or "")
    host = re.compile(rf"(?:^|[/@\s=:,])({name})(?:\.{ns})?(?:\.svc[\w.]*)?(?::\d+)?(?:$|[/\s,])")
    for obj, spec in pod_templates(snapshot):
        if namespace_of(obj) != namespace or dig(obj, "spec", "replicas") == 0:
            continue
        for c in spec.get("containers") or []:
            for env in c.get("env") or []:
                value = env.get("value")
                if isinstance(value, str) and service in value and host.search(value[:512]):
                    # The variable's name only: its value may hold credentials (`redis://:pw@cart`).
                    who = f"{obj.get('kind', '').lower()}/{name_of(obj)}"
                    out.append(f"{who} calls it: env {env.get('name')}")
                    break
    return out


def unique_refs(refs: Iterable[ObjectRef]) -> list[ObjectRef]:
    """`refs` without repeats, in order."""
    return list(dict.fromkeys(refs))


def close_name(name: str, candidates: list[str]) -> str | None:
    """The existing name `name` was most likely meant to be: a near spelling, or the only one that
    contains it or is contained in it (`web-frontend` vs `frontend`)."""
    scored = sorted(((_similarity(name, c), c) for c in candidates), reverse=True)
    if scored and scored[0][0] >= 0.6:
        # Two equally close names (api-v1, api-v2 for api) are a guess, not a suggestion.
        return scored[0][1] if len(scored) == 1 or scored[1][0] < scored[0][0] else None
    nested = [c for c in candidates if c and (c in name or name in c)]
    return nested[0] if len(nested) == 1 else None


# --- indexes shared by the analyzers of one run -------------------------------------------------------

_SHARED: dict[int, tuple[weakref.ref[Snapshot], tuple[tuple[str, int], ...], dict[str, Any]]] = {}


def shared(snapshot: Snapshot, key: str, build: Callable[[Snapshot], Any]) -> Any:
    """`build(snapshot)`, computed once per snapshot and shared by every analyzer of the run.

    Pod and event indexes, the clock and the pod analyzer's problem groups would otherwise be rebuilt by
    each analyzer (10,000 pods: tens of milliseconds each). The cache entry dies with the snapshot and is
    rebuilt when objects are added.
    """
    fingerprint = tuple((kind, len(objs)) for kind, objs in snapshot.objects.items())
    entry = _SHARED.get(id(snapshot))
    if entry is None or entry[0]() is not snapshot or entry[1] != fingerprint:
        ident = id(snapshot)
        entry = (weakref.ref(snapshot, lambda _ref, cache=_SHARED: cache.pop(ident, None)), fingerprint, {})
        _SHARED[ident] = entry
    cache = entry[2]
    if key not in cache:
        cache[key] = build(snapshot)
    return cache[key]


def forget(snapshot: Snapshot) -> None:
    """Drop what `shared` built for this snapshot. Entries such as the clock hold the snapshot itself,
    so without this a long-running caller (`mcp serve`) would keep every snapshot it ever analyzed."""
    _SHARED.pop(id(snapshot), None)
    forget_memo(snapshot)


def pod_index(snapshot: Snapshot) -> PodIndex:
    return shared(snapshot, "pods", PodIndex)


def event_index(snapshot: Snapshot) -> EventIndex:
    return EventIndex.of(snapshot)  # the very index the pod and workload analyzers use


def clock_of(snapshot: Snapshot) -> Clock:
    return shared(snapshot, "clock", Clock)


