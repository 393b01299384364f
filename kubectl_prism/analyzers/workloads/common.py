"""What the workload analyzers share: the context (pod problems by owner), links to causes, builders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kubectl_prism.analyzers import Rule
from kubectl_prism.analyzers._index import pods_by_owner
from kubectl_prism.analyzers.causes import Effect, Link, exactly, pod_root
from kubectl_prism.analyzers.pod_evidence import EventIndex, memo, trim
from kubectl_prism.analyzers.pod_groups import ProblemGroup
from kubectl_prism.analyzers.workloads.create import CreateFailure, admission_want
from kubectl_prism.findings import Finding, ObjectRef, Remediation, Severity
from kubectl_prism.snapshot import KubeObject, Snapshot, meta, name_of, namespace_of


@dataclass
class WorkloadContext:
    snapshot: Snapshot
    events: EventIndex
    now: datetime | None
    causes: dict[ObjectRef, ProblemGroup]  # the most decisive pod problem per top owner

    def cause(self, obj: KubeObject) -> ProblemGroup | None:
        return self.causes.get(ObjectRef.of(obj))


def cond(obj: KubeObject, cond_type: str) -> dict[str, Any]:
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond.get("type") == cond_type:
            return cond
    return {}


def cond_line(cond: dict[str, Any]) -> str:
    text = f"condition {cond.get('type')}={cond.get('status')} reason={cond.get('reason', '')}"
    return text + (f": {trim(cond['message'], 200)}" if cond.get("message") else "")


def infra_link(ctx: WorkloadContext, obj: KubeObject) -> Link:
    """When no pod problem explains `obj`: the cluster finding that holds up its pods (a missing ConfigMap
    volume, a failed mount, a claim that cannot bind, a NotReady node) makes the finding a warning."""

    def then(finding: Finding, root: Finding | None) -> None:
        assert root is not None
        finding.severity = Severity.WARNING
        finding.title += f" — caused by {root.object.kind} {root.object.name} ({root.reason or root.id})"
        finding.message += f" The root cause: {root.title}."

    return Link(pod_root(pods_by_owner(ctx.snapshot).get(ObjectRef.of(obj), [])), then=then)


def pods_link(group: ProblemGroup, then: Effect | None = None) -> Link:
    """To the pod finding of `group`, the most decisive problem of the workload's pods."""
    return Link(exactly(group.problem.rule_id, ObjectRef.of(group.pod)), then=then)


def symptom_of(group: ProblemGroup) -> str:
    """A short phrase for a workload whose pods have `group`'s problem."""
    problem = group.problem
    what = problem.reason + (f" in container {problem.container}" if problem.container else "")
    return f"its pods: {what} ({name_of(group.pod)})"


def caused_by_pods(group: ProblemGroup) -> Link:
    """The workload is a symptom of its pods' problem: a warning saying so in its title."""

    def then(finding: Finding, _: Finding | None) -> None:
        finding.severity = Severity.WARNING
        finding.title += f" — caused by {symptom_of(group)}"

    return pods_link(group, then)


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
    if want := admission_want(ns, failure):
        # The quota/webhook finding is the root cause; this workload is its symptom.
        finding.links = [Link(want, then=warning)]
    return finding


def warning(finding: Finding, _: Finding | None) -> None:
    finding.severity = Severity.WARNING


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
