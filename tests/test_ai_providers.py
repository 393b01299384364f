"""Every provider path with the REAL anthropic/openai SDKs against the fake AI server
(docs/architecture.md#test-doubles)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from kubectl_prism.ai.config import AISettings, ApiKey
from kubectl_prism.ai.prompts import EXPLAIN_SYSTEM, REPORT_TOOL
from kubectl_prism.ai.providers import make_provider, prewarm
from kubectl_prism.ai.providers.base import Instruction, Message, ToolCall
from kubectl_prism.errors import AIError
from kubectl_prism.redact import redact_text
from tests.ai_support import provider_for
from tests.fakes.ai_server import FakeAIServer, Reply, error, slow, text, tool

ANSWER = {
    "root_cause": "OOMKilled: limit 128Mi",
    "evidence": ["exitCode 137"],
    "remediation": [
        {"description": "Raise the limit", "command": "kubectl -n shop set resources deploy/api"}
    ],
    "confidence": "high",
}


@pytest.fixture
def server() -> Iterator[FakeAIServer]:
    with FakeAIServer() as s:
        yield s


def make(server: FakeAIServer, provider: str, key: str = "test-key", **kw: Any) -> Any:
    return provider_for(server, provider, key, **kw)


def conversation() -> list[Message]:
    return [Message.system(EXPLAIN_SYSTEM), Message.user(redact_text("pod api-1 is OOMKilled"))]


# --- the message type ---------------------------------------------------------------------------
def test_messages_refuse_unredacted_text() -> None:
    with pytest.raises(TypeError, match="Redacted"):
        Message.user("raw cluster text")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Redacted"):
        Message.tool("call-1", "raw tool output")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Instruction"):
        Message.system("a prompt built at run time")  # type: ignore[arg-type]
    assert Message.user(redact_text("ok"), Instruction("fixed")).content == "ok\n\nfixed"


# --- Anthropic ----------------------------------------------------------------------------------
def test_anthropic_json_with_tool_use(server: FakeAIServer) -> None:
    server.enqueue(
        tool(
            "report_diagnosis",
            ANSWER,
            text="The container ran out of memory.",
            input_tokens=321,
            output_tokens=45,
        )
    )
    provider = make(server, "anthropic", key="sk-ant-test")
    got = provider.complete(conversation(), [REPORT_TOOL], stream=False)
    assert got.text == "The container ran out of memory."
    assert got.tool_calls[0].name == "report_diagnosis" and got.tool_calls[0].arguments == ANSWER
    assert (got.input_tokens, got.output_tokens, got.stop_reason) == (321, 45, "tool_use")
    req = server.requests[-1]
    assert req.path == "/v1/messages" and req.api_key == "sk-ant-test"
    assert "anthropic-version" in req.headers
    body = req.json
    assert body["model"] == "claude-test" and body["system"][0]["text"].startswith("You are kubectl-prism")
    assert body["tools"][0]["name"] == "report_diagnosis" and "input_schema" in body["tools"][0]
    assert body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "pod api-1 is OOMKilled"}]}
    ]
    assert "stream" not in body


def test_anthropic_sse_streams_text_and_assembles_tool_input(server: FakeAIServer) -> None:
    server.enqueue(
        tool(
            "report_diagnosis",
            ANSWER,
            text="Memory limit too low for the workload.",
            input_tokens=500,
            output_tokens=60,
            chunk_chars=5,
        )
    )
    pieces: list[str] = []
    got = make(server, "anthropic").complete(
        conversation(), [REPORT_TOOL], stream=True, on_text=pieces.append
    )
    assert len(pieces) > 3 and "".join(pieces) == "Memory limit too low for the workload."
    assert got.tool_calls == [ToolCall(got.tool_calls[0].id, "report_diagnosis", ANSWER)]
    assert (got.input_tokens, got.output_tokens) == (500, 60)
    assert server.requests[-1].json["stream"] is True


def test_anthropic_forced_tool_and_tool_results_in_one_user_turn(server: FakeAIServer) -> None:
    server.enqueue(text("done"))
    call = ToolCall("toolu_1", "get_events", {"namespace": "shop"})
    messages = [
        *conversation(),
        Message.assistant("Looking.", [call]),
        Message.tool("toolu_1", redact_text("BackOff x12"), is_error=False),
        Message.user(Instruction("Answer now.")),
    ]
    make(server, "anthropic").complete(messages, [REPORT_TOOL], stream=False, tool_choice="report_diagnosis")
    body = server.requests[-1].json
    assert body["tool_choice"] == {"type": "tool", "name": "report_diagnosis"}
    assert body["messages"][1]["content"][1] == {
        "type": "tool_use",
        "id": "toolu_1",
        "name": "get_events",
        "input": {"namespace": "shop"},
    }
    last = body["messages"][2]
    assert last["role"] == "user"
    assert last["content"][0] == {"type": "tool_result", "tool_use_id": "toolu_1", "content": "BackOff x12"}
    assert last["content"][1] == {"type": "text", "text": "Answer now."}


# --- OpenAI, Azure, compatible ------------------------------------------------------------------
def test_openai_json_with_tool_calls(server: FakeAIServer) -> None:
    server.enqueue(
        tool("report_diagnosis", ANSWER, text="Out of memory.", input_tokens=210, output_tokens=30)
    )
    got = make(server, "openai", key="sk-openai-test").complete(conversation(), [REPORT_TOOL], stream=False)
    assert got.text == "Out of memory." and got.tool_calls[0].arguments == ANSWER
    assert (got.input_tokens, got.output_tokens, got.stop_reason) == (210, 30, "tool_calls")
    req = server.requests[-1]
    assert req.path == "/v1/chat/completions" and req.headers["authorization"] == "Bearer sk-openai-test"
    body = req.json
    assert (
        body["messages"][0]["role"] == "system" and body["messages"][1]["content"] == "pod api-1 is OOMKilled"
    )
    assert body["tools"][0]["function"]["name"] == "report_diagnosis"
    assert body["max_completion_tokens"] == 2048 and "max_tokens" not in body


def test_openai_stream_with_tool_calls_and_usage(server: FakeAIServer) -> None:
    server.enqueue(
        tool(
            "report_diagnosis",
            ANSWER,
            text="Streaming answer here.",
            input_tokens=99,
            output_tokens=11,
            chunk_chars=4,
        )
    )
    pieces: list[str] = []
    got = make(server, "openai").complete(
        conversation(), [REPORT_TOOL], stream=True, on_text=pieces.append, tool_choice="report_diagnosis"
    )
    assert len(pieces) > 3 and "".join(pieces) == "Streaming answer here."
    assert got.tool_calls[0].name == "report_diagnosis" and got.tool_calls[0].arguments == ANSWER
    assert (got.input_tokens, got.output_tokens) == (99, 11)
    body = server.requests[-1].json
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["tool_choice"] == {"type": "function", "function": {"name": "report_diagnosis"}}


def test_openai_wire_of_a_tool_round(server: FakeAIServer) -> None:
    server.enqueue(text("ok"))
    call = ToolCall("call_9", "get_logs", {"pod": "api-1"})
    messages = [
        *conversation(),
        Message.assistant("", [call]),
        Message.tool("call_9", redact_text("panic: boom"), is_error=True),
    ]
    make(server, "openai").complete(messages, [REPORT_TOOL], stream=False, tool_choice="none")
    body = server.requests[-1].json
    assert body["messages"][2] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_9",
                "type": "function",
                "function": {"name": "get_logs", "arguments": '{"pod": "api-1"}'},
            }
        ],
    }
    assert body["messages"][3] == {"role": "tool", "tool_call_id": "call_9", "content": "panic: boom"}
    assert body["tool_choice"] == "none"


def test_azure_uses_the_deployment_path_api_version_and_api_key_header(server: FakeAIServer) -> None:
    server.enqueue(text("azure answer"))
    got = make(server, "azure-openai", key="azure-key-123").complete(conversation(), [], stream=False)
    assert got.text == "azure answer"
    req = server.requests[-1]
    assert req.path == "/openai/deployments/gpt-prod/chat/completions"
    assert req.query == {"api-version": "2024-10-21"}
    assert req.headers["api-key"] == "azure-key-123"
    assert "azure-key-123" not in req.headers.get("authorization", "")
    assert "tools" not in req.json


def test_azure_streaming(server: FakeAIServer) -> None:
    server.enqueue(text("streamed from azure"))
    pieces: list[str] = []
    got = make(server, "azure-openai").complete(conversation(), [], stream=True, on_text=pieces.append)
    assert "".join(pieces) == got.text == "streamed from azure"
    assert server.requests[-1].path == "/openai/deployments/gpt-prod/chat/completions"


def test_openai_compatible_base_url_and_conservative_fields(server: FakeAIServer) -> None:
    server.enqueue(text("local model answer"))
    got = make(server, "openai-compatible", key="not-needed").complete(
        conversation(), [REPORT_TOOL], stream=True
    )
    assert got.text == "local model answer"
    req = server.requests[-1]
    assert req.path == "/v1/chat/completions" and req.headers["authorization"] == "Bearer not-needed"
    body = req.json
    assert body["model"] == "llama3.1" and body["max_tokens"] == 2048
    assert "stream_options" not in body and "max_completion_tokens" not in body


def test_malformed_tool_arguments_do_not_crash(server: FakeAIServer) -> None:
    def broken(_req: Any) -> Reply:
        return Reply(tool_calls=[("report_diagnosis", {})])

    server.enqueue(broken)
    got = make(server, "openai").complete(conversation(), [REPORT_TOOL], stream=False)
    assert got.tool_calls[0].arguments == {}


# --- errors -------------------------------------------------------------------------------------
@pytest.mark.parametrize("provider", ["anthropic", "openai", "azure-openai"])
def test_rejected_key_is_one_line_with_the_fix(server: FakeAIServer, provider: str) -> None:
    server.enqueue(error(401))
    with pytest.raises(AIError) as err:
        make(server, provider).complete(conversation(), [], stream=False)
    var = {
        "anthropic": "ANTHROPIC_API_KEY",
        "openai": "OPENAI_API_KEY",
        "azure-openai": "AZURE_OPENAI_API_KEY",
    }
    line = err.value.line()
    assert err.value.exit_code == 4 and "\n" not in line
    assert f"{provider} rejected the key" in line
    assert f"kubectl prism auth login {provider}" in line and var[provider] in line


def test_forbidden_is_treated_like_a_rejected_key(server: FakeAIServer) -> None:
    server.enqueue(error(403))
    with pytest.raises(AIError, match="rejected the key"):
        make(server, "anthropic").complete(conversation(), [], stream=True)


def test_rate_limit_then_success_is_retried(server: FakeAIServer) -> None:
    server.enqueue(error(429), text("after retry"))
    got = make(server, "anthropic", max_retries=2).complete(conversation(), [], stream=False)
    assert got.text == "after retry"
    assert len(server.requests) == 2


def test_server_error_then_success_is_retried_for_openai(server: FakeAIServer) -> None:
    server.enqueue(error(500, headers={"retry-after-ms": "10"}), text("recovered"))
    got = make(server, "openai", max_retries=1).complete(conversation(), [], stream=True)
    assert got.text == "recovered" and len(server.requests) == 2


def test_rate_limit_without_retries_left(server: FakeAIServer) -> None:
    server.enqueue(error(429))
    with pytest.raises(AIError, match="rate limit"):
        make(server, "openai").complete(conversation(), [], stream=False)


def test_server_error(server: FakeAIServer) -> None:
    server.enqueue(error(500, "internal"))
    with pytest.raises(AIError, match=r"server error \(HTTP 500\)"):
        make(server, "anthropic").complete(conversation(), [], stream=False)


def test_unknown_model(server: FakeAIServer) -> None:
    server.enqueue(error(404, "model: claude-nope"))
    with pytest.raises(AIError, match="model claude-nope not found"):
        make(server, "anthropic", model="claude-nope").complete(conversation(), [], stream=False)


@pytest.mark.parametrize("stream", [False, True])
def test_slow_provider_times_out(server: FakeAIServer, stream: bool) -> None:
    server.enqueue(slow(3.0))
    with pytest.raises(AIError, match=r"did not answer within 1 s"):
        make(server, "openai", timeout=1).complete(conversation(), [], stream=stream)


def test_unreachable_provider() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = AISettings(
        provider="anthropic",
        model="m",
        base_url=f"http://127.0.0.1:{port}",
        max_retries=0,
        timeout=2.0,
        api_key=ApiKey("k", "test"),
    )
    with pytest.raises(AIError, match="cannot reach anthropic"):
        make_provider(settings).complete(conversation(), [], stream=False)


def test_error_bodies_are_redacted_before_shown(server: FakeAIServer) -> None:
    leaked = "sk-ant-api03-" + "A" * 40
    server.enqueue(error(400, f"bad request near {leaked}"))
    with pytest.raises(AIError) as err:
        make(server, "anthropic").complete(conversation(), [], stream=False)
    assert leaked not in err.value.line()


def test_fake_server_rejects_unknown_keys(server: FakeAIServer) -> None:
    server.accept_keys = {"good"}
    with pytest.raises(AIError, match="rejected the key"):
        make(server, "anthropic", key="bad").complete(conversation(), [], stream=False)
    server.enqueue(text("hi"))
    assert make(server, "anthropic", key="good").complete(conversation(), [], stream=False).text == "hi"


def test_prewarm_imports_the_sdk_in_the_background() -> None:
    thread = prewarm("openai")
    assert thread is not None
    thread.join(timeout=30)
    import sys

    assert "openai" in sys.modules and not thread.is_alive()
    assert prewarm("openai") is thread  # idempotent
    assert prewarm("nope") is None


def test_requests_carry_only_what_we_built(server: FakeAIServer) -> None:
    server.enqueue(text("ok"))
    make(server, "openai").complete(conversation(), [], stream=False)
    body = json.loads(server.requests[-1].body)
    assert set(body) == {"model", "messages", "max_completion_tokens", "temperature"}


def test_prewarm_with_settings_hands_out_a_warm_provider(server: FakeAIServer) -> None:
    settings = AISettings(
        provider="openai-compatible",
        model="llama3.1",
        base_url=server.openai_base_url,
        max_retries=0,
        api_key=ApiKey("not-needed", "placeholder"),
    )
    thread = prewarm("openai-compatible", settings)
    assert thread is not None
    thread.join(timeout=30)
    provider = make_provider(settings)
    assert provider is make_provider(settings)
    assert provider._client is not None  # type: ignore[attr-defined]  # built off the main thread
    other = AISettings(
        provider="openai-compatible",
        model="llama3.1",
        base_url=server.openai_base_url,
        api_key=ApiKey("not-needed", "placeholder"),
    )
    assert make_provider(other) is not provider
    server.enqueue(text("warm"))
    assert provider.complete(conversation(), [], stream=False).text == "warm"


@pytest.mark.parametrize(
    ("argv", "enabled", "started"),
    [
        (["ask", "why?"], True, True),
        (["diagnose", "-n", "shop"], True, True),
        (["diagnose", "--no-ai"], True, False),
        (["ask", "--help"], True, False),
        (["version"], True, False),
        (["ask", "why?"], False, False),
    ],
)
def test_early_prewarm_only_for_commands_that_may_call_ai(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], enabled: bool, started: bool
) -> None:
    from kubectl_prism import settings
    from kubectl_prism.ai import providers
    from kubectl_prism.ai.early import prewarm_for_argv

    settings.update_section("ai", enabled=enabled, provider="openai-compatible", model="m")
    monkeypatch.setattr(providers, "_prewarmed", {})
    prewarm_for_argv(argv)
    thread = providers._prewarmed.get("openai")
    assert (thread is not None) is started
    if thread is not None:
        thread.join(timeout=30)
