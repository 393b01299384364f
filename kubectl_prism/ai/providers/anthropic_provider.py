"""Anthropic Messages API through the `anthropic` SDK: tool use, streaming over SSE."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kubectl_prism.ai.providers.base import (
    Completion,
    Message,
    OnText,
    SDKClientHolder,
    ToolCall,
    ToolSpec,
    is_sdk_error,
    parse_arguments,
    provider_error,
)


class AnthropicProvider(SDKClientHolder):
    name = "anthropic"
    key_env_var = "ANTHROPIC_API_KEY"

    def _build_client(self) -> Any:
        import anthropic

        s = self._settings
        return anthropic.Anthropic(
            api_key=s.api_key.value if s.api_key else None,
            base_url=s.base_url,
            timeout=anthropic.Timeout(s.timeout, connect=min(s.timeout, 10.0)),
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
    ) -> Completion:
        system, wire = to_wire(messages)
        kwargs: dict[str, Any] = {
            "model": self.model,
            "max_tokens": self._settings.max_output_tokens,
            "messages": wire,
        }
        if system:
            kwargs["system"] = system
        if tools:
            kwargs["tools"] = [
                {"name": t.name, "description": t.description, "input_schema": t.parameters} for t in tools
            ]
            if tool_choice == "none":
                kwargs["tool_choice"] = {"type": "none"}
            elif tool_choice and tool_choice != "auto":
                kwargs["tool_choice"] = {"type": "tool", "name": tool_choice}
        try:
            client = self._sdk_client()
            if stream:
                return self._stream(client, kwargs, on_text)
            return _from_message(client.messages.create(**kwargs))
        except Exception as err:
            if is_sdk_error(err):
                raise provider_error(
                    err, provider=self.name, model=self.model, key_env_var=self.key_env_var
                ) from err
            raise

    def _stream(self, client: Any, kwargs: dict[str, Any], on_text: OnText | None) -> Completion:
        out = Completion()
        blocks: dict[int, dict[str, Any]] = {}
        events = client.messages.create(**kwargs, stream=True)
        try:
            for event in events:
                kind = event.type
                if kind == "message_start":
                    out.input_tokens = event.message.usage.input_tokens or 0
                    out.output_tokens = event.message.usage.output_tokens or 0
                elif kind == "content_block_start":
                    block = event.content_block
                    if block.type == "tool_use":
                        blocks[event.index] = {"id": block.id, "name": block.name, "json": []}
                    elif block.type == "text" and block.text:
                        out.text += block.text
                        if on_text:
                            on_text(block.text)
                elif kind == "content_block_delta":
                    delta = event.delta
                    if delta.type == "text_delta":
                        out.text += delta.text
                        if on_text:
                            on_text(delta.text)
                    elif delta.type == "input_json_delta" and event.index in blocks:
                        blocks[event.index]["json"].append(delta.partial_json)
                elif kind == "message_delta":
                    out.stop_reason = event.delta.stop_reason
                    if event.usage is not None and event.usage.output_tokens is not None:
                        out.output_tokens = event.usage.output_tokens
        finally:
            events.close()
        for index in sorted(blocks):
            b = blocks[index]
            out.tool_calls.append(ToolCall(b["id"], b["name"], parse_arguments("".join(b["json"]))))
        return out


def _from_message(message: Any) -> Completion:
    out = Completion(
        stop_reason=message.stop_reason,
        input_tokens=message.usage.input_tokens or 0,
        output_tokens=message.usage.output_tokens or 0,
    )
    for block in message.content:
        if block.type == "text":
            out.text += block.text
        elif block.type == "tool_use":
            out.tool_calls.append(ToolCall(block.id, block.name, parse_arguments(block.input)))
    return out


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
