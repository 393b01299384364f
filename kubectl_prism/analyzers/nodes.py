"""Nodes: NotReady, resource pressure, network not configured, cordoned — and the pods each one hits.

One finding per node problem: a NotReady node's own pressure report is part of its NotReady finding, and
cordoned nodes that pending pods wait on are one finding together.
"""

from __future__ import annotations

import re
from typing import Any

from kubectl_prism.analyzers import Rule, analyzer
from kubectl_prism.analyzers._index import (
    Clock,
    clock_of,
    dig,
    duration_text,
    is_live,
    pod_index,
    workload_ref,
)
from kubectl_prism.analyzers._util import condition, ref
from kubectl_prism.analyzers.causes import Link, explaining
from kubectl_prism.analyzers.pod_evidence import clip, cordon_only, scheduler_reasons
from kubectl_prism.findings import Finding, ObjectRef, Remediation, Severity
from kubectl_prism.snapshot import KubeObject, Snapshot, meta, name_of

NOT_READY = Rule("node-not-ready", Severity.CRITICAL,
                 "Node is NotReady or its kubelet stopped reporting (Ready False/Unknown)")
NETWORK = Rule("node-network-unavailable", Severity.CRITICAL,
               "Node network is not configured (NetworkUnavailable=True): pods there cannot communicate")
MEMORY = Rule("node-memory-pressure", Severity.WARNING,
              "Node reports MemoryPressure: the kubelet evicts pods")
DISK = Rule("node-disk-pressure", Severity.WARNING, "Node reports DiskPressure: the kubelet evicts pods and "
            "garbage-collects images")
PID = Rule("node-pid-pressure", Severity.WARNING,
           "Node reports PIDPressure: it is running out of process IDs")
CORDONED = Rule("node-cordoned", Severity.INFO,
                "Node is cordoned (spec.unschedulable); warning when pending pods cannot be scheduled, "
                "critical when the cordons are all that keeps them from running")

_PRESSURE = {
    "MemoryPressure": (MEMORY, "memory", "Find the pods using the most memory on {node} and give them memory "
                       "limits, or move load to other nodes"),
    "DiskPressure": (DISK, "disk", "Free disk space on {node}: prune unused images (crictl rmi --prune), "
                     "large container logs and emptyDir volumes, or grow the disk"),
    "PIDPressure": (PID, "PIDs", "Find the pod that forks without bound on {node}; cap per-pod PIDs with the "
                    "kubelet's podPidsLimit"),
}
_CNI = re.compile(r"network plugin|cni|NetworkPluginNotReady|network not ready", re.IGNORECASE)
_UNSCHEDULABLE = re.compile(r"unschedulable", re.IGNORECASE)


@analyzer("nodes", NOT_READY, NETWORK, MEMORY, DISK, PID, CORDONED)
def analyze_nodes(snapshot: Snapshot) -> list[Finding]:
    pods = pod_index(snapshot)
    clock = clock_of(snapshot)
    findings: list[Finding] = []
    cordoned: list[tuple[KubeObject, list[KubeObject]]] = []
    for node in snapshot.of_kind("Node"):
        if _healthy(node):
            continue
        name = name_of(node)
        on_node = sorted(pods.by_node.get(name, []),
                         key=lambda p: (meta(p).get("namespace") or "", name_of(p)))
        live = [p for p in on_node if is_live(p)]
        not_ready = _not_ready(snapshot, node, live, clock)
        if not_ready:
            findings.append(not_ready)
        if finding := _network(node, live):
            findings.append(finding)
        for cond_type in _PRESSURE:
            if finding := _pressure(snapshot, node, cond_type, on_node):
                if not_ready is not None and _kubelet_reporting(node):
                    _fold_pressure(not_ready, finding, _PRESSURE[cond_type][1])  # one node, one finding
                else:
                    findings.append(finding)
        if dig(node, "spec", "unschedulable"):
            cordoned.append((node, live))
    findings += _cordoned_findings(snapshot, cordoned, clock)
    return findings


def _kubelet_reporting(node: KubeObject) -> bool:
    """Ready=False (not Unknown): the kubelet itself reports the node unhealthy, so its other conditions
    are current too (a silent kubelet's are stale, and the node controller marks them Unknown)."""
    return (condition(node, "Ready") or {}).get("status") == "False"


def _fold_pressure(not_ready: Finding, pressure: Finding, what: str) -> None:
    """A NotReady node under resource pressure is one problem: the pressure (which usually came first and
    starves the kubelet) goes into the NotReady finding as evidence, its evicted pods as affected."""
    not_ready.title += f", under {what} pressure"
    not_ready.evidence += pressure.evidence
    not_ready.remediation.insert(1, pressure.remediation[0])
    not_ready.affected += [p for p in pressure.affected if p not in not_ready.affected]
    not_ready.related += [w for w in pressure.related if w not in not_ready.related]


def _healthy(node: KubeObject) -> bool:
    conds = {c.get("type"): c.get("status") for c in dig(node, "status", "conditions") or []}
    return (conds.get("Ready") in (None, "True") and conds.get("NetworkUnavailable") != "True"
            and all(conds.get(t) != "True" for t in _PRESSURE) and not dig(node, "spec", "unschedulable"))


def _cond_text(cond: dict[str, Any]) -> str:
    text = f"{cond.get('type')}={cond.get('status')}"
    if cond.get("reason"):
        text += f" reason={cond['reason']}"
    return text + (f": {clip(cond['message'])}" if cond.get("message") else "")


def _taints(node: KubeObject) -> list[str]:
    return [f"{t.get('key')}:{t.get('effect')}" for t in dig(node, "spec", "taints") or []]


def _pods_line(pods: list[KubeObject]) -> str:
    names = ", ".join(f"{meta(p).get('namespace')}/{name_of(p)}" for p in pods[:4])
    more = f" and {len(pods) - 4} more" if len(pods) > 4 else ""
    return f"{len(pods)} pods on the node: {names}{more}" if pods else "no pods on the node"


def _not_ready(snapshot: Snapshot, node: KubeObject, live: list[KubeObject], clock: Clock) -> Finding | None:
    cond = condition(node, "Ready")
    if not cond or cond.get("status") == "True":
        return None
    name = name_of(node)
    status = cond.get("status")
    heartbeat = cond.get("lastHeartbeatTime")
    silent = clock.age(heartbeat)
    evidence = [_cond_text(cond)]
    if heartbeat:
        ago = f" ({duration_text(silent)} before the snapshot)" if silent and silent >= 60 else ""
        evidence.append(f"lastHeartbeatTime {heartbeat}{ago}")
    if taints := [t for t in _taints(node) if "not-ready" in t or "unreachable" in t]:
        evidence.append(f"taints {', '.join(taints)}")
    evidence.append(_pods_line(live))
    if status == "Unknown":
        title = f"Node {name} stopped reporting: kubelet silent" + (
            f" for {duration_text(silent)}" if silent and silent >= 60 else "")
    else:
        title = f"Node {name} is NotReady ({cond.get('reason') or 'KubeletNotReady'})"
    fix = [Remediation("See the node's conditions and events", f"kubectl describe node {name}")]
    links: list[Link] = []
    if _CNI.search(clip(cond.get("message") or "")):
        fix.append(Remediation("The network plugin is not ready on this node: check the CNI pods there",
                               _system_pods(name)))
        links.append(_missing_network_agent(name))
    else:
        fix.append(Remediation(f"On {name}, check the kubelet and the container runtime (systemctl status "
                               "kubelet containerd; journalctl -u kubelet), and that the machine is up and "
                               "reachable"))
    if live and all(meta(p).get("ownerReferences") for p in live):
        fix.append(Remediation(f"Move the workloads off {name} while you repair it",
                               f"kubectl drain {name} --ignore-daemonsets --delete-emptydir-data"))
    return Finding(
        NOT_READY.id, Severity.CRITICAL, title, ref(node), reason=cond.get("reason") or "NodeNotReady",
        message="Pods on this node are unreachable or being evicted; nothing new is scheduled there.",
        evidence=evidence, remediation=fix, affected=[ref(p) for p in live],
        related=_workloads(snapshot, live), links=links)


def _network(node: KubeObject, live: list[KubeObject]) -> Finding | None:
    cond = condition(node, "NetworkUnavailable")
    if not cond or cond.get("status") != "True":
        return None
    name = name_of(node)
    return Finding(
        NETWORK.id, Severity.CRITICAL,
        f"Node {name} has no pod network ({cond.get('reason') or 'NetworkUnavailable'})",
        ref(node), reason=cond.get("reason") or "NetworkUnavailable",
        message="The node's pod network (routes or CNI) is not configured; pods on it cannot reach others.",
        evidence=[_cond_text(cond), _pods_line(live)],
        remediation=[
            Remediation("Check the CNI / network agent pods on the node", _system_pods(name)),
            Remediation("See the condition's history", f"kubectl describe node {name}"),
        ],
        affected=[ref(p) for p in live], links=[_missing_network_agent(name)])


def _missing_network_agent(node: str) -> Link:
    """A node without pod network because its CNI DaemonSet leaves it out (an untolerated taint, a selector)
    is that DaemonSet's symptom: the coverage finding says so and how to fix it."""

    def then(finding: Finding, _: Finding | None) -> None:
        finding.severity = Severity.WARNING
        finding.message += (" Its network agent DaemonSet does not run here (daemonset-coverage-gap); "
                            "fix that first.")

    return Link(explaining(f"node-network:{node}", ("daemonset-coverage-gap",)), then=then)


def _system_pods(node: str) -> str:
    return f"kubectl -n kube-system get pods -o wide --field-selector spec.nodeName={node}"


def _pressure(
    snapshot: Snapshot, node: KubeObject, cond_type: str, on_node: list[KubeObject]
) -> Finding | None:
    cond = condition(node, cond_type)
    if not cond or cond.get("status") != "True":
        return None
    rule, what, advice = _PRESSURE[cond_type]
    name = name_of(node)
    evicted = [p for p in on_node if dig(p, "status", "reason") == "Evicted"]
    evidence = [_cond_text(cond)]
    if since := cond.get("lastTransitionTime"):
        evidence.append(f"since {since}")
    if taints := [t for t in _taints(node) if "pressure" in t]:
        evidence.append(f"taints {', '.join(taints)}")
    if evicted:
        first = evicted[0]
        evidence.append(f"{len(evicted)} pod(s) evicted from the node, e.g. {meta(first).get('namespace')}/"
                        f"{name_of(first)}: {dig(first, 'status', 'message') or 'Evicted'}")
    return Finding(
        rule.id, Severity.WARNING, f"Node {name} is under {what} pressure"
        + (f": {len(evicted)} pod(s) evicted" if evicted else ""), ref(node), reason=cond_type,
        message=f"The kubelet is reclaiming {what}: it evicts pods and the scheduler avoids the node.",
        evidence=evidence,
        remediation=[Remediation(advice.format(node=name), _usage_command(snapshot, cond_type)),
                     Remediation("See allocated resources and events of the node",
                                 f"kubectl describe node {name}")],
        affected=[ref(p) for p in evicted], related=_workloads(snapshot, evicted))


def _usage_command(snapshot: Snapshot, cond_type: str) -> str | None:
    """`kubectl top` for the memory hogs, only when the metrics API answered: without metrics-server it
    fails (the node's `describe`, suggested next, shows what its pods request instead)."""
    metrics = snapshot.objects.get("PodMetrics") or snapshot.objects.get("NodeMetrics")
    if cond_type != "MemoryPressure" or not metrics:
        return None
    return "kubectl top pods -A --sort-by=memory"


def _cordoned_findings(
    snapshot: Snapshot, cordoned: list[tuple[KubeObject, list[KubeObject]]], clock: Clock
) -> list[Finding]:
    """One finding per cordoned node, or, when pending pods wait for room, one finding for all cordoned
    nodes: together they are what keeps those pods from running (critical when nothing else does)."""
    if not cordoned:
        return []
    waiting = [p for p in snapshot.of_kind("Pod") if not dig(p, "spec", "nodeName") and _blocked_by_cordon(p)]
    if not waiting:
        return [_cordoned(snapshot, node, live, clock, [], []) for node, live in cordoned]
    waiting.sort(key=lambda p: (meta(p).get("namespace") or "", name_of(p)))
    node, live = cordoned[0]
    return [_cordoned(snapshot, node, live, clock, waiting, [n for n, _ in cordoned[1:]])]


def _cordoned(
    snapshot: Snapshot, node: KubeObject, live: list[KubeObject], clock: Clock, waiting: list[KubeObject],
    others: list[KubeObject],
) -> Finding:
    name = name_of(node)
    names = [name, *(name_of(n) for n in others)]
    taint = next((t for t in dig(node, "spec", "taints") or []
                  if t.get("key") == "node.kubernetes.io/unschedulable"), {})
    evidence = ["spec.unschedulable=true" if not others else f"spec.unschedulable=true on {', '.join(names)}"]
    if added := taint.get("timeAdded"):
        age = clock.age(added)
        evidence.append(f"cordoned since {added}" + (f" ({duration_text(age)})" if age is not None else ""))
    evidence.append(_pods_line(live))
    # Pods the cordons alone keep Pending are this finding's; pods that also lack room elsewhere (too
    # little cpu, a taint) are the pod finding's, which names the cordoned nodes among its reasons.
    stranded = [p for p in waiting if _only_cordoned(p)]
    severity = Severity.INFO
    if waiting:
        severity = Severity.CRITICAL if stranded else Severity.WARNING
        cond = condition(waiting[0], "PodScheduled") or {}
        evidence.append(f"{len(waiting)} pending pod(s) cannot be scheduled, e.g. {name_of(waiting[0])}: "
                        f"{clip(cond.get('message') or '')}")
    title = f"{len(names)} nodes are cordoned ({_names_text(names)})" if others else (
        f"Node {name} is cordoned")
    if waiting:
        title += f" while {len(waiting)} pod(s) wait for room"
        if len(stranded) == len(waiting):
            title += ": they fit nowhere else"
    which = "the node" if not others else "node {}"
    return Finding(
        CORDONED.id, severity, title, ref(node), reason="Unschedulable",
        message="No new pods are scheduled on the node; pods already there keep running.", evidence=evidence,
        remediation=[Remediation(f"Make {which.format(n)} schedulable again once maintenance is done",
                                 f"kubectl uncordon {n}") for n in names],
        affected=[ref(p) for p in stranded],
        related=[*(ref(n) for n in others), *_workloads(snapshot, waiting)])


def _names_text(names: list[str]) -> str:
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _blocked_by_cordon(pod: KubeObject) -> bool:
    cond = condition(pod, "PodScheduled") or {}
    return cond.get("status") == "False" and bool(_UNSCHEDULABLE.search(clip(cond.get("message") or "")))


def _only_cordoned(pod: KubeObject) -> bool:
    """Every node the scheduler ruled out for this pod was ruled out for being cordoned."""
    return cordon_only(scheduler_reasons((condition(pod, "PodScheduled") or {}).get("message") or ""))


def _workloads(snapshot: Snapshot, pods: list[KubeObject]) -> list[ObjectRef]:
    out: list[ObjectRef] = []
    for pod in pods:
        owner = workload_ref(snapshot, pod)
        if owner.kind != "Pod" and owner not in out:
            out.append(owner)
    return out[:10]
