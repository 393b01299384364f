"""The shape check of `wellformed`, run on a whole list answer at C speed before it is decoded.

`wellformed.problem_of` walks every object in Python: ~25 µs a pod, a sixth of what reading a cluster
costs. Almost every answer of a real API server is well-formed, so the same question is first asked of
the answer's bytes: `page_fits` runs a msgspec decoder built from `object_shapes`, which checks the
type of every listed field of every item (and skips the rest unread) in about a third of that time.

It answers "no problem in this page" or "don't know", never "malformed": a page that does not fit, for
whatever reason, is decoded and checked object by object as before, and that check finds and names the
object and field. So the decoder may be stricter than `problem_of`, never more lenient:
- a listed field that is null does not fit, except a TIME (`Scalar.null_is_common`): Go writes a zero
  metav1.Time as null, and `lastProbeTime: null` is in every pod condition. `common_null_dropper`
  then removes those nulls from the decoded items, as `problem_of` would have;
- numbers too large for msgspec, nesting too deep for it, and the like do not fit either.
`tests/test_page_check.py` holds both checks to the same answers over generated objects.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Callable
from typing import Any

from kubectl_prism.gather.object_shapes import COMMON, SHAPES, ListOf, MapOf, Scalar
from kubectl_prism.snapshot import KubeObject

# Smaller pages are left to the object-by-object check: building a kind's decoder (0.1-2 ms, once per
# process) costs more than the check of a few dozen objects.
FITS_FROM_BYTES = 32 * 1024


def page_fits(kind: str, data: bytes) -> bool:
    """True when every item of the list answer `data` would pass `wellformed.problem_of` as a `kind`
    once `common_null_dropper` has run on it; False when it may not, or the page is too small to be worth
    it (then check it object by object)."""
    import msgspec

    if len(data) < FITS_FROM_BYTES:
        return False

    try:
        _page_decoder(kind).decode(data)
    except (msgspec.MsgspecError, RecursionError):
        return False
    return True


@functools.cache
def _shape_of(kind: str) -> dict[str, Any]:
    # One dict per kind, kept: the decoders' types are found again by the identity of their shapes.
    return {**COMMON, **SHAPES[kind]} if kind in SHAPES else COMMON


# --- the decoder: one msgspec type per shape ---------------------------------------------------------


@functools.cache
def _page_decoder(kind: str) -> Any:
    import msgspec

    item = _TYPES.of(_shape_of(kind))
    # `items` may be missing or null (an empty list, as `_page_items` reads it); the rest of the answer
    # (metadata, kind, apiVersion) is skipped: the list's own fields are read elsewhere.
    page = msgspec.defstruct("Page", [("items", list[item] | None, None)], gc=False)  # type: ignore[valid-type]
    return msgspec.json.Decoder(page)


class _Types:
    """msgspec types for shapes; each object shape becomes one Struct type (shared sub-shapes too)."""

    def __init__(self) -> None:
        # By the shape's identity, the shape kept with its type: an id is unique only while its object
        # lives, and a shape built for the moment could hand its id down to another kind's.
        self._structs: dict[int, tuple[dict[str, Any], Any]] = {}

    def of(self, shape: Any) -> Any:
        if isinstance(shape, Scalar):
            types = tuple(shape.types) + ((type(None),) if shape.null_is_common else ())
            return typing.Union[types] if len(types) > 1 else types[0]  # noqa: UP007
        if isinstance(shape, ListOf):
            return list[self.of(shape.item)]  # type: ignore[misc]
        if isinstance(shape, MapOf):
            return dict[str, self.of(shape.value)]  # type: ignore[misc]
        if isinstance(shape, dict):
            return self._struct(shape)
        raise TypeError(f"not a shape: {shape!r}")

    def _struct(self, shape: dict[str, Any]) -> Any:
        import msgspec

        known = self._structs.get(id(shape))
        if known is not None and known[0] is shape:
            return known[1]
        # Field names are the JSON keys renamed (`from`, `exec` are Python keywords); a field left out
        # of the answer keeps its default, and unlisted keys are skipped without being decoded.
        fields = [(f"f{i}", self.of(sub), None) for i, sub in enumerate(shape.values())]
        rename = {f"f{i}": key for i, key in enumerate(shape)}
        struct = msgspec.defstruct(f"Shape{len(self._structs)}", fields, rename=rename, gc=False)
        self._structs[id(shape)] = (shape, struct)
        return struct


_TYPES = _Types()


# --- removing the nulls the decoder let through ------------------------------------------------------

_Drop = Callable[[Any], None]


@functools.cache
def common_null_dropper(kind: str) -> Callable[[KubeObject], None] | None:
    """What removes, in place, the nulls `problem_of` would remove from an item of a page that fits
    (those of TIME fields: null is absent, for every reader alike); None when `kind` has no TIME."""
    return _dropper(_shape_of(kind))


def _dropper(shape: Any) -> _Drop | None:
    """What removes the null TIME fields under `shape` from a value of that shape (a page that fits
    holds no other nulls in listed fields), following only the paths that lead to a TIME; None when
    there are none."""
    if isinstance(shape, ListOf | MapOf):
        inner = _dropper(shape.item if isinstance(shape, ListOf) else shape.value)
        if inner is None:
            return None
        values = (lambda value: value) if isinstance(shape, ListOf) else dict.values

        def each(value: Any) -> None:
            for item in values(value):
                inner(item)
        return each
    if not isinstance(shape, dict):
        return None
    times = tuple(key for key, sub in shape.items() if isinstance(sub, Scalar) and sub.null_is_common)
    nested = tuple((key, drop) for key, sub in shape.items() if (drop := _dropper(sub)) is not None)
    if not times and not nested:
        return None

    def drop(value: dict[str, Any]) -> None:
        if times and None in value.values():  # most objects hold no null: one test at C speed
            for key in times:
                if key in value and value[key] is None:
                    del value[key]
        for key, inner in nested:
            sub = value.get(key)
            if sub is not None:
                inner(sub)
    return drop
