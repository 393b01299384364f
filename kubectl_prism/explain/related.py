"""Which objects an object touches: pods it runs, things it references, things that point at it.

Pure functions of the snapshot. A reference to an object the snapshot does not hold is reported with
`found: False` only when the snapshot holds the full list of that kind in the namespace; otherwise it
is `None` (unknown: not gathered, or not readable because of RBAC) — prism never guesses "missing".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kubectl_prism.explain.describe import POD_SPEC_PATH, dig, pod_spec, pod_template_labels
from kubectl_prism.findings import ObjectRef
from kubectl_prism.kinds import BY_KIND
from kubectl_prism.object_graph import owner_chain, selector_matches, top_owner_ref
from kubectl_prism.snapshot import KubeObject, Snapshot, meta, name_of, namespace_of


@dataclass(frozen=True)
class RelatedObject:
    kind: str
    name: str
    namespace: str | None
    relation: str  # "selects its pods", "env from key password", ...
    found: bool | None = True  # None: unknown (kind not gathered or not readable)

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(self.kind, self.name, self.namespace)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "namespace": self.namespace, "name": self.name, "relation": self.relation,
                "found": self.found}


def known(snapshot: Snapshot, kind: str, namespace: str | None) -> bool:
    """True when absence of a `kind` object in `namespace` means it does not exist."""
    if not snapshot.objects.get(kind):
        return False
    info = BY_KIND.get(kind)
    names = {kind.lower(), info.plural, info.resource} if info else {kind.lower()}
    for gap in snapshot.gaps:
        if gap.resource.split("/")[0] in names and gap.namespace in (None, namespace):
            return False
    return True


def _ref(snapshot: Snapshot, kind: str, namespace: str | None, name: str, relation: str) -> RelatedObject:
    ns = namespace if BY_KIND.get(kind, BY_KIND["Pod"]).namespaced else None
    exists = snapshot.get(kind, ns, name) is not None
    found = True if exists else (False if known(snapshot, kind, ns) else None)
    return RelatedObject(kind, name, ns, relation, found)


# --- pods ----------------------------------------------------------------------------------------

def _owned_by(snapshot: Snapshot, pod: KubeObject, obj: KubeObject) -> bool:
    key = (obj.get("kind"), name_of(obj))
    refs = meta(pod).get("ownerReferences") or []
    if any((r.get("kind"), r.get("name")) == key for r in refs):
        return True
    return any((o.get("kind"), name_of(o)) == key for o in owner_chain(snapshot, pod))


def _pods_referencing(snapshot: Snapshot, kind: str, namespace: str | None, name: str) -> list[KubeObject]:
    return [p for p in snapshot.of_kind("Pod", namespace)
            if any(r[0] == kind and r[1] == name for r in spec_references(p.get("spec") or {}))]


def pods_of(snapshot: Snapshot, obj: KubeObject) -> list[KubeObject]:
    """The pods an object runs, selects, hosts or is used by (empty for kinds without pods)."""
    kind, ns, name = obj.get("kind", ""), namespace_of(obj), name_of(obj)
    spec = obj.get("spec") or {}
    if kind == "Pod":
        return [obj]
    if kind in POD_SPEC_PATH:
        owned = [p for p in snapshot.of_kind("Pod", ns) if _owned_by(snapshot, p, obj)]
        if owned or kind in ("CronJob",):
            return owned
        # Intermediate owners (ReplicaSets) may not be gathered: fall back to the selector.
        return [p for p in snapshot.of_kind("Pod", ns) if selector_matches(spec.get("selector"), _labels(p))]
    if kind == "Service":
        return [p for p in snapshot.of_kind("Pod", ns) if selector_matches(spec.get("selector"), _labels(p))]
    if kind in ("PodDisruptionBudget", "NetworkPolicy"):
        selector = spec.get("selector") if kind == "PodDisruptionBudget" else spec.get("podSelector")
        if kind == "NetworkPolicy" and not (selector or {}).get("matchLabels") and \
                not (selector or {}).get("matchExpressions"):
            return snapshot.of_kind("Pod", ns)  # an empty podSelector selects every pod
        return [p for p in snapshot.of_kind("Pod", ns) if selector_matches(selector, _labels(p))]
    if kind == "HorizontalPodAutoscaler":
        target = spec.get("scaleTargetRef") or {}
        workload = snapshot.get(target.get("kind", ""), ns, target.get("name", ""))
        return pods_of(snapshot, workload) if workload else []
    if kind == "Node":
        return [p for p in snapshot.of_kind("Pod") if (p.get("spec") or {}).get("nodeName") == name]
    if kind in ("PersistentVolumeClaim", "ConfigMap", "Secret"):
        return _pods_referencing(snapshot, kind, ns, name)
    if kind == "Namespace":
        return snapshot.of_kind("Pod", name)
    return []


def _labels(obj: KubeObject) -> dict[str, str]:
    return meta(obj).get("labels") or {}


def owned_intermediates(snapshot: Snapshot, obj: KubeObject) -> list[KubeObject]:
    """ReplicaSets of a Deployment, Jobs of a CronJob: what sits between the object and its pods."""
    child = {"Deployment": "ReplicaSet", "CronJob": "Job"}.get(obj.get("kind", ""))
    if not child:
        return []
    key = (obj.get("kind"), name_of(obj))
    return [o for o in snapshot.of_kind(child, namespace_of(obj))
            if any((r.get("kind"), r.get("name")) == key for r in meta(o).get("ownerReferences") or [])]


# --- references from a pod spec ------------------------------------------------------------------

def spec_references(spec: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(kind, name, how) for every ConfigMap, Secret, PVC and ServiceAccount a PodSpec uses."""
    for v in spec.get("volumes") or []:
        if v.get("configMap"):
            yield "ConfigMap", v["configMap"].get("name", ""), f"mounted as volume {v.get('name')}"
        if v.get("secret"):
            yield "Secret", v["secret"].get("secretName", ""), f"mounted as volume {v.get('name')}"
        if v.get("persistentVolumeClaim"):
            claim = v["persistentVolumeClaim"].get("claimName", "")
            yield "PersistentVolumeClaim", claim, f"mounted as volume {v.get('name')}"
        for src in dig(v, "projected", "sources") or []:
            for kind, key in (("ConfigMap", "configMap"), ("Secret", "secret")):
                if src.get(key):
                    yield kind, src[key].get("name", ""), f"projected into volume {v.get('name')}"
    for c in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]:
        for src in c.get("envFrom") or []:
            for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
                if src.get(key):
                    yield kind, src[key].get("name", ""), f"all keys as env of container {c.get('name')}"
        for env in c.get("env") or []:
            vf = env.get("valueFrom") or {}
            for kind, key in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
                if vf.get(key):
                    yield (kind, vf[key].get("name", ""),
                           f"env {env.get('name')} of container {c.get('name')} (key {vf[key].get('key')})")
    for s in spec.get("imagePullSecrets") or []:
        yield "Secret", s.get("name", ""), "image pull secret"
    if spec.get("serviceAccountName"):
        yield "ServiceAccount", spec["serviceAccountName"], "its service account"


# --- the related list ----------------------------------------------------------------------------

def related_objects(snapshot: Snapshot, obj: KubeObject, pods: list[KubeObject]) -> list[RelatedObject]:
    kind, ns, name = obj.get("kind", ""), namespace_of(obj), name_of(obj)
    spec = obj.get("spec") or {}
    out: list[RelatedObject] = []
    ps = pod_spec(obj)
    if ps is not None:
        for ref_kind, ref_name, how in spec_references(ps):
            out.append(_ref(snapshot, ref_kind, ns, ref_name, how))
        if kind == "Pod" and ps.get("nodeName"):
            out.append(_ref(snapshot, "Node", None, ps["nodeName"], "runs on node"))
        for child in owned_intermediates(snapshot, obj):
            out.append(RelatedObject(child["kind"], name_of(child), ns, f"owned {child['kind']}"))
        out += _pointing_at_workload(snapshot, obj)
    if kind == "Service":
        endpoints = snapshot.get("Endpoints", ns, name)
        if endpoints is not None or known(snapshot, "Endpoints", ns):
            text = _endpoints_text(endpoints)
            out.append(RelatedObject("Endpoints", name, ns, text, endpoints is not None))
        out += [RelatedObject("Ingress", name_of(i), ns, "routes traffic to it")
                for i in snapshot.of_kind("Ingress", ns) if name in _ingress_services(i)]
    if kind == "Ingress":
        for svc in sorted(_ingress_services(obj)):
            out.append(_ref(snapshot, "Service", ns, svc, "backend service"))
        for tls in spec.get("tls") or []:
            if tls.get("secretName"):
                out.append(_ref(snapshot, "Secret", ns, tls["secretName"], "TLS certificate"))
        if spec.get("ingressClassName"):
            out.append(_ref(snapshot, "IngressClass", None, spec["ingressClassName"], "ingress class"))
    if kind == "PersistentVolumeClaim":
        if spec.get("volumeName"):
            out.append(_ref(snapshot, "PersistentVolume", None, spec["volumeName"], "bound volume"))
        if spec.get("storageClassName"):
            out.append(_ref(snapshot, "StorageClass", None, spec["storageClassName"], "storage class"))
    if kind == "HorizontalPodAutoscaler":
        target = spec.get("scaleTargetRef") or {}
        out.append(_ref(snapshot, target.get("kind", ""), ns, target.get("name", ""), "scales it"))
    if kind == "Namespace":
        for quota_kind in ("ResourceQuota", "LimitRange"):
            out += [RelatedObject(quota_kind, name_of(q), name, "applies to the namespace")
                    for q in snapshot.of_kind(quota_kind, name)]
    if kind in ("ConfigMap", "Secret", "PersistentVolumeClaim"):
        out += _templates_referencing(snapshot, kind, ns, name)
    if kind not in POD_SPEC_PATH:
        named = {r.ref for r in out}
        out += [r for r in _workloads_of(snapshot, pods, kind) if r.ref not in named]
    return _dedupe(out)


def _templates_referencing(snapshot: Snapshot, kind: str, ns: str | None, name: str) -> list[RelatedObject]:
    """Workloads whose pod template uses the object, even when none of their pods exists."""
    out = []
    for workload_kind in POD_SPEC_PATH:
        if workload_kind == "Pod":
            continue
        for workload in snapshot.of_kind(workload_kind, ns):
            if workload_kind in ("ReplicaSet", "Job") and meta(workload).get("ownerReferences"):
                continue  # its Deployment / CronJob is listed instead
            for ref_kind, ref_name, how in spec_references(pod_spec(workload) or {}):
                if (ref_kind, ref_name) == (kind, name):
                    out.append(RelatedObject(workload_kind, name_of(workload), ns, f"uses it: {how}"))
    return out


def _pointing_at_workload(snapshot: Snapshot, obj: KubeObject) -> list[RelatedObject]:
    ns, labels = namespace_of(obj), pod_template_labels(obj)
    out = []
    services = [s for s in snapshot.of_kind("Service", ns)
                if selector_matches((s.get("spec") or {}).get("selector"), labels)]
    for svc in services:
        out.append(RelatedObject("Service", name_of(svc), ns, "selects its pods"))
        out += [RelatedObject("Ingress", name_of(i), ns, f"routes to service/{name_of(svc)}")
                for i in snapshot.of_kind("Ingress", ns) if name_of(svc) in _ingress_services(i)]
    top = top_owner_ref(snapshot, obj) if obj.get("kind") in ("Pod", "ReplicaSet", "Job") else None
    targets = {(obj.get("kind"), name_of(obj))} | ({(top.kind, top.name)} if top else set())
    for hpa in snapshot.of_kind("HorizontalPodAutoscaler", ns):
        ref = dig(hpa, "spec", "scaleTargetRef") or {}
        if (ref.get("kind"), ref.get("name")) in targets:
            out.append(RelatedObject("HorizontalPodAutoscaler", name_of(hpa), ns, "scales it"))
    for pdb in snapshot.of_kind("PodDisruptionBudget", ns):
        if selector_matches(dig(pdb, "spec", "selector"), labels):
            out.append(RelatedObject("PodDisruptionBudget", name_of(pdb), ns, "limits evictions of its pods"))
    for pol in snapshot.of_kind("NetworkPolicy", ns):
        selector = dig(pol, "spec", "podSelector") or {}
        if not selector.get("matchLabels") and not selector.get("matchExpressions"):
            out.append(RelatedObject("NetworkPolicy", name_of(pol), ns, "applies to every pod here"))
        elif selector_matches(selector, labels):
            out.append(RelatedObject("NetworkPolicy", name_of(pol), ns, "selects its pods"))
    return out


def _workloads_of(snapshot: Snapshot, pods: list[KubeObject], kind: str) -> list[RelatedObject]:
    seen: dict[ObjectRef, int] = {}
    for pod in pods:
        owner = top_owner_ref(snapshot, pod) or ObjectRef.of(pod)
        seen[owner] = seen.get(owner, 0) + 1
    verb = {"Node": "has pods on it", "PersistentVolumeClaim": "mounts it", "ConfigMap": "uses it",
            "Secret": "uses it"}.get(kind, "owns its pods")
    return [RelatedObject(r.kind, r.name, r.namespace, f"{verb} ({n} pod{'s' if n != 1 else ''})")
            for r, n in sorted(seen.items()) if r.kind != "Pod"]


def _ingress_services(ingress: KubeObject) -> set[str]:
    spec = ingress.get("spec") or {}
    names = {dig(spec, "defaultBackend", "service", "name")}
    for rule in spec.get("rules") or []:
        for path in dig(rule, "http", "paths") or []:
            names.add(dig(path, "backend", "service", "name"))
    return {n for n in names if n}


def _endpoints_text(endpoints: KubeObject | None) -> str:
    if endpoints is None:
        return "endpoints (none)"
    ready = sum(len(s.get("addresses") or []) for s in endpoints.get("subsets") or [])
    not_ready = sum(len(s.get("notReadyAddresses") or []) for s in endpoints.get("subsets") or [])
    return f"endpoints: {ready} ready, {not_ready} not ready"


def _dedupe(items: list[RelatedObject]) -> list[RelatedObject]:
    seen: dict[tuple[ObjectRef, str], RelatedObject] = {}
    for item in items:
        seen.setdefault((item.ref, item.relation), item)
    return list(seen.values())
