"""Writing a command's result: documents as they are, text lines with colour only on a terminal."""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager, nullcontext

from kubectl_prism.options import GlobalOptions, OutputFormat
from kubectl_prism.printable import printable
from kubectl_prism.render.console import Lines, print_lines


def write(content: str | Lines, g: GlobalOptions) -> None:
    if isinstance(content, Lines):
        print_lines(content, g.no_color)
        return
    if g.output is OutputFormat.markdown:  # JSON and YAML escape control characters themselves
        content = printable(content)
    sys.stdout.write(content)
    sys.stdout.flush()


def progress(step: str, g: GlobalOptions) -> AbstractContextManager[object]:
    """A spinner on stderr for people; nothing when stderr is not a terminal (CI logs stay clean)."""
    if not sys.stderr.isatty():
        return nullcontext()
    from rich.console import Console

    return Console(stderr=True, no_color=g.no_color).status(step)
