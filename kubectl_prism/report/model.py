"""The health report model, built from a Snapshot and its Diagnosis (no I/O, no rendering)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from kubectl_prism.findings import Diagnosis, Finding, ObjectRef, Severity
from kubectl_prism.object_graph import condition
from kubectl_prism.quantity import format_bytes, format_cpu
from kubectl_prism.resources import (
    Resources,
    has_metrics,
    is_active,
    node_allocatable,
    node_usage,
    pod_resources,
    pod_usage,
)
from kubectl_prism.snapshot import KubeObject, Snapshot, name_of, namespace_of
from kubectl_prism.timeutil import event_time

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job")
PRESSURE_CONDITIONS = ("MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable")
TOP_RESTARTS = 10
RECENT_WARNINGS = 20
# Live usage below this share of the request marks a workload over-provisioned; above 1.0, under.
OVER_PROVISIONED_BELOW = 0.2


@dataclass
class NodeRow:
    name: str
    ready: bool
    schedulable: bool
    pressure: list[str]
    allocatable: Resources
    requested: Resources
    usage: Resources | None

    @property
    def cpu_requested_pct(self) -> float:
        return 100 * self.requested.cpu / self.allocatable.cpu if self.allocatable.cpu else 0.0

    @property
    def memory_requested_pct(self) -> float:
        return 100 * self.requested.memory / self.allocatable.memory if self.allocatable.memory else 0.0

    def cpu_summary(self) -> str:
        """`1.2 / 4 (30%)`: requested of allocatable."""
        requested, allocatable = format_cpu(self.requested.cpu), format_cpu(self.allocatable.cpu)
        return f"{requested} / {allocatable} ({self.cpu_requested_pct:.0f}%)"

    def memory_summary(self) -> str:
        requested, allocatable = format_bytes(self.requested.memory), format_bytes(self.allocatable.memory)
        return f"{requested} / {allocatable} ({self.memory_requested_pct:.0f}%)"


@dataclass
class WorkloadRow:
    kind: str
    namespace: str | None
    name: str
    desired: int
    ready: int
    status: str  # healthy | degraded | failing
    worst: str | None  # worst finding severity on it


@dataclass
class ProvisioningRow:
    namespace: str | None
    pod: str
    requested: Resources
    usage: Resources
    verdict: str  # over-provisioned | under-provisioned


@dataclass
class RestartRow:
    namespace: str | None
    pod: str
    container: str
    restarts: int
    last_reason: str


@dataclass
class EventRow:
    namespace: str | None
    object: str
    reason: str
    message: str
    count: int
    last_seen: str


@dataclass
class HealthReport:
    diagnosis: Diagnosis
    nodes: list[NodeRow] = field(default_factory=list)
    workloads: list[WorkloadRow] = field(default_factory=list)
    capacity: dict[str, Resources] = field(default_factory=dict)  # allocatable, requested, limits, usage
    provisioning: list[ProvisioningRow] = field(default_factory=list)
    top_restarts: list[RestartRow] = field(default_factory=list)
    warning_events: list[EventRow] = field(default_factory=list)
    metrics_available: bool = False
    pods: dict[str, int] = field(default_factory=dict)
    ai_summary: dict[str, Any] | None = None

    @property
    def findings(self) -> list[Finding]:
        return self.diagnosis.findings

    def scorecard(self) -> dict[str, Any]:
        statuses = ("healthy", "degraded", "failing")
        workloads = {s: sum(1 for w in self.workloads if w.status == s) for s in statuses}
        return {
            "workloads": workloads,
            "nodes": {"ready": sum(1 for n in self.nodes if n.ready), "total": len(self.nodes)},
            "pods": self.pods,
            "findings": self.diagnosis.summary(),
        }

    def to_dict(self) -> dict[str, Any]:
        doc = self.diagnosis.to_dict()
        doc["kind"] = "HealthReport"
        doc["report"] = {
            "scorecard": self.scorecard(),
            "nodes": [
                {
                    **asdict(n),
                    "cpuRequestedPercent": round(n.cpu_requested_pct, 1),
                    "memoryRequestedPercent": round(n.memory_requested_pct, 1),
                }
                for n in self.nodes
            ],
            "workloads": [asdict(w) for w in self.workloads],
            "capacity": {k: asdict(v) for k, v in self.capacity.items()},
            "metricsAvailable": self.metrics_available,
            "provisioning": [asdict(p) for p in self.provisioning],
            "topRestarts": [asdict(r) for r in self.top_restarts],
            "warningEvents": [asdict(e) for e in self.warning_events],
            "aiSummary": self.ai_summary,
        }
        return doc


def _worst_by_object(findings: list[Finding]) -> dict[ObjectRef, Severity]:
    worst: dict[ObjectRef, Severity] = {}
    for f in findings:
        for ref in (f.object, f.owner, *f.affected):
            if ref is not None and (ref not in worst or f.severity.at_least(worst[ref])):
                worst[ref] = f.severity
    return worst


def _desired_ready(obj: KubeObject) -> tuple[int, int]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    kind = obj.get("kind")
    if kind == "DaemonSet":
        return int(status.get("desiredNumberScheduled") or 0), int(status.get("numberReady") or 0)
    if kind == "Job":
        completions = int(spec.get("completions") or 1)
        return completions, int(status.get("succeeded") or 0)
    replicas = spec.get("replicas")
    return (1 if replicas is None else int(replicas)), int(status.get("readyReplicas") or 0)


def _workload_status(obj: KubeObject, desired: int, ready: int, worst: Severity | None) -> str:
    if obj.get("kind") == "Job":
        failed = condition(obj, "Failed")
        if failed and failed.get("status") == "True":
            return "failing"
        complete = condition(obj, "Complete")
        if complete and complete.get("status") == "True":
            return "healthy"
        return "degraded" if worst is Severity.CRITICAL else "healthy"
    if desired == 0:
        return "healthy"
    if ready == 0:
        return "failing"
    if ready < desired or worst is Severity.CRITICAL:
        return "degraded"
    return "healthy"


def _workloads(snapshot: Snapshot, findings: list[Finding]) -> list[WorkloadRow]:
    worst = _worst_by_object(findings)
    rows = []
    for kind in WORKLOAD_KINDS:
        for obj in snapshot.of_kind(kind):
            ref = ObjectRef(kind, name_of(obj), namespace_of(obj))
            desired, ready = _desired_ready(obj)
            severity = worst.get(ref)
            rows.append(
                WorkloadRow(
                    kind,
                    ref.namespace,
                    ref.name,
                    desired,
                    ready,
                    _workload_status(obj, desired, ready, severity),
                    severity.value if severity else None,
                )
            )
    order = {"failing": 0, "degraded": 1, "healthy": 2}
    rows.sort(key=lambda w: (order[w.status], w.namespace or "", w.kind, w.name))
    return rows


def _active_requests(snapshot: Snapshot) -> list[tuple[KubeObject, Resources]]:
    """Each pod holding node resources with its requests, worked out once for every section."""
    return [(pod, pod_resources(pod)) for pod in snapshot.of_kind("Pod") if is_active(pod)]


def _requested_on_nodes(active: list[tuple[KubeObject, Resources]]) -> dict[str, Resources]:
    totals: dict[str, Resources] = {}
    for pod, requests in active:
        node = (pod.get("spec") or {}).get("nodeName")
        if node:
            totals[node] = totals.get(node, Resources()) + requests
    return totals


def _nodes(snapshot: Snapshot, active: list[tuple[KubeObject, Resources]]) -> list[NodeRow]:
    requested = _requested_on_nodes(active)
    usage = node_usage(snapshot)
    rows = []
    for node in snapshot.of_kind("Node"):
        name = name_of(node)
        ready_cond = condition(node, "Ready")
        pressure = [c for c in PRESSURE_CONDITIONS if (condition(node, c) or {}).get("status") == "True"]
        rows.append(
            NodeRow(
                name=name,
                ready=bool(ready_cond and ready_cond.get("status") == "True"),
                schedulable=not (node.get("spec") or {}).get("unschedulable", False),
                pressure=pressure,
                allocatable=node_allocatable(node),
                requested=requested.get(name, Resources()),
                usage=usage.get(name),
            )
        )
    return sorted(rows, key=lambda n: (n.ready, n.name))


def _provisioning(snapshot: Snapshot) -> list[ProvisioningRow]:
    usage = pod_usage(snapshot)
    rows = []
    for pod in snapshot.of_kind("Pod"):
        key = (namespace_of(pod), name_of(pod))
        if key not in usage or not is_active(pod):
            continue
        req, used = pod_resources(pod), usage[key]
        ratios = [u / r for u, r in ((used.cpu, req.cpu), (used.memory, req.memory)) if r]
        if not ratios:
            continue
        if max(ratios) > 1.0:
            verdict = "under-provisioned"
        elif max(ratios) < OVER_PROVISIONED_BELOW:
            verdict = "over-provisioned"
        else:
            continue
        rows.append(ProvisioningRow(key[0], key[1], req, used, verdict))
    return sorted(rows, key=lambda r: (r.verdict, r.namespace or "", r.pod))


def _restarts(snapshot: Snapshot) -> list[RestartRow]:
    rows = []
    for pod in snapshot.of_kind("Pod"):
        for cs in (pod.get("status") or {}).get("containerStatuses") or []:
            count = int(cs.get("restartCount") or 0)
            if count:
                last = ((cs.get("lastState") or {}).get("terminated") or {}).get("reason", "")
                rows.append(RestartRow(namespace_of(pod), name_of(pod), cs.get("name", ""), count, last))
    rows.sort(key=lambda r: (-r.restarts, r.namespace or "", r.pod))
    return rows[:TOP_RESTARTS]


def _warnings(snapshot: Snapshot) -> list[EventRow]:
    rows = []
    for ev in snapshot.of_kind("Event"):
        if ev.get("type") != "Warning":
            continue
        ref = ev.get("involvedObject") or ev.get("regarding") or {}
        rows.append(
            EventRow(
                namespace_of(ev),
                f"{str(ref.get('kind', '')).lower()}/{ref.get('name', '')}",
                ev.get("reason", ""),
                (ev.get("message") or ev.get("note") or "").strip(),
                int(ev.get("count") or 1),
                event_time(ev),
            )
        )
    rows.sort(key=lambda e: e.last_seen, reverse=True)
    return rows[:RECENT_WARNINGS]


def _capacity(nodes: list[NodeRow], active: list[tuple[KubeObject, Resources]]) -> dict[str, Resources]:
    capacity = {
        "allocatable": sum((n.allocatable for n in nodes), Resources()),
        "requested": sum((requests for _, requests in active), Resources()),
        "limits": sum((pod_resources(p, "limits") for p, _ in active), Resources()),
    }
    if any(n.usage for n in nodes):
        capacity["usage"] = sum((n.usage for n in nodes if n.usage), Resources())
    return capacity


def _pod_phases(snapshot: Snapshot) -> dict[str, int]:
    phases: dict[str, int] = {}
    for pod in snapshot.of_kind("Pod"):
        phase = (pod.get("status") or {}).get("phase") or "Unknown"
        phases[phase] = phases.get(phase, 0) + 1
    phases["total"] = sum(phases.values())
    return phases


def build_report(snapshot: Snapshot, diagnosis: Diagnosis) -> HealthReport:
    active = _active_requests(snapshot)
    nodes = _nodes(snapshot, active)
    return HealthReport(
        diagnosis=diagnosis,
        nodes=nodes,
        workloads=_workloads(snapshot, diagnosis.findings),
        capacity=_capacity(nodes, active),
        provisioning=_provisioning(snapshot),
        top_restarts=_restarts(snapshot),
        warning_events=_warnings(snapshot),
        metrics_available=has_metrics(snapshot),
        pods=_pod_phases(snapshot),
    )
