"""Unhealthy pods grouped by root cause: the unit of one pod finding (docs/findings.md), part of the index.

Pods with the same namespace, top owner (Deployment, StatefulSet, DaemonSet, Job, CronJob), rule and
container are one group; the pods analyzer turns each group into one finding whose object is the first
pod by name. Other rules read the groups (never the pods analyzer) to name the pod finding a symptom of
theirs comes from; the linking pass (causes.py) then checks that finding was reported.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kubectl_prism.analyzers._util import top_owner_ref
from kubectl_prism.analyzers.pod_evidence import memo
from kubectl_prism.analyzers.pod_status import EVICTED, FAILED, POD_RULE_ORDER, PodProblem, pod_problem
from kubectl_prism.findings import ObjectRef
from kubectl_prism.snapshot import KubeObject, Snapshot, name_of, namespace_of

# Owners whose pod template `kubectl set ...` can change in place (a Job's template is immutable).
TEMPLATE_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "CronJob"}
# Controllers that do not count as a workload owner (mirror pods name their Node).
_NOT_WORKLOADS = {"Node"}
_JOB_KINDS = {"Job", "CronJob"}


@dataclass
class ProblemGroup:
    """Pods of one top owner sharing one problem: the unit of one finding."""

    problem: PodProblem  # the first pod's
    pods: list[KubeObject]  # sorted by name; pods[0] is the finding's object
    owner: ObjectRef | None
    owner_pods: int = 0  # live pods the owner has in the snapshot, for "2/3 pods"
    problems: list[PodProblem] = field(default_factory=list)

    @property
    def pod(self) -> KubeObject:
        return self.pods[0]

    @property
    def namespace(self) -> str:
        return namespace_of(self.pod) or "default"

    @property
    def refs(self) -> list[ObjectRef]:
        return [ObjectRef("Pod", name_of(p), namespace_of(p)) for p in self.pods]

    def headline(self, what: str) -> str:
        """`Deployment api: 3/3 pods in CrashLoopBackOff (...)` or `Pod api-x: in CrashLoopBackOff (...)`."""
        if self.owner is None:
            return f"Pod {name_of(self.pod)}: {what}"
        count = len(self.pods)
        total = f"/{self.owner_pods}" if self.owner_pods >= count else ""
        noun = "pod" if count == 1 and not total else "pods"
        return f"{self.owner.kind} {self.owner.name}: {count}{total} {noun} {what}"

    def template_target(self) -> str | None:
        """`deployment/api` when the owner's pod template can be changed with kubectl, else None."""
        if self.owner and self.owner.kind in TEMPLATE_KINDS:
            return f"{self.owner.kind.lower()}/{self.owner.name}"
        return None

    def kubectl(self, *args: str) -> str:
        return " ".join(["kubectl", "-n", self.namespace, *args])


def pod_owner(snapshot: Snapshot, pod: KubeObject) -> ObjectRef | None:
    owner = top_owner_ref(snapshot, pod)
    return None if owner is None or owner.kind in _NOT_WORKLOADS else owner


def _live(pod: KubeObject) -> bool:
    return (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed") and not (
        pod.get("metadata") or {}
    ).get("deletionTimestamp")


def problem_groups(
    snapshot: Snapshot, now: datetime | None = None, pods: Iterable[KubeObject] | None = None
) -> list[ProblemGroup]:
    """Unhealthy pods grouped by root cause, in a stable order.

    Failed pods of Jobs are left to the Job findings (the Job is what failed; its pods are history).
    Treat the result as read-only: it is shared by every analyzer asking about the same snapshot.
    """
    if pods is None:
        shared: list[ProblemGroup] = memo(snapshot, ("groups", now), lambda: _group(snapshot, now, None))
        return shared
    return _group(snapshot, now, pods)


def _group(snapshot: Snapshot, now: datetime | None, pods: Iterable[KubeObject] | None) -> list[ProblemGroup]:
    groups: dict[tuple[Any, ...], ProblemGroup] = {}
    owner_pods: dict[ObjectRef, int] = defaultdict(int)
    unhealthy: list[tuple[KubeObject, ObjectRef | None, PodProblem]] = []
    for pod in snapshot.of_kind("Pod") if pods is None else pods:
        owner = pod_owner(snapshot, pod)
        if owner is not None and _live(pod):
            owner_pods[owner] += 1
        problem = pod_problem(pod, now)
        if problem is None:
            continue
        if owner is not None and owner.kind in _JOB_KINDS and problem.rule_id in (FAILED, EVICTED):
            continue
        unhealthy.append((pod, owner, problem))
    # Only the few unhealthy pods need the stable order (by namespace and name), not all 10,000.
    unhealthy.sort(key=lambda item: (namespace_of(item[0]) or "", name_of(item[0])))
    for pod, owner, problem in unhealthy:
        who = owner or ObjectRef("Pod", name_of(pod), namespace_of(pod))
        key = (namespace_of(pod), who, problem.rule_id, problem.container, problem.init)
        group = groups.get(key)
        if group is None:
            groups[key] = group = ProblemGroup(problem, [], owner)
        group.pods.append(pod)
        group.problems.append(problem)
    for group in groups.values():
        if group.owner is not None:
            group.owner_pods = owner_pods.get(group.owner, 0)
    return list(groups.values())


_RANK = {rule_id: i for i, rule_id in enumerate(POD_RULE_ORDER)}


def causes_by_owner(snapshot: Snapshot, now: datetime | None) -> dict[ObjectRef, ProblemGroup]:
    """The most decisive pod problem (by rule order, then most pods) of each top owner."""

    def build() -> dict[ObjectRef, ProblemGroup]:
        best: dict[ObjectRef, ProblemGroup] = {}
        for group in problem_groups(snapshot, now):
            if group.owner is None:
                continue
            current = best.get(group.owner)
            key = (_RANK[group.problem.rule_id], -len(group.pods))
            if current is None or key < (_RANK[current.problem.rule_id], -len(current.pods)):
                best[group.owner] = group
        return best

    result: dict[ObjectRef, ProblemGroup] = memo(snapshot, ("owner-causes", now), build)
    return result
