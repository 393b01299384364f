"""Errors that end a command with one clear line and a documented exit code.

The codes: docs/architecture.md#exit-codes.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FINDINGS = 1
    USAGE = 2
    CLUSTER = 3
    AI = 4
    AGENT_STOPPED = 5
    INTERRUPTED = 130


class PrismError(Exception):
    """An expected failure: `main` prints `message` as one line on stderr and exits with `exit_code`.

    `hint` is the "what to do" half of the line, kept separate so callers can build precise messages.
    """

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def line(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(PrismError):
    exit_code = ExitCode.USAGE


class ClusterAccessError(PrismError):
    """Bad kubeconfig, unreachable or unauthorized cluster, unreadable snapshot."""

    exit_code = ExitCode.CLUSTER


class AIError(PrismError):
    exit_code = ExitCode.AI


class AgentStopped(PrismError):
    exit_code = ExitCode.AGENT_STOPPED


class FindingsAtOrAboveThreshold(PrismError):
    """Not an error: the command ran and found something at or above `--fail-on`."""

    exit_code = ExitCode.FINDINGS
