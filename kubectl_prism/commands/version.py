"""`kubectl prism version`."""

from __future__ import annotations

import json
import platform
from enum import StrEnum
from typing import Annotated

import typer

from kubectl_prism import __version__


class VersionFormat(StrEnum):
    text = "text"
    json = "json"


def version(
    output: Annotated[VersionFormat, typer.Option(
        "--output", "-o", help="text or json.")] = VersionFormat.text,
) -> None:
    """Print the prism version."""
    info = {"version": __version__, "python": platform.python_version()}
    if output is VersionFormat.json:
        typer.echo(json.dumps(info))
    else:
        typer.echo(f"kubectl-prism {__version__} (python {info['python']})")
