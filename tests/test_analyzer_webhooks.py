"""Table-driven tests of the admission webhook analyzer (analyzers/webhooks.py)."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_prism.analyzers.webhooks import analyze_webhooks
from kubectl_prism.findings import Severity
from tests.cluster_builders import (
    deployment,
    endpoints,
    event,
    linked,
    obj,
    one_finding,
    pod,
    replicaset,
    service,
    snap,
)


def config(
    kind: str = "ValidatingWebhookConfiguration",
    policy: str | None = "Fail",
    ns: str = "guard",
    url: bool = False,
) -> dict[str, Any]:
    client = (
        {"url": "https://guard.example.com/validate"}
        if url
        else {"service": {"namespace": ns, "name": "guard", "path": "/validate", "port": 443}}
    )
    webhook: dict[str, Any] = {
        "name": "pods.guard.example.com",
        "clientConfig": client,
        "rules": [{"operations": ["CREATE"], "resources": ["pods"]}],
    }
    if policy:
        webhook["failurePolicy"] = policy
    return obj(kind, "admissionregistration.k8s.io/v1", "guard", webhooks=[webhook])


def namespace(name: str) -> dict[str, Any]:
    return obj("Namespace", "v1", name, status={"phase": "Active"})


GUARD_SVC = service("guard", "guard", selector={"app": "guard"}, ports=[{"port": 443, "targetPort": 8443}])
CASES: list[tuple[str, list[dict[str, Any]], str | None, Severity | None, str]] = [
    (
        "namespace gone",
        [config(), namespace("shop")],
        "webhook-service-missing",
        Severity.CRITICAL,
        "namespace guard not found",
    ),
    (
        "service gone",
        [config(), namespace("guard"), service("other", "guard")],
        "webhook-service-missing",
        Severity.CRITICAL,
        "service guard/guard not found",
    ),
    (
        "service gone, failurePolicy Ignore",
        [config(policy="Ignore"), namespace("shop")],
        "webhook-service-missing",
        Severity.WARNING,
        "failurePolicy Ignore",
    ),
    (
        "default failurePolicy is Fail",
        [config(policy=None), namespace("shop")],
        "webhook-service-missing",
        Severity.CRITICAL,
        "failurePolicy Fail",
    ),
    (
        "no ready endpoints",
        [
            config(),
            GUARD_SVC,
            endpoints("guard", "guard", not_ready=["guard-1"]),
            pod("guard-1", "guard", labels={"app": "guard"}, state="notready"),
        ],
        "webhook-no-endpoints",
        Severity.CRITICAL,
        "1 pod(s), 0 ready",
    ),
    ("ready", [config(), GUARD_SVC, endpoints("guard", "guard", ready=["guard-1"])], None, None, ""),
    ("nothing known about services", [config()], None, None, ""),
    ("URL webhook", [config(url=True), namespace("shop")], None, None, ""),
]


@pytest.mark.parametrize(
    ("objects", "rule", "severity", "evidence"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_webhooks(
    objects: list[dict[str, Any]], rule: str | None, severity: Severity | None, evidence: str
) -> None:
    finding = one_finding(analyze_webhooks(snap(*objects)), rule, severity, evidence)
    if finding is None:
        return
    commands = [r.command for r in finding.remediation if r.command]
    fail_open = (
        "kubectl patch validatingwebhookconfiguration guard --type=json -p "
        '\'[{"op":"replace","path":"/webhooks/0/failurePolicy","value":"Ignore"}]\''
    )
    assert (fail_open in commands) is (severity is Severity.CRITICAL)


def test_webhook_outside_the_gathered_namespace_is_not_judged() -> None:
    assert analyze_webhooks(snap(config(), GUARD_SVC, endpoints("guard", "guard"), namespace="shop")) == []


def test_rejected_requests_and_crashing_backend_are_linked() -> None:
    dep = deployment("api")
    rs = replicaset(dep)
    rejected = event(
        rs,
        "FailedCreate",
        "Error creating: Internal error occurred: failed calling webhook "
        '"pods.guard.example.com": failed to call webhook: Post "https://guard.guard.svc:443/validate": '
        'no endpoints available for service "guard"',
        count=40,
    )
    crashing = pod("guard-1", "guard", labels={"app": "guard"}, state="crashloop")
    snapshot = snap(
        config(), GUARD_SVC, endpoints("guard", "guard", not_ready=["guard-1"]), crashing, dep, rs, rejected
    )
    findings = linked(snapshot)
    (finding,) = [f for f in findings if f.id == "webhook-no-endpoints"]
    assert (rs["kind"], rs["metadata"]["name"]) in [(r.kind, r.name) for r in finding.affected]
    assert finding.severity is Severity.WARNING  # a symptom of its crashing backend
    assert finding.caused_by == {
        "rule": "pod-crash-loop",
        "object": {"kind": "Pod", "namespace": "guard", "name": "guard-1"},
    }
    (workload,) = [f for f in findings if f.id == "deployment-replica-failure"]
    assert workload.caused_by == {
        "rule": "webhook-no-endpoints",
        "object": {"kind": "ValidatingWebhookConfiguration", "namespace": None, "name": "guard"},
    }
