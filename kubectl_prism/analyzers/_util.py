"""Helpers analyzers share: owner chains, selectors, container states."""

from __future__ import annotations

from typing import Any

from kubectl_prism.findings import ObjectRef
from kubectl_prism.snapshot import KubeObject, Snapshot, meta, name_of, namespace_of


def owner_chain(snapshot: Snapshot, obj: KubeObject) -> list[KubeObject]:
    """Controllers above `obj`, nearest first (Pod -> ReplicaSet -> Deployment)."""
    chain: list[KubeObject] = []
    current = obj
    seen: set[tuple[str, str]] = set()
    while True:
        refs = meta(current).get("ownerReferences") or []
        ref = next((r for r in refs if r.get("controller")), refs[0] if refs else None)
        if not ref or (ref.get("kind"), ref.get("name")) in seen:
            return chain
        seen.add((ref.get("kind"), ref.get("name")))
        parent = snapshot.get(ref.get("kind", ""), namespace_of(current), ref.get("name", ""))
        if parent is None:
            return chain
        chain.append(parent)
        current = parent


def top_owner_ref(snapshot: Snapshot, obj: KubeObject) -> ObjectRef | None:
    """The outermost known controller, or the declared controller reference when it is not gathered."""
    chain = owner_chain(snapshot, obj)
    if chain:
        return ObjectRef.of(chain[-1])
    refs = meta(obj).get("ownerReferences") or []
    ref = next((r for r in refs if r.get("controller")), None)
    if ref:
        return ObjectRef(ref.get("kind", ""), ref.get("name", ""), namespace_of(obj))
    return None


def selector_matches(selector: dict[str, Any] | None, labels: dict[str, str] | None) -> bool:
    """A LabelSelector (matchLabels + matchExpressions) or a plain map (a Service's selector).

    An empty or missing selector matches nothing here: for Services that means "no managed endpoints".
    """
    if not selector:
        return False
    labels = labels or {}
    is_label_selector = "matchLabels" in selector or "matchExpressions" in selector
    match_labels = (selector.get("matchLabels") or {}) if is_label_selector else selector
    if any(labels.get(key) != value for key, value in match_labels.items()):
        return False
    expressions = (selector.get("matchExpressions") or []) if is_label_selector else []
    for expr in expressions:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        present = key in labels
        if (op == "In" and labels.get(key) not in values) or (op == "NotIn" and labels.get(key) in values):
            return False
        if (op == "Exists" and not present) or (op == "DoesNotExist" and present):
            return False
    return True


def pods_selected(
    snapshot: Snapshot, namespace: str | None, selector: dict[str, Any] | None
) -> list[KubeObject]:
    return [
        p for p in snapshot.of_kind("Pod", namespace)
        if selector_matches(selector, meta(p).get("labels"))
    ]


def container_statuses(pod: KubeObject, init: bool = False) -> list[dict[str, Any]]:
    status = pod.get("status") or {}
    return list(status.get("initContainerStatuses" if init else "containerStatuses") or [])


def condition(obj: KubeObject, cond_type: str) -> dict[str, Any] | None:
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond.get("type") == cond_type:
            return cond
    return None


def pod_is_ready(pod: KubeObject) -> bool:
    cond = condition(pod, "Ready")
    return bool(cond and cond.get("status") == "True")


def ref(obj: KubeObject) -> ObjectRef:
    return ObjectRef(obj.get("kind", ""), name_of(obj), namespace_of(obj))
