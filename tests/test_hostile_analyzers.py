"""Hostile cluster text stays cheap: a 1 MB log line, event, status or condition message is analyzed in
under 100 ms (every pattern that reads cluster text is linear and sees a clipped line; issue 11).

Measured in-process over the analyzer call, best of three runs each with fresh text (the log-line helper
caches by text, and a loaded machine can stall one run).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from kubectl_prism.analyzers import registered, run_analyzers
from kubectl_prism.analyzers.log_dependencies import _UNRESOLVED
from kubectl_prism.analyzers.pod_evidence import _START_ERROR, MAX_TEXT, clip
from kubectl_prism.findings import Finding
from tests.test_analyzers_pods import (
    container_status,
    crashing,
    deployment_with_pods,
    event,
    make_pod,
    snapshot_of,
)

MB = 1_000_000
LIMIT_S = 0.1
Cluster = tuple[list[dict[str, Any]], list[dict[str, Any]]]  # (objects, logs)


def huge(seed: int, unit: str = "1") -> str:
    """A 1 MB line of the shapes that made the old patterns backtrack (digits, 'a-a-', 'lookup lookup')."""
    return f"{seed} " + unit * (MB // len(unit))


def crash_log(seed: int) -> Cluster:
    refused = f"error: dial tcp 10.0.0.{seed}:5432: connection refused"
    text = f"{huge(seed)}\nlookup {huge(seed, 'a-')}\n{refused}\n"
    logs = [{"namespace": "shop", "pod": "api-5d8f7-a", "container": "api", "previous": True, "text": text}]
    return deployment_with_pods("api", [crashing("api-5d8f7-a")]), logs


def event_storm(seed: int) -> Cluster:
    objects = deployment_with_pods("api", [crashing("api-5d8f7-a")])
    for reason in ("BackOff", "Unhealthy", "FailedMount", "FailedCreate", "Failed", "FailedScheduling"):
        objects.append(event("Pod", "api-5d8f7-a", reason, f"{reason} {huge(seed, 'a-')}"))
    refused = f'violates PodSecurity "x": {huge(seed, "a (")}'
    objects.append(event("ReplicaSet", "api-5d8f7", "FailedCreate", refused))
    return objects, []


def status_messages(seed: int) -> Cluster:
    starting = make_pod("web-1", statuses=[container_status("web", waiting="RunContainerError",
                                                            message=f"exec: {huge(seed, 'a-')}")])
    pending = make_pod("job-1", phase="Pending", statuses=[], conditions=[{
        "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
        "message": f"0/3 nodes are available: {huge(seed, '1 ')}"}])
    evicted = make_pod("cache-1", phase="Failed", statuses=[],
                       status_extra={"reason": "Evicted", "message": f"low on resource: {huge(seed, 'a-')}"})
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1", "uid": "n1"},
            "status": {"conditions": [{"type": "Ready", "status": "False", "reason": "KubeletNotReady",
                                       "message": f"network plugin {huge(seed, 'cni ')}"}]}}
    return [starting, pending, evicted, node], []


def policy_storm(seed: int) -> Cluster:
    """NetworkPolicies in play: webhook calls failing with a megabyte of "failed calling webhook" each, and a
    crash log of megabyte name lookups (the traffic rule's patterns read both)."""
    objects = deployment_with_pods("api", [crashing("api-5d8f7-a")])
    objects.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                    "metadata": {"name": "deny", "namespace": "shop", "uid": "np1"},
                    "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}})
    hook = {"name": "a", "clientConfig": {"service": {"namespace": "shop", "name": "api"}}}
    objects.append({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
                    "metadata": {"name": "guard", "uid": "vw1"}, "webhooks": [hook]})
    calls = 'failed calling webhook "a" ' * (MB // 27)
    for i in range(6):
        objects.append(event("ReplicaSet", "api-5d8f7", "FailedCreate", f"{seed}{i} {calls}"))
    lookups = huge(seed, "lookup a on 1.2.3.4:53: ")
    text = f"lookup {lookups}\nerror: dial udp {huge(seed, '1.')}:53: i/o timeout\n"
    logs = [{"namespace": "shop", "pod": "api-5d8f7-a", "container": "api", "previous": True, "text": text}]
    return objects, logs


def best_of_three(build: Callable[[int], Cluster]) -> tuple[float, list[Finding]]:
    registered()  # import the rule modules outside the measured call
    best, findings = float("inf"), []
    for seed in range(3):
        snapshot = snapshot_of(*build(seed))
        start = time.perf_counter()
        findings = run_analyzers(snapshot)
        best = min(best, time.perf_counter() - start)
    return best, findings


@pytest.mark.parametrize("build", [crash_log, event_storm, status_messages, policy_storm],
                         ids=lambda b: b.__name__)
def test_a_megabyte_of_cluster_text_analyzes_in_under_100_ms(build: Callable[[int], Cluster]) -> None:
    seconds, findings = best_of_three(build)
    assert findings, "the hostile text must not hide the problem itself"
    assert seconds < LIMIT_S, f"{build.__name__}: {seconds * 1000:.0f} ms"
    for finding in findings:  # what is shown stays short, too
        assert all(len(line) <= MAX_TEXT + 100 for line in finding.evidence)


def test_crash_loop_with_a_huge_log_line_still_names_the_decisive_line() -> None:
    _, findings = best_of_three(crash_log)
    (crash,) = [f for f in findings if f.id == "pod-crash-loop"]
    assert any("connection refused" in line for line in crash.evidence)


@pytest.mark.parametrize("shape", ["1", "a-", "a.", "1 ", "lookup "])
def test_the_patterns_that_were_quadratic_are_linear_on_a_megabyte(shape: str) -> None:
    # No clipping here: the patterns themselves must not backtrack (16 KB used to cost 1 s, 32 KB 4 s).
    line = shape * (MB // len(shape))
    start = time.perf_counter()
    assert _UNRESOLVED.search(line) is None
    assert _START_ERROR.search(line) is None
    assert time.perf_counter() - start < 2.0  # ~0.5 s on a loaded machine; quadratic would be hours


def test_clip_keeps_both_ends() -> None:
    text = "head " + "x" * MB + " tail: permission denied"
    clipped = clip(text)
    assert len(clipped) <= MAX_TEXT + 3
    assert clipped.startswith("head ") and clipped.endswith("tail: permission denied")
    assert clip("short") == "short"
