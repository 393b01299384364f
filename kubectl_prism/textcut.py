"""Cutting cluster text short without cutting a word in two.

Log lines, event and condition messages are cut to a bound where prism reads them, and most of that
text is redacted only later, on its way out. A secret cut in half matches no detector (half of a
40-character token looks like any other word), so the half that was kept would be shown. The cuts here
fall only next to a break (white space, a quote, a comma, a bracket, ...), characters no token holds:
a word that straddles a cut is left out whole, never shown in part.
"""

from __future__ import annotations

import re

_BREAKS = r"""[\s"'`,;|&(){}\[\]<>]"""
_BREAK = re.compile(_BREAKS)
_UP_TO_LAST_BREAK = re.compile(f"(?s).*{_BREAKS}")


def head(text: str, limit: int) -> str:
    """The start of `text`, at most `limit` characters, ending before a break (all of it if it fits;
    empty if its first `limit` characters are one word)."""
    if len(text) <= limit:
        return text
    found = _UP_TO_LAST_BREAK.match(text, 0, limit + 1)  # a break right after the limit ends a word too
    return text[:found.end() - 1] if found else ""


def tail(text: str, limit: int) -> str:
    """The end of `text`, at most `limit` characters, starting after a break."""
    if len(text) <= limit:
        return text
    start = len(text) - limit - 1
    match = _BREAK.search(text, start)
    return text[match.end():] if match else ""


def ends(text: str, limit: int, mark: str = " … ") -> str:
    """`text` cut to about `limit` characters, its start and end kept (errors often say the decisive
    part last) with `mark` between them."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{head(text, half)}{mark}{tail(text, half)}"
