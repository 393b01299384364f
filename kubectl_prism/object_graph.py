"""The object graph: who owns whom, what a selector picks, and a per-snapshot memo.

Helpers over raw Kubernetes objects that both the gatherer (to follow a TARGET to its owners and
pods) and the analyzers (to group and link findings) need. They sit below both, so the code that
reads a cluster never imports the code that judges it. Pure functions of objects and a Snapshot.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from kubectl_prism.findings import ObjectRef
from kubectl_prism.snapshot import KubeObject, Snapshot, meta, name_of, namespace_of

# --- per-snapshot memo ------------------------------------------------------------------------------

# Derived data per snapshot, held weakly: several analyzers need the same (the snapshot's "now", its
# event index, the pod problem groups) and should not each recompute it. Keyed by snapshot, so runs
# on several snapshots at once (fleet runs analyze contexts in parallel threads) do not evict each
# other; `forget_memo` (after a run) and the snapshot's death drop its entries.
_MEMO: dict[int, tuple[weakref.ref[Snapshot], dict[Any, tuple[int, Any]]]] = {}


def memo(snapshot: Snapshot, key: Any, compute: Callable[[], Any]) -> Any:
    size = sum(map(len, snapshot.objects.values())) + (len(snapshot.logs) << 32)
    ident = id(snapshot)
    slot = _MEMO.get(ident)
    if slot is None or slot[0]() is not snapshot:
        slot = (weakref.ref(snapshot, lambda _ref, ident=ident: _MEMO.pop(ident, None)), {})
        _MEMO[ident] = slot
    hit = slot[1].get(key)
    if hit is not None and hit[0] == size:
        return hit[1]
    value = compute()
    slot[1][key] = (size, value)
    return value


def forget_memo(snapshot: Snapshot) -> None:
    _MEMO.pop(id(snapshot), None)


# --- owners and selectors --------------------------------------------------------------------------

def _first_owner(obj: KubeObject) -> dict[str, Any] | None:
    refs = meta(obj).get("ownerReferences") or []
    return next((r for r in refs if r.get("controller")), refs[0] if refs else None)


def owner_chain(snapshot: Snapshot, obj: KubeObject) -> list[KubeObject]:
    """Controllers above `obj`, nearest first (Pod -> ReplicaSet -> Deployment)."""
    chain: list[KubeObject] = []
    current = obj
    seen: set[tuple[str, str]] = set()
    while True:
        ref = _first_owner(current)
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
    first = _first_owner(obj)
    if first is not None:
        # The chain above `obj` depends only on its first owner reference (and namespace): replicas share
        # it, so walk it once per snapshot rather than once per pod (10,000 pods, 2,000 ReplicaSets).
        tops: dict[tuple[Any, ...], ObjectRef | None] = memo(snapshot, "top-owners", dict)
        key = (namespace_of(obj), first.get("kind"), first.get("name"))
        if key not in tops:
            chain = owner_chain(snapshot, obj) or _inferred_owner(snapshot, obj, first)
            tops[key] = ObjectRef.of(chain[-1]) if chain else None
        if tops[key] is not None:
            return tops[key]
    refs = meta(obj).get("ownerReferences") or []
    ref = next((r for r in refs if r.get("controller")), None)
    if ref:
        return ObjectRef(ref.get("kind", ""), ref.get("name", ""), namespace_of(obj))
    return None


# Controllers name what they create after themselves: Deployment api -> ReplicaSet api-5d8f7c9b4,
# CronJob backup -> Job backup-29032380.
_NAMED_AFTER = {"ReplicaSet": "Deployment", "Job": "CronJob"}


def _inferred_owner(snapshot: Snapshot, obj: KubeObject, ref: dict[str, Any]) -> list[KubeObject]:
    """[Deployment] for a pod whose ReplicaSet is not in the snapshot (a scoped or partial gather), [CronJob]
    for one whose Job is not: found by the controller's naming and, for a Deployment, its selector."""
    kind, name = ref.get("kind", ""), ref.get("name", "")
    parent_kind = _NAMED_AFTER.get(kind)
    if parent_kind is None or snapshot.get(kind, namespace_of(obj), name) is not None or "-" not in name:
        return []
    base, suffix = name.rsplit("-", 1)
    parent = snapshot.get(parent_kind, namespace_of(obj), base)
    if parent is None:
        return []
    if kind == "ReplicaSet":
        selector = (parent.get("spec") or {}).get("selector")
        return [parent] if selector_matches(selector, meta(obj).get("labels")) else []
    return [parent] if suffix.isdigit() else []


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
