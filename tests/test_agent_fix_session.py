"""docs/agent-session.md is a real session: recorded again here, it must match the page."""

from __future__ import annotations

from tests.record_agent_session import DOC, document, normalize, record


def test_the_documented_session_is_what_prism_does() -> None:
    transcript, code = record()
    assert code == 5
    text = normalize(transcript)
    assert "resolved: 1\n    CRITICAL service-no-matching-pods service/db" in text
    assert DOC.read_text(encoding="utf-8") == document(text, code), (
        "docs/agent-session.md is stale: run `python -m tests.record_agent_session`")
