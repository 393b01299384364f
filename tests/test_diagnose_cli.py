"""`prism diagnose` end to end: exit codes, output formats, gaps, --list-rules, --ai, live and snapshot."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from kubectl_prism.analyzers import all_rules
from tests.cli_helpers import run_main as prism
from tests.diagnose_fixtures import NS, shop_logs, shop_objects
from tests.dumps import write_as_cluster_dump
from tests.fakes.kube_apiserver import FakeKubeAPI

ANSI = re.compile(r"\x1b\[")
Capture = pytest.CaptureFixture[str]


pytestmark = pytest.mark.usefixtures("cli_env")


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_as_cluster_dump(shop_objects(broken=True), shop_logs(broken=True),
                                 tmp_path_factory.mktemp("broken"))


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_as_cluster_dump(shop_objects(broken=False), shop_logs(broken=False),
                                 tmp_path_factory.mktemp("healthy"))


# --- formats -------------------------------------------------------------------------------------

def test_text_is_plain_when_piped_and_shows_findings(capsys: Capture, broken: Path) -> None:
    code, out, err = prism(capsys, "diagnose", "-n", NS, "--snapshot", broken)
    assert code == 0, err
    assert not ANSI.search(out)
    assert out.startswith("Diagnosis of namespace shop (snapshot)\n")
    assert "CRITICAL (" in out
    assert "web-6b7f9c8d5-z9k4p" in out
    assert "ECONNREFUSED" in out  # the decisive log line is shown as evidence
    assert re.search(r"^\s+\$ kubectl -n shop ", out, re.M)  # a runnable command


def test_json_is_the_design_document(capsys: pytest.CaptureFixture[str], broken: Path) -> None:
    code, out, _ = prism(capsys, "diagnose", "-n", NS, "--snapshot", broken, "-o", "json")
    assert code == 0
    doc = json.loads(out)
    assert (doc["apiVersion"], doc["kind"]) == ("prism/v1", "Diagnosis")
    assert doc["scope"] == {"context": None, "namespace": NS, "target": None, "source": "snapshot"}
    counts = {s: sum(1 for f in doc["findings"] if f["severity"] == s)
              for s in ("critical", "warning", "info")}
    assert doc["summary"] == counts and counts["critical"] >= 1
    known = {r.id for r in all_rules()}
    assert all(f["id"] in known for f in doc["findings"]), "every finding comes from a listed rule"
    assert doc["ai"] is None


def test_yaml_is_the_same_document(capsys: pytest.CaptureFixture[str], broken: Path) -> None:
    _, as_json, _ = prism(capsys, "diagnose", "-n", NS, "--snapshot", broken, "-o", "json")
    code, as_yaml, _ = prism(capsys, "diagnose", "-n", NS, "--snapshot", broken, "-o", "yaml")
    assert code == 0
    assert yaml.safe_load(as_yaml) == json.loads(as_json)


def test_markdown_for_tickets(capsys: pytest.CaptureFixture[str], broken: Path) -> None:
    code, out, _ = prism(capsys, "diagnose", "-n", NS, "--snapshot", broken, "-o", "markdown")
    assert code == 0
    assert out.startswith("# Diagnosis of namespace shop\n")
    assert "## Summary" in out and "## 1. " in out and "```sh\n" in out


def test_healthy_namespace_says_so(capsys: pytest.CaptureFixture[str], healthy: Path) -> None:
    code, out, _ = prism(capsys, "diagnose", "-n", NS, "--snapshot", healthy, "--fail-on", "warning")
    assert code == 0
    assert re.search(r"No problems found in namespace shop \(2 pods, 1 deployment, .* checked\)\.", out)


def test_target_scope(capsys: pytest.CaptureFixture[str], broken: Path) -> None:
    code, out, _ = prism(capsys, "diagnose", "deploy/web", "-n", NS, "--snapshot", broken, "-o", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["scope"]["target"] == "deployment/web"
    assert any(f["object"]["name"] == "web-6b7f9c8d5-z9k4p" or f["object"]["name"] == "web"
               for f in doc["findings"])


# --- exit codes ----------------------------------------------------------------------------------

def test_fail_on_exits_1_after_printing(capsys: pytest.CaptureFixture[str], broken: Path) -> None:
    code, out, err = prism(capsys, "diagnose", "-n", NS, "--snapshot", broken, "-o", "json",
                           "--fail-on", "critical")
    assert code == 1
    doc = json.loads(out)  # the full document was printed before exiting
    critical = doc["summary"]["critical"]
    plural = "s" if critical != 1 else ""
    assert err.strip() == f"error: {critical} finding{plural} at or above --fail-on critical"
    assert prism(capsys, "diagnose", "-n", NS, "--snapshot", broken)[0] == 0  # default: never fail


def test_fail_on_threshold_is_respected(capsys: pytest.CaptureFixture[str], healthy: Path) -> None:
    _, out, _ = prism(capsys, "diagnose", "-n", NS, "--snapshot", healthy, "-o", "json")
    doc = json.loads(out)
    assert doc["summary"]["critical"] == 0 and doc["summary"]["warning"] == 0
    expected = 1 if doc["summary"]["info"] else 0
    assert prism(capsys, "diagnose", "-n", NS, "--snapshot", healthy, "--fail-on", "info")[0] == expected
    assert prism(capsys, "diagnose", "-n", NS, "--snapshot", healthy, "--fail-on", "critical")[0] == 0


@pytest.mark.parametrize(("args", "message"), [
    (["diagnose", "pods"], "expected KIND/NAME"),
    (["diagnose", "frob/x"], 'unknown kind "frob"'),
    (["diagnose", "deploy/"], "expected KIND/NAME"),
    (["diagnose", "-n", "shop", "-A"], "cannot be used together"),
    (["diagnose", "--fail-on", "severe"], "severe"),
    (["diagnose", "-o", "html"], "html"),
])
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    code, out, err = prism(capsys, *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err and out == ""


def test_unknown_kind_lists_accepted_kinds(capsys: pytest.CaptureFixture[str]) -> None:
    _, _, err = prism(capsys, "diagnose", "frob/x")
    assert len(err.strip().splitlines()) == 1
    assert "accepted kinds: pod (po), deployment (deploy)" in err


def test_missing_target_exits_3(capsys: pytest.CaptureFixture[str], broken: Path) -> None:
    code, _, err = prism(capsys, "diagnose", "deploy/nope", "-n", NS, "--snapshot", broken)
    assert code == 3
    assert "nope" in err and "not found" in err


def test_corrupt_snapshot_exits_3_naming_the_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "dump" / "shop" / "pods.json"
    bad.parent.mkdir(parents=True)
    bad.write_text('{"kind": "PodList", "items": [', encoding="utf-8")
    code, out, err = prism(capsys, "diagnose", "-A", "--snapshot", tmp_path / "dump")
    assert code == 3
    assert "pods.json" in err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1 and out == ""


def test_unreachable_cluster_exits_3(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "gone",
        "clusters": [{"name": "gone",
                      "cluster": {"server": "https://127.0.0.1:9", "insecure-skip-tls-verify": True}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": "gone", "context": {"cluster": "gone", "user": "u", "namespace": "shop"}}],
    }), encoding="utf-8")
    code, out, err = prism(capsys, "diagnose", "--kubeconfig", kubeconfig)
    assert code == 3
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1 and out == ""


# --- live cluster: same findings, and gaps ---------------------------------------------------------

@pytest.fixture
def live() -> Iterator[FakeKubeAPI]:
    limited = {"token": "dev-token", "user": "dev", "rules": [
        {"verbs": ["get", "list", "watch"], "apiGroups": ["*"], "resources": ["*"], "namespaces": [NS]},
        {"verbs": ["get", "list"], "apiGroups": [""], "resources": ["nodes", "namespaces"]},
    ]}
    api = FakeKubeAPI(shop_objects(broken=True), shop_logs(broken=True),
                      tokens=[{"token": "admin-token", "user": "admin",
                               "rules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}]}, limited])
    with api:
        yield api


def _findings(doc: dict) -> set[tuple[str, str, str]]:
    return {(f["id"], f["object"]["kind"], f["object"]["name"]) for f in doc["findings"]}


def test_live_and_snapshot_give_the_same_findings(capsys: pytest.CaptureFixture[str], live: FakeKubeAPI,
                                                  broken: Path, tmp_path: Path) -> None:
    kubeconfig = live.write_kubeconfig(tmp_path / "kubeconfig", namespace=NS)
    code, out, err = prism(capsys, "diagnose", "--kubeconfig", kubeconfig, "-o", "json")
    assert code == 0, err
    live_doc = json.loads(out)
    assert live_doc["scope"] == {"context": "fake", "namespace": NS, "target": None, "source": "live"}
    snap_doc = json.loads(prism(capsys, "diagnose", "-n", NS, "--snapshot", broken, "-o", "json")[1])
    assert _findings(live_doc) == _findings(snap_doc)
    assert not [r for r in live.requests if r.method not in ("GET",) and "selfsubject" not in r.path]


def test_gaps_are_listed_and_the_rest_goes_on(capsys: pytest.CaptureFixture[str], live: FakeKubeAPI,
                                              tmp_path: Path) -> None:
    kubeconfig = live.write_kubeconfig(tmp_path / "kubeconfig", token="dev-token", namespace=NS)
    code, out, err = prism(capsys, "diagnose", "--kubeconfig", kubeconfig, "-o", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["gaps"], "a token without pods/log or cluster-wide reads must leave gaps"
    assert doc["summary"]["critical"] >= 1  # what could be read was still analyzed
    _, text, _ = prism(capsys, "diagnose", "--kubeconfig", kubeconfig)
    for gap in doc["gaps"]:
        where = f" in {gap['namespace']}" if gap["namespace"] else ""
        assert f"could not read {gap['resource']}{where}: {gap['reason']}" in text


# --- --list-rules --------------------------------------------------------------------------------

def test_list_rules_text_and_json_need_no_cluster(capsys: pytest.CaptureFixture[str]) -> None:
    rules = all_rules()
    assert len(rules) >= 30
    code, out, _ = prism(capsys, "diagnose", "--list-rules")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["RULE", "SEVERITY", "DESCRIPTION"]
    assert lines[-1] == f"{len(rules)} rules"
    for rule in rules:
        assert any(line.split()[:2] == [rule.id, rule.severity.value] for line in lines), rule.id
    code, out, _ = prism(capsys, "diagnose", "--list-rules", "-o", "json")
    listed = json.loads(out)
    assert code == 0 and len(listed) == len(rules) == len({r["id"] for r in listed})
    assert all(r["description"] and r["severity"] in ("critical", "warning", "info") for r in listed)


# --- AI on top -----------------------------------------------------------------------------------

def test_ai_flag_without_ai_prints_rules_then_exits_4(capsys: Capture, broken: Path) -> None:
    code, out, err = prism(capsys, "diagnose", "-n", NS, "--snapshot", broken, "--ai", "-o", "json")
    assert code == 4
    assert json.loads(out)["findings"], "the rule-based result is printed first"
    assert "kubectl prism ai enable" in err
    assert prism(capsys, "diagnose", "-n", NS, "--snapshot", broken, "--no-ai")[0] == 0


def test_ai_answer_is_added_to_the_document_and_streamed_in_text(
        capsys: pytest.CaptureFixture[str], broken: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.ai_support import enable_ai
    from tests.fakes.ai_server import FakeAIServer, tool

    answer = {"root_cause": "web cannot reach its database at 10.96.0.12:5432", "confidence": "high",
              "evidence": ["Error: connect ECONNREFUSED"],
              "remediation": [{"description": "Check the database",
                               "command": "kubectl -n shop get endpoints"}]}
    with FakeAIServer() as server:
        enable_ai(server, monkeypatch)
        server.enqueue(tool("report_diagnosis", answer, text="The web pod crashes on start."))
        code, out, err = prism(capsys, "diagnose", "-n", NS, "--snapshot", broken, "-o", "json")
        assert code == 0, err
        ai = json.loads(out)["ai"]
        assert ai["root_cause"] == answer["root_cause"] and ai["provider"] == "anthropic"
        server.enqueue(tool("report_diagnosis", answer, text="The web pod crashes on start."))
        code, out, err = prism(capsys, "diagnose", "-n", NS, "--snapshot", broken)
        assert code == 0, err
        assert out.index("CRITICAL (") < out.index("AI explanation") < out.index("The web pod crashes")
        assert "root cause:  web cannot reach its database" in out
        assert "AI-proposed, read-only: kubectl -n shop get endpoints" in out
