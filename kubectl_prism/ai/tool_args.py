"""A tool call's arguments checked and converted against the tool's own JSON schema.

Models send `"10"` for an integer, `"false"` for a boolean, `"Pod"` for `pods`, and now and then
something that means nothing (`tail_lines: "ten"`). Whatever they send, the result is either clean
arguments of the declared types or an `ArgumentError` whose message names the argument, what was
sent and what is accepted, so the model can correct its call. A number outside the declared range is
clamped (and said so in `notes`) rather than refused: the model gets an answer either way.

Supported schema keywords (all the tools use): type (string, integer, number, boolean), enum,
minimum, maximum, required, properties; unknown arguments are an error listing the accepted ones.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

_TRUE = frozenset({"true", "yes", "y", "1", "on"})
_FALSE = frozenset({"false", "no", "n", "0", "off", ""})


class ArgumentError(ValueError):
    """The model's arguments do not fit the tool's schema; the message is written for the model."""


class ToolError(Exception):
    """A problem with the model's call, reported back to it (status "error"); phrased for the model."""


def check_arguments(
    tool: str,
    schema: Mapping[str, Any],
    arguments: Any,
    *,
    aliases: Mapping[str, Callable[[str], str | None]] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """(converted arguments, notes about clamped values) or ArgumentError.

    `aliases` maps an argument name to a function that turns a spelling the model used (`po`,
    `Deployment`) into the enum value, or None when it knows no such spelling.
    """
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, Mapping):
        raise ArgumentError(f"{tool} takes its arguments as a JSON object, not {type(arguments).__name__}")
    properties: Mapping[str, Any] = schema.get("properties") or {}
    unknown = [k for k in arguments if k not in properties]
    if unknown:
        accepted = ", ".join(properties) or "none"
        names = ", ".join(map(repr, unknown))
        raise ArgumentError(f"{tool} has no argument {names}; its arguments are: {accepted}")
    out: dict[str, Any] = {}
    notes: list[str] = []
    for name, value in arguments.items():
        if value is None:
            continue  # JSON null: as if not given
        spec = properties[name]
        convert = (aliases or {}).get(name)
        out[name] = _convert(tool, name, spec, value, notes, convert)
    missing = [k for k in schema.get("required") or [] if out.get(k) in (None, "")]
    if missing:
        raise ArgumentError(f"{tool} needs {', '.join(missing)}: " + "; ".join(
            f"{k} ({_describe(properties[k])})" for k in missing))
    return out, notes


def _describe(spec: Mapping[str, Any]) -> str:
    if spec.get("enum"):
        return "one of " + ", ".join(map(str, spec["enum"]))
    return spec.get("description") or spec.get("type", "a value")


def _convert(tool: str, name: str, spec: Mapping[str, Any], value: Any, notes: list[str],
             alias: Callable[[str], str | None] | None) -> Any:
    kind = spec.get("type", "string")
    where = f"{tool}: argument {name}"
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise ArgumentError(f"{where} must be true or false, got {_show(value)}")
    if kind in ("integer", "number"):
        number = _number(value, integer=kind == "integer")
        if number is None:
            raise ArgumentError(f"{where} must be {'an integer' if kind == 'integer' else 'a number'}, "
                                f"got {_show(value)}")
        low, high = spec.get("minimum"), spec.get("maximum")
        if low is not None and number < low:
            notes.append(f"{name}={number} is below the minimum {low}; used {low}")
            number = low
        if high is not None and number > high:
            notes.append(f"{name}={number} is above the maximum {high}; used {high}")
            number = high
        return number
    # strings
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ArgumentError(f"{where} must be a string, got {_show(value)}")
    text = str(value).strip()
    choices = spec.get("enum")
    if choices:
        if text in choices:
            return text
        mapped = alias(text) if alias else None
        if mapped is None and text.lower() in choices:
            mapped = text.lower()
        if mapped is None or mapped not in choices:
            raise ArgumentError(f"{where}: {_show(value)} is not accepted; use one of {', '.join(choices)}")
        return mapped
    return text


def _number(value: Any, integer: bool) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip()) if value.strip() else None
        except ValueError:
            return None
    if not isinstance(value, int | float) or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if integer:
        if float(value) != int(value):
            return None
        return int(value)
    return value


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
