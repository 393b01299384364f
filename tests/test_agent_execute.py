"""The agent's executor: the real kubectl against the fake API server, checked on the server's record.

Only classified steps run; a step that changes anything needs an `Approval`; the scope's kubeconfig,
context and namespace are pinned whatever the kubeconfig says; the environment is cleaned; output
is capped and redacted; every execution is in the audit log.
"""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest

from kubectl_prism import audit
from kubectl_prism.agent import Category, Scope, check_manifests, classify, classify_command_line
from kubectl_prism.agent.approval import grant
from kubectl_prism.agent.execute import StepRefused, kubectl_argv, run_step
from tests.fakes.kube_apiserver import FakeKubeAPI
from tests.leak import SEEDED

SCENARIO = Path(__file__).parent / "fakes" / "scenarios" / "shop.yaml"


@pytest.fixture
def api(fake_kube, tmp_path: Path) -> FakeKubeAPI:
    """The shop scenario, with a kubeconfig whose own namespace is kube-system: pins must win."""
    server = fake_kube(SCENARIO)
    server.kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig", namespace="kube-system",
                                                context="kind-dev")
    server.clear_requests()
    return server


def _scope(api: FakeKubeAPI, namespace: str | None = "shop") -> Scope:
    return Scope(namespace, context="kind-dev", kubeconfig=str(api.kubeconfig),
                 default_namespace="kube-system")


def _namespaces(api: FakeKubeAPI) -> set[str]:
    found = set()
    for r in api.requests:
        parts = r.path.split("/")
        if "namespaces" in parts and parts.index("namespaces") + 1 < len(parts):
            found.add(parts[parts.index("namespaces") + 1])
    return found


def test_a_read_only_step_runs_unasked_in_the_pinned_namespace(api: FakeKubeAPI, kubectl: Path) -> None:
    decision = classify_command_line("kubectl get pods -o name", _scope(api))
    assert decision.category is Category.READ_ONLY
    result = run_step(decision, kubectl=str(kubectl))
    assert result.ok, result.stderr.text
    assert "pod/api-7d9c5b8f6-hp4zt" in result.stdout.text
    assert _namespaces(api) == {"shop"}  # not kube-system, the kubeconfig's own namespace
    assert api.mutations == [] and {r.user for r in api.requests} == {"admin"}
    assert result.duration_ms > 0 and not result.timed_out and not result.truncated


def test_a_mutating_step_without_approval_never_starts(api: FakeKubeAPI, kubectl: Path) -> None:
    decision = classify_command_line("kubectl -n shop scale deploy/api --replicas=3", _scope(api))
    assert decision.category is Category.MUTATING
    with pytest.raises(StepRefused, match="without a person's approval"):
        run_step(decision, kubectl=str(kubectl))
    with pytest.raises(StepRefused):
        run_step(decision, kubectl=str(kubectl), approval=object())  # type: ignore[arg-type]
    assert api.requests == []  # not even a discovery request: kubectl never started


def test_an_approved_step_changes_exactly_what_was_approved(api: FakeKubeAPI, kubectl: Path) -> None:
    decision = classify_command_line(
        "kubectl -n shop patch deployment api -p '{\"spec\":{\"replicas\":3}}'", _scope(api))
    approval = grant(decision, preview_sha256="ab" * 32, resource_version="42")
    result = run_step(decision, kubectl=str(kubectl), approval=approval)
    assert result.ok, result.stderr.text
    assert [(r.method, r.path) for r in api.mutations] == [
        ("PATCH", "/apis/apps/v1/namespaces/shop/deployments/api")]
    assert api.get("Deployment", "api", "shop")["spec"]["replicas"] == 3

    # The approval was spent: the same step does not run twice on one yes.
    with pytest.raises(StepRefused, match="already used"):
        run_step(decision, kubectl=str(kubectl), approval=approval)
    # An approval of one step does not run another.
    other = classify_command_line("kubectl -n shop scale deploy/api --replicas=5", _scope(api))
    with pytest.raises(StepRefused, match="different step"):
        run_step(other, kubectl=str(kubectl), approval=grant(decision))
    assert len(api.mutations) == 1


def test_a_destructive_step_needs_the_name_typed_back(api: FakeKubeAPI, kubectl: Path) -> None:
    decision = classify_command_line("kubectl delete pod api-7d9c5b8f6-hp4zt", _scope(api))
    assert decision.category is Category.DESTRUCTIVE
    with pytest.raises(ValueError, match="typed back"):
        grant(decision, typed="api")
    with pytest.raises(ValueError, match="typed back"):
        grant(decision)
    result = run_step(decision, kubectl=str(kubectl), approval=grant(decision, typed="api-7d9c5b8f6-hp4zt"))
    assert result.ok, result.stderr.text
    assert [(r.method, r.path) for r in api.mutations] == [
        ("DELETE", "/api/v1/namespaces/shop/pods/api-7d9c5b8f6-hp4zt")]


def test_rejected_and_unchecked_steps_never_run(api: FakeKubeAPI, kubectl: Path, tmp_path: Path) -> None:
    rejected = classify_command_line("kubectl delete ns shop", _scope(api))
    with pytest.raises(StepRefused, match="rejected"):
        run_step(rejected, kubectl=str(kubectl))
    with pytest.raises(ValueError):
        grant(rejected)
    with pytest.raises(StepRefused, match="not classified"):
        run_step(["kubectl", "delete", "ns", "shop"], kubectl=str(kubectl))  # type: ignore[arg-type]
    unchecked = classify_command_line("kubectl apply -f fix.yaml", _scope(api))
    with pytest.raises(ValueError, match="not been checked"):
        grant(unchecked)
    with pytest.raises(StepRefused, match="manifest was not checked"):
        run_step(unchecked, kubectl=str(kubectl))
    with pytest.raises(ValueError, match="runs without asking"):
        grant(classify_command_line("kubectl get pods", _scope(api)))
    assert api.requests == []


def test_a_checked_manifest_runs_from_the_checked_bytes(api: FakeKubeAPI, kubectl: Path,
                                                        tmp_path: Path) -> None:
    path = tmp_path / "fix.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fix\ndata:\n  mode: safe\n")
    decision = classify(["kubectl", "apply", "-f", str(path)], _scope(api))
    checked = check_manifests(decision, {str(path): path.read_bytes()})
    # The file changes after it was checked (and previewed): what runs is still what was checked.
    path.write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: evil\n")
    result = run_step(checked, kubectl=str(kubectl), approval=grant(checked))
    assert result.ok, result.stderr.text
    assert [(r.method, r.path) for r in api.mutations] == [("POST", "/api/v1/namespaces/shop/configmaps")]
    assert api.get("ConfigMap", "fix", "shop")["data"] == {"mode": "safe"}
    assert api.get("Namespace", "evil") is None
    assert kubectl_argv(checked, "kubectl")[-1] == "--filename=-"


def test_output_is_redacted_before_anyone_sees_it(api: FakeKubeAPI, kubectl: Path) -> None:
    jwt = SEEDED["jwt"]
    api.add_log("shop", "api-7d9c5b8f6-hp4zt", "api", f"starting\nauth header Bearer {jwt}\nready\n")
    decision = classify_command_line("kubectl logs api-7d9c5b8f6-hp4zt -c api --tail=10", _scope(api))
    result = run_step(decision, kubectl=str(kubectl))
    assert result.ok, result.stderr.text
    assert jwt not in result.stdout.text and "[REDACTED:" in result.stdout.text
    assert result.stdout.counts


def test_output_is_capped_at_a_line(api: FakeKubeAPI, kubectl: Path) -> None:
    for i in range(300):
        api.add({"apiVersion": "v1", "kind": "ConfigMap",
                 "metadata": {"name": f"cm-{i:03d}", "namespace": "shop"}, "data": {"k": "v" * 200}})
    decision = classify_command_line("kubectl get configmaps -o yaml", _scope(api))
    result = run_step(decision, kubectl=str(kubectl), output_cap=8192)
    assert result.truncated and result.ok
    text = result.stdout.text
    assert len(text.encode()) <= 8192 + 100
    body, note = text.rsplit("\n", 2)[0], text.rstrip("\n").rsplit("\n", 1)[-1]
    assert note == "[output cut at the agent's cap]" and body.endswith(("v" * 10, ":", "shop", "Map"))


def test_a_hung_step_is_stopped_at_the_timeout(api: FakeKubeAPI, kubectl: Path) -> None:
    api.inject("/api/v1/namespaces/shop/pods", status=0, delay=30, times=5)
    decision = classify_command_line("kubectl get pods", _scope(api))
    started = time.monotonic()
    result = run_step(decision, kubectl=str(kubectl), timeout=2)
    assert result.timed_out and result.exit_code is None and not result.ok
    assert time.monotonic() - started < 10


def test_the_environment_is_cleaned_and_kuberc_ignored(api: FakeKubeAPI, kubectl: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # A kuberc that would change what `get` prints, and variables that would change what kubectl runs.
    kuberc = tmp_path / "kuberc"
    kuberc.write_text("apiVersion: kubectl.config.k8s.io/v1beta1\nkind: Preference\n"
                      "defaults:\n- command: get\n  options:\n  - name: output\n    default: json\n")
    shim_log = tmp_path / "shim.json"
    shim = tmp_path / "kubectl-shim"
    shim.write_text("#!/usr/bin/env python3\nimport json, os, sys\n"
                    f"json.dump({{'argv': sys.argv[1:], 'env': dict(os.environ)}}, "
                    f"open({str(shim_log)!r}, 'w'))\n"
                    f"os.execv({str(kubectl)!r}, [{str(kubectl)!r}, *sys.argv[1:]])\n")
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("KUBERC", str(kuberc))
    monkeypatch.setenv("KUBECTL_EXTERNAL_DIFF", "sh -c id")
    monkeypatch.setenv("KUBE_EDITOR", "vim")
    monkeypatch.setenv("KUBECTL_COMMAND_HEADERS", "false")

    # Control: the real kubectl, run directly, does honour that kuberc.
    import subprocess

    direct = subprocess.run([str(kubectl), "--kubeconfig", str(api.kubeconfig), "get", "pods", "-n", "shop"],
                            capture_output=True, text=True, timeout=60)
    assert direct.stdout.lstrip().startswith("{"), direct.stdout[:200]

    result = run_step(classify_command_line("kubectl get pods", _scope(api)), kubectl=str(shim))
    assert result.ok and not result.stdout.text.lstrip().startswith("{")  # the kuberc was ignored
    seen = json.loads(shim_log.read_text())
    kube_vars = {k: v for k, v in seen["env"].items() if k.startswith(("KUBECTL_", "KUBE_E", "KUBERC"))}
    assert kube_vars == {"KUBECTL_KUBERC": "false"}
    assert seen["argv"] == [f"--kubeconfig={api.kubeconfig}", "--context=kind-dev", "--namespace=shop",
                            "get", "pods"]
    assert os.environ["KUBECTL_EXTERNAL_DIFF"] == "sh -c id"  # prism's own environment is left alone


def test_a_cluster_wide_scope_pins_the_context_and_passes_A(api: FakeKubeAPI, kubectl: Path) -> None:
    decision = classify_command_line("kubectl get pods -A -o name", _scope(api, None))
    assert kubectl_argv(decision, "kubectl") == [
        "kubectl", f"--kubeconfig={api.kubeconfig}", "--context=kind-dev", "get", "pods", "-A", "-o", "name"]
    result = run_step(decision, kubectl=str(kubectl))
    assert result.ok and "pod/coredns" in result.stdout.text
    assert [r.path for r in api.requests if r.path.endswith("/pods")] == ["/api/v1/pods"]


def test_every_execution_is_in_the_audit_log(api: FakeKubeAPI, kubectl: Path) -> None:
    decision = classify_command_line("kubectl -n shop scale deploy/api --replicas=2", _scope(api))
    run_step(decision, kubectl=str(kubectl), approval=grant(decision, preview_sha256="c" * 64,
                                                            resource_version="7"))
    run_step(classify_command_line("kubectl get pods", _scope(api)), kubectl=str(kubectl))
    steps = [r for r in audit.read().records if r["event"] == audit.AGENT_STEP]
    assert len(steps) == 2
    write = steps[0]
    assert write["argv"] == ["kubectl", "-n", "shop", "scale", "deploy/api", "--replicas=2"]
    assert write["argv_sha256"] == decision.sha256 and len(write["argv_sha256"]) == 64
    assert {k: write[k] for k in ("category", "rule", "context", "namespace", "exit_code", "answer",
                                  "preview_sha256", "resource_version")} == {
        "category": "mutating", "rule": "write", "context": "kind-dev", "namespace": "shop", "exit_code": 0,
        "answer": "y", "preview_sha256": "c" * 64, "resource_version": "7"}
    assert write["approver"] and isinstance(write["duration_ms"], int)
    assert "approver" not in steps[1] and steps[1]["category"] == "read-only"


# --- previews: the API server's own dry run, without approval, changing nothing ---------------------


def test_a_preview_is_the_servers_dry_run_and_changes_nothing(api: FakeKubeAPI, kubectl: Path) -> None:
    from kubectl_prism.agent.execute import preview_step

    decision = classify_command_line("kubectl -n shop patch deployment api -p '{\"spec\":{\"replicas\":4}}'",
                                     _scope(api))
    result = preview_step(decision, kubectl=str(kubectl))
    assert result.ok and result.preview, result.stderr.text
    assert "replicas: 4" in result.stdout.text and "kind: Deployment" in result.stdout.text
    patches = [r for r in api.requests if r.method == "PATCH"]
    assert len(patches) == 1 and patches[0].dry_run and api.mutations == []
    assert api.get("Deployment", "api", "shop")["spec"]["replicas"] != 4
    previews = [r for r in audit.read().records if r["event"] == audit.AGENT_PREVIEW]
    assert len(previews) == 1 and previews[0]["argv_sha256"] == decision.sha256
    # The step itself still needs its approval: a preview is not one.
    with pytest.raises(StepRefused):
        run_step(decision, kubectl=str(kubectl))


def test_a_selector_delete_previews_the_names_it_would_delete(api: FakeKubeAPI, kubectl: Path) -> None:
    from kubectl_prism.agent.execute import preview_step

    decision = classify_command_line("kubectl delete pods -l app=api", _scope(api))
    result = preview_step(decision, kubectl=str(kubectl), output="yaml")  # delete gives names whatever
    assert result.ok, result.stderr.text
    assert sorted(result.stdout.text.split()) == ["pod/api-7d9c5b8f6-hp4zt", "pod/api-7d9c5b8f6-x2kqp"]
    assert api.mutations == [] and api.get("Pod", "api-7d9c5b8f6-hp4zt", "shop") is not None


def test_what_cannot_be_previewed(api: FakeKubeAPI, kubectl: Path) -> None:
    from kubectl_prism.agent.execute import PreviewUnavailable, preview_step

    with pytest.raises(PreviewUnavailable, match="no server-side dry run"):
        restart = classify_command_line("kubectl rollout restart deploy/api", _scope(api))
        preview_step(restart, kubectl=str(kubectl))
    with pytest.raises(StepRefused):
        preview_step(classify_command_line("kubectl get pods", _scope(api)), kubectl=str(kubectl))
    with pytest.raises(StepRefused):
        preview_step(classify_command_line("kubectl delete ns shop", _scope(api)), kubectl=str(kubectl))
    assert api.requests == []
