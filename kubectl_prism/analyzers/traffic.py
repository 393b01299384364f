"""Traffic a NetworkPolicy drops: an app times out calling a Service that has ready endpoints, and a policy
that selects the destination (ingress) or the source (egress) pods allows no such peer and port (a name
lookup that timed out is judged against the cluster DNS, not the Service it names); or the API
server's calls to an admission webhook time out because a policy on the webhook's pods admits no traffic
from outside the pod network.

Only failing pods whose log shows a timeout, and webhooks whose calls time out, are examined, and policies
are indexed by the labels their pod selectors require (netpol.py), so the work grows with the failures and
the policies that select them, never with pods × policies.
"""

from __future__ import annotations

import re
from typing import Any

from kubectl_prism.analyzers import Rule, analyzer
from kubectl_prism.analyzers._index import (
    Clock,
    clock_of,
    compact_json,
    dig,
    duration_text,
    event_index,
    event_text,
    is_live,
    labels_of,
    pod_index,
    shared,
    workload_ref,
)
from kubectl_prism.analyzers._util import pod_is_ready, ref
from kubectl_prism.analyzers.log_dependencies import log_tail, service_named
from kubectl_prism.analyzers.netpol import PolicyIndex, admits_api_server, allows, policy_types
from kubectl_prism.analyzers.pod_evidence import clip, event_message, event_time
from kubectl_prism.analyzers.pod_groups import problem_groups
from kubectl_prism.findings import Finding, ObjectRef, Remediation, Severity
from kubectl_prism.snapshot import KubeObject, Snapshot, name_of, namespace_of
from kubectl_prism.timeutil import parse_time

BLOCKED = Rule(
    "networkpolicy-blocks-traffic",
    Severity.CRITICAL,
    "An app times out calling a Service with ready endpoints or the cluster DNS, or the API server times out "
    "calling an admission webhook, because a NetworkPolicy on the destination (ingress) or the source "
    "(egress) allows no such peer and port; the policy's creation time against when the errors began",
)

_TIMEOUT = re.compile(
    r"i/o timeout|context deadline exceeded|connection timed out|timed out|timeout", re.IGNORECASE
)


# A name lookup that timed out: the cluster DNS did not answer (Go, glibc, busybox nslookup).
_DNS_TIMEOUT = re.compile(
    r"lookup \S{1,253} on [\w.:\[\]]{1,64}:53: .{0,200}(?:i/o timeout|timed out)|"
    r"dial udp [\w.:\[\]]{1,64}:53: "
    r"i/o timeout|connection timed out; no servers could be reached",
    re.IGNORECASE,
)
# The webhook's name, then a timeout anywhere after it: two searches, each linear in the message (one
# pattern `webhook "(…)".*timeout` retried from every mention is quadratic on a hostile message).
_WEBHOOK_CALL = re.compile(r'failed calling webhook "([^"]{1,253})"')
WEBHOOK_KINDS = ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration")


def _backend_port(svc: KubeObject, backend: KubeObject, port: int | None = None) -> tuple[int, str | None]:
    """The container port the Service sends its port `port` (else its first port) to, and that port's name."""
    ports = dig(svc, "spec", "ports") or [{}]
    sp = next((p for p in ports if port is not None and p.get("port") == port), ports[0])
    target = sp.get("targetPort", sp.get("port"))
    for c in dig(backend, "spec", "containers") or []:
        for p in c.get("ports") or []:
            if p.get("containerPort") == target or p.get("name") == target:
                return int(p["containerPort"]), p.get("name")
    return (int(target) if str(target).isdigit() else 0), (target if isinstance(target, str) else None)


@analyzer("traffic", BLOCKED)
def analyze_traffic(snapshot: Snapshot) -> list[Finding]:
    if not snapshot.objects.get("NetworkPolicy"):
        return []
    policies: PolicyIndex = shared(snapshot, "policy-index", PolicyIndex)
    pods = pod_index(snapshot)
    clock = clock_of(snapshot)
    findings: dict[tuple[str, str | None, str], Finding] = {}
    service_names: dict[str | None, list[str]] = {}  # by namespace, longest first (service_named's order)
    for group in problem_groups(snapshot, clock.now):
        source = group.pod
        ns, container = namespace_of(source), group.problem.container or ""
        tail = log_tail(snapshot, ns or "", name_of(source), container)
        line = next((t for t in reversed(tail) if _TIMEOUT.search(clip(t))), None)
        if line is None:
            continue
        if ns not in service_names:
            names = (name_of(s) for s in snapshot.of_kind("Service", ns))
            service_names[ns] = sorted(names, key=len, reverse=True)
        services = service_names[ns]
        own = group.owner.name if group.owner else None
        # A lookup that timed out never reached the Service it names: the cluster DNS is what did not answer.
        dns = bool(_DNS_TIMEOUT.search(clip(line)))
        svc_name = None if dns else service_named(services, own, line, tail)
        svc = _cluster_dns(snapshot) if dns else snapshot.get("Service", ns, svc_name) if svc_name else None
        if svc is None:
            continue
        selector = dig(svc, "spec", "selector")
        backends = [p for p in pods.matching(namespace_of(svc), selector) if is_live(p) and pod_is_ready(p)]
        if not backends:
            continue  # no ready endpoints: the Service's own finding explains the timeouts
        port, port_name = _backend_port(svc, backends[0], 53 if dns else None)
        protocol = "UDP" if dns else None
        blocking = [(p, "Ingress") for p in policies.selecting(backends[0]) if "Ingress" in policy_types(p)]
        if any(allows(snapshot, p, d, source, port, port_name, protocol) for p, d in blocking):
            blocking = []
        egress = [(p, "Egress") for p in policies.selecting(source) if "Egress" in policy_types(p)]
        to_backend = (allows(snapshot, p, d, backends[0], port, port_name, protocol) for p, d in egress)
        if egress and not any(to_backend):
            blocking += egress
        if not blocking:
            continue
        policy, direction = blocking[0]
        key = (name_of(policy), namespace_of(policy), f"{namespace_of(svc)}/{name_of(svc)}")
        if key in findings:
            findings[key].affected += [r for r in group.refs if r not in findings[key].affected]
            continue
        findings[key] = _finding(snapshot, clock, policy, direction, group, svc, port, line, backends[0], dns)
    return [*findings.values(), *_webhook_findings(snapshot, policies, clock)]


def _cluster_dns(snapshot: Snapshot) -> KubeObject | None:
    """The cluster DNS Service (kube-system/kube-dns, as CoreDNS installs name it)."""
    return snapshot.get("Service", "kube-system", "kube-dns") or next(
        (s for s in snapshot.of_kind("Service", "kube-system") if "dns" in name_of(s)), None
    )


def _errors_began(snapshot: Snapshot, pods: list[KubeObject]) -> str | None:
    """When the source pods started failing: their first warning event, else the last container start."""
    events = event_index(snapshot)
    found = sorted(
        str(e.get("firstTimestamp") or e.get("eventTime") or event_time(e))
        for p in pods
        for e in events.about("Pod", namespace_of(p), name_of(p))
        if e.get("type") == "Warning"
    )
    return found[0] if found else None


def _finding(
    snapshot: Snapshot,
    clock: Clock,
    policy: KubeObject,
    direction: str,
    group: Any,
    svc: KubeObject,
    port: int,
    line: str,
    backend: KubeObject,
    dns: bool = False,
) -> Finding:
    source = group.pod
    ns, pname, sname = namespace_of(policy), name_of(policy), name_of(svc)
    if namespace_of(svc) != namespace_of(source):
        sname = f"{namespace_of(svc)}/{sname}"
    protocols = ("UDP", "TCP") if dns else ("TCP",)
    who = workload_ref(snapshot, source)
    src = f"{who.kind.lower()}/{who.name}" + (
        f" ({namespace_of(source)})" if namespace_of(source) != ns else ""
    )
    created = dig(policy, "metadata", "creationTimestamp")
    began = _errors_began(snapshot, group.pods)
    evidence = [
        f"log: {clip(line, 240)}",
        f"service {sname} has ready endpoints (e.g. pod {name_of(backend)}), port {port}",
    ]
    if dns:
        evidence.insert(1, "the name lookup timed out: the cluster DNS did not answer")
    side = "selects the destination pods" if direction == "Ingress" else "selects the source pods"
    evidence.append(f"NetworkPolicy {pname} ({direction}) {side} and allows no rule for {src} on port {port}")
    when = f"NetworkPolicy {pname} created {created}"
    if (c := parse_time(created)) and (b := parse_time(began)):
        gap = (b - c).total_seconds()
        when += (
            f"; errors began {began}, {duration_text(gap)} after it"
            if gap >= 0
            else f"; errors began {began}, before it (the policy may not be the whole story)"
        )
    elif created and (age := clock.age(created)) is not None:
        when += f" ({duration_text(age)} before the snapshot)"
    evidence.append(when)
    labels = labels_of(source)
    app_labels = {
        k: v for k, v in labels.items() if k not in ("pod-template-hash", "controller-revision-hash")
    }
    peer: dict[str, Any] = {"podSelector": {"matchLabels": app_labels}}
    if namespace_of(source) != ns:
        peer["namespaceSelector"] = {"matchLabels": {"kubernetes.io/metadata.name": namespace_of(source)}}
    section, peer_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    if direction == "Egress":
        peer = {
            "podSelector": {
                "matchLabels": {k: v for k, v in labels_of(backend).items() if k != "pod-template-hash"}
            }
        }
        if namespace_of(backend) != ns:
            peer["namespaceSelector"] = {
                "matchLabels": {"kubernetes.io/metadata.name": namespace_of(backend)}
            }
    allow = {peer_key: [peer], "ports": [{"port": port, "protocol": proto} for proto in protocols]}
    path = f"/spec/{section}/-" if (policy.get("spec") or {}).get(section) else f"/spec/{section}"
    op = [{"op": "add", "path": path, "value": allow if path.endswith("-") else [allow]}]
    return Finding(
        BLOCKED.id,
        Severity.CRITICAL,
        f"NetworkPolicy {pname} blocks {src} from reaching "
        + (f"the cluster DNS (Service {sname}, port {port}/UDP)" if dns
           else f"Service {sname} (port {port})"),
        ref(policy),
        reason="NetworkPolicyDenied",
        message=f"{src} times out calling Service {sname}, which has ready endpoints: NetworkPolicy {pname} "
        f"({direction}) drops the traffic. Its failures are symptoms of that policy.",
        evidence=evidence,
        remediation=[
            Remediation(
                f"Allow {src} to reach {sname} on port {port} (or fix the policy's selectors)",
                f"kubectl -n {ns} patch networkpolicy {pname} --type=json -p '{compact_json(op)}'",
            ),
            Remediation("See the policy's rules", f"kubectl -n {ns} describe networkpolicy {pname}"),
        ],
        affected=list(group.refs),
        related=[ref(svc), who],
    )


def _webhook_findings(snapshot: Snapshot, policies: PolicyIndex, clock: Clock) -> list[Finding]:
    """Admission webhooks whose calls time out while their pods are ready, behind a policy that keeps the API
    server out: one finding per policy, naming the webhooks it cuts off and the requests they failed."""
    if not any(snapshot.objects.get(kind) for kind in WEBHOOK_KINDS):
        return []
    timeouts: dict[str, list[KubeObject]] = {}
    for ev in snapshot.of_kind("Event"):
        message = event_message(ev)
        m = _WEBHOOK_CALL.search(message) if "failed calling webhook" in message else None
        if m and _TIMEOUT.search(message, m.end()):
            timeouts.setdefault(m.group(1), []).append(ev)
    if not timeouts:
        return []
    pods = pod_index(snapshot)
    found: dict[tuple[str | None, str], Finding] = {}
    for kind in WEBHOOK_KINDS:
        for config in snapshot.of_kind(kind):
            for webhook in config.get("webhooks") or []:
                events = timeouts.get(webhook.get("name", ""))
                svc_ref = dig(webhook, "clientConfig", "service")
                if not events or not svc_ref:
                    continue
                ns = svc_ref.get("namespace")
                svc = snapshot.get("Service", ns, svc_ref.get("name", ""))
                selector = dig(svc, "spec", "selector") if svc else None
                backends = pods.matching(ns, selector) if selector else []
                ready = [p for p in backends if is_live(p) and pod_is_ready(p)]
                if svc is None or not ready:
                    continue  # no backend, or none ready: the webhooks analyzer reports that
                port, port_name = _backend_port(svc, ready[0], svc_ref.get("port") or 443)
                shut = [p for p in policies.selecting(ready[0]) if "Ingress" in policy_types(p)]
                if not shut or any(admits_api_server(p, port, port_name) for p in shut):
                    continue
                key = (namespace_of(shut[0]), name_of(shut[0]))
                if key in found:
                    _add_webhook(found[key], config, webhook, events)
                    continue
                found[key] = _webhook_finding(clock, shut[0], config, webhook, events, svc, port, ready[0])
    return list(found.values())


def _add_webhook(
    finding: Finding, config: KubeObject, webhook: dict[str, Any], events: list[KubeObject]
) -> None:
    finding.evidence.insert(
        -1, f"{config.get('kind')} {name_of(config)}: webhook {webhook.get('name')} times out too"
    )
    finding.explains += (f"webhook:{webhook.get('name', '')}",)
    finding.affected += [r for r in _requesters(events) if r not in finding.affected]


def _requesters(events: list[KubeObject]) -> list[ObjectRef]:
    out: list[ObjectRef] = []
    for ev in events:
        obj = ev.get("involvedObject") or ev.get("regarding") or {}
        ref_ = ObjectRef(obj.get("kind", ""), obj.get("name", ""), obj.get("namespace"))
        if ref_.name and ref_ not in out:
            out.append(ref_)
    return out


def _webhook_finding(
    clock: Clock,
    policy: KubeObject,
    config: KubeObject,
    webhook: dict[str, Any],
    events: list[KubeObject],
    svc: KubeObject,
    port: int,
    backend: KubeObject,
) -> Finding:
    ns, pname, hook = namespace_of(policy), name_of(policy), webhook.get("name", "")
    latest = events[-1]
    asker = _requesters([latest])
    evidence = [
        (f"{asker[0].kind.lower()}/{asker[0].name}: " if asker else "") + event_text(latest, 240),
        f"{config.get('kind')} {name_of(config)}: webhook {hook} (failurePolicy "
        f"{webhook.get('failurePolicy') or 'Fail'}) → service {ns}/{name_of(svc)}, which has ready endpoints "
        f"(e.g. pod {name_of(backend)}), port {port}",
        f"NetworkPolicy {pname} (Ingress) selects the webhook's pods and admits nothing from outside the pod "
        f"network on port {port}: the API server is not a pod, only a rule without `from` or with an ipBlock "
        "lets it in",
    ]
    created = dig(policy, "metadata", "creationTimestamp")
    first = sorted(str(e.get("firstTimestamp") or e.get("eventTime") or event_time(e)) for e in events)[0]
    when = f"NetworkPolicy {pname} created {created}"
    if (c := parse_time(created)) and (b := parse_time(first)):
        gap = (b - c).total_seconds()
        when += (
            f"; webhook calls began timing out {first}, {duration_text(gap)} after it"
            if gap >= 0
            else f"; webhook calls timed out from {first}, before it (the policy may not be the whole story)"
        )
    elif created and (age := clock.age(created)) is not None:
        when += f" ({duration_text(age)} before the snapshot)"
    evidence.append(when)
    allow = {"ports": [{"port": port, "protocol": "TCP"}]}
    path = "/spec/ingress/-" if (policy.get("spec") or {}).get("ingress") else "/spec/ingress"
    op = [{"op": "add", "path": path, "value": allow if path.endswith("-") else [allow]}]
    return Finding(
        BLOCKED.id,
        Severity.CRITICAL,
        f"NetworkPolicy {pname} blocks the API server from admission webhook {hook} (port {port})",
        ref(policy),
        reason="NetworkPolicyDenied",
        message=f"The API server times out calling webhook {hook}: its pods are ready, but NetworkPolicy "
        f"{pname} admits no traffic from outside the pod network, so every request the webhook intercepts "
        "fails. The refused requests are symptoms of that policy.",
        evidence=evidence,
        remediation=[
            Remediation(
                f"Let the API server reach the webhook on port {port} (any source on that port; narrow it to "
                "the control plane's addresses with an ipBlock where you know them)",
                f"kubectl -n {ns} patch networkpolicy {pname} --type=json -p '{compact_json(op)}'",
            ),
            Remediation("See the policy's rules", f"kubectl -n {ns} describe networkpolicy {pname}"),
        ],
        affected=_requesters(events),
        related=[ref(svc), ref(config)],
        explains=(f"webhook:{hook}",),
    )
