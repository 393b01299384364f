"""Pod analyzers: one finding per root cause, grouped by the pods' top owner (DESIGN §4, §5).

Public for other analyzers: `pod_problem(pod)` says why a pod is unhealthy and `caused_by(problem,
pod_ref)` builds the Finding.caused_by that points a downstream symptom at the pod finding;
`root_cause(snapshot, pods)` does both for a set of pods (e.g. those a Service selects) and names the
very pod the pod finding uses as its object.

Grouping: pods with the same namespace, top owner (Deployment, StatefulSet, DaemonSet, Job, CronJob),
rule and container are one finding whose object is the first pod by name, whose owner is the top
owner and whose `affected` lists every pod. Workload findings that only echo a pod problem are emitted
by the workloads analyzer as warnings with caused_by pointing here.

Pod findings are symptoms themselves (warnings with caused_by) when another finding explains them: a crash
that names a Service whose pods are broken or whose selector/port is wrong, a pod Pending on a claim that
cannot bind or on cordoned nodes only, an eviction by a node under pressure, a pod stuck on a dead node.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from kubectl_prism.analyzers import Rule, analyzer
from kubectl_prism.analyzers._util import top_owner_ref
from kubectl_prism.analyzers.pod_common import PodContext, ProblemGroup
from kubectl_prism.analyzers.pod_containers import (
    build_crash_loop,
    build_init_failing,
    build_oom_killed,
    build_run_error,
)
from kubectl_prism.analyzers.pod_evidence import EventIndex, memo, snapshot_now
from kubectl_prism.analyzers.pod_lifecycle import (
    build_evicted,
    build_failed,
    build_probe_failing,
    build_stuck_terminating,
)
from kubectl_prism.analyzers.pod_refs import build_config_error, build_image_pull
from kubectl_prism.analyzers.pod_scheduling import build_unschedulable
from kubectl_prism.analyzers.pod_status import (
    CONFIG_ERROR,
    CRASH_LOOP,
    EVICTED,
    FAILED,
    IMAGE_PULL,
    INIT_FAILING,
    OOM_KILLED,
    PROBE_FAILING,
    RUN_ERROR,
    STUCK_TERMINATING,
    UNSCHEDULABLE,
    PodProblem,
    caused_by,
    pod_problem,
)
from kubectl_prism.findings import Finding, ObjectRef, Severity
from kubectl_prism.snapshot import KubeObject, Snapshot, name_of, namespace_of

__all__ = ["RULES", "PodProblem", "caused_by", "pod_problem", "problem_groups", "root_cause"]

RULES = (
    Rule(
        CRASH_LOOP,
        Severity.CRITICAL,
        "Container keeps crashing (CrashLoopBackOff): last exit reason, exit code meaning, decisive log line",
    ),
    Rule(OOM_KILLED, Severity.CRITICAL, "Container was OOM-killed: memory limit and a doubled limit to try"),
    Rule(
        IMAGE_PULL,
        Severity.CRITICAL,
        "Image cannot be pulled (ImagePullBackOff/ErrImagePull): not found vs unauthorized vs unreachable",
    ),
    Rule(
        CONFIG_ERROR,
        Severity.CRITICAL,
        "CreateContainerConfigError: the missing ConfigMap/Secret or key, and who references it",
    ),
    Rule(
        RUN_ERROR,
        Severity.CRITICAL,
        "Container cannot start (RunContainerError/StartError): e.g. executable not found in $PATH",
    ),
    Rule(
        INIT_FAILING,
        Severity.CRITICAL,
        "Init container crashes, fails or never finishes: the pod never starts",
    ),
    Rule(
        UNSCHEDULABLE,
        Severity.CRITICAL,
        "Pod Pending: the scheduler's reason (resources, taints, selector/affinity, unbound PVC, zones) "
        "checked against the nodes",
    ),
    Rule(
        EVICTED, Severity.WARNING, "Pod evicted by the kubelet under node pressure, with the greedy container"
    ),
    Rule(
        FAILED,
        Severity.WARNING,
        "Pod failed for good (rejected by the kubelet or a non-restarting container)",
    ),
    Rule(
        PROBE_FAILING, Severity.WARNING, "Container running but not ready: the failing probe and its message"
    ),
    Rule(
        STUCK_TERMINATING,
        Severity.WARNING,
        "Pod stuck Terminating: finalizers or an unreachable node, and how to clear it",
    ),
)

Builder = Callable[[PodContext, ProblemGroup], Finding]
_BUILDERS: dict[str, Builder] = {
    CRASH_LOOP: build_crash_loop,
    OOM_KILLED: build_oom_killed,
    IMAGE_PULL: build_image_pull,
    CONFIG_ERROR: build_config_error,
    RUN_ERROR: build_run_error,
    INIT_FAILING: build_init_failing,
    UNSCHEDULABLE: build_unschedulable,
    EVICTED: build_evicted,
    FAILED: build_failed,
    PROBE_FAILING: build_probe_failing,
    STUCK_TERMINATING: build_stuck_terminating,
}

# Controllers that do not count as a workload owner (mirror pods name their Node).
_NOT_WORKLOADS = {"Node"}
_JOB_KINDS = {"Job", "CronJob"}


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


def root_cause(
    snapshot: Snapshot,
    pods: Iterable[KubeObject],
    now: datetime | None = None,
    groups: list[ProblemGroup] | None = None,
) -> dict[str, Any] | None:
    """caused_by for the most decisive problem among `pods`, naming the pod finding's object, or None."""
    wanted = {(namespace_of(p), name_of(p)) for p in pods}
    if not wanted:
        return None
    rank = {rule.id: i for i, rule in enumerate(RULES)}
    best: ProblemGroup | None = None
    for group in problem_groups(snapshot, now) if groups is None else groups:
        hit = any((namespace_of(p), name_of(p)) in wanted for p in group.pods)
        if hit and (best is None or rank[group.problem.rule_id] < rank[best.problem.rule_id]):
            best = group
    return caused_by(best.problem, ObjectRef.of(best.pod)) if best else None


@analyzer("pods", *RULES)
def analyze_pods(snapshot: Snapshot) -> list[Finding]:
    """One finding per pod problem and top owner."""
    now = snapshot_now(snapshot)
    ctx = PodContext(snapshot, EventIndex.of(snapshot), now)
    groups = problem_groups(snapshot, now)
    findings: list[Finding] = []
    for group in groups:
        finding = _BUILDERS[group.problem.rule_id](ctx, group)
        finding.owner = group.owner
        finding.affected = group.refs
        findings.append(finding)
    linked: dict[int, tuple[Severity, str]] = {}
    for finding in findings:
        if (original := _link_dependency(snapshot, finding, groups)) is not None:
            linked[id(finding)] = original
    _break_cycles(findings, linked)
    _link_infrastructure(snapshot, findings)
    return findings


def _break_cycles(findings: list[Finding], linked: dict[int, tuple[Severity, str]]) -> None:
    """Two apps crashing because each needs the other: neither is a mere symptom, keep both as causes."""

    def target(f: Finding) -> Finding | None:
        cause = f.caused_by or {}
        obj = cause.get("object") or {}
        ref = ObjectRef(obj.get("kind", ""), obj.get("name", ""), obj.get("namespace"))
        return next(
            (g for g in findings if g.id == cause.get("rule") and ref in (g.object, *g.affected)), None
        )

    for finding in findings:
        other = target(finding) if id(finding) in linked else None
        if other is not None and id(other) in linked and target(other) is finding:
            for f in (finding, other):
                f.caused_by = None
                f.severity, f.message = linked[id(f)]


def _link_infrastructure(snapshot: Snapshot, findings: list[Finding]) -> None:
    """Pods blocked by a claim that cannot bind, stranded by cordoned nodes, evicted by a node under
    pressure or stuck on a dead node point at that finding."""
    claim_causes: dict[Any, Any] | None = None
    node_causes: dict[str, Any] | None = None
    for finding in findings:
        if finding.id == UNSCHEDULABLE and finding.severity is Severity.WARNING:  # PVC/cordon-only reasons
            if claim_causes is None:
                claim_causes = _optional_causes("storage", "claim_causes", snapshot)
            for rel in finding.related:
                if rel.kind == "PersistentVolumeClaim" and (rel.namespace, rel.name) in claim_causes:
                    finding.caused_by = claim_causes[(rel.namespace, rel.name)]
                    break
            if finding.caused_by is None and any(rel.kind == "Node" for rel in finding.related):  # cordons
                finding.caused_by = _root_cause(snapshot, finding, ("node-cordoned",))
                if finding.caused_by is None:
                    finding.severity = Severity.CRITICAL  # nothing else reports the cordons
        elif finding.id == EVICTED:
            finding.caused_by = _root_cause(snapshot, finding, _EVICTING_RULES)
        elif finding.id == STUCK_TERMINATING:
            if node_causes is None:
                node_causes = _optional_causes("nodes", "node_causes", snapshot)
            node = next((r.name for r in finding.related if r.kind == "Node"), None)
            if node in node_causes:
                finding.caused_by = node_causes[node]


# Node findings that list the pods the kubelet evicted from their node.
_EVICTING_RULES = ("node-memory-pressure", "node-disk-pressure", "node-pid-pressure", "node-not-ready")


def _root_cause(snapshot: Snapshot, finding: Finding, rules: tuple[str, ...]) -> dict[str, Any] | None:
    """caused_by of the cluster finding (of one of `rules`) that lists one of the finding's pods."""
    try:
        from kubectl_prism.analyzers._index import pod_root_findings
    except ImportError:
        return None
    roots = pod_root_findings(snapshot)
    for pod in finding.affected or [finding.object]:
        root = roots.get(pod)
        if root is not None and root.id in rules:
            return {"rule": root.id, "object": root.object.to_dict()}
    return None


def _optional_causes(module: str, function: str, snapshot: Snapshot) -> dict[Any, Any]:
    """caused_by maps exported by the storage/nodes analyzers; empty when that module is absent."""
    import importlib

    try:
        fn = getattr(importlib.import_module(f"kubectl_prism.analyzers.{module}"), function)
    except (ImportError, AttributeError):
        return {}
    return fn(snapshot) or {}


def _link_dependency(
    snapshot: Snapshot, finding: Finding, groups: list[ProblemGroup]
) -> tuple[Severity, str] | None:
    """A crash that names a Service whose own pods are broken is a symptom of that breakage.

    Returns the finding's severity and message from before it was linked (downgraded), or None.
    """
    from kubectl_prism.analyzers._util import pods_selected

    if finding.id not in (CRASH_LOOP, INIT_FAILING):
        return None
    own = {(a.namespace, a.name) for a in finding.affected}
    for related in finding.related:
        if related.kind != "Service":
            continue
        service = snapshot.get("Service", related.namespace, related.name)
        selector = ((service or {}).get("spec") or {}).get("selector")
        backends = [
            p
            for p in pods_selected(snapshot, related.namespace, selector)
            if (namespace_of(p), name_of(p)) not in own
        ]
        cause = root_cause(snapshot, backends, groups=groups)
        why = f"Service {related.name}'s own pods are failing"
        if cause is None and service is not None:
            cause = _service_cause(snapshot, related)
            why = f"Service {related.name} itself is broken"
        if cause:
            original = (finding.severity, finding.message)
            finding.caused_by = cause
            finding.severity = Severity.WARNING
            end = "" if finding.message.rstrip().endswith((".", "!", "?")) else "."
            finding.message = f"{finding.message.rstrip()}{end} {why} ({cause['rule']}); fix that first."
            return original
    return None


def _service_cause(snapshot: Snapshot, service: ObjectRef) -> dict[str, Any] | None:
    """The root cause the services analyzer reports for a Service that cannot serve (a selector matching
    no pod, a targetPort no container exposes): that finding's own cause, or the finding itself."""
    try:
        from kubectl_prism.analyzers._index import shared
        from kubectl_prism.analyzers.networking import analyze_services
    except ImportError:
        return None
    for found in shared(snapshot, "service-findings", analyze_services):
        if found.object == service and found.severity is not Severity.INFO:
            return found.caused_by or caused_by_finding(found)
    return None


def caused_by_finding(finding: Finding) -> dict[str, Any]:
    """Finding.caused_by pointing at `finding`."""
    return {"rule": finding.id, "object": finding.object.to_dict()}
