"""Fleet runs end to end: `diagnose` and `explain` over several fake API servers at once.

The fleet: two healthy-to-read clusters with different problems, one server that does not exist,
one whose token may read nothing cluster-wide, one whose token may read everything but Secrets and
pod logs (gaps, not failure), and one that answers every request after 3 s (past the deadline).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.cli_helpers import run_main as prism
from tests.fakes.kube_apiserver import FakeKubeAPI
from tests.fleet_support import Member, closed_port_url, write_fleet_kubeconfig
from tests.limits import run_limited

ROOT = Path(__file__).resolve().parent.parent
SHOP = ROOT / "tests" / "fakes" / "scenarios" / "shop.yaml"
IMAGE = ROOT / "tests" / "scenarios" / "pods-image-not-found.yaml"
Capture = pytest.CaptureFixture[str]

# Everything prism reads but Secrets and pod logs: the context is read, with two gaps.
NO_SECRETS_NO_LOGS = [
    {"verbs": ["get", "list"], "apiGroups": ["*"], "resources": [
        "pods", "services", "endpoints", "events", "configmaps", "persistentvolumeclaims",
        "persistentvolumes", "nodes", "namespaces", "serviceaccounts", "resourcequotas", "limitranges",
        "replicationcontrollers", "deployments", "replicasets", "statefulsets", "daemonsets", "jobs",
        "cronjobs", "ingresses", "ingressclasses", "networkpolicies", "horizontalpodautoscalers",
        "poddisruptionbudgets", "storageclasses", "validatingwebhookconfigurations",
        "mutatingwebhookconfigurations"]},
]
TOKENS = [
    {"token": "no-secrets-token", "user": "auditor", "rules": NO_SECRETS_NO_LOGS},
    {"token": "shop-only-token", "user": "dev", "rules": [
        {"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"], "namespaces": ["shop"]}]},
]
ORDER = ["prod-eu", "prod-us", "prod-gone", "staging", "audit", "prod-slow"]


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    shop = FakeKubeAPI.from_scenario(SHOP)
    shop.set_tokens(TOKENS)
    image = FakeKubeAPI.from_scenario(IMAGE)
    slow = FakeKubeAPI.from_scenario(SHOP)
    servers = [shop.start(), image.start(), slow.start()]
    slow.inject("/", status=0, delay=3, times=10**6)
    members = [Member("prod-eu", shop), Member("prod-us", image), Member("prod-gone", url=closed_port_url()),
               Member("staging", shop, token="shop-only-token"),
               Member("audit", shop, token="no-secrets-token"), Member("prod-slow", slow)]
    path = write_fleet_kubeconfig(tmp_path_factory.mktemp("fleet") / "kubeconfig", members)
    yield path
    for api in servers:
        api.stop()


def _json(capsys: Capture, fleet: Path, *args: str) -> tuple[int, dict, str]:
    code, out, err = prism(capsys, "diagnose", "-A", "--kubeconfig", fleet, "--context-timeout", "1s",
                           "-o", "json", *args)
    return code, json.loads(out), err


def test_fleet_json_has_one_diagnosis_per_context_and_one_gap_per_unread_context(
        capsys: Capture, fleet: Path) -> None:
    code, doc, err = _json(capsys, fleet, "--all-contexts")
    assert code == 0, err
    assert (doc["apiVersion"], doc["kind"]) == ("prism/v1", "FleetDiagnosis")
    assert [row["context"] for row in doc["contexts"]] == ORDER
    assert [item["scope"]["context"] for item in doc["items"]] == ORDER
    assert all(item["kind"] == "Diagnosis" for item in doc["items"])
    status = {row["context"]: row["status"] for row in doc["contexts"]}
    assert status == {"prod-eu": "ok", "prod-us": "ok", "prod-gone": "unreachable", "staging": "forbidden",
                      "audit": "ok", "prod-slow": "timed out"}
    assert [(g["context"], g["reason"]) for g in doc["gaps"]] == [
        ("prod-gone", "unreachable"), ("staging", "forbidden"), ("prod-slow", "timed out")]
    assert "connection refused" in doc["gaps"][0]["message"]
    assert "--context-timeout" in doc["gaps"][2]["message"]
    # The summary adds up the contexts' own summaries.
    s = doc["summary"]
    assert (s["contexts"], s["read"], s["unreadable"]) == (6, 3, 3)
    for sev in ("critical", "warning", "info"):
        assert s[sev] == sum(item["summary"][sev] for item in doc["items"])
    assert s["critical"] >= 2
    # The servers come from the kubeconfig, for contexts read or not.
    servers = {row["context"]: row["server"] for row in doc["contexts"]}
    assert servers["prod-gone"].startswith("https://127.0.0.1:") and servers["prod-eu"] != servers["prod-us"]


def test_gaps_are_per_context(capsys: Capture, fleet: Path) -> None:
    _, doc, _ = _json(capsys, fleet, "--all-contexts")
    items = {item["scope"]["context"]: item for item in doc["items"]}
    audit = {(g["resource"], g["reason"]) for g in items["audit"]["gaps"]}
    assert ("secrets", "forbidden") in audit and ("pods/log", "forbidden") in audit
    assert not any(g["reason"] == "forbidden" for g in items["prod-eu"]["gaps"])  # same server, admin token
    # A context that was not read says why in its own item: no findings, one gap for the whole cluster.
    for name in ("prod-gone", "staging", "prod-slow"):
        assert items[name]["findings"] == []
        assert any(g["resource"] == "cluster" for g in items[name]["gaps"]), items[name]["gaps"]
    # The forbidden context keeps the gaps that show what was refused.
    assert {g["reason"] for g in items["staging"]["gaps"]} >= {"forbidden"}


def test_each_item_is_what_a_single_run_of_that_context_finds(capsys: Capture, fleet: Path) -> None:
    _, doc, _ = _json(capsys, fleet, "--contexts", "prod-*")
    assert [row["context"] for row in doc["contexts"]] == ["prod-eu", "prod-us", "prod-gone", "prod-slow"]
    for item in doc["items"][:2]:
        context = item["scope"]["context"]
        code, out, err = prism(capsys, "diagnose", "-A", "--kubeconfig", fleet, "--context", context,
                               "-o", "json")
        assert code == 0, err
        single = json.loads(out)
        assert item["findings"] == single["findings"]
        assert item["gaps"] == single["gaps"]
        assert item["scope"] == single["scope"]


def test_yaml_is_the_same_document(capsys: Capture, fleet: Path) -> None:
    code, out, _ = prism(capsys, "diagnose", "-A", "--kubeconfig", fleet, "--contexts", "prod-eu,prod-us",
                         "-o", "yaml")
    assert code == 0
    doc = yaml.safe_load(out)
    assert doc["kind"] == "FleetDiagnosis" and len(doc["items"]) == 2
    assert doc["summary"]["unreadable"] == 0


def test_text_starts_with_the_fleet_table_then_each_cluster(capsys: Capture, fleet: Path) -> None:
    code, out, _ = prism(capsys, "diagnose", "-A", "--kubeconfig", fleet, "--all-contexts",
                         "--context-timeout", "1s")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("Fleet of 6 contexts: 3 read, 3 could not be read")
    header = lines[2].split()
    assert header == ["CONTEXT", "SERVER", "NODES", "PODS", "CRITICAL", "WARNING", "GAPS", "TIME"]
    rows = {line.split()[0]: line.split() for line in lines[3:9]}
    assert list(rows) == ORDER
    assert rows["prod-gone"][6] == "unreachable" and rows["staging"][6] == "forbidden"
    assert rows["prod-slow"][6:8] == ["timed", "out"]
    assert rows["prod-eu"][3:6] == ["5", "1", "1"]  # pods, critical, warning of the shop cluster
    assert "What prism could not read:" in out
    sections = [line for line in lines if line.startswith("══ ")]
    assert [s.split()[1] for s in sections] == ["prod-eu", "prod-us", "audit"]
    assert "Diagnosis of all namespaces (context prod-us, live cluster)" in out


def test_markdown_links_each_row_to_its_section(capsys: Capture, fleet: Path) -> None:
    code, out, _ = prism(capsys, "diagnose", "-A", "--kubeconfig", fleet, "--contexts", "prod-eu,prod-us",
                         "-o", "markdown")
    assert code == 0
    assert out.startswith("# Fleet diagnosis\n")
    assert "| [prod-eu](#context-prod-eu) |" in out
    assert "\n## Context prod-eu\n" in out and "\n## Context prod-us\n" in out
    assert "\n### Summary\n" in out  # each cluster's headings one level down


# --- exit codes -----------------------------------------------------------------------------------

def test_fail_on_applies_across_the_fleet(capsys: Capture, fleet: Path) -> None:
    code, out, err = prism(capsys, "diagnose", "-A", "--kubeconfig", fleet, "--contexts", "prod-us,prod-gone",
                           "--fail-on", "critical", "--context-timeout", "1s")
    assert code == 1, err
    assert "across the fleet" in err
    assert "CONTEXT" in out  # written before the exit


def test_an_unreadable_context_does_not_fail_the_run(capsys: Capture, fleet: Path) -> None:
    code, out, err = prism(capsys, "diagnose", "-n", "kube-system", "--kubeconfig", fleet,
                           "--contexts", "prod-eu,prod-gone", "--fail-on", "critical")
    assert code == 0, err
    assert "unreachable" in out


def test_exit_3_only_when_no_context_could_be_read(capsys: Capture, fleet: Path) -> None:
    code, out, err = prism(capsys, "diagnose", "-A", "--kubeconfig", fleet, "--contexts", "prod-gone,staging",
                           "--fail-on", "info")
    assert code == 3
    assert "prod-gone" in out and "staging" in out  # the table is still printed
    assert err.strip().splitlines() == [
        "error: no context of the fleet could be read (unreachable, forbidden) "
        "(see the table above; check each context with kubectl --context NAME)"]


@pytest.mark.parametrize(("args", "message"), [
    (["--contexts", "prod-*", "--context", "prod-eu"], "--context names one context"),
    (["--contexts", "prod-*", "--all-contexts"], "cannot be used together"),
    (["--contexts", " , "], "needs at least one context"),
    (["--all-contexts", "--context-timeout", "soon"], 'invalid --context-timeout "soon"'),
    (["--all-contexts", "--context-timeout", "0s"], "longer than 0s"),
    (["--all-contexts", "--parallel", "0"], "--parallel"),
    (["--all-contexts", "--snapshot", "."], "--snapshot analyzes saved files"),
    (["--all-contexts", "--ai"], "--ai explains one context at a time"),
])
def test_bad_fleet_flags_are_usage_errors(capsys: Capture, fleet: Path, args: list[str],
                                          message: str) -> None:
    code, out, err = prism(capsys, "diagnose", "-A", "--kubeconfig", fleet, *args)
    assert code == 2, (out, err)
    assert message in err
    assert "Traceback" not in err


def test_a_misspelt_context_name_is_exit_3_and_a_glob_may_match_nothing(capsys: Capture, fleet: Path) -> None:
    code, _, err = prism(capsys, "diagnose", "-A", "--kubeconfig", fleet, "--contexts", "prod-eu,prod-uss")
    assert code == 3
    assert 'context "prod-uss" not found in kubeconfig' in err and "available contexts: prod-eu" in err
    code, _, err = prism(capsys, "diagnose", "-A", "--kubeconfig", fleet, "--contexts", "qa-*")
    assert code == 3 and "no context matches --contexts qa-*" in err
    code, out, _ = prism(capsys, "diagnose", "-A", "--kubeconfig", fleet, "--contexts", "prod-eu,qa-*",
                         "-o", "json")
    assert code == 0 and [i["scope"]["context"] for i in json.loads(out)["items"]] == ["prod-eu"]


# --- explain --------------------------------------------------------------------------------------

def test_explain_across_contexts_reports_where_the_object_is_missing(capsys: Capture, fleet: Path) -> None:
    code, out, err = prism(capsys, "explain", "deploy/api", "-n", "shop", "--kubeconfig", fleet,
                           "--contexts", "prod-eu,prod-us,audit", "-o", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["kind"] == "FleetExplanation"
    status = {row["context"]: row["status"] for row in doc["contexts"]}
    assert status == {"prod-eu": "ok", "prod-us": "not found", "audit": "ok"}
    items = {i["scope"]["context"]: i for i in doc["items"]}
    assert items["prod-eu"]["kind"] == "Explanation" and items["prod-eu"]["object"]["name"] == "api"
    assert items["prod-us"]["kind"] == "Diagnosis" and items["prod-us"]["gaps"][0]["resource"] == "cluster"
    assert 'deployment "api" not found' in items["prod-us"]["gaps"][0]["reason"]
    code, text, _ = prism(capsys, "explain", "deploy/api", "-n", "shop", "--kubeconfig", fleet,
                          "--contexts", "prod-eu,prod-us")
    assert code == 0 and "══ prod-eu" in text and "not found" in text


# --- deadline -------------------------------------------------------------------------------------

def test_a_hung_cluster_costs_the_run_its_deadline(fleet: Path) -> None:
    start = time.monotonic()
    result = run_limited(["diagnose", "-A", "--kubeconfig", str(fleet), "--contexts", "prod-slow,prod-eu",
                          "--context-timeout", "1s", "-o", "json"], seconds=20, rss_mb=400)
    assert result.code == 0, result.describe()
    doc = json.loads(result.stdout)
    slow = next(row for row in doc["contexts"] if row["context"] == "prod-slow")
    assert slow["status"] == "timed out"
    assert 1.0 <= slow["seconds"] <= 2.0
    # The late worker's requests are capped at the deadline too: the process does not hang on them.
    assert time.monotonic() - start < 8, result.describe()


def test_what_was_read_before_the_deadline_stays_and_the_rest_is_a_gap(capsys: Capture,
                                                                       tmp_path: Path) -> None:
    api = FakeKubeAPI.from_scenario(SHOP).start()
    try:
        api.inject("/api/v1/events", status=0, delay=5, times=100)  # only the events hang
        kubeconfig = write_fleet_kubeconfig(tmp_path / "kubeconfig", [Member("half", api)])
        start = time.monotonic()
        code, out, err = prism(capsys, "diagnose", "-A", "--kubeconfig", kubeconfig, "--all-contexts",
                               "--context-timeout", "2s", "-o", "json")
        elapsed = time.monotonic() - start
    finally:
        api.stop()
    assert code == 0, err
    doc = json.loads(out)
    assert doc["contexts"][0]["status"] == "ok" and doc["contexts"][0]["pods"] == 5
    assert any(g["resource"] == "events" for g in doc["items"][0]["gaps"]), doc["items"][0]["gaps"]
    assert elapsed < 5, elapsed  # the hung list was cut at the context's deadline


@pytest.mark.parametrize("body", [
    b'{"kind":"EventList","apiVersion":"v1","metadata":{},"items":[{"metadata": ',  # a last page, cut
    b'{"kind":"EventList","metadata":{"continue":"next"},"items":[}',  # a page that asks for more
])
def test_a_list_that_is_not_json_is_a_gap_of_its_context(capsys: Capture, tmp_path: Path,
                                                         body: bytes) -> None:
    """Fleet runs read pages as bytes first and decode them later: a page that is not JSON is a gap
    whether it is found out while paging (it names a next page) or only when decoded (a last page)."""
    broken, fine = FakeKubeAPI.from_scenario(SHOP).start(), FakeKubeAPI.from_scenario(SHOP).start()
    try:
        broken.inject("/api/v1/events", status=0, body=lambda: iter([body]), times=10)
        kubeconfig = write_fleet_kubeconfig(tmp_path / "kubeconfig", [Member("broken", broken),
                                                                       Member("fine", fine)])
        code, out, err = prism(capsys, "diagnose", "-A", "--kubeconfig", kubeconfig, "--all-contexts",
                               "-o", "json")
    finally:
        broken.stop()
        fine.stop()
    assert code == 0, err
    doc = json.loads(out)
    items = {item["scope"]["context"]: item for item in doc["items"]}
    events_gaps = [g for g in items["broken"]["gaps"] if g["resource"] == "events"]
    assert [g["reason"] for g in events_gaps] == ["the server's answer was not valid JSON"]
    assert not [g for g in items["fine"]["gaps"] if g["resource"] == "events"]
    assert [row["pods"] for row in doc["contexts"]] == [5, 5]  # the rest of the context was read
