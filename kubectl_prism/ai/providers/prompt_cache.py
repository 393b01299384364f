"""Anthropic prompt caching: where to put `cache_control` breakpoints in a Messages request.

Anthropic caches the prefix of a request (tools, then system, then messages) up to each block marked
`cache_control: ephemeral`, for five minutes. A later request with the same prefix reads it at about a
tenth of the input price; writing it costs 1.25x. Without markers, an eight-step `ask` pays full price
for its whole conversation on every step. The rules this follows (Anthropic's limits):
- at most 4 breakpoints per request (we use up to 3);
- a prefix shorter than the model's minimum (1,024 to 4,096 tokens) is not cached: no marker there;
- a breakpoint finds earlier cache entries only within 20 blocks before it, so the end of the previous
  request is marked again explicitly instead of relying on that lookback.

Breakpoints:
1. the system prompt: tools and system together, the same for every request of a command and across
   runs within five minutes;
2. in a tool loop (`cache_prefix`), the end of the previous request's conversation: read back;
3. in a tool loop, the end of this request's conversation: written for the next step.
A single request with no follow-up (an explain) marks only the first: writing its context would cost
25% more and never be read.
"""

from __future__ import annotations

import json
import re
from typing import Any

EPHEMERAL = {"type": "ephemeral"}
MAX_BREAKPOINTS = 4

# Minimum cacheable prompt length by model family (Anthropic's prompt caching documentation); any
# other Claude model: 1,024. A marker below the minimum is harmless (nothing is cached), only useless.
_MINIMUMS = (
    (re.compile(r"opus-4-[5-9]|haiku-4-5"), 4096),
    (re.compile(r"sonnet-4-[6-9]|haiku-3|3-haiku|3-5-haiku"), 2048),
)
DEFAULT_MINIMUM = 1024


def minimum_cacheable_tokens(model: str) -> int:
    name = model.lower()
    for pattern, minimum in _MINIMUMS:
        if pattern.search(name):
            return minimum
    return DEFAULT_MINIMUM


def _tokens(value: Any) -> int:
    """Bytes / 4: only to skip prefixes that are clearly under the minimum."""
    return len(json.dumps(value, ensure_ascii=False)) // 4


def mark_breakpoints(request: dict[str, Any], *, model: str, conversation: bool) -> int:
    """Add `cache_control` to the request's blocks in place; returns how many breakpoints were set."""
    minimum = minimum_cacheable_tokens(model)
    tools: list[dict[str, Any]] = request.get("tools") or []
    system: list[dict[str, Any]] = request.get("system") or []
    messages: list[dict[str, Any]] = request.get("messages") or []
    prefix = _tokens(tools) + _tokens(system)
    marks = 0
    head = system[-1] if system else (tools[-1] if tools else None)
    if head is not None and prefix >= minimum:
        head["cache_control"] = dict(EPHEMERAL)
        marks += 1
    if not conversation or not messages:
        return marks
    ends: list[int] = []  # tokens of the prefix up to the end of each message
    for message in messages:
        prefix += _tokens(message)
        ends.append(prefix)
    last = len(messages) - 1
    targets = [_previous_tail(messages), last]
    for index in sorted({i for i in targets if i is not None}):
        if ends[index] >= minimum and marks < MAX_BREAKPOINTS and messages[index]["content"]:
            messages[index]["content"][-1]["cache_control"] = dict(EPHEMERAL)
            marks += 1
    return marks


def _previous_tail(messages: list[dict[str, Any]]) -> int | None:
    """Where the previous request of a tool loop ended: the user turn before the last assistant turn."""
    for index in range(len(messages) - 1, 0, -1):
        if messages[index]["role"] == "assistant":
            return index - 1 if messages[index - 1]["role"] == "user" else None
    return None
