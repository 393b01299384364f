"""A fleet run's decoder (msgspec, `parse_object_quickly`) accepts, refuses and builds exactly what the
single run's (`json.loads`, `parse_object`) does: a cluster reads the same in both."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_prism import apipath
from kubectl_prism.gather.answers import ApiError, parse_object, parse_object_quickly
from kubectl_prism.kinds import BY_KIND

PATH = apipath.collection(BY_KIND["Pod"], "shop")

_SCALARS = (st.none() | st.booleans() | st.integers() | st.text()
            | st.floats(allow_nan=False, allow_infinity=False))
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=30)


def _outcome(parse: Any, data: bytes) -> Any:
    try:
        return ("value", _exact(parse(data, PATH)))
    except ApiError as err:
        return ("refused", err.status)


def _exact(value: Any) -> Any:
    """`value` with every type and float sign kept, so 0 and 0.0 and -0.0 compare unequal."""
    if isinstance(value, dict):
        return {k: _exact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_exact(v) for v in value]
    if isinstance(value, float):
        return ("float", value, math.copysign(1, value))
    return (type(value).__name__, value)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(body=st.dictionaries(st.text(max_size=8), _VALUES, max_size=6), ascii_only=st.booleans())
def test_every_json_object_decodes_to_the_same_value(body: dict[str, Any], ascii_only: bool) -> None:
    data = json.dumps(body, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    assert _outcome(parse_object_quickly, data) == _outcome(parse_object, data)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(data=st.binary(max_size=64) | st.builds(lambda head, tail: head + tail,
                                                st.sampled_from([b'{"a": ', b'{"items": [', b"[", b'{"']),
                                                st.binary(max_size=24)))
def test_any_bytes_are_refused_or_accepted_alike(data: bytes) -> None:
    assert _outcome(parse_object_quickly, data) == _outcome(parse_object, data)


@pytest.mark.parametrize("data", [
    b'{"a": NaN}', b'{"a": Infinity}', b'{"a": 1e400}',  # json's extensions: msgspec refuses, json reads
    b'\xef\xbb\xbf{"a": 1}',  # a byte order mark
    b'{"a": "\xed\xa0\x80"}', b'{"a": "\\ud800"}',  # a lone surrogate, encoded and escaped
    b'{"a": 123456789012345678901234567890}', b'{"a": 5e-324}', b'{"a": -0.0}',
    b'{"a": 1, "a": 2}',  # the last one wins, in both
    b"[1, 2]", b'"text"', b'{"a": "x\x00y"}', b"{}" + b" " * 10, b"",
    b"[" * 100_000 + b"]" * 100_000,  # nested too deeply for either
])
def test_the_edges_of_json_decode_alike(data: bytes) -> None:
    assert _outcome(parse_object_quickly, data) == _outcome(parse_object, data)
