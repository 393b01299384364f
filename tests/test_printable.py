"""`printable`: cluster text made safe for a terminal, without losing what is readable."""

from __future__ import annotations

import pytest

from kubectl_prism.printable import printable


@pytest.mark.parametrize(("text", "expected"), [
    ("plain text, tabs\tand\nnewlines stay", "plain text, tabs\tand\nnewlines stay"),
    ("\x1b[31mERROR\x1b[0m connection refused", "ERROR connection refused"),  # colour codes go
    ("\x1b[2J\x1b[1;1Hcleared", "cleared"),  # cursor and screen control
    ("\x1b]0;pwned\x07title", "title"),  # window title (OSC ... BEL)
    ("\x1b]8;;https://x\x1b\\link\x1b]8;;\x1b\\", "link"),  # hyperlink (OSC ... ST)
    ("cut \x1b]0;half a title\nnext line", "cut \nnext line"),  # an unended OSC stops at the line end
    ("windows line\r\nnext", "windows line\nnext"),
    ("progress 10%\rprogress 20%", "progress 10%\ufffdprogress 20%"),  # a lone CR would overwrite
    ("nul\x00bell\x07del\x7fc1\x9bx", "nul\ufffdbell\ufffddel\ufffdc1"),
    ("ünïcödé ✓ and \ufffd stay", "ünïcödé ✓ and \ufffd stay"),
])
def test_printable(text: str, expected: str) -> None:
    assert printable(text) == expected


def test_clean_text_is_returned_as_is() -> None:
    text = "x" * 10_000
    assert printable(text) is text


def test_shown_quotes_one_line_and_cuts_long_values() -> None:
    from kubectl_prism.printable import shown

    assert shown("api-0") == '"api-0"'
    assert shown("a\nb\tc\x00") == '"a\ufffdb\ufffdc\ufffd"'
    long = shown("x" * 5000)
    assert long == '"' + "x" * 200 + '…" (5000 characters)'
