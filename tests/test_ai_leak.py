"""The leak harness (tests/leak.py) over every AI path this layer owns: `ai_explain` (diagnose, explain,
report) and `ask` with every tool, from a snapshot and from a live cluster. No seeded secret may appear,
in any form, in any byte the fake provider received — nor in the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kubectl_prism import audit
from kubectl_prism.ai.config import AISettings, ApiKey
from kubectl_prism.ai.explain import ai_explain
from kubectl_prism.analyzers import run_analyzers
from kubectl_prism.cli import main
from kubectl_prism.findings import Diagnosis, Scope
from kubectl_prism.gather import gather_scope
from kubectl_prism.kinds import parse_target
from kubectl_prism.options import GlobalOptions
from tests.ai_support import enable_ai, isolate
from tests.dumps import write_as_cluster_dump
from tests.fakes.ai_server import FakeAIServer, Reply, text, tool
from tests.leak import SEEDED, assert_no_leak, leak_scenario

POD = "api-6f7c9d8b5-x2x7k"
ANSWER = {
    "root_cause": "db refused connections",
    "evidence": ["Connection refused"],
    "remediation": [],
    "confidence": "medium",
}


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate(tmp_path, monkeypatch)


@pytest.fixture
def server() -> Iterator[FakeAIServer]:
    with FakeAIServer() as s:
        yield s


@pytest.fixture(scope="module")
def scenario() -> dict[str, Any]:
    return leak_scenario()


@pytest.fixture
def dump(tmp_path: Path, scenario: dict[str, Any]) -> Path:
    return write_as_cluster_dump(scenario["objects"], scenario["logs"], tmp_path / "dump")


def check_everything_that_went_out(server: FakeAIServer) -> None:
    assert server.requests, "nothing was sent: the test would prove nothing"
    assert_no_leak(server.all_bytes())
    assert_no_leak(audit.audit_path().read_bytes())


@pytest.mark.parametrize("anonymize", [False, True])
@pytest.mark.parametrize("target", [None, f"pod/{POD}", "deploy/api", "secret/api-keys", "cm/app-config"])
def test_explain_leaks_nothing(server: FakeAIServer, dump: Path, target: str | None, anonymize: bool) -> None:
    parsed = parse_target(target) if target else None
    snapshot = gather_scope(GlobalOptions(snapshot=dump, namespace="shop"), parsed)
    diagnosis = Diagnosis(
        Scope(snapshot.context, "shop", target, snapshot.source), run_analyzers(snapshot), []
    )
    # A prose answer first, so the follow-up request (which echoes the conversation) is checked too.
    server.enqueue(text("thinking"), tool("report_diagnosis", ANSWER))
    settings = AISettings(
        provider="anthropic",
        model="m",
        base_url=server.anthropic_base_url,
        max_retries=0,
        api_key=ApiKey("sk-ant-test", "test"),
    )
    ai_explain(diagnosis, snapshot, settings=settings, anonymize=anonymize)
    assert len(server.requests) == 2
    check_everything_that_went_out(server)


EVERY_TOOL: list[tuple[str, dict[str, Any]]] = [
    *[
        ("get_resource", {"kind": "secret", "name": n})
        for n in ("db-creds", "api-keys", "regcred", "api-token", "api-tls")
    ],
    *[("get_resource", {"kind": "configmap", "name": n}) for n in ("app-config", "ci-kubeconfig", "storage")],
    ("get_resource", {"kind": "deployment", "name": "api"}),
    ("get_resource", {"kind": "replicaset", "name": "api-6f7c9d8b5"}),
    ("get_resource", {"kind": "pod", "name": POD}),
    ("get_resource", {"kind": "node", "name": "worker-1"}),
    ("get_logs", {"pod": POD, "previous": True, "tail_lines": 200}),
    ("get_logs", {"pod": POD}),
    ("get_events", {}),
    ("get_events", {"target": f"pod/{POD}"}),
    ("explain", {"target": f"pod/{POD}"}),
    ("explain", {"target": "deploy/api"}),
    ("diagnose", {}),
    ("diagnose", {"target": f"pod/{POD}"}),
    *[("list_resources", {"kind": k}) for k in ("pods", "secrets", "configmaps", "deployments", "events")],
    ("resource_usage", {"kind": "pods"}),
    ("resource_usage", {"kind": "nodes"}),
]


def run_ask(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(["ask", *argv])
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out, out.err


def script_every_tool(server: FakeAIServer) -> None:
    # One tool per step, then the final answer: every result goes back in a later request.
    from kubectl_prism import settings

    settings.update_section("ai", loop_tokens=10_000_000)
    server.enqueue(*[Reply(tool_calls=[call]) for call in EVERY_TOOL], text("done"))


@pytest.mark.parametrize("anonymize", [False, True])
def test_ask_from_a_snapshot_leaks_nothing(
    capsys: pytest.CaptureFixture[str],
    server: FakeAIServer,
    dump: Path,
    monkeypatch: pytest.MonkeyPatch,
    anonymize: bool,
) -> None:
    enable_ai(server, monkeypatch)
    script_every_tool(server)
    question = f"why does login fail with {SEEDED['github-token']} and my password {SEEDED['db-password']}?"
    flags = ["--anonymize"] if anonymize else []
    code, out, err = run_ask(
        capsys,
        question,
        "--snapshot",
        str(dump),
        "-n",
        "shop",
        "--max-steps",
        str(len(EVERY_TOOL) + 1),
        *flags,
    )
    assert code == 0, err
    assert len(server.requests) == len(EVERY_TOOL) + 1
    assert "-> error" not in out and "too_large" not in out, out
    check_everything_that_went_out(server)


def test_ask_over_a_live_cluster_leaks_nothing(
    capsys: pytest.CaptureFixture[str],
    server: FakeAIServer,
    scenario: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.fakes.kube_apiserver import FakeKubeAPI

    enable_ai(server, monkeypatch)
    script_every_tool(server)
    with FakeKubeAPI(scenario["objects"], scenario["logs"]) as kube:
        kubeconfig = kube.write_kubeconfig(tmp_path / "kubeconfig", namespace="shop")
        code, out, err = run_ask(
            capsys, "what is wrong?", "--kubeconfig", str(kubeconfig), "--max-steps", str(len(EVERY_TOOL) + 1)
        )
    assert code == 0, err
    assert "-> success" in out
    check_everything_that_went_out(server)
