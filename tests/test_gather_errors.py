"""Every cluster-access failure through the real CLI: exit code 3 and one clear line, no traceback."""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cli_helpers import EXE, one_error_line, run_exe

SHOP = Path(__file__).parent / "fakes" / "scenarios" / "shop.yaml"


def prism(*args: str, env_kubeconfig: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    if env_kubeconfig is not None:
        env["KUBECONFIG"] = env_kubeconfig
    return run_exe(*args, env=env)


def kubeconfig(
    path: Path,
    server: str,
    *,
    ca_pem: bytes | None = None,
    token: str = "admin-token",
    namespace: str | None = "shop",
    context: str = "fake",
) -> Path:
    cluster: dict[str, Any] = {"server": server}
    if ca_pem is not None:
        cluster["certificate-authority-data"] = base64.b64encode(ca_pem).decode()
    ctx: dict[str, Any] = {"cluster": context, "user": "u"}
    if namespace:
        ctx["namespace"] = namespace
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": context,
                "clusters": [{"name": context, "cluster": cluster}],
                "users": [{"name": "u", "user": {"token": token}}],
                "contexts": [{"name": context, "context": ctx}],
            }
        )
    )
    return path


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_server(tmp_path: Path) -> None:
    port = closed_port()
    path = kubeconfig(tmp_path / "kc", f"https://127.0.0.1:{port}")
    line = one_error_line(prism("diagnose", "--kubeconfig", str(path)))
    assert f"cannot reach the API server at https://127.0.0.1:{port}" in line
    assert "connection refused" in line and 'context "fake"' in line


def test_tls_verification_failure_suggests_the_ca(tmp_path: Path, fake_kube: Any) -> None:
    import trustme

    api = fake_kube(SHOP)
    other_ca = trustme.CA().cert_pem.bytes()
    path = kubeconfig(tmp_path / "kc", api.url, ca_pem=other_ca)
    line = one_error_line(prism("diagnose", "--kubeconfig", str(path)))
    assert "TLS verification" in line and api.url in line
    assert "certificate-authority" in line and "insecure-skip-tls-verify" in line
    assert not api.requests  # nothing was sent over the unverified connection


def test_rejected_credentials(tmp_path: Path, fake_kube: Any) -> None:
    api = fake_kube(SHOP)
    path = kubeconfig(tmp_path / "kc", api.url, ca_pem=api.ca_pem, token="expired-token")
    line = one_error_line(prism("diagnose", "--kubeconfig", str(path)))
    assert "the server rejected your credentials (401" in line and 'context "fake"' in line
    assert "expired-token" not in line  # credentials never appear in messages


def test_missing_context_lists_the_available_ones(fake_kube: Any) -> None:
    api = fake_kube(SHOP)
    line = one_error_line(prism("diagnose", "--kubeconfig", str(api.kubeconfig), "--context", "staging"))
    assert 'context "staging" not found' in line and "available contexts: fake" in line


def test_malformed_and_missing_kubeconfig(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("apiVersion: v1\nclusters: [\n  - {name: x\n")
    line = one_error_line(prism("diagnose", "--kubeconfig", str(broken)))
    assert str(broken) in line and "not valid YAML" in line
    line = one_error_line(prism("diagnose", "--kubeconfig", str(tmp_path / "absent")))
    assert str(tmp_path / "absent") in line and "does not exist" in line


def test_kubeconfig_env_merge_and_context_namespace_reach_the_output(tmp_path: Path, fake_kube: Any) -> None:
    api = fake_kube(SHOP)
    first = tmp_path / "first"
    first.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "Config", "preferences": {}}))
    second = kubeconfig(
        tmp_path / "second", api.url, ca_pem=api.ca_pem, namespace="kube-system", context="merged"
    )
    result = prism("diagnose", "-o", "json", env_kubeconfig=f"{first}:{tmp_path / 'none'}:{second}")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["scope"] == {"context": "merged", "namespace": "kube-system", "target": None, "source": "live"}
    assert {
        r.path.split("/namespaces/")[1].split("/")[0] for r in api.requests if "/namespaces/" in r.path
    } == {"kube-system"}


def test_not_found_target_and_target_across_namespaces(fake_kube: Any) -> None:
    api = fake_kube(SHOP)
    line = one_error_line(prism("diagnose", "deploy/nope", "-n", "shop", "--kubeconfig", str(api.kubeconfig)))
    assert 'deployment "nope" not found in namespace "shop"' in line
    line = one_error_line(prism("diagnose", "deploy/api", "-A", "--kubeconfig", str(api.kubeconfig)), code=2)
    assert "across all namespaces" in line


@pytest.mark.parametrize("token, gap", [("dev-token", "deployments.apps")])
def test_limited_token_gives_gaps_and_exit_zero(tmp_path: Path, fake_kube: Any, token: str, gap: str) -> None:
    api = fake_kube(SHOP)
    path = api.write_kubeconfig(tmp_path / "dev", token=token, namespace="shop")
    result = prism("diagnose", "-o", "json", "--kubeconfig", str(path))
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert {"resource": gap, "namespace": "shop", "reason": "forbidden"} in doc["gaps"]
    assert any(f["object"]["name"] == "api-7d9c5b8f6-hp4zt" for f in doc["findings"])
    text = prism("diagnose", "--kubeconfig", str(path), "--no-color")
    assert text.returncode == 0 and f"could not read {gap} in shop: forbidden" in text.stdout


def test_ctrl_c_exits_130_at_once_while_requests_hang(tmp_path: Path, fake_kube: Any) -> None:
    """Worker threads blocked in reads (here for 30 s) must not hold the exit until the read timeout."""
    api = fake_kube(SHOP)
    for path in ("/api/v1/pods", "/api/v1/events"):
        api.inject(path, status=0, delay=30, times=3)  # answered, but only after 30 s
    temp = tmp_path / "tmp"  # the kubernetes loader writes the inline CA here and removes it at exit
    temp.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    env["TMPDIR"] = str(temp)
    proc = subprocess.Popen(
        [str(EXE), "diagnose", "-A", "--kubeconfig", str(api.kubeconfig)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 30
    # the quick lists are answered (and logged) while the two slow ones hang in worker threads
    while len(api.requests) < 10 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(api.requests) >= 10 and proc.poll() is None
    time.sleep(0.2)
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    took = time.monotonic() - sent
    assert proc.returncode == 130, err
    assert err == "error: interrupted\n" and out == ""
    assert took < 2, f"exit took {took:.1f} s"
    assert list(temp.iterdir()) == []  # cleanup ran before the exit
