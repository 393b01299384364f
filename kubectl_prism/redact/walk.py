"""Redact any JSON-able value: every string (keys too) goes through the free-text detectors, and a
value under a key that names a secret (`password`, `apiKey`, ...) is replaced whatever it looks like.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from kubectl_prism.redact.detectors import placeholder, scrub
from kubectl_prism.redact.keys import classify_key, value_is_benign
from kubectl_prism.redact.result import add_counts
from kubectl_prism.redact.shapes import looks_like_credential

if TYPE_CHECKING:
    from kubectl_prism.redact.anonymize import Anonymizer

# `["--db-password", "hunter2"]` in container args: the flag names the secret, the next item is it.
_FLAG_ITEM = re.compile(r"--?[A-Za-z0-9][A-Za-z0-9-]*")


def looks_like_kubeconfig(text: str) -> bool:
    return ("clusters:" in text or '"clusters"' in text) and (
        "users:" in text or '"users"' in text or "kind: Config" in text or '"Config"' in text
    )


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

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for key, item in value.items():
                key_text = self.text(str(key))
                kind = _secret_scalar(str(key), item)
                if kind is not None:
                    self.counts.append({kind: 1})
                    out[key_text] = placeholder(kind)
                else:
                    out[key_text] = self.value(item)
            return out
        if isinstance(value, list | tuple):
            return self.sequence(list(value))
        if value is None or isinstance(value, bool | int | float):
            return value
        return self.text(str(value))

    def sequence(self, items: list[Any]) -> list[Any]:
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
            out.append(self.value(item))
        return out


def scrub_value(value: Any, *, anonymizer: Anonymizer | None = None) -> tuple[Any, dict[str, int]]:
    walker = _Walker(anonymizer)
    clean = walker.value(value)
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
