"""`ai_explain`: the AI block of a Diagnosis (diagnose --ai, explain --ai, report).

The model gets the rule findings plus the redacted, token-budgeted context (`ai.payload.build_context`)
and answers through a tool with a JSON schema (`report_diagnosis`), so root cause, evidence, remediation
commands and confidence are parsed reliably. It may write a few sentences first; those stream to the
terminal when asked. With anonymization, every string of the answer is mapped back before it is shown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import IO, Any

from kubectl_prism.ai.config import AISettings
from kubectl_prism.ai.loop import send
from kubectl_prism.ai.prompts import DISCLAIMER, EXPLAIN_FORCE, EXPLAIN_SYSTEM, EXPLAIN_TASK, REPORT_TOOL
from kubectl_prism.ai.providers import make_provider
from kubectl_prism.ai.providers.base import Completion, Message, ToolCall
from kubectl_prism.ai.usage import token_counts
from kubectl_prism.findings import Diagnosis
from kubectl_prism.snapshot import Snapshot

CONFIDENCE = ("high", "medium", "low")
_HOLD_LIMIT = 4096  # characters of streamed text held back waiting for whitespace


class StreamWriter:
    """Writes streamed text, restoring anonymized names on the way out.

    A placeholder must not be cut in half before `restore` sees it, so text is held back up to the last
    whitespace; `close` writes the rest.
    """

    def __init__(self, out: IO[str], restore: Callable[[str], str] | None = None) -> None:
        self._out = out
        self._restore = restore or (lambda s: s)
        self._held: list[str] = []
        self._held_size = 0
        self._last = ""

    def __call__(self, piece: str) -> None:
        # Look for a cut in the new piece only: searching all that is held would make an answer with
        # no whitespace quadratic. Past _HOLD_LIMIT held characters it is written anyway.
        cut = max(piece.rfind(" "), piece.rfind("\n"))
        if cut < 0:
            self._held.append(piece)
            self._held_size += len(piece)
            if self._held_size > _HOLD_LIMIT:
                self._flush()
            return
        self._held.append(piece[: cut + 1])
        self._flush()
        rest = piece[cut + 1 :]
        self._held, self._held_size = [rest], len(rest)

    def _flush(self) -> None:
        held, self._held, self._held_size = "".join(self._held), [], 0
        self._write(held)

    def _write(self, text: str) -> None:
        if text:
            # Model text goes out as every other output does: redacted, and without the escape
            # sequences (title, clear screen, clipboard) a model can be talked into writing.
            from kubectl_prism.printable import printable
            from kubectl_prism.redact import redact_text

            self._out.write(printable(redact_text(self._restore(text)).text))
            self._out.flush()
            self._last = text[-1]

    def close(self) -> None:
        """Write what is held back and end the streamed text on a newline."""
        self._flush()
        if self._last and self._last != "\n":
            self._write("\n")
        finish = getattr(self._out, "finish", None)
        if finish is not None:  # a renderer holding back an unfinished block (render.stream_markdown)
            finish()


def ai_explain(
    diagnosis: Diagnosis,
    snapshot: Snapshot,
    *,
    settings: AISettings,
    anonymize: bool = False,
    stream_to: IO[str] | None = None,
    purpose: str = "explain",
    reader: object | None = None,
) -> dict[str, Any]:
    """Ask the configured provider to explain `diagnosis`; return the dict for `Diagnosis.ai`.

    `reader` (`gather.on_demand.OnDemand`) reads the dependencies the evidence names when the scope
    did not hold them."""
    from kubectl_prism.ai.context import explain_context

    context = explain_context(snapshot, diagnosis.findings, settings=settings, anonymize=anonymize,
                              reader=reader)
    anonymizer = getattr(context, "anonymizer", None)
    restore: Callable[[str], str] = anonymizer.restore if anonymizer is not None else (lambda s: s)
    provider = make_provider(settings)
    messages = [Message.system(EXPLAIN_SYSTEM), Message.user(context.payload, EXPLAIN_TASK)]
    writer = StreamWriter(stream_to, restore) if stream_to is not None else None

    try:
        first = send(
            provider, messages, [REPORT_TOOL], stream=writer is not None, on_text=writer, purpose=purpose
        )
    finally:
        if writer is not None:
            writer.close()
    completions = [first]
    answer = _answer_from(_report_call(first), first.text)
    if answer is None:
        # The model answered in prose only: ask once more, this time forcing the tool.
        followup = [*messages, Message.assistant(first.text, first.tool_calls), Message.user(EXPLAIN_FORCE)]
        second = send(
            provider,
            followup,
            [REPORT_TOOL],
            stream=False,
            on_text=None,
            purpose=purpose,
            tool_choice=REPORT_TOOL.name,
        )
        completions.append(second)
        answer = _answer_from(_report_call(second), second.text) or _prose_answer(first.text or second.text)

    from kubectl_prism.ai.proposals import label_commands, unverified

    # Quotes are checked against what was sent (placeholders and all), commands once names are real.
    result = _restored(answer, restore)
    result["unverified_evidence"] = [restore(e) for e in unverified(answer["evidence"], context.payload.text)]
    result["remediation"] = label_commands(result["remediation"], snapshot.namespace)
    result.update(
        {
            "explanation": restore(first.text.strip()),
            "provider": provider.name,
            "model": provider.model,
            "anonymized": anonymize,
            "tokens": {"context": context.tokens, **token_counts(_total(completions))},
            "disclaimer": DISCLAIMER,
        }
    )
    return result


def _total(completions: list[Completion]) -> Completion:
    return Completion(
        input_tokens=sum(c.input_tokens for c in completions),
        output_tokens=sum(c.output_tokens for c in completions),
        cache_read_tokens=sum(c.cache_read_tokens for c in completions),
        cache_write_tokens=sum(c.cache_write_tokens for c in completions),
    )


def _report_call(completion: Completion) -> ToolCall | None:
    return next((c for c in completion.tool_calls if c.name == REPORT_TOOL.name), None)


def _answer_from(call: ToolCall | None, text: str) -> dict[str, Any] | None:
    raw = call.arguments if call is not None else _json_object_in(text)
    answer = normalize(raw) if raw else None
    # Truncated or malformed tool input leaves no root cause: treat it as no answer.
    return answer if answer and answer["root_cause"] else None


def _json_object_in(text: str) -> dict[str, Any] | None:
    """Some local models write the tool call as JSON text (often in a ```json fence)."""
    for match in re.finditer(r"\{.*\}", text, re.DOTALL):
        try:
            value = json.loads(match.group(0))
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


def _prose_answer(text: str) -> dict[str, Any]:
    return normalize({"root_cause": text.strip() or "The model gave no answer.", "confidence": "low"})


def normalize(raw: dict[str, Any]) -> dict[str, Any]:
    """Coerce the model's arguments to the documented shape; drop what does not fit."""
    evidence = raw.get("evidence") or []
    if isinstance(evidence, str):
        evidence = [evidence]
    steps = []
    for step in raw.get("remediation") or []:
        if isinstance(step, str):
            step = {"description": step}
        if not isinstance(step, dict) or not str(step.get("description") or "").strip():
            continue
        command = str(step.get("command") or "").strip() or None
        steps.append({"description": str(step["description"]).strip(), "command": command})
    confidence = str(raw.get("confidence") or "low").lower()
    return {
        "summary": str(raw.get("summary") or "").strip(),
        "root_cause": str(raw.get("root_cause") or "").strip(),
        "evidence": [str(e).strip() for e in evidence if str(e).strip()],
        "remediation": steps,
        "confidence": confidence if confidence in CONFIDENCE else "low",
    }


def _restored(value: Any, restore: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return restore(value)
    if isinstance(value, list):
        return [_restored(v, restore) for v in value]
    if isinstance(value, dict):
        return {k: _restored(v, restore) for k, v in value.items()}
    return value
