"""Workload analyzers: Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs and CronJobs.

One finding per workload at most, naming the root cause:
- the controller cannot create pods (quota, LimitRange, PodSecurity, webhook, service account): that
  refusal is the root cause -> a critical `*-replica-failure`/`*-unavailable` finding on the workload,
  unless the quota/webhook analyzers report the refusal themselves (then a warning pointing there);
- its pods have a problem (crash loop, image pull, unschedulable, ...): the pod finding is the root
  cause, so the workload finding is a warning with caused_by pointing at it (never two criticals);
- its pods are held up by something the cluster analyzers report (a missing ConfigMap volume, a failed
  mount, a NotReady node): likewise a warning pointing at that finding;
- otherwise the workload's own status is the evidence (critical when nothing is available).
A rollout still in progress without a failing pod is only info.
"""

from __future__ import annotations

from kubectl_prism.analyzers import Rule, analyzer
from kubectl_prism.analyzers._index import gathered, is_live
from kubectl_prism.analyzers.causes import Link
from kubectl_prism.analyzers.pod_evidence import EventIndex, snapshot_now
from kubectl_prism.analyzers.pod_groups import causes_by_owner
from kubectl_prism.analyzers.workloads.common import (
    WorkloadContext,
    caused_by_pods,
    cond,
    cond_line,
    failure_finding,
    infra_link,
    owned,
    pods_link,
    symptom_of,
)
from kubectl_prism.analyzers.workloads.create import (
    CreateFailure,
    create_failure,
    failed_create,
    replica_failure_condition,
)
from kubectl_prism.analyzers.workloads.jobs import JOB_RULES, analyze_cronjob, analyze_job
from kubectl_prism.analyzers.workloads.sets import SET_RULES, analyze_daemonset, analyze_statefulset
from kubectl_prism.findings import Finding, ObjectRef, Remediation, Severity
from kubectl_prism.snapshot import KubeObject, Snapshot, meta, name_of, namespace_of

DEPLOYMENT_UNAVAILABLE = Rule(
    "deployment-unavailable",
    Severity.CRITICAL,
    "Deployment has fewer available replicas than desired, linked to the pod or cluster finding that "
    "holds up its pods",
)
DEPLOYMENT_DEADLINE = Rule(
    "deployment-progress-deadline",
    Severity.WARNING,
    "Deployment rollout stuck: ProgressDeadlineExceeded, with the failing new pods",
)
DEPLOYMENT_REPLICA_FAILURE = Rule(
    "deployment-replica-failure",
    Severity.CRITICAL,
    "ReplicaSet cannot create pods (ReplicaFailure/FailedCreate): quota, LimitRange, PodSecurity, webhook, "
    "missing service account",
)
RULES = (DEPLOYMENT_UNAVAILABLE, DEPLOYMENT_DEADLINE, DEPLOYMENT_REPLICA_FAILURE, *SET_RULES, *JOB_RULES)

@analyzer("workloads", *RULES)
def analyze_workloads(snapshot: Snapshot) -> list[Finding]:
    """Workload-level findings, each linked to its pods' root cause when there is one."""
    now = snapshot_now(snapshot)
    ctx = WorkloadContext(snapshot, EventIndex.of(snapshot), now, causes_by_owner(snapshot, now))
    findings: list[Finding] = []
    for dep in snapshot.of_kind("Deployment"):
        findings += _deployment(ctx, dep)
    for rs in snapshot.of_kind("ReplicaSet"):
        if not any(r.get("controller") for r in meta(rs).get("ownerReferences") or []):
            findings += _bare_replicaset(ctx, rs)
    for sts in snapshot.of_kind("StatefulSet"):
        findings += analyze_statefulset(ctx, sts)
    for ds in snapshot.of_kind("DaemonSet"):
        findings += analyze_daemonset(ctx, ds)
    for job in snapshot.of_kind("Job"):
        findings += analyze_job(ctx, job)
    for cj in snapshot.of_kind("CronJob"):
        findings += analyze_cronjob(ctx, cj)
    return findings


def _rs_failure(ctx: WorkloadContext, rs: KubeObject) -> CreateFailure | None:
    """A ReplicaSet that is short of pods because the API server refuses them."""
    ns = namespace_of(rs) or "default"
    cond = replica_failure_condition(rs)
    event = failed_create(ctx.events, "ReplicaSet", ns, name_of(rs))
    if cond is None and (event is None or not _short_of_pods(ctx, rs, ns)):
        return None  # no refusal, or old FailedCreate events since resolved
    if event is not None:
        if cond:
            event.evidence.insert(0, f"ReplicaSet {name_of(rs)}: {cond_line(cond)}")
        return event
    if cond:
        return create_failure(
            ns, cond.get("message") or "", [f"ReplicaSet {name_of(rs)}: {cond_line(cond)}"], ObjectRef.of(rs)
        )
    return None


def _short_of_pods(ctx: WorkloadContext, rs: KubeObject, ns: str) -> bool:
    spec_replicas = (rs.get("spec") or {}).get("replicas", 1)
    have = (rs.get("status") or {}).get("replicas", 0)
    if have >= spec_replicas and spec_replicas and gathered(ctx.snapshot, "Pod", ns):
        # status.replicas lags behind the pods the API server refused: count the pods that are there.
        have = min(have, sum(1 for p in owned(ctx.snapshot, "Pod", rs) if is_live(p)))
    return bool(have < spec_replicas)


# --- Deployments -------------------------------------------------------------------------------------


def _deployment(ctx: WorkloadContext, dep: KubeObject) -> list[Finding]:
    ns, name = namespace_of(dep) or "default", name_of(dep)
    spec, status = dep.get("spec") or {}, dep.get("status") or {}
    desired = spec.get("replicas", 1)
    available = status.get("availableReplicas", 0) or 0
    updated = status.get("updatedReplicas", 0) or 0
    counts = (
        f"replicas: {available}/{desired} available, {status.get('readyReplicas', 0) or 0} ready, {updated} "
        "updated"
    )
    ref = ObjectRef.of(dep)

    replica_failure = replica_failure_condition(dep)
    failure: CreateFailure | None = None
    for rs in sorted(owned(ctx.snapshot, "ReplicaSet", dep), key=_revision, reverse=True):
        failure = _rs_failure(ctx, rs)
        if failure:
            break
    if failure is None and replica_failure:
        failure = create_failure(ns, replica_failure.get("message") or "", [cond_line(replica_failure)], ref)
    if failure is not None:
        return [failure_finding(ctx, DEPLOYMENT_REPLICA_FAILURE, dep, failure, counts)]

    group = ctx.cause(dep)
    progressing = cond(dep, "Progressing")
    if progressing.get("reason") == "ProgressDeadlineExceeded":
        evidence = [cond_line(progressing), counts]
        finding = Finding(
            DEPLOYMENT_DEADLINE.id,
            Severity.WARNING,
            f"Deployment {name}: rollout stuck (ProgressDeadlineExceeded, {updated}/{desired} updated)",
            ref,
            reason="ProgressDeadlineExceeded",
            message=(
                f"The rollout made no progress within {spec.get('progressDeadlineSeconds', 600)}s. "
                + counts
                + "."
            ),
            evidence=evidence,
            remediation=[
                Remediation("See the rollout's state", f"kubectl -n {ns} rollout status deployment/{name}"),
                Remediation(
                    "Roll back if the new revision is broken",
                    f"kubectl -n {ns} rollout undo deployment/{name}",
                ),
            ],
        )
        finding.links = [caused_by_pods(group) if group else infra_link(ctx, dep)]
        return [finding]

    if desired == 0 or available >= desired:
        return []
    evidence = [counts]
    available_cond = cond(dep, "Available")
    if available_cond:
        evidence.append(cond_line(available_cond))
    finding = Finding(
        DEPLOYMENT_UNAVAILABLE.id,
        Severity.CRITICAL if available == 0 else Severity.WARNING,
        f"Deployment {name}: {available}/{desired} replicas available",
        ref,
        reason=available_cond.get("reason") or "MinimumReplicasUnavailable",
        message=f"Deployment {name} serves with fewer replicas than desired ({counts}).",
        evidence=evidence,
        remediation=[
            Remediation("See the Deployment's pods and events", f"kubectl -n {ns} describe deployment {name}")
        ],
    )
    if group:

        def pods_cause(finding: Finding, _: Finding | None) -> None:
            finding.severity = Severity.WARNING
            finding.title += f" — caused by {symptom_of(group)}"
            finding.message += f" The root cause is in its pods: {group.problem.reason}."

        finding.links.append(pods_link(group, pods_cause))
    finding.links.append(infra_link(ctx, dep))
    if (
        progressing.get("status") == "True"
        and progressing.get("reason") in ("ReplicaSetUpdated", "NewReplicaSetCreated", "FoundNewReplicaSet")
        and updated < desired
    ):
        finding.links.append(Link(None, then=_rollout_in_progress))
    return [finding]


def _rollout_in_progress(finding: Finding, _: Finding | None) -> None:
    finding.severity = Severity.INFO  # a rollout in progress, nothing failing yet
    finding.title += " (rollout in progress)"


def _revision(rs: KubeObject) -> int:
    try:
        return int((meta(rs).get("annotations") or {}).get("deployment.kubernetes.io/revision", "0"))
    except ValueError:
        return 0


def _bare_replicaset(ctx: WorkloadContext, rs: KubeObject) -> list[Finding]:
    failure = _rs_failure(ctx, rs)
    if failure is None:
        return []
    status = rs.get("status") or {}
    counts = f"replicas: {status.get('replicas', 0)}/{(rs.get('spec') or {}).get('replicas', 1)} created"
    return [failure_finding(ctx, DEPLOYMENT_REPLICA_FAILURE, rs, failure, counts)]
