"""`kubectl prism context`: print exactly what AI (or an MCP client) would receive for a scope.

Runs the same gatherer, analyzers and `build_context` as the AI paths, without AI being enabled.
Text output: the payload on stdout (so `> file` captures exactly the payload) and a summary of what
was redacted, cut and anonymized on stderr — counts per type, never the values. `-o json`: one
document with the payload, the counts, the size, the SHA-256 (the one the audit log records) and
the cuts.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from kubectl_prism.errors import UsageError
from kubectl_prism.options import GlobalOptions, OutputFormat, with_global_options

if TYPE_CHECKING:
    from kubectl_prism.ai.config import AISettings
    from kubectl_prism.ai.payload import ContextPayload


def _settings() -> AISettings | None:
    """The AI settings when there are any (their provider decides how tokens are counted)."""
    try:
        from kubectl_prism.ai.config import load_settings

        return load_settings()
    except ImportError:
        return None


def summary_lines(ctx: ContextPayload) -> list[str]:
    counts = dict(ctx.counts)
    total = sum(counts.values())
    lines = ["--- kubectl-prism: summary (not part of the payload) ---"]
    if total:
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        detail = ", ".join(f"{kind} {n}" for kind, n in ordered)
        lines.append(f"redacted: {total} value{'s' if total != 1 else ''} ({detail})")
    else:
        lines.append("redacted: nothing matched a secret rule")
    size = len(ctx.payload.encode())
    lines.append(f"size: {size:,} bytes, {ctx.tokens:,} tokens ({ctx.counted_with}) "
                 f"of a {ctx.budget_tokens:,}-token budget")
    lines.append(f"collected: {ctx.collected}")
    lines.extend(f"cut to fit: {c}" for c in ctx.cut)
    if ctx.anonymizer is not None:
        lines.append(f"anonymized: {len(ctx.anonymizer)} names, namespaces, IPs and hosts "
                     "(the mapping stays on this machine)")
    lines.append(f"sha256: {ctx.payload.sha256()}")
    return lines


@with_global_options
def context(
    g: GlobalOptions,
    target: Annotated[str | None, typer.Argument(
        help="KIND/NAME (pod/x, deploy/x, ...). Without it: the namespace, or the cluster with -A.",
        show_default=False)] = None,
    anonymize: Annotated[bool, typer.Option(
        "--anonymize",
        help="Replace names, namespaces, IPs and hostnames with stable placeholders.")] = False,
    budget: Annotated[int | None, typer.Option(
        "--budget", help="Token budget for the context (default: what a request may hold, 4,000 tokens "
        "for a target and 6,000 for a namespace, less the prompt; or context_tokens of the AI settings).",
        show_default=False)] = None,
) -> None:
    """Print exactly the redacted context AI would receive, with counts of what was redacted."""
    if g.output not in (OutputFormat.text, OutputFormat.json):
        raise UsageError(f"-o {g.output.value} is not supported by context", hint="use -o text or -o json")
    if g.show_secrets:
        raise UsageError("--show-secrets does not apply to context: it prints the AI payload, which is "
                         "always redacted", hint="use `explain TARGET --show-secrets` to see raw values")
    from kubectl_prism.kinds import parse_target

    parsed = parse_target(target) if target is not None else None  # "" is a malformed TARGET
    if budget is not None and budget < 100:
        raise UsageError(f"--budget {budget} is too small", hint="use at least 100 tokens")
    from kubectl_prism.ai.context import explain_context
    from kubectl_prism.analyzers import run_analyzers
    from kubectl_prism.gather import gather_scope
    from kubectl_prism.gather.on_demand import OnDemand

    snapshot = gather_scope(g, parsed)
    findings = run_analyzers(snapshot)
    reader = OnDemand(g)
    try:
        ctx = explain_context(snapshot, findings, settings=_settings(), anonymize=anonymize, reader=reader,
                              budget_tokens=budget)
    finally:
        reader.close()
    from kubectl_prism.commands._output import echo, write
    from kubectl_prism.redact.output import clear_for_output, payload_output

    if g.output is OutputFormat.json:
        write(clear_for_output(ctx.to_dict()).render(
            lambda doc: json.dumps(doc, indent=2, ensure_ascii=False) + "\n"), g)
        return
    # Byte for byte what would be sent (the payload ends with a newline): `> file` and its SHA-256
    # match the audit record of a real request.
    write(payload_output(ctx.payload, newline=True), g)
    echo("\n".join(summary_lines(ctx)), err=True)
