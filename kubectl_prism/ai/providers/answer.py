"""Collecting one provider answer: linear in its size, capped, and checked to be complete.

Both providers build their `Completion` through `AnswerBuilder`: streamed pieces go into lists and are
joined once (appending to a growing string is quadratic: a 6.5 MB answer took 13.6 s), the total is
capped, and an answer is only returned when the provider said it finished. What a provider sends
that cannot be an answer (a proxy's HTML page, broken JSON, a stream cut off mid-answer) becomes an
AIError, exit 4, like any other provider failure.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from kubectl_prism.ai.providers.base import Completion, ToolCall, parse_arguments
from kubectl_prism.errors import AIError

# An answer may hold this many characters per output token the request allowed (tokens average about
# four characters; runs of spaces or symbols can be longer). Anything beyond is not an answer.
CHARS_PER_TOKEN = 32
MIN_ANSWER_CHARS = 65_536
# A JSON body may spend up to this many bytes per answer character (\\uXXXX escapes, field names).
BODY_BYTES_PER_CHAR = 8
BODY_OVERHEAD = 65_536

# Stop reasons that mean "the model finished" vs "the output token limit cut it".
TRUNCATED = frozenset({"max_tokens", "length"})


def answer_limit(max_output_tokens: int) -> int:
    """Most characters (text plus tool arguments) one answer may have."""
    return max(MIN_ANSWER_CHARS, CHARS_PER_TOKEN * max_output_tokens)


def malformed(provider: str, what: str) -> AIError:
    return AIError(
        f"{provider} sent an answer prism cannot read: {what}",
        hint="check base_url and any proxy in between, then try again",
    )


def too_large(provider: str, limit: int) -> AIError:
    return AIError(
        f"{provider} sent more than {limit:,} characters, far beyond max_output_tokens; stopped reading",
        hint="check base_url: is that server a well-behaved model endpoint?",
    )


class AnswerBuilder:
    """One answer as it arrives: text pieces, tool calls by index, usage, and the stop reason."""

    def __init__(self, provider: str, limit: int) -> None:
        self.provider = provider
        self.limit = limit
        self.stop_reason: str | None = None
        self.input_tokens = 0
        self.output_tokens = 0
        self.cache_read_tokens = 0
        self.cache_write_tokens = 0
        self._text: list[str] = []
        self._calls: dict[int, dict[str, Any]] = {}
        self._size = 0

    def _count(self, piece: str) -> None:
        self._size += len(piece)
        if self._size > self.limit:
            raise too_large(self.provider, self.limit)

    def text(self, piece: Any) -> str:
        """Add a text piece; returns it (checked to be a string) for streaming on."""
        if not isinstance(piece, str):
            raise malformed(self.provider, f"a text piece of type {type(piece).__name__}")
        self._count(piece)
        self._text.append(piece)
        return piece

    def tool_call(self, index: int, call_id: Any = None, name: Any = None) -> None:
        """Start a tool call (or add its id or name when they come in later chunks)."""
        slot = self._calls.setdefault(index, {"id": "", "name": "", "args": []})
        if call_id:
            slot["id"] = str(call_id)
        if name:
            slot["name"] = str(name)

    def tool_arguments(self, index: int, piece: Any) -> None:
        if index not in self._calls:
            raise malformed(self.provider, "tool arguments for a tool call that never started")
        if not isinstance(piece, str):
            raise malformed(self.provider, f"tool arguments of type {type(piece).__name__}")
        self._count(piece)
        self._calls[index]["args"].append(piece)

    def usage(
        self, *, input: Any = None, output: Any = None, cache_read: Any = None, cache_write: Any = None
    ) -> None:
        """Record token counts as reported; a missing or odd value leaves the previous one."""
        for attr, value in (
            ("input_tokens", input),
            ("output_tokens", output),
            ("cache_read_tokens", cache_read),
            ("cache_write_tokens", cache_write),
        ):
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                setattr(self, attr, value)

    def completion(self, *, require_stop: bool = True) -> Completion:
        """The finished answer. A streamed answer without a stop reason was cut off: that is an error,
        not a shorter answer (what was streamed so far is already on the terminal, marked by it)."""
        if require_stop and not self.stop_reason:
            raise AIError(
                f"{self.provider}'s answer was cut off before it finished (the stream ended without a "
                "stop reason); what was shown is incomplete",
                hint="try again",
            )
        out = Completion(
            text="".join(self._text),
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            cache_read_tokens=self.cache_read_tokens,
            cache_write_tokens=self.cache_write_tokens,
            stop_reason=self.stop_reason,
        )
        for index in sorted(self._calls):
            call = self._calls[index]
            if not call["name"]:
                raise malformed(self.provider, "a tool call without a name")
            out.tool_calls.append(
                ToolCall(call["id"] or f"call_{index}", call["name"], parse_arguments("".join(call["args"])))
            )
        return out


def field(value: Any, name: str) -> Any:
    """A field of an SDK object or of a decoded JSON dict; None when absent (never AttributeError)."""
    if isinstance(value, dict):
        return value.get(name)
    return getattr(value, name, None)


def string(value: Any) -> str | None:
    """A non-empty string, or None for anything else."""
    return value if isinstance(value, str) and value else None


def read_json_body(chunks: Iterable[bytes], content_type: str | None, provider: str, limit: int) -> Any:
    """A non-streamed answer's body: read at most `limit` bytes, and it must be a JSON object."""
    parts: list[bytes] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise too_large(provider, limit // BODY_BYTES_PER_CHAR)
        parts.append(chunk)
    body = b"".join(parts)
    try:
        data = json.loads(body)
    except ValueError:
        kind = (content_type or "no content type").split(";")[0].strip()
        raise malformed(provider, f"a {len(body):,}-byte {kind} body that is not JSON") from None
    if not isinstance(data, dict):
        raise malformed(provider, f"a JSON {type(data).__name__} where an object belongs")
    return data


def event_stream_check(content_type: str | None, provider: str) -> None:
    """A streamed request must get an event stream back (not, say, a proxy's login page)."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind and kind != "text/event-stream":  # untyped: the parse finds events, or the end check fails
        raise malformed(provider, f"a {kind} body where an event stream belongs")
