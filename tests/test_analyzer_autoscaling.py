"""Table-driven tests of the HorizontalPodAutoscaler analyzer (kubectl_prism/analyzers/autoscaling.py)."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_prism.analyzers.autoscaling import analyze_hpas
from kubectl_prism.findings import Severity
from tests.cluster_builders import container, deployment, event, obj, snap

CPU70 = [
    {
        "type": "Resource",
        "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}},
    }
]
WITH_REQUESTS = deployment("web", containers=[container("web", requests={"cpu": "100m"})])
NO_REQUESTS = deployment("web", containers=[container("web")])


def hpa(
    target: str = "web",
    kind: str = "Deployment",
    minr: int = 2,
    maxr: int = 10,
    conditions: list[tuple[str, str, str, str]] = (),
    metrics: list[dict[str, Any]] | None = None,
    **status: Any,
) -> dict[str, Any]:
    return obj(
        "HorizontalPodAutoscaler",
        "autoscaling/v2",
        "web",
        "shop",
        spec={
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": kind, "name": target},
            "minReplicas": minr,
            "maxReplicas": maxr,
            "metrics": CPU70 if metrics is None else metrics,
        },
        status={
            "conditions": [{"type": t, "status": s, "reason": r, "message": m} for t, s, r, m in conditions],
            **status,
        },
    )


HEALTHY = [
    ("AbleToScale", "True", "SucceededGetScale", "ok"),
    ("ScalingActive", "True", "ValidMetricFound", "ok"),
    ("ScalingLimited", "False", "DesiredWithinRange", "ok"),
]
AT_MIN = [
    *HEALTHY[:2],
    (
        "ScalingLimited",
        "True",
        "TooFewReplicas",
        "the desired replica count is less than the minimum replica count",
    ),
]
METRICS_API = (
    "ScalingActive",
    "False",
    "FailedGetResourceMetric",
    "the HPA was unable to compute the replica count: "
    "failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from "
    "resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)",
)
AT_MAX = [
    *HEALTHY[:2],
    (
        "ScalingLimited",
        "True",
        "TooManyReplicas",
        "the desired replica count is more than the maximum replica count",
    ),
]
CASES: list[tuple[str, list[dict[str, Any]], str | None, str, str | None]] = [
    ("healthy", [hpa(conditions=HEALTHY), WITH_REQUESTS], None, "", None),
    ("at its minimum", [hpa(conditions=AT_MIN), WITH_REQUESTS], None, "", None),
    (
        "target renamed",
        [hpa(target="web-frontend"), WITH_REQUESTS],
        "hpa-target-missing",
        "deployment/web exists in shop",
        'kubectl -n shop patch horizontalpodautoscaler web -p \'{"spec":{"scaleTargetRef":{"name":"web"}}}\'',
    ),
    (
        "custom resource target is not judged",
        [hpa(target="web", kind="Rollout"), WITH_REQUESTS],
        None,
        "",
        None,
    ),
    (
        "no cpu request",
        [hpa(conditions=HEALTHY[:1]), NO_REQUESTS],
        "hpa-metrics-unavailable",
        "container web of deployment/web has no cpu request",
        "kubectl -n shop set resources deployment web -c web --requests=cpu=100m",
    ),
    (
        "no metrics API",
        [hpa(conditions=[HEALTHY[0], METRICS_API]), WITH_REQUESTS],
        "hpa-metrics-unavailable",
        "pods.metrics.k8s.io",
        "kubectl -n kube-system get deployments -l k8s-app=metrics-server",
    ),
    (
        "at max",
        [
            hpa(
                maxr=4,
                conditions=AT_MAX,
                currentReplicas=4,
                desiredReplicas=4,
                currentMetrics=[
                    {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 188}}}
                ],
            ),
            WITH_REQUESTS,
        ],
        "hpa-at-max-replicas",
        "cpu utilization 188% (target 70%)",
        'kubectl -n shop patch horizontalpodautoscaler web -p \'{"spec":{"maxReplicas":8}}\'',
    ),
    (
        "min over max",
        [hpa(minr=5, maxr=3, conditions=HEALTHY), WITH_REQUESTS],
        "hpa-min-exceeds-max",
        "spec.minReplicas 5, spec.maxReplicas 3",
        None,
    ),
]


@pytest.mark.parametrize(
    ("objects", "rule", "evidence", "command"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_hpa(objects: list[dict[str, Any]], rule: str | None, evidence: str, command: str | None) -> None:
    findings = analyze_hpas(snap(*objects))
    if rule is None:
        assert findings == []
        return
    (finding,) = findings
    assert finding.id == rule and finding.severity is Severity.WARNING
    assert any(evidence in line for line in finding.evidence), finding.evidence
    if command:
        assert command in [r.command for r in finding.remediation]


def test_metric_failure_events_are_evidence() -> None:
    the_hpa = hpa(conditions=[HEALTHY[0], METRICS_API])
    ev = event(
        the_hpa, "FailedGetResourceMetric", "failed to get cpu utilization: unable to get metrics", count=88
    )
    (finding,) = analyze_hpas(snap(the_hpa, ev, WITH_REQUESTS))
    assert (
        "event FailedGetResourceMetric x88: failed to get cpu utilization: unable to get metrics"
        in finding.evidence
    )
    assert [r.name for r in finding.related] == ["web"]
