"""The AI executive summary of `kubectl prism report` (the seam `commands/report.py` calls)."""

from __future__ import annotations

from typing import Any

from kubectl_prism.findings import Diagnosis
from kubectl_prism.snapshot import Snapshot


def ai_report_summary(
    diagnosis: Diagnosis, snapshot: Snapshot, *, explicit: bool | None
) -> dict[str, Any] | None:
    """None when AI is off for this run; the `ai_explain` dict (with `summary`) otherwise."""
    from kubectl_prism.ai.config import resolve_ai
    from kubectl_prism.ai.explain import ai_explain

    settings = resolve_ai(explicit)
    if settings is None:
        return None
    return ai_explain(diagnosis, snapshot, settings=settings, purpose="report")
