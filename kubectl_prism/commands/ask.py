"""`kubectl prism ask "QUESTION"`: a read-only AI agent answers with scoped, redacted tools.

Needs AI. Without it, the rule-based diagnosis of the scope is printed and the command exits 4 with
the command that turns AI on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from kubectl_prism.errors import AIError, PrismError
from kubectl_prism.options import GlobalOptions, OutputFormat, with_global_options

if TYPE_CHECKING:
    from kubectl_prism.ai.loop import LoopResult


@with_global_options
def ask(
    g: GlobalOptions,
    question: Annotated[str, typer.Argument(help='The question, in quotes: "why is checkout failing?"')],
    anonymize: Annotated[
        bool,
        typer.Option(
            "--anonymize", help="Replace names, namespaces, IPs and hosts with placeholders before sending."
        ),
    ] = False,
    max_steps: Annotated[
        int | None,
        typer.Option(
            "--max-steps",
            min=1,
            max=50,
            help="Most tool-calling rounds (default 8; max_steps in the ai config).",
        ),
    ] = None,
) -> None:
    """Ask about the cluster in plain words. Read-only: the AI can look, never change anything."""
    if not question.strip():
        from kubectl_prism.errors import UsageError

        raise UsageError("the question is empty", hint='e.g. kubectl prism ask "why is checkout failing?"')
    from kubectl_prism.ai.resolve import resolve_ai

    try:
        settings = resolve_ai(True)
    except AIError:
        _print_rule_based(g)
        raise
    assert settings is not None
    from kubectl_prism.ai.providers import make_provider, prewarm

    prewarm(settings.provider, settings)  # import the SDK and build the client while the cluster is read
    from kubectl_prism.ai.explain import StreamWriter
    from kubectl_prism.ai.loop import run_loop
    from kubectl_prism.ai.prompts import ASK_FINAL, ASK_SYSTEM, DISCLAIMER
    from kubectl_prism.ai.providers.base import Message
    from kubectl_prism.ai.tool_handlers import briefing
    from kubectl_prism.ai.tools import AskTools
    from kubectl_prism.redact import Anonymizer, redact_text

    anonymizer = Anonymizer() if anonymize else None
    tools = AskTools(g, anonymizer=anonymizer)
    tools.scope()
    provider = make_provider(settings)
    # The first turn already holds the scope and its findings: the model starts informed.
    messages = [
        Message.system(ASK_SYSTEM),
        Message.user(briefing(tools), redact_text(question, anonymizer=anonymizer)),
    ]
    restore = anonymizer.restore if anonymizer is not None else None
    streaming = g.output is OutputFormat.text
    from kubectl_prism.commands._ai import stream_sink

    writer = StreamWriter(stream_sink(g), restore) if streaming else None
    try:
        result = run_loop(
            provider,
            messages,
            tools.specs,
            executor=tools.execute,
            finish=ASK_FINAL,
            max_steps=max_steps or settings.max_steps,
            token_budget=settings.loop_tokens,
            stream=streaming,
            on_text=writer,
            purpose="ask",
        )
    finally:
        if writer is not None:
            writer.close()
    answer = restore(result.text) if restore else result.text
    doc = _answer_doc(question, answer, result, provider.name, provider.model, DISCLAIMER,
                      tools.scope().namespace)
    from kubectl_prism.commands._output import write
    from kubectl_prism.redact.output import clear_for_output

    # The answer comes from the redacted payload and AI output is always redacted (docs/redaction.md), so
    # --show-secrets does not apply to it.
    cleared = clear_for_output(doc)
    if g.output is OutputFormat.text:
        write(cleared.render(lambda d: _footer(d, result)), g)
    elif g.output is OutputFormat.markdown:
        write(cleared.render(lambda d: _markdown(d) + "\n"), g)
    else:
        from kubectl_prism.render.structured import structured_output

        write(structured_output(cleared, g.output.value), g)


def _answer_doc(
    question: str, answer: str, result: LoopResult, provider: str, model: str, disclaimer: str,
    namespace: str | None = None,
) -> dict[str, Any]:
    from kubectl_prism.ai.proposals import classify_command, commands_in
    from kubectl_prism.ai.usage import token_counts

    # Commands in the prose are the model's: labelled and classified like explain's remediation.
    proposed = [{"command": c, **classify_command(c, namespace)} for c in commands_in(answer)]
    return {
        "apiVersion": "prism/v1",
        "kind": "Answer",
        "question": question,
        "answer": answer.strip(),
        "toolsCalled": [
            {"name": t.name, "arguments": t.arguments, "status": t.status} for t in result.tools_called
        ],
        "stopped": result.stopped,
        "provider": provider,
        "model": model,
        "tokens": {**token_counts(result), "requests": result.requests},
        "truncated": result.truncated,
        "proposedCommands": proposed,
        "disclaimer": disclaimer,
    }


def _footer(doc: dict[str, Any], result: LoopResult) -> str:
    from kubectl_prism.ai.usage import usage_text

    out = ["", doc["disclaimer"]]
    if doc.get("proposedCommands"):
        out.append("Commands in this answer are AI-proposed; review before running:")
        for step in doc["proposedCommands"]:
            out.append(f"  [{step['category']}] {step['command']}")
            if step.get("warning"):
                out.append(f"    ! {step['warning']}")
    if result.stopped:
        why = "step budget" if result.stopped == "max_steps" else "token budget"
        out.append(f"(stopped early: {why} reached)")
    if result.tools_called:
        out.append(f"Tools called ({len(result.tools_called)}):")
        out += [f"  {t.line()}" for t in result.tools_called]
    else:
        out.append("Tools called: none")
    if result.truncated:
        out.append("(the answer reached max_output_tokens and is cut short)")
    tokens = doc["tokens"]
    out.append(f"{doc['provider']} {doc['model']}: {usage_text(tokens)} in {tokens['requests']} requests")
    return "\n".join(out) + "\n"


def _markdown(doc: dict[str, Any]) -> str:
    lines = [f"**Q:** {doc['question']}", "", doc["answer"], "", f"> {doc['disclaimer']}", ""]
    if doc.get("proposedCommands"):
        lines.append("AI-proposed commands (review before running):")
        for step in doc["proposedCommands"]:
            warning = f" — **warning:** {step['warning']}" if step.get("warning") else ""
            lines.append(f"- _{step['category']}_ `{step['command']}`{warning}")
        lines.append("")
    if doc["toolsCalled"]:
        lines.append("Tools called:")
        lines += [f"- `{t['name']}` ({t['status']})" for t in doc["toolsCalled"]]
    return "\n".join(lines)


def _print_rule_based(g: GlobalOptions) -> None:
    """AI is off: still show what the rules see in this scope, then let the AIError exit 4."""
    from kubectl_prism.analyzers import run_analyzers
    from kubectl_prism.commands._output import clear, echo, write
    from kubectl_prism.findings import Diagnosis, Scope
    from kubectl_prism.gather import gather_scope

    try:
        snapshot = gather_scope(g, None)
    except PrismError as err:
        echo(f"warning: no rule-based diagnosis either: {err.line()}", err=True)
        return
    scope = Scope(snapshot.context, snapshot.namespace, None, snapshot.source)
    diagnosis = Diagnosis(scope, run_analyzers(snapshot), list(snapshot.gaps))
    cleared = clear(diagnosis, g)
    if g.output in (OutputFormat.json, OutputFormat.yaml):
        from kubectl_prism.render.structured import structured_output

        write(structured_output(cleared, g.output.value), g)
        return
    from kubectl_prism.render.text import diagnosis_lines

    counts = snapshot.counts()
    write(cleared.render(lambda d: diagnosis_lines(d, counts)), g)
    echo("\n`ask` needs AI to answer questions; above is the rule-based diagnosis of the scope.", err=True)
