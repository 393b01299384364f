"""NetworkPolicy evaluation: which policies select a pod, and whether they admit a peer on a port.

Policies are indexed by namespace and by one label their podSelector requires, so finding the policies of a
pod looks only at the few candidates its labels pick, never at every policy (no pods × policies).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from kubectl_prism.analyzers._index import dig, labels_of
from kubectl_prism.analyzers._util import selector_matches
from kubectl_prism.snapshot import KubeObject, Snapshot, name_of, namespace_of


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


def policy_types(policy: KubeObject) -> set[str]:
    types = dig(policy, "spec", "policyTypes")
    if types:
        return set(types)
    return {"Ingress"} | ({"Egress"} if "egress" in (policy.get("spec") or {}) else set())


def peer_allows(snapshot: Snapshot, policy: KubeObject, peer: dict[str, Any], other: KubeObject) -> bool:
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


def port_allows(rule: dict[str, Any], port: int, port_name: str | None, protocol: str | None = None) -> bool:
    """The rule's ports admit `port` (by number, name or range), over `protocol` if given (unsaid is TCP)."""
    ports = rule.get("ports")
    if not ports:
        return True
    for p in ports:
        if protocol and (p.get("protocol") or "TCP") != protocol:
            continue
        want = p.get("port")
        if want is None or want == port or (port_name and want == port_name):
            return True
        end = p.get("endPort")
        if isinstance(want, int) and isinstance(end, int) and want <= port <= end:
            return True
    return False


def allows(
    snapshot: Snapshot,
    policy: KubeObject,
    direction: str,
    other: KubeObject,
    port: int,
    port_name: str | None,
    protocol: str | None = None,
) -> bool:
    """The policy's `direction` rules admit `other` (the peer pod) on `port`."""
    key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    for rule in (policy.get("spec") or {}).get(key) or []:
        peers = rule.get(peers_key)
        if port_allows(rule, port, port_name, protocol) and (
            not peers or any(peer_allows(snapshot, policy, peer, other) for peer in peers)
        ):
            return True
    return False


def admits_api_server(policy: KubeObject, port: int, port_name: str | None) -> bool:
    """Whether the policy's ingress rules let the API server (not a pod: on the host network or outside the
    cluster) in on `port`: only a rule without `from`, or with an ipBlock peer, can match it."""
    for rule in (policy.get("spec") or {}).get("ingress") or []:
        peers = rule.get("from")
        if port_allows(rule, port, port_name) and (not peers or any("ipBlock" in p for p in peers)):
            return True
    return False
