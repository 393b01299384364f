"""A fleet run's lean decoding of list pages (`lean_items`) builds, once `slim` has run, exactly the
objects the ordinary decoding does, and refuses every page it could not build that way."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks._util import make_cluster
from kubectl_prism.gather.lean_lists import _METADATA, LEAN_FROM_BYTES, lean_items
from kubectl_prism.gather.rules import slim

_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=6)
                     | st.floats(allow_nan=False, allow_infinity=False),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                                   max_size=3),
                     max_leaves=8)
_MANAGED_ENTRY = st.fixed_dictionaries({}, optional={
    "manager": _JSON, "operation": _JSON, "subresource": _JSON, "time": _JSON, "apiVersion": _JSON,
    "fieldsType": _JSON, "fieldsV1": _JSON})
_METADATA_FIELDS = st.fixed_dictionaries({}, optional={
    **{name: _JSON for name in _METADATA}, "managedFields": st.none() | st.lists(_MANAGED_ENTRY, max_size=3)})
_OBJECT = st.fixed_dictionaries({}, optional={
    "apiVersion": _JSON, "kind": _JSON, "metadata": _METADATA_FIELDS, "spec": _JSON, "status": _JSON})


def _page(items: list[Any]) -> bytes:
    """A list answer of `items`, padded to the size from which pages are decoded lean."""
    data = json.dumps({"kind": "List", "apiVersion": "v1", "metadata": {"continue": ""}, "items": items})
    return data.encode()[:-1] + b" " * LEAN_FROM_BYTES + b"}"


def _slimmed(items: list[Any]) -> list[Any]:
    return [slim(item) if isinstance(item, dict) else item for item in items]


def _ordinary(data: bytes) -> list[Any]:
    return _slimmed(json.loads(data)["items"])


@settings(max_examples=400, deadline=None, derandomize=True)
@given(items=st.lists(_OBJECT, max_size=4), secret=st.booleans())
def test_standard_objects_decode_lean_to_what_the_ordinary_decoding_and_slim_build(
        items: list[dict[str, Any]], secret: bool) -> None:
    if secret:  # slim treats Secrets apart: it keeps their metadata only
        for item in items:
            item["kind"] = "Secret"
    data = _page(items)
    lean = lean_items(data)
    assert lean is not None  # a page of standard objects is always decoded lean
    assert _slimmed(lean) == _ordinary(data)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(items=st.lists(_OBJECT, min_size=1, max_size=3), where=st.sampled_from(["object", "metadata"]),
       name=st.sampled_from(["data", "involvedObject", "subsets", "webhooks", "clusterName", "x"]),
       value=_JSON)
def test_a_field_outside_the_envelope_refuses_the_page(items: list[dict[str, Any]], where: str, name: str,
                                                         value: Any) -> None:
    """A ConfigMap's data, an Event's involvedObject, a field a newer API server added: the lean
    decoding would drop it, so it refuses the page, and the ordinary decoding reads it."""
    target = items[-1] if where == "object" else items[-1].setdefault("metadata", {})
    if not isinstance(target, dict):
        return
    target[name] = value
    assert lean_items(_page(items)) is None


@pytest.mark.parametrize("items", [
    [1], ["pod"], [None], [[]],  # items that are not objects
    [{"metadata": None}], [{"metadata": []}],  # a metadata that is not an object
    [{"metadata": {"managedFields": {"manager": "kubectl"}}}],  # managedFields that is not a list
    [{"metadata": {"managedFields": ["kubectl"]}}],  # or holds something other than objects
])
def test_pages_the_ordinary_decoding_reads_differently_are_refused(items: list[Any]) -> None:
    assert lean_items(_page(items)) is None


@pytest.mark.parametrize("data", [
    b"{", b"[]", b'{"items": {}}', b'{"items": [{"metadata": ' + b"[" * 100_000, b'{"items": "many"}',
    # bytes that are not UTF-8 where the lean decoding skips (the ordinary one refuses the page) ...
    b'{"items": [{"metadata": {"managedFields": [{"fieldsV1": {"f:\xff": {}}}]}}]}',
    b'{"items": [], "\xed\xa0\x80": 1}',
    # ... and UTF-8 that is not ASCII: read the ordinary way too
    '{"items": [{"metadata": {"name": "caf\u00e9"}}]}'.encode(),
])
def test_answers_that_are_no_list_are_refused(data: bytes) -> None:
    assert lean_items(data + b" " * LEAN_FROM_BYTES) is None


def test_small_pages_and_missing_items() -> None:
    assert lean_items(b'{"items": [{"metadata": {"name": "a"}}]}') is None  # small: the ordinary way
    assert lean_items(b'{"kind": "PodList"}' + b" " * LEAN_FROM_BYTES) == []
    assert lean_items(b'{"items": null}' + b" " * LEAN_FROM_BYTES) == []


def test_the_benchmark_clusters_pods_and_workloads_decode_lean_and_events_do_not() -> None:
    objects, _ = make_cluster(60, 120)
    by_kind: dict[str, list[Any]] = {}
    for obj in objects:
        item = dict(obj)
        kind = item.pop("kind")
        item.pop("apiVersion", None)  # list items come without them
        by_kind.setdefault(kind, []).append(item)
    for kind in ("Pod", "ReplicaSet", "Deployment", "Service", "Node"):
        data = _page(by_kind[kind])
        lean = lean_items(data)
        assert lean is not None, kind
        assert _slimmed(lean) == _ordinary(data)
        assert "fieldsV1" not in json.dumps(lean)  # never built
        assert b"fieldsV1" in data or kind != "Pod"
    assert lean_items(_page(by_kind["Event"])) is None
