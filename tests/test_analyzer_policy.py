"""Table-driven tests of the PodDisruptionBudget and ResourceQuota analyzers (analyzers/policy.py)."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_prism.analyzers.policy import analyze_pdbs, analyze_quotas
from kubectl_prism.findings import Severity
from tests.cluster_builders import deployment, event, linked, obj, one_finding, pod, replicaset, snap


def pdb(
    selector: dict[str, str], allowed: int, healthy: int, desired: int, expected: int, **spec: Any
) -> dict[str, Any]:
    return obj(
        "PodDisruptionBudget",
        "policy/v1",
        "api",
        "shop",
        spec={"selector": {"matchLabels": selector}, **spec},
        status={
            "disruptionsAllowed": allowed,
            "currentHealthy": healthy,
            "desiredHealthy": desired,
            "expectedPods": expected,
        },
    )


PODS = [pod("api-1"), pod("api-2")]
PDB_CASES: list[tuple[str, list[dict[str, Any]], str | None, Severity | None, str]] = [
    (
        "minAvailable equals replicas",
        [pdb({"app": "api"}, 0, 2, 2, 2, minAvailable=2), *PODS],
        "pdb-blocking-disruptions",
        Severity.WARNING,
        "spec.minAvailable = 2",
    ),
    (
        "maxUnavailable 0",
        [pdb({"app": "api"}, 0, 2, 2, 2, maxUnavailable=0), *PODS],
        "pdb-blocking-disruptions",
        Severity.WARNING,
        "spec.maxUnavailable = 0",
    ),
    (
        "one pod down",
        [pdb({"app": "api"}, 0, 1, 2, 2, minAvailable=2), pod("api-1"), pod("api-2", state="crashloop")],
        "pdb-blocking-disruptions",
        Severity.WARNING,
        "pod api-2: CrashLoopBackOff",
    ),
    ("allows one", [pdb({"app": "api"}, 1, 2, 1, 2, maxUnavailable=1), *PODS], None, None, ""),
    (
        "label typo",
        [pdb({"app": "apii"}, 0, 0, 0, 0, maxUnavailable=1), *PODS],
        "pdb-no-matching-pods",
        Severity.WARNING,
        "pods have app=api",
    ),
    (
        "nothing similar",
        [pdb({"tier": "db"}, 0, 0, 0, 0, maxUnavailable=1), *PODS],
        "pdb-no-matching-pods",
        Severity.INFO,
        "matches 0 of 2 pods in shop",
    ),
]


@pytest.mark.parametrize(
    ("objects", "rule", "severity", "evidence"), [c[1:] for c in PDB_CASES], ids=[c[0] for c in PDB_CASES]
)
def test_pdbs(
    objects: list[dict[str, Any]], rule: str | None, severity: Severity | None, evidence: str
) -> None:
    one_finding(analyze_pdbs(snap(*objects)), rule, severity, evidence)


def test_pdb_blocked_by_a_crashing_pod_points_at_the_pod_finding() -> None:
    (finding,) = linked(
        snap(pdb({"app": "api"}, 0, 1, 2, 2, minAvailable=2), pod("api-1"), pod("api-2", state="crashloop")),
        "disruptionbudgets",
    )
    assert finding.caused_by == {
        "rule": "pod-crash-loop",
        "object": {"kind": "Pod", "namespace": "shop", "name": "api-2"},
    }
    assert "kubectl -n shop describe pod api-2" in [r.command for r in finding.remediation]


def test_pdb_that_never_allows_an_eviction_gets_a_patch() -> None:
    (finding,) = analyze_pdbs(snap(pdb({"app": "api"}, 0, 2, 2, 2, minAvailable=2), *PODS))
    assert (
        "kubectl -n shop patch poddisruptionbudget api -p "
        '\'{"spec":{"minAvailable":null,"maxUnavailable":1}}\''
    ) in [r.command for r in finding.remediation]


# --- ResourceQuota --------------------------------------------------------------------------------------


def quota(hard: dict[str, str], used: dict[str, str]) -> dict[str, Any]:
    return obj(
        "ResourceQuota", "v1", "compute", "shop", spec={"hard": hard}, status={"hard": hard, "used": used}
    )


DEP = deployment("api")
RS = replicaset(DEP)
REJECTED = event(
    RS,
    "FailedCreate",
    'Error creating: pods "api-5d8f7c9b4-x" is forbidden: exceeded quota: '
    "compute, requested: requests.cpu=500m, used: requests.cpu=2, limited: requests.cpu=2",
    count=27,
)
QUOTA_CASES: list[tuple[str, list[dict[str, Any]], Severity | None, str]] = [
    (
        "used up, nothing rejected yet",
        [quota({"requests.cpu": "2"}, {"requests.cpu": "2000m"})],
        Severity.WARNING,
        "requests.cpu used 2000m of 2",
    ),
    (
        "rejecting pods",
        [quota({"requests.cpu": "2"}, {"requests.cpu": "2"}), DEP, RS, REJECTED],
        Severity.CRITICAL,
        "exceeded quota: compute",
    ),
    ("room left", [quota({"requests.cpu": "4", "pods": "10"}, {"requests.cpu": "2", "pods": "3"})], None, ""),
    (
        "hard 0 on purpose",
        [quota({"services.loadbalancers": "0"}, {"services.loadbalancers": "0"})],
        None,
        "",
    ),
]


@pytest.mark.parametrize(
    ("objects", "severity", "evidence"), [c[1:] for c in QUOTA_CASES], ids=[c[0] for c in QUOTA_CASES]
)
def test_quotas(objects: list[dict[str, Any]], severity: Severity | None, evidence: str) -> None:
    findings = analyze_quotas(snap(*objects))
    if severity is None:
        assert findings == []
        return
    (finding,) = findings
    assert (finding.id, finding.severity) == ("resourcequota-exhausted", severity)
    assert any(evidence in line for line in finding.evidence), finding.evidence


def test_quota_rejection_lists_the_blocked_workloads_and_raises_the_limit() -> None:
    (finding,) = analyze_quotas(snap(quota({"requests.cpu": "2"}, {"requests.cpu": "2"}), DEP, RS, REJECTED))
    assert [(r.kind, r.name) for r in finding.affected] == [
        ("ReplicaSet", "api-5d8f7c9b4"),
        ("Deployment", "api"),
    ]
    assert 'kubectl -n shop patch resourcequota compute -p \'{"spec":{"hard":{"requests.cpu":"4"}}}\'' in [
        r.command for r in finding.remediation
    ]


def test_workload_rejected_by_the_quota_points_at_it() -> None:
    findings = linked(snap(quota({"requests.cpu": "2"}, {"requests.cpu": "2"}), DEP, RS, REJECTED))
    (workload,) = [f for f in findings if f.id == "deployment-replica-failure"]
    assert workload.severity is Severity.WARNING
    assert workload.caused_by == {
        "rule": "resourcequota-exhausted",
        "object": {"kind": "ResourceQuota", "namespace": "shop", "name": "compute"},
    }
