"""The provider contract: one small interface, one method.

A provider has a `name`, a `model`, the `key_env_var` that fixes a missing key, and `complete(...)`,
which sends one request (streaming or not) and returns a `Completion`. The tool loop (`loop.py`) is
written once on top of it; adding a provider is one small module.

Cluster-derived content reaches a provider only as `Redacted`: `Message` refuses plain `str` for user
and tool content. The only plain text allowed in is our own `Instruction` constants (see prompts.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from kubectl_prism.redact import Redacted

Role = Literal["system", "user", "assistant", "tool"]
OnText = Callable[[str], None]


@dataclass(frozen=True)
class Instruction:
    """Text we wrote ourselves (system prompts, fixed nudges). Defined as constants in prompts.py only."""

    text: str


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    parameters: dict[str, Any]  # JSON schema of the arguments (an object)


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: dict[str, Any]


Part = Redacted | Instruction


@dataclass(frozen=True)
class Message:
    """One turn. Build with Message.system / .user / .assistant / .tool, which check the types."""

    role: Role
    parts: tuple[Part, ...] = ()  # system/user/tool content
    text: str = ""  # assistant text (the model's own words, sent back as is)
    tool_calls: tuple[ToolCall, ...] = ()  # assistant
    tool_call_id: str | None = None  # tool
    is_error: bool = False  # tool

    def __post_init__(self) -> None:
        if self.role == "system":
            if not all(isinstance(p, Instruction) for p in self.parts):
                raise TypeError("a system message takes Instruction constants only")
        elif self.role in ("user", "tool"):
            for part in self.parts:
                if not isinstance(part, Redacted | Instruction):
                    raise TypeError(
                        f"{self.role} content must be Redacted (use kubectl_prism.redact), "
                        f"not {type(part).__name__}"
                    )
            if self.role == "tool" and not self.tool_call_id:
                raise ValueError("a tool message needs the id of the call it answers")
        elif self.parts:
            raise TypeError("assistant messages carry text and tool_calls, not parts")

    @classmethod
    def system(cls, *parts: Instruction) -> Message:
        return cls("system", parts=parts)

    @classmethod
    def user(cls, *parts: Part) -> Message:
        return cls("user", parts=parts)

    @classmethod
    def assistant(cls, text: str, tool_calls: Sequence[ToolCall] = ()) -> Message:
        return cls("assistant", text=text, tool_calls=tuple(tool_calls))

    @classmethod
    def tool(cls, call_id: str, content: Redacted, *, is_error: bool = False) -> Message:
        return cls("tool", parts=(content,), tool_call_id=call_id, is_error=is_error)

    @property
    def content(self) -> str:
        """The text as it goes on the wire."""
        if self.role == "assistant":
            return self.text
        return "\n\n".join(p.text for p in self.parts)

    def redaction_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for part in self.parts:
            if isinstance(part, Redacted):
                for key, value in part.counts.items():
                    counts[key] = counts.get(key, 0) + value
        return counts


@dataclass
class Completion:
    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    input_tokens: int = 0  # every input token of the request, cached or not
    output_tokens: int = 0
    cache_read_tokens: int = 0  # of input_tokens: read from the provider's prompt cache (billed ~0.1x)
    cache_write_tokens: int = 0  # of input_tokens: written to it (Anthropic bills these 1.25x)
    stop_reason: str | None = None

    @property
    def truncated(self) -> bool:
        """The output token limit cut the answer (Anthropic `max_tokens`, OpenAI `length`)."""
        return self.stop_reason in ("max_tokens", "length")


class Provider(Protocol):
    name: str
    model: str
    key_env_var: str

    def complete(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSpec],
        *,
        stream: bool,
        on_text: OnText | None = None,
        tool_choice: str | None = None,  # None/"auto", "none", or the name of a tool to force
        cache_prefix: bool = False,  # more requests will extend this conversation: cache its prefix
    ) -> Completion: ...


def parse_arguments(raw: str | dict[str, Any] | None) -> dict[str, Any]:
    """Tool arguments as a dict; malformed JSON from the model becomes an empty dict, not a crash."""
    if isinstance(raw, dict):
        return raw
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
