"""`kubectl prism exporter`: /metrics scraped over HTTP and parsed with prometheus_client's own parser;
its numbers are the ones `diagnose -o json` reports for the same clusters."""

from __future__ import annotations

import json
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from kubectl_prism.exporter.metrics import PrismCollector, series_of
from kubectl_prism.findings import Diagnosis, Finding, ObjectRef, Scope, Severity
from kubectl_prism.kinds import BY_KIND
from kubectl_prism.redact.output import clear_for_output
from tests.cli_helpers import EXE
from tests.cli_helpers import run_main as prism
from tests.fakes.kube_apiserver import FakeKubeAPI
from tests.fleet_support import Member, closed_port_url, write_fleet_kubeconfig

ROOT = Path(__file__).resolve().parent.parent
SHOP = ROOT / "tests" / "fakes" / "scenarios" / "shop.yaml"
IMAGE = ROOT / "tests" / "scenarios" / "pods-image-not-found.yaml"
Capture = pytest.CaptureFixture[str]


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, FakeKubeAPI]]:
    apis = {"prod-eu": FakeKubeAPI.from_scenario(SHOP).start(),
            "prod-us": FakeKubeAPI.from_scenario(IMAGE).start()}
    yield apis
    for api in apis.values():
        api.stop()


@pytest.fixture(scope="module")
def kubeconfig(servers: dict[str, FakeKubeAPI], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_fleet_kubeconfig(tmp_path_factory.mktemp("exporter") / "kubeconfig", [
        Member("prod-eu", servers["prod-eu"]), Member("prod-us", servers["prod-us"]),
        Member("prod-gone", url=closed_port_url())])


class Exporter:
    """A running `kubectl-prism exporter` child; `url` is its /metrics."""

    def __init__(self, *args: str | Path) -> None:
        self.proc = subprocess.Popen([str(EXE), "exporter", "--port", "0", *map(str, args)],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert self.proc.stderr is not None
        first = self.proc.stderr.readline()
        assert " on http://" in first, first + self.proc.stderr.read()
        self.url = first.split(" on ")[1].split()[0]
        self.base = self.url.rsplit("/", 1)[0]

    def get(self, path: str = "/metrics") -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.base + path, timeout=5) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    def scrape_after_runs(self, clusters: int, seconds: float = 30) -> dict[str, list]:
        """Parsed families once each of the `clusters` has a run behind it."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            families = self.families()
            if len(families.get("prism_last_run_timestamp_seconds", [])) >= clusters:
                return families
            time.sleep(0.1)
        raise AssertionError(f"no complete run within {seconds}s:\n{self.get()[1]}")

    def families(self) -> dict[str, list]:
        _, text = self.get()
        return {f.name: f.samples for f in text_string_to_metric_families(text)}

    def stop(self) -> tuple[int, str]:
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=15)
        assert self.proc.stderr is not None
        return code, self.proc.stderr.read()


@pytest.fixture
def fleet_exporter(kubeconfig: Path) -> Iterator[Exporter]:
    exporter = Exporter("--interval", "1s", "-A", "--all-contexts", "--kubeconfig", kubeconfig,
                        "--context-timeout", "10s")
    yield exporter
    if exporter.proc.poll() is None:
        exporter.stop()


def _findings_by_severity(samples: list, cluster: str) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for s in samples:
        if s.labels["cluster"] == cluster:
            counts[s.labels["severity"]] += int(s.value)
    return {sev: counts.get(sev, 0) for sev in ("critical", "warning", "info")}


def test_metrics_equal_what_diagnose_reports(capsys: Capture, fleet_exporter: Exporter, kubeconfig: Path,
                                             servers: dict[str, FakeKubeAPI]) -> None:
    families = fleet_exporter.scrape_after_runs(clusters=3)
    for context in ("prod-eu", "prod-us"):
        code, out, err = prism(capsys, "diagnose", "-A", "--kubeconfig", kubeconfig, "--context", context,
                               "-o", "json")
        assert code == 0, err
        doc = json.loads(out)
        assert _findings_by_severity(families["prism_findings"], context) == doc["summary"]
        rules = {s.labels["rule"] for s in families["prism_findings"] if s.labels["cluster"] == context}
        assert rules == {f["id"] for f in doc["findings"]}
        gaps = [s.value for s in families["prism_gaps"] if s.labels["cluster"] == context]
        assert gaps == [len(doc["gaps"])]
        checked = {s.labels["kind"]: int(s.value) for s in families["prism_objects_checked"]
                   if s.labels["cluster"] == context}
        assert checked["Pod"] == len(servers[context].objects("Pod"))
        assert checked["Node"] == len(servers[context].objects("Node"))
    up = {s.labels["cluster"]: s.value for s in families["prism_up"]}
    assert up == {"prod-eu": 1, "prod-us": 1, "prod-gone": 0}
    errors = {s.labels["cluster"]: s.value for s in families["prism_run_errors"] if s.name.endswith("_total")}
    assert errors["prod-gone"] >= 1 and errors["prod-eu"] == 0
    assert not [s for s in families["prism_findings"] if s.labels["cluster"] == "prod-gone"]
    durations = {s.labels["cluster"]: s.value for s in families["prism_run_duration_seconds"]}
    assert all(0 < d < 10 for d in durations.values())
    now = time.time()
    assert all(now - 60 < s.value <= now for s in families["prism_last_run_timestamp_seconds"])
    assert "process_resident_memory_bytes" in families


def test_no_pod_name_is_ever_a_label(fleet_exporter: Exporter, servers: dict[str, FakeKubeAPI]) -> None:
    families = fleet_exporter.scrape_after_runs(clusters=3)
    pods = {p["metadata"]["name"] for api in servers.values() for p in api.objects("Pod")}
    values = {v for samples in families.values() for s in samples for v in s.labels.values()}
    assert not values & pods
    owners = {(s.labels["kind"], s.labels["name"]) for s in families["prism_findings"]}
    assert ("Deployment", "api") in owners and ("Deployment", "web") in owners


def test_http_endpoints_and_a_clean_stop(fleet_exporter: Exporter) -> None:
    fleet_exporter.scrape_after_runs(clusters=3)
    assert fleet_exporter.get("/healthz") == (200, "ok\n")
    status, page = fleet_exporter.get("/")
    assert status == 200 and 'href="/metrics"' in page
    assert fleet_exporter.get("/secrets")[0] == 404
    code, log = fleet_exporter.stop()
    assert code == 0, log
    assert "prod-eu: ok in" in log and "prod-gone: unreachable in" in log and "Traceback" not in log


def test_a_finding_that_went_away_takes_its_series_with_it(kubeconfig: Path, tmp_path: Path) -> None:
    api = FakeKubeAPI.from_scenario(IMAGE).start()
    try:
        single = write_fleet_kubeconfig(tmp_path / "kubeconfig", [Member("lab", api)])
        exporter = Exporter("--interval", "1s", "-A", "--kubeconfig", single, "--cluster-name", "lab-eu")
        try:
            families = exporter.scrape_after_runs(clusters=1)
            assert {s.labels["cluster"] for s in families["prism_findings"]} == {"lab-eu"}
            assert any(s.labels["rule"] == "pod-image-pull" for s in families["prism_findings"])
            for pod in api.objects("Pod"):  # the broken rollout is gone
                api.store.delete(BY_KIND["Pod"], "shop", pod["metadata"]["name"], dry_run=False)
            end = time.monotonic() + 20
            while time.monotonic() < end:
                rules = {s.labels["rule"] for s in exporter.families().get("prism_findings", [])}
                if "pod-image-pull" not in rules:
                    break
                time.sleep(0.2)
            assert "pod-image-pull" not in rules
        finally:
            exporter.stop()
    finally:
        api.stop()


@pytest.mark.parametrize(("args", "message"), [
    (["--interval", "0s"], "--interval must be at least 1s"),
    (["--interval", "often"], 'invalid --interval "often"'),
    (["--all-contexts", "--cluster-name", "x"], "--cluster-name names one cluster"),
    (["--snapshot", "."], "the exporter reads live clusters"),
    (["--show-secrets"], "always redacted"),
])
def test_bad_exporter_flags(capsys: Capture, kubeconfig: Path, args: list[str], message: str) -> None:
    code, _, err = prism(capsys, "exporter", "--kubeconfig", kubeconfig, *args)
    assert code == 2 and message in err, err


def test_a_port_in_use_is_one_clear_line(kubeconfig: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run([str(EXE), "exporter", "--port", str(port), "--kubeconfig", str(kubeconfig)],
                                capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: cannot listen on 127.0.0.1:{port}: Address already in use "
        "(pick another --port or --address)"]


# --- the collector -------------------------------------------------------------------------------

def _finding(rule: str, obj: ObjectRef, owner: ObjectRef | None) -> Finding:
    return Finding(rule, Severity.CRITICAL, "t", obj, owner=owner)


def test_series_are_the_owning_workload_and_never_a_pod() -> None:
    deploy = ObjectRef("Deployment", "api", "shop")
    assert series_of(_finding("pod-crash-loop", ObjectRef("Pod", "api-7d9c-x2", "shop"), deploy)) == (
        "shop", "pod-crash-loop", "critical", "Deployment", "api")
    assert series_of(_finding("pod-oom-killed", ObjectRef("Pod", "bare-pod", "dev"), None)) == (
        "dev", "pod-oom-killed", "critical", "Pod", "")
    assert series_of(_finding("node-not-ready", ObjectRef("Node", "worker-1"), None)) == (
        "", "node-not-ready", "critical", "Node", "worker-1")


def test_the_collector_counts_findings_per_series_and_drops_vanished_ones() -> None:
    deploy = ObjectRef("Deployment", "api", "shop")
    findings = [_finding("pod-crash-loop", ObjectRef("Pod", f"api-{i}", "shop"), deploy) for i in range(3)]
    collector = PrismCollector()
    scope = Scope("c", None, None, "live")
    collector.record("c", clear_for_output(Diagnosis(scope, findings)), {"Pod": 3}, 0, 1.0)
    samples = {f.name: f.samples for f in collector.collect()}
    assert [(s.labels["name"], s.value) for s in samples["prism_findings"]] == [("api", 3)]
    collector.record("c", clear_for_output(Diagnosis(scope, [])), {"Pod": 3}, 0, 1.0)
    assert not next(f.samples for f in collector.collect() if f.name == "prism_findings")
    collector.record("c", None, {}, 1, 2.0)  # unreachable: nothing new to say about its workloads
    samples = {f.name: f.samples for f in collector.collect()}
    assert [s.value for s in samples["prism_up"]] == [0]
    assert [s.value for s in samples["prism_run_errors"] if s.name.endswith("_total")] == [1]
