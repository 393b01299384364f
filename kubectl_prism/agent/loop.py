"""The fix loop: take steps from a `StepSource` one at a time, and for each one decide, preview, ask,
re-check and run — the same loop for the rule-based `fix` and for `fix --ai`.

For each proposed step:
- rejected: never runs; the person sees why (audit: answer `rejected`);
- read-only: runs unasked (only sources that want read-only output get them; the rule source does not);
- `-f` manifests: read (bounded) and checked (`check_manifests`) before anything else;
- mutating / destructive: previewed by prism (`agent.preview`); a destructive step whose server dry
  run failed is refused; then the confirmation (`agent.confirm`). An edit is classified again and
  goes round the loop as a new proposal from `person`. Just before running an approved step the
  objects are read again: if a resourceVersion moved since the preview, the step is previewed and
  asked again (the approval is dropped unused).
Every proposal, answer and execution is in the audit log (`agent.records`; executions are written by
the executor itself). The loop stops at `q`; declined and failed steps let it go on.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path

from kubectl_prism.agent import steps as st
from kubectl_prism.agent.approval import Approval
from kubectl_prism.agent.classify import classify_command_line
from kubectl_prism.agent.confirm import confirm_kubectl, step_card
from kubectl_prism.agent.decision import Category, Decision
from kubectl_prism.agent.execute import StepRefused, run_step
from kubectl_prism.agent.manifests import MAX_MANIFEST_BYTES, check_manifests
from kubectl_prism.agent.preview import REFUSED, Preview, compute_preview, current_versions, first_error_line
from kubectl_prism.agent.records import record_answer, record_proposal
from kubectl_prism.agent.terminal import Prompter

MAX_REPREVIEWS = 3  # the object keeps changing under us: stop asking about this step


@dataclass
class FixLoop:
    prompter: Prompter
    kubectl: str
    run_read_only: bool = False  # the AI source wants read-only output; the rule source never yields one
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    outcomes: list[st.StepOutcome] = field(default_factory=list)

    @property
    def quit(self) -> bool:
        return any(o.status == st.QUIT for o in self.outcomes)

    def run(self, source: st.StepSource, total: int | None = None) -> list[st.StepOutcome]:
        return st.drive(source, lambda step: self.handle(step, number=len(self.outcomes) + 1, total=total),
                        self.outcomes)

    def handle(self, step: st.ProposedStep, *, number: int | None = None,
               total: int | None = None) -> st.StepOutcome:
        outcome = st.StepOutcome(step, st.REFUSED)
        decision = step.decision
        record_proposal(decision, source=step.source, why=step.why, run_id=self.run_id)
        reviews = 0
        while True:
            outcome.decision = decision
            problem = self._check_files(outcome)
            decision = outcome.decision
            if problem is not None:
                return self._not_asked(outcome, st.REJECTED, decision, problem)
            if decision.category is Category.REJECTED:
                return self._not_asked(outcome, st.REJECTED, decision, decision.reason)
            if decision.category is Category.READ_ONLY:
                if not self.run_read_only:
                    return self._not_asked(outcome, st.SKIPPED, decision, "read-only steps are not run here")
                outcome.result = run_step(decision, kubectl=self.kubectl)
                outcome.status = st.RAN if outcome.result.ok else st.FAILED
                return outcome
            preview = compute_preview(decision, kubectl=self.kubectl)
            outcome.preview = preview
            if preview.status == REFUSED:
                self.prompter.show(step_card(step, decision, preview, number=number, total=total))
                why = f"a destructive step is never run without a preview ({preview.note})"
                self.prompter.say(f"Refused: {why}.")
                return self._not_asked(outcome, st.REFUSED, decision, why, preview)
            conf = confirm_kubectl(self.prompter, step, decision, preview, number=number, total=total)
            record_answer(decision, answer=conf.answer, approval=conf.approval, preview_sha256=preview.sha256,
                          resource_version=_versions(preview), note=conf.note, run_id=self.run_id)
            outcome.answer = conf.answer
            if conf.answer == "e" and conf.edited is not None:
                decision = classify_command_line(conf.edited, decision.scope)
                outcome.edits.append(decision)
                record_proposal(decision, source="person", why=step.why, run_id=self.run_id)
                continue
            if conf.answer != "y" or conf.approval is None:
                outcome.status = {"n": st.DECLINED, "s": st.SKIPPED, "q": st.QUIT}[conf.answer]
                outcome.note = conf.note
                return outcome
            if current_versions(decision, kubectl=self.kubectl) != preview.resource_versions:
                reviews += 1
                if reviews > MAX_REPREVIEWS:
                    return self._not_asked(outcome, st.REFUSED, decision,
                                           "the object keeps changing: not run", preview)
                self.prompter.say("The object changed since the preview: previewing again.")
                continue
            return self._execute(outcome, decision, conf.approval)

    def _execute(self, outcome: st.StepOutcome, decision: Decision, approval: Approval) -> st.StepOutcome:
        try:
            result = run_step(decision, kubectl=self.kubectl, approval=approval)
        except StepRefused as err:
            outcome.status, outcome.note = st.REFUSED, err.message
            self.prompter.say(f"Refused: {err.message}.")
            return outcome
        outcome.result = result
        outcome.status = st.RAN if result.ok else st.FAILED
        if result.timed_out:
            outcome.note = "stopped at the timeout"
        elif not result.ok:
            outcome.note = first_error_line(result.stderr.text) or f"exit {result.exit_code}"
        self.prompter.show({"kind": "result", "status": outcome.status, "exitCode": result.exit_code,
                            "durationMs": result.duration_ms, "stdout": result.stdout.text,
                            "stderr": result.stderr.text, "note": outcome.note})
        return outcome

    def _not_asked(self, outcome: st.StepOutcome, status: str, decision: Decision, why: str,
                   preview: Preview | None = None) -> st.StepOutcome:
        outcome.status, outcome.note = status, why
        record_answer(decision, answer="rejected" if status == st.REJECTED else "not-asked",
                      preview_sha256=preview.sha256 if preview else None,
                      resource_version=_versions(preview) if preview else None, note=why, run_id=self.run_id)
        if status == st.REJECTED:
            self.prompter.say(f"Rejected, not run: {decision.command_line}: {why}.")
        return outcome

    def _check_files(self, outcome: st.StepOutcome) -> str | None:
        """Read and check the `-f` manifests of `outcome.decision` (the checked decision replaces it);
        the reason when a file cannot be read."""
        decision = outcome.decision
        if decision is None or not decision.needs_manifest_check:
            return None
        contents: dict[str, bytes] = {}
        for name in decision.files:
            path = Path(name)
            try:
                if not path.is_file():
                    return f"{name} is not a regular file"
                with path.open("rb") as fh:
                    contents[name] = fh.read(MAX_MANIFEST_BYTES + 1)
            except OSError as err:
                return f"cannot read {name}: {err.strerror or err}"
        outcome.decision = check_manifests(decision, contents)
        return None


def _versions(preview: Preview | None) -> str | None:
    if preview is None:
        return None
    found = [v for v in preview.resource_versions.values() if v is not None]
    return ",".join(found) or None

