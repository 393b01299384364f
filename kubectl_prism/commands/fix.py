"""`kubectl prism fix`."""

from __future__ import annotations

from kubectl_prism.commands._stub import not_yet
from kubectl_prism.options import GlobalOptions, with_global_options


@with_global_options
def fix(g: GlobalOptions) -> None:
    """Not yet implemented."""
    not_yet("fix")
