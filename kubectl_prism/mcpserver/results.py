"""Tool results: built only from `Redacted` values and capped in size (docs/redaction.md, docs/mcp.md).

A tool returns a `ToolReply`; the server turns it into the MCP `CallToolResult`. `reply` refuses
anything but `Redacted`, so cluster text cannot reach a client without passing the redaction
pipeline. A result over `MAX_RESULT_CHARS` is shortened — lists lose their tail items (the JSON
stays valid and says how many were left out), anything else is cut — and says how to narrow the
query, as holmesgpt's tools do, instead of flooding the assistant's context window.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kubectl_prism.redact import Redacted, redact_json, redact_text

# ~8k tokens: well under what assistants accept per tool result (Claude Code warns at 10k tokens by
# default), and enough for a namespace's pods or a diagnosis with evidence.
MAX_RESULT_CHARS = 32_000
NARROW_HINT = "narrow the query: pass a namespace, a label_selector, one target, or fewer tail_lines"

# Status values, as in holmesgpt: the assistant reads them; `is_error` follows from them.
SUCCESS = "success"
NO_DATA = "no_data"
FORBIDDEN = "forbidden"  # RBAC said no: a gap, not a failure of the tool
ERROR = "error"
REFUSED = "refused"  # outside the MCP allow-lists or the server is disabled


@dataclass(frozen=True)
class ToolReply:
    body: Redacted
    status: str = SUCCESS
    is_error: bool = False
    # What the redaction pipeline replaced in the full result (before any cut), for the audit log.
    redactions: Mapping[str, int] = field(default_factory=dict)
    cut: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.body, Redacted):
            raise TypeError(f"a tool result must be Redacted, not {type(self.body).__name__}")


def reply(body: Redacted, status: str = SUCCESS, *, error: bool = False, limit: int = MAX_RESULT_CHARS,
          hint: str = NARROW_HINT) -> ToolReply:
    """The one door from a tool to the client: `body` must be `Redacted`; it is cut to `limit`."""
    if not isinstance(body, Redacted):
        raise TypeError(f"a tool result must be Redacted, not {type(body).__name__}")
    counts = dict(body.counts)
    if len(body) <= limit:
        return ToolReply(body, status, error, counts)
    notice = (f"\n[cut: the result was {len(body)} characters, over the limit of {limit}; "
              f"{hint}]")
    # Cutting after redaction, never before (a secret cut in half would no longer match); the kept
    # part goes through the pipeline again only because `Redacted` has no public slicing.
    kept = redact_text(body.text[: max(limit - len(notice), 0)])
    return ToolReply(kept.merge(redact_text(notice)), status, error, counts, cut=True)


def json_reply(doc: Any, status: str = SUCCESS, *, error: bool = False, hint: str = NARROW_HINT) -> ToolReply:
    return reply(redact_json(doc), status, error=error, hint=hint)


def error_reply(message: str, status: str = ERROR) -> ToolReply:
    """A tool error (MCP `isError`); the message may quote the API server, so it is redacted too."""
    return reply(redact_json({"status": status, "error": message}), status, error=True)


def fit_items(build: Callable[[Sequence[Any], dict[str, Any] | None], Any], items: Sequence[Any],
              status: str = SUCCESS, *, limit: int = MAX_RESULT_CHARS, hint: str = NARROW_HINT,
              redact: Callable[[Any], Redacted] = redact_json) -> ToolReply:
    """The document `build(items, None)`, or with as many leading items as fit under `limit`.

    `build(shown, truncated)` gets `truncated = {"shown": k, "total": n, "hint": ...}` when items
    were left out. Binary search on k: a few redaction passes, each of at most about `limit` chars.
    """
    full = redact(build(items, None))
    if len(full) <= limit:
        return ToolReply(full, status, False, dict(full.counts))

    def attempt(k: int) -> Redacted:
        return redact(build(items[:k], {"shown": k, "total": len(items), "hint": hint}))

    lo, hi, best = 0, len(items) - 1, attempt(0)
    while lo <= hi:
        mid = (lo + hi) // 2
        candidate = attempt(mid)
        if len(candidate) <= limit:
            lo, best = mid + 1, candidate
        else:
            hi = mid - 1
    shortened = reply(best, status, limit=limit, hint=hint)  # still cut if even zero items do not fit
    return ToolReply(shortened.body, status, False, dict(full.counts), cut=True)
