"""Where the fix loop's steps come from: a `StepSource` proposes one `ProposedStep` at a time.

The loop (`kubectl_prism.agent.loop.FixLoop`) asks its source for the next step, passing the outcome of
the last one, until the source has nothing more. Two sources exist or are planned:

- `RuleSource` (here): the rule findings' own remediation commands for the scope, root causes first,
  each command once. It ignores outcomes: the plan is fixed before the first question.
- the AI source (`fix --ai`): the model's `propose_step {argv, why}` calls, one per turn; each outcome
  (`StepOutcome.status`: ran, declined, skipped, edited, rejected, failed) goes back to the model.

A step is a kubectl `Decision` (only the classifier builds one), with the reason shown to the person
(`why`), where it came from (`source`: rules, ai, person, terminal) and warning lines for the
confirmation (e.g. the AI source's injection flag: a token of the argv seen only in tool output).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from kubectl_prism.agent.classify import classify_command_line
from kubectl_prism.agent.decision import Category, Decision, Scope
from kubectl_prism.errors import AgentStopped

if TYPE_CHECKING:
    from kubectl_prism.agent.preview import Preview
    from kubectl_prism.agent.step_result import StepResult
    from kubectl_prism.findings import Finding


@dataclass(frozen=True)
class ProposedStep:
    decision: Decision
    why: str
    source: str = "rules"  # rules | ai | person (an edit) | terminal
    finding: Finding | None = None  # the finding whose remediation this is (rule source)
    warnings: tuple[str, ...] = ()  # shown above the question, e.g. the injection flag

    @property
    def changes_something(self) -> bool:
        return self.decision.needs_approval


# What became of a step; the AI source sends these back to the model as the tool result.
RAN, FAILED, DECLINED, SKIPPED, QUIT, REJECTED, REFUSED = (
    "ran", "failed", "declined", "skipped", "quit", "rejected", "refused")


@dataclass
class StepOutcome:
    step: ProposedStep
    status: str  # one of the constants above
    answer: str | None = None  # y / n / s / q, or None when nobody was asked
    decision: Decision | None = None  # what finally ran or was answered (differs from step's after an edit)
    result: StepResult | None = None
    preview: Preview | None = None
    note: str | None = None  # why it was refused or failed, in one line
    edits: list[Decision] = field(default_factory=list)  # each edited command, in order

    def to_dict(self) -> dict[str, Any]:
        decision = self.decision or self.step.decision
        return {
            "status": self.status,
            "answer": self.answer,
            "argv": list(decision.argv),
            "category": str(decision.category),
            "edited": bool(self.edits),
            "exitCode": self.result.exit_code if self.result else None,
            "note": self.note,
        }


class StepSource(Protocol):
    """Proposes steps one at a time; `last` is what became of the previous one (None at the start)."""

    def next_step(self, last: StepOutcome | None) -> ProposedStep | None: ...


def drive(source: StepSource, handle: Callable[[ProposedStep], StepOutcome],
          outcomes: list[StepOutcome]) -> list[StepOutcome]:
    """Ask `source` for steps and `handle` each, appending to `outcomes`, until it has none or a quit."""
    last: StepOutcome | None = None
    while not any(o.status == QUIT for o in outcomes) and (step := source.next_step(last)) is not None:
        last = handle(step)
        outcomes.append(last)
    return outcomes


def stop_if_unfinished(counts: Mapping[str, int], *, after_quit: str, not_done: str) -> None:
    """Exit 5 (AgentStopped) when the person quit, or a step was declined, refused or failed."""
    if counts.get(QUIT):
        raise AgentStopped(f"stopped: you quit; {after_quit}")
    stopped = sum(counts.get(status, 0) for status in (DECLINED, REFUSED, FAILED))
    if stopped:
        raise AgentStopped(f"{stopped} step{'s' if stopped != 1 else ''} declined, refused or failed: "
                           f"{not_done}")


@dataclass(frozen=True)
class PlannedStep:
    """One remediation command of one finding, classified: an entry of the plan (`fix --plan`)."""

    finding: Finding
    description: str
    decision: Decision

    def proposed(self) -> ProposedStep:
        return ProposedStep(self.decision, self.description, "rules", self.finding)


def root_causes_first(findings: list[Finding]) -> list[Finding]:
    """Findings ordered by their depth in the cause chains (a root cause before its symptoms), keeping
    the analyzers' order (severity first) within one depth."""
    by_key = {(f.id, f.object.kind, f.object.namespace, f.object.name): f for f in findings}

    def depth(finding: Finding, seen: frozenset[int] = frozenset()) -> int:
        cause = finding.caused_by
        if not cause or id(finding) in seen:
            return 0
        obj = cause.get("object") or {}
        parent = by_key.get((cause.get("rule"), obj.get("kind"), obj.get("namespace"), obj.get("name")))
        return 0 if parent is None else 1 + depth(parent, seen | {id(finding)})

    order = {id(f): i for i, f in enumerate(findings)}
    return sorted(findings, key=lambda f: (depth(f), order[id(f)]))


def rule_plan(findings: list[Finding], scope: Scope) -> list[PlannedStep]:
    """Every remediation command of `findings`, classified for `scope`, root causes first, each command
    once (two findings suggesting the same command share the first one's entry)."""
    plan: list[PlannedStep] = []
    seen: set[str] = set()
    for finding in root_causes_first(findings):
        for remedy in finding.remediation:
            if not remedy.command or remedy.command in seen:
                continue
            seen.add(remedy.command)
            decision = classify_command_line(remedy.command, scope)
            plan.append(PlannedStep(finding, remedy.description, decision))
    return plan


class RuleSource:
    """The rule-based step source: the plan's steps that change something, in order.

    Read-only remediation commands (describe, logs, get) are where to look, not fixes: they stay in
    the plan for people to read and are not run. Rejected ones are shown in the plan with the reason.
    """

    def __init__(self, plan: list[PlannedStep]) -> None:
        self.plan = plan
        self._steps: Iterator[PlannedStep] = (s for s in plan if s.decision.category in
                                              (Category.MUTATING, Category.DESTRUCTIVE))

    def next_step(self, last: StepOutcome | None) -> ProposedStep | None:
        planned = next(self._steps, None)
        return planned.proposed() if planned is not None else None
