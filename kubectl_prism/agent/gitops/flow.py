"""`fix --repo PATH`: the fix loop's steps become commits in the repository instead of live changes.

For each proposed step that changes something:
1. the manifest change is planned (`plan.plan_gitops`: the server's dry run of the step, the file
   found and edited round-trip, a server dry run of the edited manifest); a step that has no
   manifest edit, or whose edited manifest the server refuses, is refused and nobody is asked;
2. the person sees the files and their diff and answers y / n / s / q (`agent.confirm`);
3. on yes, a branch `prism/fix-<rule>-<name>` is created at a new commit on top of HEAD whose message
   names the finding and its evidence (the work tree and checkout are not touched);
4. the push is a second, separate question: never forced, never to the default branch.
Every step goes to the audit log: the proposal, the edit and its answer, the commit, the push.
Read-only steps (the AI's looks) run as in the live loop; the cluster is never changed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from kubectl_prism.agent import steps as st
from kubectl_prism.agent.decision import Category
from kubectl_prism.agent.gitops.plan import GitOpsPlan, GitOpsRefused, plan_gitops
from kubectl_prism.agent.gitops.repo import GitError, GitRepo
from kubectl_prism.agent.records import record_answer, record_gitops, record_proposal
from kubectl_prism.agent.terminal import Prompter

COMMIT_ANSWERS = ("y", "n", "s", "q")
PUSH_ANSWERS = ("y", "n", "q")


@dataclass
class GitOpsResult:
    """What became of one step's manifest change (for the summary)."""

    plan: GitOpsPlan | None
    branch: str | None = None
    commit: str | None = None
    pushed: str | None = None  # git's summary line of the push
    remote: str | None = None


@dataclass
class GitOpsLoop:
    prompter: Prompter
    kubectl: str
    repo: GitRepo
    run_read_only: bool = False
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    outcomes: list[st.StepOutcome] = field(default_factory=list)
    results: list[GitOpsResult] = field(default_factory=list)

    @property
    def quit(self) -> bool:
        return any(o.status == st.QUIT for o in self.outcomes)

    def run(self, source: st.StepSource, total: int | None = None) -> list[st.StepOutcome]:
        return st.drive(source, self.handle, self.outcomes)

    def handle(self, step: st.ProposedStep) -> st.StepOutcome:
        decision = step.decision
        record_proposal(decision, source=step.source, why=step.why, run_id=self.run_id)
        outcome = st.StepOutcome(step, st.REFUSED, decision=decision)
        if decision.category is Category.REJECTED:
            return self._not_asked(outcome, st.REJECTED, decision.reason)
        if decision.category is Category.READ_ONLY:
            if not self.run_read_only:
                return self._not_asked(outcome, st.SKIPPED, "read-only steps are not run here")
            from kubectl_prism.agent.execute import run_step

            outcome.result = run_step(decision, kubectl=self.kubectl)
            outcome.status = st.RAN if outcome.result.ok else st.FAILED
            return outcome
        try:
            plan = plan_gitops(self.repo, decision, kubectl=self.kubectl, finding=step.finding)
        except (GitOpsRefused, GitError) as err:
            return self._not_asked(outcome, st.REFUSED, err.message)
        result = GitOpsResult(plan)
        self.results.append(result)
        if not plan.dry_run_ok:
            return self._not_asked(outcome, st.REFUSED, plan.dry_run_note or "the server dry run failed")
        answer = self._ask_commit(step, plan)
        record_gitops(action="edit", repo=str(self.repo.root), branch=plan.branch, files=plan.files,
                      decision=decision, answer=answer, run_id=self.run_id)
        record_answer(decision, answer=answer, note="gitops: commit the manifest change", run_id=self.run_id)
        outcome.answer = answer
        if answer != "y":
            outcome.status = {"n": st.DECLINED, "s": st.SKIPPED, "q": st.QUIT}[answer]
            return outcome
        try:
            result.branch = self.repo.free_branch(plan.branch)
            result.commit = self.repo.commit_files(result.branch, {e.file: e.after for e in plan.edits},
                                                   plan.message)
        except GitError as err:
            outcome.status, outcome.note = st.FAILED, err.message
            self.prompter.say(f"Not committed: {err.message}.")
            return outcome
        record_gitops(action="commit", repo=str(self.repo.root), branch=result.branch, commit=result.commit,
                      files=plan.files, decision=decision, answer="y", run_id=self.run_id)
        self.prompter.say(f"Committed {result.commit[:12]} on branch {result.branch} (your checkout is "
                          f"unchanged; `git switch {result.branch}` to see it).")
        outcome.status, outcome.note = st.RAN, f"committed {result.commit[:12]} on {result.branch}"
        self._push(outcome, result)
        return outcome

    def _ask_commit(self, step: st.ProposedStep, plan: GitOpsPlan) -> str:
        from kubectl_prism.agent.confirm import ask_answer, text_card

        self.prompter.say(f"Manifest: {plan.location.describe()}.")
        self.prompter.say("Server dry run of the edited manifest: accepted.")
        warnings = (*step.warnings, *plan.notes)
        text = f"{', '.join(plan.files)} -> new branch {plan.branch}"
        card = text_card("gitops", text, step.why or plan.decision.command_line,
                         category=str(plan.decision.category), preview=plan.diff, warnings=warnings,
                         source=step.source)
        card["finding"] = _finding(step)
        return ask_answer(self.prompter, card, COMMIT_ANSWERS)

    def _push(self, outcome: st.StepOutcome, result: GitOpsResult) -> None:
        from kubectl_prism.agent.confirm import ask_answer, text_card

        assert result.plan is not None and result.branch is not None and result.commit is not None
        root = str(self.repo.root)
        try:
            remote = self.repo.push_remote()
        except GitError as err:
            self.prompter.say(f"Not pushed: {err.message}.")
            record_gitops(action="push", repo=root, branch=result.branch, commit=result.commit, pushed=False,
                          answer=None, run_id=self.run_id)
            return
        result.remote = remote
        subject = result.plan.message.splitlines()[0]
        card = text_card("gitops", f"git push {remote} {result.branch}",
                         "publish the branch for review (a separate question: never forced, never to "
                         "the default branch)", category="mutating",
                         preview=f"commit {result.commit}\n    {subject}\n" +
                         "".join(f"    {f}\n" for f in result.plan.files), source="prism")
        answer = ask_answer(self.prompter, card, PUSH_ANSWERS)
        pushed: str | None = None
        if answer == "y":
            try:
                pushed = self.repo.push(result.branch, remote)
            except GitError as err:
                self.prompter.say(f"Not pushed: {err.message}.")
                outcome.note = f"{outcome.note}; push failed: {err.message}"
        record_gitops(action="push", repo=root, branch=result.branch, commit=result.commit,
                      pushed=pushed is not None, remote=remote, answer=answer, run_id=self.run_id)
        if pushed is not None:
            result.pushed = pushed
            outcome.note = f"{outcome.note}; pushed to {remote}"
            self.prompter.say(f"Pushed {result.branch} to {remote}.")
        elif answer == "q":
            outcome.status = st.QUIT
            outcome.note = f"{outcome.note}; not pushed (quit)"

    def _not_asked(self, outcome: st.StepOutcome, status: str, why: str) -> st.StepOutcome:
        decision = outcome.step.decision
        outcome.status, outcome.note = status, why
        record_answer(decision, answer="rejected" if status == st.REJECTED else "not-asked", note=why,
                      run_id=self.run_id)
        if status in (st.REJECTED, st.REFUSED):
            self.prompter.say(f"{'Rejected' if status == st.REJECTED else 'Refused'}, not changed: "
                              f"{decision.command_line}: {why}.")
        return outcome


def _finding(step: st.ProposedStep) -> dict[str, str] | None:
    f = step.finding
    return None if f is None else {"id": f.id, "severity": f.severity.value, "title": f.title,
                                   "object": str(f.object)}
