"""StatefulSets and DaemonSets: replicas not ready, pods they cannot create, a missing governing Service."""

from __future__ import annotations

from kubectl_prism.analyzers import Rule
from kubectl_prism.analyzers.workloads.common import (
    WorkloadContext,
    caused_by_pods,
    failure_finding,
    infra_link,
)
from kubectl_prism.analyzers.workloads.create import failed_create
from kubectl_prism.findings import Finding, ObjectRef, Remediation, Severity
from kubectl_prism.snapshot import KubeObject, name_of, namespace_of

STATEFULSET_UNAVAILABLE = Rule(
    "statefulset-unavailable",
    Severity.CRITICAL,
    "StatefulSet has fewer ready replicas than desired, or cannot create its pods",
)
STATEFULSET_SERVICE = Rule(
    "statefulset-missing-service",
    Severity.WARNING,
    "StatefulSet's governing headless Service (spec.serviceName) does not exist",
)
DAEMONSET_UNAVAILABLE = Rule(
    "daemonset-unavailable", Severity.CRITICAL, "DaemonSet pods missing or unavailable on some nodes"
)
DAEMONSET_MISSCHEDULED = Rule(
    "daemonset-misscheduled", Severity.WARNING, "DaemonSet pods running on nodes they should not run on"
)

SET_RULES = (STATEFULSET_UNAVAILABLE, STATEFULSET_SERVICE, DAEMONSET_UNAVAILABLE, DAEMONSET_MISSCHEDULED)


# --- StatefulSets ------------------------------------------------------------------------------------


def analyze_statefulset(ctx: WorkloadContext, sts: KubeObject) -> list[Finding]:
    ns, name = namespace_of(sts) or "default", name_of(sts)
    spec, status = sts.get("spec") or {}, sts.get("status") or {}
    findings = []
    service = spec.get("serviceName")
    if service and ctx.snapshot.of_kind("Service") and ctx.snapshot.get("Service", ns, service) is None:
        findings.append(
            Finding(
                STATEFULSET_SERVICE.id,
                Severity.WARNING,
                f"StatefulSet {name}: governing Service {service} not found",
                ObjectRef.of(sts),
                reason="ServiceNotFound",
                message=f"Pods of {name} get no stable DNS names ({name}-0.{service}.{ns}.svc) without the "
                f"headless Service {service}.",
                evidence=[f"spec.serviceName={service}", f"Service {service} does not exist in {ns}"],
                remediation=[
                    Remediation(
                        f"Create a headless Service {service} (clusterIP: None) selecting the StatefulSet's "
                        "pods",
                        f"kubectl -n {ns} get services",
                    )
                ],
                related=[ObjectRef("Service", service, ns)],
            )
        )
    desired = spec.get("replicas", 1)
    ready = status.get("readyReplicas", 0) or 0
    if desired == 0 or ready >= desired:
        return findings
    counts = (
        f"replicas: {ready}/{desired} ready, {status.get('currentReplicas', 0) or 0} current, "
        f"{status.get('updatedReplicas', 0) or 0} updated"
    )
    failure = failed_create(ctx.events, "StatefulSet", ns, name)
    if failure is not None and (status.get("replicas", 0) or 0) < desired:
        findings.append(failure_finding(ctx, STATEFULSET_UNAVAILABLE, sts, failure, counts))
        return findings
    evidence = [counts]
    if status.get("currentRevision") and status.get("updateRevision") != status.get("currentRevision"):
        evidence.append(
            f"rolling update in progress: {status.get('currentRevision')} -> {status.get('updateRevision')}"
        )
    finding = Finding(
        STATEFULSET_UNAVAILABLE.id,
        Severity.CRITICAL if ready == 0 else Severity.WARNING,
        f"StatefulSet {name}: {ready}/{desired} replicas ready",
        ObjectRef.of(sts),
        reason="ReplicasNotReady",
        message=(
            f"StatefulSet {name} has fewer ready replicas than desired ({counts}). With OrderedReady pod "
            "management, later ordinals wait for earlier ones to be ready."
        ),
        evidence=evidence,
        remediation=[
            Remediation(
                "See the StatefulSet's pods and events", f"kubectl -n {ns} describe statefulset {name}"
            )
        ],
    )
    group = ctx.cause(sts)
    finding.links = [caused_by_pods(group) if group else infra_link(ctx, sts)]
    findings.append(finding)
    return findings


# --- DaemonSets --------------------------------------------------------------------------------------


def analyze_daemonset(ctx: WorkloadContext, ds: KubeObject) -> list[Finding]:
    ns, name = namespace_of(ds) or "default", name_of(ds)
    status = ds.get("status") or {}
    desired = status.get("desiredNumberScheduled", 0) or 0
    scheduled = status.get("currentNumberScheduled", 0) or 0
    available = status.get("numberAvailable", 0) or 0
    unavailable = status.get("numberUnavailable", 0) or max(desired - available, 0)
    misscheduled = status.get("numberMisscheduled", 0) or 0
    counts = (
        f"pods: {available}/{desired} available, {scheduled} scheduled, {status.get('numberReady', 0) or 0} "
        "ready"
    )
    findings = []
    if misscheduled:
        findings.append(
            Finding(
                DAEMONSET_MISSCHEDULED.id,
                Severity.WARNING,
                f"DaemonSet {name}: {misscheduled} pod(s) running on nodes they should not",
                ObjectRef.of(ds),
                reason="Misscheduled",
                message="Some nodes run a pod of this DaemonSet although its "
                "nodeSelector/affinity/tolerations no longer match them (node labels or taints changed).",
                evidence=[f"status.numberMisscheduled={misscheduled}", counts],
                remediation=[
                    Remediation(
                        "Compare the DaemonSet's node selection with the node labels",
                        f"kubectl -n {ns} get pods -o wide -l "
                        + ",".join(f"{k}={v}" for k, v in sorted(_match_labels(ds).items())),
                    )
                    if _match_labels(ds)
                    else Remediation(
                        "Compare the node selection with the node labels", "kubectl get nodes --show-labels"
                    )
                ],
            )
        )
    if desired == 0 or unavailable <= 0:
        return findings
    failure = failed_create(ctx.events, "DaemonSet", ns, name)
    if failure is not None and scheduled < desired:
        findings.append(failure_finding(ctx, DAEMONSET_UNAVAILABLE, ds, failure, counts))
        return findings
    finding = Finding(
        DAEMONSET_UNAVAILABLE.id,
        Severity.CRITICAL if available == 0 else Severity.WARNING,
        f"DaemonSet {name}: {unavailable} of {desired} pods unavailable",
        ObjectRef.of(ds),
        reason="PodsUnavailable",
        message=f"DaemonSet {name} does not run healthily on every node ({counts}).",
        evidence=[f"status.numberUnavailable={unavailable}", counts],
        remediation=[
            Remediation("See the DaemonSet's pods and events", f"kubectl -n {ns} describe daemonset {name}")
        ],
    )
    group = ctx.cause(ds)
    finding.links = [caused_by_pods(group) if group else infra_link(ctx, ds)]
    findings.append(finding)
    return findings


def _match_labels(obj: KubeObject) -> dict[str, str]:
    return ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
