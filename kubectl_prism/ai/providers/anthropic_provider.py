"""Anthropic Messages API through the `anthropic` SDK: tool use, streaming over SSE."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from kubectl_prism.ai.providers.answer import (
    AnswerBuilder,
    field,
    malformed,
    string,
)
from kubectl_prism.ai.providers.base import Completion, Message, OnText, ToolSpec
from kubectl_prism.ai.providers.bounded import Deadline
from kubectl_prism.ai.providers.prompt_cache import mark_breakpoints
from kubectl_prism.ai.providers.sdk import CONNECT_TIMEOUT, SDKClientHolder

# Models that answer 400 "`temperature` is deprecated for this model". Any other model that does is
# sent the request again without it (and not sent one again).
_NO_TEMPERATURE = re.compile(r"opus-4-[7-9]")


class AnthropicProvider(SDKClientHolder):
    name = "anthropic"
    key_env_var = "ANTHROPIC_API_KEY"

    def _model_takes_temperature(self) -> bool:
        return not _NO_TEMPERATURE.search(self.model)

    def _build_client(self) -> Any:
        import anthropic

        s = self._settings
        return anthropic.Anthropic(
            api_key=s.api_key.value if s.api_key else None,
            base_url=s.base_url,
            timeout=anthropic.Timeout(s.timeout, connect=min(s.timeout, CONNECT_TIMEOUT)),
            max_retries=s.max_retries,
        )

    def complete(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSpec],
        *,
        stream: bool,
        on_text: OnText | None = None,
        tool_choice: str | None = None,
        cache_prefix: bool = False,
    ) -> Completion:
        return self._send(self.request(messages, tools, tool_choice, cache_prefix), stream=stream,
                          on_text=on_text)

    def request(self, messages: Sequence[Message], tools: Sequence[ToolSpec], tool_choice: str | None = None,
                cache_prefix: bool = False) -> dict[str, Any]:
        """The Messages API request body (without `stream`)."""
        system, wire = to_wire(messages)
        kwargs: dict[str, Any] = {
            "model": self.model,
            "max_tokens": self._settings.max_output_tokens,
            "messages": wire,
        }
        if self.sends_temperature:
            kwargs["temperature"] = self._settings.temperature
        if system:
            kwargs["system"] = [{"type": "text", "text": system}]
        if tools:
            kwargs["tools"] = [
                {"name": t.name, "description": t.description, "input_schema": t.parameters} for t in tools
            ]
            if tool_choice == "none":
                kwargs["tool_choice"] = {"type": "none"}
            elif tool_choice and tool_choice != "auto":
                kwargs["tool_choice"] = {"type": "tool", "name": tool_choice}
        if self._settings.prompt_cache:
            mark_breakpoints(kwargs, model=self.model, conversation=cache_prefix)
        return kwargs

    def _read_json(self, client: Any, kwargs: dict[str, Any], deadline: Deadline) -> Completion:
        create = client.messages.with_streaming_response.create
        message = self._json_answer(lambda: create(**_sdk_arguments(kwargs)), deadline)
        answer = AnswerBuilder(self.name, self.answer_limit)
        _take_usage(answer, message.get("usage"))
        answer.stop_reason = string(message.get("stop_reason"))
        content = message.get("content")
        if not isinstance(content, list):
            raise malformed(self.name, "a message without a content list")
        for index, block in enumerate(content):
            kind = field(block, "type")
            if kind == "text":
                answer.text(field(block, "text"))
            elif kind == "tool_use":
                answer.tool_call(index, field(block, "id"), field(block, "name"))
                arguments = field(block, "input")
                answer.tool_arguments(index, json.dumps(arguments) if isinstance(arguments, dict) else "")
        return answer.completion(require_stop=False)  # a whole JSON body is a whole answer

    def _read_stream(self, client: Any, kwargs: dict[str, Any], on_text: OnText | None,
                     deadline: Deadline) -> Completion:
        answer = AnswerBuilder(self.name, self.answer_limit)
        tool_blocks: set[int] = set()
        arguments = _sdk_arguments(kwargs)
        for event in self._stream_events(lambda: client.messages.create(**arguments, stream=True), deadline):
            kind = field(event, "type")
            if kind == "message_start":
                _take_usage(answer, field(field(event, "message"), "usage"))
            elif kind == "content_block_start":
                index, block = _index(event, self.name), field(event, "content_block")
                if field(block, "type") == "tool_use":
                    tool_blocks.add(index)
                    answer.tool_call(index, field(block, "id"), field(block, "name"))
                elif field(block, "type") == "text" and field(block, "text"):
                    _emit(answer.text(field(block, "text")), on_text)
            elif kind == "content_block_delta":
                delta = field(event, "delta")
                if field(delta, "type") == "text_delta":
                    _emit(answer.text(field(delta, "text")), on_text)
                elif field(delta, "type") == "input_json_delta":
                    index = _index(event, self.name)
                    if index in tool_blocks:
                        answer.tool_arguments(index, field(delta, "partial_json"))
            elif kind == "message_delta":
                answer.stop_reason = string(field(field(event, "delta"), "stop_reason")) or answer.stop_reason
                _take_usage(answer, field(event, "usage"))
        return answer.completion()


def _sdk_arguments(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The anthropic SDK (1.x and later) no longer takes `temperature` as an argument; the API still
    does for most models, so it travels in `extra_body`, which the SDK merges into the JSON as is."""
    if "temperature" not in kwargs:
        return kwargs
    out = dict(kwargs)
    out["extra_body"] = {**out.get("extra_body", {}), "temperature": out.pop("temperature")}
    return out


def _emit(piece: str, on_text: OnText | None) -> None:
    if on_text is not None and piece:
        on_text(piece)


def _index(event: Any, provider: str) -> int:
    index = field(event, "index")
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise malformed(provider, "a content block event without a valid index")
    return index


def _take_usage(answer: AnswerBuilder, usage: Any) -> None:
    """Anthropic's `input_tokens` counts only what was neither read from nor written to the cache."""
    if usage is None:
        return
    answer.usage(output=field(usage, "output_tokens"), cache_read=field(usage, "cache_read_input_tokens"),
                 cache_write=field(usage, "cache_creation_input_tokens"))
    uncached = field(usage, "input_tokens")
    if isinstance(uncached, int) and uncached >= 0:
        answer.usage(input=uncached + answer.cache_read_tokens + answer.cache_write_tokens)


def to_wire(messages: Sequence[Message]) -> tuple[str, list[dict[str, Any]]]:
    """Our messages as Anthropic's `system` + `messages`: tool results travel in user turns, and
    consecutive user turns are merged (the API wants user and assistant to alternate)."""
    system_parts: list[str] = []
    wire: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "system":
            system_parts.append(m.content)
            continue
        if m.role == "assistant":
            blocks: list[dict[str, Any]] = [{"type": "text", "text": m.text}] if m.text else []
            blocks += [
                {"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments} for c in m.tool_calls
            ]
            wire.append({"role": "assistant", "content": blocks or [{"type": "text", "text": "(no answer)"}]})
            continue
        if m.role == "tool":
            block: dict[str, Any] = {
                "type": "tool_result",
                "tool_use_id": m.tool_call_id,
                "content": m.content,
            }
            if m.is_error:
                block["is_error"] = True
        else:
            block = {"type": "text", "text": m.content}
        if wire and wire[-1]["role"] == "user":
            wire[-1]["content"].append(block)
        else:
            wire.append({"role": "user", "content": [block]})
    return "\n\n".join(system_parts), wire
