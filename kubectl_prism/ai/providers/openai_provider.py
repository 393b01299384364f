"""OpenAI chat.completions through the `openai` SDK, for OpenAI, Azure OpenAI and compatible servers.

- openai: always sent to OpenAI's own URL (an `OPENAI_BASE_URL` in the environment cannot redirect a
  stored OpenAI key elsewhere).
- azure-openai: `AzureOpenAI` with endpoint, deployment and api-version; the key goes in `api-key`.
- openai-compatible (Ollama, vLLM, LM Studio, ...): the configured base URL, with its own key or a
  placeholder — never the OpenAI key. Optional request fields that some servers reject are left out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from kubectl_prism.ai.config import AISettings
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

OPENAI_BASE_URL = "https://api.openai.com/v1"


class OpenAIProvider(SDKClientHolder):
    def __init__(self, settings: AISettings) -> None:
        super().__init__(settings)
        self.name = settings.provider
        self.key_env_var = settings.key_env_var

    def _build_client(self) -> Any:
        import openai

        s = self._settings
        common: dict[str, Any] = {
            "api_key": s.api_key.value if s.api_key else None,
            "timeout": openai.Timeout(s.timeout, connect=min(s.timeout, 10.0)),
            "max_retries": s.max_retries,
        }
        if s.provider == "azure-openai":
            return openai.AzureOpenAI(
                azure_endpoint=s.azure_endpoint or "",
                azure_deployment=s.azure_deployment,
                api_version=s.api_version,
                **common,
            )
        base_url = s.base_url if s.provider == "openai-compatible" else (s.base_url or OPENAI_BASE_URL)
        return openai.OpenAI(base_url=base_url, **common)

    def complete(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSpec],
        *,
        stream: bool,
        on_text: OnText | None = None,
        tool_choice: str | None = None,
    ) -> Completion:
        compatible = self.name == "openai-compatible"
        kwargs: dict[str, Any] = {"model": self.model, "messages": to_wire(messages)}
        # OpenAI's newer models take max_completion_tokens; many local servers know only max_tokens.
        kwargs["max_tokens" if compatible else "max_completion_tokens"] = self._settings.max_output_tokens
        if tools:
            kwargs["tools"] = [
                {
                    "type": "function",
                    "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
                }
                for t in tools
            ]
            if tool_choice == "none":
                kwargs["tool_choice"] = "none"
            elif tool_choice and tool_choice != "auto":
                kwargs["tool_choice"] = {"type": "function", "function": {"name": tool_choice}}
        try:
            client = self._sdk_client()
            if stream:
                if not compatible:
                    kwargs["stream_options"] = {"include_usage": True}
                return self._stream(client, kwargs, on_text)
            return _from_response(client.chat.completions.create(**kwargs))
        except Exception as err:
            if is_sdk_error(err):
                raise provider_error(
                    err, provider=self.name, model=self.model, key_env_var=self.key_env_var
                ) from err
            raise

    def _stream(self, client: Any, kwargs: dict[str, Any], on_text: OnText | None) -> Completion:
        out = Completion()
        calls: dict[int, dict[str, Any]] = {}
        chunks = client.chat.completions.create(**kwargs, stream=True)
        try:
            for chunk in chunks:
                if chunk.usage is not None:
                    out.input_tokens = chunk.usage.prompt_tokens or 0
                    out.output_tokens = chunk.usage.completion_tokens or 0
                for choice in chunk.choices or ():
                    delta = choice.delta
                    if delta is not None and delta.content:
                        out.text += delta.content
                        if on_text:
                            on_text(delta.content)
                    for tc in (delta.tool_calls if delta is not None else None) or ():
                        slot = calls.setdefault(tc.index, {"id": "", "name": "", "args": []})
                        if tc.id:
                            slot["id"] = tc.id
                        if tc.function is not None:
                            if tc.function.name:
                                slot["name"] = tc.function.name
                            if tc.function.arguments:
                                slot["args"].append(tc.function.arguments)
                    if choice.finish_reason:
                        out.stop_reason = choice.finish_reason
        finally:
            chunks.close()
        for index in sorted(calls):
            c = calls[index]
            out.tool_calls.append(
                ToolCall(c["id"] or f"call_{index}", c["name"], parse_arguments("".join(c["args"])))
            )
        return out


def _from_response(response: Any) -> Completion:
    out = Completion()
    if response.usage is not None:
        out.input_tokens = response.usage.prompt_tokens or 0
        out.output_tokens = response.usage.completion_tokens or 0
    if not response.choices:
        return out
    choice = response.choices[0]
    out.stop_reason = choice.finish_reason
    message = choice.message
    out.text = message.content or ""
    for tc in message.tool_calls or ():
        function = getattr(tc, "function", None)
        if function is not None:
            out.tool_calls.append(ToolCall(tc.id, function.name, parse_arguments(function.arguments)))
    return out


def to_wire(messages: Sequence[Message]) -> list[dict[str, Any]]:
    wire: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "assistant":
            item: dict[str, Any] = {"role": "assistant", "content": m.text or None}
            if m.tool_calls:
                item["tool_calls"] = [
                    {
                        "id": c.id,
                        "type": "function",
                        "function": {"name": c.name, "arguments": json.dumps(c.arguments)},
                    }
                    for c in m.tool_calls
                ]
            wire.append(item)
        elif m.role == "tool":
            wire.append({"role": "tool", "tool_call_id": m.tool_call_id, "content": m.content})
        else:
            wire.append({"role": m.role, "content": m.content})
    return wire
