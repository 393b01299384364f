"""The audit log: append-only JSON lines, never a secret, safe under concurrent runs; `prism audit`."""

from __future__ import annotations

import json
import multiprocessing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kubectl_prism import audit
from kubectl_prism.errors import UsageError
from tests.cli_helpers import run_main as prism
from tests.leak import SEEDED, assert_no_leak

Capture = pytest.CaptureFixture[str]


def test_record_appends_one_json_line_with_the_usual_fields() -> None:
    entry = audit.record(
        "ai.request",
        command="explain",
        provider="anthropic",
        model="claude-sonnet-4-5",
        bytes=1234,
        sha256="ab" * 32,
        redactions={"jwt": 1, "password": 2},
        client=None,
    )
    path = audit.audit_path()
    lines = path.read_text().splitlines()
    assert len(lines) == 1
    stored = json.loads(lines[0])
    assert stored == entry
    assert stored["event"] == "ai.request" and stored["redactions"] == {"jwt": 1, "password": 2}
    assert "client" not in stored  # None fields are left out
    assert datetime.fromisoformat(stored["time"].replace("Z", "+00:00")).tzinfo is not None
    assert stored["time"].endswith("Z")
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_records_never_hold_a_secret() -> None:
    audit.record(
        "agent.step",
        command=f"kubectl create secret generic db --from-literal=password={SEEDED['db-password']}",
        argv=["curl", "-H", f"Authorization: Bearer {SEEDED['jwt']}", "https://api.example.com"],
        error=f"provider said: invalid key {SEEDED['anthropic-api-key']}",
        exit_code=0,
        duration_ms=42,
        approver="alice",
    )
    raw = audit.audit_path().read_text()
    assert_no_leak(raw)
    stored = json.loads(raw)
    assert stored["exit_code"] == 0 and stored["duration_ms"] == 42
    assert stored["argv"][2] == "Authorization: Bearer [REDACTED:jwt]"


def _writer(args: tuple[str, int]) -> None:
    import os

    state, n = args
    os.environ["PRISM_STATE_DIR"] = state
    from kubectl_prism import audit as log

    for i in range(n):
        log.record("mcp.call", client="cursor", tool="get_resource", command="x" * (i % 7) * 900, seq=i)


def test_concurrent_writers_never_tear_or_lose_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = tmp_path / "state"
    monkeypatch.setenv("PRISM_STATE_DIR", str(state))
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        pool.map(_writer, [(str(state), 40)] * 4)
    lines = (state / "audit.jsonl").read_text().splitlines()
    assert len(lines) == 160
    seqs = sorted(json.loads(line)["seq"] for line in lines)  # every line parses: no interleaving
    assert seqs == sorted(list(range(40)) * 4)


def test_read_skips_corrupt_lines_and_filters_by_time() -> None:
    audit.record("ai.request", command="old")
    path = audit.audit_path()
    with path.open("a") as fh:
        fh.write('{"time": "not a time", "event": "x"}\n{broken json\n\n[1, 2]\n')
    audit.record("ai.request", command="new")
    log = audit.read()
    assert [r["command"] for r in log.records] == ["old", "new"] and log.skipped == 3
    future = datetime.now(UTC) + timedelta(hours=1)
    assert audit.read(since=future).records == []


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("30m", timedelta(minutes=30)),
        ("1h", timedelta(hours=1)),
        ("7d", timedelta(days=7)),
        ("2w", timedelta(weeks=2)),
    ],
)
def test_parse_since_durations(text: str, delta: timedelta) -> None:
    now = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    assert audit.parse_since(text, now) == now - delta


def test_parse_since_dates_and_errors() -> None:
    assert audit.parse_since("2026-11-01") == datetime(2026, 11, 1, tzinfo=UTC)
    assert audit.parse_since("2026-11-01T10:30:00+02:00") == datetime(2026, 11, 1, 8, 30, tzinfo=UTC)
    with pytest.raises(UsageError, match="invalid --since"):
        audit.parse_since("yesterday")


def test_unwritable_state_dir_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("PRISM_STATE_DIR", str(blocker / "state"))
    with pytest.raises(UsageError, match="cannot write the audit log"):
        audit.record("ai.request")


# --- the command ---------------------------------------------------------------------------------------


def test_audit_command_table_and_json_lines(capsys: Capture) -> None:
    audit.record(
        "ai.request",
        command="explain",
        provider="anthropic",
        model="claude-sonnet-4-5",
        bytes=2048,
        sha256="0123456789abcdef" * 4,
        redactions={"jwt": 1, "env-value": 3},
    )
    audit.record(
        "agent.step",
        command="kubectl -n shop rollout restart deployment/api",
        approver="alice",
        exit_code=0,
        duration_ms=812,
    )
    audit.record("mcp.call", client="claude-code", tool="diagnose", bytes=900)
    code, out, err = prism(capsys, "audit")
    assert code == 0 and err == ""
    header, *rows = out.splitlines()
    assert header.split() == [
        "TIME",
        "EVENT",
        "COMMAND",
        "WHO",
        "MODEL",
        "BYTES",
        "REDACTED",
        "SHA256",
        "RESULT",
    ]
    assert len(rows) == 3
    assert (
        "ai.request" in rows[0] and "anthropic" in rows[0] and " 4 " in rows[0] and "0123456789ab" in rows[0]
    )
    assert "alice" in rows[1] and "exit 0 812ms" in rows[1]
    assert "claude-code" in rows[2] and "diagnose" in rows[2]
    code, out, err = prism(capsys, "audit", "-o", "json")
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["event"] for r in records] == ["ai.request", "agent.step", "mcp.call"]


def test_audit_command_since_empty_and_corrupt(capsys: Capture) -> None:
    code, out, err = prism(capsys, "audit")
    assert code == 0 and out == "" and "No audit records in " in err
    audit.record("ai.request", command="explain")
    with audit.audit_path().open("a") as fh:
        fh.write("garbage\n")
    code, out, err = prism(capsys, "audit", "--since", "1h")
    assert code == 0 and "explain" in out and "warning: skipped 1 unreadable line in" in err
    code, out, err = prism(capsys, "audit", "--since", "2999-01-01")
    assert code == 0 and out == "" and "No audit records since 2999-01-01" in err
    code, out, err = prism(capsys, "audit", "--since", "soon")
    assert code == 2 and 'invalid --since "soon"' in err
    code, out, err = prism(capsys, "audit", "-o", "yaml")
    assert code == 2 and "-o yaml is not supported by audit" in err
