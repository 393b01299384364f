"""Redact any JSON-able value: every string (keys too) goes through the free-text detectors, and a
value under a key that names a secret (`password`, `apiKey`, ...) is replaced whatever it looks like.
Values nested deeper than MAX_NESTING levels are cut, not walked (and so never shown unredacted).
"""

from __future__ import annotations

import copy
import gc
import json
import re
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from enum import Enum
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from kubectl_prism.redact.detectors import placeholder, scrub
from kubectl_prism.redact.keys import classify_key, value_is_benign
from kubectl_prism.redact.result import add_counts
from kubectl_prism.redact.shapes import looks_like_credential, looks_like_kubeconfig
from kubectl_prism.snapshot import MAX_NESTING, NESTING_CUT

if TYPE_CHECKING:
    from kubectl_prism.redact.anonymize import Anonymizer

# `["--db-password", "hunter2"]` in container args: the flag names the secret, the next item is it.
_FLAG_ITEM = re.compile(r"--?[A-Za-z0-9][A-Za-z0-9-]*")


def _secret_scalar(key: str, value: Any) -> str | None:
    """The placeholder type when `value`, stored under `key`, must go."""
    if isinstance(value, bool) or value is None or isinstance(value, dict | list):
        return None
    hit = classify_key(key)
    if hit is None:
        return None
    kind, weak = hit
    text = str(value)
    if not text or text.startswith("[REDACTED:") or value_is_benign(text):
        return None
    if weak and not looks_like_credential(text):
        return None
    return kind


class _Walker:
    def __init__(self, anonymizer: Anonymizer | None) -> None:
        self.anonymizer = anonymizer
        self.counts: list[dict[str, int]] = []

    def text(self, value: str) -> str:
        if looks_like_kubeconfig(value):
            self.counts.append({"kubeconfig": 1})
            return placeholder("kubeconfig")
        clean, counts = scrub(value)
        if counts:
            self.counts.append(counts)
        return self.anonymizer.apply(clean) if self.anonymizer is not None else clean

    def value(self, value: Any, depth: int = 0) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if depth >= MAX_NESTING and isinstance(value, dict | list | tuple):
            return NESTING_CUT  # what is not walked is not shown either
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for key, item in value.items():
                key_text = self.text(str(key))
                kind = _secret_scalar(str(key), item)
                if kind is not None:
                    self.counts.append({kind: 1})
                    out[key_text] = placeholder(kind)
                else:
                    out[key_text] = self.value(item, depth + 1)
            return out
        if isinstance(value, list | tuple):
            return self.sequence(list(value), depth)
        if value is None or isinstance(value, bool | int | float):
            return value
        return self.text(str(value))

    def sequence(self, items: list[Any], depth: int = 0) -> list[Any]:
        out: list[Any] = []
        secret_next: str | None = None
        for item in items:
            if secret_next is not None and isinstance(item, str) and not item.startswith("-"):
                kind, secret_next = secret_next, None
                if not value_is_benign(item):
                    self.counts.append({kind: 1})
                    out.append(placeholder(kind))
                    continue
            secret_next = None
            if isinstance(item, str) and _FLAG_ITEM.fullmatch(item):
                hit = classify_key(item.lstrip("-"))
                secret_next = hit[0] if hit and not hit[1] else None
            out.append(self.value(item, depth + 1))
        return out


def scrub_value(value: Any, *, anonymizer: Anonymizer | None = None) -> tuple[Any, dict[str, int]]:
    walker = _Walker(anonymizer)
    clean = walker.value(value)
    return clean, add_counts(*walker.counts)


class _ModelWalker(_Walker):
    """The walker for result models (what prism prints): dataclasses are copied with every field
    walked (the field name is the key), enums, numbers and datetimes pass unchanged, and a dict that
    is a whole Kubernetes object gets the structural rules first, as in the AI payload."""

    def __init__(self) -> None:
        super().__init__(None)
        self._seen: dict[str, str] = {}  # names and namespaces repeat: scrub each string once

    def text(self, value: str) -> str:
        clean = self._seen.get(value)
        if clean is None:
            before = len(self.counts)
            clean = super().text(value)
            if len(self.counts) == before:  # only clean strings are remembered: counts stay exact
                self._seen[value] = clean
        return clean

    def value(self, value: Any, depth: int = 0) -> Any:
        # One lookup by type instead of a chain of isinstance tests: a fleet's output is ~30 values
        # per finding, thousands of findings.
        sort = _sort_of(type(value))
        if sort is _TEXT:
            return self.text(value)
        if sort is _AS_IS:
            return value  # prism's own vocabulary, or a number (a count under `password` is a count)
        if sort is _MAPPING:
            if depth >= MAX_NESTING:
                return NESTING_CUT
            if isinstance(value.get("metadata"), dict) and "kind" in value:
                from kubectl_prism.redact.structural import strip_object

                value, counts = strip_object(value)
                self.counts.append(counts)
            return {self._key(key): self.keyed(str(key), item, depth + 1) for key, item in value.items()}
        if sort is _DATACLASS:
            clone, attrs = _fresh_copy(value)
            for name in _field_names(type(value)):
                # frozen dataclasses too: the clone is fresh, nobody holds it yet
                walked = self.keyed(name, getattr(value, name), depth + 1)
                if attrs is not None:
                    attrs[name] = walked
                else:
                    object.__setattr__(clone, name, walked)
            return clone
        if sort is _SEQUENCE:
            return NESTING_CUT if depth >= MAX_NESTING else self.sequence(list(value), depth)
        return super().value(value, depth)

    def _key(self, key: Any) -> Any:
        return self.text(key) if isinstance(key, str) and not isinstance(key, Enum) else key

    def keyed(self, key: str, item: Any, depth: int = 0) -> Any:
        """`item` stored under `key`: a string under a key that names a secret goes whatever it is."""
        # Most keys name no secret (classify_key is cached): ask that first, the value's type after.
        if classify_key(key) is not None and isinstance(item, str) and not isinstance(item, Enum):
            kind = _secret_scalar(key, item)
            if kind is not None:
                self.counts.append({kind: 1})
                return placeholder(kind)
        return self.value(item, depth)


@lru_cache(maxsize=256)
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


# How _ModelWalker.value treats a value, by its type (_sort_of)
_TEXT, _AS_IS, _MAPPING, _SEQUENCE, _DATACLASS, _OTHER = (
    "text", "as is", "mapping", "sequence", "dataclass", "other")


@lru_cache(maxsize=256)
def _sort_of(cls: type) -> str:
    """How `_ModelWalker.value` treats a value of type `cls` (a str subclass that is no Enum is "other":
    the base walker turns it into text)."""
    if cls is str:
        return _TEXT
    if issubclass(cls, Enum | int | float | datetime | date) or cls is type(None):
        return _AS_IS
    if issubclass(cls, dict):
        return _MAPPING
    if issubclass(cls, list | tuple):
        return _SEQUENCE
    if is_dataclass(cls):  # an instance's type; a dataclass *class* as a value has type `type`
        return _DATACLASS
    return _OTHER


def _fresh_copy(value: Any) -> tuple[Any, dict[str, Any] | None]:
    """A shallow copy of a dataclass instance, and its attribute dict to write fields into (None: set
    them with object.__setattr__). What copy.copy does for a plain class, without its generic protocol."""
    cls = type(value)
    if not _plain(cls):
        return copy.copy(value), None
    clone = cls.__new__(cls)
    attrs: dict[str, Any] = clone.__dict__
    attrs.update(value.__dict__)
    return clone, attrs


@lru_cache(maxsize=256)
def _plain(cls: type) -> bool:
    """Instances keep their state in __dict__ and copy the default way (no __copy__, no reduce hooks,
    no slots, nothing registered with copyreg)."""
    import copyreg

    return (getattr(cls, "__copy__", None) is None and cls.__reduce_ex__ is object.__reduce_ex__
            and cls.__reduce__ is object.__reduce__ and not hasattr(cls, "__slots__")
            and cls not in copyreg.dispatch_table and "__dict__" in dir(cls))


def scrub_model(value: Any) -> tuple[Any, dict[str, int]]:
    """A copy of a result model (dataclasses, dicts, lists, strings) with every string redacted."""
    walker = _ModelWalker()
    # The copy makes many small objects and no reference cycles: with the collector on, a big run
    # (a 10,000-pod cluster's findings) would trigger full collections over the whole snapshot.
    collecting = gc.isenabled()
    gc.disable()
    try:
        clean = walker.value(value)
    finally:
        if collecting:
            gc.enable()
    return clean, add_counts(*walker.counts)


def dumps(value: Any, indent: int | None = None, fmt: str = "json") -> str:
    if fmt == "yaml":
        import yaml

        return yaml.safe_dump(value, sort_keys=False, default_flow_style=False, allow_unicode=True,
                              width=4096)
    if fmt != "json":
        raise ValueError(f"unknown format {fmt!r}")
    separators = (",", ":") if indent is None else (",", ": ")
    return json.dumps(value, ensure_ascii=False, indent=indent, separators=separators, default=str)
