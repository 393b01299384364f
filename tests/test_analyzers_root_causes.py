"""One root cause is one finding (docs/findings.md), across analyzers.

Every scenario and example is checked for the shape of the report (no critical finding with a cause,
every cause is a reported finding, no two findings about the same pods or workload without a link), and
each known overlap between two analyzers has a case of its own: quota rejections, workloads held up by a
missing ConfigMap volume / failed mount / NotReady node, missing ConfigMaps and pull secrets the pod
finding already names, cordoned nodes, evictions, webhooks, Jobs whose dependency is down.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from kubectl_prism.analyzers import run_analyzers
from kubectl_prism.findings import Finding, ObjectRef, Severity
from kubectl_prism.gather.snapshot_files import load_snapshot_path
from kubectl_prism.snapshot import LogKey, Snapshot
from tests.cluster_builders import (
    configmap,
    container,
    deployment,
    endpoints,
    event,
    node,
    obj,
    pod,
    replicaset,
    secret,
    service,
    snap,
    ts,
)
from tests.scenarios import load_scenario

ROOT = Path(__file__).parent.parent
SCENARIOS = sorted((ROOT / "tests" / "scenarios").glob("*.yaml"))
EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if p.is_dir() and not p.name.startswith("_"))

# Findings about an object's own configuration that may stand next to a finding about its pods: a
# StatefulSet without its governing Service is wrong whether or not its pods crash.
INDEPENDENT = {"statefulset-missing-service"}


def scenario_snapshot(path: Path) -> Snapshot:
    scenario = load_scenario(path)
    snapshot = Snapshot(source="snapshot")
    snapshot.add_all(copy.deepcopy(scenario.objects))
    for log in scenario.logs:
        snapshot.logs[LogKey(log["namespace"], log["pod"], log["container"], bool(log.get("previous")))] = (
            log["text"]
        )
    return snapshot


def describe(findings: list[Finding]) -> str:
    return "\n".join(
        f"  {f.severity.value} {f.id} {f.object} cause={f.caused_by and f.caused_by['rule']}: {f.title}"
        for f in findings
    )


def _key(ref: ObjectRef | dict[str, Any]) -> tuple[str, str | None, str]:
    if isinstance(ref, ObjectRef):
        return ref.kind, ref.namespace or None, ref.name
    return ref["kind"], ref.get("namespace") or None, ref["name"]


def _target(findings: list[Finding], finding: Finding) -> Finding | None:
    cause = finding.caused_by
    if not cause:
        return None
    wanted = (cause["rule"], _key(cause["object"]))
    return next((f for f in findings if (f.id, _key(f.object)) == wanted), None)


def _causes(findings: list[Finding], finding: Finding) -> list[Finding]:
    """The chain of findings `finding` points at, nearest first."""
    chain: list[Finding] = []
    current = _target(findings, finding)
    while current is not None and current not in chain and current is not finding:
        chain.append(current)
        current = _target(findings, current)
    return chain


def check_one_root_cause_per_finding(findings: list[Finding]) -> None:
    for f in findings:
        assert not (f.caused_by and f.severity is Severity.CRITICAL), (
            f"critical with a cause:\n{describe([f])}"
        )
        if f.caused_by:
            assert _target(findings, f) is not None, (
                f"{f.id} {f.object} points at nothing:\n{describe(findings)}"
            )
    loud = [f for f in findings if f.severity is not Severity.INFO and f.id not in INDEPENDENT]
    for i, a in enumerate(loud):
        subjects_a = {_key(r) for r in (a.object, a.owner, *a.affected) if r}
        for b in loud[i + 1 :]:
            subjects_b = {_key(r) for r in (b.object, b.owner, *b.affected) if r}
            shared = subjects_a & subjects_b
            linked = b in _causes(findings, a) or a in _causes(findings, b)
            assert not shared or linked, (
                f"two findings about {sorted(shared)} without a caused_by link:\n{describe([a, b])}"
            )


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenarios_have_one_finding_per_root_cause(path: Path) -> None:
    check_one_root_cause_per_finding(run_analyzers(scenario_snapshot(path)))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_have_one_finding_per_root_cause(path: Path) -> None:
    findings = run_analyzers(load_snapshot_path(path))
    check_one_root_cause_per_finding(findings)
    # None of the examples carries metrics.k8s.io data: `kubectl top` would fail there.
    assert not [r.command for f in findings for r in f.remediation if "kubectl top" in (r.command or "")]


def test_examples_link_what_their_broken_node_and_database_cause() -> None:
    findings = run_analyzers(load_snapshot_path(ROOT / "examples" / "payments-degraded"))
    by_rule = {(f.id, f.object.name): f for f in findings}
    node_name = next(f.object.name for f in findings if f.id == "node-not-ready")
    for ds in ("fluentbit-gke", "pdcsi-node"):
        assert by_rule[("daemonset-unavailable", ds)].caused_by == {
            "rule": "node-not-ready",
            "object": {"kind": "Node", "namespace": None, "name": node_name},
        }
    # The migration Job cannot resolve ledger-db, whose only pod waits for a missing StorageClass.
    job = by_rule[("job-failed", "ledger-migrate")]
    assert job.severity is Severity.WARNING
    assert job.caused_by == {
        "rule": "pod-unschedulable",
        "object": {"kind": "Pod", "namespace": "payments", "name": "ledger-db-0"},
    }
    assert any("UnknownHostException: ledger-db" in line for line in job.evidence)
    # The NotReady node's memory pressure is part of its one finding, not a second one.
    assert ("node-memory-pressure", node_name) not in by_rule
    assert "under memory pressure" in by_rule[("node-not-ready", node_name)].title


def test_a_crash_caused_by_a_service_selector_typo_points_at_the_service() -> None:
    """shop-outage: api cannot reach db because Service db selects app=postgres, the pod is postgresql."""
    findings = run_analyzers(load_snapshot_path(ROOT / "examples" / "shop-outage"))
    crash = next(f for f in findings if f.id == "pod-crash-loop")
    assert crash.owner == ObjectRef("Deployment", "api", "shop")
    assert crash.severity is Severity.WARNING
    assert crash.caused_by == {
        "rule": "service-no-matching-pods",
        "object": {"kind": "Service", "namespace": "shop", "name": "db"},
    }
    assert "Service db itself is broken (service-no-matching-pods)" in crash.message
    typo = next(f for f in findings if f.id == "service-no-matching-pods")
    assert typo.severity is Severity.CRITICAL and typo.caused_by is None


# --- ResourceQuota --------------------------------------------------------------------------------------

EXCEEDED = (
    'Error creating: pods "{pod}" is forbidden: exceeded quota: compute, requested: requests.cpu=500m, '
    "used: requests.cpu=2, limited: requests.cpu=2"
)


def quota(used: str = "2") -> dict[str, Any]:
    hard = {"requests.cpu": "2"}
    return obj(
        "ResourceQuota",
        "v1",
        "compute",
        "shop",
        spec={"hard": hard},
        status={"hard": hard, "used": {"requests.cpu": used}},
    )


def replica_failure(message: str) -> dict[str, Any]:
    return {"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate", "message": message}


def _quota_blocked(how: str) -> tuple[list[dict[str, Any]], str]:
    """Objects of a controller the quota keeps from creating its pods, and the rule of its finding."""
    dep = deployment("api", replicas=2)
    dep["status"] = {"replicas": 0, "availableReplicas": 0}
    rs = replicaset(dep)
    rs["status"] = {"replicas": 0}
    message = EXCEEDED.format(pod="api-5d8f7c9b4-x")
    if how == "replicaset event":
        return [dep, rs, event(rs, "FailedCreate", message)], "deployment-replica-failure"
    if how == "replicaset condition":
        rs["status"]["conditions"] = [replica_failure(message)]
        return [dep, rs], "deployment-replica-failure"
    if how == "deployment condition":
        dep["status"]["conditions"] = [replica_failure(message)]
        return [dep, rs], "deployment-replica-failure"
    template = {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [container("db")]}}
    if how == "statefulset event":
        sts = obj(
            "StatefulSet",
            "apps/v1",
            "db",
            "shop",
            status={"replicas": 0},
            spec={
                "replicas": 1,
                "serviceName": "db",
                "selector": {"matchLabels": {"app": "db"}},
                "template": template,
            },
        )
        svc = service("db", selector={"app": "db"})
        return [sts, svc, event(sts, "FailedCreate", EXCEEDED.format(pod="db-0"))], "statefulset-unavailable"
    if how == "daemonset event":
        ds = obj(
            "DaemonSet",
            "apps/v1",
            "agent",
            "shop",
            spec={"template": template},
            status={"desiredNumberScheduled": 2, "currentNumberScheduled": 0, "numberAvailable": 0},
        )
        return [ds, event(ds, "FailedCreate", EXCEEDED.format(pod="agent-x"))], "daemonset-unavailable"
    job = obj("Job", "batch/v1", "migrate", "shop", spec={"template": template}, status={})
    return [job, event(job, "FailedCreate", EXCEEDED.format(pod="migrate-x"))], "job-failed"


@pytest.mark.parametrize("used", ["2", "1800m"], ids=["quota full", "request would overflow it"])
@pytest.mark.parametrize(
    "how",
    [
        "replicaset event",
        "replicaset condition",
        "deployment condition",
        "statefulset event",
        "daemonset event",
        "job event",
    ],
)
def test_a_quota_rejection_is_one_critical_finding(how: str, used: str) -> None:
    objects, rule = _quota_blocked(how)
    findings = run_analyzers(snap(quota(used), *objects))
    critical = [f for f in findings if f.severity is Severity.CRITICAL]
    assert [(f.id, f.object.name) for f in critical] == [("resourcequota-exhausted", "compute")], describe(
        findings
    )
    workload = next(f for f in findings if f.id == rule)
    assert workload.severity is Severity.WARNING
    assert workload.caused_by == {
        "rule": "resourcequota-exhausted",
        "object": {"kind": "ResourceQuota", "namespace": "shop", "name": "compute"},
    }
    check_one_root_cause_per_finding(findings)


def test_a_service_without_pods_because_of_the_quota_points_at_the_quota() -> None:
    objects, _ = _quota_blocked("statefulset event")
    findings = run_analyzers(snap(quota(), *objects))
    no_pods = next(f for f in findings if f.id == "service-no-matching-pods")
    assert no_pods.caused_by and no_pods.caused_by["rule"] == "resourcequota-exhausted"


def test_a_quota_that_only_asks_for_limits_is_not_blamed_for_exhaustion() -> None:
    dep = deployment("api", replicas=2)
    dep["status"] = {"replicas": 0}
    rs = replicaset(dep)
    rs["status"] = {"replicas": 0}
    must = 'Error creating: pods "api-x" is forbidden: failed quota: compute: must specify limits.cpu'
    findings = run_analyzers(snap(quota(), dep, rs, event(rs, "FailedCreate", must)))
    failure = next(f for f in findings if f.id == "deployment-replica-failure")
    assert failure.severity is Severity.CRITICAL and failure.caused_by is None
    assert "requires limits.cpu to be set" in failure.title


# --- workloads held up by a cluster finding ---------------------------------------------------------------


def _stuck_deployment(volume: dict[str, Any], mount_message: str) -> list[dict[str, Any]]:
    dep = deployment("web", replicas=2, volumes=[volume])
    dep["status"] = {
        "replicas": 2,
        "unavailableReplicas": 2,
        "conditions": [{"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable"}],
    }
    rs = replicaset(dep)
    pods = [
        pod(
            f"web-5d8f7c9b4-{i}",
            labels={"app": "web"},
            owner=rs,
            state="creating",
            spec=rs["spec"]["template"]["spec"],
        )
        for i in range(2)
    ]
    return [dep, rs, *pods, *(event(p, "FailedMount", mount_message) for p in pods)]


@pytest.mark.parametrize(
    ("volume", "message", "rule", "cause_kind"),
    [
        (
            {"name": "conf", "configMap": {"name": "nginx-conf"}},
            'MountVolume.SetUp failed for volume "conf" : configmap "nginx-conf" not found',
            "configmap-ref-missing",
            "ConfigMap",
        ),
        (
            {"name": "archive", "nfs": {"server": "10.0.0.9", "path": "/exports/archive"}},
            'MountVolume.SetUp failed for volume "archive" : mount failed: exit status 32 ... '
            "mount.nfs: access denied by server while mounting 10.0.0.9:/exports/archive",
            "pod-volume-mount-failed",
            "Pod",
        ),
    ],
    ids=["missing ConfigMap volume", "failed NFS mount"],
)
def test_a_deployment_stuck_on_a_volume_points_at_the_volume_finding(
    volume: dict[str, Any], message: str, rule: str, cause_kind: str
) -> None:
    findings = run_analyzers(snap(*_stuck_deployment(volume, message), configmap("other")))
    unavailable = next(f for f in findings if f.id == "deployment-unavailable")
    assert unavailable.severity is Severity.WARNING
    assert unavailable.caused_by and unavailable.caused_by["rule"] == rule
    assert unavailable.caused_by["object"]["kind"] == cause_kind
    assert [f.id for f in findings if f.severity is Severity.CRITICAL] == [rule]
    check_one_root_cause_per_finding(findings)


def test_workloads_on_a_notready_node_point_at_the_node() -> None:
    ds = obj(
        "DaemonSet",
        "apps/v1",
        "agent",
        "shop",
        spec={},
        status={
            "desiredNumberScheduled": 2,
            "currentNumberScheduled": 2,
            "numberAvailable": 1,
            "numberUnavailable": 1,
        },
    )
    on_dead = pod("agent-x", labels={"app": "agent"}, owner=ds, node="node-2", state="notready")
    findings = run_analyzers(snap(ds, on_dead, node("node-1"), node("node-2", ready="Unknown")))
    unavailable = next(f for f in findings if f.id == "daemonset-unavailable")
    assert unavailable.severity is Severity.WARNING
    assert unavailable.caused_by == {
        "rule": "node-not-ready",
        "object": {"kind": "Node", "namespace": None, "name": "node-2"},
    }


def test_a_stale_replicaset_status_does_not_hide_a_webhook_rejection() -> None:
    """status.replicas says 2, one pod exists, the webhook refuses the other: the webhook is the cause."""
    dep = deployment("api", replicas=2)
    dep["status"] = {"replicas": 2, "availableReplicas": 1, "readyReplicas": 1}
    rs = replicaset(dep)
    rs["status"] = {"replicas": 2, "readyReplicas": 1, "availableReplicas": 1}
    running = pod("api-5d8f7c9b4-a", labels={"app": "api"}, owner=rs)
    hook = obj(
        "ValidatingWebhookConfiguration",
        "admissionregistration.k8s.io/v1",
        "guard",
        webhooks=[
            {
                "name": "pods.guard.example.com",
                "failurePolicy": "Fail",
                "clientConfig": {"service": {"namespace": "guard", "name": "guard", "port": 443}},
                "rules": [{"operations": ["CREATE"], "resources": ["pods"]}],
            }
        ],
    )
    refused = event(
        rs,
        "FailedCreate",
        "Error creating: Internal error occurred: failed calling webhook "
        '"pods.guard.example.com": failed to call webhook: service "guard" not found',
    )
    findings = run_analyzers(snap(dep, rs, running, hook, refused, obj("Namespace", "v1", "shop")))
    failure = next(f for f in findings if f.object.name == "api")
    assert (failure.id, failure.severity) == ("deployment-replica-failure", Severity.WARNING)
    assert failure.caused_by and failure.caused_by["rule"] == "webhook-service-missing"
    check_one_root_cause_per_finding(findings)


# --- what the pod finding already says -----------------------------------------------------------------


def _config_error_pods(with_replicaset: bool) -> list[dict[str, Any]]:
    env = [{"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "app-config", "key": "mode"}}}]
    dep = deployment("api", replicas=1, containers=[container("api", env=env)])
    dep["status"] = {"replicas": 1, "unavailableReplicas": 1}
    rs = replicaset(dep)
    failing = pod(
        "api-5d8f7c9b4-x",
        labels={"app": "api"},
        owner=rs,
        state="configerror",
        spec=rs["spec"]["template"]["spec"],
        config_message='configmap "app-config" not found',
    )
    return [dep, *([rs] if with_replicaset else []), failing, configmap("other")]


@pytest.mark.parametrize("with_replicaset", [True, False], ids=["full snapshot", "ReplicaSet not gathered"])
def test_a_missing_configmap_is_reported_once(with_replicaset: bool) -> None:
    findings = run_analyzers(snap(*_config_error_pods(with_replicaset)))
    assert [f.id for f in findings if "app-config" in f.title] == ["pod-create-config-error"], describe(
        findings
    )
    config_error = next(f for f in findings if f.id == "pod-create-config-error")
    assert config_error.owner == ObjectRef("Deployment", "api", "shop")
    assert [f.id for f in findings if f.severity is Severity.CRITICAL] == ["pod-create-config-error"]
    check_one_root_cause_per_finding(findings)


def test_a_missing_configmap_of_a_cronjob_is_reported_once_without_its_job() -> None:
    env = [{"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "app-config", "key": "mode"}}}]
    template = {"metadata": {"labels": {"app": "nightly"}}, "spec": {"containers": [container("n", env=env)]}}
    cj = obj(
        "CronJob",
        "batch/v1",
        "nightly",
        "shop",
        spec={"schedule": "0 2 * * *", "jobTemplate": {"spec": {"template": template}}},
        status={},
    )
    job_ref = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "nightly-29032380", "uid": "j1"}}
    failing = pod(
        "nightly-29032380-x",
        labels={"app": "nightly"},
        owner=job_ref,
        state="configerror",
        spec=template["spec"],
        config_message='configmap "app-config" not found',
    )
    findings = run_analyzers(snap(cj, failing, configmap("other")))
    assert [f.id for f in findings if "app-config" in f.title] == ["pod-create-config-error"]
    assert findings[0].owner == ObjectRef("CronJob", "nightly", "shop")


def _pulling(name: str, pull_secret: str) -> list[dict[str, Any]]:
    dep = deployment(name, replicas=1, imagePullSecrets=[{"name": pull_secret}])
    rs = replicaset(dep)
    spec = rs["spec"]["template"]["spec"]
    failing = pod(f"{name}-5d8f7c9b4-x", labels={"app": name}, owner=rs, spec=spec, state="notready")
    failing["status"]["containerStatuses"][0]["state"] = {
        "waiting": {
            "reason": "ImagePullBackOff",
            "message": f'Back-off pulling image "registry.example.com/{name}:1.0"',
        }
    }
    pulled = event(
        failing,
        "Failed",
        f'Failed to pull image "registry.example.com/{name}:1.0": failed to '
        "authorize: failed to fetch oauth token: unexpected status: 401 Unauthorized",
    )
    return [dep, rs, failing, pulled]


def test_a_missing_pull_secret_is_the_pod_finding_while_pods_fail_on_it() -> None:
    # web's pods are refused by the registry: the pod finding names regcred. billing only references it.
    billing = deployment("billing", replicas=1, imagePullSecrets=[{"name": "regcred"}])
    billing["status"] = {"replicas": 1, "availableReplicas": 1}  # pulled before regcred was deleted
    findings = run_analyzers(snap(*_pulling("web", "regcred"), billing, secret("other")))
    pull = next(f for f in findings if f.id == "pod-image-pull")
    assert pull.severity is Severity.CRITICAL
    assert any("imagePullSecret regcred does not exist" in line for line in pull.evidence)
    (missing,) = [f for f in findings if f.id == "image-pull-secret-missing"]
    assert missing.affected == [ObjectRef("Deployment", "billing", "shop")]
    check_one_root_cause_per_finding(findings)


# --- nodes ---------------------------------------------------------------------------------------------


def _pending(message: str) -> dict[str, Any]:
    waiting = pod("api-5d8f7c9b4-p", labels={"app": "api"}, node=None)
    waiting["status"] = {
        "phase": "Pending",
        "conditions": [
            {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": message}
        ],
    }
    return waiting


def test_pods_kept_out_only_by_cordons_are_the_cordon_finding() -> None:
    waiting = _pending("0/2 nodes are available: 2 node(s) were unschedulable.")
    nodes = [node("node-1", unschedulable=True), node("node-2", unschedulable=True)]
    findings = run_analyzers(snap(*nodes, waiting))
    (cordon,) = [f for f in findings if f.id == "node-cordoned"]
    assert cordon.severity is Severity.CRITICAL
    assert cordon.affected == [ObjectRef("Pod", "api-5d8f7c9b4-p", "shop")]
    assert "2 nodes are cordoned (node-1, node-2)" in cordon.title
    assert [r.command for r in cordon.remediation] == ["kubectl uncordon node-1", "kubectl uncordon node-2"]
    pending = next(f for f in findings if f.id == "pod-unschedulable")
    assert pending.severity is Severity.WARNING
    assert pending.caused_by == {
        "rule": "node-cordoned",
        "object": {"kind": "Node", "namespace": None, "name": "node-1"},
    }
    check_one_root_cause_per_finding(findings)


def test_a_cordon_among_other_reasons_leaves_the_pod_finding_the_root_cause() -> None:
    waiting = _pending("0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable.")
    findings = run_analyzers(snap(node("node-1"), node("node-2", unschedulable=True), waiting))
    pending = next(f for f in findings if f.id == "pod-unschedulable")
    assert pending.severity is Severity.CRITICAL and pending.caused_by is None
    cordon = next(f for f in findings if f.id == "node-cordoned")
    assert cordon.severity is Severity.WARNING and cordon.affected == []
    assert any("were unschedulable" in line for line in cordon.evidence)
    check_one_root_cause_per_finding(findings)


def _evicted(name: str, node_name: str) -> dict[str, Any]:
    dep = deployment("thumb", replicas=1)
    rs = replicaset(dep)
    gone = pod(name, labels={"app": "thumb"}, owner=rs, node=node_name)
    gone["status"] = {
        "phase": "Failed",
        "reason": "Evicted",
        "message": "The node was low on resource: ephemeral-storage.",
    }
    return [dep, rs, gone]


def _pressure(cond_type: str) -> dict[str, Any]:
    return {
        "type": cond_type,
        "status": "True",
        "reason": f"KubeletHas{cond_type}",
        "message": "low",
        "lastHeartbeatTime": ts(0),
        "lastTransitionTime": ts(12),
    }


def test_an_eviction_points_at_the_node_under_pressure() -> None:
    sick = node("node-2", extra_conditions=[_pressure("DiskPressure")])
    findings = run_analyzers(snap(sick, *_evicted("thumb-5d8f7c9b4-a", "node-2")))
    evicted = next(f for f in findings if f.id == "pod-evicted")
    assert evicted.caused_by == {
        "rule": "node-disk-pressure",
        "object": {"kind": "Node", "namespace": None, "name": "node-2"},
    }
    check_one_root_cause_per_finding(findings)


def test_a_notready_node_under_pressure_is_one_finding() -> None:
    sick = node(
        "node-2",
        ready="False",
        reason="KubeletNotReady",
        message="PLEG is not healthy",
        extra_conditions=[_pressure("MemoryPressure")],
    )
    findings = run_analyzers(snap(sick, *_evicted("thumb-5d8f7c9b4-a", "node-2")))
    assert [f.id for f in findings if f.object.kind == "Node"] == ["node-not-ready"]
    not_ready = findings[0]
    assert not_ready.title == "Node node-2 is NotReady (KubeletNotReady), under memory pressure"
    assert any(line.startswith("MemoryPressure=True") for line in not_ready.evidence)
    assert ObjectRef("Pod", "thumb-5d8f7c9b4-a", "shop") in not_ready.affected
    evicted = next(f for f in findings if f.id == "pod-evicted")
    assert evicted.caused_by and evicted.caused_by["rule"] == "node-not-ready"


def test_a_silent_node_keeps_its_stale_pressure_apart() -> None:
    """Ready=Unknown: the kubelet's last pressure report is old news, so it is not folded in."""
    silent = node(
        "node-2", ready="Unknown", reason="NodeStatusUnknown", extra_conditions=[_pressure("PIDPressure")]
    )
    assert [f.id for f in run_analyzers(snap(silent))] == ["node-not-ready", "node-pid-pressure"]


@pytest.mark.parametrize("metrics", [False, True], ids=["no metrics-server", "metrics available"])
def test_memory_pressure_suggests_kubectl_top_only_with_metrics(metrics: bool) -> None:
    objects = [node("node-2", extra_conditions=[_pressure("MemoryPressure")])]
    if metrics:
        objects.append(
            obj("NodeMetrics", "metrics.k8s.io/v1beta1", "node-2", usage={"cpu": "1", "memory": "3Gi"})
        )
    (finding,) = [f for f in run_analyzers(snap(*objects)) if f.id == "node-memory-pressure"]
    commands = [r.command for r in finding.remediation if r.command]
    assert "kubectl describe node node-2" in commands
    assert ("kubectl top pods -A --sort-by=memory" in commands) is metrics
    assert metrics or not any(c.startswith("kubectl top") for c in commands)


# --- webhooks and Jobs -----------------------------------------------------------------------------------


def test_a_webhook_down_because_its_pod_crashes_is_not_a_second_critical() -> None:
    hook = obj(
        "ValidatingWebhookConfiguration",
        "admissionregistration.k8s.io/v1",
        "guard",
        webhooks=[
            {
                "name": "pods.guard.example.com",
                "failurePolicy": "Fail",
                "clientConfig": {"service": {"namespace": "guard", "name": "guard", "port": 443}},
            }
        ],
    )
    svc = service("guard", "guard", selector={"app": "guard"}, ports=[{"port": 443, "targetPort": 8443}])
    crashing = pod("guard-1", "guard", labels={"app": "guard"}, state="crashloop")
    findings = run_analyzers(snap(hook, svc, endpoints("guard", "guard", not_ready=["guard-1"]), crashing))
    webhook = next(f for f in findings if f.id == "webhook-no-endpoints")
    assert webhook.severity is Severity.WARNING
    assert webhook.caused_by == {
        "rule": "pod-crash-loop",
        "object": {"kind": "Pod", "namespace": "guard", "name": "guard-1"},
    }
    assert [f.id for f in findings if f.severity is Severity.CRITICAL] == ["pod-crash-loop"]


def test_a_job_that_cannot_reach_its_broken_database_points_at_the_database() -> None:
    db = pod(
        "db-0",
        labels={"app": "db"},
        state="crashloop",
        spec={"containers": [container("db", ports=((5432, "pg"),))]},
    )
    job = obj(
        "Job",
        "batch/v1",
        "migrate",
        "shop",
        spec={"backoffLimit": 1},
        status={
            "failed": 2,
            "conditions": [
                {
                    "type": "Failed",
                    "status": "True",
                    "reason": "BackoffLimitExceeded",
                    "message": "Job has reached the specified backoff limit",
                }
            ],
        },
    )
    run = pod("migrate-x", owner=job, labels={"job-name": "migrate"})
    run["metadata"]["creationTimestamp"] = ts(10)
    run["status"] = {
        "phase": "Failed",
        "containerStatuses": [
            {"name": "app", "state": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": ts(9)}}}
        ],
    }
    snapshot = snap(
        db, job, run, service("db", selector={"app": "db"}, ports=[{"port": 5432, "targetPort": 5432}])
    )
    snapshot.logs[LogKey("shop", "migrate-x", "app")] = (
        "connecting to db:5432\nERROR: could not connect to server: Connection refused\n\tIs the server "
        'running on host "db" and accepting TCP/IP connections on port 5432?\n'
    )
    findings = run_analyzers(snapshot)
    failed = next(f for f in findings if f.id == "job-failed")
    assert failed.severity is Severity.WARNING
    assert failed.caused_by == {
        "rule": "pod-crash-loop",
        "object": {"kind": "Pod", "namespace": "shop", "name": "db-0"},
    }
    assert "Service db" in failed.message
    check_one_root_cause_per_finding(findings)


def test_analyzing_keeps_no_snapshot_alive() -> None:
    """The per-snapshot caches must not outlive the run (`mcp serve` analyzes many snapshots)."""
    import gc
    import weakref

    snapshot = load_snapshot_path(Path(__file__).resolve().parent.parent / "examples" / "shop-outage")
    assert run_analyzers(snapshot)
    ref = weakref.ref(snapshot)
    del snapshot
    gc.collect()
    assert ref() is None
