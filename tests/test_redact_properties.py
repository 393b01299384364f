"""Property-based tests of free-text redaction (hypothesis).

- idempotent: redacting redacted text changes nothing;
- a planted secret never comes out, whatever text surrounds it;
- arbitrary unicode, control characters and binary-ish input never crash it, and whatever comes
  out is text (str) with counts that add up to the placeholders in it.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kubectl_prism.redact import redact_json, redact_text
from tests.corpus.secret_samples import SAMPLES, Sample

PLACEHOLDER = re.compile(r"\[REDACTED:[a-z0-9-]+\]")
# secrets that are recognised on their own, with no key or scheme in front of them
STANDALONE = [
    s.secret
    for s in SAMPLES
    if s.text == s.secret and s.place in ("annotation", "event") and "env-value" not in s.types
]
SEPARATORS = st.sampled_from(
    [
        " ",
        "\n",
        "\t",
        " | ",
        ", ",
        "; ",
        " => ",
        '"',
        "'",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        "<",
        ">",
        " - ",
        "\r\n",
    ]
)
FILLER = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
LOGGY = st.lists(
    st.sampled_from(
        [
            "level=info",
            'msg="request done"',
            "status=200",
            "GET /api/v1/orders",
            "token expired",
            "password reset",
            "key=value",
            "user=alice",
            "10.244.1.5:8080",
            "sha256:",
            "Bearer",
            "Basic",
            "://",
            "@",
            "=",
            ":",
            "/",
            "-",
            "_",
            ".",
            "AKIA",
            "eyJ",
            "sk-",
            "ghp_",
            "-----BEGIN ",
        ]
    ),
    max_size=8,
).map(" ".join)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.one_of(FILLER, LOGGY, st.binary(max_size=200).map(lambda b: b.decode("latin-1"))))
def test_idempotent(text: str) -> None:
    once = redact_text(text)
    assert redact_text(once.text).text == once.text


@SETTINGS
@given(st.sampled_from(SAMPLES).map(lambda s: s.text), FILLER, FILLER)
def test_idempotent_on_secrets_in_context(planted: str, before: str, after: str) -> None:
    once = redact_text(before + planted + after)
    assert redact_text(once.text).text == once.text


@SETTINGS
@given(
    st.sampled_from(STANDALONE), st.one_of(FILLER, LOGGY), SEPARATORS, st.one_of(FILLER, LOGGY), SEPARATORS
)
def test_standalone_secret_never_comes_out(
    secret: str, before: str, sep1: str, after: str, sep2: str
) -> None:
    out = redact_text(before + sep1 + secret + sep2 + after).text
    assert secret not in out


@SETTINGS
@given(st.sampled_from(SAMPLES), st.one_of(FILLER, LOGGY), st.one_of(FILLER, LOGGY))
def test_planted_line_never_leaks_on_its_own_line(sample: Sample, before: str, after: str) -> None:
    assume(sample.place in ("log", "command", "configmap"))
    out = redact_text(before + "\n" + sample.text + "\n" + after).text
    assert sample.secret not in out


@SETTINGS
@given(st.text(max_size=300))
def test_arbitrary_unicode_does_not_crash(text: str) -> None:
    result = redact_text(text)
    assert isinstance(result.text, str)
    assert sum(result.counts.values()) == len(PLACEHOLDER.findall(result.text)) - len(
        PLACEHOLDER.findall(text)
    )


@SETTINGS
@given(st.binary(max_size=400))
def test_binary_ish_input_does_not_crash(data: bytes) -> None:
    for text in (
        data.decode("utf-8", "replace"),
        data.decode("latin-1"),
        data.decode("utf-8", "surrogateescape"),
    ):
        result = redact_text(text)
        assert isinstance(result.text, str)
        assert redact_text(result.text).text == result.text


@SETTINGS
@given(
    st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=40)),
        lambda children: st.one_of(
            st.lists(children, max_size=4), st.dictionaries(st.text(max_size=12), children, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_redact_json_handles_any_json_value(value: object) -> None:
    import json

    out = redact_json(value)
    json.loads(out.text)  # still valid JSON
