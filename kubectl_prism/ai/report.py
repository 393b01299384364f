"""The AI executive summary of `kubectl prism report` (the seam `commands/report.py` calls)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kubectl_prism.errors import AIError
from kubectl_prism.findings import Diagnosis
from kubectl_prism.snapshot import Snapshot

if TYPE_CHECKING:
    from kubectl_prism.ai.config import AISettings


def ai_report_summary(
    diagnosis: Diagnosis, snapshot: Snapshot, *, explicit: bool | None
) -> dict[str, Any] | None:
    """None when AI is off for this run. Otherwise the report's AI section: the `ai_explain` answer
    with `status: "ok"`, or `status: "failed"` and the error line when AI was asked for but could not
    answer (not enabled, no key, provider error). The report is written either way."""
    from kubectl_prism.ai.explain import ai_explain
    from kubectl_prism.ai.resolve import resolve_ai

    try:
        settings = resolve_ai(explicit)
    except AIError as err:
        return failed(err, None)
    if settings is None:
        return None
    try:
        answer = ai_explain(diagnosis, snapshot, settings=settings, purpose="report")
    except AIError as err:
        return failed(err, settings)
    return {"status": "ok", **answer}


def failed(err: AIError, settings: AISettings | None) -> dict[str, Any]:
    section: dict[str, Any] = {"status": "failed", "error": err.line()}
    if settings is not None:
        section.update(provider=settings.provider, model=settings.model)
    return section
