"""Bad input through the real executable: one clear `error:` line, the documented exit code, no traceback.

Every error is one line on stderr saying what went wrong and what to do, a traceback only with `-v`
(docs/architecture.md#exit-codes), nothing half-written. The cases covered elsewhere through the executable,
not repeated here: malformed YAML and a missing kubeconfig, unreachable server, TLS failure, 401, a missing
target on a live cluster, Ctrl-C during a gather (test_gather_errors.py); a corrupt snapshot file
(test_snapshot_files.py); an unwritable --out and Ctrl-C during `report` (test_report_cli.py).
"""

from __future__ import annotations

import json
import os
import random
import re
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_prism.kinds import KINDS
from tests.cli_helpers import EXE, one_error_line, run_exe

ROOT = Path(__file__).resolve().parent.parent
SHOP = ROOT / "tests" / "fakes" / "scenarios" / "shop.yaml"
OUTAGE = ROOT / "examples" / "shop-outage"
HEALTHY = ROOT / "examples" / "healthy"
CRASHING = "api-7d9c5b8f6-hp4zt"
# What must never reach a terminal from cluster data: escape sequences and other control characters.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def usage_error(result: subprocess.CompletedProcess[str]) -> str:
    """typer's own usage errors print usage lines, not one line: exit 2 and no traceback."""
    assert result.returncode == 2, (result.returncode, result.stderr[-800:])
    assert "Traceback" not in result.stderr
    assert "Usage:" in result.stderr
    return result.stderr


def kubeconfig(path: Path, cluster: dict[str, Any], user: dict[str, Any] | None = None,
               context: dict[str, Any] | None = None) -> Path:
    doc = {"apiVersion": "v1", "kind": "Config", "current-context": "x",
           "clusters": [{"name": "c", "cluster": cluster}],
           "users": [{"name": "u", "user": user if user is not None else {"token": "t"}}],
           "contexts": [{"name": "x",
                         "context": context or {"cluster": "c", "user": "u", "namespace": "shop"}}]}
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- kubeconfig --------------------------------------------------------------------------------------


CONTEXT_X = "current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
CLUSTER_C = "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\n"


@pytest.mark.parametrize(("text", "expected"), [
    ("current-context: x\ncontexts: [{name: x, context: oops}]\n", 'context "x" must be a mapping'),
    (CONTEXT_X + "clusters: [{name: c, cluster: {server: 5}}]\n", '`server` of cluster "c" must be text'),
    ("current-context: [x]\n", "`current-context` must be a name"),
    ("contexts: [{name: [x], context: {cluster: c}}]\n", "every entry of `contexts` needs a name"),
    (CONTEXT_X + CLUSTER_C + "users: [{name: u, user: zz}]\n", 'user "u" must be a mapping'),
    (CONTEXT_X + CLUSTER_C + "users: [{name: u, user: {client-certificate: 5}}]\n",
     '`client-certificate` of user "u" must be text'),
])
def test_malformed_kubeconfig_entries_are_one_line_not_a_crash(tmp_path: Path, text: str,
                                                               expected: str) -> None:
    path = tmp_path / "kubeconfig"
    path.write_text(text, encoding="utf-8")
    line = one_error_line(run_exe("diagnose", "--kubeconfig", path), code=3)
    assert f"kubeconfig {path} is malformed: {expected}" in line


def test_kubeconfig_that_is_a_directory(tmp_path: Path) -> None:
    line = one_error_line(run_exe("diagnose", "--kubeconfig", tmp_path), code=3)
    assert f"kubeconfig {tmp_path} is a directory" in line


@pytest.mark.parametrize("field", ["certificate-authority", "client-certificate"])
def test_kubeconfig_pointing_at_a_missing_certificate_file(tmp_path: Path, field: str) -> None:
    missing = tmp_path / "gone" / f"{field}.crt"
    cluster: dict[str, Any] = {"server": "https://127.0.0.1:6443"}
    user: dict[str, Any] = {"token": "t"}
    if field == "certificate-authority":
        cluster[field] = str(missing)
    else:
        user.update({field: str(missing), "client-key": str(tmp_path / "gone" / "client.key")})
    path = kubeconfig(tmp_path / "kc", cluster, user)
    line = one_error_line(run_exe("diagnose", "--kubeconfig", path), code=3)
    assert str(missing) in line and 'context "x"' in line


@pytest.mark.parametrize("server", ["ftp://10.0.0.1", "https://", "not a url", "https://10.0.0.1:99999"])
def test_invalid_server_url(tmp_path: Path, server: str) -> None:
    path = kubeconfig(tmp_path / "kc", {"server": server})
    line = one_error_line(run_exe("diagnose", "--kubeconfig", path), code=3)
    assert f'cluster "c" has an invalid server URL "{server}"' in line


def test_server_without_scheme_is_plain_http_like_kubectl_and_warns_nothing(tmp_path: Path) -> None:
    port = closed_port()
    path = kubeconfig(tmp_path / "kc", {"server": f"127.0.0.1:{port}"})
    line = one_error_line(run_exe("diagnose", "--kubeconfig", path), code=3)  # no urllib3 FutureWarning
    assert f"cannot reach the API server at http://127.0.0.1:{port}" in line


def test_verbose_shows_the_traceback_and_still_ends_with_the_error_line(tmp_path: Path) -> None:
    path = tmp_path / "kubeconfig"
    path.write_text("apiVersion: v1\nclusters: [\n  - {name: x\n", encoding="utf-8")
    quiet = one_error_line(run_exe("diagnose", "--kubeconfig", path), code=3)
    loud = run_exe("diagnose", "--kubeconfig", path, "-v")
    assert loud.returncode == 3
    assert loud.stderr.startswith("Traceback (most recent call last):")
    assert "ClusterAccessError" in loud.stderr
    assert loud.stderr.strip().splitlines()[-1] == quiet


# --- what the server says ----------------------------------------------------------------------------


def test_403_on_the_target_object_is_one_line(tmp_path: Path, fake_kube: Any) -> None:
    api = fake_kube(SHOP)  # dev-token: pods, pods/log and events in shop only
    path = api.write_kubeconfig(tmp_path / "dev", token="dev-token", namespace="shop")
    for command in ("diagnose", "explain"):
        line = one_error_line(run_exe(command, "deploy/api", "--kubeconfig", path), code=3)
        assert 'not allowed to read deployment "api" in namespace "shop"' in line
        assert "get permission on deployments.apps" in line


def test_403_on_every_list_is_gaps_not_an_all_clear(tmp_path: Path, fake_kube: Any) -> None:
    api = fake_kube(SHOP, tokens=[{"token": "nothing", "user": "nobody", "rules": []}])
    path = api.write_kubeconfig(tmp_path / "nothing", token="nothing", namespace="shop")
    text = run_exe("diagnose", "--kubeconfig", path, "--no-color")
    # The gaps are still printed, but nothing readable at all must not pass a CI gate: exit 3.
    line = one_error_line(text, code=3)
    assert "could not read anything in namespace shop: every request was forbidden" in line
    assert "kubectl auth can-i --list -n shop" in line
    assert "Nothing could be checked in namespace shop: prism could not read it" in text.stdout
    assert "No problems found" not in text.stdout
    assert "could not read pods in shop: forbidden" in text.stdout
    doc = json.loads(run_exe("diagnose", "--kubeconfig", path, "-o", "json").stdout)
    assert doc["findings"] == []
    assert {"resource": "pods", "namespace": "shop", "reason": "forbidden"} in doc["gaps"]


def test_403_on_logs_is_a_gap_and_the_findings_stay(tmp_path: Path, fake_kube: Any) -> None:
    readable = sorted({k.plural for k in KINDS})  # every kind, but not the pods/log subresource
    tokens = [{"token": "no-logs", "user": "viewer",
               "rules": [{"verbs": ["get", "list"], "apiGroups": ["*"], "resources": readable}]}]
    api = fake_kube(SHOP, tokens=tokens)
    path = api.write_kubeconfig(tmp_path / "viewer", token="no-logs", namespace="shop")
    result = run_exe("diagnose", "--kubeconfig", path, "--no-color")
    assert result.returncode == 0 and result.stderr == ""
    assert "could not read pods/log in shop: forbidden" in result.stdout
    assert CRASHING in result.stdout  # the crash loop is still found, from status and events


@pytest.mark.parametrize(("status", "reason"),
                         [(500, "server error 500"), (404, "not served by this cluster")])
def test_a_server_failing_every_request_is_an_access_error(tmp_path: Path, fake_kube: Any, status: int,
                                                           reason: str) -> None:
    api = fake_kube(SHOP)
    api.inject("/", status=status, times=10_000, reason="NotFound" if status == 404 else "InternalError")
    line = one_error_line(run_exe("diagnose", "--kubeconfig", api.kubeconfig), code=3)
    assert f"no request to the API server at {api.url}" in line and reason in line


# --- snapshots ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("files", "expected"), [
    ({}, "no .json, .yaml or .yml files under snapshot path"),
    ({"README.txt": "notes", "sub/.keep": ""}, "no .json, .yaml or .yml files under snapshot path"),
    ({"pods.json": '{"kind": "List", "items": []}'}, "no Kubernetes objects found under snapshot path"),
    ({"pods.json": b"\x00\x01\xff\xfe binary"}, "not UTF-8 text"),
])
def test_snapshot_with_nothing_loadable(tmp_path: Path, files: dict[str, str | bytes], expected: str) -> None:
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    line = one_error_line(run_exe("diagnose", "-A", "--snapshot", tmp_path), code=3)
    assert expected in line


@pytest.mark.parametrize("command", ["diagnose", "explain"])
def test_missing_target_in_a_snapshot(command: str) -> None:
    line = one_error_line(run_exe(command, "deploy/nope", "-n", "shop", "--snapshot", OUTAGE), code=3)
    assert 'deployment "nope" not found in namespace "shop"' in line


@pytest.fixture(scope="module")
def binary_log_dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A crash-looping pod whose log is 4 MB of lines, then binary junk and terminal escape sequences."""
    root = tmp_path_factory.mktemp("binary-log")
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "p", "namespace": "shop", "uid": "u1", "resourceVersion": "1",
                        "creationTimestamp": "2026-11-12T09:00:00Z"},
           "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]},
           "status": {"phase": "Running", "containerStatuses": [{
               "name": "app", "ready": False, "restartCount": 9, "image": "nginx:1.27", "imageID": "",
               "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}},
               "lastState": {"terminated": {"exitCode": 1, "reason": "Error",
                                            "startedAt": "2026-11-12T09:50:00Z",
                                            "finishedAt": "2026-11-12T09:50:05Z"}}}]}}
    (root / "shop" / "p").mkdir(parents=True)
    pods = {"kind": "PodList", "apiVersion": "v1", "items": [pod]}
    (root / "shop" / "pods.json").write_text(json.dumps(pods))
    marker = "==== {} logs for container app of pod shop/p ====\n"
    lines = "".join(f"log line {i:07d} {'x' * 40}\n" for i in range(80_000)).encode()
    junk = random.Random(7).randbytes(20_000).replace(b"=", b"?")
    tail = b"\x1b[31mERROR\x1b[0m \x1b]0;pwned\x07\x1b[2J panic: boom\r\n"
    (root / "shop" / "p" / "logs.txt").write_bytes(
        marker.format("START").encode() + lines + junk + b"\n" + tail + marker.format("END").encode())
    return root


@pytest.mark.parametrize("args", [["diagnose", "-A"], ["diagnose", "-A", "-o", "markdown"],
                                  ["diagnose", "-A", "-o", "json"], ["explain", "pod/p", "-n", "shop"],
                                  ["context", "-A"]])
def test_huge_binary_log_reaches_no_terminal_as_control_codes(binary_log_dump: Path, args: list[str]) -> None:
    result = run_exe(*args, "--snapshot", binary_log_dump)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert not CONTROL.search(result.stdout), CONTROL.search(result.stdout)
    assert "pwned" not in result.stdout  # the window-title sequence is gone, not merely defused


def test_huge_binary_log_in_a_report_file(binary_log_dump: Path, tmp_path: Path) -> None:
    for name in ("report.md", "report.html"):
        result = run_exe("report", "-A", "--snapshot", binary_log_dump, "--out", tmp_path / name)
        assert result.returncode == 0 and result.stderr == ""
        assert not CONTROL.search((tmp_path / name).read_text(encoding="utf-8"))


# --- output ------------------------------------------------------------------------------------------


def test_report_out_that_cannot_be_a_file(tmp_path: Path) -> None:
    report = ("report", "-A", "--snapshot", HEALTHY, "--format", "md", "--out")
    (tmp_path / "taken.md").mkdir()
    line = one_error_line(run_exe(*report, tmp_path / "taken.md"), code=2)
    assert "cannot write" in line and "Is a directory" in line
    with socket.socket(socket.AF_UNIX) as sock:  # a special file: written to, never replaced by a file
        sock.bind(str(tmp_path / "socket"))
        line = one_error_line(run_exe(*report, tmp_path / "socket"), code=2)
        assert f"cannot write {tmp_path / 'socket'}: No such device or address" in line
        assert (tmp_path / "socket").is_socket()


def test_report_out_through_a_symlink_and_into_a_pipe(tmp_path: Path) -> None:
    real = tmp_path / "real.md"
    real.write_text("old", encoding="utf-8")
    (tmp_path / "link.md").symlink_to(real)
    assert run_exe("report", "-A", "--snapshot", HEALTHY, "--out", tmp_path / "link.md").returncode == 0
    assert (tmp_path / "link.md").is_symlink() and real.read_text().startswith("# Kubernetes health report")
    fifo = tmp_path / "fifo"  # what `--out /dev/stdout` is when piped
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        assert run_exe("report", "-A", "--snapshot", HEALTHY, "--out", fifo, "--format", "md").returncode == 0
        assert os.read(reader, 1 << 16).startswith(b"# Kubernetes health report")
    finally:
        os.close(reader)
    assert fifo.is_fifo()


def test_broken_pipe_exits_0_without_a_word(tmp_path: Path) -> None:
    piped = subprocess.run(f"'{EXE}' diagnose -A --snapshot '{OUTAGE}' | head -1; exit ${{PIPESTATUS[0]}}",
                           shell=True, executable="/bin/bash", capture_output=True, text=True, timeout=60)
    assert piped.returncode == 0 and piped.stderr == ""
    assert piped.stdout.startswith("Diagnosis of all namespaces")
    # The reader gone before the first write: a sure EPIPE, in a command and in typer's help.
    for args in (["diagnose", "-A", "--snapshot", str(OUTAGE), "-o", "json"], ["--help"]):
        proc = subprocess.Popen([str(EXE), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()
        err = proc.stderr.read()
        assert proc.wait(timeout=60) == 0, err
        assert err == ""


# --- flags and arguments -----------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["diagnose", "-A", "--snapshot", str(HEALTHY), "-o", "bogus"],
                                  ["explain", "pod/x", "-o", "html"], ["version", "-o", "bogus"],
                                  ["diagnose", "--fail-on", "fatal"]])
def test_bad_option_values_are_usage_errors(args: list[str]) -> None:
    stderr = usage_error(run_exe(*args))
    assert "Invalid value for" in stderr


@pytest.mark.parametrize("command", ["diagnose", "explain"])
def test_unknown_kind(command: str) -> None:
    line = one_error_line(run_exe(command, "frob/x", "-n", "shop", "--snapshot", HEALTHY), code=2)
    assert 'unknown kind "frob"' in line and "deployment (deploy)" in line


@pytest.mark.parametrize("target", ["", "pod/", "pod/a/b"])
def test_malformed_target(target: str) -> None:
    line = one_error_line(run_exe("diagnose", target, "--snapshot", HEALTHY), code=2)
    assert f'malformed target "{target}"' in line


@pytest.mark.parametrize("command", ["diagnose", "explain", "report", "context"])
def test_namespace_with_all_namespaces(command: str, tmp_path: Path) -> None:
    extra = {"explain": ["deploy/x"], "report": ["--out", str(tmp_path / "r.md")]}.get(command, [])
    line = one_error_line(run_exe(command, *extra, "-n", "shop", "-A", "--snapshot", HEALTHY), code=2)
    assert "-n/--namespace and -A/--all-namespaces cannot be used together" in line
    assert not (tmp_path / "r.md").exists()


def test_audit_since_further_back_than_time_goes() -> None:
    result = run_exe("audit", "--since", "99999999999d")
    assert result.returncode == 0 and "Traceback" not in result.stderr
    line = one_error_line(run_exe("audit", "--since", "last tuesday"), code=2)
    assert 'invalid --since "last tuesday"' in line


def test_an_embedded_certificate_that_is_not_base64(tmp_path: Path) -> None:
    cluster = {"server": "https://127.0.0.1:6443", "certificate-authority-data": "!!not base64!!"}
    line = one_error_line(run_exe("diagnose", "--kubeconfig", kubeconfig(tmp_path / "kc", cluster)), code=3)
    assert 'cannot load credentials of context "x": invalid embedded data' in line
