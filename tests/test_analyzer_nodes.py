"""Table-driven tests of the node analyzer (kubectl_prism/analyzers/nodes.py)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kubectl_prism.analyzers.nodes import analyze_nodes
from kubectl_prism.findings import Severity
from tests.cluster_builders import linked, node, obj, pod, snap, ts

RS = obj("ReplicaSet", "apps/v1", "cart-7c9d", "shop", spec={}, status={})


def pressure(cond: str, reason: str, message: str) -> dict[str, Any]:
    return {
        "type": cond,
        "status": "True",
        "reason": reason,
        "message": message,
        "lastHeartbeatTime": ts(0),
        "lastTransitionTime": ts(12),
    }


CASES: list[tuple[str, dict[str, Any], str | None, Severity | None, str]] = [
    (
        "kubelet silent",
        node(
            "node-2",
            ready="Unknown",
            reason="NodeStatusUnknown",
            message="Kubelet stopped posting node status.",
            heartbeat_ago=17,
        ),
        "node-not-ready",
        Severity.CRITICAL,
        "lastHeartbeatTime",
    ),
    (
        "CNI not ready",
        node(
            "node-3",
            ready="False",
            reason="KubeletNotReady",
            message="container runtime network not ready: NetworkReady=false "
            "reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin "
            "not initialized",
        ),
        "node-not-ready",
        Severity.CRITICAL,
        "cni plugin not initialized",
    ),
    (
        "memory pressure",
        node(
            "node-1",
            extra_conditions=[
                pressure(
                    "MemoryPressure",
                    "KubeletHasInsufficientMemory",
                    "kubelet has insufficient memory available",
                )
            ],
        ),
        "node-memory-pressure",
        Severity.WARNING,
        "kubelet has insufficient memory available",
    ),
    (
        "disk pressure",
        node(
            "node-1",
            extra_conditions=[
                pressure("DiskPressure", "KubeletHasDiskPressure", "kubelet has disk pressure")
            ],
        ),
        "node-disk-pressure",
        Severity.WARNING,
        "DiskPressure=True",
    ),
    (
        "PID pressure",
        node(
            "node-1",
            extra_conditions=[
                pressure("PIDPressure", "KubeletHasInsufficientPID", "kubelet has insufficient PID available")
            ],
        ),
        "node-pid-pressure",
        Severity.WARNING,
        "PIDPressure=True",
    ),
    (
        "network unavailable",
        node(
            "node-1",
            extra_conditions=[
                pressure("NetworkUnavailable", "NoRouteCreated", "RouteController failed to create a route")
            ],
        ),
        "node-network-unavailable",
        Severity.CRITICAL,
        "RouteController failed to create a route",
    ),
    (
        "cordoned",
        node("node-1", unschedulable=True),
        "node-cordoned",
        Severity.INFO,
        "spec.unschedulable=true",
    ),
    ("healthy", node("node-1"), None, None, ""),
]


@pytest.mark.parametrize(
    ("the_node", "rule", "severity", "evidence"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_node_conditions(
    the_node: dict[str, Any], rule: str | None, severity: Severity | None, evidence: str
) -> None:
    findings = analyze_nodes(snap(the_node))
    if rule is None:
        assert findings == []
        return
    (finding,) = findings
    assert (finding.id, finding.severity) == (rule, severity)
    assert any(evidence in line for line in finding.evidence), finding.evidence
    assert finding.object.kind == "Node" and finding.object.namespace is None


def test_not_ready_lists_the_pods_on_the_node_and_suggests_a_drain_only_when_safe() -> None:
    dead = node("node-2", ready="Unknown", reason="NodeStatusUnknown", heartbeat_ago=20)
    owned = pod("cart-7c9d-x", owner=RS, node="node-2")
    (finding,) = analyze_nodes(snap(dead, RS, owned, pod("elsewhere", node="node-1")))
    assert [r.name for r in finding.affected] == ["cart-7c9d-x"]
    assert "kubectl drain node-2 --ignore-daemonsets --delete-emptydir-data" in [
        r.command for r in finding.remediation
    ]
    assert "stopped reporting: kubelet silent for 20m" in finding.title
    # A bare pod would be deleted for good by a drain: then no drain is suggested.
    (finding,) = analyze_nodes(snap(dead, pod("bare", node="node-2")))
    assert not any("drain" in (r.command or "") for r in finding.remediation)


def test_cordoned_node_is_a_warning_when_pods_wait_for_room() -> None:
    waiting = pod("worker-z", node=None)
    waiting["status"] = {
        "phase": "Pending",
        "conditions": [
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "message": "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable.",
            }
        ],
    }
    (finding,) = analyze_nodes(snap(node("node-2", unschedulable=True), waiting))
    assert finding.severity is Severity.WARNING
    assert any("1 pending pod(s) cannot be scheduled, e.g. worker-z" in line for line in finding.evidence)
    # The pod also lacks cpu elsewhere: its own finding is the root cause, not this one.
    assert finding.affected == []
    assert [r.command for r in finding.remediation] == ["kubectl uncordon node-2"]
    stranded = copy.deepcopy(waiting)
    stranded["status"]["conditions"][0]["message"] = "0/1 nodes are available: 1 node(s) were unschedulable."
    (finding,) = analyze_nodes(snap(node("node-2", unschedulable=True), stranded))
    assert finding.severity is Severity.CRITICAL
    assert [r.name for r in finding.affected] == ["worker-z"]


def test_disk_pressure_links_the_evicted_pods() -> None:
    sick = node("node-1", extra_conditions=[pressure("DiskPressure", "KubeletHasDiskPressure", "disk")])
    evicted = pod("thumb-1", node="node-1")
    evicted["status"] = {
        "phase": "Failed",
        "reason": "Evicted",
        "message": "The node was low on resource: ephemeral-storage.",
    }
    (finding,) = analyze_nodes(snap(sick, evicted))
    assert [r.name for r in finding.affected] == ["thumb-1"]
    assert any("low on resource: ephemeral-storage" in line for line in finding.evidence)


def test_pod_stuck_terminating_on_a_dead_node_points_at_the_node() -> None:
    stuck = pod("cart-1", node="node-2")
    stuck["metadata"].update(deletionTimestamp=ts(30), finalizers=[])
    findings = linked(snap(node("node-1"), node("node-2", ready="Unknown"), stuck))
    (terminating,) = [f for f in findings if f.id == "pod-stuck-terminating"]
    assert terminating.caused_by == {
        "rule": "node-not-ready", "object": {"kind": "Node", "namespace": None, "name": "node-2"}
    }
