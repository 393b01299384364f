"""The linking pass (kubectl_prism/analyzers/causes.py): one pass after every rule ran sets caused_by."""

from __future__ import annotations

from kubectl_prism.analyzers.causes import (
    Link,
    Want,
    explaining,
    finding_on,
    link,
    pod_finding,
    pod_root,
)
from kubectl_prism.findings import Finding, ObjectRef, Severity

POD_A, POD_B = ObjectRef("Pod", "a-1", "shop"), ObjectRef("Pod", "b-1", "shop")


def finding(rule: str, obj: ObjectRef, severity: Severity = Severity.CRITICAL, **extra: object) -> Finding:
    return Finding(rule, severity, f"{rule} on {obj.name}", obj, **extra)  # type: ignore[arg-type]


def warn(f: Finding, _: Finding | None) -> None:
    f.severity = Severity.WARNING


def test_a_cause_that_was_not_reported_links_nothing_and_the_links_are_dropped() -> None:
    symptom = finding("service-no-ready-endpoints", ObjectRef("Service", "api", "shop"),
                      links=[Link(pod_finding([POD_A]), then=warn)])
    link([symptom])
    assert symptom.caused_by is None and symptom.severity is Severity.CRITICAL
    assert symptom.links == []


def test_the_most_decisive_pod_finding_wins_whatever_order_it_was_reported_in() -> None:
    probe = finding("pod-probe-failing", POD_A, affected=[POD_A])
    crash = finding("pod-crash-loop", POD_B, affected=[POD_B])
    symptom = finding("x", ObjectRef("Service", "api", "shop"), links=[Link(pod_finding([POD_A, POD_B]))])
    link([probe, symptom, crash])
    assert symptom.caused_by == {"rule": "pod-crash-loop", "object": POD_B.to_dict()}


def test_pod_roots_prefer_a_missing_configmap_over_the_node_and_filter_by_rule() -> None:
    node = finding("node-not-ready", ObjectRef("Node", "n1"), affected=[POD_A])
    cm = finding("configmap-ref-missing", ObjectRef("ConfigMap", "cfg", "shop"), affected=[POD_A])
    any_root = finding("w", ObjectRef("Deployment", "a", "shop"), links=[Link(pod_root([POD_A]))])
    node_only = finding("e", POD_A, links=[Link(pod_root([POD_A], ("node-not-ready",)))])
    link([node, cm, any_root, node_only])
    assert any_root.caused_by == {"rule": "configmap-ref-missing", "object": cm.object.to_dict()}
    assert node_only.caused_by == {"rule": "node-not-ready", "object": node.object.to_dict()}


def test_through_points_at_the_cause_of_the_cause_resolved_first() -> None:
    quota = finding("resourcequota-exhausted", ObjectRef("ResourceQuota", "compute", "shop"))
    workload = finding("deployment-replica-failure", ObjectRef("Deployment", "api", "shop"),
                       links=[Link(finding_on(("resourcequota-exhausted",), quota.object), then=warn)])
    want = finding_on(("deployment-replica-failure",), workload.object, through=True)
    service = finding("service-no-matching-pods", ObjectRef("Service", "api", "shop"), links=[Link(want)])
    link([service, workload, quota])  # the service comes first: its cause's cause is resolved on demand
    assert workload.caused_by == {"rule": "resourcequota-exhausted", "object": quota.object.to_dict()}
    assert workload.severity is Severity.WARNING
    assert service.caused_by == workload.caused_by


def test_info_findings_explain_nothing_when_asked_so() -> None:
    scaled = finding("deployment-unavailable", ObjectRef("Deployment", "api", "shop"), Severity.INFO)
    want = finding_on(("deployment-unavailable",), scaled.object, not_info=True)
    symptom = finding("s", ObjectRef("Service", "api", "shop"), links=[Link(want)])
    link([scaled, symptom])
    assert symptom.caused_by is None


def test_links_are_alternatives_with_a_fallback() -> None:
    webhook = finding("webhook-no-endpoints", ObjectRef("ValidatingWebhookConfiguration", "guard"),
                      explains=("webhook:pods.guard.example.com",))

    def fallback(f: Finding, cause: Finding | None) -> None:
        assert cause is None
        f.title += " (nothing explains it)"

    hooks = ("webhook-no-endpoints",)
    found = finding("a", ObjectRef("Deployment", "a", "shop"),
                    links=[Link(explaining("webhook:other", hooks)),
                           Link(explaining("webhook:pods.guard.example.com", hooks)), Link(None, fallback)])
    lonely = finding("b", ObjectRef("Deployment", "b", "shop"),
                     links=[Link(explaining("webhook:other", hooks)), Link(None, fallback)])
    link([webhook, found, lonely])
    assert found.caused_by == {"rule": "webhook-no-endpoints", "object": webhook.object.to_dict()}
    assert lonely.caused_by is None and lonely.title.endswith("(nothing explains it)")


def test_two_findings_linked_to_each_other_both_stay_root_causes() -> None:
    def symptom(f: Finding, _: Finding | None) -> None:
        f.severity, f.message = Severity.WARNING, "a symptom; fix that first."

    a = finding("pod-crash-loop", POD_A, affected=[POD_A], message="exit 1")
    b = finding("pod-crash-loop", POD_B, affected=[POD_B], message="exit 1")
    a.links = [Link(pod_finding([POD_B]), then=symptom, mutual=True)]
    b.links = [Link(pod_finding([POD_A]), then=symptom, mutual=True)]
    third = finding("service-no-ready-endpoints", ObjectRef("Service", "a", "shop"),
                    links=[Link(pod_finding([POD_A]), then=warn)])
    link([a, b, third])
    assert [(f.severity, f.message, f.caused_by) for f in (a, b)] == [(Severity.CRITICAL, "exit 1", None)] * 2
    assert third.caused_by == {"rule": "pod-crash-loop", "object": POD_A.to_dict()}


def test_a_finding_is_never_its_own_cause() -> None:
    crash = finding("pod-crash-loop", POD_A, affected=[POD_A])
    crash.links = [Link(Want((("pod-crash-loop",),), pods=frozenset([POD_A])))]
    link([crash])
    assert crash.caused_by is None


def test_pod_findings_rank_as_the_pods_analyzer_lists_its_rules() -> None:
    from kubectl_prism.analyzers.pod_status import POD_RULE_ORDER
    from kubectl_prism.analyzers.pods import RULES

    assert tuple(rule.id for rule in RULES) == POD_RULE_ORDER
