"""HorizontalPodAutoscalers that cannot scale: no target, no metrics, stuck at their maximum, min > max."""

from __future__ import annotations

import re
from typing import Any

from kubectl_prism.analyzers import Rule, analyzer
from kubectl_prism.analyzers._index import close_name, compact_json, dig, event_index, event_text, gathered
from kubectl_prism.analyzers._util import condition, ref
from kubectl_prism.analyzers.pod_evidence import EventIndex, clip, event_message
from kubectl_prism.findings import Finding, ObjectRef, Remediation, Severity
from kubectl_prism.snapshot import KubeObject, Snapshot, name_of, namespace_of

TARGET_MISSING = Rule("hpa-target-missing", Severity.WARNING,
                      "HorizontalPodAutoscaler scaleTargetRef names a workload that does not exist")
NO_METRICS = Rule("hpa-metrics-unavailable", Severity.WARNING,
                  "HorizontalPodAutoscaler cannot read its metrics (missing requests, no metrics API, bad "
                  "metric)")
AT_MAX = Rule("hpa-at-max-replicas", Severity.WARNING,
              "HorizontalPodAutoscaler wants more replicas than maxReplicas allows (ScalingLimited)")
MIN_OVER_MAX = Rule("hpa-min-exceeds-max", Severity.WARNING,
                    "HorizontalPodAutoscaler minReplicas is greater than maxReplicas")

SCALABLE_KINDS = ("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController")
_METRIC_FAILURES = {"FailedGetResourceMetric", "FailedGetContainerResourceMetric", "FailedGetPodsMetric",
                    "FailedGetObjectMetric", "FailedGetExternalMetric", "InvalidMetricSourceType",
                    "InvalidSelector", "FailedComputeMetricsReplicas"}
_NO_METRICS_API = re.compile(r"metrics\.k8s\.io|unable to fetch metrics from resource metrics API|"
                             r"no metrics returned from resource metrics API", re.IGNORECASE)
_EXAMPLE_REQUEST = {"cpu": "100m", "memory": "128Mi"}


@analyzer("autoscaling", TARGET_MISSING, NO_METRICS, AT_MAX, MIN_OVER_MAX)
def analyze_hpas(snapshot: Snapshot) -> list[Finding]:
    events = event_index(snapshot)
    findings: list[Finding] = []
    for hpa in snapshot.of_kind("HorizontalPodAutoscaler"):
        min_replicas = dig(hpa, "spec", "minReplicas") or 1
        max_replicas = dig(hpa, "spec", "maxReplicas")
        if isinstance(max_replicas, int) and min_replicas > max_replicas:
            findings.append(_min_over_max(hpa, min_replicas, max_replicas))
        target = _target(snapshot, hpa)
        if target is None:
            if missing := _target_missing(snapshot, hpa):
                findings.append(missing)
            continue
        if metrics := _metrics(hpa, target, events):
            findings.append(metrics)
        if at_max := _at_max(hpa):
            findings.append(at_max)
    return findings


def _target(snapshot: Snapshot, hpa: KubeObject) -> KubeObject | None:
    target = dig(hpa, "spec", "scaleTargetRef") or {}
    return snapshot.get(target.get("kind", ""), namespace_of(hpa), target.get("name", ""))


def _hpa_cmd(hpa: KubeObject) -> str:
    return f"kubectl -n {namespace_of(hpa)} patch horizontalpodautoscaler {name_of(hpa)}"


def _target_missing(snapshot: Snapshot, hpa: KubeObject) -> Finding | None:
    ns, name = namespace_of(hpa), name_of(hpa)
    target = dig(hpa, "spec", "scaleTargetRef") or {}
    kind, target_name = target.get("kind", ""), target.get("name", "")
    able = condition(hpa, "AbleToScale") or {}
    says_missing = able.get("status") == "False" and "not found" in (able.get("message") or "")
    if not says_missing and not (kind in SCALABLE_KINDS and gathered(snapshot, kind, ns)):
        return None  # a kind we did not gather (or a custom resource): absence proves nothing
    evidence = [f"scaleTargetRef {kind}/{target_name} not found in {ns}"]
    if able.get("status") == "False":
        evidence.append(f"AbleToScale=False reason={able.get('reason')}: {clip(able.get('message') or '')}")
    existing = sorted(name_of(o) for o in snapshot.of_kind(kind, ns))
    close = close_name(target_name, existing)
    fix = [Remediation(f"List the {kind}s in {ns}", f"kubectl -n {ns} get {kind.lower()}")]
    if close:
        evidence.append(f"{kind.lower()}/{close} exists in {ns}")
        patch = {"spec": {"scaleTargetRef": {"name": close}}}
        fix.insert(0, Remediation(f"Point the autoscaler at {kind.lower()}/{close}",
                                  f"{_hpa_cmd(hpa)} -p '{compact_json(patch)}'"))
    else:
        fix.insert(0, Remediation(f"Fix spec.scaleTargetRef of {name}, or delete the autoscaler if "
                                  f"{kind.lower()}/{target_name} was removed on purpose"))
    return Finding(
        TARGET_MISSING.id, Severity.WARNING,
        f"HorizontalPodAutoscaler {name} targets {kind.lower()}/{target_name}, which does not exist",
        ref(hpa), reason=able.get("reason") or "FailedGetScale",
        message="The autoscaler scales nothing; the workload it was meant for is not autoscaled.",
        evidence=evidence, remediation=fix,
        related=[ObjectRef(kind, close, ns)] if close else [])


def _containers(target: KubeObject) -> list[dict[str, Any]]:
    return dig(target, "spec", "template", "spec", "containers") or []


def _metrics(hpa: KubeObject, target: KubeObject, events: EventIndex) -> Finding | None:
    ns, name = namespace_of(hpa), name_of(hpa)
    active = condition(hpa, "ScalingActive") or {}
    failing = active.get("status") == "False" and active.get("reason") in _METRIC_FAILURES
    missing = _missing_requests(hpa, target)
    if not failing and not missing:
        return None
    evidence = []
    if failing:
        why = clip(active.get("message") or "")
        evidence.append(f"ScalingActive=False reason={active.get('reason')}: {why}")
    evs = [e for e in events.about("HorizontalPodAutoscaler", ns, name)
           if e.get("reason") in _METRIC_FAILURES]
    evidence += [event_text(e) for e in evs[-1:]]
    kind, target_name = target.get("kind", ""), name_of(target)
    fix: list[Remediation] = []
    for resource, container in missing:
        evidence.append(f"container {container} of {kind.lower()}/{target_name} has no {resource} request: "
                        f"{resource} Utilization targets need one")
        fix.append(Remediation(
            f"Give container {container} a {resource} request (e.g. {_EXAMPLE_REQUEST[resource]}; use its "
            "real usage)", f"kubectl -n {ns} set resources {kind.lower()} {target_name} -c {container} "
            f"--requests={resource}={_EXAMPLE_REQUEST[resource]}"))
    text = " ".join([clip(active.get("message") or "")] + [event_message(e) for e in evs])
    if not missing and _NO_METRICS_API.search(text):
        reason = "the resource metrics API (metrics-server) is not available"
        fix.append(Remediation("Install or repair metrics-server: it must run and the APIService "
                               "v1beta1.metrics.k8s.io must be Available (kubectl get apiservice "
                               "v1beta1.metrics.k8s.io)",
                               "kubectl -n kube-system get deployments -l k8s-app=metrics-server"))
    elif missing:
        reason = ", ".join(f"container {c} has no {r} request" for r, c in missing[:2])
    else:
        reason = "its metrics cannot be read"
        fix.append(Remediation("Check the metric names and the adapter that serves them",
                               f"kubectl -n {ns} describe horizontalpodautoscaler {name}"))
    return Finding(
        NO_METRICS.id, Severity.WARNING, f"HorizontalPodAutoscaler {name} cannot scale: {reason}", ref(hpa),
        reason=active.get("reason") or "FailedGetResourceMetric",
        message="Without metrics the autoscaler keeps the current replica count, whatever the load.",
        evidence=evidence, remediation=fix, related=[ref(target)])


def _missing_requests(hpa: KubeObject, target: KubeObject) -> list[tuple[str, str]]:
    """(resource, container) pairs lacking a request that a Utilization metric needs."""
    needed = [dig(m, "resource", "name") for m in dig(hpa, "spec", "metrics") or []
              if m.get("type") == "Resource" and dig(m, "resource", "target", "type") == "Utilization"]
    if dig(hpa, "spec", "targetCPUUtilizationPercentage"):  # autoscaling/v1
        needed.append("cpu")
    out = []
    for resource in dict.fromkeys(r for r in needed if r in _EXAMPLE_REQUEST):
        for container in _containers(target):
            if resource not in (dig(container, "resources", "requests") or {}):
                out.append((resource, container.get("name", "")))
    return out


def _at_max(hpa: KubeObject) -> Finding | None:
    limited = condition(hpa, "ScalingLimited") or {}
    max_replicas = dig(hpa, "spec", "maxReplicas")
    current = dig(hpa, "status", "currentReplicas")
    desired = dig(hpa, "status", "desiredReplicas")
    if limited.get("status") != "True" or limited.get("reason") != "TooManyReplicas":
        return None
    if not isinstance(max_replicas, int):
        return None
    evidence = [f"currentReplicas {current}, desiredReplicas {desired}, maxReplicas {max_replicas}",
                f"ScalingLimited=True reason=TooManyReplicas: {clip(limited.get('message') or '')}"]
    evidence += _metric_lines(hpa)
    raised = max_replicas * 2
    return Finding(
        AT_MAX.id, Severity.WARNING, f"HorizontalPodAutoscaler {name_of(hpa)} is capped at maxReplicas "
        f"{max_replicas} while load asks for more", ref(hpa), reason="TooManyReplicas",
        message="Load is above target at the maximum replica count: latency and errors grow with the load.",
        evidence=evidence,
        remediation=[
            Remediation(f"Raise maxReplicas (e.g. to {raised}) if the cluster has room",
                        f"{_hpa_cmd(hpa)} -p '{compact_json({'spec': {'maxReplicas': raised}})}'"),
            Remediation("Or make each replica handle more load (requests, performance) so fewer are needed"),
        ],
        related=[ObjectRef((dig(hpa, "spec", "scaleTargetRef") or {}).get("kind", ""),
                           (dig(hpa, "spec", "scaleTargetRef") or {}).get("name", ""), namespace_of(hpa))])


def _metric_lines(hpa: KubeObject) -> list[str]:
    targets = {}
    for metric in dig(hpa, "spec", "metrics") or []:
        if metric.get("type") == "Resource":
            targets[dig(metric, "resource", "name")] = dig(metric, "resource", "target", "averageUtilization")
    lines = []
    for metric in dig(hpa, "status", "currentMetrics") or []:
        resource = dig(metric, "resource", "name")
        current = dig(metric, "resource", "current", "averageUtilization")
        if resource and current is not None:
            goal = targets.get(resource)
            target = f" (target {goal}%)" if goal is not None else ""
            lines.append(f"{resource} utilization {current}%{target}")
    return lines


def _min_over_max(hpa: KubeObject, min_replicas: int, max_replicas: int) -> Finding:
    return Finding(
        MIN_OVER_MAX.id, Severity.WARNING,
        f"HorizontalPodAutoscaler {name_of(hpa)} has minReplicas {min_replicas} > maxReplicas {max_replicas}",
        ref(hpa), reason="InvalidReplicaRange",
        message="The replica range is empty; the autoscaler cannot pick a valid count.",
        evidence=[f"spec.minReplicas {min_replicas}, spec.maxReplicas {max_replicas}"],
        remediation=[Remediation(
            f"Set maxReplicas to at least {min_replicas}",
            f"{_hpa_cmd(hpa)} -p '{compact_json({'spec': {'maxReplicas': min_replicas}})}'")])
