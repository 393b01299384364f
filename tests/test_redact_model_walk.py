"""The walk of result models before output (`scrub_model`): every kind of value prism prints is copied
with its strings redacted, whatever way its class keeps its state, and the original is left as it was."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from kubectl_prism.findings import ObjectRef, Severity
from kubectl_prism.redact.walk import scrub_model
from kubectl_prism.snapshot import MAX_NESTING, NESTING_CUT

TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"  # a GitHub token: the detectors replace it


@dataclass
class Plain:
    note: str
    password: str = "hunter2-is-not-benign"
    refs: list[ObjectRef] = field(default_factory=list)


@dataclass(frozen=True)
class Frozen:
    note: str
    severity: Severity = Severity.WARNING


@dataclass(slots=True)
class Slotted:
    note: str
    count: int = 3


@dataclass
class CopiesItsOwnWay:
    note: str
    copies: list[str] = field(default_factory=list)

    def __copy__(self) -> CopiesItsOwnWay:
        self.copies.append("copied")
        return CopiesItsOwnWay(self.note, self.copies)


class Shade(str):
    """A str subclass that is no Enum: printed as the text it is."""


class Colour(StrEnum):
    RED = "red"


def _clean(value: Any) -> Any:
    clean, _counts = scrub_model(value)
    return clean


def test_a_plain_dataclass_is_copied_with_its_strings_redacted_and_extra_attributes_kept() -> None:
    value = Plain(f"token {TOKEN}", refs=[ObjectRef("Pod", f"api-{TOKEN}", "shop")])
    value.extra = "kept"  # type: ignore[attr-defined]  # not a field: a copy carries it along
    before = copy.deepcopy(value)
    clean = _clean(value)
    assert type(clean) is Plain and clean is not value
    assert TOKEN not in repr(clean) and "[REDACTED" in clean.note and "[REDACTED" in clean.password
    assert type(clean.refs[0]) is ObjectRef and TOKEN not in clean.refs[0].name
    assert clean.extra == "kept"  # type: ignore[attr-defined]
    assert value == before and value.extra == "kept"  # type: ignore[attr-defined]


def test_frozen_slotted_and_self_copying_dataclasses_are_walked_too() -> None:
    frozen, slotted = _clean(Frozen(TOKEN)), _clean(Slotted(TOKEN))
    assert type(frozen) is Frozen and TOKEN not in frozen.note and frozen.severity is Severity.WARNING
    assert type(slotted) is Slotted and TOKEN not in slotted.note and slotted.count == 3
    own = CopiesItsOwnWay(TOKEN)
    clean = _clean(own)
    assert own.copies == ["copied"] and TOKEN not in clean.note  # its own __copy__ was used
    assert own.note == TOKEN


def test_scalars_enums_sequences_and_str_subclasses() -> None:
    clean = _clean({"shade": Shade(TOKEN), "colour": Colour.RED, "pair": (TOKEN, 1), "n": 2, "ok": True,
                    "none": None, "apiKey": "sk-live-abcdefabcdefabcdef"})
    assert TOKEN not in str(clean["shade"]) and clean["colour"] is Colour.RED
    assert clean["pair"][1] == 1 and TOKEN not in clean["pair"][0] and isinstance(clean["pair"], list)
    assert (clean["n"], clean["ok"], clean["none"]) == (2, True, None)
    assert clean["apiKey"].startswith("[REDACTED")


def test_nesting_past_the_limit_is_cut_for_lists_and_mappings_alike() -> None:
    deep_list: Any = TOKEN
    deep_dict: Any = TOKEN
    for _ in range(MAX_NESTING + 5):
        deep_list, deep_dict = [deep_list], {"k": deep_dict}
    flat_list, flat_dict = repr(_clean(deep_list)), repr(_clean(deep_dict))
    assert TOKEN not in flat_list and TOKEN not in flat_dict
    assert repr(NESTING_CUT) in flat_list and repr(NESTING_CUT) in flat_dict
