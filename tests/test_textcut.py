"""Cluster text is cut between words, never inside one: a secret is shown redacted whole or not at all,
never half of it, which no detector would recognise."""

from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_prism.analyzers import run_analyzers
from kubectl_prism.analyzers.pod_evidence import MAX_TEXT
from kubectl_prism.findings import Diagnosis, Scope
from kubectl_prism.redact.output import clear_for_output
from kubectl_prism.textcut import ends, head, tail
from tests.cluster_builders import pod, snap

_BREAK = re.compile(r"""[\s"'`,;|&(){}\[\]<>]""")
_WORDS = st.text(st.characters(categories=["L", "N"], include_characters="_-=:./+"), min_size=1, max_size=30)
_GLUE = st.sampled_from([" ", "\t", '"', ",", "; ", "(", ")", "[", "]", "{", "}", "<", ">", "'", "|", "&",
                         "`"])
TOKEN = "ghp_" + "Zq8Xw2Vb7Nm4Lk9Jh3Gf6Ds1Ap0Oi5Uy8Tr2E"  # a GitHub token: 40 characters, one word


@st.composite
def _text(draw: st.DrawFn) -> tuple[str, list[str]]:
    words = draw(st.lists(_WORDS, min_size=1, max_size=40))
    glue = draw(st.lists(_GLUE, min_size=len(words), max_size=len(words)))
    return "".join(w + g for w, g in zip(words, glue, strict=True)), words


def _whole_words(kept: str, words: list[str]) -> bool:
    return all(part in words for part in _BREAK.split(kept) if part)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(text=_text(), limit=st.integers(0, 400))
def test_cuts_keep_whole_words_within_the_limit(text: tuple[str, list[str]], limit: int) -> None:
    source, words = text
    start, end = head(source, limit), tail(source, limit)
    assert len(start) <= limit and source.startswith(start) and _whole_words(start, words)
    assert len(end) <= limit and source.endswith(end) and _whole_words(end, words)
    both = ends(source, limit, mark="\x00")
    assert both == source if len(source) <= limit else all(_whole_words(p, words) for p in both.split("\x00"))


def test_text_that_fits_is_kept_and_one_long_word_is_left_out() -> None:
    assert head("a b", 3) == "a b" and tail("a b", 3) == "a b"
    assert head("x" * 50, 10) == "" and tail("x" * 50, 10) == ""
    assert head("one two three", 7) == "one two" and tail("one two three", 9) == "two three"


def test_a_secret_across_the_cut_of_a_pod_message_is_not_shown_in_part() -> None:
    """Before, the message was cut at 2,048 characters with the token's first 18 in front of the cut:
    the redaction, which knows the whole token, did not know its start."""
    before = "x " * (MAX_TEXT // 4 - 9)  # the token starts 18 characters before the cut
    message = f"{before}{TOKEN} " + "y " * MAX_TEXT
    assert message.index(TOKEN) < MAX_TEXT // 2 < message.index(TOKEN) + len(TOKEN)
    snapshot = snap(pod("api-0", state="configerror", config_message=message))
    findings = run_analyzers(snapshot)
    assert findings and any("x x" in " ".join(f.evidence) + f.message for f in findings)
    diagnosis = Diagnosis(Scope(None, "shop", None, "snapshot"), findings)
    out = json.dumps(clear_for_output(diagnosis).value.to_dict())
    assert TOKEN[:10] not in out
