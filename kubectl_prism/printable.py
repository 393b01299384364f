"""Text from the cluster made safe to print: no terminal escape sequences, no control characters.

Logs (and now and then an event message or an annotation) hold colour codes, binary junk, or sequences
that retitle, clear or rewrite a terminal. Colour and cursor sequences are dropped; every other control
character becomes U+FFFD, so that something was there stays visible. Tabs and newlines are kept.
"""

from __future__ import annotations

import re

# CSI (ESC [ ... final byte, or its one-byte form 0x9b), OSC (ESC ] ... ended by BEL or ESC \, or not
# at all in a cut log) and the other two-character ESC sequences.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b\n]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]"
)
# C0 controls but tab and newline, DEL, and the C1 controls.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    if not _CONTROLS.search(text):  # the usual case: nothing to do
        return text
    text = _ESCAPES.sub("", text).replace("\r\n", "\n")
    return _CONTROLS.sub("\ufffd", text)


# Names echoed in error lines are cut here: a 5,000-character name helps nobody read the error.
SHOWN_MAX = 200


def shown(text: str, limit: int = SHOWN_MAX) -> str:
    """A value quoted for one error line: printable, on one line, at most `limit` characters."""
    cut = len(text) > limit
    one_line = printable(text[:limit]).replace("\n", "\ufffd").replace("\t", "\ufffd")
    return f'"{one_line}…" ({len(text)} characters)' if cut else f'"{one_line}"'
