"""Label selectors written the way kubectl takes them (`-l`), parsed and matched as the API server does.

Grammar (k8s.io/apimachinery `labels.Parse`): requirements separated by commas, each one of
`key`, `!key`, `key=value`, `key==value`, `key!=value`, `key in (v1,v2)`, `key notin (v1,v2)`,
`key>N`, `key<N`. `!=` and `notin` also match objects that do not carry the key. Anything else is a
`SelectorError` naming the part that does not parse, never a silent misreading.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_NAME = r"[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
_KEY = rf"(?:[a-z0-9](?:[-a-z0-9.]{{0,251}}[a-z0-9])?/)?{_NAME}"
_VALUE = rf"(?:{_NAME})?"
_SET = re.compile(rf"^({_KEY})\s+(in|notin)\s*\(\s*([^()]*?)\s*\)$")
_EQ = re.compile(rf"^({_KEY})\s*(==|=|!=)\s*({_VALUE})$")
_CMP = re.compile(rf"^({_KEY})\s*([<>])\s*(-?\d+)$")
_EXISTS = re.compile(rf"^(!?)\s*({_KEY})$")
_VALUE_ONLY = re.compile(rf"^{_VALUE}$")


class SelectorError(ValueError):
    """A selector that kubectl and the API server would reject."""


@dataclass(frozen=True)
class Requirement:
    key: str
    op: str  # "=", "!=", "in", "notin", "exists", "!", "<", ">"
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        has = self.key in labels
        value = labels.get(self.key)
        if self.op == "exists":
            return has
        if self.op == "!":
            return not has
        if self.op in ("=", "in"):
            return has and value in self.values
        if self.op in ("!=", "notin"):
            return not has or value not in self.values
        try:  # "<" / ">": the label must hold an integer
            number = int(str(value))
        except ValueError:
            return False
        limit = int(self.values[0])
        return number < limit if self.op == "<" else number > limit


@dataclass(frozen=True)
class Selector:
    requirements: tuple[Requirement, ...]

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        labels = labels or {}
        return all(r.matches(labels) for r in self.requirements)

    def __bool__(self) -> bool:
        return bool(self.requirements)


def _split(text: str) -> list[str]:
    """Split on commas outside parentheses (`a in (x,y),b=c`)."""
    parts, depth, current = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise SelectorError("unbalanced ')'")
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    if depth:
        raise SelectorError("unbalanced '('")
    parts.append("".join(current))
    return [p.strip() for p in parts]


def _requirement(part: str) -> Requirement:
    if m := _SET.match(part):
        values = tuple(v.strip() for v in m.group(3).split(",")) if m.group(3) else ()
        if not values or any(not _VALUE_ONLY.match(v) for v in values):
            raise SelectorError(f"{part!r}: `{m.group(2)}` needs a list of label values like (a,b)")
        return Requirement(m.group(1), m.group(2), values)
    if m := _EQ.match(part):
        return Requirement(m.group(1), "!=" if m.group(2) == "!=" else "=", (m.group(3),))
    if m := _CMP.match(part):
        return Requirement(m.group(1), m.group(2), (m.group(3),))
    if m := _EXISTS.match(part):
        return Requirement(m.group(2), "!" if m.group(1) else "exists")
    raise SelectorError(
        f"{part!r} is not a label requirement; use key=value, key!=value, key in (a,b), "
        "key notin (a,b), key or !key"
    )


def parse_selector(text: str | None) -> Selector:
    """Parse a kubectl label selector; an empty or missing one selects everything."""
    if text is None or not text.strip():
        return Selector(())
    parts = _split(text)
    if any(not p for p in parts):
        raise SelectorError(f"{text!r} has an empty requirement (two commas, or one at an end)")
    return Selector(tuple(_requirement(p) for p in parts))
