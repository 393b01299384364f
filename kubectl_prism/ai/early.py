"""Start the provider SDK import at process start, before the command line is even parsed.

`cli.main` calls `prewarm_for_argv(args)` first thing. When the command will (or may) call AI — `ask`,
or `diagnose`/`explain`/`report` with AI enabled and no `--no-ai` — the SDK import (about a second of
CPU) starts now instead of after typer's parsing and settings resolution, so it is done by the time
the cluster context is. Everything here is cheap: one small TOML read, no SDK, no keyring.
"""

from __future__ import annotations

AI_ONLY = frozenset({"ask"})
AI_OPTIONAL = frozenset({"diagnose", "explain", "report"})


def prewarm_for_argv(args: list[str]) -> None:
    if not args or args[0] not in AI_ONLY | AI_OPTIONAL:
        return
    if any(a in ("--no-ai", "--help", "-h") for a in args):
        return
    try:
        from kubectl_prism import settings

        table = settings.section("ai")
    except Exception:  # a broken config is reported by the command itself, with the right exit code
        return
    if not table.get("enabled") or not table.get("provider"):
        return
    from kubectl_prism.ai.providers import prewarm

    prewarm(str(table["provider"]))
