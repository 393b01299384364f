"""The one tool loop, with streaming as a flag, and `send`, the single place every AI request goes through.

`send` records each request in the audit log (provider, model, size and SHA-256 of the payload,
redaction counts — never the payload) before handing it to the provider, and its outcome after
(tokens as the provider counted them, cached and uncached; or the error line). `run_loop` alternates model
turns and read-only tool calls until the model answers, bounded by a step budget and a token budget;
when a budget runs out the model is asked for a final answer with tools switched off.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kubectl_prism.ai.providers.base import (
    Completion,
    Instruction,
    Message,
    OnText,
    Provider,
    ToolCall,
    ToolSpec,
)
from kubectl_prism.ai.usage import token_counts
from kubectl_prism.errors import AIError
from kubectl_prism.redact import Redacted

AI_RESPONSE = "ai.response"  # the audit record of a request's outcome (its tokens, or the error)


@dataclass(frozen=True)
class ToolOutput:
    status: str  # "success" | "no_data" | "not_gathered" | "forbidden" | "error"
    content: Redacted


Executor = Callable[[ToolCall], ToolOutput]


@dataclass
class ToolRun:
    name: str
    arguments: dict[str, Any]
    status: str
    chars: int

    def line(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.arguments.items())
        return f"{self.name}({args}) -> {self.status}"


@dataclass
class LoopResult:
    text: str  # the final answer
    tools_called: list[ToolRun] = field(default_factory=list)
    input_tokens: int = 0  # all input tokens, cached or not
    output_tokens: int = 0
    cache_read_tokens: int = 0  # of input_tokens: read from the provider's prompt cache
    cache_write_tokens: int = 0  # of input_tokens: written to it
    requests: int = 0
    stopped: str | None = None  # "max_steps" or "token_budget" when a budget ended the loop
    truncated: bool = False  # the final answer hit max_output_tokens

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens


def wire_payload(messages: Sequence[Message], tools: Sequence[ToolSpec]) -> bytes:
    """A canonical serialization of what a request carries, for the audit hash and size."""
    doc = {
        "messages": [
            {
                "role": m.role,
                "content": m.content,
                "tool_calls": [{"id": c.id, "name": c.name, "arguments": c.arguments} for c in m.tool_calls],
                "tool_call_id": m.tool_call_id,
            }
            for m in messages
        ],
        "tools": [{"name": t.name, "description": t.description, "parameters": t.parameters} for t in tools],
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


def send(
    provider: Provider,
    messages: Sequence[Message],
    tools: Sequence[ToolSpec],
    *,
    stream: bool,
    on_text: OnText | None,
    purpose: str,
    tool_choice: str | None = None,
    cache_prefix: bool = False,
) -> Completion:
    """One request to the provider, recorded in the audit log before it leaves and after it ends."""
    payload = wire_payload(messages, tools)
    redactions: dict[str, int] = {}
    for m in messages:
        for key, value in m.redaction_counts().items():
            redactions[key] = redactions.get(key, 0) + value
    from kubectl_prism import audit

    digest = hashlib.sha256(payload).hexdigest()
    audit.record(
        audit.AI_REQUEST,
        command=purpose,
        provider=provider.name,
        model=provider.model,
        bytes=len(payload),
        sha256=digest,
        redactions=redactions,
    )
    started = time.monotonic()
    outcome: dict[str, Any] = {"command": purpose, "provider": provider.name, "model": provider.model,
                               "sha256": digest}
    try:
        completion = provider.complete(messages, tools, stream=stream, on_text=on_text,
                                       tool_choice=tool_choice, cache_prefix=cache_prefix)
    except AIError as err:
        audit.record(AI_RESPONSE, **outcome, status="error", error=err.line(),
                     duration_ms=round((time.monotonic() - started) * 1000))
        raise
    estimated = False
    if not completion.input_tokens:  # some local servers report no usage: estimate (4 bytes a token)
        completion.input_tokens = len(payload) // 4
        estimated = True
    if not completion.output_tokens:
        size = len(completion.text) + sum(len(json.dumps(c.arguments)) for c in completion.tool_calls)
        completion.output_tokens = size // 4
        estimated = True
    audit.record(
        AI_RESPONSE,
        **outcome,
        status="ok",
        stop_reason=completion.stop_reason,
        duration_ms=round((time.monotonic() - started) * 1000),
        tokens=token_counts(completion),
        estimated=estimated or None,
    )
    return completion


def run_loop(
    provider: Provider,
    messages: Sequence[Message],
    tools: Sequence[ToolSpec],
    *,
    executor: Executor,
    finish: Instruction,
    max_steps: int,
    token_budget: int,
    stream: bool,
    on_text: OnText | None,
    purpose: str,
) -> LoopResult:
    conversation = list(messages)
    result = LoopResult(text="")

    def ask_model(tool_choice: str | None = None) -> Completion:
        completion = send(
            provider,
            conversation,
            tools,
            stream=stream,
            on_text=on_text,
            purpose=purpose,
            tool_choice=tool_choice,
            cache_prefix=True,  # every step extends the same conversation
        )
        result.requests += 1
        result.input_tokens += completion.input_tokens
        result.output_tokens += completion.output_tokens
        result.cache_read_tokens += completion.cache_read_tokens
        result.cache_write_tokens += completion.cache_write_tokens
        result.truncated = completion.truncated
        conversation.append(Message.assistant(completion.text, completion.tool_calls))
        return completion

    for _step in range(max_steps):
        completion = ask_model()
        if not completion.tool_calls:
            result.text = completion.text
            return result
        if on_text and completion.text and not completion.text.endswith("\n"):
            on_text("\n")
        for call in completion.tool_calls:
            output = executor(call)
            result.tools_called.append(ToolRun(call.name, call.arguments, output.status, len(output.content)))
            conversation.append(Message.tool(call.id, output.content, is_error=output.status == "error"))
        if result.tokens >= token_budget:
            result.stopped = "token_budget"
            break
    else:
        result.stopped = "max_steps"
    conversation.append(Message.user(finish))
    result.text = ask_model(tool_choice="none").text
    return result
