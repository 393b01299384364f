"""`fix --ai`: the model as the fix loop's step source (`agent.steps.StepSource`).

The conversation is `ask`'s tool loop with one more tool, `propose_step {argv, why}` (and, with the
terminal skill on, `propose_shell {command, why}`). Each model turn may look (the read-only tools
run at once, their results redacted and fenced) and may propose one step; a second proposal in the
same turn is sent back unrun. The proposed argv is classified in the person's scope and handed to the
fix loop, which runs read-only steps unasked and previews and asks about every change; what became
of the step (ran, failed, declined, skipped, edited, rejected, refused, with the redacted, fenced
output) is the tool result of the proposal on the model's next turn. The run ends when the model
stops proposing, a budget is spent, or the person quits (the loop then asks the model nothing more).

A shell command is handled here, not by the kubectl loop: refused when the terminal skill is off or
when it holds kubectl, else shown verbatim and asked (`agent.shell_step`).

Every token of a proposed argv that appears only in cluster text is flagged on the confirmation
(`ai.injection`); the flag informs, the gate decides.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kubectl_prism.agent import steps as st
from kubectl_prism.agent.classify import classify
from kubectl_prism.agent.decision import Category, Scope
from kubectl_prism.ai import prompts
from kubectl_prism.ai.injection import injected_tokens, injection_warning
from kubectl_prism.ai.loop import send
from kubectl_prism.ai.providers.base import Message, Provider, ToolCall
from kubectl_prism.redact import Redacted, fence

if TYPE_CHECKING:
    from kubectl_prism.agent.terminal import Prompter
    from kubectl_prism.ai.tools import AskTools
    from kubectl_prism.findings import Finding

MAX_ARGV = 64
MAX_TOKEN_CHARS = 1000
MAX_READ_ONLY_STEPS = 20  # read-only steps run unasked: at most this many per run
OUTPUT_CHARS = 6000  # of a step's output sent back to the model


@dataclass
class AIStepSource:
    provider: Provider
    tools: AskTools
    scope: Scope
    findings: list[Finding]
    prompter: Prompter
    terminal: bool = False  # the terminal skill: propose_shell
    max_turns: int = 24  # model turns in the whole run
    token_budget: int = 200_000
    request: str | None = None  # the person's words (a TARGET), trusted for the injection flag
    run_id: str | None = None
    conversation: list[Message] = field(default_factory=list)
    final_text: str = ""
    stopped: str | None = None  # "max_steps" / "token_budget" when a budget ended the run
    quit: bool = False  # the person quit at a shell command's question
    shell_outcomes: list[str] = field(default_factory=list)  # statuses of shell commands
    requests: int = 0
    tokens: int = 0
    turns: int = 0
    _pending: ToolCall | None = None
    _read_only: int = 0
    _untrusted: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        from kubectl_prism.ai.injection import trusted_text
        from kubectl_prism.ai.tool_handlers import briefing

        self._trusted = trusted_text(self.findings, self.request, self.scope.namespace, self.scope.context)
        self._by_argv = {}
        from kubectl_prism.agent.steps import rule_plan

        for planned in rule_plan(self.findings, self.scope):
            self._by_argv.setdefault(planned.decision.argv, planned.finding)
        system = [prompts.FIX_SYSTEM] + ([prompts.FIX_SHELL_NOTE] if self.terminal else [])
        brief = briefing(self.tools)
        self._untrusted.append(brief.text)
        parts: list[Any] = [brief]
        if self.request:
            parts.append(self.tools.text(f"The person asked to fix: {self.request}"))
        self.conversation = [Message.system(*system), Message.user(*parts, prompts.FIX_TASK)]
        self.specs = [*self.tools.specs, prompts.PROPOSE_STEP_TOOL]
        if self.terminal:
            self.specs.append(prompts.PROPOSE_SHELL_TOOL)

    # --- the StepSource protocol ----------------------------------------------------------------
    def next_step(self, last: st.StepOutcome | None) -> st.ProposedStep | None:
        if self._pending is not None:
            self._answer(self._pending, self._outcome_doc(last), error=False)
            self._pending = None
        if self.quit:
            return None
        while self.stopped is None:
            if self.turns >= self.max_turns:
                self.stopped = "max_steps"
                break
            if self.tokens >= self.token_budget:
                self.stopped = "token_budget"
                break
            self.turns += 1
            completion = send(self.provider, self.conversation, self.specs, stream=False, on_text=None,
                              purpose="fix", cache_prefix=True)
            self.requests += 1
            self.tokens += completion.input_tokens + completion.output_tokens
            self.conversation.append(Message.assistant(completion.text, completion.tool_calls))
            if completion.text.strip():
                self.prompter.say(f"AI: {completion.text.strip()}")
            if not completion.tool_calls:
                self.final_text = completion.text
                return None
            step = self._turn(completion.tool_calls)
            if step is not None:
                return step
            if self.quit:
                return None
        return None

    # --- one model turn -------------------------------------------------------------------------
    def _turn(self, calls: tuple[ToolCall, ...]) -> st.ProposedStep | None:
        step: st.ProposedStep | None = None
        proposed = False
        for call in calls:
            if call.name in ("propose_step", "propose_shell"):
                if proposed:
                    self._answer(call, {"status": "not_run", "note": "one proposal per turn: propose it "
                                        "again after the outcome of the first"}, error=True)
                    continue
                proposed = True
                if call.name == "propose_shell":
                    self._shell(call)
                    continue
                step = self._proposal(call)
                continue
            output = self.tools.execute(call)
            self._untrusted.append(output.content.text)
            self.conversation.append(Message.tool(call.id, output.content, is_error=output.status == "error"))
        return step

    def _proposal(self, call: ToolCall) -> st.ProposedStep | None:
        args = call.arguments if isinstance(call.arguments, dict) else {}
        argv, why = args.get("argv"), args.get("why")
        problem = None
        if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
            problem = "argv must be a non-empty list of strings, starting with \"kubectl\""
        elif len(argv) > MAX_ARGV or any(len(a) > MAX_TOKEN_CHARS for a in argv):
            problem = f"argv is too long (at most {MAX_ARGV} items of {MAX_TOKEN_CHARS} characters)"
        if problem is not None:
            self._answer(call, {"status": "error", "note": problem}, error=True)
            return None
        decision = classify(argv, self.scope)
        if decision.category is Category.READ_ONLY:
            self._read_only += 1
            if self._read_only > MAX_READ_ONLY_STEPS:
                self._answer(call, {"status": "not_run", "note": f"the read-only budget of this run "
                                    f"({MAX_READ_ONLY_STEPS} steps) is used up: propose a change or stop"},
                             error=True)
                return None
        warnings: tuple[str, ...] = ()
        warning = injection_warning(injected_tokens(decision.argv, self._trusted, self._untrusted))
        if warning is not None:
            warnings = (warning,)
        self._pending = call
        return st.ProposedStep(decision, str(why or "").strip()[:500] or "(the model gave no reason)", "ai",
                               self._by_argv.get(decision.argv), warnings)

    def _shell(self, call: ToolCall) -> None:
        from kubectl_prism.agent import shell_step as sh

        args = call.arguments if isinstance(call.arguments, dict) else {}
        text, why = args.get("command"), str(args.get("why") or "").strip()[:500]
        if not self.terminal:
            self._answer(call, {"status": st.REFUSED, "note": "the terminal skill is off: shell commands are "
                                "refused (the person turns it on with `kubectl prism agent enable "
                                "--terminal`)"}, error=True)
            self.shell_outcomes.append(st.REFUSED)
            return
        if not isinstance(text, str):
            self._answer(call, {"status": "error", "note": "command must be a string"}, error=True)
            return
        while True:
            sh.record_shell(text, source="ai", why=why, run_id=self.run_id)
            refused = sh.refusal(text)
            if refused is not None:
                sh.record_shell(text, answer="rejected", note=refused, run_id=self.run_id)
                self.prompter.say(f"Rejected, not run: {text!r}: {refused}.")
                self._finish_shell(call, st.REJECTED, refused, text)
                return
            conf = sh.confirm_shell(self.prompter, text, why or "(the model gave no reason)",
                                    warnings=self._shell_warnings(text))
            sh.record_shell(text, answer=conf.answer, run_id=self.run_id)
            if conf.answer == "e" and conf.edited is not None:
                text = conf.edited
                continue
            if conf.answer != "y" or conf.approval is None:
                status = {"n": st.DECLINED, "s": st.SKIPPED, "q": st.QUIT}[conf.answer]
                self.quit = conf.answer == "q"
                self._finish_shell(call, status, None, text)
                return
            result = sh.run_shell(conf.approval, run_id=self.run_id)
            self.prompter.show({"kind": "result", "status": st.RAN if result.ok else st.FAILED,
                                "exitCode": result.exit_code, "durationMs": result.duration_ms,
                                "stdout": result.stdout.text, "stderr": result.stderr.text,
                                "note": "stopped at the timeout" if result.timed_out else None})
            doc = {"status": st.RAN if result.ok else st.FAILED, "command": text,
                   "exitCode": result.exit_code, "timedOut": result.timed_out or None}
            self.shell_outcomes.append(doc["status"])
            self._answer(call, doc, output=result.stdout.merge(result.stderr))
            return

    def _finish_shell(self, call: ToolCall, status: str, note: str | None, text: str) -> None:
        self.shell_outcomes.append(status)
        self._answer(call, {"status": status, "command": text, "note": note}, error=status == st.REJECTED)

    def _shell_warnings(self, text: str) -> tuple[str, ...]:
        import shlex

        try:
            words = shlex.split(text)
        except ValueError:
            words = text.split()
        warning = injection_warning(injected_tokens(["sh", *words], self._trusted, self._untrusted))
        return (warning,) if warning else ()

    # --- tool results ---------------------------------------------------------------------------
    def _outcome_doc(self, outcome: st.StepOutcome | None) -> tuple[dict[str, Any], Redacted | None]:
        if outcome is None:  # the loop asked for the next step without running this one
            return {"status": "not_run"}, None
        decision = outcome.decision or outcome.step.decision
        status = "edited" if outcome.edits and outcome.status in (st.RAN, st.FAILED) else outcome.status
        doc: dict[str, Any] = {"status": status, "answer": outcome.answer, "argv": list(decision.argv),
                               "category": str(decision.category), "note": outcome.note}
        if outcome.edits:
            doc["editedFrom"] = list(outcome.step.decision.argv)
        output = None
        if outcome.result is not None:
            doc["exitCode"] = outcome.result.exit_code
            output = outcome.result.stdout.merge(outcome.result.stderr)
        return doc, output

    def _answer(self, call: ToolCall, doc: dict[str, Any] | tuple[dict[str, Any], Redacted | None], *,
                error: bool = False, output: Redacted | None = None) -> None:
        if isinstance(doc, tuple):
            doc, output = doc
        body = self.tools.json({k: v for k, v in doc.items() if v is not None})
        if output is not None and output.text.strip():
            if len(output) > OUTPUT_CHARS:
                note = self.tools.text(f"\n[output cut at {OUTPUT_CHARS:,} of {len(output):,} characters]")
                output = self.tools.text(output.text[:OUTPUT_CHARS]).merge(note)
            self._untrusted.append(output.text)
            body = body.merge(self.tools.text("\noutput:\n")).merge(
                fence(output, self.tools.nonce, self.tools.text(f"{call.name} output")))
        self.conversation.append(Message.tool(call.id, body, is_error=error))

    def summary(self) -> str:
        return json.dumps({"requests": self.requests, "tokens": self.tokens, "stopped": self.stopped})
