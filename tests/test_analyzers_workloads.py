"""Workload analyzers: Deployments, StatefulSets, DaemonSets, Jobs, CronJobs, FailedCreate, cron."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kubectl_prism.analyzers import all_rules, run_analyzers
from kubectl_prism.analyzers.workloads.create import create_failure
from kubectl_prism.analyzers.workloads.cron import Cron, CronError
from kubectl_prism.findings import Finding, Severity
from tests.cluster_builders import linked
from tests.test_analyzers_pods import (
    check_expectations,
    check_invariants,
    container_status,
    deployment_with_pods,
    event,
    finding_text,
    load_snapshot,
    log_says,
    make_pod,
    scenario_files,
    snapshot_of,
)

# --- builders ----------------------------------------------------------------------------------------


def cond(type_: str, status: str, reason: str = "", message: str = "") -> dict[str, Any]:
    return {
        "type": type_,
        "status": status,
        "reason": reason,
        "message": message,
        "lastTransitionTime": "2026-11-28T10:00:00Z",
    }


def crash_pod(name: str) -> dict[str, Any]:
    return make_pod(name, statuses=[container_status("api", waiting="CrashLoopBackOff", last=("Error", 1))])


def running_pod(name: str) -> dict[str, Any]:
    return make_pod(name, statuses=[container_status("api", running=True, ready=True)])


def sts(
    name: str = "db", replicas: int = 3, ready: int = 0, current: int | None = None, service: str = "db"
) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": name, "namespace": "shop", "uid": f"uid-{name}"},
        "spec": {"replicas": replicas, "serviceName": service, "selector": {"matchLabels": {"app": name}}},
        "status": {
            "replicas": replicas if current is None else current,
            "readyReplicas": ready,
            "currentRevision": f"{name}-1",
            "updateRevision": f"{name}-1",
        },
    }


def owned(pod: dict[str, Any], kind: str, name: str) -> dict[str, Any]:
    pod["metadata"]["ownerReferences"] = [
        {"apiVersion": "apps/v1", "kind": kind, "name": name, "uid": f"uid-{name}", "controller": True}
    ]
    return pod


def ds(name: str = "agent", desired: int = 3, available: int = 3, misscheduled: int = 0) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": name, "namespace": "shop", "uid": f"uid-{name}"},
        "spec": {"selector": {"matchLabels": {"app": name}}},
        "status": {
            "desiredNumberScheduled": desired,
            "currentNumberScheduled": desired,
            "numberReady": available,
            "numberAvailable": available,
            "numberUnavailable": desired - available,
            "numberMisscheduled": misscheduled,
        },
    }


def job(
    name: str,
    conditions: list[dict[str, Any]] | None = None,
    failed: int = 0,
    active: int = 0,
    owner: tuple[str, str] | None = None,
    created: str = "2026-11-28T09:00:00Z",
    spec: dict[str, Any] | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "name": name,
        "namespace": "shop",
        "uid": f"uid-{name}",
        "creationTimestamp": created,
    }
    if owner:
        meta["ownerReferences"] = [
            {
                "apiVersion": "batch/v1",
                "kind": owner[0],
                "name": owner[1],
                "uid": f"uid-{owner[1]}",
                "controller": True,
            }
        ]
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": meta,
        "spec": {"backoffLimit": 2, **(spec or {})},
        "status": {"conditions": conditions or [], "failed": failed, "active": active},
    }


def cronjob(
    name: str = "backup",
    schedule: str = "0 * * * *",
    created: str = "2026-11-01T00:00:00Z",
    status: dict[str, Any] | None = None,
    spec: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": name, "namespace": "shop", "uid": f"uid-{name}", "creationTimestamp": created},
        "spec": {"schedule": schedule, **(spec or {})},
        "status": status or {},
    }


NOW_MARKER = event("Pod", "clock", "Pulled", "marks the snapshot's now")  # lastTimestamp 2026-11-28T10:30:00Z


def findings_of(objects: list[dict[str, Any]]) -> list[Finding]:
    """The workload findings of a full run, linked to their causes."""
    return linked(snapshot_of([*objects, NOW_MARKER]), "workloads")


def only(findings: list[Finding], rule: str) -> Finding:
    matching = [f for f in findings if f.id == rule]
    assert len(matching) == 1, [(f.id, str(f.object)) for f in findings]
    return matching[0]


# --- Deployments -------------------------------------------------------------------------------------

DEPLOYMENTS = [
    (
        "all replicas down, no known cause",
        [running_pod("api-5d8f7-a")],
        dict(replicas=2, available=0),
        "deployment-unavailable",
        Severity.CRITICAL,
        "0/2 replicas available",
    ),
    (
        "partly down",
        [running_pod("api-5d8f7-a")],
        dict(replicas=2, available=1),
        "deployment-unavailable",
        Severity.WARNING,
        "1/2 replicas available",
    ),
    (
        "pods crash: a symptom",
        [crash_pod("api-5d8f7-a")],
        dict(available=0),
        "deployment-unavailable",
        Severity.WARNING,
        "caused by its pods: CrashLoopBackOff",
    ),
    (
        "rollout in progress",
        [running_pod("api-5d8f7-a")],
        dict(replicas=2, available=1, conditions=[cond("Progressing", "True", "ReplicaSetUpdated")]),
        "deployment-unavailable",
        Severity.INFO,
        "rollout in progress",
    ),
    (
        "progress deadline",
        [crash_pod("api-5d8f7-a")],
        dict(
            available=1,
            conditions=[
                cond(
                    "Progressing",
                    "False",
                    "ProgressDeadlineExceeded",
                    'ReplicaSet "api-5d8f7" has timed out progressing.',
                )
            ],
        ),
        "deployment-progress-deadline",
        Severity.WARNING,
        "timed out progressing",
    ),
    (
        "replica failure",
        [],
        dict(
            replicas=2,
            conditions=[
                cond(
                    "ReplicaFailure",
                    "True",
                    "FailedCreate",
                    'pods "api-5d8f7-x" is forbidden: error looking up service account shop/runner: '
                    'serviceaccount "runner" '
                    "not found",
                )
            ],
        ),
        "deployment-replica-failure",
        Severity.CRITICAL,
        "service account runner does not exist",
    ),
    ("healthy", [running_pod("api-5d8f7-a")], dict(available=1), None, None, None),
    ("scaled to zero", [], dict(replicas=0), None, None, None),
]


@pytest.mark.parametrize(
    ("case", "pods", "kwargs", "rule", "severity", "text"), DEPLOYMENTS, ids=[d[0] for d in DEPLOYMENTS]
)
def test_deployment(
    case: str,
    pods: list[dict[str, Any]],
    kwargs: dict[str, Any],
    rule: str | None,
    severity: Severity | None,
    text: str | None,
) -> None:
    findings = findings_of(deployment_with_pods("api", pods, **kwargs))
    if rule is None:
        assert findings == [], case
        return
    finding = only(findings, rule)
    assert finding.severity is severity and text in finding_text(finding), finding_text(finding)
    assert [f.id for f in findings] == [rule], "one workload finding per Deployment"


def test_deployment_symptom_points_at_the_pod_finding() -> None:
    objects = deployment_with_pods("api", [crash_pod("api-5d8f7-b"), crash_pod("api-5d8f7-a")], available=0)
    finding = only(findings_of(objects), "deployment-unavailable")
    assert finding.caused_by == {
        "rule": "pod-crash-loop",
        "object": {"kind": "Pod", "namespace": "shop", "name": "api-5d8f7-a"},
    }
    check_invariants(run_analyzers(snapshot_of(objects)))


def test_replica_failure_from_the_replicaset_event() -> None:
    objects = deployment_with_pods("api", [running_pod("api-5d8f7-a")], replicas=3, available=1)
    objects[1]["spec"]["replicas"] = 3  # the ReplicaSet wants 3 and has 1
    objects.append(
        event(
            "ReplicaSet",
            "api-5d8f7",
            "FailedCreate",
            'Error creating: pods "api-5d8f7-z" is forbidden: violates PodSecurity "baseline:latest": '
            'host namespaces (hostNetwork=true), hostPort (container "api" uses hostPort 80)',
        )
    )
    finding = only(findings_of(objects), "deployment-replica-failure")
    assert finding.reason == "PodSecurity"
    assert "violates PodSecurity baseline:latest: host namespaces, hostPort" in finding.title
    assert "replicas: 1/3 available" in finding.evidence[-1]


def test_old_failed_create_events_are_ignored_once_resolved() -> None:
    objects = deployment_with_pods("api", [running_pod("api-5d8f7-a")], available=1)
    objects.append(
        event("ReplicaSet", "api-5d8f7", "FailedCreate", 'pods "x" is forbidden: exceeded quota: q')
    )
    assert findings_of(objects) == []


# --- StatefulSets and DaemonSets ---------------------------------------------------------------------


def test_statefulset_not_ready_linked_to_its_pod() -> None:
    objects = [
        sts(ready=1),
        owned(running_pod("db-0"), "StatefulSet", "db"),
        owned(crash_pod("db-1"), "StatefulSet", "db"),
    ]
    finding = only(findings_of(objects), "statefulset-unavailable")
    assert finding.severity is Severity.WARNING and finding.caused_by is not None
    assert finding.caused_by["object"]["name"] == "db-1" and "1/3 replicas ready" in finding.title


def test_statefulset_without_pods_is_critical() -> None:
    finding = only(findings_of([sts(ready=0, current=0)]), "statefulset-unavailable")
    assert finding.severity is Severity.CRITICAL and finding.caused_by is None


def test_statefulset_missing_governing_service_only_when_services_were_gathered() -> None:
    other = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"}}
    ready = [sts(replicas=1, ready=1, service="db-headless")]
    assert findings_of(ready) == []  # no Service gathered at all: nothing to compare with
    finding = only(findings_of([*ready, other]), "statefulset-missing-service")
    assert "db-headless" in finding.title


@pytest.mark.parametrize(
    ("status", "rules"),
    [
        (dict(desired=3, available=3), []),
        (dict(desired=3, available=2), [("daemonset-unavailable", Severity.WARNING)]),
        (dict(desired=3, available=0), [("daemonset-unavailable", Severity.CRITICAL)]),
        (dict(desired=2, available=2, misscheduled=1), [("daemonset-misscheduled", Severity.WARNING)]),
        (dict(desired=0, available=0), []),
    ],
)
def test_daemonset(status: dict[str, int], rules: list[tuple[str, Severity]]) -> None:
    assert [(f.id, f.severity) for f in findings_of([ds(**status)])] == rules


# --- Jobs and CronJobs -------------------------------------------------------------------------------


def failed_job_pod(name: str, job_name: str, created: str, code: int = 1) -> dict[str, Any]:
    pod = make_pod(
        name,
        phase="Failed",
        statuses=[container_status("main", terminated=("Error", code))],
        meta_extra={"creationTimestamp": created},
    )
    return owned(pod, "Job", job_name)


def test_job_backoff_limit_with_last_pod_evidence() -> None:
    objects = [
        job(
            "migrate",
            [cond("Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit")],
            failed=2,
        ),
        failed_job_pod("migrate-a", "migrate", "2026-11-28T09:00:00Z"),
        failed_job_pod("migrate-b", "migrate", "2026-11-28T09:05:00Z", code=3),
    ]
    logs = [
        {
            "namespace": "shop",
            "pod": "migrate-b",
            "container": "main",
            "text": 'applying 0042\nERROR: column "discount" of relation "orders" already exists\n',
        }
    ]
    [finding] = linked(snapshot_of([*objects, NOW_MARKER], logs), "workloads")
    assert finding.id == "job-failed" and finding.severity is Severity.CRITICAL
    assert finding.title == "Job migrate failed (BackoffLimitExceeded, exit code 3)"
    assert log_says(finding, 'ERROR: column "discount" of relation "orders" already exists')
    assert [a.name for a in finding.affected] == ["migrate-a", "migrate-b"]
    assert "kubectl -n shop logs migrate-b -c main --tail=100" in [r.command for r in finding.remediation]


@pytest.mark.parametrize(
    ("objects", "expected"),
    [
        ([job("done", [cond("Complete", "True")])], []),
        ([job("running", active=1)], []),
        ([job("retrying", failed=1, active=1)], [("job-failed", Severity.WARNING)]),
        (
            [
                job(
                    "late",
                    [
                        cond(
                            "Failed",
                            "True",
                            "DeadlineExceeded",
                            "Job was active longer than specified deadline",
                        )
                    ],
                    spec={"activeDeadlineSeconds": 60},
                )
            ],
            [("job-failed", Severity.CRITICAL)],
        ),
        (
            [
                job("quota"),
                event(
                    "Job",
                    "quota",
                    "FailedCreate",
                    'Error creating: pods "quota-x" is forbidden: '
                    "error looking up service account shop/x: serviceaccount "
                    '"x" not found',
                ),
            ],
            [("job-failed", Severity.CRITICAL)],
        ),
    ],
)
def test_jobs(objects: list[dict[str, Any]], expected: list[tuple[str, Severity]]) -> None:
    assert [(f.id, f.severity) for f in findings_of(objects)] == expected


def test_cronjob_reports_its_failing_jobs_once() -> None:
    failed = [cond("Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit")]
    objects = [
        cronjob(status={"lastScheduleTime": "2026-11-28T10:00:00Z"}),
        job(
            "backup-1",
            [cond("Complete", "True")],
            owner=("CronJob", "backup"),
            created="2026-11-28T08:00:00Z",
        ),
        job("backup-2", failed, owner=("CronJob", "backup"), created="2026-11-28T09:00:00Z"),
        job("backup-3", failed, owner=("CronJob", "backup"), created="2026-11-28T10:00:00Z"),
    ]
    [finding] = findings_of(objects)
    assert finding.id == "cronjob-failing" and "last 2 runs failed" in finding.title
    assert [a.name for a in finding.affected] == ["backup-3", "backup-2"]
    assert "kubectl -n shop create job backup-manual-run --from=cronjob/backup" in [
        r.command for r in finding.remediation
    ]


def test_cronjob_recovered_after_a_failure_is_fine() -> None:
    objects = [
        cronjob(status={"lastScheduleTime": "2026-11-28T10:00:00Z"}),
        job(
            "backup-2",
            [cond("Failed", "True", "BackoffLimitExceeded")],
            owner=("CronJob", "backup"),
            created="2026-11-28T09:00:00Z",
        ),
        job(
            "backup-3",
            [cond("Complete", "True")],
            owner=("CronJob", "backup"),
            created="2026-11-28T10:00:00Z",
        ),
    ]
    assert findings_of(objects) == []


@pytest.mark.parametrize(
    ("case", "cj", "rule", "text"),
    [
        ("suspended", cronjob(spec={"suspend": True}), "cronjob-suspended", "spec.suspend=true"),
        (
            "never ran",
            cronjob(schedule="*/5 * * * *", created="2026-11-28T09:00:00Z"),
            "cronjob-not-scheduling",
            "never ran",
        ),
        (
            "stopped",
            cronjob(
                schedule="0 * * * *",
                status={
                    "lastScheduleTime": "2026-11-27T10:00:00Z",
                    "lastSuccessfulTime": "2026-11-27T10:01:00Z",
                },
            ),
            "cronjob-not-scheduling",
            "stopped running (last run 1d0h ago",
        ),
        (
            "on time",
            cronjob(
                schedule="0 * * * *",
                status={
                    "lastScheduleTime": "2026-11-28T10:00:00Z",
                    "lastSuccessfulTime": "2026-11-28T10:01:00Z",
                },
            ),
            None,
            None,
        ),
        ("monthly, not due yet", cronjob(schedule="0 3 1 * *", created="2026-11-02T00:00:00Z"), None, None),
        (
            "one missed run is tolerated",
            cronjob(
                schedule="0 * * * *",
                status={
                    "lastScheduleTime": "2026-11-28T09:00:00Z",
                    "lastSuccessfulTime": "2026-11-28T09:00:30Z",
                },
            ),
            None,
            None,
        ),
        (
            "time zone slack",
            cronjob(
                schedule="0 2 * * *", created="2026-11-27T10:00:00Z", spec={"timeZone": "America/Los_Angeles"}
            ),
            None,
            None,
        ),
        (
            "last run failed, job gone",
            cronjob(
                status={
                    "lastScheduleTime": "2026-11-28T10:00:00Z",
                    "lastSuccessfulTime": "2026-11-28T08:00:30Z",
                }
            ),
            "cronjob-failing",
            "did not succeed",
        ),
    ],
)
def test_cronjob(case: str, cj: dict[str, Any], rule: str | None, text: str | None) -> None:
    findings = findings_of([cj])
    if rule is None:
        assert findings == [], case
        return
    finding = only(findings, rule)
    assert text in finding_text(finding), finding_text(finding)


def test_forbid_policy_blocked_by_a_hanging_job() -> None:
    objects = [
        cronjob(
            schedule="*/10 * * * *",
            spec={"concurrencyPolicy": "Forbid"},
            status={
                "lastScheduleTime": "2026-11-27T22:00:00Z",
                "active": [{"kind": "Job", "name": "backup-99", "namespace": "shop"}],
            },
        ),
        job("backup-99", active=1, owner=("CronJob", "backup"), created="2026-11-27T22:00:00Z"),
    ]
    objects[1]["status"]["startTime"] = "2026-11-27T22:00:05Z"
    finding = only(findings_of(objects), "cronjob-not-scheduling")
    assert "Job backup-99 is still active (running for 12h29m)" in finding_text(finding)
    assert "kubectl -n shop delete job backup-99" in [r.command for r in finding.remediation]


# --- FailedCreate messages and cron ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "reason", "summary", "command"),
    [
        (
            'pods "a" is forbidden: exceeded quota: compute, requested: limits.cpu=1,limits.memory=1Gi, '
            "used: limits.cpu=2,limits.memory=1Gi, limited: limits.cpu=2,limits.memory=2Gi",
            "QuotaExceeded",
            "exceeded quota compute (requested limits.cpu=1,limits.memory=1Gi, used "
            "limits.cpu=2,limits.memory=1Gi, limited limits.cpu=2,limits.memory=2Gi)",
            "kubectl -n shop describe resourcequota compute",
        ),
        (
            'pods "a" is forbidden: failed quota: compute: must specify limits.cpu,limits.memory',
            "QuotaExceeded",
            "ResourceQuota compute requires limits.cpu,limits.memory to be set",
            "kubectl -n shop describe resourcequota compute",
        ),
        (
            'pods "a" is forbidden: maximum cpu usage per Container is 2, but limit is 4',
            "LimitRange",
            "LimitRange maximum cpu per Container is 2, the pod asks 4",
            "kubectl -n shop describe limitrange",
        ),
        (
            'pods "a" is forbidden: error looking up service account shop/bot: serviceaccount "bot" not '
            "found",
            "ServiceAccountNotFound",
            "service account bot does not exist",
            "kubectl -n shop create serviceaccount bot",
        ),
        (
            'Internal error occurred: failed calling webhook "mutate.istio.io": failed to call webhook: Post '
            '"https://istiod.istio-system.svc:443/inject": dial tcp 10.96.1.1:443: connect: connection '
            "refused",
            "WebhookUnavailable",
            "admission webhook mutate.istio.io is unreachable",
            "kubectl get validatingwebhookconfigurations,mutatingwebhookconfigurations",
        ),
        ("something new", "FailedCreate", "something new", None),
    ],
)
def test_create_failure(message: str, reason: str, summary: str, command: str | None) -> None:
    failure = create_failure("shop", message)
    assert failure.reason == reason and failure.summary.startswith(summary)
    assert command in [r.command for r in failure.remediation] if command else not failure.remediation


UTC_T = datetime(2026, 11, 28, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("*/15 * * * *", "2026-11-28T10:45"),
        ("0 * * * *", "2026-11-28T11:00"),
        ("30 2 * * *", "2026-11-29T02:30"),
        ("0 9 * * 1-5", "2026-11-30T09:00"),  # the 28th is a Saturday
        ("0 0 1 * *", "2026-12-01T00:00"),
        ("@weekly", "2026-11-29T00:00"),
        ("0 12 * jan mon", "2027-01-04T12:00"),
        ("0 0 13 * 5", "2026-12-04T00:00"),  # day-of-month OR day-of-week (Vixie cron)
        ("CRON_TZ=UTC 5 4 * * sun", "2026-11-29T04:05"),
        ("0 0 29 2 *", "2028-02-29T00:00"),
    ],
)
def test_cron_next_after(expr: str, expected: str) -> None:
    fire = Cron(expr).next_after(UTC_T, horizon_days=1500)
    assert fire is not None and fire.strftime("%Y-%m-%dT%H:%M") == expected


@pytest.mark.parametrize("expr", ["* * *", "61 * * * *", "*/0 * * * *", "0 0 * * funday"])
def test_cron_rejects_bad_schedules(expr: str) -> None:
    with pytest.raises(CronError):
        Cron(expr)


# --- registry and scenarios --------------------------------------------------------------------------


def test_rules_are_registered_with_ids_and_descriptions() -> None:
    ids = {r.id for r in all_rules()}
    for rule in (
        "pod-crash-loop",
        "pod-oom-killed",
        "pod-image-pull",
        "pod-create-config-error",
        "pod-run-container-error",
        "pod-init-container-failing",
        "pod-unschedulable",
        "pod-evicted",
        "pod-probe-failing",
        "pod-stuck-terminating",
        "deployment-unavailable",
        "deployment-progress-deadline",
        "deployment-replica-failure",
        "statefulset-unavailable",
        "daemonset-unavailable",
        "job-failed",
        "cronjob-failing",
        "cronjob-suspended",
        "cronjob-not-scheduling",
    ):
        assert rule in ids
    assert all(r.description and r.id == r.id.lower() and " " not in r.id for r in all_rules())


@pytest.mark.parametrize("path", scenario_files("workloads-"), ids=lambda p: p.stem)
def test_workload_scenario(path: Path) -> None:
    snapshot, expect = load_snapshot(path)
    assert expect, f"{path.name} has no expectations"
    findings = run_analyzers(snapshot)
    check_expectations(findings, expect)
    check_invariants(findings)
