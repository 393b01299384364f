"""The leak harness on the MCP server: every tool, on every object of the seeded-secrets scenario.

No seeded secret may appear in any byte the SDK client received (results, errors, tool list,
prompts), in the audit log, or in the server's stderr.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kubectl_prism.kinds import BY_KIND, TARGET_KINDS
from kubectl_prism.mcpserver.cluster import READABLE_KINDS
from tests.fakes.kube_apiserver import FakeKubeAPI
from tests.leak import NS, SCENARIO_PATH, assert_no_leak, leak_scenario
from tests.mcp_harness import McpSession, server_env, write_mcp_config

POD = "api-6f7c9d8b5-x2x7k"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mcp-leak")


@pytest.fixture(scope="module")
def session(root: Path) -> Iterator[McpSession]:
    with FakeKubeAPI.from_scenario(SCENARIO_PATH) as api:
        kubeconfig = api.write_kubeconfig(root / "kubeconfig", namespace=NS)
        write_mcp_config(root / "config")
        with McpSession(["mcp", "serve", "--kubeconfig", str(kubeconfig)], server_env(root),
                        root / "server-stderr.log") as s:
            yield s


def _calls() -> list[tuple[str, dict[str, object]]]:
    calls: list[tuple[str, dict[str, object]]] = [
        ("list_contexts", {}), ("list_namespaces", {}),
        ("events", {}), ("events", {"kind": "pod", "name": POD}), ("events", {"name": POD}),
        ("logs", {"pod": POD}), ("logs", {"pod": POD, "previous": True, "tail_lines": 1000}),
        ("logs", {"pod": POD, "container": "api", "previous": True, "tail_lines": 3}),
        ("diagnose", {}), ("diagnose", {"all_namespaces": True}),
        ("health_summary", {}), ("health_summary", {"all_namespaces": True}),
    ]
    calls += [("list_resources", {"kind": info.plural}) for info in READABLE_KINDS]
    calls += [("list_resources", {"kind": "pods", "label_selector": "app=api"})]
    for obj in leak_scenario()["objects"]:
        kind, name = obj["kind"], obj["metadata"]["name"]
        calls.append(("get_resource", {"kind": kind, "name": name}))
        if kind in TARGET_KINDS:
            target = f"{BY_KIND[kind].kind.lower()}/{name}"
            calls += [("diagnose", {"target": target}), ("explain", {"target": target})]
    return calls


def test_no_seeded_secret_reaches_the_mcp_client(session: McpSession, root: Path) -> None:
    results = {}
    for tool, args in _calls():
        result = session.call(tool, args)
        results[(tool, str(args))] = result
        assert_no_leak(result.model_dump_json())
    session.list_tools()
    session.get_prompt("troubleshoot_pod", {"pod": POD, "namespace": NS})
    assert_no_leak("\n".join(session.received))

    # Not vacuous: the tools answered with the data around the secrets, redacted.
    previous = session.text(results[("logs", str({"pod": POD, "previous": True, "tail_lines": 1000}))])
    assert "Connection refused" in previous and "[REDACTED:" in previous
    secret = session.text(results[("get_resource", str({"kind": "Secret", "name": "db-creds"}))])
    assert '"name":"db-creds"' in secret
    deployment = session.text(results[("get_resource", str({"kind": "Deployment", "name": "api"}))])
    assert '"DATABASE_URL"' in deployment and '"LOG_LEVEL"' in deployment
    assert not any(r.is_error for (tool, _), r in results.items() if tool != "get_resource")


def test_no_seeded_secret_in_the_audit_log_or_the_server_log(session: McpSession, root: Path) -> None:
    session.call("logs", {"pod": POD, "previous": True})
    audit = (root / "state" / "audit.jsonl").read_text(encoding="utf-8")
    assert '"tool":"logs"' in audit
    assert_no_leak(audit)
    assert_no_leak(session.stderr())
