"""`Redacted`: the only type that may carry cluster-derived text out of the process.

Provider and MCP code accept `Redacted`, never `str`, so an unredacted value cannot reach them by
accident. Only this package can build one: the constructor needs a module-private key (an `InitVar`,
so it is not stored and `dataclasses.replace` cannot copy it either).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import InitVar, dataclass
from types import MappingProxyType

_KEY = object()


@dataclass(frozen=True, eq=False)
class Redacted:
    """Text that went through the redaction pipeline, with how many values of each type it replaced."""

    text: str
    counts: Mapping[str, int]
    _key: InitVar[object]

    def __post_init__(self, _key: object) -> None:
        if _key is not _KEY:
            raise TypeError("Redacted can only be built by kubectl_prism.redact: use redact_text/redact_json")
        if not isinstance(self.text, str):
            raise TypeError("Redacted.text must be str")
        object.__setattr__(self, "counts", MappingProxyType({k: v for k, v in self.counts.items() if v}))

    # --- combining ------------------------------------------------------------------------------
    def merge(self, *others: Redacted, sep: str = "") -> Redacted:
        """Concatenate with other Redacted values; `sep` is redacted too, so nothing raw slips in."""
        return concat((self, *others), sep=sep)

    def __add__(self, other: object) -> Redacted:
        if not isinstance(other, Redacted):
            return NotImplemented
        return concat((self, other))

    def tail(self, lines: int, max_line: int | None = None,
             clip: Callable[[str], str] | None = None) -> Redacted:
        """The last `lines` lines, each cut to `max_line` characters (or passed through `clip`);
        counts are those still in it.

        Cutting after redaction, never before: a secret cut in half no longer matches its pattern.
        """
        kept = self.text.rstrip("\n").split("\n")[-lines:] if lines > 0 else []
        if clip is not None:
            kept = [clip(ln) for ln in kept]
        elif max_line is not None:
            kept = [ln if len(ln) <= max_line else ln[:max_line] + " …" for ln in kept]
        text = "\n".join(kept)
        return make(text, count_placeholders(text))

    # --- reading --------------------------------------------------------------------------------
    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def encode(self) -> bytes:
        return self.text.encode("utf-8", "surrogatepass")

    def sha256(self) -> str:
        return hashlib.sha256(self.encode()).hexdigest()

    def __len__(self) -> int:
        return len(self.text)

    def __str__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Redacted):
            return NotImplemented
        return self.text == other.text and dict(self.counts) == dict(other.counts)

    def __hash__(self) -> int:
        return hash((self.text, tuple(sorted(self.counts.items()))))


def make(text: str, counts: Mapping[str, int] | None = None) -> Redacted:
    """Package-private factory: call only with text that has been through the pipeline."""
    return Redacted(text, dict(counts or {}), _KEY)


_PLACEHOLDER = re.compile(r"\[REDACTED:([a-z0-9-]+)\]")


def count_placeholders(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for kind in _PLACEHOLDER.findall(text):
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def add_counts(*many: Mapping[str, int]) -> dict[str, int]:
    total: dict[str, int] = {}
    for counts in many:
        for key, value in counts.items():
            total[key] = total.get(key, 0) + value
    return dict(sorted(total.items()))


def concat(parts: Iterable[Redacted], sep: str = "") -> Redacted:
    items = list(parts)
    for part in items:
        if not isinstance(part, Redacted):
            raise TypeError(f"can only concatenate Redacted values, not {type(part).__name__}")
    if sep:
        from kubectl_prism.redact.detectors import scrub

        sep_text, sep_counts = scrub(sep)
    else:
        sep_text, sep_counts = "", {}
    counts = add_counts(*(p.counts for p in items), *([sep_counts] * max(len(items) - 1, 0)))
    return make(sep_text.join(p.text for p in items), counts)
