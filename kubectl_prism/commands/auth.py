"""`kubectl prism auth ...`."""

from __future__ import annotations

import typer

from kubectl_prism.commands._stub import not_yet

app = typer.Typer(help="Not yet implemented.", no_args_is_help=True)


@app.command("status")
def status() -> None:
    """Not yet implemented."""
    not_yet("auth status")
