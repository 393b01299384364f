"""What belongs to a scope — a target object, a namespace, or the whole cluster — as pure functions.

The live gatherer and `--snapshot` share these rules: live gathering fetches a superset with a few
list calls and then cuts it with `restrict`; a loaded snapshot is cut with the same `restrict`. So the
same scope gives the same model from either source, and analyzers never know where data came from.

For a target the model holds: the object, its owner chain, the pods it owns or selects (and their
owners), their events, the Services/Endpoints/Ingresses/HPAs/PDBs/NetworkPolicies pointing at it,
the ConfigMaps/Secrets/PVCs it references, the namespace's ResourceQuotas, the Nodes its pods run on
(with their NodeMetrics, so requests can be set against allocatable), and — only when they matter —
every node (pods unscheduled, evicted, terminating or lost), PersistentVolumes and StorageClasses
(a PVC not bound), IngressClasses (an Ingress in scope) and admission webhooks (an event blames one).
A Namespace target holds the namespace scope plus the Nodes its pods run on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from kubectl_prism.errors import ClusterAccessError, UsageError
from kubectl_prism.gather.rules import (
    REFERENCED_KINDS,
    RELATED_KINDS,
    WORKLOAD_KINDS,
    ingress_service_names,
    ingress_tls_secrets,
    log_cap_gap_reason,
    log_plan,
    optional_kinds,
    pod_nodes,
    pod_spec_of,
    spec_refs,
    tail_log,
    template_labels,
)
from kubectl_prism.kinds import BY_KIND, Target
from kubectl_prism.names import check_namespace
from kubectl_prism.object_graph import owner_chain, selector_matches
from kubectl_prism.snapshot import KubeObject, Snapshot, meta, name_of, namespace_of

Key = tuple[str, str | None, str]  # (kind, namespace, name)


@dataclass(frozen=True)
class GatherScope:
    """`namespace=None` and no target: the whole cluster (-A)."""

    namespace: str | None
    target: Target | None = None

    def __post_init__(self) -> None:
        if self.namespace is not None:
            check_namespace(self.namespace)

    def describe(self) -> str:
        where = f"namespace {self.namespace}" if self.namespace else "all namespaces"
        return f"{self.target} in {where}" if self.target else where


def _owned_by(objs: Iterable[KubeObject], owners: Iterable[KubeObject]) -> list[KubeObject]:
    wanted = {(o.get("kind"), name_of(o)) for o in owners}
    uids = {meta(o).get("uid") for o in owners} - {None}
    out = []
    for obj in objs:
        for ref in meta(obj).get("ownerReferences") or []:
            if (ref.get("uid") and ref.get("uid") in uids) or (ref.get("kind"), ref.get("name")) in wanted:
                out.append(obj)
                break
    return out


# --- the closure of a target -----------------------------------------------------------------------


@dataclass
class Closure:
    """The objects a target scope holds, plus what decides the optional kinds."""

    keys: set[Key] = field(default_factory=set)
    pods: list[KubeObject] = field(default_factory=list)
    event_keys: set[Key] | None = None  # None: events of any object in `keys`
    cluster_wide: bool = False  # a Node target: pods come from every namespace
    anchor_kind: str | None = None  # the kind whose pods the target is about (an HPA's scale target)

    def add(self, *objs: KubeObject) -> None:
        for obj in objs:
            self.keys.add((obj.get("kind", ""), namespace_of(obj), name_of(obj)))

    def has(self, kind: str, namespace: str | None, name: str) -> bool:
        return (kind, namespace, name) in self.keys


def find_target(snapshot: Snapshot, target: Target, namespace: str | None, source: str) -> KubeObject:
    """The target object; a not-found is an access error (exit 3) with one clear line."""
    info = target.info
    for gap in snapshot.gaps:  # there, but left out as malformed: say that, not "not found"
        if gap.resource == f"{info.kind.lower()}/{target.name}" and gap.reason.startswith("malformed") \
                and (namespace is None or gap.namespace in (None, namespace)):
            raise ClusterAccessError(f"cannot use {info.kind.lower()} {target.name}: {gap.reason}",
                                     hint="fix the object in the snapshot")
    if not info.namespaced:
        obj = snapshot.get(info.kind, None, target.name)
        if obj is None:
            raise ClusterAccessError(f'{info.kind.lower()} "{target.name}" not found{source}')
        return obj
    if namespace is None:
        found = [o for o in snapshot.of_kind(info.kind) if name_of(o) == target.name]
        if len(found) > 1:
            spaces = ", ".join(sorted(namespace_of(o) or "" for o in found))
            raise UsageError(f"{target} exists in several namespaces ({spaces})",
                             hint="pick one with -n NAMESPACE")
        if found:
            return found[0]
        raise ClusterAccessError(f'{info.kind.lower()} "{target.name}" not found in any namespace{source}')
    obj = snapshot.get(info.kind, namespace, target.name)
    if obj is None:
        raise ClusterAccessError(
            f'{info.kind.lower()} "{target.name}" not found in namespace "{namespace}"{source}')
    return obj


def anchor_of(snapshot: Snapshot, obj: KubeObject) -> KubeObject | None:
    """The object whose pods a target is about: itself, or an HPA's scale target."""
    if obj.get("kind") != "HorizontalPodAutoscaler":
        return obj
    ref = (obj.get("spec") or {}).get("scaleTargetRef") or {}
    return snapshot.get(ref.get("kind", ""), namespace_of(obj), ref.get("name", ""))


def pods_of_anchor(
    snapshot: Snapshot, anchor: KubeObject, namespace: str
) -> tuple[list[KubeObject], list[KubeObject]]:
    """(pods, intermediate workloads) of an anchor object, by ownership or selection."""
    kind = anchor.get("kind")
    pods = snapshot.of_kind("Pod", namespace)
    spec = anchor.get("spec") or {}
    if kind == "Pod":
        return [anchor], []
    if kind == "Deployment":
        sets = _owned_by(snapshot.of_kind("ReplicaSet", namespace), [anchor])
        return _owned_by(pods, sets), sets
    if kind == "CronJob":
        jobs = _owned_by(snapshot.of_kind("Job", namespace), [anchor])
        return _owned_by(pods, jobs), jobs
    if kind in WORKLOAD_KINDS:
        return _owned_by(pods, [anchor]), []
    if kind == "Service":
        return [p for p in pods if selector_matches(spec.get("selector"), meta(p).get("labels"))], []
    if kind == "Ingress":
        names = ingress_service_names(anchor)
        services = [s for s in snapshot.of_kind("Service", namespace) if name_of(s) in names]
        return [p for p in pods if any(selector_matches((s.get("spec") or {}).get("selector"),
                                                        meta(p).get("labels")) for s in services)], []
    if kind == "PodDisruptionBudget":
        return [p for p in pods if selector_matches(spec.get("selector"), meta(p).get("labels"))], []
    if kind == "NetworkPolicy":
        selector = spec.get("podSelector") or {}
        if not (selector.get("matchLabels") or selector.get("matchExpressions")):
            return pods, []  # an empty podSelector selects every pod of the namespace
        return [p for p in pods if selector_matches(selector, meta(p).get("labels"))], []
    if kind in ("PersistentVolumeClaim", "ConfigMap", "Secret"):
        name = name_of(anchor)
        return [p for p in pods if name in spec_refs(p.get("spec"))[kind]], []
    return [], []


def target_closure(snapshot: Snapshot, target: Target, obj: KubeObject) -> Closure:
    """Everything a namespaced or Node target needs, as keys into the snapshot (module docstring)."""
    c = Closure()
    c.add(obj)
    if target.kind == "Node":
        node = name_of(obj)
        c.pods = [p for p in snapshot.of_kind("Pod") if (p.get("spec") or {}).get("nodeName") == node]
        c.add(*c.pods)
        c.event_keys = {("Node", None, node)}
        c.cluster_wide = True
        return c
    ns = namespace_of(obj) or ""
    anchor = anchor_of(snapshot, obj)
    c.anchor_kind = obj.get("kind")
    if obj.get("kind") == "HorizontalPodAutoscaler":
        c.anchor_kind = ((obj.get("spec") or {}).get("scaleTargetRef") or {}).get("kind")
    workloads: list[KubeObject] = [obj]
    if anchor is not None:
        c.add(anchor)
        c.pods, intermediate = pods_of_anchor(snapshot, anchor, ns)
        workloads += [anchor, *intermediate]
    chain_from = [obj, *([anchor] if anchor is not None else []), *c.pods]
    for item in chain_from:
        workloads += owner_chain(snapshot, item)
    c.add(*workloads, *c.pods)

    label_sets = [meta(p).get("labels") or {} for p in c.pods]
    label_sets += [labels for w in workloads if (labels := template_labels(w))]
    services = [s for s in snapshot.of_kind("Service", ns)
                if c.has("Service", ns, name_of(s))
                or any(selector_matches((s.get("spec") or {}).get("selector"), lb) for lb in label_sets)]
    service_names = {name_of(s) for s in services}
    if obj.get("kind") == "Ingress":
        service_names |= ingress_service_names(obj)
        services = [s for s in snapshot.of_kind("Service", ns) if name_of(s) in service_names]
    c.add(*services)
    c.add(*[e for e in snapshot.of_kind("Endpoints", ns) if name_of(e) in service_names])
    c.add(*[s for s in snapshot.of_kind("EndpointSlice", ns)
            if (meta(s).get("labels") or {}).get("kubernetes.io/service-name") in service_names])
    ingresses = [i for i in snapshot.of_kind("Ingress", ns)
                 if c.has("Ingress", ns, name_of(i)) or ingress_service_names(i) & service_names]
    c.add(*ingresses)
    scale_targets = {(w.get("kind"), name_of(w)) for w in workloads}
    c.add(*[h for h in snapshot.of_kind("HorizontalPodAutoscaler", ns)
            if (((h.get("spec") or {}).get("scaleTargetRef") or {}).get("kind"),
                ((h.get("spec") or {}).get("scaleTargetRef") or {}).get("name")) in scale_targets])
    for kind, key in (("PodDisruptionBudget", "selector"), ("NetworkPolicy", "podSelector")):
        for policy in snapshot.of_kind(kind, ns):
            selector = (policy.get("spec") or {}).get(key) or {}
            everything = kind == "NetworkPolicy" and not (
                selector.get("matchLabels") or selector.get("matchExpressions"))
            if (everything and label_sets) or any(selector_matches(selector, lb) for lb in label_sets):
                c.add(policy)
    c.add(*snapshot.of_kind("ResourceQuota", ns))

    refs = spec_refs(None)
    for item in [*c.pods, *workloads]:
        for kind, names in spec_refs(pod_spec_of(item)).items():
            refs[kind] |= names
    for ingress in ingresses:
        refs["Secret"] |= ingress_tls_secrets(ingress)
    for kind, names in refs.items():
        c.add(*[o for o in snapshot.of_kind(kind, ns) if name_of(o) in names])
    if obj.get("kind") == "Pod":
        c.event_keys = {("Pod", ns, name_of(obj))}
    return c


def target_kinds(closure: Closure, target_kind: str) -> set[str]:
    """Kinds a target scope reads in full for its closure (so absence there means "missing")."""
    if closure.cluster_wide:
        return {"Node", "Pod", "Event", "NodeMetrics"}
    kinds = {target_kind, "Pod", "Event", "PodMetrics", *RELATED_KINDS, *REFERENCED_KINDS}
    anchor = closure.anchor_kind
    if anchor:
        kinds.add(anchor)
    if anchor == "Deployment":
        kinds.add("ReplicaSet")
    elif anchor == "CronJob":
        kinds.add("Job")
    elif anchor is not None and anchor not in (*WORKLOAD_KINDS, "Pod"):
        kinds |= set(WORKLOAD_KINDS)  # the pods of a Service, PDB, ... may belong to any workload
    return kinds


def referenced_names(snapshot: Snapshot, closure: Closure) -> dict[str, set[str]]:
    """ConfigMap/Secret/PVC names the closure's pods, workloads and ingresses reference."""
    refs = spec_refs(None)
    for key in closure.keys:
        kind, ns, name = key
        obj = snapshot.get(kind, ns, name)
        if obj is None:
            continue
        if kind == "Ingress":
            refs["Secret"] |= ingress_tls_secrets(obj)
        elif kind == "Pod" or kind in WORKLOAD_KINDS:
            for ref_kind, names in spec_refs(pod_spec_of(obj)).items():
                refs[ref_kind] |= names
    return refs


# --- restrict ------------------------------------------------------------------------------------


def restrict(snapshot: Snapshot, target: Target | None, namespace: str | None,
             *, source_label: str = "", target_checked: bool = False) -> Snapshot:
    """A new snapshot holding what the scope holds (module docstring); objects are shared, not copied,
    and come slim (`rules.slim`): live ones as they arrive, a saved snapshot's as it is loaded.

    `namespace=None` without a target keeps every namespace. `source_label` ends not-found messages
    (e.g. " in snapshot ./dump"); `target_checked` says a Namespace target is known to exist even if
    its object could not be read.
    """
    out = Snapshot(source=snapshot.source, context=snapshot.context, namespace=namespace, target=target)
    if target is not None and target.kind == "Namespace":
        # A `cluster-info dump` has no Namespace objects: objects in the namespace are enough.
        ns_obj = snapshot.get("Namespace", None, target.name)
        if ns_obj is None and not target_checked and target.name not in snapshot.namespaces():
            find_target(snapshot, target, None, source_label)  # raises the not-found error
        if ns_obj is not None:
            out.add(ns_obj)
        namespace = out.namespace = target.name
        target_obj = None
    elif target is not None:
        target_obj = find_target(snapshot, target, namespace, source_label)
        out.namespace = namespace = namespace_of(target_obj)
    else:
        target_obj = None

    if target is not None and target_obj is not None:
        closure = target_closure(snapshot, target, target_obj)
        pods = closure.pods
        covered = target_kinds(closure, target.kind) | set(_keep_closure(snapshot, out, closure, pods))
    elif namespace is not None:
        covered = {k for k, info in BY_KIND.items() if info.namespaced}
        covered |= set(_keep_namespace(snapshot, out, namespace, with_pod_nodes=target is not None))
        if target is not None:
            covered.add("Namespace")
        pods = out.of_kind("Pod")
    else:
        for kind, objs in snapshot.objects.items():
            out.objects[kind] = list(objs)
        covered = set(snapshot.objects)
        pods = out.of_kind("Pod")
    for kind in covered:
        if kind in snapshot.objects:
            # A kind read in full stays marked as read even when nothing of it is in scope.
            out.objects.setdefault(kind, [])

    keys, skipped = log_plan(pods)
    for key in keys:
        text = snapshot.logs.get(key)
        if text is not None and text.strip():
            out.logs[key] = tail_log(text)
    if skipped:
        out.add_gap("pods/log", None, log_cap_gap_reason(skipped))
    in_scope = {namespace_of(p) for p in pods} | {namespace}
    for gap in snapshot.gaps:
        if gap.namespace is None or namespace is None or gap.namespace in in_scope:
            out.add_gap(gap.resource, gap.namespace, gap.reason)
    return out


def closure_events(snapshot: Snapshot, closure: Closure) -> list[KubeObject]:
    """Events about the closure's objects (only the target's own for a Pod or Node target)."""
    wanted = closure.event_keys if closure.event_keys is not None else closure.keys
    events = []
    for event in snapshot.of_kind("Event"):
        ref = event.get("involvedObject") or event.get("regarding") or {}
        kind, name = ref.get("kind", ""), ref.get("name", "")
        info = BY_KIND.get(kind)
        cluster_scoped = info is not None and not info.namespaced
        ref_ns = None if cluster_scoped else (ref.get("namespace") or namespace_of(event))
        if (kind, ref_ns, name) in wanted:
            events.append(event)
    return events


def _add_optional(snapshot: Snapshot, out: Snapshot, kinds: list[str]) -> list[str]:
    for kind in kinds:
        for obj in snapshot.of_kind(kind):
            out.add(obj)
    return kinds


def _keep_pod_nodes(snapshot: Snapshot, out: Snapshot, pods: list[KubeObject]) -> list[str]:
    """The Nodes the pods run on and their NodeMetrics; the kinds read for them."""
    names = sorted(pod_nodes(pods))
    if not names:
        return []
    for kind in ("Node", "NodeMetrics"):
        for name in names:
            obj = snapshot.get(kind, None, name)
            if obj is not None:
                out.add(obj)
    return ["Node", "NodeMetrics"]


def _keep_namespace(snapshot: Snapshot, out: Snapshot, namespace: str, with_pod_nodes: bool) -> list[str]:
    for kind, objs in snapshot.objects.items():
        info = BY_KIND.get(kind)
        if info is not None and not info.namespaced:
            continue
        for obj in objs:
            if namespace_of(obj) == namespace:
                out.add(obj)
    kinds = optional_kinds(out.of_kind("Pod"), out.of_kind("PersistentVolumeClaim"), out.of_kind("Ingress"),
                           out.of_kind("Event"))
    if with_pod_nodes and "Node" not in kinds:
        return _add_optional(snapshot, out, kinds) + _keep_pod_nodes(snapshot, out, out.of_kind("Pod"))
    return _add_optional(snapshot, out, kinds)


def _keep_closure(snapshot: Snapshot, out: Snapshot, closure: Closure, pods: list[KubeObject]) -> list[str]:
    for key in sorted(closure.keys, key=lambda k: (k[0], k[1] or "", k[2])):
        obj = snapshot.get(*key)
        if obj is not None:
            out.add(obj)
    events = closure_events(snapshot, closure)
    for event in events:
        out.add(event)
    if closure.cluster_wide:  # a Node target: the node's metrics, no optional kinds
        nodes = {k[2] for k in closure.keys if k[0] == "Node"}
        for metrics in snapshot.of_kind("NodeMetrics"):
            if name_of(metrics) in nodes:
                out.add(metrics)
        return []
    pod_keys = {(namespace_of(p), name_of(p)) for p in pods}
    for metrics in snapshot.of_kind("PodMetrics"):
        if (namespace_of(metrics), name_of(metrics)) in pod_keys:
            out.add(metrics)
    kinds = optional_kinds(pods, out.of_kind("PersistentVolumeClaim"), out.of_kind("Ingress"), events)
    if "Node" not in kinds:  # every node is kept when one matters; else those the pods run on
        return _add_optional(snapshot, out, kinds) + _keep_pod_nodes(snapshot, out, pods)
    return _add_optional(snapshot, out, kinds)
