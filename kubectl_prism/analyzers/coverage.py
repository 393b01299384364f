"""DaemonSet coverage: node agents (a CSI node plugin, the CNI, kube-proxy) missing from nodes they are meant
for, because of taints they do not tolerate or selectors that leave the nodes out — and what breaks there:
volumes that cannot attach or mount ("CSINode … does not contain driver …"), pod networking."""

from __future__ import annotations

import re
from typing import Any

from kubectl_prism.analyzers import Rule, analyzer
from kubectl_prism.analyzers._index import dig, event_index, labels_of
from kubectl_prism.analyzers._util import ref, selector_matches
from kubectl_prism.analyzers.pod_evidence import clip, event_message
from kubectl_prism.findings import Finding, ObjectRef, Remediation, Severity
from kubectl_prism.snapshot import KubeObject, Snapshot, meta, name_of, namespace_of

GAP = Rule(
    "daemonset-coverage-gap",
    Severity.WARNING,
    "A node agent DaemonSet (CSI node plugin, CNI, kube-proxy) does not run on nodes it is meant for: "
    "untolerated taints or selectors; critical when volumes or pod networking fail there",
)

_CSI = re.compile(
    r"CSINode (\S+) does not contain driver (\S+)|driver name (\S+) not found in the list of "
    r"registered CSI drivers",
    re.IGNORECASE,
)
_CNI = re.compile(
    r"network plugin is not ready|failed to setup network|cni plugin not initialized|"
    r"failed to find plugin|NetworkPluginNotReady|cni config uninitialized",
    re.IGNORECASE,
)
_NETWORK_AGENT = re.compile(
    r"calico|cilium|flannel|weave|kube-proxy|aws-node|kindnet|antrea|canal", re.IGNORECASE
)


# Node labels a node agent selects on because its image runs only there (a Linux CNI, an amd64 driver).
_PLATFORM = ("kubernetes.io/os", "kubernetes.io/arch", "beta.kubernetes.io/os", "beta.kubernetes.io/arch")


def _tolerates(tolerations: list[dict[str, Any]], taint: dict[str, Any]) -> bool:
    for t in tolerations:
        if t.get("effect") and t.get("effect") != taint.get("effect"):
            continue
        if t.get("operator") == "Exists" and (not t.get("key") or t.get("key") == taint.get("key")):
            return True
        if t.get("key") == taint.get("key") and t.get("value", "") == taint.get("value", ""):
            return True
    return False


def _why_not(ds: KubeObject, node: KubeObject) -> str | None:
    """Why the DaemonSet's controller leaves `node` out, or None when it should run there."""
    spec = dig(ds, "spec", "template", "spec") or {}
    selector = spec.get("nodeSelector")
    if selector and not selector_matches(selector, labels_of(node)):
        if all(selector_matches({k: v}, labels_of(node)) for k, v in selector.items() if k not in _PLATFORM):
            return None  # only the OS or CPU architecture differs: an agent built for other nodes, by design
        return f"nodeSelector {','.join(f'{k}={v}' for k, v in selector.items())} does not match"
    if blocking := _untolerated(ds, node):
        return "untolerated taint " + ", ".join(
            f"{t.get('key')}={t.get('value', '')}:{t.get('effect')}" for t in blocking
        )
    return None


def _untolerated(ds: KubeObject, node: KubeObject) -> list[dict[str, Any]]:
    """The node's taints that keep the DaemonSet off it (condition taints such as not-ready come and go)."""
    tolerations = dig(ds, "spec", "template", "spec", "tolerations") or []
    return [
        t
        for t in dig(node, "spec", "taints") or []
        if t.get("effect") in ("NoSchedule", "NoExecute")
        and not _tolerates(tolerations, t)
        and not t.get("key", "").startswith("node.kubernetes.io/")
    ]


def _kind_of_agent(ds: KubeObject) -> str | None:
    containers = dig(ds, "spec", "template", "spec", "containers") or []
    text = " ".join([name_of(ds), *(f"{c.get('image', '')} {c.get('name', '')}" for c in containers)])
    if "node-driver-registrar" in text or re.search(r"csi", text, re.IGNORECASE):
        return "csi"
    if _NETWORK_AGENT.search(text):
        return "network"
    return None


@analyzer("daemonset-coverage", GAP)
def analyze_coverage(snapshot: Snapshot) -> list[Finding]:
    nodes = snapshot.of_kind("Node")
    agents = [(ds, kind) for ds in snapshot.of_kind("DaemonSet") if (kind := _kind_of_agent(ds))]
    if not nodes or not agents:
        return []
    running: dict[tuple[str | None, str], set[str]] = {}
    for pod in snapshot.of_kind("Pod"):
        owners = meta(pod).get("ownerReferences") or []
        if owners and owners[0].get("kind") == "DaemonSet" and (node := dig(pod, "spec", "nodeName")):
            running.setdefault((namespace_of(pod), owners[0].get("name", "")), set()).add(node)
    failures = _node_failures(snapshot)
    for node in nodes:
        if words := _network_down(node):
            failures.setdefault(name_of(node), []).append((node, "network", words))
    findings = []
    for ds, agent in agents:
        have = running.get((namespace_of(ds), name_of(ds)), set())
        missing = [(n, why) for n in nodes if name_of(n) not in have and (why := _why_not(ds, n))]
        if missing:
            findings.append(_finding(ds, agent, missing, failures))
    return findings


def _network_down(node: KubeObject) -> str | None:
    """The node's own word that its pod network is down: NotReady for the CNI, or NetworkUnavailable."""
    for cond in dig(node, "status", "conditions") or []:
        kind, status, message = cond.get("type"), cond.get("status"), clip(cond.get("message") or "", 200)
        if (kind == "Ready" and status == "False" and _CNI.search(message)) or (
            kind == "NetworkUnavailable" and status == "True"
        ):
            return f"{kind}={status}: {message or cond.get('reason') or ''}".rstrip(": ")
    return None


def _node_failures(snapshot: Snapshot) -> dict[str, list[tuple[KubeObject, str, str]]]:
    """(pod, "csi"|"network", the event's words) of pods failing on each node for want of a node agent."""
    out: dict[str, list[tuple[KubeObject, str, str]]] = {}
    events = event_index(snapshot)
    for pod in snapshot.of_kind("Pod"):
        node = dig(pod, "spec", "nodeName")
        if not node or dig(pod, "status", "phase") != "Pending":
            continue
        for ev in reversed(events.about("Pod", namespace_of(pod), name_of(pod))):
            message = event_message(ev)
            kind = "csi" if _CSI.search(message) else "network" if _CNI.search(message) else None
            if kind:
                out.setdefault(node, []).append((pod, kind, clip(message, 240)))
                break
    return out


def _finding(
    ds: KubeObject,
    agent: str,
    missing: list[tuple[KubeObject, str]],
    failures: dict[str, list[tuple[KubeObject, str, str]]],
) -> Finding:
    ns, name = namespace_of(ds), name_of(ds)
    status = ds.get("status") or {}
    evidence = [
        f"status.desiredNumberScheduled={status.get('desiredNumberScheduled', 0)}, "
        f"{len(missing)} node(s) without its pod"
    ]
    evidence += [f"node {name_of(n)}: {why}" for n, why in missing[:4]]
    hurt = [(p, msg) for n, _ in missing for p, kind, msg in failures.get(name_of(n), []) if kind == agent]
    down = [(n, msg) for n, msg in hurt if n.get("kind") == "Node"]
    hurt = [(p, msg) for p, msg in hurt if p.get("kind") != "Node"]
    evidence += [f"node {name_of(n)}: {words}" for n, words in down[:2]]
    if hurt:
        pod, words = hurt[0]
        evidence.append(f"pod {name_of(pod)} on node {dig(pod, 'spec', 'nodeName')}: {words}")
    what = "CSI node plugin" if agent == "csi" else "network agent"
    consequence = "volumes cannot attach or mount there" if agent == "csi" else "pods there get no network"
    nodes_text = ", ".join(name_of(n) for n, _ in missing[:3]) + (" …" if len(missing) > 3 else "")
    taint = next((t for n, _ in missing for t in _untolerated(ds, n)), None)
    selector = ",".join(f"{k}={v}" for k, v in (dig(ds, "spec", "selector", "matchLabels") or {}).items())
    fix = [
        Remediation(
            f"See which nodes run {name} and which do not",
            f"kubectl -n {ns} get pods -o wide -l {selector}" if selector else "kubectl get nodes -o wide",
        )
    ]
    if taint is not None:
        toleration = {"key": taint.get("key"), "operator": "Exists", "effect": taint.get("effect")}
        patch = (
            f'[{{"op":"add","path":"/spec/template/spec/tolerations/-","value":{_json(toleration)}}}]'
            if dig(ds, "spec", "template", "spec", "tolerations")
            else f'[{{"op":"add","path":"/spec/template/spec/tolerations","value":[{_json(toleration)}]}}]'
        )
        fix.insert(
            0,
            Remediation(
                f"Let the {what} tolerate the nodes' taint {taint.get('key')}",
                f"kubectl -n {ns} patch daemonset {name} --type=json -p '{patch}'",
            ),
        )
    return Finding(
        GAP.id,
        Severity.CRITICAL if hurt or down else Severity.WARNING,
        f"DaemonSet {name} ({what}) is missing from {len(missing)} node(s): {nodes_text}",
        ref(ds),
        reason="NodesNotCovered",
        message=f"The {what} does not run on {nodes_text}, so {consequence}.",
        evidence=evidence,
        remediation=fix,
        affected=[ref(p) for p, _ in hurt],
        related=[ObjectRef("Node", name_of(n)) for n, _ in missing[:10]],
        explains=tuple(f"node-network:{name_of(n)}" for n, _ in down),
    )


def _json(value: Any) -> str:
    import json

    return json.dumps(value, separators=(",", ":"))
