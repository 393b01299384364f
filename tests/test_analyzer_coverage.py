"""DaemonSet coverage (analyzers/coverage.py): node agents missing from nodes, and what breaks there."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from kubectl_prism.analyzers import run_analyzers
from kubectl_prism.findings import Finding, Severity
from kubectl_prism.snapshot import Snapshot
from tests.scenarios import load_scenario

CNI = load_scenario(Path(__file__).parent / "scenarios" / "nodes-cni-daemonset-misses-tainted-pool.yaml")


def run(change: Any = None) -> list[Finding]:
    snapshot = Snapshot(source="snapshot")
    objects = copy.deepcopy(CNI.objects)
    if change:
        change(objects)
    snapshot.add_all(objects)
    return run_analyzers(snapshot)


def calico(objects: list[dict[str, Any]]) -> dict[str, Any]:
    return next(o for o in objects if o["kind"] == "DaemonSet" and o["metadata"]["name"] == "calico-node")


def by_rule(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.id == rule]


def test_a_cni_missing_from_a_node_without_pod_network_is_the_nodes_cause() -> None:
    findings = run()
    (gap,) = by_rule(findings, "daemonset-coverage-gap")
    (node,) = by_rule(findings, "node-not-ready")
    assert gap.severity is Severity.CRITICAL and gap.caused_by is None
    assert node.caused_by == {"rule": gap.id, "object": gap.object.to_dict()}
    assert node.severity is Severity.WARNING and "fix that first" in node.message
    assert "patch daemonset calico-node" in (gap.remediation[0].command or "")


def test_when_the_cni_tolerates_the_taint_the_node_is_its_own_problem() -> None:
    def tolerate(objects: list[dict[str, Any]]) -> None:
        calico(objects)["spec"]["template"]["spec"]["tolerations"].append({"operator": "Exists"})

    findings = run(tolerate)
    assert not by_rule(findings, "daemonset-coverage-gap")
    (node,) = by_rule(findings, "node-not-ready")
    assert node.severity is Severity.CRITICAL and node.caused_by is None


def test_a_node_whose_network_is_fine_makes_the_gap_a_warning() -> None:
    def network_up(objects: list[dict[str, Any]]) -> None:
        node = next(o for o in objects if o["kind"] == "Node" and o["metadata"]["name"] == "node-3")
        ready = next(c for c in node["status"]["conditions"] if c["type"] == "Ready")
        ready.update(status="True", reason="KubeletReady", message="kubelet is posting ready status")
        node["spec"]["taints"] = [t for t in node["spec"]["taints"] if t["key"] == "workload"]

    findings = run(network_up)
    (gap,) = by_rule(findings, "daemonset-coverage-gap")
    assert gap.severity is Severity.WARNING and not by_rule(findings, "node-not-ready")


def test_an_os_or_architecture_selector_is_by_design_but_another_selector_is_a_gap() -> None:
    def select(labels: dict[str, str]) -> Any:
        def change(objects: list[dict[str, Any]]) -> None:
            calico(objects)["spec"]["template"]["spec"]["tolerations"].append({"operator": "Exists"})
            calico(objects)["spec"]["template"]["spec"]["nodeSelector"] = labels
            node = next(o for o in objects if o["kind"] == "Node" and o["metadata"]["name"] == "node-3")
            node["metadata"]["labels"]["kubernetes.io/arch"] = "arm64"
        return change

    assert not by_rule(run(select({"kubernetes.io/arch": "amd64"})), "daemonset-coverage-gap")
    findings = run(select({"kubernetes.io/arch": "amd64", "pool": "general"}))
    (gap,) = by_rule(findings, "daemonset-coverage-gap")
    assert any("nodeSelector kubernetes.io/arch=amd64,pool=general does not match" in e for e in gap.evidence)
