"""The AI executive summary of a health report, as both renderers show it.

`HealthReport.ai_summary` holds what the AI layer produced: an `ai_explain` answer with
`status: "ok"`, or `status: "failed"` with the reason when the call could not be made (the rest of the
report is rule-based and complete either way). This module turns it into the few things a reader
needs — who wrote it, the summary (the model may leave `summary` out: the root cause stands in), the
root cause, the first steps with what each command would do — so Markdown and HTML say the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_STEPS = 5
FAILED_NOTE = "The rule-based report below is complete; only the AI summary is missing."


@dataclass(frozen=True)
class AISection:
    failed: bool
    by: str  # "anthropic claude-sonnet-4-5", or "" when the provider is not known
    summary: str = ""
    root_cause: str = ""  # shown when it adds to the summary
    # (description, command, its label: "AI-proposed, read-only", "AI-proposed, changes" or the warning)
    steps: list[tuple[str, str | None, str]] = field(default_factory=list)
    confidence: str = ""
    error: str = ""
    disclaimer: str = "AI-generated guidance: review before acting."


def ai_section(summary: dict[str, Any] | None) -> AISection | None:
    if not summary:
        return None
    by = " ".join(str(summary[k]) for k in ("provider", "model") if summary.get(k))
    if summary.get("status") == "failed":
        return AISection(failed=True, by=by, error=str(summary.get("error") or "the AI call failed"))
    text = _text(summary.get("summary"))
    root_cause = _text(summary.get("root_cause"))
    if not text:  # `summary` is optional in the answer schema
        text, root_cause = root_cause or _text(summary.get("explanation")), ""
    steps = []
    for step in summary.get("remediation") or []:
        if isinstance(step, dict) and _text(step.get("description")):
            command = _text(step.get("command")) or None
            # the AI layer classified each command (ai/proposals.py); a destructive one carries a warning
            what = _text(step.get("warning")) or _text(step.get("category"))
            label = f"AI-proposed, {what}" if what else "AI-proposed"
            steps.append((_text(step["description"]), command, label if command else ""))
    return AISection(
        failed=False,
        by=by,
        summary=text or "The model gave no summary.",
        root_cause=root_cause if root_cause != text else "",
        steps=steps[:MAX_STEPS],
        confidence=_text(summary.get("confidence")),
        disclaimer=_text(summary.get("disclaimer")) or AISection.disclaimer,
    )


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value else ""
