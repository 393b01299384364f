"""The health report model and its three renderings, from an in-memory cluster with known numbers."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest

from kubectl_prism.commands.report import ReportFormat, render
from kubectl_prism.findings import Diagnosis, Finding, ObjectRef, Remediation, Scope, Severity
from kubectl_prism.redact.output import clear_for_output
from kubectl_prism.report.model import HealthReport, build_report
from kubectl_prism.snapshot import Gap, Snapshot


def _render(health: HealthReport, fmt: ReportFormat, generated: str) -> str:
    return render(clear_for_output(health), fmt, generated).content


def node(name: str, ready: bool = True, cpu: str = "4", memory: str = "8Gi", **extra: object) -> dict:
    conditions = [{"type": "Ready", "status": "True" if ready else "Unknown"}]
    conditions += [{"type": c, "status": "True"} for c in extra.pop("pressure", [])]  # type: ignore[attr-defined]
    return {
        "kind": "Node",
        "apiVersion": "v1",
        "metadata": {"name": name},
        "spec": dict(extra),
        "status": {"allocatable": {"cpu": cpu, "memory": memory}, "conditions": conditions},
    }


def pod(
    ns: str, name: str, node_name: str, cpu: str, memory: str, phase: str = "Running", restarts: int = 0
) -> dict:
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "nodeName": node_name,
            "containers": [
                {
                    "name": "app",
                    "resources": {
                        "requests": {"cpu": cpu, "memory": memory},
                        "limits": {"cpu": cpu, "memory": memory},
                    },
                }
            ],
        },
        "status": {
            "phase": phase,
            "containerStatuses": [
                {
                    "name": "app",
                    "restartCount": restarts,
                    "lastState": {"terminated": {"reason": "OOMKilled"}} if restarts else {},
                }
            ],
        },
    }


def deployment(ns: str, name: str, replicas: int, ready: int) -> dict:
    return {
        "kind": "Deployment",
        "apiVersion": "apps/v1",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"replicas": replicas},
        "status": {"readyReplicas": ready},
    }


@pytest.fixture
def cluster() -> tuple[Snapshot, Diagnosis]:
    snap = Snapshot(source="snapshot", context="kind-dev")
    snap.add_all(
        [
            node("node-a"),
            node("node-b", ready=False, pressure=["MemoryPressure"], unschedulable=True),
            pod("shop", "api-1", "node-a", "500m", "1Gi", restarts=7),
            pod("shop", "api-2", "node-a", "500m", "1Gi", restarts=3),
            pod("shop", "web-1", "node-b", "1", "2Gi"),
            pod("shop", "done-1", "node-a", "2", "2Gi", phase="Succeeded"),
            deployment("shop", "api", 2, 0),
            deployment("shop", "web", 2, 1),
            deployment("shop", "idle", 0, 0),
            {
                "kind": "Event",
                "apiVersion": "v1",
                "metadata": {"name": "e1", "namespace": "shop"},
                "type": "Warning",
                "reason": "BackOff",
                "message": "Back-off restarting | failed container",
                "count": 12,
                "lastTimestamp": "2026-11-28T03:00:00Z",
                "involvedObject": {"kind": "Pod", "name": "api-1"},
            },
            {
                "kind": "Event",
                "apiVersion": "v1",
                "metadata": {"name": "e2", "namespace": "shop"},
                "type": "Normal",
                "reason": "Pulled",
                "message": "ok",
                "involvedObject": {"kind": "Pod", "name": "web-1"},
            },
            {
                "kind": "NodeMetrics",
                "apiVersion": "metrics.k8s.io/v1beta1",
                "metadata": {"name": "node-a"},
                "usage": {"cpu": "250m", "memory": "1Gi"},
            },
            {
                "kind": "PodMetrics",
                "apiVersion": "metrics.k8s.io/v1beta1",
                "metadata": {"name": "api-1", "namespace": "shop"},
                "containers": [{"name": "app", "usage": {"cpu": "10m", "memory": "64Mi"}}],
            },
            {
                "kind": "PodMetrics",
                "apiVersion": "metrics.k8s.io/v1beta1",
                "metadata": {"name": "web-1", "namespace": "shop"},
                "containers": [{"name": "app", "usage": {"cpu": "1500m", "memory": "1Gi"}}],
            },
        ]
    )
    snap.add_gap("pods/log", "shop", "forbidden")
    finding = Finding(
        id="pod-oom-killed",
        severity=Severity.CRITICAL,
        title="Deployment api: 2/2 pods OOM-killed (limit 1Gi)",
        object=ObjectRef("Pod", "api-1", "shop"),
        owner=ObjectRef("Deployment", "api", "shop"),
        reason="OOMKilled",
        evidence=["lastState.terminated.reason=OOMKilled exitCode=137"],
        remediation=[
            Remediation(
                "Raise the memory limit",
                "kubectl -n shop set resources deployment/api -c app --limits=memory=2Gi",
            )
        ],
        affected=[ObjectRef("Pod", "api-1", "shop"), ObjectRef("Pod", "api-2", "shop")],
    )
    warning = Finding(
        id="node-not-ready",
        severity=Severity.WARNING,
        title="Node node-b is NotReady <b>",
        object=ObjectRef("Node", "node-b"),
    )
    diagnosis = Diagnosis(Scope("kind-dev", None, None, "snapshot"), [finding, warning], list(snap.gaps))
    return snap, diagnosis


def test_model_numbers(cluster: tuple[Snapshot, Diagnosis]) -> None:
    report = build_report(*cluster)
    card = report.scorecard()
    assert card["workloads"] == {"healthy": 1, "degraded": 1, "failing": 1}
    assert card["nodes"] == {"ready": 1, "total": 2}
    assert card["pods"] == {"Running": 3, "Succeeded": 1, "total": 4}
    node_a = next(n for n in report.nodes if n.name == "node-a")
    assert node_a.requested.cpu == pytest.approx(1.0)  # the Succeeded pod holds nothing
    assert node_a.cpu_requested_pct == pytest.approx(25.0)
    node_b = next(n for n in report.nodes if n.name == "node-b")
    assert node_b.pressure == ["MemoryPressure"] and not node_b.schedulable and not node_b.ready
    assert report.capacity["requested"].memory == pytest.approx(4 * 2**30)
    assert report.capacity["usage"].cpu == pytest.approx(0.25)
    verdicts = {(p.pod, p.verdict) for p in report.provisioning}
    assert verdicts == {("api-1", "over-provisioned"), ("web-1", "under-provisioned")}
    assert [(r.pod, r.restarts) for r in report.top_restarts] == [("api-1", 7), ("api-2", 3)]
    assert [e.reason for e in report.warning_events] == ["BackOff"]


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_is_self_contained_and_charts_match_the_data(cluster: tuple[Snapshot, Diagnosis]) -> None:
    html = _render(build_report(*cluster), ReportFormat.html, "2026-11-28 03:00 UTC")
    parser = _Collector()
    parser.feed(html)
    tags = [t for t, _ in parser.tags]
    assert "script" not in tags and "link" not in tags
    assert not any((a.get("src") or "").startswith("http") for _, a in parser.tags)
    bars = {(a["data-label"], a["data-value"]) for t, a in parser.tags if t == "rect" and "data-value" in a}
    assert {("critical", "1"), ("warning", "1"), ("info", "0")} <= bars
    assert {("healthy", "1"), ("degraded", "1"), ("failing", "1")} <= bars
    assert ("node-a CPU", "25") in bars
    charts = {a.get("data-chart") for t, a in parser.tags if t == "svg"}
    assert {"findings", "workloads", "nodes", "capacity-cpu", "capacity-memory"} <= charts
    findings = {a.get("data-finding") for t, a in parser.tags if t == "div" and "data-finding" in a}
    assert findings == {"pod-oom-killed", "node-not-ready"}
    assert "Node node-b is NotReady &lt;b&gt;" in html  # escaped, not markup
    assert "could not read pods/log in shop: forbidden" in "".join(parser.text)


def test_markdown_tables_and_details(cluster: tuple[Snapshot, Diagnosis]) -> None:
    md = _render(build_report(*cluster), ReportFormat.md, "2026-11-28 03:00 UTC")
    assert md.startswith("# Kubernetes health report")
    for heading in (
        "## Scorecard",
        "## Findings",
        "## Nodes",
        "## Workloads",
        "## Capacity and utilization",
        "## Top restarting pods",
        "## Recent warning events",
        "## Gaps",
    ):
        assert heading in md
    assert "<details><summary>Evidence (1)</summary>" in md
    assert "kubectl -n shop set resources deployment/api -c app --limits=memory=2Gi" in md
    assert "Back-off restarting \\| failed container" in md  # pipes escaped inside tables
    assert "| node-a | yes | yes | none | 1 / 4 (25%) |" in md


def test_json_is_the_diagnosis_document_plus_report(cluster: tuple[Snapshot, Diagnosis]) -> None:
    doc = json.loads(_render(build_report(*cluster), ReportFormat.json, "now"))
    assert doc["apiVersion"] == "prism/v1" and doc["kind"] == "HealthReport"
    assert doc["summary"] == {"critical": 1, "warning": 1, "info": 0}
    assert doc["report"]["scorecard"]["nodes"] == {"ready": 1, "total": 2}
    assert doc["gaps"] == [Gap("pods/log", "shop", "forbidden").to_dict()]
    assert doc["report"]["metricsAvailable"] is True
