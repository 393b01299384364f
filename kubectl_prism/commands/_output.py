"""Writing a command's result: documents as they are, text lines with colour only on a terminal."""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager, nullcontext

from kubectl_prism.options import GlobalOptions
from kubectl_prism.render.console import Lines, print_lines


def write(content: str | Lines, g: GlobalOptions) -> None:
    if isinstance(content, Lines):
        print_lines(content, g.no_color)
        return
    sys.stdout.write(content)
    sys.stdout.flush()


def progress(step: str, g: GlobalOptions) -> AbstractContextManager[object]:
    """A spinner on stderr for people; nothing when stderr is not a terminal (CI logs stay clean)."""
    if not sys.stderr.isatty():
        return nullcontext()
    from rich.console import Console

    return Console(stderr=True, no_color=g.no_color).status(step)
