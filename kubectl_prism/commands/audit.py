"""`kubectl prism audit`: the local log of AI requests, MCP tool calls and executed agent steps."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from kubectl_prism.errors import UsageError
from kubectl_prism.options import GlobalOptions, OutputFormat, with_global_options

_COLUMNS = ("TIME", "EVENT", "COMMAND", "WHO", "MODEL", "BYTES", "REDACTED", "SHA256", "RESULT")


def _who(rec: dict[str, Any]) -> str:
    return str(rec.get("provider") or rec.get("client") or rec.get("approver") or "-")


def _result(rec: dict[str, Any]) -> str:
    parts = []
    if rec.get("category"):  # agent records: what the classifier said and what the person answered
        parts.append(str(rec["category"]))
    if rec.get("answer"):
        parts.append(f"answer {rec['answer']}")
    if rec.get("action"):  # GitOps: edit, commit, push
        parts.append(str(rec["action"]))
    if rec.get("branch"):
        parts.append(f"branch {rec['branch']}")
    if rec.get("commit"):
        parts.append(f"commit {str(rec['commit'])[:10]}")
    if rec.get("pushed") is not None:
        parts.append("pushed" if rec["pushed"] else "not pushed")
    if rec.get("timed_out"):
        parts.append("timed out")
    if "exit_code" in rec:
        parts.append(f"exit {rec['exit_code']}")
    if "duration_ms" in rec:
        parts.append(f"{rec['duration_ms']}ms")
    if rec.get("status"):
        parts.append(str(rec["status"]))
    tokens = rec.get("tokens")
    if isinstance(tokens, dict):  # ai.response: as the provider counted them
        cached = tokens.get("cacheRead") or 0
        parts.append(f"in {tokens.get('input', '?')}" + (f" ({cached} cached)" if cached else "")
                     + f" out {tokens.get('output', '?')}")
    return " ".join(parts) or "-"


def _row(rec: dict[str, Any]) -> list[str]:
    redactions = rec.get("redactions") or {}
    total = sum(v for v in redactions.values() if isinstance(v, int)) if isinstance(redactions, dict) else 0
    command = rec.get("command") or rec.get("tool") or rec.get("argv") or rec.get("repo") or "-"
    if isinstance(command, list):
        command = " ".join(map(str, command))
    return [
        str(rec.get("time", "-"))[:19].replace("T", " "),
        str(rec.get("event", "-")),
        str(command)[:60],
        _who(rec),
        str(rec.get("model") or "-"),
        str(rec.get("bytes", "-")),
        str(total),
        str(rec.get("sha256") or rec.get("argv_sha256") or "-")[:12],
        _result(rec),
    ]


def table(records: list[dict[str, Any]]) -> str:
    rows = [list(_COLUMNS), *(_row(r) for r in records)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(_COLUMNS))]
    return "\n".join("   ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
                     for r in rows)


@with_global_options
def audit(
    g: GlobalOptions,
    since: Annotated[str | None, typer.Option(
        "--since", help="Only records newer than a duration (30m, 1h, 7d) or a date/time (2026-11-01).",
        show_default=False)] = None,
    event: Annotated[str | None, typer.Option(
        "--event", help="Only records whose event starts with this: ai, mcp, agent, agent.step, ...",
        show_default=False)] = None,
) -> None:
    """Show the local audit log: AI requests, MCP tool calls, and agent proposals, answers and steps."""
    from kubectl_prism import audit as log

    if g.output not in (OutputFormat.text, OutputFormat.json):
        raise UsageError(f"-o {g.output.value} is not supported by audit", hint="use -o text or -o json")
    result = log.read(since=log.parse_since(since) if since else None)
    if event:
        result.records = [r for r in result.records if str(r.get("event", "")).startswith(event)]
    from kubectl_prism.commands._output import clear, echo, write

    # Records are redacted when written; they are cleared again for display, as every output is (a
    # log from an older version, or edited by hand, may hold anything).
    cleared = clear(result.records, g)
    if g.output is OutputFormat.json:
        write(cleared.render(lambda records: json_lines(records, cleared.banner)), g)
    elif result.records:
        write(cleared.render(lambda records: table(records) + "\n"), g)
    else:
        when = (f" since {since}" if since else "") + (f" of event {event}" if event else "")
        echo(f"No audit records{when} in {result.path}.", err=True)
    if result.skipped:
        echo(f"warning: skipped {result.skipped} unreadable line{'s' if result.skipped != 1 else ''} "
             f"in {result.path}", err=True)


def json_lines(records: list[dict[str, Any]], banner: str | None) -> str:
    """JSON lines, as stored: one record per line for jq and friends; an unredacted display starts with
    a line of its own that says so."""
    from kubectl_prism.redact.output import BANNER_FIELD

    head = [{BANNER_FIELD: banner}] if banner else []
    return "".join(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n"
                   for rec in [*head, *records])
