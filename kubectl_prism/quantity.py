"""Kubernetes resource quantities (`250m`, `1.5`, `128Mi`, `1G`, `1e9`) as numbers."""

from __future__ import annotations

import functools
import re

_SUFFIX = {
    "": 1,
    "n": 1e-9,
    "u": 1e-6,
    "m": 1e-3,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "P": 1e15,
    "E": 1e18,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "Pi": 2**50,
    "Ei": 2**60,
}
_QUANTITY = re.compile(r"^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$")


def parse_quantity(value: object) -> float | None:
    """The quantity as a plain number (CPU in cores, memory in bytes); None when absent or invalid."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    return _parse_text(str(value))


@functools.lru_cache(maxsize=1024)
def _parse_text(value: str) -> float | None:
    # Cached: a cluster uses a handful of distinct quantities, read once per pod and resource.
    match = _QUANTITY.match(value.strip())
    if not match:
        return None
    return float(match.group(1)) * _SUFFIX[match.group(2) or ""]


def format_cpu(cores: float) -> str:
    return f"{cores:.2f}".rstrip("0").rstrip(".") if cores >= 1 else f"{round(cores * 1000)}m"


def format_bytes(value: float) -> str:
    for unit, size in (("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)):
        if value >= size:
            return f"{value / size:.1f}".rstrip("0").rstrip(".") + unit
    return f"{int(value)}"
