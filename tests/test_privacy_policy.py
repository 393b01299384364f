"""docs/privacy.md and `kubectl prism ai policy`: one text, written from the code's rule tables, current,
and covering every placeholder type the redaction pipeline can emit."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from kubectl_prism.ai import config
from kubectl_prism.ai.keys import KEYRING_SERVICE
from kubectl_prism.ai.policy import PLACEHOLDERS, placeholder_types, privacy_markdown
from kubectl_prism.redact import redact_object, redact_text, structural, tokens
from tests.cli_helpers import run_main
from tests.corpus.secret_samples import SAMPLES

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "privacy.md"
_PLACEHOLDER = re.compile(r"\[REDACTED:([a-z0-9-]+)\]")


def test_docs_privacy_is_current() -> None:
    assert DOC.read_text() == privacy_markdown(), "regenerate with `make docs`"


def test_ai_policy_prints_the_same_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(capsys, "ai", "policy")
    assert (code, err) == (0, "")
    assert out == DOC.read_text()


def test_policy_is_written_from_the_tables() -> None:
    text = privacy_markdown()
    for name, info in config.PROVIDERS.items():
        assert f"| {name} |" in text and f"`{info.key_env_var}`" in text
    assert f"`{KEYRING_SERVICE}`" in text
    for annotation in structural._DROPPED_ANNOTATIONS:
        assert f"`{annotation}`" in text
    for kind, pattern in tokens._PREFIXED:
        assert f"| `{kind}` | `{pattern.replace('|', chr(92) + '|')}` |" in text


def test_an_undescribed_placeholder_type_stops_the_generator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "_PREFIXED", [*tokens._PREFIXED, ("brand-new-token", r"bnt_[a-z]{20}")])
    with pytest.raises(KeyError, match="brand-new-token"):
        privacy_markdown()


def test_every_type_the_pipeline_emits_is_documented() -> None:
    """Over the whole secret corpus (30+ credential families in every place they turn up), and the
    structural rules on realistic objects: every placeholder that comes out has a line in the policy."""
    emitted: set[str] = set(placeholder_types())
    for sample in SAMPLES:
        emitted |= set(sample.types)
        emitted |= set(_PLACEHOLDER.findall(redact_text(sample.text).text))
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "annotations": {
        "kubectl.kubernetes.io/last-applied-configuration": "{}"}}, "data": {"password": "aHVudGVyMg=="}}
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "api"}, "spec": {"containers": [
        {"name": "api", "env": [{"name": "DB_URL", "value": "postgres://u:hunter2@db:5432/x?sslmode=require"}]}]}}
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kc"}, "data": {
        "config": "apiVersion: v1\nkind: Config\nclusters: []\nusers: []\n"}}
    for obj in (secret, pod, config_map):
        emitted |= set(redact_object(obj).counts)
    assert {"secret-data", "env-value", "last-applied-configuration"} <= emitted
    assert len(emitted) > 40
    undocumented = sorted(emitted - set(PLACEHOLDERS))
    assert undocumented == [], f"describe these in kubectl_prism/ai/policy.py PLACEHOLDERS: {undocumented}"
    text = privacy_markdown()
    assert all(f"| `{kind}` |" in text for kind in emitted)


def test_policy_imports_no_sdk() -> None:
    """`ai policy` reads tables only: no provider SDK, kubernetes client or MCP."""
    code = ("import sys; from kubectl_prism.ai.policy import privacy_markdown; privacy_markdown(); "
            "print(sorted({'anthropic', 'openai', 'kubernetes', 'mcp', 'keyring'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"
