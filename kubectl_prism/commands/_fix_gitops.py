"""`fix --repo PATH` (GitOps): the same steps as `fix`, carried out as commits in a git repository.

`fix.py` calls `open_repo` before reading the cluster (a bad path fails fast, exit 2) and `walk` at a
terminal; the steps go through `agent.gitops.flow.GitOpsLoop` instead of the live fix loop, so the
cluster is never changed. The run ends with the branches, commits and pushes it made; exit 5 when a
step was declined, refused or failed, or the person quit.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kubectl_prism.agent.decision import Scope
    from kubectl_prism.agent.gitops.flow import GitOpsLoop
    from kubectl_prism.agent.gitops.repo import GitRepo
    from kubectl_prism.agent.steps import PlannedStep, StepSource
    from kubectl_prism.agent.terminal import Prompter
    from kubectl_prism.findings import Finding
    from kubectl_prism.options import GlobalOptions


def open_repo(path: str) -> GitRepo:
    from kubectl_prism.agent.gitops.repo import GitRepo

    return GitRepo.open(path)


def walk(g: GlobalOptions, scope: Scope, source: StepSource, changes: int, kubectl: str,
         prompter: Prompter, repo: GitRepo, *, run_read_only: bool = False) -> GitOpsLoop:
    from kubectl_prism.agent.gitops.flow import GitOpsLoop
    from kubectl_prism.commands._output import echo

    echo(f"GitOps: {changes} step{'s' if changes != 1 else ''} of {scope.describe()} become manifest "
         f"changes in {repo.root}; each is shown as a diff and committed on its own branch after your "
         "yes; pushing is a second question. The cluster is not changed.")
    loop = GitOpsLoop(prompter, kubectl, repo, run_read_only=run_read_only)
    loop.run(source, total=changes)
    return loop


def finish(g: GlobalOptions, loop: GitOpsLoop) -> None:
    from kubectl_prism.agent import steps as st
    from kubectl_prism.commands._output import clear, echo, write
    from kubectl_prism.render.fix import summary_lines

    for result in loop.results:
        if result.commit:
            pushed = f", pushed to {result.remote}" if result.pushed else ", not pushed"
            files = ", ".join(result.plan.files if result.plan else [])
            echo(f"  {result.branch}: {result.commit[:12]} {files}{pushed}")
    counts = Counter(o.status for o in loop.outcomes)
    write(clear({"counts": dict(counts)}, g).render(summary_lines), g)
    st.stop_if_unfinished(counts, after_quit="the steps after it were not carried out",
                          not_done="not every finding has a manifest change")


def print_plan(g: GlobalOptions, scope: Scope, findings: list[Finding], steps: list[PlannedStep],
               kubectl: str, repo: GitRepo) -> None:
    """`fix --repo` without a terminal (or with `--plan`): the plan, each change shown as the manifest
    diff it would commit (nothing is written, no branch is made); exit 5 when it holds a change."""
    from kubectl_prism.agent.gitops.plan import GitOpsRefused, plan_gitops
    from kubectl_prism.agent.gitops.repo import GitError
    from kubectl_prism.commands._fix_plan import plan_document, write_plan

    doc = plan_document(scope, findings, steps, kubectl)
    doc["repo"] = str(repo.root)
    for step, entry in zip(steps, doc["steps"], strict=True):
        if not (step.decision.needs_approval and step.decision.runnable):
            continue
        try:
            plan = plan_gitops(repo, step.decision, kubectl=kubectl, finding=step.finding)
        except (GitOpsRefused, GitError) as err:
            entry["preview"] = {"status": "refused", "diff": "", "affected": [], "serverSaid": "",
                                "note": f"no manifest change: {err.message}"}
            continue
        entry["gitops"] = plan.to_dict()
        entry["preview"] = {"status": "previewed" if plan.dry_run_ok else "refused", "diff": plan.diff,
                            "affected": [], "serverSaid": "",
                            "note": f"{plan.location.describe()} -> branch {plan.branch}"
                            + (f"; {plan.dry_run_note}" if plan.dry_run_note else "")}
    write_plan(g, doc)
