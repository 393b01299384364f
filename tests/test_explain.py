"""`explain` without AI: the Explanation model from a snapshot, its renderers, and the command."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_prism.analyzers import run_analyzers
from kubectl_prism.explain.model import Explanation, build_explanation, findings_for, reference_time
from kubectl_prism.findings import Finding, ObjectRef, Severity
from kubectl_prism.kinds import parse_target
from kubectl_prism.render.explain_markdown import explanation_markdown
from kubectl_prism.render.explain_text import explanation_lines
from kubectl_prism.snapshot import Snapshot
from tests.cli_helpers import run_main as prism
from tests.diagnose_fixtures import NS, SECRET_VALUE_B64, shop_logs, shop_objects
from tests.dumps import write_as_cluster_dump
from tests.fakes.kube_apiserver import FakeKubeAPI

CRASHING = "web-6b7f9c8d5-z9k4p"
RUNNING = "web-6b7f9c8d5-q7x2m"
Capture = pytest.CaptureFixture[str]
pytestmark = pytest.mark.usefixtures("cli_env")  # the command tests run without any kubeconfig


def snapshot(objects: list[dict[str, Any]] | None = None, namespace: str | None = NS,
             source: str = "snapshot") -> Snapshot:
    snap = Snapshot(source=source, namespace=namespace)
    snap.add_all(shop_objects() if objects is None else objects)
    for log in shop_logs():
        from kubectl_prism.snapshot import LogKey

        snap.logs[LogKey(log["namespace"], log["pod"], log["container"], log["previous"])] = log["text"]
    return snap


def explain(target: str, snap: Snapshot | None = None, findings: list[Finding] | None = None) -> Explanation:
    snap = snap or snapshot()
    found = run_analyzers(snap) if findings is None else findings
    return build_explanation(snap, parse_target(target), found)


def related(ex: Explanation) -> dict[str, tuple[str, bool | None]]:
    return {f"{r.kind.lower()}/{r.name}": (r.relation, r.found) for r in ex.related}


# --- the model -----------------------------------------------------------------------------------

def test_deployment_what_it_is_spec_and_status() -> None:
    ex = explain("deploy/web")
    doc = ex.to_dict()
    assert (doc["apiVersion"], doc["kind"]) == ("prism/v1", "Explanation")
    assert doc["asOf"] == "2026-11-27T10:00:00Z"  # a snapshot is read as of its newest timestamp
    assert doc["object"]["kind"] == "Deployment" and doc["object"]["age"] == "120m"
    assert doc["object"]["labels"] == {"app": "web"}
    spec = doc["spec"]
    assert spec["replicas"] == 2 and spec["selector"] == "app=web"
    container = spec["containers"][0]
    assert container["image"] == "ghcr.io/acme/web:2.3.1"
    assert container["requests"] == {"cpu": "250m", "memory": "256Mi"}
    assert container["limits"] == {"memory": "512Mi"}
    probe = "http-get :8080/healthz delay=0s timeout=1s period=5s failure=3"
    assert container["probes"]["readiness"] == probe
    assert spec["volumes"] == [{"name": "config", "type": "configMap", "source": "web-config"}]
    available = next(c for c in doc["status"]["conditions"] if c["type"] == "Available")
    assert (available["status"], available["reason"]) == ("False", "MinimumReplicasUnavailable")
    assert doc["status"]["availableReplicas"] == 1


def test_pods_owner_chain_and_events() -> None:
    ex = explain("deploy/web")
    pods = {p["name"]: p for p in ex.pods}
    assert pods[CRASHING]["status"] == "CrashLoopBackOff" and pods[CRASHING]["ready"] == "0/1"
    assert pods[CRASHING]["restarts"] == 7 and pods[CRASHING]["node"] == "worker-1"
    assert pods[RUNNING]["status"] == "Running"
    backoff = next(e for e in ex.events if e["reason"] == "BackOff")
    assert backoff["object"] == f"pod/{CRASHING}" and backoff["count"] == 31 and backoff["type"] == "Warning"
    assert [str(o) for o in explain(f"pod/{CRASHING}").owner_chain] == [
        "shop/replicaset/web-6b7f9c8d5", "shop/deployment/web"]


def test_related_objects_both_ways() -> None:
    rel = related(explain("deploy/web"))
    assert rel["configmap/web-config"] == ("mounted as volume config", True)
    assert rel["secret/web-secrets"] == ("env DB_PASSWORD of container web (key db-password)", True)
    assert rel["replicaset/web-6b7f9c8d5"][0] == "owned ReplicaSet"
    assert rel["service/web"][0] == "selects its pods"
    assert rel["ingress/web"][0] == "routes to service/web"
    assert rel["horizontalpodautoscaler/web"][0] == "scales it"
    assert rel["poddisruptionbudget/web"][0] == "limits evictions of its pods"
    svc = related(explain("svc/web"))
    assert svc["endpoints/web"] == ("endpoints: 1 ready, 1 not ready", True)
    assert svc["deployment/web"][0] == "owns its pods (2 pods)"
    ing = related(explain("ing/web"))
    assert ing["service/web"] == ("backend service", True)
    assert ing["secret/web-secrets"] == ("TLS certificate", True)


def test_missing_reference_is_missing_only_when_the_kind_was_read() -> None:
    other_cm = {"apiVersion": "v1", "kind": "ConfigMap", "data": {},
                "metadata": {"name": "kube-root-ca.crt", "namespace": NS, "uid": "x",
                             "creationTimestamp": "2026-11-27T08:00:00Z"}}
    objects = [o for o in shop_objects() if o["kind"] != "ConfigMap"]
    assert related(explain("deploy/web", snapshot([*objects, other_cm])))["configmap/web-config"][1] is False
    assert related(explain("deploy/web", snapshot(objects)))["configmap/web-config"][1] is None
    text = explanation_lines(explain("deploy/web", snapshot([*objects, other_cm]))).text()
    assert re.search(r"configmap/web-config\s+missing\s+mounted as volume config", text)


def test_utilization_against_node_and_live_usage() -> None:
    u = explain("deploy/web").utilization
    assert u["perPod"] == {"requests": {"cpu": "250m", "memory": "256Mi"},
                           "limits": {"cpu": None, "memory": "512Mi"}}
    assert u["total"]["requests"] == {"cpu": "500m", "memory": "512Mi"} and u["pods"] == 2
    node = u["nodes"][0]
    assert node["name"] == "worker-1" and node["allocatable"]["cpu"] == "4"
    assert node["requestedHere"]["cpuPercent"] == 12.5
    assert "requestedByAllPods" not in node  # a namespace scope does not know the node's other pods
    assert u["usage"]["cpu"] == "51m" and u["usage"]["cpuOfRequests"] == 10.2
    busy = next(c for c in u["containers"] if c["pod"] == RUNNING)
    assert busy["usage"] == {"cpu": "50m", "memory": "300Mi"} and busy["memoryOfRequest"] == 117.2
    whole = explain("deploy/web", snapshot(namespace=None)).utilization["nodes"][0]
    assert whole["requestedByAllPods"]["cpu"] == "500m" and whole["usage"]["cpuPercent"] == 30.0


def test_node_utilization() -> None:
    u = explain("node/worker-1", snapshot(namespace=None)).utilization
    assert u["allocatable"] == {"cpu": "4", "memory": "15.5Gi"} and u["podCapacity"] == "110"
    assert u["requested"]["cpu"] == "500m" and u["requested"]["cpuPercent"] == 12.5
    assert u["usage"]["cpu"] == "1.2" and u["usage"]["memoryPercent"] == 38.8
    text = explanation_lines(explain("node/worker-1", snapshot(namespace=None))).text()
    assert "in use: cpu 1.2 (30.0%), memory 6Gi (38.8%)" in text


def test_without_metrics_the_gap_says_so() -> None:
    ex = explain("deploy/web", snapshot(shop_objects(with_metrics=False)))
    assert "usage" not in ex.utilization and ex.utilization["metrics"] == "unavailable"
    assert [g.line() for g in ex.gaps] == ["could not read metrics.k8s.io in shop: not in the snapshot"]
    text = explanation_lines(ex).text()
    assert "live usage: unknown (not in the snapshot)" in text
    assert "  ! could not read metrics.k8s.io in shop: not in the snapshot" in text
    assert not explain("deploy/web").gaps


def test_findings_are_those_of_the_object_and_its_pods() -> None:
    stray = {**shop_objects()[3], "metadata": {**shop_objects()[3]["metadata"], "name": "stray",
                                                 "ownerReferences": [], "labels": {"app": "stray"}}}
    stray["status"] = next(o for o in shop_objects() if o["metadata"]["name"] == CRASHING)["status"]
    snap = snapshot([*shop_objects(), stray])
    everything = run_analyzers(snap)
    assert any(f.object.name == "stray" for f in everything)
    mine = explain("deploy/web", snap).findings
    assert any(f.object.name == CRASHING and f.severity is Severity.CRITICAL for f in mine)
    assert any(f.object == ObjectRef("Deployment", "web", NS) for f in mine)
    assert not any(f.object.name == "stray" or ObjectRef("Pod", "stray", NS) in f.affected for f in mine)


def test_findings_bring_their_causes_along() -> None:
    pod = ObjectRef("Pod", CRASHING, NS)
    crash = Finding("pod-crash-loop", Severity.CRITICAL, "crash", pod)
    svc = Finding("service-no-ready-endpoints", Severity.WARNING, "svc", ObjectRef("Service", "web", NS),
                  caused_by={"rule": "pod-crash-loop", "object": pod.to_dict()})
    ing = Finding("ingress-backend-down", Severity.WARNING, "ing", ObjectRef("Ingress", "web", NS),
                  caused_by={"rule": "service-no-ready-endpoints",
                             "object": {"kind": "Service", "namespace": NS, "name": "web"}})
    other = Finding("node-not-ready", Severity.CRITICAL, "node", ObjectRef("Node", "worker-9"))
    snap = snapshot()
    obj = snap.get("Ingress", NS, "web")
    assert obj is not None
    assert [f.id for f in findings_for(snap, obj, [crash, svc, ing, other])] == [
        "pod-crash-loop", "service-no-ready-endpoints", "ingress-backend-down"]


def test_secret_values_never_appear() -> None:
    ex = explain("secret/web-secrets")
    assert ex.spec["keys"] == ["db-password"] and ex.spec["type"] == "Opaque"
    rendered = json.dumps(ex.to_dict()) + explanation_lines(ex).text() + explanation_markdown(ex)
    decoded = base64.b64decode(SECRET_VALUE_B64).decode()
    assert SECRET_VALUE_B64 not in rendered and decoded not in rendered
    assert related(ex)["deployment/web"][0].startswith("uses it: env DB_PASSWORD")


def test_reference_time_is_the_clock_for_a_live_cluster() -> None:
    assert abs(reference_time(snapshot(source="live")) - datetime.now(UTC)) < timedelta(seconds=5)


def test_text_and_markdown_sections() -> None:
    ex = explain("deploy/web")
    text = explanation_lines(ex).text()
    order = ["Deployment web in namespace shop (snapshot, as of 2026-11-27T10:00:00Z)", "\nSpec\n",
             "\nStatus\n", "\nPods (2)\n", "\nRelated (", "\nEvents (", "\nFindings (",
             "\nResource utilization\n"]
    positions = [text.index(s) for s in order]
    assert positions == sorted(positions)
    assert re.search(rf"{CRASHING}\s+CrashLoopBackOff\s+0/1\s+7\s+worker-1\s+120m", text)
    assert "per pod: requests cpu 250m, memory 256Mi; limits memory 512Mi" in text
    assert "- Available=False MinimumReplicasUnavailable for 120m: Deployment does not have minimum" in text
    md = explanation_markdown(ex)
    for heading in ("# Deployment `web` in namespace `shop`", "## Spec", "## Status", "## Pods (2)",
                    "## Related objects (", "## Recent events", "## Resource utilization", "## Findings",
                    "### Summary"):
        assert f"\n{heading}" in f"\n{md}", heading
    assert f"| {CRASHING} | CrashLoopBackOff | 0/1 | 7 | worker-1 | 120m |" in md


# --- the command ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_as_cluster_dump(shop_objects(), shop_logs(), tmp_path_factory.mktemp("dump"))


def test_explain_every_format(capsys: Capture, dump: Path) -> None:
    code, text, err = prism(capsys, "explain", "deploy/web", "-n", NS, "--snapshot", dump)
    assert code == 0, err
    assert "\x1b[" not in text and text.startswith("Deployment web in namespace shop (snapshot")
    assert "CrashLoopBackOff" in text and "Resource utilization" in text
    code, out, _ = prism(capsys, "explain", "deploy/web", "-n", NS, "--snapshot", dump, "-o", "json")
    doc = json.loads(out)
    assert code == 0 and (doc["apiVersion"], doc["kind"]) == ("prism/v1", "Explanation")
    assert doc["scope"] == {"context": None, "namespace": NS, "target": "deployment/web",
                            "source": "snapshot"}
    assert doc["findings"] and {p["name"] for p in doc["pods"]} == {CRASHING, RUNNING}
    assert doc["utilization"]["usage"]["cpu"] == "51m"
    _, out, _ = prism(capsys, "explain", "deploy/web", "-n", NS, "--snapshot", dump, "-o", "yaml")
    assert yaml.safe_load(out) == doc
    _, out, _ = prism(capsys, "explain", "deploy/web", "-n", NS, "--snapshot", dump, "-o", "markdown")
    assert out.startswith("# Deployment `web` in namespace `shop`")


@pytest.mark.parametrize("target", ["svc/web", f"po/{CRASHING}", "ing/web", "hpa/web", "pdb/web",
                                    "cm/web-config", "secret/web-secrets", "ns/shop", "node/worker-1",
                                    "rs/web-6b7f9c8d5"])
def test_explain_each_kind(capsys: Capture, dump: Path, target: str) -> None:
    code, out, err = prism(capsys, "explain", target, "-n", NS, "--snapshot", dump, "-o", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert f"{doc['object']['kind'].lower()}/{doc['object']['name']}" == str(parse_target(target))
    assert SECRET_VALUE_B64 not in out


@pytest.mark.parametrize(("args", "code", "message"), [
    (["explain"], 2, "TARGET"),
    (["explain", "web"], 2, "expected KIND/NAME"),
    (["explain", "frob/web"], 2, "accepted kinds"),
    (["explain", "deploy/web", "-A"], 2, "-A"),
    (["explain", "deploy/nope", "-n", NS], 3, "not found"),
])
def test_explain_errors(capsys: Capture, dump: Path, args: list[str], code: int, message: str) -> None:
    got, out, err = prism(capsys, *args, "--snapshot", dump)
    assert got == code
    assert message in err and "Traceback" not in err and out == ""


def test_explain_ai_flag_without_ai_exits_4_after_the_explanation(capsys: Capture, dump: Path) -> None:
    code, out, err = prism(capsys, "explain", "svc/web", "-n", NS, "--snapshot", dump, "--ai")
    assert code == 4
    assert out.startswith("Service web in namespace shop") and "kubectl prism ai enable" in err


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Path]:
    with FakeKubeAPI(shop_objects(), shop_logs()) as api:
        yield api.write_kubeconfig(tmp_path / "kubeconfig", namespace=NS)


def test_explain_live(capsys: Capture, live: Path) -> None:
    code, out, err = prism(capsys, "explain", "deploy/web", "--kubeconfig", live, "-o", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["scope"]["source"] == "live" and doc["scope"]["context"] == "fake"
    assert {p["name"] for p in doc["pods"]} == {CRASHING, RUNNING}
    assert any(f["object"]["name"] == CRASHING for f in doc["findings"])
    as_of = datetime.fromisoformat(doc["asOf"].replace("Z", "+00:00"))
    assert abs(as_of - datetime.now(UTC)) < timedelta(minutes=1)


def test_explain_ai_answer_in_the_document(capsys: Capture, dump: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.ai_support import enable_ai
    from tests.fakes.ai_server import FakeAIServer, tool

    answer = {"root_cause": "web cannot reach its database", "confidence": "medium", "evidence": [],
              "remediation": []}
    with FakeAIServer() as server:
        enable_ai(server, monkeypatch)
        server.enqueue(tool("report_diagnosis", answer, text="Web depends on the database."))
        code, out, err = prism(capsys, "explain", "deploy/web", "-n", NS, "--snapshot", dump, "-o", "json")
        assert code == 0, err
        doc = json.loads(out)
        assert doc["ai"]["root_cause"] == answer["root_cause"]
        sent = server.all_bytes()
    assert b"web-6b7f9c8d5-z9k4p" in sent  # the object's findings and context went to the provider...
    assert SECRET_VALUE_B64.encode() not in sent  # ...and never a Secret's value
