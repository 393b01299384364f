"""prism inside a pod: the service account's token, CA and namespace files and KUBERNETES_SERVICE_*
are used through the same code path as a kubeconfig, and with exactly the RBAC of deploy/ it reads
everything but Secrets (a gap) and writes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from kubectl_prism.gather import kubeconfig
from tests.cli_helpers import run_main as prism
from tests.fakes.kube_apiserver import FakeKubeAPI

ROOT = Path(__file__).resolve().parent.parent
SHOP = ROOT / "tests" / "fakes" / "scenarios" / "shop.yaml"
SA_TOKEN = "in-cluster-sa-token"
Capture = pytest.CaptureFixture[str]


def deployed_rules() -> list[dict]:
    """The rules of deploy/'s ClusterRole, as the fake API server enforces them for the token."""
    role = yaml.safe_load((ROOT / "deploy" / "rbac" / "clusterrole.yaml").read_text())
    return role["rules"]


@pytest.fixture
def api() -> Iterator[FakeKubeAPI]:
    server = FakeKubeAPI.from_scenario(SHOP)
    server.set_tokens([{"token": SA_TOKEN, "user": "system:serviceaccount:kubectl-prism:kubectl-prism",
                        "rules": deployed_rules()}])
    yield server.start()
    server.stop()


@pytest.fixture
def in_pod(api: FakeKubeAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This process as a pod of the fleet's namespace `shop`: a mounted service account, no kubeconfig."""
    account = tmp_path / "serviceaccount"
    account.mkdir()
    (account / "token").write_text(SA_TOKEN)
    (account / "ca.crt").write_bytes(api.ca_pem)
    (account / "namespace").write_text("shop")
    monkeypatch.setattr(kubeconfig, "SERVICEACCOUNT_DIR", account)  # where the kubelet mounts it
    host, port = api.address.rsplit(":", 1)
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", host)
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", port)
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "none"))  # no kubeconfig anywhere
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("POD_NAMESPACE", raising=False)
    return tmp_path


def test_the_cronjobs_command_runs_with_the_deployed_rbac(capsys: Capture, api: FakeKubeAPI,
                                                          in_pod: Path) -> None:
    out = in_pod / "reports" / "health.html"
    out.parent.mkdir()
    code, stdout, err = prism(capsys, "report", "-A", "--out", out, "-o", "json")
    assert code == 0, err
    doc = json.loads(stdout)
    assert doc["scope"] == {"context": "in-cluster", "namespace": None, "target": None, "source": "live"}
    forbidden = {g["resource"] for g in doc["gaps"] if g["reason"] == "forbidden"}
    assert forbidden == {"secrets"}  # the role covers every other kind prism reads
    assert any(f["id"] == "pod-crash-loop" for f in doc["findings"])
    assert "<h1>Kubernetes health report</h1>" in out.read_text()
    # What the pod sent: reads only, with the service account's token, and no Secret was ever served.
    requests = api.requests
    assert requests and all(r.method == "GET" for r in requests)
    assert {r.user for r in requests} == {"system:serviceaccount:kubectl-prism:kubectl-prism"}
    secrets = [r for r in requests if "/secrets" in r.path]
    assert secrets and all(r.status == 403 for r in secrets)


def test_the_same_findings_as_with_an_admin_kubeconfig(capsys: Capture, api: FakeKubeAPI,
                                                       in_pod: Path) -> None:
    code, stdout, _ = prism(capsys, "diagnose", "-A", "-o", "json")
    assert code == 0
    in_cluster = json.loads(stdout)
    admin = api.write_kubeconfig(in_pod / "admin.kubeconfig")
    code, stdout, _ = prism(capsys, "diagnose", "-A", "-o", "json", "--kubeconfig", admin)
    assert code == 0
    assert [f["id"] for f in in_cluster["findings"]] == [f["id"] for f in json.loads(stdout)["findings"]]


def test_the_pods_namespace_is_the_default_scope(capsys: Capture, in_pod: Path) -> None:
    code, stdout, err = prism(capsys, "diagnose", "-o", "json")
    assert code == 0, err
    assert json.loads(stdout)["scope"]["namespace"] == "shop"


def test_a_fleet_run_in_a_pod_is_the_one_in_cluster_context(capsys: Capture, in_pod: Path) -> None:
    code, stdout, err = prism(capsys, "diagnose", "-A", "--all-contexts", "-o", "json")
    assert code == 0, err
    doc = json.loads(stdout)
    assert [(row["context"], row["status"]) for row in doc["contexts"]] == [("in-cluster", "ok")]
    assert doc["contexts"][0]["server"].startswith("https://127.0.0.1:")


def test_a_token_the_server_rejects_is_exit_3(capsys: Capture, in_pod: Path) -> None:
    (kubeconfig.SERVICEACCOUNT_DIR / "token").write_text("revoked-token")
    code, _, err = prism(capsys, "diagnose", "-A")
    assert code == 3
    assert "401 Unauthorized" in err and 'context "in-cluster"' in err
