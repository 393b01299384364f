"""A kubectl step turned into a manifest change: what `fix --repo PATH` shows before it asks.

1. The step's effect is computed by the API server: the live object (`kubectl get -o yaml`, a
   read-only step) against the step's server-side dry run; the difference is a list of field changes.
2. The object's manifest is found in the repository (`locate`), and the changes are made on it,
   round-trip (`edit`): the person sees the unified diff of the files.
3. The edited manifest, as kustomize would render the object, is checked by the classifier
   (`check_manifests`) and dry-run on the server (`kubectl apply --dry-run=server`): a manifest the
   server refuses is said to be refused before anyone commits it.

Nothing is written: the plan holds the new bytes; `flow` commits them after a yes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kubectl_prism.agent.classify import classify
from kubectl_prism.agent.decision import Category, Decision
from kubectl_prism.agent.gitops.edit import FileEdit, Workspace
from kubectl_prism.agent.gitops.fields import ChangeProblem, FieldChange, field_changes
from kubectl_prism.agent.gitops.locate import Identity, Location, locate
from kubectl_prism.agent.gitops.repo import BRANCH_PREFIX, GitRepo
from kubectl_prism.errors import AgentStopped

if TYPE_CHECKING:
    from kubectl_prism.agent.step_result import StepResult
    from kubectl_prism.findings import Finding

MAX_BRANCH_PART = 40


class GitOpsRefused(AgentStopped):
    """The step cannot be turned into a manifest change (phrased for people)."""


@dataclass
class GitOpsPlan:
    decision: Decision  # the kubectl step the edit stands for
    identity: Identity
    location: Location
    changes: list[FieldChange]
    edits: list[FileEdit]
    branch: str
    message: str
    dry_run: StepResult | None = None
    dry_run_ok: bool = False
    dry_run_note: str | None = None  # why the dry run failed or did not run
    notes: list[str] = field(default_factory=list)

    @property
    def diff(self) -> str:
        return "".join(e.diff() for e in self.edits)

    @property
    def files(self) -> list[str]:
        return [e.file for e in self.edits]

    def to_dict(self) -> dict[str, Any]:
        return {"argv": list(self.decision.argv), "object": f"{self.identity.kind}/{self.identity.name}",
                "namespace": self.identity.namespace, "manifest": self.location.describe(),
                "files": self.files, "changes": [str(c) for c in self.changes], "branch": self.branch,
                "dryRun": "accepted" if self.dry_run_ok else "refused", "dryRunNote": self.dry_run_note,
                "notes": list(self.notes)}


def branch_name(rule: str | None, name: str) -> str:
    """`prism/fix-<rule>-<name>`, in the characters git takes in a branch name."""
    def part(text: str) -> str:
        return re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")[:MAX_BRANCH_PART] or "step"

    return f"{BRANCH_PREFIX}fix-{part(rule or 'step')}-{part(name)}"


def commit_message(plan_decision: Decision, identity: Identity, changes: list[FieldChange],
                   finding: Finding | None) -> str:
    """The subject names the finding and the object; the body the evidence and the step it stands for."""
    what = f"{identity.kind.lower()}/{identity.name}"
    where = f" in {identity.namespace}" if identity.namespace else ""
    subject = f"fix({finding.id}): {finding.title}" if finding else f"fix: {what}{where}"
    lines = [subject[:100], ""]
    if finding is not None:
        lines.append(f"Finding: {finding.id} ({finding.severity.value}) on {what}{where}")
        if finding.message:
            lines.append(finding.message)
        if finding.evidence:
            lines += ["", "Evidence:", *(f"- {e}" for e in finding.evidence[:10])]
    lines += ["", "Changes:", *(f"- {c}" for c in changes),
              "", f"Equivalent live step: {plan_decision.command_line}",
              "", "Proposed by kubectl prism fix --repo; reviewed and approved at the terminal."]
    return "\n".join(lines) + "\n"


def _yaml_doc(result: StepResult, what: str) -> dict[str, Any]:
    import yaml

    if not result.ok:
        first = next((x for x in result.stderr.text.splitlines() if x.strip()), f"exit {result.exit_code}")
        raise GitOpsRefused(f"{what} failed: {first.strip()}")
    try:
        doc = yaml.safe_load(result.stdout.text)
    except yaml.YAMLError:
        doc = None
    if not isinstance(doc, dict):
        raise GitOpsRefused(f"{what} did not return an object")
    return doc


def plan_gitops(repo: GitRepo, decision: Decision, *, kubectl: str, finding: Finding | None = None
                ) -> GitOpsPlan:
    """The manifest change for `decision` (see the module docstring); GitOpsRefused when there is none."""
    from kubectl_prism.agent.execute import StepRefused, preview_step, run_step
    from kubectl_prism.agent.manifests import check_manifests

    if decision.category not in (Category.MUTATING, Category.DESTRUCTIVE):
        raise GitOpsRefused(f"only a step that changes an object becomes a manifest edit "
                            f"(this one is {decision.category})")
    if decision.verb in ("delete", "drain", "cordon", "uncordon") or decision.files:
        raise GitOpsRefused(f"`kubectl {decision.verb}` has no manifest edit: change the repository by hand")
    if len(decision.objects) != 1 or decision.by_selector:
        raise GitOpsRefused("a manifest edit needs a step that names exactly one object")
    ref = decision.objects[0]
    get_argv = ["kubectl", "get", f"{ref.resource}/{ref.name}", "-o", "yaml"]
    if ref.namespace:
        get_argv += ["-n", ref.namespace]
    try:
        live = _yaml_doc(run_step(classify(get_argv, decision.scope), kubectl=kubectl), "reading the object")
        after = _yaml_doc(preview_step(decision, kubectl=kubectl, output="yaml"), "the step's dry run")
    except StepRefused as err:
        raise GitOpsRefused(err.message) from None
    try:
        changes = field_changes(live, after)
    except ChangeProblem as err:
        raise GitOpsRefused(str(err)) from None
    if not changes:
        raise GitOpsRefused(f"the step changes nothing a manifest holds on {ref}")
    identity = Identity.of(live)
    if identity is None:
        raise GitOpsRefused("the live object has no apiVersion, kind and name")
    found = locate(repo, identity)
    if not found:
        where = f" in namespace {identity.namespace}" if identity.namespace else ""
        raise GitOpsRefused(f"no manifest for {identity.kind} {identity.name}{where} in {repo.root} "
                            "(tracked YAML files and kustomize overlays were searched)")
    location = found[0]
    notes = [f"also defined in {o.describe()}; edited the first" for o in found[1:3]]
    workspace = Workspace(repo, location)
    try:
        edits = workspace.apply(changes)
        rendered = workspace.rendered()
    except ChangeProblem as err:
        raise GitOpsRefused(str(err)) from None
    plan = GitOpsPlan(decision, identity, location, changes, edits,
                      branch_name(finding.id if finding else decision.verb, identity.name),
                      commit_message(decision, identity, changes, finding), notes=notes)
    _dry_run(plan, rendered, kubectl, check_manifests)
    return plan


def _dry_run(plan: GitOpsPlan, rendered: dict[str, Any], kubectl: str, check: Any) -> None:
    """`kubectl apply --dry-run=server` of the edited object, through the classifier."""
    import yaml

    from kubectl_prism.agent.execute import StepRefused, preview_step

    name = plan.location.resource.file
    data = yaml.safe_dump(rendered, sort_keys=False).encode()
    argv = ["kubectl", "apply", "-f", name]
    if plan.identity.namespace:
        argv += ["-n", plan.identity.namespace]
    checked = check(classify(argv, plan.decision.scope), {name: data})
    if checked.category is Category.REJECTED:
        plan.dry_run_note = f"the edited manifest is refused: {checked.reason}"
        return
    try:
        result = preview_step(checked, kubectl=kubectl, output="name")
    except StepRefused as err:
        plan.dry_run_note = err.message
        return
    plan.dry_run = result
    plan.dry_run_ok = result.ok
    if not result.ok:
        first = next((x for x in result.stderr.text.splitlines() if x.strip()), f"exit {result.exit_code}")
        plan.dry_run_note = f"the server refused the edited manifest: {first.strip()}"
