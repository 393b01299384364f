"""Placeholder for commands whose issue has not landed yet."""

from __future__ import annotations

from typing import NoReturn

from kubectl_prism.errors import UsageError


def not_yet(command: str) -> NoReturn:
    raise UsageError(f"`kubectl prism {command}` is not yet implemented in this version")
