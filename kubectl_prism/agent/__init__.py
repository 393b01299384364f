"""Agent mode's foundation (docs/agent.md): the command classifier, the step executor and the approval proof.

- `classify(argv, scope)` / `classify_command_line(text, scope)` -> `Decision` (pure).
- `check_manifests(decision, {path: bytes})` -> `Decision` for `-f` steps (pure).
- `run_step(decision, kubectl=..., approval=...)` / `preview_step(decision, kubectl=...)` -> `StepResult`
  (in `execute`: the only code that starts kubectl; import it where it is used).
- `Approval` and `grant(...)` (in `approval`): proof that a person said yes, for the confirmation code.
"""

from __future__ import annotations

from kubectl_prism.agent.classify import classify, classify_command_line
from kubectl_prism.agent.decision import Category, Decision, ObjectRef, Scope
from kubectl_prism.agent.manifests import check_manifests

__all__ = ["Category", "Decision", "ObjectRef", "Scope", "check_manifests", "classify",
           "classify_command_line"]
