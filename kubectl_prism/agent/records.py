"""Agent mode's lines in the audit log: every proposal, every answer, every execution, every GitOps step.

Each record carries the step's argv and its sha256 (of the exact argv and any checked manifest), the
classifier's category and rule, the context and namespace; answers add the approver (login name),
the preview's hash and the object's resourceVersion; executions add exit code and duration; GitOps
records add branch, commit and push. `kubectl_prism.audit.record` redacts every string on the way in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kubectl_prism import audit
from kubectl_prism.agent.decision import Decision

if TYPE_CHECKING:
    from kubectl_prism.agent.approval import Approval
    from kubectl_prism.agent.step_result import StepResult


def _step_fields(decision: Decision) -> dict[str, Any]:
    return {
        "argv": list(decision.argv),
        "argv_sha256": decision.sha256,
        "category": str(decision.category),
        "rule": decision.rule,
        "context": decision.scope.context,
        "namespace": decision.namespace,
        "objects": [str(o) for o in decision.objects] or None,
    }


def record_proposal(decision: Decision, *, source: str, why: str | None = None,
                    run_id: str | None = None) -> dict[str, Any]:
    """A step was proposed: `source` is `rules` (a finding's remediation), `ai` (the model's
    propose_step), `person` (an edited step) or `terminal`."""
    return audit.record(audit.AGENT_PROPOSAL, **_step_fields(decision), source=source, why=why, run=run_id)


def record_answer(decision: Decision, *, answer: str, approval: Approval | None = None,
                  preview_sha256: str | None = None, resource_version: str | None = None,
                  note: str | None = None, run_id: str | None = None) -> dict[str, Any]:
    """The person's answer to a step (`y`, `n`, `e`, `s`, `q`), or `rejected`/`not-asked` for steps
    that were never put to a person."""
    from kubectl_prism.agent.approval import login_name

    asked = answer in {"y", "n", "e", "s", "q"}
    return audit.record(
        audit.AGENT_ANSWER, **_step_fields(decision), answer=answer,
        approver=approval.approver if approval else (login_name() if asked else None),
        preview_sha256=preview_sha256 or (approval.preview_sha256 if approval else None),
        resource_version=resource_version or (approval.resource_version if approval else None),
        note=note, run=run_id,
    )


def record_execution(result: StepResult, approval: Approval | None = None,
                     run_id: str | None = None) -> dict[str, Any]:
    """A step ran, or its server-side dry run did (written by the executor itself, so no kubectl run
    goes unrecorded)."""
    redactions = dict(result.stdout.counts)
    for kind, count in result.stderr.counts.items():
        redactions[kind] = redactions.get(kind, 0) + count
    return audit.record(
        audit.AGENT_PREVIEW if result.preview else audit.AGENT_STEP, **_step_fields(result.decision),
        approver=approval.approver if approval else None,
        answer=approval.answer if approval else None,
        preview_sha256=approval.preview_sha256 if approval else None,
        resource_version=approval.resource_version if approval else None,
        exit_code=result.exit_code, duration_ms=result.duration_ms,
        timed_out=result.timed_out or None, truncated=result.truncated or None,
        bytes=len(result.stdout.encode()) + len(result.stderr.encode()),
        redactions=redactions or None, run=run_id,
    )


def record_gitops(*, action: str, repo: str, branch: str | None = None, commit: str | None = None,
                  pushed: bool | None = None, remote: str | None = None, files: list[str] | None = None,
                  decision: Decision | None = None, answer: str | None = None,
                  run_id: str | None = None) -> dict[str, Any]:
    """A GitOps step: `action` is `edit`, `commit` or `push`."""
    from kubectl_prism.agent.approval import login_name

    fields = _step_fields(decision) if decision is not None else {}
    return audit.record(audit.AGENT_GITOPS, **fields, action=action, repo=repo, branch=branch, commit=commit,
                        pushed=pushed, remote=remote, files=files, answer=answer,
                        approver=login_name() if answer else None, run=run_id)
