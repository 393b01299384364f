"""A deadline for everything one context's run sends to its API server (fleet runs, the exporter).

`Deadline` is a point in monotonic time. `DeadlineClient` is the live client with that deadline: no
request starts after it, and no single request waits on a connect or a read past the time that was left
when the client was made. Together with the fleet runner, which stops waiting for a context at its
deadline, one slow or hung cluster costs a fleet run at most its deadline.
"""

from __future__ import annotations

import time
from typing import Any

from kubectl_prism.apipath import ApiPath
from kubectl_prism.errors import ClusterAccessError
from kubectl_prism.gather.http import KubeClient
from kubectl_prism.gather.kubeconfig import ClusterConnection

# The live client's own per-request timeouts (http.py); a deadline only ever shortens them.
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 60.0


class Deadline:
    def __init__(self, seconds: float, flag: str = "--context-timeout") -> None:
        self.seconds = seconds
        self.flag = flag  # named in the error, so people know what to raise
        self.at = time.monotonic() + seconds

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def expired(self) -> bool:
        return self.remaining() <= 0

    def error(self, context: str) -> ClusterAccessError:
        return ClusterAccessError(
            f'gave up on context "{context}" after {_seconds(self.seconds)} ({self.flag})',
            hint=f"raise {self.flag} for slow clusters")


class DeadlineClient(KubeClient):
    """The live client, refusing to start a request once the deadline has passed."""

    def __init__(self, conn: ClusterConnection, deadline: Deadline, **kwargs: Any) -> None:
        budget = max(deadline.remaining(), 0.1)
        kwargs.setdefault("connect_timeout", min(CONNECT_TIMEOUT, budget))
        kwargs.setdefault("read_timeout", min(READ_TIMEOUT, budget))
        super().__init__(conn, **kwargs)
        self.deadline = deadline

    def get_json(self, path: ApiPath, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        self._check()  # every page of a list comes through here too
        return super().get_json(path, extra)

    def get_text(self, path: ApiPath) -> str:
        self._check()
        return super().get_text(path)

    def _check(self) -> None:
        if self.deadline.expired():
            raise self.deadline.error(self.conn.context)


def _seconds(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        return f"{int(seconds // 60)}m"
    return f"{seconds:g}s"
