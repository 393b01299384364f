"""Streamed model text rendered as Markdown for a person at a terminal (rich), a block at a time.

The model writes Markdown (`**bold**`, lists, ```` ``` ```` fences). On a terminal it is rendered with
rich's `Markdown` as soon as a block is complete (a blank line outside a code fence); piped or with
`--no-color` the text is written as it is (the callers decide, with `console.use_color`). The text
arriving here was already redacted and stripped of control sequences (`ai.explain.StreamWriter`).
"""

from __future__ import annotations

from typing import IO, Any


class MarkdownStream:
    """A write()/flush()/finish() sink that renders finished Markdown blocks to `out`."""

    def __init__(self, out: IO[str], width: int | None = None) -> None:
        from rich.console import Console

        self._out = out
        self._held = ""
        self._console: Any = Console(file=out, force_terminal=True, width=width, highlight=False,
                                     soft_wrap=False)

    def write(self, text: str) -> int:
        self._held += text
        cut = self._block_end(self._held)
        if cut > 0:
            self._render(self._held[:cut])
            self._held = self._held[cut:]
        return len(text)

    @staticmethod
    def _block_end(text: str) -> int:
        """The end of the last complete block: after a blank line that is not inside a code fence."""
        end, fenced, pos = 0, False, 0
        for line in text.splitlines(keepends=True):
            pos += len(line)
            if line.lstrip().startswith(("```", "~~~")):
                fenced = not fenced
            elif not fenced and not line.strip() and line.endswith("\n"):
                end = pos
        return end

    def _render(self, block: str) -> None:
        from rich.markdown import Markdown

        if block.strip():
            self._console.print(Markdown(block))

    def flush(self) -> None:
        self._out.flush()

    def finish(self) -> None:
        held, self._held = self._held, ""
        self._render(held)
        self._out.flush()
