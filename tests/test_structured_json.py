"""`-o json` is written by msgspec (render/structured.to_json) and reads as the json module wrote it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_prism.findings import Severity
from kubectl_prism.render.structured import to_json

_SCALARS = st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False,
                                                                           allow_infinity=False)
_DOCS = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=30)


def _as_json_module_writes(doc: Any) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


@settings(max_examples=300, deadline=None, derandomize=True)
@given(doc=_DOCS)
def test_any_document_reads_back_as_the_json_module_wrote_it(doc: Any) -> None:
    written = to_json(doc)
    assert json.loads(written) == json.loads(_as_json_module_writes(doc))
    if not any(isinstance(v, float) for v in _leaves(doc)):  # floats may spell their exponent apart
        assert written == _as_json_module_writes(doc)


@pytest.mark.parametrize("doc", [
    {"text": "é \u2028 </script> \x7f", "n": 2**80, "t": (1, 2), "nested": {"a": [], "b": {}}},
    {"severity": next(iter(Severity))},  # prism's enums are their value
    {"lone": "\ud800"},  # not valid Unicode: msgspec refuses it, the json module writes it
    {2: "an int key"}, {True: "a bool key"}, {None: "no key"},  # keys that are not text
    [], {},
])
def test_what_msgspec_refuses_or_spells_apart_is_written_as_before(doc: Any) -> None:
    assert to_json(doc) == _as_json_module_writes(doc)


def _leaves(doc: Any) -> list[Any]:
    if isinstance(doc, dict):
        return [leaf for v in doc.values() for leaf in _leaves(v)]
    if isinstance(doc, list):
        return [leaf for v in doc for leaf in _leaves(v)]
    return [doc]
