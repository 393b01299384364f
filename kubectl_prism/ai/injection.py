"""The injection flag: a proposed step's words that came from cluster text, not from the person or
the rules.

The gate is the control (classifier, preview, a person's yes); this flag tells the person why to look
twice. A token of the proposed argv is flagged when it appears, as a whole word, in what the model
read from the cluster (tool results: logs, events, object fields) but not in the trusted text: the
person's request and what prism's rules wrote (finding ids and titles, the objects they name, their
remediation). Evidence and messages that quote the cluster are not trusted: a log can say anything.
A token found in neither is the model's own (its knowledge of kubectl) and is not flagged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kubectl_prism.findings import Finding

MAX_SHOWN = 6


def trusted_text(findings: Sequence[Finding], *extra: str | None) -> str:
    """What the person asked and what the rules wrote (not the cluster text they quote)."""
    parts = [e for e in extra if e]
    for f in findings:
        parts += [f.id, f.title, f.object.kind, f.object.name, f.object.namespace or ""]
        for ref in (f.owner, *f.affected, *f.related):
            if ref is not None:
                parts += [ref.kind, ref.name]
        for remedy in f.remediation:
            parts += [remedy.description, remedy.command or ""]
    return "\n".join(parts)


def _pieces(token: str) -> list[str]:
    """The token, and for `--flag=value` and `kind/name` the value and the name."""
    out = [token]
    if token.startswith("-") and "=" in token:
        out.append(token.split("=", 1)[1])
    if "/" in token and not token.startswith("-"):
        out.append(token.rsplit("/", 1)[1])
    return [p for p in out if len(p) >= 2]


def _word(piece: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w.-])" + re.escape(piece) + r"(?![\w-])", re.IGNORECASE)


def injected_tokens(argv: Sequence[str], trusted: str, untrusted: Iterable[str]) -> list[str]:
    """The argv tokens seen only in cluster text (see the module docstring), in argv order."""
    cluster = "\n".join(untrusted)
    flagged: list[str] = []
    for token in argv[1:]:
        for piece in _pieces(token):
            pattern = _word(piece)
            if pattern.search(cluster) and not pattern.search(trusted):
                flagged.append(token)
                break
    return list(dict.fromkeys(flagged))


def injection_warning(tokens: Sequence[str]) -> str | None:
    if not tokens:
        return None
    shown = ", ".join(tokens[:MAX_SHOWN]) + (f" and {len(tokens) - MAX_SHOWN} more" if len(tokens) > MAX_SHOWN
                                             else "")
    return (f"possible prompt injection: {shown} appear{'s' if len(tokens) == 1 else ''} only in text read "
            "from the cluster (logs, events, object fields), not in your request or the findings; check "
            "why the model proposes this before you answer")
