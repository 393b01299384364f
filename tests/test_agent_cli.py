"""`kubectl prism agent enable|disable|status|classify`, and `fix` refusing while agent mode is off."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from kubectl_prism.settings import config_path
from tests.cli_helpers import run_exe, run_main
from tests.leak import SEEDED

Capture = pytest.CaptureFixture[str]


def _agent_table() -> dict[str, object]:
    with config_path().open("rb") as fh:
        return tomllib.load(fh).get("agent", {})


def test_agent_mode_is_off_by_default_and_fix_refuses_naming_the_command(capsys: Capture) -> None:
    code, out, err = run_main(capsys, "agent", "status", "-o", "json")
    assert code == 0 and json.loads(out)["enabled"] is False
    code, out, err = run_main(capsys, "fix")
    assert code == 2 and out == ""
    assert err == ("error: agent mode is off: `fix` changes nothing until you turn it on "
                   "(run `kubectl prism agent enable`)\n")


def test_enable_sets_exactly_the_skills_given_and_is_separate_from_ai(capsys: Capture,
                                                                     kubectl: Path) -> None:
    code, out, _ = run_main(capsys, "agent", "enable", "--terminal", "--kubectl", kubectl)
    assert code == 0 and "Agent mode: enabled" in out
    assert _agent_table() == {"enabled": True, "terminal": True, "gitops": False, "kubectl": str(kubectl)}
    assert "ai" not in tomllib.loads(config_path().read_text())  # `ai enable` is a separate switch

    # Enabling again without --terminal turns the terminal skill off: what you type is what you get.
    run_main(capsys, "agent", "enable", "--gitops")
    assert _agent_table() == {"enabled": True, "terminal": False, "gitops": True, "kubectl": str(kubectl)}
    doc = json.loads(run_main(capsys, "agent", "status", "-o", "json")[1])
    assert doc["resolvedKubectl"] == str(kubectl) and doc["enableCommand"] == (
        f"kubectl prism agent enable --gitops --kubectl {kubectl}")

    from kubectl_prism.agent.settings import require_agent

    assert require_agent(gitops=True).gitops
    from kubectl_prism.errors import UsageError

    with pytest.raises(UsageError) as refused:
        require_agent(terminal=True)
    assert refused.value.line() == ("the terminal skill is off: shell commands are refused (run "
                                    f"`kubectl prism agent enable --terminal --gitops --kubectl {kubectl}`)")

    code, out, _ = run_main(capsys, "agent", "disable")
    assert code == 0 and "disabled" in out
    assert _agent_table()["enabled"] is False
    assert run_main(capsys, "fix")[0] == 2


def test_enable_with_a_kubectl_that_is_not_there_changes_nothing(capsys: Capture, tmp_path: Path) -> None:
    code, out, err = run_main(capsys, "agent", "enable", "--kubectl", tmp_path / "nope")
    assert code == 2 and "is not an executable file" in err and out == ""
    assert not config_path().exists()


def test_a_broken_agent_table_is_a_usage_error(capsys: Capture) -> None:
    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_text('[agent]\nenabled = "yes"\n')
    code, _, err = run_main(capsys, "fix")
    assert code == 2 and "[agent] enabled" in err and "true or false" in err


# --- classify ---------------------------------------------------------------------------------------


def test_classify_prints_the_decision_and_exits_0_even_when_rejected(capsys: Capture) -> None:
    code, out, err = run_main(capsys, "agent", "classify", "-n", "shop", "--", "kubectl", "get", "pods",
                              "-n", "shop", "-n", "kube-system")
    assert code == 0 and err == ""
    assert out.splitlines()[0] == "REJECTED  kubectl get pods -n shop -n kube-system"
    assert "rule:   repeated-flag" in out and "never runs" in out and "scope:  namespace shop" in out


def test_classify_json_for_scripts(capsys: Capture) -> None:
    code, out, _ = run_main(capsys, "agent", "classify", "-n", "shop", "-o", "json", "--",
                            "kubectl", "scale", "deploy/api", "--replicas=0")
    doc = json.loads(out)
    assert code == 0
    assert {k: doc[k] for k in ("category", "rule", "verb", "namespace", "confirmWord")} == {
        "category": "destructive", "rule": "scale-to-zero", "verb": "scale", "namespace": "shop",
        "confirmWord": "api"}
    assert doc["objects"] == [{"resource": "deployments.apps", "kind": "Deployment", "name": "api",
                               "namespace": "shop"}]


def test_classify_takes_one_quoted_command_line(capsys: Capture) -> None:
    code, out, _ = run_main(capsys, "agent", "classify", "-n", "shop", "-o", "json", "--",
                            "kubectl get pods; kubectl delete ns shop")
    assert code == 0 and json.loads(out)["rule"] == "shell-syntax"


def test_classify_scope_comes_from_A_and_the_contexts_namespace(capsys: Capture, tmp_path: Path) -> None:
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: dev\n"
        "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\n"
        "contexts: [{name: dev, context: {cluster: c, user: u, namespace: team-a}}]\n"
        "users: [{name: u, user: {token: x}}]\n")
    doc = json.loads(run_main(capsys, "agent", "classify", "--kubeconfig", kubeconfig, "-o", "json", "--",
                              "kubectl", "delete", "pod", "a")[1])
    assert doc["namespace"] == "team-a" and doc["scope"] == {"namespace": "team-a", "context": "dev",
                                                             "clusterWide": False}
    doc = json.loads(run_main(capsys, "agent", "classify", "--kubeconfig", kubeconfig, "-A", "-o", "json",
                              "--", "kubectl", "drain", "n1")[1])
    assert doc["category"] == "destructive" and doc["scope"]["clusterWide"] is True
    # Prism's own flags stop at the first word of the command: this -n belongs to the kubectl command.
    doc = json.loads(run_main(capsys, "agent", "classify", "--kubeconfig", kubeconfig, "-o", "json",
                              "kubectl", "get", "pods", "-n", "kube-system")[1])
    assert doc["rule"] == "other-namespace" and doc["scope"]["namespace"] == "team-a"


def test_classify_output_is_redacted(capsys: Capture) -> None:
    jwt = SEEDED["jwt"]
    for fmt in ("text", "json"):
        code, out, _ = run_main(capsys, "agent", "classify", "-n", "shop", "-o", fmt, "--",
                                "kubectl", "annotate", "deploy", "api", f"token={jwt}")
        assert code == 0 and jwt not in out and "[REDACTED:jwt]" in out


@pytest.mark.parametrize(("args", "message"), [
    (["agent", "classify"], "no command to classify"),
    (["agent", "classify", "-o", "yaml", "--", "kubectl", "get", "pods"], "-o yaml is not supported"),
    (["agent", "classify", "-n", "bad/ns", "--", "kubectl", "get", "pods"], "invalid namespace"),
    (["agent", "classify", "-n", "a", "-A", "--", "kubectl", "get", "pods"], "cannot be used together"),
])
def test_classify_usage_errors_exit_2(capsys: Capture, args: list[str], message: str) -> None:
    code, out, err = run_main(capsys, *args)
    assert code == 2 and out == "" and message in err and err.count("\n") == 1


def test_classify_from_the_installed_executable() -> None:
    result = run_exe("agent", "classify", "-n", "shop", "--", "kubectl", "d\u0435lete", "pod", "a")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("REJECTED") and "non-ascii" in result.stdout
