"""The provider contract: one small interface, one method.

A provider has a `name`, a `model`, the `key_env_var` that fixes a missing key, and `complete(...)`,
which sends one request (streaming or not) and returns a `Completion`. The tool loop (`loop.py`) is
written once on top of it; adding a provider is one small module.

Cluster-derived content reaches a provider only as `Redacted`: `Message` refuses plain `str` for user
and tool content. The only plain text allowed in is our own `Instruction` constants (see prompts.py).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from kubectl_prism.errors import AIError
from kubectl_prism.redact import Redacted

if TYPE_CHECKING:
    from kubectl_prism.ai.config import AISettings

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
    input_tokens: int = 0
    output_tokens: int = 0
    stop_reason: str | None = None


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
    ) -> Completion: ...


class SDKClientHolder:
    """The part every SDK-backed provider shares: settings, and one lazily built SDK client.

    `prewarm` may build the client in a background thread while the cluster is read, hence the lock.
    Subclasses implement `_build_client` (the SDK import lives there) and `complete`.
    """

    def __init__(self, settings: AISettings) -> None:
        if settings.api_key is None:
            raise ValueError("a provider needs a resolved API key")
        self.model = settings.model
        self._settings = settings
        self._client: Any = None
        self._client_lock = threading.Lock()

    def warm(self) -> None:
        """Import the SDK and build the client now (called by `prewarm` off the main thread)."""
        self._sdk_client()

    def _sdk_client(self) -> Any:
        with self._client_lock:
            if self._client is None:
                self._client = self._build_client()
            return self._client

    def _build_client(self) -> Any:
        raise NotImplementedError


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


def is_sdk_error(err: BaseException) -> bool:
    """An error raised by a provider SDK or its HTTP client (as opposed to a bug of ours)."""
    module = type(err).__module__.split(".")[0]
    return module in ("anthropic", "openai", "httpx", "httpx2", "httpcore", "h11")


def provider_error(
    err: BaseException, *, provider: str, model: str, key_env_var: str, login_provider: str | None = None
) -> AIError:
    """One line (exit 4) for any SDK failure. Works for both SDKs: they share the exception names."""
    status = getattr(err, "status_code", None)
    name = type(err).__name__
    login = login_provider or provider
    fix_key = f"run `kubectl prism auth login {login}` or set {key_env_var}"
    if status in (401, 403):
        return AIError(f"{provider} rejected the key (HTTP {status})", hint=fix_key)
    if status == 404:
        return AIError(
            f"{provider}: model {model} not found",
            hint="choose another with `kubectl prism ai enable --model`",
        )
    if status == 429:
        return AIError(
            f"{provider} rate limit reached (HTTP 429) after retries", hint="wait a moment and try again"
        )
    if status == 413:
        return AIError(f"{provider}: request too large", hint="narrow the scope (-n, a TARGET)")
    if isinstance(status, int) and status >= 500:
        return AIError(f"{provider} server error (HTTP {status}) after retries", hint="try again later")
    if isinstance(status, int):
        return AIError(f"{provider} refused the request (HTTP {status}): {_short(err)}")
    if "Timeout" in name:
        return AIError(
            f"{provider} did not answer in time", hint="try again, or raise `timeout` in the [ai] config"
        )
    if "Connection" in name:
        return AIError(f"cannot reach {provider}: {_short(err)}", hint="check the network or the base URL")
    return AIError(f"{provider} request failed: {name}: {_short(err)}")


def _short(err: BaseException) -> str:
    # Provider error bodies can echo parts of the request (or a masked key): redact before showing.
    from kubectl_prism.redact import redact_text

    return redact_text(" ".join(str(err).split())[:200]).text
