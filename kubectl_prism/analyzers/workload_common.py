"""What the workload analyzers share: the context (pod root causes by owner) and finding builders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kubectl_prism.analyzers import Rule
from kubectl_prism.analyzers._util import top_owner_ref
from kubectl_prism.analyzers.pod_common import ProblemGroup
from kubectl_prism.analyzers.pod_evidence import EventIndex, memo, trim
from kubectl_prism.analyzers.pod_status import caused_by
from kubectl_prism.analyzers.workload_create import CreateFailure, admission_cause
from kubectl_prism.findings import Finding, ObjectRef, Remediation, Severity
from kubectl_prism.snapshot import KubeObject, Snapshot, meta, name_of, namespace_of


@dataclass
class WorkloadContext:
    snapshot: Snapshot
    events: EventIndex
    now: datetime | None
    causes: dict[ObjectRef, ProblemGroup]  # the most decisive pod problem per top owner
    _infra: dict[ObjectRef, Finding] | None = None

    def cause(self, obj: KubeObject) -> ProblemGroup | None:
        return self.causes.get(ObjectRef.of(obj))

    def infra_cause(self, obj: KubeObject) -> Finding | None:
        """The cluster finding holding up the workload's pods when no pod problem explains it: a missing
        ConfigMap volume, a failed mount, a claim that cannot bind, a NotReady node (computed on first use:
        most snapshots never need it)."""
        if self._infra is None:
            from kubectl_prism.analyzers._index import pod_root_findings

            self._infra = {}
            for pod_ref, finding in pod_root_findings(self.snapshot).items():
                pod = self.snapshot.get("Pod", pod_ref.namespace, pod_ref.name)
                owner = top_owner_ref(self.snapshot, pod) if pod is not None else None
                if owner is not None:
                    self._infra.setdefault(owner, finding)
        return self._infra.get(ObjectRef.of(obj))


def causes_by_owner(groups: list[ProblemGroup], rank: dict[str, int]) -> dict[ObjectRef, ProblemGroup]:
    """The most decisive pod problem (by rule rank, then most pods) of each top owner."""
    best: dict[ObjectRef, ProblemGroup] = {}
    for group in groups:
        if group.owner is None:
            continue
        current = best.get(group.owner)
        key = (rank[group.problem.rule_id], -len(group.pods))
        if current is None or key < (rank[current.problem.rule_id], -len(current.pods)):
            best[group.owner] = group
    return best


def cond(obj: KubeObject, cond_type: str) -> dict[str, Any]:
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond.get("type") == cond_type:
            return cond
    return {}


def cond_line(cond: dict[str, Any]) -> str:
    text = f"condition {cond.get('type')}={cond.get('status')} reason={cond.get('reason', '')}"
    return text + (f": {trim(cond['message'], 200)}" if cond.get("message") else "")


def link_infra(finding: Finding, ctx: WorkloadContext, obj: KubeObject) -> bool:
    """When no pod problem explains `obj`, make `finding` a warning pointing at the cluster finding that
    holds up its pods (missing ConfigMap volume, failed mount, NotReady node...). True if linked."""
    root = ctx.infra_cause(obj)
    if root is None:
        return False
    finding.caused_by = caused_by_finding(root)
    finding.severity = Severity.WARNING
    finding.title += f" — caused by {root.object.kind} {root.object.name} ({root.reason or root.id})"
    finding.message += f" The root cause: {root.title}."
    return True


def caused_by_finding(root: Finding) -> dict[str, Any]:
    return {"rule": root.id, "object": root.object.to_dict()}


def symptom_of(group: ProblemGroup) -> tuple[dict[str, Any], str]:
    """caused_by and a short phrase for a workload whose pods have `group`'s problem."""
    problem = group.problem
    what = problem.reason + (f" in container {problem.container}" if problem.container else "")
    return caused_by(problem, ObjectRef.of(group.pod)), f"its pods: {what} ({name_of(group.pod)})"


def failure_finding(
    ctx: WorkloadContext, rule: Rule, obj: KubeObject, failure: CreateFailure, counts: str
) -> Finding:
    kind, ns, name = obj.get("kind", ""), namespace_of(obj), name_of(obj)
    finding = Finding(
        rule.id,
        Severity.CRITICAL,
        f"{kind} {name}: cannot create pods ({trim(failure.summary, 140)})",
        ObjectRef.of(obj),
        reason=failure.reason,
        message=f"The API server refuses the pods of {kind.lower()}/{name}: {failure.summary}. {counts}.",
        evidence=[*failure.evidence, counts],
        remediation=failure.remediation
        or [Remediation("Read the controller's events", f"kubectl -n {ns} describe {kind.lower()} {name}")],
        related=failure.related,
    )
    if cause := admission_cause(ctx.snapshot, ns, failure):
        # The quota/LimitRange/webhook finding is the root cause; this workload is its symptom.
        finding.caused_by = cause
        finding.severity = Severity.WARNING
    return finding


def owned(snapshot: Snapshot, kind: str, owner: KubeObject) -> list[KubeObject]:
    """Objects of `kind` whose ownerReferences name `owner` (by uid, or kind and name)."""
    index: dict[tuple[Any, ...], list[KubeObject]] = memo(
        snapshot, ("owned", kind), lambda: _owner_index(snapshot, kind)
    )
    ns = namespace_of(owner)
    by_uid = index.get(("uid", meta(owner).get("uid"))) if meta(owner).get("uid") else None
    by_name = index.get(("name", ns, owner.get("kind"), name_of(owner)), [])
    if by_uid is None:
        return list(by_name)
    seen = {id(o) for o in by_uid}
    return by_uid + [o for o in by_name if id(o) not in seen]


def _owner_index(snapshot: Snapshot, kind: str) -> dict[tuple[Any, ...], list[KubeObject]]:
    index: dict[tuple[Any, ...], list[KubeObject]] = {}
    for obj in snapshot.of_kind(kind):
        keys = set()
        for ref in meta(obj).get("ownerReferences") or []:
            if ref.get("uid"):
                keys.add(("uid", ref["uid"]))
            keys.add(("name", namespace_of(obj), ref.get("kind"), ref.get("name")))
        for key in keys:
            index.setdefault(key, []).append(obj)
    return index
