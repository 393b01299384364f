"""OpenAI chat.completions through the `openai` SDK, for OpenAI, Azure OpenAI and compatible servers.

- openai: always sent to OpenAI's own URL (an `OPENAI_BASE_URL` in the environment cannot redirect a
  stored OpenAI key elsewhere).
- azure-openai: `AzureOpenAI` with endpoint, deployment and api-version; the key goes in `api-key`.
- openai-compatible (Ollama, vLLM, LM Studio, ...): the configured base URL, with its own key or a
  placeholder — never the OpenAI key. Optional request fields that some servers reject are left out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from kubectl_prism.ai.config import AISettings
from kubectl_prism.ai.providers.answer import (
    AnswerBuilder,
    field,
    malformed,
    string,
)
from kubectl_prism.ai.providers.base import Completion, Message, OnText, ToolSpec
from kubectl_prism.ai.providers.bounded import Deadline
from kubectl_prism.ai.providers.sdk import CONNECT_TIMEOUT, SDKClientHolder

OPENAI_BASE_URL = "https://api.openai.com/v1"
# OpenAI's reasoning models accept no temperature but the default (o1, o3, o4-mini, the gpt-5 family).
# Others that refuse one (an Azure deployment of such a model under another name, a local server)
# answer 400 naming `temperature`; the request is then sent again without it.
_NO_TEMPERATURE = re.compile(r"^(o\d|gpt-5)", re.IGNORECASE)


class OpenAIProvider(SDKClientHolder):
    def __init__(self, settings: AISettings) -> None:
        self.name = settings.provider
        self.key_env_var = settings.key_env_var
        super().__init__(settings)

    def _model_takes_temperature(self) -> bool:
        return not _NO_TEMPERATURE.match(self.model)

    def _build_client(self) -> Any:
        import openai

        s = self._settings
        common: dict[str, Any] = {
            "api_key": s.api_key.value if s.api_key else None,
            "timeout": openai.Timeout(s.timeout, connect=min(s.timeout, CONNECT_TIMEOUT)),
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
        cache_prefix: bool = False,  # OpenAI caches prefixes by itself; nothing to mark
    ) -> Completion:
        return self._send(self.request(messages, tools, tool_choice, stream=stream), stream=stream,
                          on_text=on_text)

    def request(self, messages: Sequence[Message], tools: Sequence[ToolSpec], tool_choice: str | None = None,
                *, stream: bool = False) -> dict[str, Any]:
        """The chat.completions request body (without `stream`)."""
        compatible = self.name == "openai-compatible"
        kwargs: dict[str, Any] = {"model": self.model, "messages": to_wire(messages)}
        # OpenAI's newer models take max_completion_tokens; many local servers know only max_tokens.
        kwargs["max_tokens" if compatible else "max_completion_tokens"] = self._settings.max_output_tokens
        if self.sends_temperature:
            kwargs["temperature"] = self._settings.temperature
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
        if stream and not compatible:
            kwargs["stream_options"] = {"include_usage": True}
        return kwargs

    def _read_json(self, client: Any, kwargs: dict[str, Any], deadline: Deadline) -> Completion:
        create = client.chat.completions.with_streaming_response.create
        response = self._json_answer(lambda: create(**kwargs), deadline)
        answer = AnswerBuilder(self.name, self.answer_limit)
        _take_usage(answer, response.get("usage"))
        choices = response.get("choices")
        if not isinstance(choices, list):
            raise malformed(self.name, "an answer without a choices list")
        if choices:
            choice = choices[0]
            answer.stop_reason = string(field(choice, "finish_reason"))
            message = field(choice, "message")
            content = field(message, "content") or field(message, "refusal")
            if content is not None:
                answer.text(content)
            for index, call in enumerate(field(message, "tool_calls") or ()):
                function = field(call, "function")
                if function is not None:
                    answer.tool_call(index, field(call, "id"), field(function, "name"))
                    answer.tool_arguments(index, field(function, "arguments") or "")
        return answer.completion(require_stop=False)  # a whole JSON body is a whole answer

    def _read_stream(self, client: Any, kwargs: dict[str, Any], on_text: OnText | None,
                     deadline: Deadline) -> Completion:
        answer = AnswerBuilder(self.name, self.answer_limit)
        create = client.chat.completions.create
        for chunk in self._stream_events(lambda: create(**kwargs, stream=True), deadline):
            _take_usage(answer, field(chunk, "usage"))
            for choice in field(chunk, "choices") or ():
                delta = field(choice, "delta")
                content = field(delta, "content")
                if content:
                    piece = answer.text(content)
                    if on_text is not None:
                        on_text(piece)
                for call in field(delta, "tool_calls") or ():
                    index = field(call, "index")
                    if not isinstance(index, int) or isinstance(index, bool):
                        raise malformed(self.name, "a streamed tool call without an index")
                    function = field(call, "function")
                    answer.tool_call(index, field(call, "id"), field(function, "name"))
                    if field(function, "arguments"):
                        answer.tool_arguments(index, field(function, "arguments"))
                answer.stop_reason = string(field(choice, "finish_reason")) or answer.stop_reason
        return answer.completion()


def _take_usage(answer: AnswerBuilder, usage: Any) -> None:
    """OpenAI's `prompt_tokens` include the cached ones (`prompt_tokens_details.cached_tokens`)."""
    if usage is None:
        return
    answer.usage(input=field(usage, "prompt_tokens"), output=field(usage, "completion_tokens"),
                 cache_read=field(field(usage, "prompt_tokens_details"), "cached_tokens"))


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
