"""Admission webhooks whose backend is gone or not ready: with failurePolicy Fail they block API writes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from kubectl_prism.analyzers import Rule, analyzer
from kubectl_prism.analyzers._index import (
    Clock,
    PodIndex,
    clock_of,
    compact_json,
    dig,
    event_text,
    gathered,
    is_live,
    pod_index,
)
from kubectl_prism.analyzers._util import pod_is_ready, ref
from kubectl_prism.analyzers.causes import Link, pod_finding
from kubectl_prism.analyzers.pod_evidence import event_message
from kubectl_prism.analyzers.pod_status import pod_problem
from kubectl_prism.findings import Finding, ObjectRef, Remediation, Severity
from kubectl_prism.snapshot import KubeObject, Snapshot, name_of

SERVICE_MISSING = Rule("webhook-service-missing", Severity.CRITICAL,
                       "Admission webhook calls a Service that does not exist (warning with failurePolicy "
                       "Ignore)")
NO_ENDPOINTS = Rule("webhook-no-endpoints", Severity.CRITICAL,
                    "Admission webhook's Service has no ready endpoints (warning with failurePolicy Ignore, "
                    "or when a pod finding is the root cause)")

WEBHOOK_KINDS = ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration")
_FAILED_CALL = re.compile(r'failed calling webhook "([^"]+)"')


@dataclass
class _Broken:
    index: int
    webhook: dict[str, Any]
    service: ObjectRef
    why: str
    fail: bool  # failurePolicy Fail: API requests it matches are rejected
    missing: bool  # the Service (or its namespace) does not exist
    pods: list[KubeObject] = field(default_factory=list)


@analyzer("webhooks", SERVICE_MISSING, NO_ENDPOINTS)
def analyze_webhooks(snapshot: Snapshot) -> list[Finding]:
    """One finding per configuration and kind of breakage; Finding.explains names the webhooks it covers."""
    pods = pod_index(snapshot)
    clock = clock_of(snapshot)
    rejections = _rejections(snapshot)
    out: list[Finding] = []
    for kind in WEBHOOK_KINDS:
        for config in snapshot.of_kind(kind):
            missing: list[_Broken] = []
            unready: list[_Broken] = []
            for i, webhook in enumerate(config.get("webhooks") or []):
                svc_ref = dig(webhook, "clientConfig", "service")
                if not svc_ref:
                    continue  # a URL webhook: nothing in the cluster to check
                if broken := _check(snapshot, pods, i, webhook, svc_ref):
                    (missing if broken.missing else unready).append(broken)
            for rule, broken_hooks in ((SERVICE_MISSING, missing), (NO_ENDPOINTS, unready)):
                if broken_hooks:
                    out.append(_finding(snapshot, rule, config, broken_hooks, rejections, clock))
    return out


def _check(
    snapshot: Snapshot, pods: PodIndex, i: int, webhook: dict[str, Any], svc_ref: dict[str, Any]
) -> _Broken | None:
    ns, name = svc_ref.get("namespace"), svc_ref.get("name", "")
    service = ObjectRef("Service", name, ns)
    fail = (webhook.get("failurePolicy") or "Fail") == "Fail"
    svc = snapshot.get("Service", ns, name)
    if svc is None:
        if gathered(snapshot, "Namespace") and snapshot.get("Namespace", None, ns or "") is None:
            return _Broken(i, webhook, service, f"namespace {ns} not found", fail, True)
        if gathered(snapshot, "Service", ns):
            return _Broken(i, webhook, service, f"service {ns}/{name} not found", fail, True)
        return None
    if snapshot.namespace not in (None, ns):
        return None  # the backend's namespace is outside what was gathered
    endpoints = snapshot.get("Endpoints", ns, name)
    subsets = (endpoints or {}).get("subsets") or []
    if any(s.get("addresses") for s in subsets):
        return None
    selector = dig(svc, "spec", "selector")
    backing = [p for p in pods.matching(ns, selector) if is_live(p)] if selector else []
    if endpoints is None and (not selector or any(pod_is_ready(p) for p in backing)):
        return None  # no Endpoints gathered and nothing says the pods are down
    if backing:
        why = f"service {ns}/{name} has no ready endpoints: {len(backing)} pod(s), 0 ready"
    else:
        why = f"service {ns}/{name} has no ready endpoints: its selector matches no running pod"
    return _Broken(i, webhook, service, why, fail, False, sorted(backing, key=name_of))


def _rejections(snapshot: Snapshot) -> dict[str, list[KubeObject]]:
    """Events of API requests a webhook broke ("failed calling webhook ..."), by webhook name."""
    out: dict[str, list[KubeObject]] = {}
    for ev in snapshot.of_kind("Event"):
        if m := _FAILED_CALL.search(event_message(ev)):
            out.setdefault(m.group(1), []).append(ev)
    return out


def _finding(
    snapshot: Snapshot, rule: Rule, config: KubeObject, broken: list[_Broken],
    rejections: dict[str, list[KubeObject]], clock: Clock,
) -> Finding:
    kind, name = config.get("kind", ""), name_of(config)
    resource = kind.lower()
    fail = any(b.fail for b in broken)
    evidence: list[str] = []
    affected: list[ObjectRef] = []
    links: list[Link] = []
    for b in broken:
        port = dig(b.webhook, "clientConfig", "service", "port") or 443
        evidence.append(f"webhook {b.webhook.get('name')} (failurePolicy {'Fail' if b.fail else 'Ignore'}) → "
                        f"{b.service.namespace}/{b.service.name}:{port}: {b.why}")
        evidence.append(f"intercepts {_scope(b.webhook)}")
        for ev in rejections.get(b.webhook.get("name", ""), [])[-2:]:
            involved = ev.get("involvedObject") or ev.get("regarding") or {}
            who = f"{involved.get('kind', '').lower()}/{involved.get('name')}"
            evidence.append(f"{who}: {event_text(ev, 240)}")
            obj = ObjectRef(involved.get("kind", ""), involved.get("name", ""), involved.get("namespace"))
            if obj not in affected:
                affected.append(obj)
        failing = False
        for pod in b.pods[:2]:
            problem = pod_problem(pod, clock.now)
            if problem:
                detail = f": {problem.detail}" if problem.detail else ""
                evidence.append(f"pod {name_of(pod)}: {problem.reason}{detail}")
                failing = True
        if failing:
            links.append(Link(pod_finding(ref(p) for p in b.pods), then=_symptom))
    first = broken[0]
    svc_ns, svc_name = first.service.namespace, first.service.name
    backend = f"{svc_ns}/{svc_name}"
    if rule is SERVICE_MISSING:
        title = f"{kind} {name} calls missing Service {backend}"
    else:
        title = f"{kind} {name}: webhook Service {backend} has no ready endpoints"
    title += ": matching API requests are rejected" if fail else " (failurePolicy Ignore: requests skip it)"
    fix: list[Remediation] = []
    if rule is SERVICE_MISSING:
        fix.append(Remediation("If the webhook's backend was uninstalled, delete the leftover configuration",
                               f"kubectl delete {resource} {name}"))
        if first.why.startswith("namespace"):
            fix.append(Remediation(f"Otherwise reinstall the webhook's backend (namespace {svc_ns} and "
                                   f"Service {svc_name})"))
        else:
            fix.append(Remediation(f"Otherwise reinstall the backend in {svc_ns}",
                                   f"kubectl -n {svc_ns} get services"))
    else:
        fix.append(Remediation("Bring the webhook's pods back (they must be Ready)",
                               f"kubectl -n {svc_ns} describe service {svc_name}"))
        if first.pods:
            fix.append(Remediation("See why the webhook pods are not ready",
                                   f"kubectl -n {svc_ns} describe pod {name_of(first.pods[0])}"))
    if fail:
        ops = [{"op": "replace", "path": f"/webhooks/{b.index}/failurePolicy", "value": "Ignore"}
               for b in broken if b.fail]
        fix.append(Remediation("To unblock API writes meanwhile, let requests through while the webhook is "
                               "down (revert afterwards)",
                               f"kubectl patch {resource} {name} --type=json -p '{compact_json(ops)}'"))
    return Finding(
        rule.id, Severity.CRITICAL if fail else Severity.WARNING, title, ref(config),
        reason="ServiceNotFound" if rule is SERVICE_MISSING else "NoEndpoints",
        message="The API server cannot reach this admission webhook; with failurePolicy Fail every request "
        "it intercepts is rejected." if fail else "The API server skips this webhook while it is down.",
        evidence=evidence, remediation=fix, affected=affected,
        related=list(dict.fromkeys(b.service for b in broken)), links=links,
        explains=tuple(f"webhook:{b.webhook.get('name', '')}" for b in broken))


def _symptom(finding: Finding, _: Finding | None) -> None:
    """Backend pods that crash (or cannot start) are the root cause the pod finding reports: this webhook
    is its symptom, however many requests it rejects meanwhile."""
    finding.severity = Severity.WARNING


def _scope(webhook: dict[str, Any]) -> str:
    ops, resources = [], []
    for rule in webhook.get("rules") or []:
        ops += [o for o in rule.get("operations") or [] if o not in ops]
        resources += [r for r in rule.get("resources") or [] if r not in resources]
    return f"{','.join(ops) or 'no operations'} on {', '.join(resources[:6]) or 'no resources'}"
