"""The person's side of agent mode: the controlling terminal, and nothing else, answers.

Answers are read from `/dev/tty`, never from stdin: `kubectl prism fix | tee log` still asks, and
`yes | kubectl prism fix` approves nothing (the `y`s go to stdin, which is never read). A process
without a controlling terminal (CI, cron, a pipeline started with setsid) has no one to ask:
`open_terminal()` returns None and `fix` prints the plan instead of changing anything.

The `Prompter` protocol is what the confirmation talks to: `show` a step card (a plain document the
command layer redacts and renders), `say` a line of prism's own words, `ask` a question and read one
line. `TerminalPrompter` is the real one; the command layer passes in how cards are drawn, so the
agent layer draws nothing itself.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any, Protocol

MAX_ANSWER_CHARS = 4096  # an edited command is one line; anything longer is cut, not buffered forever


class Prompter(Protocol):
    def show(self, card: dict[str, Any]) -> None: ...

    def say(self, line: str) -> None: ...

    def ask(self, question: str) -> str | None:
        """One line typed by the person, without its newline; None when the terminal is gone (EOF)."""
        ...


@dataclass
class Tty:
    """The controlling terminal: a reader and a writer on it (a tty cannot be opened `r+` in Python:
    it is not seekable)."""

    reader: IO[str]
    writer: IO[str]

    def close(self) -> None:
        for stream in (self.reader, self.writer):
            with contextlib.suppress(OSError):
                stream.close()

    def __enter__(self) -> Tty:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_terminal() -> Tty | None:
    """The controlling terminal, or None when the process has none."""
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:  # ENXIO: no controlling terminal; ENOENT/EACCES: a sandbox without /dev/tty
        return None
    if not os.isatty(fd):
        os.close(fd)
        return None
    reader = os.fdopen(fd, "r", encoding="utf-8", errors="replace")
    writer = os.fdopen(os.dup(fd), "w", encoding="utf-8", errors="replace")
    return Tty(reader, writer)


class TerminalPrompter:
    """Asks on the controlling terminal; step cards and lines go through `show_card` / `show_line`
    (the command layer's redacting renderers, writing to stdout so `| tee log` keeps them)."""

    def __init__(self, tty: Tty, show_card: Callable[[dict[str, Any]], None],
                 show_line: Callable[[str], None]) -> None:
        self.tty = tty
        self._show_card = show_card
        self._show_line = show_line

    def show(self, card: dict[str, Any]) -> None:
        self._show_card(card)

    def say(self, line: str) -> None:
        self._show_line(line)

    def ask(self, question: str) -> str | None:
        import sys

        sys.stdout.flush()  # everything shown so far is on screen before the question
        from kubectl_prism.redact.output import redacted_output

        self.tty.writer.write(redacted_output(question).content)
        self.tty.writer.flush()
        line = self.tty.reader.readline(MAX_ANSWER_CHARS + 1)
        if not line:
            return None
        if not line.endswith("\n"):  # an over-long line: drop the rest of it
            while (rest := self.tty.reader.readline(MAX_ANSWER_CHARS)) and not rest.endswith("\n"):
                pass
        return line.rstrip("\r\n")

