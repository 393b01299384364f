"""The confirmation: the one place a person's yes becomes an `Approval` (the only caller of `grant`).

Every step that changes anything is shown as a *card* before the question: the exact argv, why, the
classifier's category and reason, the preview computed by prism (`agent.preview`), and any warning
lines. Then one question, answered at the controlling terminal:

    y  run it          (a destructive step then needs the object's name typed back)
    n  do not run it   (declined: the run ends with exit 5 after the other steps)
    e  edit it         (the edited text is classified again, previewed again and asked again)
    s  skip it
    q  quit            (nothing more runs; exit 5)

There is no "yes to all" and nothing is remembered: every step, every edit and every re-preview gets
its own question. Only `y` or `yes` approves; end of input (the terminal went away) is `q`.

Extension points (for the AI loop, the terminal skill and GitOps):
- `step_card(step, decision, preview)` builds the card of a kubectl step; `ProposedStep.warnings`
  become warning lines on it (the AI source's injection flag goes there).
- `text_card(kind, text, why, ...)` builds the card of a step that is not a kubectl command: a shell
  command (`kind="shell"`, the exact text) or a GitOps file change (`kind="gitops"`, the diff).
- `ask_answer(prompter, card, allowed)` shows any card and returns the person's answer (one of
  `allowed`, a subset of `ANSWERS`); `ask_edit(prompter, current)` reads an edited line. Shell and
  GitOps steps use these two directly; their executors keep their own proof of the answer.
- `confirm_kubectl(...)` is the whole question for a kubectl step and mints the `Approval` on yes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kubectl_prism.agent.approval import Approval, grant
from kubectl_prism.agent.decision import Category, Decision

if TYPE_CHECKING:
    from kubectl_prism.agent.preview import Preview
    from kubectl_prism.agent.steps import ProposedStep
    from kubectl_prism.agent.terminal import Prompter

ANSWERS = {"y": "yes", "n": "no", "e": "edit", "s": "skip", "q": "quit"}
ALL_ANSWERS = tuple(ANSWERS)
MAX_INVALID_ANSWERS = 5  # then the step counts as quit: a stuck key or a script is not a person


@dataclass
class Confirmation:
    answer: str  # y n e s q
    approval: Approval | None = None  # only for y on a kubectl step
    edited: str | None = None  # the new command text for e
    note: str | None = None  # e.g. "the name typed back did not match"


def step_card(step: ProposedStep, decision: Decision, preview: Preview | None, *,
              number: int | None = None, total: int | None = None) -> dict[str, Any]:
    """The card of a kubectl step: everything the person sees before answering."""
    finding = step.finding
    return {
        "kind": "kubectl",
        "number": number,
        "total": total,
        "source": step.source,
        "finding": None if finding is None else {
            "id": finding.id, "severity": finding.severity.value, "title": finding.title,
            "object": str(finding.object)},
        "commandLine": decision.command_line,
        "argv": list(decision.argv),
        "why": step.why,
        "category": str(decision.category),
        "rule": decision.rule,
        "reason": decision.reason,
        "namespace": decision.namespace,
        "confirmWord": decision.confirm_word,
        "edited": decision is not step.decision,
        "preview": preview.to_dict() if preview is not None else None,
        "warnings": list(step.warnings),
    }


def text_card(kind: str, text: str, why: str, *, category: str = "mutating", preview: str = "",
              warnings: tuple[str, ...] = (), source: str = "ai") -> dict[str, Any]:
    """The card of a shell command (`kind="shell"`: `text` is the exact command) or a GitOps change
    (`kind="gitops"`: `text` names the file, `preview` is the diff)."""
    return {"kind": kind, "source": source, "commandLine": text, "argv": None, "why": why,
            "category": category, "rule": kind, "reason": "", "namespace": None, "confirmWord": None,
            "edited": False, "finding": None, "number": None, "total": None,
            "preview": {"status": "previewed" if preview else "not previewed", "diff": preview,
                        "affected": [], "serverSaid": "", "note": None} if kind == "gitops" else None,
            "warnings": list(warnings)}


def question(allowed: tuple[str, ...]) -> str:
    return "Run this step? " + " / ".join(f"[{a}]{ANSWERS[a][1:]}" for a in allowed) + ": "


def ask_answer(prompter: Prompter, card: dict[str, Any], allowed: tuple[str, ...] = ALL_ANSWERS) -> str:
    """Show `card` and ask until the person gives one of `allowed`; EOF or too many wrong answers
    is `q` (nobody is there to say yes)."""
    prompter.show(card)
    for _ in range(MAX_INVALID_ANSWERS):
        typed = prompter.ask(question(allowed))
        if typed is None:
            return "q"
        word = typed.strip().lower()
        for answer in allowed:
            if word in (answer, ANSWERS[answer]):
                return answer
        prompter.say(f"Please answer one of: {', '.join(allowed)}.")
    prompter.say("No valid answer: quitting.")
    return "q"


def ask_edit(prompter: Prompter, current: str) -> str | None:
    """The edited command line, or None when the person left it empty (keep asking about the step)."""
    prompter.say(f"Current: {current}")
    typed = prompter.ask("New command (classified again; empty to go back): ")
    text = (typed or "").strip()
    return text or None


def confirm_kubectl(prompter: Prompter, step: ProposedStep, decision: Decision, preview: Preview, *,
                    number: int | None = None, total: int | None = None) -> Confirmation:
    """Ask about one kubectl step, previewed; on `y` (and the name typed back when destructive) mint
    its `Approval`, bound to this decision, this preview's hash and the objects' resourceVersion."""
    card = step_card(step, decision, preview, number=number, total=total)
    while True:
        answer = ask_answer(prompter, card)
        if answer == "e":
            edited = ask_edit(prompter, decision.command_line)
            if edited is None:
                continue
            return Confirmation("e", edited=edited)
        if answer != "y":
            return Confirmation(answer)
        typed = None
        if decision.category is Category.DESTRUCTIVE:
            word = decision.confirm_word
            typed = prompter.ask(f"This step is destructive. Type {word} to confirm: ")
            if typed is None:
                return Confirmation("q")
            if typed.strip() != word:
                prompter.say("The name did not match: the step is not run.")
                return Confirmation("n", note="the name typed back did not match")
            typed = typed.strip()
        versions = [v for v in preview.resource_versions.values() if v is not None]
        approval = grant(decision, typed=typed, preview_sha256=preview.sha256,
                         resource_version=",".join(versions) or None)
        return Confirmation("y", approval=approval)
