"""Traffic a NetworkPolicy drops (kubectl_prism/analyzers/traffic.py), from the corpus scenario varied."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from kubectl_prism.analyzers import run_analyzers
from kubectl_prism.analyzers.traffic import PolicyIndex
from kubectl_prism.findings import Finding, Severity
from kubectl_prism.snapshot import LogKey, Snapshot
from tests.scenarios import load_scenario

SCENARIO = load_scenario(Path(__file__).parent / "scenarios" / "net-networkpolicy-blocks-traffic.yaml")


def run(policy: dict[str, Any] | None) -> list[Finding]:
    snapshot = Snapshot(source="snapshot")
    for obj in SCENARIO.objects:
        if obj["kind"] != "NetworkPolicy":
            snapshot.add(copy.deepcopy(obj))
    if policy is not None:
        snapshot.add(policy)
    for entry in SCENARIO.logs:
        snapshot.logs[LogKey(entry["namespace"], entry["pod"], entry["container"], entry["previous"])] = \
            entry["text"]
    return run_analyzers(snapshot)


def policy_with(spec: dict[str, Any]) -> dict[str, Any]:
    policy = copy.deepcopy(SCENARIO.objects_of("NetworkPolicy")[0])
    policy["spec"] = spec
    return policy


def crash(findings: list[Finding]) -> Finding:
    return next(f for f in findings if f.id == "pod-crash-loop")


def test_the_blocking_policy_is_the_root_cause_of_the_crash() -> None:
    findings = run(SCENARIO.objects_of("NetworkPolicy")[0])
    (blocked,) = [f for f in findings if f.id == "networkpolicy-blocks-traffic"]
    assert blocked.severity is Severity.CRITICAL
    assert crash(findings).severity is Severity.WARNING
    assert crash(findings).caused_by == {"rule": blocked.id, "object": blocked.object.to_dict()}


def test_a_policy_that_allows_the_caller_stays_silent() -> None:
    allowed = policy_with({"podSelector": {"matchLabels": {"app": "payments"}}, "policyTypes": ["Ingress"],
                           "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "checkout"}}}],
                                        "ports": [{"port": 8080}]}]})
    findings = run(allowed)
    assert not [f for f in findings if f.id == "networkpolicy-blocks-traffic"]
    assert crash(findings).severity is Severity.CRITICAL and crash(findings).caused_by is None


def test_a_policy_on_the_wrong_port_still_blocks() -> None:
    wrong_port = policy_with({"podSelector": {"matchLabels": {"app": "payments"}}, "policyTypes": ["Ingress"],
                              "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "checkout"}}}],
                                           "ports": [{"port": 9090}]}]})
    assert [f.id for f in run(wrong_port) if f.id == "networkpolicy-blocks-traffic"]


def test_an_egress_policy_on_the_caller_blocks_too() -> None:
    egress = policy_with({"podSelector": {"matchLabels": {"app": "checkout"}}, "policyTypes": ["Egress"],
                          "egress": [{"ports": [{"port": 53, "protocol": "UDP"}]}]})
    (blocked,) = [f for f in run(egress) if f.id == "networkpolicy-blocks-traffic"]
    assert any("(Egress) selects the source pods" in line for line in blocked.evidence)


def test_policies_are_looked_up_by_label_not_scanned() -> None:
    snapshot = Snapshot(source="snapshot")
    for i in range(500):
        snapshot.add({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                      "metadata": {"name": f"p{i}", "namespace": "shop"},
                      "spec": {"podSelector": {"matchLabels": {"app": f"app{i}"}}}})
    index = PolicyIndex(snapshot)
    pod = {"kind": "Pod", "metadata": {"name": "x", "namespace": "shop", "labels": {"app": "app7"}}}
    assert [p["metadata"]["name"] for p in index.selecting(pod)] == ["p7"]
    assert len(index.by_label) == 500 and not index.unkeyed
