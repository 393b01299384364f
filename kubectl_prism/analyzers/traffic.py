"""Traffic a NetworkPolicy drops: an app times out calling a Service that has ready endpoints, and a policy
that selects the destination (ingress) or the source (egress) pods allows no such peer and port.

Only failing pods whose log shows a timeout are examined, and policies are indexed by the labels their
pod selectors require, so the work grows with the failing pods and the policies that select them, never
with pods × policies.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from kubectl_prism.analyzers import Rule, analyzer
from kubectl_prism.analyzers._index import (
    Clock,
    clock_of,
    compact_json,
    dig,
    duration_text,
    event_index,
    is_live,
    labels_of,
    pod_index,
    shared,
    workload_ref,
)
from kubectl_prism.analyzers._util import pod_is_ready, ref, selector_matches
from kubectl_prism.analyzers.log_dependencies import log_tail, service_named
from kubectl_prism.analyzers.pod_evidence import clip, event_time
from kubectl_prism.analyzers.pod_groups import problem_groups
from kubectl_prism.findings import Finding, Remediation, Severity
from kubectl_prism.snapshot import KubeObject, Snapshot, name_of, namespace_of
from kubectl_prism.timeutil import parse_time

BLOCKED = Rule(
    "networkpolicy-blocks-traffic",
    Severity.CRITICAL,
    "An app times out calling a Service with ready endpoints because a NetworkPolicy on the "
    "destination (ingress) or the source (egress) allows no such peer and port; the policy's "
    "creation time against when the errors began",
)

_TIMEOUT = re.compile(
    r"i/o timeout|context deadline exceeded|connection timed out|timed out|timeout", re.IGNORECASE
)


class PolicyIndex:
    """NetworkPolicies by namespace and by one label their podSelector requires (the rest check only the
    few candidates a pod's labels pick)."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.by_label: dict[tuple[str | None, str, str], list[KubeObject]] = defaultdict(list)
        self.unkeyed: dict[str | None, list[KubeObject]] = defaultdict(list)  # {} or expressions only
        for policy in snapshot.of_kind("NetworkPolicy"):
            ns = namespace_of(policy)
            labels = dig(policy, "spec", "podSelector", "matchLabels") or {}
            if labels:
                key, value = next(iter(sorted(labels.items())))
                self.by_label[(ns, key, str(value))].append(policy)
            else:
                self.unkeyed[ns].append(policy)

    def selecting(self, pod: KubeObject) -> list[KubeObject]:
        ns, labels = namespace_of(pod), labels_of(pod)
        candidates = list(self.unkeyed.get(ns, []))
        for key, value in labels.items():
            candidates += self.by_label.get((ns, key, value), [])
        out = []
        for policy in candidates:
            selector = dig(policy, "spec", "podSelector") or {}
            if (not selector.get("matchLabels") and not selector.get("matchExpressions")) or selector_matches(
                selector, labels
            ):
                out.append(policy)
        return sorted(out, key=name_of)


def _types(policy: KubeObject) -> set[str]:
    types = dig(policy, "spec", "policyTypes")
    if types:
        return set(types)
    return {"Ingress"} | ({"Egress"} if "egress" in (policy.get("spec") or {}) else set())


def _peer_allows(snapshot: Snapshot, policy: KubeObject, peer: dict[str, Any], other: KubeObject) -> bool:
    if "ipBlock" in peer:
        return True  # pod IPs inside a CIDR: cannot be judged from the objects, so assume allowed
    ns_selector, pod_selector = peer.get("namespaceSelector"), peer.get("podSelector")
    other_ns = namespace_of(other)
    if ns_selector is None:
        if other_ns != namespace_of(policy):
            return False
    else:
        namespace = snapshot.get("Namespace", None, other_ns or "") or {}
        ns_labels = {"kubernetes.io/metadata.name": other_ns or "", **labels_of(namespace)}
        if ns_selector and not selector_matches(ns_selector, ns_labels):
            return False
    return pod_selector is None or not pod_selector or selector_matches(pod_selector, labels_of(other))


def _port_allows(rule: dict[str, Any], port: int, port_name: str | None) -> bool:
    ports = rule.get("ports")
    if not ports:
        return True
    for p in ports:
        want = p.get("port")
        if want is None or want == port or (port_name and want == port_name):
            return True
        end = p.get("endPort")
        if isinstance(want, int) and isinstance(end, int) and want <= port <= end:
            return True
    return False


def _allows(
    snapshot: Snapshot,
    policy: KubeObject,
    direction: str,
    other: KubeObject,
    port: int,
    port_name: str | None,
) -> bool:
    key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    for rule in (policy.get("spec") or {}).get(key) or []:
        peers = rule.get(peers_key)
        if _port_allows(rule, port, port_name) and (
            not peers or any(_peer_allows(snapshot, policy, peer, other) for peer in peers)
        ):
            return True
    return False


def _backend_port(svc: KubeObject, backend: KubeObject) -> tuple[int, str | None]:
    """The container port the Service sends its first port to, and that port's name."""
    sp = (dig(svc, "spec", "ports") or [{}])[0]
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
    for group in problem_groups(snapshot, clock.now):
        source = group.pod
        ns, container = namespace_of(source), group.problem.container or ""
        tail = log_tail(snapshot, ns or "", name_of(source), container)
        line = next((t for t in reversed(tail) if _TIMEOUT.search(clip(t))), None)
        if line is None:
            continue
        services = sorted((name_of(s) for s in snapshot.of_kind("Service", ns)), key=len, reverse=True)
        own = group.owner.name if group.owner else None
        svc_name = service_named(services, own, line, tail)
        svc = snapshot.get("Service", ns, svc_name) if svc_name else None
        if svc is None:
            continue
        backends = [
            p for p in pods.matching(ns, dig(svc, "spec", "selector")) if is_live(p) and pod_is_ready(p)
        ]
        if not backends:
            continue  # no ready endpoints: the Service's own finding explains the timeouts
        port, port_name = _backend_port(svc, backends[0])
        blocking = [(p, "Ingress") for p in policies.selecting(backends[0]) if "Ingress" in _types(p)]
        blocking = (
            [] if any(_allows(snapshot, p, d, source, port, port_name) for p, d in blocking) else blocking
        )
        egress = [(p, "Egress") for p in policies.selecting(source) if "Egress" in _types(p)]
        if egress and not any(_allows(snapshot, p, d, backends[0], port, port_name) for p, d in egress):
            blocking += egress
        if not blocking:
            continue
        policy, direction = blocking[0]
        key = (name_of(policy), namespace_of(policy), svc_name or "")
        if key in findings:
            findings[key].affected += [r for r in group.refs if r not in findings[key].affected]
            continue
        findings[key] = _finding(snapshot, clock, policy, direction, group, svc, port, line, backends[0])
    return list(findings.values())


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
) -> Finding:
    source = group.pod
    ns, pname, sname = namespace_of(policy), name_of(policy), name_of(svc)
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
    allow = {peer_key: [peer], "ports": [{"port": port, "protocol": "TCP"}]}
    path = f"/spec/{section}/-" if (policy.get("spec") or {}).get(section) else f"/spec/{section}"
    op = [{"op": "add", "path": path, "value": allow if path.endswith("-") else [allow]}]
    return Finding(
        BLOCKED.id,
        Severity.CRITICAL,
        f"NetworkPolicy {pname} blocks {src} from reaching Service {sname} (port {port})",
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
