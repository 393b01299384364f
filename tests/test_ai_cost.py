"""Cost and determinism of AI requests (issue 12): Anthropic prompt-cache breakpoints and the cached and
uncached tokens they earn, OpenAI's automatic cache as reported, and a low temperature where a model
takes one. The fake provider caches and refuses as the real APIs do (tests/fakes/ai_cache.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kubectl_prism import audit, settings
from kubectl_prism.ai.prompts import EXPLAIN_SYSTEM, REPORT_TOOL
from kubectl_prism.ai.providers.base import Instruction, Message, ToolCall
from kubectl_prism.ai.providers.prompt_cache import mark_breakpoints, minimum_cacheable_tokens
from kubectl_prism.redact import redact_text
from tests.ai_support import CRASHING_POD, enable_ai, isolate, provider_for, shop_dump
from tests.cli_helpers import run_main
from tests.fakes.ai_server import FakeAIServer, RecordedRequest, text, tool


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


def markers(req: RecordedRequest) -> list[str]:
    """Where a request put its cache breakpoints: "tools[i]", "system[i]", "messages[i]"."""
    body = req.json
    found = [f"tools[{i}]" for i, t in enumerate(body.get("tools") or []) if "cache_control" in t]
    system = body.get("system")
    if isinstance(system, list):
        found += [f"system[{i}]" for i, b in enumerate(system) if "cache_control" in b]
    for i, message in enumerate(body["messages"]):
        content = message["content"]
        if isinstance(content, list) and any("cache_control" in b for b in content):
            assert "cache_control" in content[-1], "a breakpoint goes on the last block of a turn"
            found.append(f"messages[{i}]")
    return found


def audit_outcomes() -> list[dict[str, Any]]:
    records = [json.loads(line) for line in audit.audit_path().read_text().splitlines()]
    return [r for r in records if r["event"] == "ai.response"]


def big(label: str, tokens: int) -> Message:
    return Message.user(redact_text(f"{label}: " + "kubelet reports the pod is not ready. " * (tokens // 9)))


# --- Anthropic prompt caching -------------------------------------------------------------------
ASK_STEPS = [
    tool("diagnose", {}, text="Let me look."),
    tool("get_events", {"namespace": "shop"}),
    tool("get_logs", {"pod": CRASHING_POD, "previous": True, "tail_lines": 50}),
    tool("get_events", {"namespace": "shop", "warnings_only": True}),
    text("The api pod cannot resolve db.shop.svc.cluster.local, so it exits with code 1."),
]


def test_a_multi_step_ask_reads_its_prefix_from_the_cache(
    capsys: pytest.CaptureFixture[str], server: FakeAIServer, dump: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    enable_ai(server, monkeypatch)
    server.enqueue(*ASK_STEPS)
    code, out, err = run_main(capsys, "ask", "why does the api crash?", "--snapshot", dump, "-n", "shop")
    assert code == 0, err
    assert len(server.requests) == 5
    placed = [markers(r) for r in server.requests]
    assert all(len(m) <= 4 for m in placed)
    # Every step marks its end (written for the next step); once the previous end was long enough to
    # be cached (the question alone is under 1,024 tokens), it is marked too, to be read back.
    for step, where in enumerate(placed[1:], start=1):
        messages = server.requests[step].json["messages"]
        assert f"messages[{len(messages) - 1}]" in where, (step, where)
        if step >= 2:
            assert f"messages[{len(messages) - 3}]" in where, (step, where)
    outcomes = audit_outcomes()
    assert len(outcomes) == 5 and all(o["status"] == "ok" for o in outcomes)
    reads = [o["tokens"]["cacheRead"] for o in outcomes]
    assert reads[0] == 0 and all(r > 0 for r in reads[2:]), reads
    assert all(o["tokens"]["uncached"] < o["tokens"]["input"] for o in outcomes[2:])
    total_read = sum(reads)
    total_written = sum(o["tokens"]["cacheWrite"] for o in outcomes)
    assert f"{total_read:,} read from cache" in out and f"{total_written:,} written to it" in out
    code, table, _ = run_main(capsys, "audit")
    last = outcomes[-1]["tokens"]
    assert code == 0 and f"in {last['input']} ({last['cacheRead']} cached) out {last['output']}" in table


def test_a_single_explain_does_not_pay_to_write_its_context(server: FakeAIServer) -> None:
    server.enqueue(tool("report_diagnosis", {"root_cause": "x", "confidence": "low"}))
    messages = [Message.system(EXPLAIN_SYSTEM), big("context", 3000)]
    provider_for(server, "anthropic").complete(messages, [REPORT_TOOL], stream=True)
    assert not [m for m in markers(server.requests[-1]) if m.startswith("messages")]


def test_the_system_prompt_is_marked_once_it_is_long_enough() -> None:
    long_system = Instruction("You are kubectl-prism. " + "Read the cluster state carefully. " * 400)
    request = {"system": [{"type": "text", "text": long_system.text}], "messages": []}
    assert mark_breakpoints(request, model="claude-sonnet-4-5", conversation=False) == 1
    assert request["system"][-1]["cache_control"] == {"type": "ephemeral"}
    short = {"system": [{"type": "text", "text": "You are kubectl-prism."}], "messages": []}
    assert mark_breakpoints(short, model="claude-sonnet-4-5", conversation=False) == 0


@pytest.mark.parametrize(("model", "minimum"), [
    ("claude-sonnet-4-5", 1024), ("claude-opus-4-1", 1024), ("claude-sonnet-4-6", 2048),
    ("claude-3-5-haiku-latest", 2048), ("claude-haiku-4-5", 4096), ("claude-opus-4-6", 4096),
])
def test_no_breakpoint_below_the_model_minimum(model: str, minimum: int) -> None:
    assert minimum_cacheable_tokens(model) == minimum

    def request(tokens: int) -> dict[str, Any]:
        turn = {"role": "user", "content": [{"type": "text", "text": "x" * (tokens * 4)}]}
        return {"messages": [turn]}

    under, over = request(minimum - 100), request(minimum + 100)
    assert mark_breakpoints(under, model=model, conversation=True) == 0
    assert mark_breakpoints(over, model=model, conversation=True) == 1


def test_a_long_loop_never_sends_more_than_four_breakpoints(server: FakeAIServer) -> None:
    """Many parallel tool results per step: still at most system + previous end + this end."""
    provider = provider_for(server, "anthropic")
    long_system = Instruction("You are kubectl-prism. " + "Check every object. " * 600)
    conversation: list[Message] = [Message.system(long_system), big("question", 1500)]
    for step in range(6):
        calls = [ToolCall(f"t{step}_{i}", "get_events", {"namespace": f"ns{i}"}) for i in range(12)]
        conversation.append(Message.assistant("", calls))
        conversation += [Message.tool(c.id, redact_text("Warning BackOff x3 " * 40)) for c in calls]
        server.enqueue(text("next"))
        provider.complete(conversation, [], stream=False, cache_prefix=True)
        assert markers(server.requests[-1])[0] == "system[0]" and len(markers(server.requests[-1])) == 3
    usage = [json.loads(r.body) for r in server.requests]
    assert usage  # the fake answered every request: it refuses five breakpoints with a 400


def test_the_fake_refuses_five_breakpoints_as_the_api_does(server: FakeAIServer) -> None:
    import anthropic

    client = anthropic.Anthropic(api_key="k", base_url=server.anthropic_base_url, max_retries=0)
    blocks = [{"type": "text", "text": f"part {i}", "cache_control": {"type": "ephemeral"}} for i in range(5)]
    with pytest.raises(anthropic.BadRequestError, match="A maximum of 4 blocks with cache_control"):
        client.messages.create(model="claude-test", max_tokens=10,
                               messages=[{"role": "user", "content": blocks}])


def test_prompt_cache_can_be_switched_off(server: FakeAIServer) -> None:
    provider = provider_for(server, "anthropic", prompt_cache=False)
    server.enqueue(text("ok"))
    conversation = [big("question", 3000), Message.assistant("", [ToolCall("t1", "get_events", {})]),
                    Message.tool("t1", redact_text("BackOff " * 2000))]
    provider.complete(conversation, [], stream=False, cache_prefix=True)
    assert markers(server.requests[-1]) == []


@pytest.mark.parametrize("stream", [False, True])
def test_anthropic_cache_usage_reaches_the_completion(server: FakeAIServer, stream: bool) -> None:
    provider = provider_for(server, "anthropic")
    conversation = [big("question", 3000)]
    server.enqueue(text("first"), text("second"))
    first = provider.complete(conversation, [], stream=stream, cache_prefix=True)
    conversation += [Message.assistant("first"), big("more", 200)]
    second = provider.complete(conversation, [], stream=stream, cache_prefix=True)
    assert first.cache_read_tokens == 0 and first.cache_write_tokens > 2500
    assert second.cache_read_tokens == first.cache_write_tokens
    assert second.input_tokens > second.cache_read_tokens + second.cache_write_tokens > 0


# --- OpenAI's automatic cache -------------------------------------------------------------------
@pytest.mark.parametrize("provider", ["openai", "azure-openai"])
@pytest.mark.parametrize("stream", [False, True])
def test_openai_cached_tokens_are_reported(server: FakeAIServer, provider: str, stream: bool) -> None:
    client = provider_for(server, provider)
    conversation = [big("question", 3000)]
    server.enqueue(text("first"), text("second"))
    first = client.complete(conversation, [], stream=stream)
    conversation += [Message.assistant("first"), big("more", 100)]
    second = client.complete(conversation, [], stream=stream)
    assert first.cache_read_tokens == 0
    assert second.cache_read_tokens >= 2048 and (second.cache_read_tokens - 1024) % 128 == 0
    assert second.input_tokens > second.cache_read_tokens and second.cache_write_tokens == 0


def test_ask_footer_and_audit_show_openai_cached_tokens(
    capsys: pytest.CaptureFixture[str], server: FakeAIServer, dump: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    enable_ai(server, monkeypatch, provider="azure-openai")
    server.enqueue(*ASK_STEPS)
    code, out, err = run_main(capsys, "ask", "why does the api crash?", "--snapshot", dump, "-n", "shop",
                              "-o", "json")
    assert code == 0, err
    tokens = json.loads(out)["tokens"]
    outcomes = audit_outcomes()
    assert tokens["cacheRead"] == sum(o["tokens"]["cacheRead"] for o in outcomes) > 0
    assert tokens["input"] == sum(o["tokens"]["input"] for o in outcomes)
    assert tokens["uncached"] == tokens["input"] - tokens["cacheRead"]


# The benchmark (benchmarks/ai_cache_bench.py) has the fake count with tiktoken, as a provider counts.
@pytest.mark.parametrize("provider", ["anthropic", "azure-openai"])
def test_the_fake_counts_real_tokens_when_given_a_tokenizer(
    capsys: pytest.CaptureFixture[str], server: FakeAIServer, dump: Path, monkeypatch: pytest.MonkeyPatch,
    provider: str,
) -> None:
    from kubectl_prism.tokens import counter
    from tests.ai_support import request_input_tokens
    from tests.fakes.ai_cache import PromptCache

    encoding = counter()._encoding
    assert encoding is not None, "tiktoken with the shipped o200k_base file is a dev dependency"
    server.cache = PromptCache(tokenizer=encoding)
    enable_ai(server, monkeypatch, provider=provider)
    server.enqueue(*ASK_STEPS)
    code, _, err = run_main(capsys, "ask", "why does the api crash?", "--snapshot", dump, "-n", "shop")
    assert code == 0, err
    outcomes = [o["tokens"] for o in audit_outcomes()]
    for req, tokens in zip(server.requests, outcomes, strict=True):
        # the same texts counted by tests/ai_support; the two differ only in how each message is framed
        # and in the id and type of an OpenAI tool call, which the fake does not count
        calls = sum(len(m.get("tool_calls") or []) for m in req.json["messages"])
        framing = 8 * (len(req.json["messages"]) + 1) + 16 * calls
        assert abs(tokens["input"] - request_input_tokens(req.json)) <= framing, tokens
        assert tokens["uncached"] + tokens["cacheRead"] + tokens["cacheWrite"] == tokens["input"]
    reads = [t["cacheRead"] for t in outcomes]
    assert reads[0] == 0 and all(r > 0 for r in reads[2:]), reads
    if provider == "azure-openai":  # cached in steps of 128 real tokens from 1,024 on
        assert all(r == 0 or (r >= 1024 and (r - 1024) % 128 == 0) for r in reads)


# --- temperature --------------------------------------------------------------------------------
@pytest.mark.parametrize(("provider", "model", "sent"), [
    ("anthropic", "claude-sonnet-4-5", 0.2),
    ("anthropic", "claude-opus-4-7", None),  # "`temperature` is deprecated for this model"
    ("openai", "gpt-4.1", 0.2),
    ("openai", "gpt-5.4-mini", None),  # reasoning models take only the default
    ("openai", "o4-mini", None),
    ("azure-openai", "gpt-prod", 0.2),
])
def test_a_low_temperature_where_the_model_takes_one(
    server: FakeAIServer, provider: str, model: str, sent: float | None
) -> None:
    server.enqueue(text("ok"))
    provider_for(server, provider, model=model).complete([big("q", 10)], [], stream=False)
    assert server.requests[-1].json.get("temperature") == sent


def test_the_temperature_is_configurable(server: FakeAIServer) -> None:
    server.enqueue(text("ok"))
    provider_for(server, "anthropic", temperature=0.0).complete([big("q", 10)], [], stream=True)
    assert server.requests[-1].json["temperature"] == 0.0


@pytest.mark.parametrize("provider", ["anthropic", "openai", "azure-openai"])
@pytest.mark.parametrize("stream", [False, True])
def test_a_model_that_refuses_temperature_is_asked_again_without(
    server: FakeAIServer, provider: str, stream: bool
) -> None:
    server.refuses_temperature = lambda dialect, model, value: True  # e.g. a newer model under a new name
    server.enqueue(text("first answer"), text("second answer"))
    client = provider_for(server, provider)
    assert client.complete([big("q", 10)], [], stream=stream).text == "first answer"
    assert client.complete([big("q", 10)], [], stream=stream).text == "second answer"
    sent = [r.json.get("temperature") for r in server.requests]
    assert sent == [0.2, None, None], "refused once, then never sent again by this provider"


def test_ai_settings_carry_the_temperature_into_the_cli(
    capsys: pytest.CaptureFixture[str], server: FakeAIServer, dump: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    enable_ai(server, monkeypatch)
    settings.update_section("ai", temperature=0.5)
    server.enqueue(tool("report_diagnosis", {"root_cause": "db does not resolve", "confidence": "high"}))
    code, out, err = run_main(capsys, "diagnose", "-n", "shop", "--snapshot", dump, "--ai")
    assert code == 0, err
    assert server.requests[-1].json["temperature"] == 0.5
    assert "input tokens" in out and "output" in out, "the AI block states its tokens"
