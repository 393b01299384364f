"""A fleet run's list pages decoded without the field sets of managedFields, which `rules.slim` drops.

Every object of a list carries `metadata.managedFields`, and its `fieldsV1` (the set of fields each
manager wrote) is a third of a pod's bytes; `slim` keeps only who wrote when. msgspec skips what it is
not asked for without building it, but only in typed decoding, which drops every field it does not
know. So this decoder is typed only where the Kubernetes API is closed: the envelope of a standard
object (apiVersion, kind, metadata, spec, status) and ObjectMeta's fields, with everything under them
decoded as any JSON, and of each managedFields entry only what `slim` keeps. A page holding anything
else (a field outside the envelope or ObjectMeta, a kind with fields of its own such as ConfigMap or
Event) is refused whole (`forbid_unknown_fields`) and decoded the ordinary way, and so is a page that
is not all ASCII (what is skipped is not checked for UTF-8). So, once `slim` has run, the objects equal
those of the ordinary decoding, which accepts the same pages; `tests/test_lean_lists.py` holds them to it.

Like `answers.parse_object_quickly`, it serves fleet runs only, which hold one cluster's objects at a
time: msgspec's objects share no key strings, and a single run keeps `json.loads`' smaller ones.
"""

from __future__ import annotations

import functools
from typing import Any

# Smaller pages are decoded the ordinary way: there is little to skip in them.
LEAN_FROM_BYTES = 32 * 1024

# ObjectMeta's fields as the API server writes them (Go's field order), managedFields last.
_METADATA = ("name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
             "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations",
             "ownerReferences", "finalizers")
_WRITES = ("manager", "operation", "subresource", "time")  # what `slim` keeps of a managedFields entry


def lean_items(data: bytes) -> list[dict[str, Any]] | None:
    """The items of the list answer `data` with managedFields trimmed to who wrote when, or None when
    the page is not a list of standard objects (then decode it the ordinary way)."""
    import msgspec

    if len(data) < LEAN_FROM_BYTES or not data.isascii():
        # msgspec does not check that the strings it skips are UTF-8, and the ordinary decoding
        # refuses a page where one is not: pages with other bytes than ASCII go the ordinary way.
        return None
    try:
        page = _decoder().decode(data)
    except (msgspec.MsgspecError, RecursionError):
        return None
    return [_as_dict(obj, msgspec.UNSET) for obj in page.items or ()]


def _as_dict(obj: Any, unset: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("apiVersion", "kind"):
        value = getattr(obj, name)
        if value is not unset:
            out[name] = value
    meta = obj.metadata
    if meta is not unset:
        fields = {name: value for name in _METADATA if (value := getattr(meta, name)) is not unset}
        managed = meta.managedFields
        if managed is not unset:
            fields["managedFields"] = None if managed is None else [
                {name: value for name in _WRITES if (value := getattr(entry, name)) is not unset}
                for entry in managed]
        out["metadata"] = fields
    for name in ("spec", "status"):
        value = getattr(obj, name)
        if value is not unset:
            out[name] = value
    return out


@functools.cache
def _decoder() -> Any:
    import msgspec
    from msgspec import UNSET

    anything = (Any, UNSET)
    entry = msgspec.defstruct("ManagedEntry", [(name, *anything) for name in _WRITES], gc=False)
    metadata = msgspec.defstruct(
        "ObjectMeta", [*((name, *anything) for name in _METADATA),
                       ("managedFields", list[entry] | None, UNSET)],  # type: ignore[valid-type]
        forbid_unknown_fields=True, gc=False)
    standard = msgspec.defstruct(
        "StandardObject", [("apiVersion", *anything), ("kind", *anything), ("metadata", metadata, UNSET),
                           ("spec", *anything), ("status", *anything)],
        forbid_unknown_fields=True, gc=False)
    page = msgspec.defstruct("StandardList", [("items", list[standard] | None, None)], gc=False)
    return msgspec.json.Decoder(page)
