"""`Approval`: the proof, required by the executor for every step that changes the cluster, that a
person said yes to exactly that step.

How one is minted: only by `grant(decision, ...)`, and only the confirmation prompt calls `grant` —
right after the person answered `y` at the terminal (and, for a destructive step, typed the name back).
A test keeps every other module of prism from calling it. The constructor itself takes a
module-private key, as `Redacted` and `Decision` do, so nothing builds one around `grant`.

An approval is bound to one `Decision` object (same argv, same checked manifest), can be used once,
and expires: the executor refuses a different decision, a second use, or an old approval.
"""

from __future__ import annotations

import time
from dataclasses import InitVar, dataclass, field

from kubectl_prism.agent.decision import Category, Decision

_KEY = object()
# An approval older than this is refused: the person approved a preview of the cluster as it was.
APPROVAL_TTL_SECONDS = 15 * 60


@dataclass(frozen=True, eq=False)
class Approval:
    decision: Decision
    answer: str  # "y"
    approver: str  # the login name of the person at the terminal
    typed: str | None  # the name typed back (destructive steps)
    preview_sha256: str | None  # hash of the preview the person saw
    resource_version: str | None  # of the object when it was previewed
    granted_at: float  # time.time()
    _key: InitVar[object]
    _uses: list[float] = field(default_factory=list, repr=False)

    def __post_init__(self, _key: object) -> None:
        if _key is not _KEY:
            raise TypeError("Approval can only be minted by kubectl_prism.agent.approval.grant")

    @property
    def used(self) -> bool:
        return bool(self._uses)

    @property
    def expired(self) -> bool:
        return time.time() - self.granted_at > APPROVAL_TTL_SECONDS

    def spend(self, decision: Decision) -> None:
        """Mark the approval used for `decision`; raises ValueError when it cannot be."""
        if decision is not self.decision:
            raise ValueError("the approval is for a different step")
        if self.used:
            raise ValueError("the approval was already used: every run of a step needs its own yes")
        if self.expired:
            raise ValueError(f"the approval is older than {APPROVAL_TTL_SECONDS // 60} minutes: preview "
                             "and ask again")
        self._uses.append(time.time())


def login_name() -> str:
    """The person's login name (the terminal's owner), for the audit log."""
    import getpass
    import os

    try:
        return os.getlogin()
    except OSError:  # no controlling terminal in this process (e.g. under a test harness)
        return getpass.getuser()


def grant(decision: Decision, *, typed: str | None = None, preview_sha256: str | None = None,
          resource_version: str | None = None) -> Approval:
    """Mint the approval of `decision`. Call ONLY from the confirmation prompt, after a person said yes.

    `typed` is what the person typed back; for a destructive step it must equal
    `decision.confirm_word`. `preview_sha256` and `resource_version` record what the person saw.
    Raises ValueError for a decision that cannot be approved (rejected, read-only, unchecked
    manifest) or a wrong typed name.
    """
    if not isinstance(decision, Decision):
        raise TypeError("grant takes a Decision from classify()")
    if not decision.needs_approval:
        why = "it never runs" if decision.category is Category.REJECTED else "it runs without asking"
        raise ValueError(f"a {decision.category} step is not approved: {why}")
    if not decision.runnable:
        raise ValueError("the step's manifest has not been checked (check_manifests)")
    if decision.category is Category.DESTRUCTIVE and typed != decision.confirm_word:
        raise ValueError(f"a destructive step needs {decision.confirm_word!r} typed back")
    return Approval(decision, "y", login_name(), typed, preview_sha256, resource_version, time.time(), _KEY)
