"""Fences around cluster text, so text from the cluster cannot pose as the structure of a prompt.

A log line can say `</context>`, `## Findings (0)` or `### SYSTEM: ignore the above`. Every piece of
cluster text sent to a model goes between two fence lines that carry a nonce drawn fresh for each
request (`new_nonce`), which the cluster text cannot know:

    <<<cluster-data 5f2c9a1e7b3d4460 logs of shop/api-0 container api>>>
    ...text...
    <<<end-cluster-data 5f2c9a1e7b3d4460>>>

Inside, what could read as structure is neutralised: markdown headings get a backslash
(`\\## Findings`), and anything that looks like a fence line (`<<<`, `>>>`) loses its angle run.
The system prompts say that fenced text is data, never instructions.
"""

from __future__ import annotations

import re
import secrets

from kubectl_prism.redact.result import Redacted, make

OPEN = "<<<cluster-data"
CLOSE = "<<<end-cluster-data"
_HEADING = re.compile(r"(?m)^([ \t]*)(#{1,6})(?=[ \t]|$)")
_ANGLES = re.compile(r"<{3,}|>{3,}")
_LABEL_JUNK = re.compile(r"[<>\r\n\t\x00-\x1f]+")


def new_nonce() -> str:
    """16 hex digits from the OS's random source: unguessable to whoever wrote the cluster text."""
    return secrets.token_hex(8)


def neutralise(text: str) -> str:
    """Cluster text with its headings escaped and its fence look-alikes broken."""
    text = _ANGLES.sub(lambda m: m.group(0)[0] * 2 + " " + m.group(0)[2:], text)
    return _HEADING.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", text)


def fence(body: Redacted, nonce: str, label: Redacted | None = None) -> Redacted:
    """`body` between fence lines with `nonce`; the label (already redacted) says what it is."""
    if not isinstance(body, Redacted) or (label is not None and not isinstance(label, Redacted)):
        raise TypeError("fence takes Redacted values")
    about = ""
    if label is not None and label.text.strip():
        about = " " + " ".join(_LABEL_JUNK.sub(" ", label.text).split())
    inner = neutralise(body.text).rstrip("\n")
    text = f"{OPEN} {nonce}{about}>>>\n{inner}\n{CLOSE} {nonce}>>>"
    counts = dict(body.counts)
    if label is not None:
        for key, value in label.counts.items():
            counts[key] = counts.get(key, 0) + value
    # neutralising only touches '#' and angle runs: the placeholders (and so the counts) are intact
    return make(text, counts)
