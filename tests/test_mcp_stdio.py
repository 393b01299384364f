"""`kubectl-prism mcp serve` over stdio, driven by the MCP SDK's own client, against the fake API server.

One server subprocess serves the module (the policy is re-read on every call, so tests change the
`[mcp]` config between calls). The kubeconfig has two contexts on the shop scenario: `fake` (admin,
the default) and `dev` (the scenario's dev-token: pods, pods/log and events in shop only).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.kube_apiserver import FakeKubeAPI
from tests.mcp_harness import (
    CLIENT_NAME,
    TOOLS,
    McpSession,
    audit_records,
    server_env,
    two_context_kubeconfig,
    write_mcp_config,
)

SHOP = Path(__file__).parent / "fakes" / "scenarios" / "shop.yaml"
CRASHING_POD = "api-7d9c5b8f6-hp4zt"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mcp-stdio")


@pytest.fixture(scope="module")
def api() -> Iterator[FakeKubeAPI]:
    with FakeKubeAPI.from_scenario(SHOP) as server:
        yield server


@pytest.fixture(scope="module")
def session(root: Path, api: FakeKubeAPI) -> Iterator[McpSession]:
    kubeconfig = two_context_kubeconfig(api, root / "kubeconfig")
    write_mcp_config(root / "config")
    with McpSession(["mcp", "serve", "--kubeconfig", str(kubeconfig)], server_env(root),
                    root / "server-stderr.log") as s:
        yield s


@pytest.fixture(autouse=True)
def _open_policy(root: Path) -> Iterator[None]:
    """Every test starts (and ends) with the server enabled and no allow-lists."""
    write_mcp_config(root / "config")
    yield
    write_mcp_config(root / "config")


# --- discovery ---------------------------------------------------------------------------------------


def test_lists_the_read_only_tools_with_descriptions_and_schemas(session: McpSession) -> None:
    tools = {t.name: t for t in session.list_tools().tools}
    assert set(tools) == TOOLS
    for tool in tools.values():
        assert len(tool.description or "") > 30, tool.name
        assert tool.input_schema["type"] == "object"
        assert "ctx" not in tool.input_schema.get("properties", {})  # the SDK context is not an argument
        assert tool.annotations is not None and tool.annotations.read_only_hint is True
        assert tool.annotations.destructive_hint is False
    assert tools["list_resources"].input_schema["required"] == ["kind"]
    assert set(tools["get_resource"].input_schema["required"]) == {"kind", "name"}
    assert tools["logs"].input_schema["required"] == ["pod"]
    tail = tools["logs"].input_schema["properties"]["tail_lines"]
    assert tail["maximum"] == 1000 and tail["minimum"] == 1
    assert tools["explain"].input_schema["required"] == ["target"]
    assert "all_namespaces" in tools["diagnose"].input_schema["properties"]
    assert "context" in tools["health_summary"].input_schema["properties"]


def test_prompts_for_a_pod_and_a_namespace(session: McpSession) -> None:
    prompts = {p.name: p for p in session.list_prompts().prompts}
    assert set(prompts) == {"troubleshoot_pod", "troubleshoot_namespace"}
    assert {a.name for a in prompts["troubleshoot_pod"].arguments or []} == {"pod", "namespace"}
    assert all(a.required for a in prompts["troubleshoot_pod"].arguments or [])
    prompt = session.get_prompt("troubleshoot_pod", {"pod": CRASHING_POD, "namespace": "shop"})
    text = prompt.messages[0].content.text
    assert f"target=pod/{CRASHING_POD}" in text and "diagnose" in text and "logs" in text
    text = session.get_prompt("troubleshoot_namespace", {"namespace": "shop"}).messages[0].content.text
    assert "health_summary" in text and "'shop'" in text


# --- each tool ---------------------------------------------------------------------------------------


def test_list_contexts_names_both_contexts_and_the_default(session: McpSession) -> None:
    result, doc = session.call_json("list_contexts")
    assert not result.is_error
    assert {c["name"] for c in doc["contexts"]} == {"fake", "dev"}
    assert doc["default"] == "fake"
    assert "server" not in json.dumps(doc)  # names only, never the server URL or users


def test_list_namespaces(session: McpSession) -> None:
    result, doc = session.call_json("list_namespaces")
    assert not result.is_error
    assert [n["name"] for n in doc["items"]] == ["default", "kube-system", "shop"]


def test_list_resources_in_the_context_namespace_with_status(session: McpSession) -> None:
    result, doc = session.call_json("list_resources", {"kind": "po"})
    assert not result.is_error
    assert doc["kind"] == "Pod" and doc["namespace"] == "shop" and doc["count"] == 2
    crashing = next(row for row in doc["items"] if row["name"] == CRASHING_POD)
    assert "CrashLoopBackOff" in crashing["status"]
    _, doc = session.call_json("list_resources", {"kind": "pods", "namespace": "kube-system",
                                                  "label_selector": "k8s-app=kube-dns"})
    assert [row["name"] for row in doc["items"]] == ["coredns-5d78c9869d-7xk2p"]
    _, doc = session.call_json("list_resources", {"kind": "nodes"})
    assert {row["name"] for row in doc["items"]} == {"node-a", "node-b"} and "namespace" not in doc


def test_secrets_are_listed_and_read_as_metadata_only(session: McpSession, api: FakeKubeAPI) -> None:
    api.clear_requests()
    _, listed = session.call_json("list_resources", {"kind": "secrets"})
    assert [row["name"] for row in listed["items"]] == ["api-db"]
    assert "metadata only" in listed["note"]
    result, obj = session.call_json("get_resource", {"kind": "secret", "name": "api-db"})
    assert not result.is_error
    assert obj["metadata"]["name"] == "api-db" and "data" not in obj and "stringData" not in obj
    secret_requests = [r for r in api.requests if "/secrets" in r.path]
    assert secret_requests and all("PartialObjectMetadata" in r.accept
                                   for r in secret_requests)


def test_get_resource_is_the_redacted_object(session: McpSession) -> None:
    result, obj = session.call_json("get_resource", {"kind": "deployment.apps", "name": "api"})
    assert not result.is_error
    assert obj["kind"] == "Deployment" and obj["spec"]["replicas"] == 2
    assert "managedFields" not in obj["metadata"]
    result, doc = session.call_json("get_resource", {"kind": "deploy", "name": "nope"})
    assert not result.is_error and doc["status"] == "no_data" and "not found" in doc["message"]


def test_unknown_kind_is_a_tool_error_listing_the_accepted_kinds(session: McpSession) -> None:
    result, doc = session.call_json("list_resources", {"kind": "widgets"})
    assert result.is_error
    assert 'unknown kind "widgets"' in doc["error"]
    assert "pods (po)" in doc["error"] and "deployments (deploy)" in doc["error"]
    result, doc = session.call_json("diagnose", {"target": "widget/x"})
    assert result.is_error and "accepted kinds" in doc["error"]


def test_events_for_one_object_newest_first(session: McpSession) -> None:
    result, doc = session.call_json("events", {"kind": "pod", "name": CRASHING_POD})
    assert not result.is_error
    assert doc["events"] and all(e["object"] == f"pod/{CRASHING_POD}" for e in doc["events"])
    times = [e["last"] for e in doc["events"]]
    assert times == sorted(times, reverse=True)
    assert any(e["reason"] == "BackOff" for e in doc["events"])


def test_logs_of_the_crashed_instance(session: McpSession) -> None:
    result = session.call("logs", {"pod": CRASHING_POD, "previous": True, "tail_lines": 2})
    text = session.text(result)
    assert not result.is_error
    assert text.startswith(f"--- log of shop/{CRASHING_POD} container api (previous): last 2 line(s)")
    assert "cannot reach database" in text and "starting shop-api" not in text
    result = session.call("logs", {"pod": "no-such-pod"})
    assert not result.is_error and "not found" in session.text(result)


def test_tail_lines_is_bounded_by_the_schema(session: McpSession) -> None:
    result = session.call("logs", {"pod": CRASHING_POD, "tail_lines": 100000})
    assert result.is_error and "tail_lines" in session.text(result)


def test_diagnose_returns_findings_json(session: McpSession) -> None:
    result, doc = session.call_json("diagnose", {})
    assert not result.is_error
    assert doc["kind"] == "Diagnosis" and doc["scope"]["namespace"] == "shop"
    ids = {f["id"] for f in doc["findings"]}
    assert "pod-crash-loop" in ids
    crash = next(f for f in doc["findings"] if f["id"] == "pod-crash-loop")
    assert crash["object"]["name"] == CRASHING_POD and crash["remediation"]
    _, doc = session.call_json("diagnose", {"target": f"pod/{CRASHING_POD}"})
    assert doc["scope"]["target"] == f"pod/{CRASHING_POD}"
    assert any(f["object"]["name"] == CRASHING_POD for f in doc["findings"])
    _, doc = session.call_json("diagnose", {"all_namespaces": True})
    assert doc["scope"]["namespace"] is None


def test_explain_one_object(session: McpSession) -> None:
    result, doc = session.call_json("explain", {"target": "deploy/api"})
    assert not result.is_error
    assert doc["kind"] == "Explanation" and doc["object"]["name"] == "api"
    assert {p["name"] for p in doc["pods"]} == {CRASHING_POD, "api-7d9c5b8f6-x2kqp"}
    assert doc["findings"] and "ai" not in doc


def test_health_summary_scorecard(session: McpSession) -> None:
    result, doc = session.call_json("health_summary", {"namespace": "shop"})
    assert not result.is_error
    assert doc["kind"] == "HealthSummary"
    assert doc["scorecard"]["workloads"]["degraded"] == 1
    assert doc["workloadsNotHealthy"][0]["name"] == "api"
    _, doc = session.call_json("health_summary", {"all_namespaces": True})
    assert doc["scorecard"]["nodes"]["total"] == 2


# --- RBAC: the limited dev-token ---------------------------------------------------------------------


def test_a_403_is_a_gap_not_a_crash(session: McpSession) -> None:
    result, doc = session.call_json("list_resources", {"kind": "deploy", "context": "dev"})
    assert not result.is_error
    assert doc["status"] == "forbidden"
    assert doc["gap"] == "could not read deployments.apps in shop: forbidden"
    result, doc = session.call_json("list_namespaces", {"context": "dev"})
    assert not result.is_error and doc["status"] == "forbidden"
    result, doc = session.call_json("get_resource", {"kind": "secret", "name": "api-db", "context": "dev"})
    assert not result.is_error and doc["status"] == "forbidden"
    # What dev may read still works.
    result, doc = session.call_json("list_resources", {"kind": "pods", "context": "dev"})
    assert not result.is_error and doc["count"] == 2
    result = session.call("logs", {"pod": CRASHING_POD, "previous": True, "context": "dev"})
    assert not result.is_error and "no such host" in session.text(result)


def test_diagnose_with_the_dev_token_reports_gaps(session: McpSession) -> None:
    result, doc = session.call_json("diagnose", {"context": "dev"})
    assert not result.is_error
    forbidden = {g["resource"] for g in doc["gaps"] if g["reason"] == "forbidden"}
    assert "deployments.apps" in forbidden and "secrets" in forbidden
    result, doc = session.call_json("explain", {"target": "deploy/api", "context": "dev"})
    assert result.is_error and "not allowed to read deployment" in doc["error"]


# --- policy ------------------------------------------------------------------------------------------


def test_namespace_allow_list(session: McpSession, root: Path) -> None:
    write_mcp_config(root / "config", allow_namespaces=["kube-system"])
    result, doc = session.call_json("list_resources", {"kind": "pods"})  # default namespace shop
    assert result.is_error and doc["status"] == "refused"
    assert 'namespace "shop" is not in the MCP allow-list (kube-system)' in doc["error"]
    result, doc = session.call_json("diagnose", {"all_namespaces": True})
    assert result.is_error and "reading all namespaces is not allowed" in doc["error"]
    result, doc = session.call_json("explain", {"target": "ns/shop"})
    assert result.is_error and doc["status"] == "refused"
    _, doc = session.call_json("list_namespaces")
    assert [n["name"] for n in doc["items"]] == ["kube-system"]
    result, doc = session.call_json("list_resources", {"kind": "pods", "namespace": "kube-system"})
    assert not result.is_error and doc["count"] == 3


def test_context_allow_list(session: McpSession, root: Path) -> None:
    write_mcp_config(root / "config", allow_contexts=["dev"])
    result, doc = session.call_json("list_resources", {"kind": "pods"})  # default context fake
    assert result.is_error and 'kube context "fake" is not in the MCP allow-list (dev)' in doc["error"]
    _, doc = session.call_json("list_contexts")
    assert [c["name"] for c in doc["contexts"]] == ["dev"] and "not shown" in doc["note"]
    result, _ = session.call_json("list_resources", {"kind": "pods", "context": "dev"})
    assert not result.is_error


def test_client_allow_list(session: McpSession, root: Path) -> None:
    write_mcp_config(root / "config", allow_clients=["claude-code"])
    result, doc = session.call_json("list_contexts")
    assert result.is_error
    assert f'MCP client "{CLIENT_NAME}" is not in the allow-list (claude-code)' in doc["error"]
    write_mcp_config(root / "config", allow_clients=["claude-code", CLIENT_NAME])
    result, _ = session.call_json("list_contexts")
    assert not result.is_error


def test_disabling_stops_a_running_server(session: McpSession, root: Path) -> None:
    write_mcp_config(root / "config", enabled=False)
    result, doc = session.call_json("list_resources", {"kind": "pods"})
    assert result.is_error and "disabled" in doc["error"] and "kubectl prism mcp enable" in doc["error"]


# --- audit -------------------------------------------------------------------------------------------


def test_every_call_lands_in_the_audit_log(session: McpSession, root: Path) -> None:
    before = len(audit_records(root))
    ok = session.call("list_resources", {"kind": "pods", "namespace": "shop"})
    bad = session.call("list_resources", {"kind": "widgets"})
    rejected = session.call("logs", {})  # missing `pod`: rejected by the SDK before the tool runs
    records = audit_records(root)[before:]
    assert [r["tool"] for r in records] == ["list_resources", "list_resources", "logs"]
    assert all(r["event"] == "mcp.call" and r["client"] == CLIENT_NAME and r["transport"] == "stdio"
               for r in records)
    for record, result in zip(records, (ok, bad, rejected), strict=True):
        payload = session.text(result).encode()
        assert record["bytes"] == len(payload)
        assert record["sha256"] == hashlib.sha256(payload).hexdigest()
        assert record["is_error"] is result.is_error
    assert records[0]["outcome"] == "success" and records[0]["args"] == {"kind": "pods", "namespace": "shop"}
    assert records[1]["outcome"] == "error"
    assert records[2]["outcome"] == "rejected-by-sdk"
    assert "redactions" in records[0]


def test_stdout_carried_only_the_protocol_and_logs_went_to_stderr(session: McpSession) -> None:
    # Every call above parsed as JSON-RPC, so nothing else reached stdout; the banner is on stderr.
    assert "kubectl-prism MCP server (stdio, read-only): default context fake" in session.stderr()
