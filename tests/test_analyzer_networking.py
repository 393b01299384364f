"""Table-driven tests of the Service, Ingress and NetworkPolicy analyzers (analyzers/networking.py)."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_prism.analyzers.ingresses import analyze_ingresses
from kubectl_prism.analyzers.networking import analyze_network_policies, analyze_services
from kubectl_prism.findings import Finding, Severity
from kubectl_prism.snapshot import Gap
from tests.cluster_builders import (
    container,
    deployment,
    endpoints,
    event,
    linked,
    obj,
    pod,
    secret,
    service,
    snap,
)

API_PODS = [pod("api-1", labels={"app": "api"}), pod("api-2", labels={"app": "api"})]


def only(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.id == rule]


def commands(finding: Finding) -> list[str]:
    return [r.command for r in finding.remediation if r.command]


# --- Service selects no pods ----------------------------------------------------------------------------

SELECTOR_CASES: list[tuple[str, list[dict[str, Any]], Severity | None, str, str | None]] = [
    (
        "typo in the value",
        [service("api", selector={"app": "api-server"}), *API_PODS],
        Severity.CRITICAL,
        "pods have app=api",
        '\'{"spec":{"selector":{"app":"api"}}}\'',
    ),
    (
        "typo in the key",
        [service("api", selector={"app.kubernetes.io/name": "api"}), *API_PODS],
        Severity.CRITICAL,
        "pods have app=api",
        '\'{"spec":{"selector":{"app.kubernetes.io/name":null,"app":"api"}}}\'',
    ),
    (
        "nothing similar",
        [service("api", selector={"tier": "backend"}), pod("db-0", labels={"role": "db"})],
        Severity.WARNING,
        "matches 0 of 1 pods in shop",
        None,
    ),
    (
        "workload scaled to zero",
        [service("batch", selector={"app": "batch"}), deployment("batch", replicas=0)],
        Severity.INFO,
        "scaled to 0",
        None,
    ),
    ("selector matches", [service("api", selector={"app": "api"}), *API_PODS], None, "", None),
    ("no selector: manual endpoints", [service("legacy", selector=None)], None, "", None),
    ("ExternalName", [service("ext", selector={"app": "x"}, type_="ExternalName")], None, "", None),
]


@pytest.mark.parametrize(
    ("objects", "severity", "evidence", "patch"),
    [c[1:] for c in SELECTOR_CASES],
    ids=[c[0] for c in SELECTOR_CASES],
)
def test_service_selecting_no_pods(
    objects: list[dict[str, Any]], severity: Severity | None, evidence: str, patch: str | None
) -> None:
    found = only(analyze_services(snap(*objects)), "service-no-matching-pods")
    if severity is None:
        assert found == []
        return
    (finding,) = found
    assert finding.severity is severity
    assert any(evidence in line for line in finding.evidence), finding.evidence
    if patch:
        assert any(c.endswith(patch) and "patch service" in c for c in commands(finding)), commands(finding)


# --- no ready endpoints ---------------------------------------------------------------------------------


def test_no_ready_endpoints_points_at_the_crashing_pods_and_is_only_a_warning() -> None:
    pods = [pod("api-2", state="crashloop"), pod("api-1", state="crashloop")]
    findings = linked(
        snap(service("api", selector={"app": "api"}), *pods, endpoints("api", not_ready=["api-1", "api-2"]))
    )
    (finding,) = only(findings, "service-no-ready-endpoints")
    assert finding.severity is Severity.WARNING
    assert finding.caused_by == {
        "rule": "pod-crash-loop",
        "object": {"kind": "Pod", "namespace": "shop", "name": "api-1"},
    }
    assert "endpoints api: 0 ready addresses, 2 not ready" in finding.evidence
    assert {r.name for r in finding.affected} == {"api-1", "api-2"}


@pytest.mark.parametrize(
    ("objects", "expected"),
    [
        (
            [service("api", selector={"app": "api"}), pod("api-1", state="notready", age=30)],
            Severity.CRITICAL,
        ),
        ([service("api", selector={"app": "api"}), pod("api-1", state="notready", age=1)], None),
        (
            [
                service("api", selector={"app": "api"}, publishNotReadyAddresses=True),
                pod("api-1", state="notready"),
            ],
            None,
        ),
        (
            [
                service("api", selector={"app": "api"}),
                pod("api-1", state="running"),
                pod("api-2", state="crashloop"),
            ],
            None,
        ),
        (
            [
                service("api", selector={"app": "api"}),
                pod("api-1", state="notready"),
                endpoints("api", ready=["x"]),
            ],
            None,
        ),
    ],
    ids=[
        "not ready, no known cause",
        "just started",
        "publishNotReadyAddresses",
        "one ready pod",
        "endpoints have addresses",
    ],
)
def test_no_ready_endpoints_cases(objects: list[dict[str, Any]], expected: Severity | None) -> None:
    found = only(analyze_services(snap(*objects)), "service-no-ready-endpoints")
    assert [f.severity for f in found] == ([expected] if expected else [])


# --- targetPort -----------------------------------------------------------------------------------------


def _port_pods(*ports: tuple[int, str]) -> list[dict[str, Any]]:
    spec = {"containers": [container("api", ports=ports)]}
    return [pod("api-1", spec=spec), pod("api-2", spec=spec)]


@pytest.mark.parametrize(
    ("target", "ports", "severity", "evidence"),
    [
        ("http", ((8080, "web"),), Severity.CRITICAL, "declares a port named http"),
        (8080, ((3000, "http"),), Severity.WARNING, "targetPort 8080 matches no containerPort"),
        ("http", ((8080, "http"),), None, ""),
        (8080, ((8080, ""),), None, ""),
        (8080, (), None, ""),  # containerPort declarations are optional: nothing to compare with
    ],
    ids=[
        "named port missing",
        "number not declared",
        "named port found",
        "number found",
        "no ports declared",
    ],
)
def test_target_port(
    target: Any, ports: tuple[tuple[int, str], ...], severity: Severity | None, evidence: str
) -> None:
    svc = service("api", selector={"app": "api"}, ports=[{"name": "http", "port": 80, "targetPort": target}])
    found = only(analyze_services(snap(svc, *_port_pods(*ports))), "service-target-port-mismatch")
    if severity is None:
        assert found == []
        return
    (finding,) = found
    assert finding.severity is severity
    assert any(evidence in line for line in finding.evidence)
    assert any('"targetPort":' in c for c in commands(finding))
    # The named-port mismatch explains the missing endpoints: no second finding for it.
    assert not only(analyze_services(snap(svc, *_port_pods(*ports))), "service-no-ready-endpoints")


# --- LoadBalancer ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "status", "expected"),
    [
        (90, {"loadBalancer": {}}, True),
        (2, {"loadBalancer": {}}, False),
        (90, {"loadBalancer": {"ingress": [{"ip": "203.0.113.7"}]}}, False),
    ],
    ids=["pending 90m", "just created", "has an address"],
)
def test_loadbalancer_pending(age: float, status: dict[str, Any], expected: bool) -> None:
    svc = service("edge", type_="LoadBalancer", age=age, selector={"app": "api"})
    svc["status"] = status
    ev = event(
        svc,
        "SyncLoadBalancerFailed",
        "Error syncing load balancer: failed to ensure load balancer: quota exceeded for EXTERNAL_IPS",
    )
    found = only(analyze_services(snap(svc, ev, *API_PODS)), "service-loadbalancer-pending")
    assert bool(found) is expected
    if expected:
        assert found[0].reason == "SyncLoadBalancerFailed"
        assert any("quota exceeded for EXTERNAL_IPS" in line for line in found[0].evidence)


# --- Ingress --------------------------------------------------------------------------------------------


def ingress(
    backend: dict[str, Any],
    tls: list[dict[str, Any]] | None = None,
    cls: str | None = "nginx",
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "rules": [
            {
                "host": "shop.example.com",
                "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": backend}}]},
            }
        ]
    }
    if cls:
        spec["ingressClassName"] = cls
    if tls:
        spec["tls"] = tls
    return obj(
        "Ingress",
        "networking.k8s.io/v1",
        "shop",
        "shop",
        spec=spec,
        metadata={"annotations": annotations} if annotations else {},
    )


NGINX = obj(
    "IngressClass",
    "networking.k8s.io/v1",
    "nginx",
    spec={"controller": "k8s.io/ingress-nginx"},
    metadata={"annotations": {"ingressclass.kubernetes.io/is-default-class": "true"}},
)
WEB = service("web", selector={"app": "web"}, ports=[{"name": "http", "port": 8080, "targetPort": 8080}])


@pytest.mark.parametrize(
    ("objects", "rule", "evidence"),
    [
        (
            [ingress({"name": "web-svc", "port": {"number": 8080}}), WEB],
            "ingress-service-missing",
            "did you mean web?",
        ),
        (
            [ingress({"name": "web", "port": {"number": 80}}), WEB],
            "ingress-service-port-missing",
            "exposes 8080 (http)",
        ),
        (
            [ingress({"name": "web", "port": {"name": "https"}}), WEB],
            "ingress-service-port-missing",
            "exposes 8080 (http)",
        ),
        (
            [
                ingress(
                    {"name": "web", "port": {"name": "http"}},
                    tls=[{"hosts": ["shop.example.com"], "secretName": "shop-tls"}],
                ),
                WEB,
                secret("other"),
            ],
            "ingress-tls-secret-missing",
            "secretName shop-tls",
        ),
        (
            [ingress({"name": "web", "port": {"number": 8080}}, cls="internal"), WEB, NGINX],
            "ingress-class-missing",
            "IngressClasses: nginx",
        ),
    ],
    ids=["missing service", "port number", "port name", "tls secret", "unknown class"],
)
def test_ingress_problems(objects: list[dict[str, Any]], rule: str, evidence: str) -> None:
    findings = analyze_ingresses(snap(*objects))
    assert [f.id for f in findings] == [rule]
    assert any(evidence in line for line in findings[0].evidence), findings[0].evidence
    assert all(c.startswith("kubectl ") for c in commands(findings[0]))


def test_ingress_fix_patches_the_exact_backend() -> None:
    (finding,) = analyze_ingresses(snap(ingress({"name": "web-svc", "port": {"number": 8080}}), WEB))
    assert (
        'kubectl -n shop patch ingress shop --type=json -p \'[{"op":"replace","path":'
        '"/spec/rules/0/http/paths/0/backend/service/name","value":"web"}]\''
    ) in commands(finding)


@pytest.mark.parametrize(
    "objects",
    [
        [ingress({"name": "web", "port": {"name": "http"}}), WEB, NGINX],
        [
            ingress({"name": "web", "port": {"number": 8080}}, tls=[{"secretName": "shop-tls"}]),
            WEB,
        ],  # no Secrets read
        [
            ingress({"name": "web", "port": {"number": 8080}}, cls=None),
            WEB,
            NGINX,
        ],  # the default class applies
        [
            ingress(
                {"name": "web", "port": {"number": 8080}},
                cls=None,
                annotations={"kubernetes.io/ingress.class": "nginx"},
            ),
            WEB,
            obj("IngressClass", "networking.k8s.io/v1", "other", spec={}),
        ],  # legacy annotation
        [ingress({"name": "web", "port": {"number": 8080}}, cls="internal"), WEB],  # IngressClasses not read
    ],
    ids=["healthy", "secrets not gathered", "default class", "legacy annotation", "classes not gathered"],
)
def test_ingress_without_problems(objects: list[dict[str, Any]]) -> None:
    assert analyze_ingresses(snap(*objects)) == []


def test_missing_service_is_not_claimed_when_services_are_forbidden() -> None:
    snapshot = snap(ingress({"name": "web-svc", "port": {"number": 80}}), WEB)
    snapshot.gaps.append(Gap("services", "shop", "forbidden"))
    assert analyze_ingresses(snapshot) == []


def test_ingress_without_class_and_without_default() -> None:
    plain = obj("IngressClass", "networking.k8s.io/v1", "nginx", spec={})
    (finding,) = analyze_ingresses(
        snap(ingress({"name": "web", "port": {"number": 8080}}, cls=None), WEB, plain)
    )
    assert finding.id == "ingress-class-missing"
    assert 'kubectl -n shop patch ingress shop -p \'{"spec":{"ingressClassName":"nginx"}}\'' in commands(
        finding
    )


# --- NetworkPolicy --------------------------------------------------------------------------------------


def netpol(selector: dict[str, Any]) -> dict[str, Any]:
    return obj(
        "NetworkPolicy",
        "networking.k8s.io/v1",
        "db",
        "shop",
        spec={"podSelector": selector, "policyTypes": ["Ingress"]},
    )


@pytest.mark.parametrize(
    ("selector", "severity"),
    [
        ({"matchLabels": {"app": "apii"}}, Severity.WARNING),
        ({"matchLabels": {"tier": "db"}}, Severity.INFO),
        ({"matchExpressions": [{"key": "app", "operator": "In", "values": ["db"]}]}, Severity.INFO),
        ({"matchLabels": {"app": "api"}}, None),
        ({"matchExpressions": [{"key": "app", "operator": "Exists"}]}, None),
        ({}, None),
    ],
    ids=["typo", "nothing similar", "expression", "matches", "exists", "empty selects all"],
)
def test_network_policy_selecting_nothing(selector: dict[str, Any], severity: Severity | None) -> None:
    found = analyze_network_policies(snap(netpol(selector), *API_PODS))
    assert [f.severity for f in found] == ([severity] if severity else [])
