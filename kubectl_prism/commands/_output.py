"""Writing a command's result: only `Output`s (see redact/output.py), to stdout or atomically to a file.

A command clears its result model once (`clear`: the redaction pipeline, or raw with `--show-secrets`)
and renders the output from the cleared model; `write` and `write_file` refuse anything else, so no
output path can skip redaction. An unredacted output says so first: a banner line for text and
markdown (document renderers put it in the document: a first field, a banner element), and a warning
on stderr for what people do not read from the top (JSON, YAML, files).
"""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any, TypeVar

from kubectl_prism.options import GlobalOptions, OutputFormat
from kubectl_prism.printable import printable
from kubectl_prism.redact.output import BANNER, Cleared, Output, clear_for_output, redacted_output
from kubectl_prism.render.console import Line, Lines, print_lines

T = TypeVar("T")

STDERR_WARNING = "warning: --show-secrets: this output is not redacted; secret values are shown as stored"


def clear(model: T, g: GlobalOptions) -> Cleared[T]:
    """The one choke point of a command's output: redact `model`, unless `--show-secrets` was given."""
    return clear_for_output(model, show_secrets=g.show_secrets)


def _check(output: object) -> Output[Any]:
    if not isinstance(output, Output):
        raise TypeError("prism writes only Output values (clear(model).render(...)), "
                        f"not {type(output).__name__}")
    return output


def write(output: Output[str | Lines], g: GlobalOptions) -> None:
    content = _check(output).content
    if isinstance(content, Lines):
        if output.unredacted:
            content = Lines([Line(0, [(BANNER, "bold red")]), Line(), *content])
        print_lines(content, g.no_color)
        return
    if not isinstance(content, str):
        raise TypeError(f"an Output to write holds str or Lines, not {type(content).__name__}")
    if output.exact and not sys.stdout.isatty():
        pass  # `prism context > payload.txt`: the exact bytes
    elif g.output in (OutputFormat.text, OutputFormat.markdown):  # JSON and YAML escape them themselves
        content = printable(content)
    if output.unredacted:
        if g.output is OutputFormat.markdown:
            content = markdown_banner() + content
        elif g.output is OutputFormat.text:
            content = f"{BANNER}\n\n{content}"
        else:  # the document renderer put the banner in the document's first field
            warn_unredacted()
    sys.stdout.write(content)
    sys.stdout.flush()


def echo(line: str, *, err: bool = False) -> None:
    """One line of prism's own words (it may name a file or an object): redacted, never raw."""
    print(redacted_output(line).content, file=sys.stderr if err else sys.stdout, flush=True)


def write_file(path: Path, output: Output[str]) -> None:
    """Write a document atomically (nothing half-written is left behind)."""
    from kubectl_prism.files import atomic_write

    content = _check(output).content
    if not isinstance(content, str):
        raise TypeError(f"a file is written from a str Output, not {type(content).__name__}")
    atomic_write(path, content)
    if output.unredacted:
        warn_unredacted()


def markdown_banner() -> str:
    return f"> **{BANNER}**\n\n"


def warn_unredacted() -> None:
    print(STDERR_WARNING, file=sys.stderr)


def progress(step: str, g: GlobalOptions) -> AbstractContextManager[object]:
    """A spinner on stderr for people; nothing when stderr is not a terminal (CI logs stay clean)."""
    if not sys.stderr.isatty():
        return nullcontext()
    from rich.console import Console

    return Console(stderr=True, no_color=g.no_color).status(step)
