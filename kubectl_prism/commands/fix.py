"""`kubectl prism fix`."""

from __future__ import annotations

from kubectl_prism.commands._stub import not_yet
from kubectl_prism.options import GlobalOptions, with_global_options


@with_global_options
def fix(g: GlobalOptions) -> None:
    """Not yet implemented."""
    from kubectl_prism.agent.settings import require_agent

    require_agent()  # exit 2 with the command that turns agent mode on
    not_yet("fix")
