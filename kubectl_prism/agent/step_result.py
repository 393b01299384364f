"""What one kubectl step did: its exit code, its redacted output, how long it took.

`agent.execute` makes these (the only place agent mode starts kubectl); `agent.records` writes them to
the audit log, and the fix loop and GitOps plan read them. It lives on its own so the audit records
need not import the executor that writes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kubectl_prism.agent.decision import Decision
    from kubectl_prism.redact import Redacted


@dataclass(frozen=True)
class StepResult:
    decision: Decision
    exit_code: int | None  # None when the step was stopped at the timeout
    stdout: Redacted
    stderr: Redacted
    duration_ms: int
    timed_out: bool = False
    truncated: bool = False  # output beyond the cap was dropped
    preview: bool = False  # a server-side dry run (preview_step): nothing was changed

    @property
    def ok(self) -> bool:
        return self.exit_code == 0
