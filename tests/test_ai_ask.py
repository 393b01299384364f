"""`kubectl prism ask`: the read-only tool loop, end to end through the CLI, the fake provider and
`--snapshot`; and its tools one by one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_prism import audit
from kubectl_prism.ai.providers.base import ToolCall
from kubectl_prism.ai.tools import AskTools
from kubectl_prism.cli import main
from kubectl_prism.options import GlobalOptions
from tests.ai_support import (
    CRASHING_POD,
    assert_nothing_planted_in,
    enable_ai,
    isolate,
    shop_dump,
    unfence,
)
from tests.fakes.ai_server import FakeAIServer, RecordedRequest, Reply, text, tool


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate(tmp_path, monkeypatch)


@pytest.fixture
def server() -> Iterator[FakeAIServer]:
    with FakeAIServer() as s:
        yield s


@pytest.fixture
def dump(tmp_path: Path) -> Path:
    return shop_dump(tmp_path / "dump")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out, out.err


def tool_results(req: RecordedRequest) -> list[str]:
    """The tool_result contents of an Anthropic request, in order, without their fences."""
    return [
        unfence(block["content"])
        for m in req.json["messages"]
        if m["role"] == "user"
        for block in m["content"]
        if block.get("type") == "tool_result"
    ]


# --- without AI -----------------------------------------------------------------------------------
def test_without_ai_prints_the_rule_based_diagnosis_then_exits_4(
    capsys: pytest.CaptureFixture[str], server: FakeAIServer, dump: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run(
        capsys, "ask", "why does the api crash?", "--snapshot", str(dump), "-n", "shop", "--no-color"
    )
    assert code == 4
    assert "CrashLoopBackOff" in out and "Diagnosis of namespace shop" in out
    assert "error: AI is not enabled (run `kubectl prism ai enable --provider anthropic`)" in err
    # Configured but switched off: still not one byte to the provider.
    enable_ai(server, monkeypatch)
    run(capsys, "ai", "disable")
    code, out, err = run(capsys, "ask", "why?", "--snapshot", str(dump), "-n", "shop")
    assert code == 4 and "CrashLoopBackOff" in out
    assert server.requests == []


def test_without_ai_json_output_is_the_diagnosis_document(
    capsys: pytest.CaptureFixture[str], dump: Path
) -> None:
    code, out, _ = run(capsys, "ask", "why?", "--snapshot", str(dump), "-n", "shop", "-o", "json")
    assert code == 4
    doc = json.loads(out)
    assert doc["kind"] == "Diagnosis" and doc["findings"]


def test_enabled_without_key_exits_4_naming_the_fix(
    capsys: pytest.CaptureFixture[str], server: FakeAIServer, dump: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    enable_ai(server, monkeypatch)
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    code, _, err = run(capsys, "ask", "why?", "--snapshot", str(dump), "-n", "shop")
    assert code == 4 and "ANTHROPIC_API_KEY" in err
    assert server.requests == []


# --- the loop -------------------------------------------------------------------------------------
def test_tool_loop_streams_the_answer_and_lists_the_tools(
    capsys: pytest.CaptureFixture[str], server: FakeAIServer, dump: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    enable_ai(server, monkeypatch)
    server.enqueue(
        tool("diagnose", {}, text="Let me look."),
        tool("get_logs", {"pod": CRASHING_POD, "previous": True, "tail_lines": 3}),
        text("The api pod cannot resolve db.shop.svc.cluster.local, so it exits with code 1."),
    )
    code, out, err = run(capsys, "ask", "why does the api crash?", "--snapshot", str(dump), "-n", "shop")
    assert code == 0, err
    assert "Let me look." in out
    assert "cannot resolve db.shop.svc.cluster.local, so it exits with code 1." in out
    assert "AI-generated guidance: review before acting." in out
    assert "Tools called (2):" in out
    assert "diagnose() -> success" in out
    assert f"get_logs(pod={CRASHING_POD}, previous=True, tail_lines=3) -> success" in out
    assert len(server.requests) == 3
    first = server.requests[0].json
    assert [t["name"] for t in first["tools"]] == [
        "diagnose",
        "explain",
        "list_resources",
        "get_resource",
        "get_events",
        "get_logs",
        "recent_changes",
        "resource_usage",
    ]
    assert "why does the api crash?" in json.dumps(first["messages"])
    findings = json.loads(tool_results(server.requests[1])[0])
    assert findings["status"] == "success"
    assert any("pod-crash-loop" in line for line in findings["result"]["findings"])
    logs = tool_results(server.requests[2])[1]
    assert "no such host" in logs and len(logs.splitlines()) == 4  # header + 3 lines
    records = [json.loads(line) for line in audit.audit_path().read_text().splitlines()]
    assert [r["command"] for r in records] == ["ask"] * 6
    assert [r["event"] for r in records] == ["ai.request", "ai.response"] * 3


def test_json_output(
    capsys: pytest.CaptureFixture[str], server: FakeAIServer, dump: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    enable_ai(server, monkeypatch, provider="openai-compatible")
    server.enqueue(tool("list_resources", {"kind": "po"}), text("Two pods; one crash-loops."))
    code, out, err = run(capsys, "ask", "how many pods?", "--snapshot", str(dump), "-n", "shop", "-o", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["answer"] == "Two pods; one crash-loops."
    assert doc["toolsCalled"] == [
        {"name": "list_resources", "arguments": {"kind": "po"}, "status": "success"}
    ]
    assert doc["provider"] == "openai-compatible" and doc["disclaimer"].startswith("AI-generated")
    assert not server.requests[0].stream
    listed = json.loads(unfence(server.requests[1].json["messages"][-1]["content"]))
    assert {row["name"] for row in listed["result"]["items"]} == {CRASHING_POD, "api-7d9c5b8f6-x2kqp"}


def test_step_budget_ends_with_a_final_answer_without_tools(
    capsys: pytest.CaptureFixture[str], server: FakeAIServer, dump: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    enable_ai(server, monkeypatch)
    server.enqueue(
        tool("list_resources", {"kind": "pods"}), tool("get_events", {}), text("Best effort answer.")
    )
    code, out, _ = run(
        capsys, "ask", "what is wrong?", "--snapshot", str(dump), "-n", "shop", "--max-steps", "2"
    )
    assert code == 0
    assert "Best effort answer." in out and "stopped early: step budget reached" in out
    assert len(server.requests) == 3
    final = server.requests[2].json
    assert final["tool_choice"] == {"type": "none"}
    assert "budget is used up" in json.dumps(final["messages"][-1])


def test_token_budget_stops_the_loop(
    capsys: pytest.CaptureFixture[str], server: FakeAIServer, dump: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    enable_ai(server, monkeypatch)
    from kubectl_prism import settings

    settings.update_section("ai", loop_tokens=1000)
    server.default = Reply(tool_calls=[("get_events", {})], input_tokens=900, output_tokens=200)
    code, out, _ = run(capsys, "ask", "what is wrong?", "--snapshot", str(dump), "-n", "shop")
    assert code == 0 and "stopped early: token budget reached" in out
    assert len(server.requests) == 2  # one step, then the final answer


def test_out_of_scope_namespace_is_refused_to_the_model(
    capsys: pytest.CaptureFixture[str], server: FakeAIServer, dump: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    enable_ai(server, monkeypatch)
    server.enqueue(
        tool("list_resources", {"kind": "pods", "namespace": "kube-system"}), text("Cannot look there.")
    )
    code, out, _ = run(capsys, "ask", "and kube-system?", "--snapshot", str(dump), "-n", "shop")
    assert code == 0
    assert "list_resources(kind=pods, namespace=kube-system) -> error" in out
    result = server.requests[1].json["messages"][-1]["content"][0]
    assert result["is_error"] is True and "outside the scope" in result["content"]


def test_provider_error_mid_loop_is_one_line_exit_4(
    capsys: pytest.CaptureFixture[str], server: FakeAIServer, dump: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    enable_ai(server, monkeypatch)
    from tests.fakes.ai_server import error

    server.enqueue(tool("diagnose", {}), error(401))
    code, _, err = run(capsys, "ask", "why?", "--snapshot", str(dump), "-n", "shop")
    assert code == 4
    assert err.strip().splitlines()[-1] == (
        "error: anthropic rejected the key (HTTP 401) "
        "(run `kubectl prism auth login anthropic` or set ANTHROPIC_API_KEY)"
    )


def test_anonymized_question_and_tool_arguments(
    capsys: pytest.CaptureFixture[str], server: FakeAIServer, dump: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    enable_ai(server, monkeypatch)

    def call_with_placeholder(req: RecordedRequest) -> Reply:
        question = req.json["messages"][0]["content"][-1]["text"]
        assert CRASHING_POD not in question
        placeholder = question.split()[-1].rstrip("?")
        return tool("get_resource", {"kind": "pod", "name": placeholder})

    server.enqueue(call_with_placeholder, text("pod-1 crashes (exit 1)."))
    code, out, _ = run(
        capsys, "ask", f"what about {CRASHING_POD}?", "--snapshot", str(dump), "-n", "shop", "--anonymize"
    )
    assert code == 0
    assert "-> success" in out  # the placeholder was mapped back to the real pod before reading it
    assert f"{CRASHING_POD} crashes (exit 1)." in out
    assert f"pod/{CRASHING_POD}".encode() not in server.all_bytes()


def test_every_tool_over_planted_secrets_leaks_nothing(
    capsys: pytest.CaptureFixture[str], server: FakeAIServer, dump: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    enable_ai(server, monkeypatch)
    calls: list[tuple[str, dict[str, Any]]] = [
        ("get_resource", {"kind": "secret", "name": "api-db"}),
        ("get_resource", {"kind": "configmap", "name": "api-config"}),
        ("get_resource", {"kind": "pod", "name": CRASHING_POD}),
        ("get_logs", {"pod": CRASHING_POD, "previous": True}),
        ("get_events", {"target": f"pod/{CRASHING_POD}"}),
        ("explain", {"target": f"pod/{CRASHING_POD}"}),
        ("diagnose", {"target": "deploy/api"}),
        ("list_resources", {"kind": "secrets"}),
        ("resource_usage", {"kind": "pods"}),
    ]
    server.enqueue(Reply(tool_calls=calls), text("done"))
    code, out, err = run(capsys, "ask", "show me everything", "--snapshot", str(dump), "-n", "shop")
    assert code == 0, err
    assert out.count("-> success") == len(calls), out
    results = tool_results(server.requests[1])
    secret = yaml.safe_load(results[0])
    assert secret["kind"] == "Secret" and secret["metadata"]["name"] == "api-db"
    assert "data" not in secret and "stringData" not in secret
    assert "[REDACTED:" in results[1] and "[REDACTED:" in results[3]
    assert_nothing_planted_in(server.all_bytes())


# --- the tools on their own -----------------------------------------------------------------------
def tools_for(dump: Path, **kw: Any) -> AskTools:
    return AskTools(GlobalOptions(snapshot=dump, namespace="shop"), **kw)


def test_bad_arguments_come_back_as_errors_naming_the_argument(dump: Path) -> None:
    tools = tools_for(dump)
    unknown = tools.execute(ToolCall("c", "nope", {}))
    assert unknown.status == "error" and "the tools are: diagnose, explain" in unknown.content.text
    kind = tools.execute(ToolCall("c", "list_resources", {"kind": "frobs"}))
    assert kind.status == "error" and "argument kind: 'frobs' is not accepted" in kind.content.text
    container = tools.execute(ToolCall("c", "get_logs", {"pod": CRASHING_POD, "container": "x"}))
    assert container.status == "error" and "its containers are api" in container.content.text
    missing = tools.execute(ToolCall("c", "get_resource", {"kind": "pod", "name": "ghost"}))
    assert missing.status == "no_data"
    assert "pods/ghost not found in namespace shop; call list_resources(kind=pods)" in missing.content.text


def test_all_namespaces_scope_allows_any_namespace(dump: Path) -> None:
    tools = AskTools(GlobalOptions(snapshot=dump, all_namespaces=True))
    out = tools.execute(ToolCall("c", "list_resources", {"kind": "pods", "namespace": "kube-system"}))
    assert out.status == "success" and "coredns" in out.content.text
    nodes = tools.execute(ToolCall("c", "list_resources", {"kind": "nodes"}))
    assert nodes.status == "success" and "Ready=True" in nodes.content.text


def test_ask_over_a_live_cluster(
    capsys: pytest.CaptureFixture[str], server: FakeAIServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.ai_support import SHOP
    from tests.fakes.kube_apiserver import FakeKubeAPI

    enable_ai(server, monkeypatch)
    server.enqueue(
        tool("get_logs", {"pod": CRASHING_POD, "previous": True}),
        tool("get_events", {"warnings_only": True}),
        text("DNS lookup of the database fails."),
    )
    with FakeKubeAPI.from_scenario(SHOP) as kube:
        kubeconfig = kube.write_kubeconfig(tmp_path / "kubeconfig", namespace="shop")
        code, out, err = run(capsys, "ask", "why?", "--kubeconfig", str(kubeconfig))
        assert not kube.mutations
    assert code == 0, err
    assert "DNS lookup of the database fails." in out
    assert out.count("-> success") == 2
    results = tool_results(server.requests[2])
    assert "no such host" in results[0]
    assert "BackOff" in results[1]
    briefing, _, question = server.requests[0].json["messages"][0]["content"][0]["text"].rpartition("\n\n")
    assert question == "why?"
    lines = unfence(briefing).splitlines()
    assert lines[0].startswith("scope: context=") and lines[0].endswith("namespace=shop source=live")
    assert "2 Pod" in lines[1]
    assert any("pod-crash-loop" in line for line in lines[2:])


def test_custom_base_url_never_receives_the_openai_key(
    capsys: pytest.CaptureFixture[str], server: FakeAIServer, dump: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring

    from tests.fakes.memory_keyring import MemoryKeyring

    backend = MemoryKeyring()
    backend.set_password("kubectl-prism", "openai", "sk-stored-openai-key")
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        enable_ai(server, monkeypatch, provider="openai-compatible")
        monkeypatch.setenv("OPENAI_API_KEY", "sk-env-openai-key")
        server.enqueue(text("local answer"))
        code, out, _ = run(capsys, "ask", "hi", "--snapshot", str(dump), "-n", "shop")
    finally:
        keyring.set_keyring(previous)
    assert code == 0 and "local answer" in out
    assert server.requests[0].api_key == "not-needed"
    assert b"openai-key" not in server.all_bytes()


def test_the_first_turn_carries_the_compact_findings(
    capsys: pytest.CaptureFixture[str], server: FakeAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    enable_ai(server, monkeypatch)
    server.enqueue(text("Service db selects no pods."))
    example = Path(__file__).parent.parent / "examples" / "shop-outage"
    code, _, err = run(capsys, "ask", "why is the shop down?", "--snapshot", str(example), "-n", "shop")
    assert code == 0, err
    assert len(server.requests) == 1  # answered from the briefing alone
    fenced, _, question = server.requests[0].json["messages"][0]["content"][0]["text"].rpartition("\n\n")
    briefing = unfence(fenced)
    assert question == "why is the shop down?"
    assert len(briefing) <= 3_000
    lines = briefing.splitlines()
    assert lines[0] == "scope: context=- namespace=shop source=snapshot"
    findings = [line for line in lines if line[:1].isdigit()]
    assert len(findings) == 11
    assert any(line.startswith("5. [critical] service-no-matching-pods: Service db selects no pods")
               for line in findings)
    assert any("caused by pod-crash-loop on Pod shop/api-" in line for line in findings)
    assert "call explain(target=KIND/NAME)" in briefing
