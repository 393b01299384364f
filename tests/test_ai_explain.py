"""`ai_explain` (the AI block of diagnose/explain/report) against the fake provider with the real SDKs."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from kubectl_prism import audit
from kubectl_prism.ai.config import AISettings, ApiKey
from kubectl_prism.ai.explain import StreamWriter, ai_explain
from kubectl_prism.ai.report import ai_report_summary
from kubectl_prism.ai.resolve import resolve_ai
from kubectl_prism.analyzers import run_analyzers
from kubectl_prism.findings import Diagnosis, Scope
from kubectl_prism.gather import gather_scope
from kubectl_prism.options import GlobalOptions
from kubectl_prism.snapshot import Snapshot
from tests.ai_support import CRASHING_POD, assert_nothing_planted_in, enable_ai, isolate, shop_dump
from tests.fakes.ai_server import FakeAIServer, RecordedRequest, Reply, text, tool

ANSWER = {
    "summary": "One api replica crash-loops because the database host does not resolve.",
    "root_cause": "DNS name db.shop.svc.cluster.local does not exist",
    "evidence": ["lookup db.shop.svc.cluster.local: no such host", "exit code 1"],
    "remediation": [
        {"description": "Check the database Service", "command": "kubectl -n shop get svc db"},
        {"description": "", "command": "ignored: no description"},
    ],
    "confidence": "high",
}


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate(tmp_path, monkeypatch)


@pytest.fixture
def server() -> Iterator[FakeAIServer]:
    with FakeAIServer() as s:
        yield s


@pytest.fixture
def scoped(tmp_path: Path) -> tuple[Diagnosis, Snapshot]:
    snapshot = gather_scope(GlobalOptions(snapshot=shop_dump(tmp_path / "dump"), namespace="shop"), None)
    scope = Scope(snapshot.context, snapshot.namespace, None, snapshot.source)
    return Diagnosis(scope, run_analyzers(snapshot), list(snapshot.gaps)), snapshot


def anthropic(server: FakeAIServer) -> AISettings:
    return AISettings(
        provider="anthropic",
        model="claude-test",
        base_url=server.anthropic_base_url,
        max_retries=0,
        timeout=10,
        api_key=ApiKey("sk-ant-test", "test"),
    )


def test_structured_answer_through_the_tool(server: FakeAIServer, scoped: tuple[Diagnosis, Snapshot]) -> None:
    diagnosis, snapshot = scoped
    server.enqueue(
        tool(
            "report_diagnosis",
            ANSWER,
            text="The api pod cannot reach its database.",
            input_tokens=2100,
            output_tokens=180,
        )
    )
    result = ai_explain(diagnosis, snapshot, settings=anthropic(server))
    assert result["root_cause"] == ANSWER["root_cause"]
    assert result["summary"] == ANSWER["summary"]
    assert result["evidence"] == ANSWER["evidence"]
    assert result["remediation"] == [
        {"description": "Check the database Service", "command": "kubectl -n shop get svc db", "source": "ai",
         "category": "read-only",
         "reason": "reads service/db in namespace shop; read-only, runs without asking (output redacted and "
         "capped)"}
    ]
    assert result["confidence"] == "high"
    assert result["explanation"] == "The api pod cannot reach its database."
    assert result["disclaimer"] == "AI-generated guidance: review before acting."
    assert (result["provider"], result["model"]) == ("anthropic", "claude-test")
    assert result["tokens"]["input"] == 2100 and result["tokens"]["output"] == 180
    assert 0 < result["tokens"]["context"] <= 3500
    assert len(server.requests) == 1
    sent = server.requests[0].json
    assert sent["tools"][0]["name"] == "report_diagnosis"
    payload = sent["messages"][0]["content"][0]["text"]
    assert "CrashLoopBackOff" in payload and CRASHING_POD in payload
    json.dumps(result)  # the ai block must serialize as is


def test_each_request_is_audited_without_its_payload(
    server: FakeAIServer, scoped: tuple[Diagnosis, Snapshot]
) -> None:
    diagnosis, snapshot = scoped
    server.enqueue(tool("report_diagnosis", ANSWER))
    ai_explain(diagnosis, snapshot, settings=anthropic(server), purpose="diagnose")
    records = [json.loads(line) for line in audit.audit_path().read_text().splitlines()]
    assert [r["event"] for r in records] == ["ai.request", "ai.response"]
    rec, outcome = records
    assert rec["event"] == "ai.request" and rec["command"] == "diagnose"
    assert outcome["sha256"] == rec["sha256"] and outcome["status"] == "ok"
    assert outcome["tokens"]["input"] > 0 and outcome["stop_reason"] == "tool_use"
    assert (rec["provider"], rec["model"]) == ("anthropic", "claude-test")
    assert rec["bytes"] > 1000 and re.fullmatch(r"[0-9a-f]{64}", rec["sha256"])
    assert rec["redactions"], "the planted secrets were counted"
    assert CRASHING_POD not in json.dumps(rec)


def test_streams_the_prose_to_the_terminal(server: FakeAIServer, scoped: tuple[Diagnosis, Snapshot]) -> None:
    diagnosis, snapshot = scoped
    server.enqueue(
        tool("report_diagnosis", ANSWER, text="First sentence. Second sentence here.", chunk_chars=3)
    )
    out = io.StringIO()
    result = ai_explain(diagnosis, snapshot, settings=anthropic(server), stream_to=out)
    assert out.getvalue() == "First sentence. Second sentence here.\n"
    assert server.requests[0].stream
    assert result["root_cause"] == ANSWER["root_cause"]


def test_prose_only_answer_gets_one_forced_follow_up(
    server: FakeAIServer, scoped: tuple[Diagnosis, Snapshot]
) -> None:
    diagnosis, snapshot = scoped
    server.enqueue(text("I think it is DNS."), tool("report_diagnosis", ANSWER))
    result = ai_explain(diagnosis, snapshot, settings=anthropic(server))
    assert result["root_cause"] == ANSWER["root_cause"]
    assert len(server.requests) == 2
    assert server.requests[1].json["tool_choice"] == {"type": "tool", "name": "report_diagnosis"}
    assert result["tokens"]["input"] > 0


def test_json_written_as_text_is_accepted(server: FakeAIServer, scoped: tuple[Diagnosis, Snapshot]) -> None:
    diagnosis, snapshot = scoped
    server.enqueue(text("Here you go:\n```json\n" + json.dumps(ANSWER) + "\n```"))
    result = ai_explain(diagnosis, snapshot, settings=anthropic(server))
    assert result["confidence"] == "high" and len(server.requests) == 1


def test_a_model_that_never_uses_the_tool_still_gives_an_answer(
    server: FakeAIServer, scoped: tuple[Diagnosis, Snapshot]
) -> None:
    diagnosis, snapshot = scoped
    server.enqueue(text("Probably DNS."), text("Still prose."))
    result = ai_explain(diagnosis, snapshot, settings=anthropic(server))
    assert result["root_cause"] == "Probably DNS." and result["confidence"] == "low"


def test_anonymized_end_to_end(server: FakeAIServer, scoped: tuple[Diagnosis, Snapshot]) -> None:
    diagnosis, snapshot = scoped

    def answer_with_placeholders(req: RecordedRequest) -> Reply:
        payload = req.body.decode()
        pod = re.search(r"\bpod-\d+\b", payload)
        ns = re.search(r"\bns-\d+\b", payload)
        assert pod and ns, "names were replaced by placeholders"
        return tool(
            "report_diagnosis",
            {
                "root_cause": f"{pod.group(0)} cannot resolve its database",
                "evidence": [f"{pod.group(0)} restarted"],
                "remediation": [
                    {
                        "description": "Look at the logs",
                        "command": f"kubectl -n {ns.group(0)} logs {pod.group(0)} --previous",
                    }
                ],
                "confidence": "medium",
            },
            text=f"The pod {pod.group(0)} in {ns.group(0)} crashes.",
        )

    server.enqueue(answer_with_placeholders)
    out = io.StringIO()
    result = ai_explain(diagnosis, snapshot, settings=anthropic(server), anonymize=True, stream_to=out)
    sent = server.all_bytes()
    # Object references travel as placeholders. (Names embedded in kubelet text such as
    # "pod=NAME_NAMESPACE(uid)" are the anonymizer's business, tested with the redaction package.)
    assert f"shop/{CRASHING_POD}".encode() not in sent and f"pod/{CRASHING_POD}".encode() not in sent
    assert result["remediation"][0]["command"] == f"kubectl -n shop logs {CRASHING_POD} --previous"
    assert result["root_cause"] == f"{CRASHING_POD} cannot resolve its database"
    assert out.getvalue() == f"The pod {CRASHING_POD} in shop crashes.\n"
    assert result["anonymized"] is True


def test_openai_compatible_explain(server: FakeAIServer, scoped: tuple[Diagnosis, Snapshot]) -> None:
    diagnosis, snapshot = scoped
    server.enqueue(tool("report_diagnosis", ANSWER, text="Local model says DNS."))
    local = AISettings(
        provider="openai-compatible",
        model="llama3.1",
        base_url=server.openai_base_url,
        max_retries=0,
        api_key=ApiKey("not-needed", "placeholder"),
    )
    out = io.StringIO()
    result = ai_explain(diagnosis, snapshot, settings=local, stream_to=out)
    assert result["root_cause"] == ANSWER["root_cause"] and out.getvalue() == "Local model says DNS.\n"
    assert server.requests[0].path == "/v1/chat/completions"


def test_no_planted_secret_reaches_the_provider(
    server: FakeAIServer, scoped: tuple[Diagnosis, Snapshot]
) -> None:
    diagnosis, snapshot = scoped
    server.enqueue(text("prose"), tool("report_diagnosis", ANSWER))
    ai_explain(diagnosis, snapshot, settings=anthropic(server))
    assert len(server.requests) == 2
    assert_nothing_planted_in(server.all_bytes())


# --- the report seam and the opt-in gate ----------------------------------------------------------
def test_report_summary_only_when_ai_is_on(
    server: FakeAIServer, monkeypatch: pytest.MonkeyPatch, scoped: tuple[Diagnosis, Snapshot]
) -> None:
    diagnosis, snapshot = scoped
    assert ai_report_summary(diagnosis, snapshot, explicit=None) is None
    enable_ai(server, monkeypatch)
    assert ai_report_summary(diagnosis, snapshot, explicit=False) is None
    assert server.requests == []
    server.enqueue(tool("report_diagnosis", ANSWER))
    summary = ai_report_summary(diagnosis, snapshot, explicit=None)
    assert summary is not None and summary["summary"] == ANSWER["summary"]
    assert len(server.requests) == 1 and server.requests[0].api_key == "sk-ant-test-key"


def test_resolve_ai_uses_the_config_and_env_key(
    server: FakeAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    enable_ai(server, monkeypatch)
    current = resolve_ai(True)
    assert current is not None and current.base_url == server.anthropic_base_url
    assert current.api_key is not None and current.api_key.source == "env ANTHROPIC_API_KEY"


def test_stream_writer_never_splits_a_placeholder() -> None:
    out = io.StringIO()
    mapping = {"pod-1": "api-7d9c", "ns-1": "shop"}
    writer = StreamWriter(out, lambda s: re.sub(r"\b(pod|ns)-\d+\b", lambda m: mapping[m.group(0)], s))
    for piece in ["The po", "d-1 in n", "s-1 cra", "shes"]:
        writer(piece)
    writer.close()
    assert out.getvalue() == "The api-7d9c in shop crashes\n"


def test_reply_helpers_record_streams(server: FakeAIServer) -> None:
    # The fake's own bookkeeping the other tests rely on.
    server.default = Reply(text="default")
    from kubectl_prism.ai.providers import make_provider
    from kubectl_prism.ai.providers.base import Instruction, Message

    provider = make_provider(anthropic(server))
    got = provider.complete([Message.user(Instruction("hi"))], [], stream=True)
    assert got.text == "default" and server.requests[0].stream and server.pending() == 0
    assert server.first_byte_at is not None
