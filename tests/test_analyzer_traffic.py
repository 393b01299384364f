"""Traffic a NetworkPolicy drops (analyzers/traffic.py, netpol.py), from corpus scenarios varied."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from kubectl_prism.analyzers import run_analyzers
from kubectl_prism.analyzers.netpol import PolicyIndex, admits_api_server
from kubectl_prism.findings import Finding, Severity
from kubectl_prism.snapshot import LogKey, Snapshot
from tests.scenarios import load_scenario

CORPUS = Path(__file__).parent / "scenarios"
SCENARIO = load_scenario(CORPUS / "net-networkpolicy-blocks-traffic.yaml")
WEBHOOK = load_scenario(CORPUS / "net-networkpolicy-blocks-admission-webhook.yaml")


def run(policy: dict[str, Any] | None, scenario: Any = SCENARIO) -> list[Finding]:
    snapshot = Snapshot(source="snapshot")
    for obj in scenario.objects:
        if obj["kind"] != "NetworkPolicy":
            snapshot.add(copy.deepcopy(obj))
    if policy is not None:
        snapshot.add(policy)
    for entry in scenario.logs:
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


# --- the API server calling an admission webhook ----------------------------------------------------------

def webhook_policy(ingress: list[dict[str, Any]]) -> dict[str, Any]:
    policy = copy.deepcopy(WEBHOOK.objects_of("NetworkPolicy")[0])
    policy["spec"]["ingress"] = ingress
    return policy


def blocked(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.id == "networkpolicy-blocks-traffic"]


def refused(findings: list[Finding]) -> Finding:
    return next(f for f in findings if f.id == "deployment-replica-failure")


def test_a_policy_admitting_only_pods_cuts_the_api_server_off_its_webhook() -> None:
    findings = run(WEBHOOK.objects_of("NetworkPolicy")[0], WEBHOOK)
    (policy,) = blocked(findings)
    assert policy.object.name == "kyverno-lockdown"
    assert policy.explains == ("webhook:validate.kyverno.svc-fail",)
    assert refused(findings).caused_by == {"rule": policy.id, "object": policy.object.to_dict()}
    assert "patch networkpolicy kyverno-lockdown" in (policy.remediation[0].command or "")


def test_a_rule_without_from_or_with_an_ipblock_on_the_webhook_port_lets_the_api_server_in() -> None:
    for rule in ({"ports": [{"port": 9443}]}, {"from": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]},
                 {"ports": [{"port": "https"}]}):
        findings = run(webhook_policy([{"from": [{"podSelector": {}}]}, rule]), WEBHOOK)
        assert not blocked(findings), rule
        assert refused(findings).caused_by is None


def test_a_rule_open_to_all_on_another_port_still_blocks_the_webhook() -> None:
    assert blocked(run(webhook_policy([{"ports": [{"port": 8000}]}]), WEBHOOK))


def test_admits_api_server_reads_ports_and_peers() -> None:
    policy = {"spec": {"ingress": [
        {"from": [{"namespaceSelector": {}}], "ports": [{"port": 9443}]},
        {"from": [{"ipBlock": {"cidr": "172.16.0.0/12"}}], "ports": [{"port": 8443}]},
        {"ports": [{"port": 9000, "endPort": 9100}]},
    ]}}
    assert not admits_api_server(policy, 9443, "https")  # a namespaceSelector matches pods only
    assert admits_api_server(policy, 8443, None)
    assert admits_api_server(policy, 9050, None) and not admits_api_server(policy, 9101, None)
    assert not admits_api_server({"spec": {}}, 9443, None)  # policyTypes Ingress with no rules: deny all


# --- a name lookup that times out: the cluster DNS ---------------------------------------------------------

DNS = load_scenario(CORPUS / "net-networkpolicy-egress-blocks-dns.yaml")


def dns_policy(extra_egress: list[dict[str, Any]]) -> dict[str, Any]:
    policy = copy.deepcopy(DNS.objects_of("NetworkPolicy")[0])
    policy["spec"]["egress"] += extra_egress
    return policy


def to_dns(*ports: dict[str, Any]) -> dict[str, Any]:
    return {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}], "ports": list(ports)}


def test_a_lookup_timeout_is_judged_against_the_cluster_dns_not_the_service_it_names() -> None:
    (policy,) = blocked(run(DNS.objects_of("NetworkPolicy")[0], DNS))
    assert "cluster DNS (Service kube-system/kube-dns, port 53/UDP)" in policy.title
    # the policy admits payments on 8080, which the log also names: that is not what failed
    assert any("allows no rule for deployment/checkout on port 53" in e for e in policy.evidence)


def test_dns_allowed_over_udp_is_silent_and_over_tcp_only_still_blocks() -> None:
    assert not blocked(run(dns_policy([to_dns({"port": 53, "protocol": "UDP"})]), DNS))
    assert blocked(run(dns_policy([to_dns({"port": 53, "protocol": "TCP"})]), DNS))
    assert not blocked(run(dns_policy([{"ports": [{"port": 53, "protocol": "UDP"}]}]), DNS))  # to anywhere
