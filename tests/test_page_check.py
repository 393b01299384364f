"""`page_check` never admits what `wellformed.problem_of` refuses, and leaves admitted objects exactly as
that check leaves them: a list page that fits is worth the same as one checked object by object."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks._util import make_cluster
from kubectl_prism.gather.object_shapes import SHAPES, ListOf, MapOf, Scalar
from kubectl_prism.gather.page_check import FITS_FROM_BYTES, common_null_dropper, page_fits
from kubectl_prism.gather.wellformed import problem_of

KINDS = [*sorted(SHAPES), "Widget"]  # Widget: a kind without a shape of its own (COMMON only)
_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=6)
                     | st.floats(allow_nan=False, allow_infinity=False),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                                   max_size=3),
                     max_leaves=8)
_EXAMPLE = {str: "text", int: 3, float: 1.5, bool: True}


def _shape(kind: str) -> dict[str, Any]:
    from kubectl_prism.gather.object_shapes import COMMON

    return {**COMMON, **SHAPES.get(kind, {})}


@st.composite
def _value(draw: Any, shape: Any, depth: int, faults: bool) -> Any:
    """A value of `shape`; with `faults`, sometimes a null or a value of another type anywhere."""
    if faults and draw(st.integers(0, 19)) == 0:
        return draw(_JSON)  # anything at all where the shape wants something
    if isinstance(shape, Scalar):
        if shape.null_is_common and draw(st.integers(0, 3)) == 0:
            return None
        kind = draw(st.sampled_from([t for t in shape.types]))
        return draw({str: st.text(max_size=8), int: st.integers(-2**70, 2**70), bool: st.booleans(),
                     float: st.floats(allow_nan=False, allow_infinity=False)}[kind])
    if depth > 4:
        return [] if isinstance(shape, ListOf) else {}
    if isinstance(shape, ListOf):
        return draw(st.lists(_value(shape.item, depth + 1, faults), max_size=2))
    if isinstance(shape, MapOf):
        return draw(st.dictionaries(st.text(max_size=6), _value(shape.value, depth + 1, faults), max_size=2))
    keys = draw(st.lists(st.sampled_from(sorted(shape)), unique=True, max_size=6)) if shape else []
    out = {key: draw(_value(shape[key], depth + 1, faults)) for key in keys}
    if draw(st.booleans()):
        out.update(draw(st.dictionaries(st.text(max_size=6), _JSON, max_size=2)))  # unlisted fields
    return out


@st.composite
def _page(draw: Any, faults: bool) -> tuple[str, list[Any]]:
    kind = draw(st.sampled_from(KINDS))
    items = draw(st.lists(_value(_shape(kind), 0, faults), max_size=3))
    if faults and draw(st.integers(0, 9)) == 0:
        items.append(draw(_JSON))  # an item that is not an object
    return kind, items


def _data(items: list[Any]) -> bytes:
    """A list answer of `items`, padded to the size from which pages are checked whole."""
    data = json.dumps({"kind": "List", "metadata": {"continue": ""}, "items": items}).encode()
    return data[:-1] + b' ' * FITS_FROM_BYTES + b"}"


def _checked_one_by_one(kind: str, data: bytes) -> tuple[list[Any], list[str]]:
    """What the gatherer's object-by-object check makes of the page: the admitted items, the problems."""
    good, problems = [], []
    for item in json.loads(data)["items"]:
        if isinstance(item, dict):
            item["kind"] = kind  # as the gatherer's _fix sets it on list items
        problem = problem_of(item)
        if problem is None:
            good.append(item)
        else:
            problems.append(problem)
    return good, problems


def _fast(kind: str, data: bytes) -> list[Any]:
    items = json.loads(data)["items"]
    drop = common_null_dropper(kind)
    for item in items:
        item["kind"] = kind
        if drop is not None:
            drop(item)
    return items


@settings(max_examples=500, deadline=None, derandomize=True)
@given(page=_page(faults=True))
def test_a_page_that_fits_is_admitted_as_checking_each_object_admits_it(page: tuple[str, list[Any]]) -> None:
    kind, items = page
    data = _data(items)
    if page_fits(kind, data):
        good, problems = _checked_one_by_one(kind, data)
        assert problems == []
        assert _fast(kind, data) == good  # the same objects, with the same nulls removed


@settings(max_examples=300, deadline=None, derandomize=True)
@given(page=_page(faults=False))
def test_well_formed_pages_fit_nulls_in_timestamps_included(page: tuple[str, list[Any]]) -> None:
    kind, items = page
    data = _data(items)
    good, problems = _checked_one_by_one(kind, data)
    assert problems == [] and len(good) == len(items)
    if all(abs(n) < 2**63 for n in _numbers(items)):  # msgspec reads 64-bit whole numbers
        assert page_fits(kind, data)
        assert _fast(kind, data) == good


def _numbers(value: Any) -> list[int]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    return []


@pytest.mark.parametrize("item", [
    {"metadata": {"name": "api", "labels": None}},  # null where a mapping belongs: removed one by one
    {"metadata": {"name": 5}},
    {"status": {"containerStatuses": [{"restartCount": True}]}},
    {"status": {"containerStatuses": [{"restartCount": 1.0}]}},
    {"status": {"containerStatuses": [None]}},
    {"status": {"conditions": {"type": "Ready"}}},
    {"spec": {"containers": [{"name": "app", "resources": {"limits": {"cpu": None}}}]}},
    {"metadata": {"annotations": {"a": 1}}},
    {"status": {"phase": "Running", "startTime": 7}},
    "not an object",
])
def test_pages_with_a_wrong_field_do_not_fit(item: Any) -> None:
    assert not page_fits("Pod", _data([{"metadata": {"name": "ok"}}, item]))


def test_a_duplicate_key_is_checked_in_each_of_its_places() -> None:
    # json.loads keeps the last; the decoder must not let an earlier bad value hide behind a good one,
    # nor a later bad one behind an earlier good one.
    pad = b" " * FITS_FROM_BYTES
    bad_first = b'{"items": [{"status": {"containerStatuses": [{"restartCount": "x", "restartCount": 1}]}}]}'
    bad_last = b'{"items": [{"status": {"containerStatuses": [{"restartCount": 1, "restartCount": "x"}]}}]}'
    bad_first, bad_last = bad_first + pad, bad_last + pad
    assert not page_fits("Pod", bad_last)
    assert problem_of({"kind": "Pod", **json.loads(bad_last)["items"][0]}) is not None
    assert not page_fits("Pod", bad_first)  # stricter than the check (which sees only the 1): allowed


@pytest.mark.parametrize("data", [b"{", b"[]", b'{"items": {}}', b'{"items": [1]}',
                                  b'{"items": [{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}]}"])
def test_answers_that_are_not_lists_of_objects_do_not_fit(data: bytes) -> None:
    # (Pages that do not decode at all never get here: the list fails before its items are admitted.)
    assert not page_fits("Pod", data + b" " * FITS_FROM_BYTES)


def test_missing_or_null_items_fit_as_an_empty_list() -> None:
    padding = b" " * FITS_FROM_BYTES
    assert page_fits("Pod", b'{"kind": "PodList", "metadata": {}}' + padding)
    assert page_fits("Pod", b'{"kind": "PodList", "items": null}' + padding)


def test_small_pages_are_left_to_the_check_of_each_object() -> None:
    assert not page_fits("Pod", b'{"kind": "PodList", "items": []}')


def test_the_benchmark_clusters_pages_fit() -> None:
    """The synthetic cluster is shaped as a real API server answers (lastProbeTime: null in every
    condition, eventTime: null in core events): its pages take the fast way."""
    objects, _ = make_cluster(40, 80)
    by_kind: dict[str, list[Any]] = {}
    for obj in objects:
        by_kind.setdefault(obj["kind"], []).append(obj)
    assert {"Pod", "Event", "Deployment", "ReplicaSet", "Node"} <= set(by_kind)
    for kind, items in by_kind.items():
        data = _data(items)
        assert b"null" in data or kind not in ("Pod", "Event")
        assert page_fits(kind, data), kind
        good, problems = _checked_one_by_one(kind, data)
        assert _fast(kind, data) == good and not problems


def _wrong(value_shape: Any) -> Any:
    """A value no field of `value_shape` accepts."""
    if isinstance(value_shape, Scalar):
        return [1] if str in value_shape.types or int in value_shape.types else "text"
    return "text"  # where a mapping or a list belongs


@pytest.mark.parametrize("kind", KINDS)
def test_each_kinds_decoder_checks_that_kinds_own_fields(kind: str) -> None:
    """Every kind's decoder built in one process (as a fleet run builds them): each checks the fields of
    its own shape, whatever was built before it."""
    for other in KINDS:
        page_fits(other, _data([]))
    shape = _shape(kind)
    for field_name, field_shape in shape.items():
        if field_name == "kind":
            continue  # the gatherer sets it on every list item
        item = {field_name: _wrong(field_shape)}
        assert problem_of({**item, "kind": kind}) is not None
        assert not page_fits(kind, _data([item])), (kind, field_name)


def test_every_kinds_decoder_is_built_from_that_kinds_own_shape() -> None:
    """Built afresh, one kind after another, as a fleet run builds them: each kind's decoder types the
    fields of its own shape (shapes made for the moment once handed their identity to the next kind)."""
    import msgspec

    from kubectl_prism.gather import page_check

    page_check._page_decoder.cache_clear()
    for kind in KINDS:
        page_type = msgspec.inspect.type_info(page_check._page_decoder(kind).type)
        items = page_type.fields[0].type.types[0]  # list[Item] | None
        assert {f.encode_name for f in items.item_type.fields} == set(_shape(kind)), kind
