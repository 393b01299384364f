"""Agent mode's audit records (proposals, answers, GitOps) and how `kubectl prism audit` shows them."""

from __future__ import annotations

import json

import pytest

from kubectl_prism import audit
from kubectl_prism.agent import Scope, classify_command_line
from kubectl_prism.agent.approval import grant
from kubectl_prism.agent.records import record_answer, record_gitops, record_proposal
from tests.cli_helpers import run_main
from tests.leak import SEEDED

Capture = pytest.CaptureFixture[str]
SCOPE = Scope("shop", context="kind-dev")


def test_a_proposal_its_answer_and_a_gitops_push_are_recorded_with_every_field() -> None:
    decision = classify_command_line("kubectl -n shop delete pod api-0", SCOPE)
    proposal = record_proposal(decision, source="ai", why="the pod is stuck", run_id="run-1")
    keys = ("event", "argv", "argv_sha256", "category", "rule", "context", "namespace", "objects", "source",
            "why", "run")
    assert {k: proposal[k] for k in keys} == {
        "event": "agent.proposal", "argv": ["kubectl", "-n", "shop", "delete", "pod", "api-0"],
        "argv_sha256": decision.sha256, "category": "destructive", "rule": "delete", "context": "kind-dev",
        "namespace": "shop", "objects": ["pod/api-0"], "source": "ai", "why": "the pod is stuck",
        "run": "run-1"}

    approval = grant(decision, typed="api-0", preview_sha256="d" * 64, resource_version="1234")
    answer = record_answer(decision, answer="y", approval=approval)
    assert answer["event"] == "agent.answer" and answer["answer"] == "y"
    assert answer["approver"] == approval.approver and answer["approver"]
    assert answer["preview_sha256"] == "d" * 64 and answer["resource_version"] == "1234"

    declined = record_answer(classify_command_line("kubectl -n shop scale deploy/api --replicas=2", SCOPE),
                             answer="n", preview_sha256="e" * 64)
    assert declined["answer"] == "n" and declined["approver"] and "resource_version" not in declined
    never_asked = record_answer(classify_command_line("kubectl delete ns shop", SCOPE), answer="rejected")
    assert "approver" not in never_asked and never_asked["rule"] == "protected-delete"

    push = record_gitops(action="push", repo="/src/shop-config",
                         branch="prism/fix-service-no-matching-pods-db",
                         commit="0123456789abcdef0123456789abcdef01234567", pushed=True, remote="origin",
                         answer="y")
    assert {k: push[k] for k in ("event", "action", "branch", "commit", "pushed", "remote")} == {
        "event": "agent.gitops", "action": "push", "branch": "prism/fix-service-no-matching-pods-db",
        "commit": "0123456789abcdef0123456789abcdef01234567", "pushed": True, "remote": "origin"}
    assert [r["event"] for r in audit.read().records] == [
        "agent.proposal", "agent.answer", "agent.answer", "agent.answer", "agent.gitops"]


def test_a_secret_in_a_proposed_argv_never_reaches_the_log() -> None:
    jwt = SEEDED["jwt"]
    decision = classify_command_line(f"kubectl -n shop annotate deploy api token={jwt}", SCOPE)
    record_proposal(decision, source="ai", why=f"use {jwt}")
    text = audit.audit_path().read_text()
    assert jwt not in text and "[REDACTED:jwt]" in text
    assert json.loads(text)["argv_sha256"] == decision.sha256  # the hash is of the exact argv


def test_the_audit_command_shows_agent_records(capsys: Capture) -> None:
    audit.record("ai.request", command="explain", provider="anthropic", model="m", bytes=10, sha256="0" * 64)
    decision = classify_command_line("kubectl -n shop rollout restart deployment/api", SCOPE)
    record_proposal(decision, source="rules")
    record_answer(decision, answer="s")
    record_gitops(action="commit", repo="/src/cfg", branch="prism/fix-x-api", commit="abcdef0123456789",
                  answer="y")
    code, out, err = run_main(capsys, "audit", "--event", "agent")
    assert code == 0 and err == ""
    header, *rows = out.splitlines()
    assert header.split()[:3] == ["TIME", "EVENT", "COMMAND"]
    assert len(rows) == 3 and all("agent." in row for row in rows)
    assert "kubectl -n shop rollout restart deployment/api" in rows[0] and "mutating" in rows[0]
    assert decision.sha256[:12] in rows[0]
    assert "answer s" in rows[1]
    assert "/src/cfg" in rows[2] and "commit branch prism/fix-x-api commit abcdef0123" in rows[2]

    code, out, _ = run_main(capsys, "audit", "--event", "agent.answer", "-o", "json")
    assert [json.loads(line)["answer"] for line in out.splitlines()] == ["s"]
    code, out, err = run_main(capsys, "audit", "--event", "mcp")
    assert code == 0 and out == "" and "No audit records of event mcp" in err
