"""The secret corpus (every sample redacted, with the right type) and the benign corpus (<= 1% altered).

Secrets are planted where they turn up: log lines and command output go through `redact_text`;
env values, ConfigMap data, annotations and event messages go through `redact_object` inside a
realistic object, and the JSON that comes out is searched both as text and decoded.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from kubectl_prism.redact import Redacted, redact_object, redact_text
from tests.corpus.benign_lines import BENIGN_LINES, GENERATED_LINES, extra_lines
from tests.corpus.secret_samples import SAMPLES, Sample, generate

# Two seeds: the same templates with different secret values (every shape tested twice).
ALL_SAMPLES = SAMPLES + generate(seed=7)
PLACEHOLDER = re.compile(r"\[REDACTED:([a-z0-9-]+)\]")


def _pod(
    annotations: dict[str, str] | None = None, env: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "api-7d9c5b8f6d-nnhwj",
            "namespace": "shop",
            "uid": "21167eff-e459-4e97-af28-47c1e1ca55de",
            "annotations": annotations or {},
        },
        "spec": {"containers": [{"name": "api", "image": "ghcr.io/acme-shop/api:2.14.0", "env": env or []}]},
    }


def plant(sample: Sample) -> Redacted:
    if sample.place in ("log", "command"):
        return redact_text(sample.text)
    if sample.place == "env":
        return redact_object(_pod(env=[{"name": "APP_SETTING", "value": sample.text}]))
    if sample.place == "annotation":
        return redact_object(_pod(annotations={"shop.io/note": sample.text}))
    if sample.place == "configmap":
        return redact_object(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "app-config", "namespace": "shop"},
                "data": {"app.conf": sample.text},
            }
        )
    assert sample.place == "event"
    return redact_object(
        {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": "api.17f", "namespace": "shop"},
            "involvedObject": {"kind": "Pod", "name": "api-7d9c5b8f6d-nnhwj", "namespace": "shop"},
            "reason": "Failed",
            "type": "Warning",
            "message": sample.text,
        }
    )


def _all_strings(value: Any) -> str:
    if isinstance(value, dict):
        return "\n".join(_all_strings(k) + "\n" + _all_strings(v) for k, v in value.items())
    if isinstance(value, list):
        return "\n".join(_all_strings(v) for v in value)
    return str(value)


def test_corpus_is_big_and_varied() -> None:
    assert len(ALL_SAMPLES) >= 400  # 2 x >= 200
    assert len(SAMPLES) >= 200
    types = {t for s in SAMPLES for t in s.types[:1]}
    assert len(types) >= 25, sorted(types)
    assert {s.place for s in SAMPLES} == {"log", "env", "configmap", "annotation", "event", "command"}


FAMILIES = sorted({s.kind for s in ALL_SAMPLES})


def _problem(sample: Sample) -> str | None:
    result = plant(sample)
    if sample.secret in result.text:
        return "leaked"
    if sample.place not in ("log", "command"):
        decoded = _all_strings(json.loads(result.text))  # JSON escaping must not hide a leftover
        if sample.secret in decoded or sample.secret.replace("\\n", "\n") in decoded:
            return "leaked (JSON-decoded)"
    found = set(PLACEHOLDER.findall(result.text))
    if not found & set(sample.types):
        return f"placeholders {sorted(found)}, expected one of {sample.types}"
    if not found <= set(result.counts):
        return f"placeholders {sorted(found)} not all counted in {dict(result.counts)}"
    return None


@pytest.mark.parametrize("family", FAMILIES)
def test_every_secret_is_redacted_with_its_type(family: str) -> None:
    """Each family's samples (both seeds, every place); a failure lists every bad sample."""
    samples = [s for s in ALL_SAMPLES if s.kind == family]
    problems = {f"{s.id}: {s.text[:80]!r}": p for s in samples if (p := _problem(s)) is not None}
    assert not problems, problems
    assert len(samples) >= 2


def test_redacting_the_corpus_twice_changes_nothing() -> None:
    for sample in SAMPLES:
        once = redact_text(sample.text)
        assert redact_text(once.text).text == once.text, sample.id


def test_benign_corpus_is_at_most_one_percent_altered() -> None:
    assert len(BENIGN_LINES) >= 500
    assert len(extra_lines()) >= 200 and len(GENERATED_LINES) >= 500
    cleaned = [(line, redact_text(line).text) for line in BENIGN_LINES]
    altered = [(a, b) for a, b in cleaned if a != b]
    rate = len(altered) / len(BENIGN_LINES)
    detail = "\n".join(f"- {a}\n+ {b}" for a, b in altered[:10])
    assert rate <= 0.01, f"{len(altered)}/{len(BENIGN_LINES)} benign lines altered ({rate:.2%}):\n{detail}"


def test_benign_corpus_keeps_what_diagnosis_needs() -> None:
    text = "\n".join(BENIGN_LINES)
    clean = redact_text(text).text
    for needle in (
        "@sha256:",
        "containerd://",
        "exitCode: ",
        "resourceVersion:",
        "trace_id=",
        "CrashLoopBackOff",
        "OOMKilled",
        "10.",
        "uid: ",
    ):
        assert clean.count(needle) == text.count(needle), needle
