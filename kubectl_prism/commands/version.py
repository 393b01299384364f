"""`kubectl prism version`."""

from __future__ import annotations

import json
import platform
from typing import Annotated

import typer

from kubectl_prism import __version__


def version(
    output: Annotated[str, typer.Option("--output", "-o", help="text or json.")] = "text",
) -> None:
    """Print the prism version."""
    info = {"version": __version__, "python": platform.python_version()}
    if output == "json":
        typer.echo(json.dumps(info))
    else:
        typer.echo(f"kubectl-prism {__version__} (python {info['python']})")
