"""The terminal skill (`agent enable --terminal`): a shell command the model proposed, run only as the
person approved it, word for word.

- Every shell command asks, whatever it looks like (`nslookup` too): the person sees the exact text.
- kubectl inside a shell command is refused before anyone is asked: kubectl goes through the
  classifier as its own step (`propose_step`), where its flags, namespace and verbs are checked.
- What runs is the approved text and nothing else: `ShellApproval` is minted only by
  `confirm_shell` after a `y`, holds the text, and is spent once by `run_shell`.
- It runs under `/bin/sh -c` in its own process group, without stdin, with `KUBECTL_*` and
  `KUBE_EDITOR` removed from the environment, stopped at a timeout, its output capped and redacted
  before the model (or the screen) gets it; every run is in the audit log.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import time
from dataclasses import InitVar, dataclass, field
from typing import TYPE_CHECKING

from kubectl_prism.errors import AgentStopped
from kubectl_prism.redact import Redacted

if TYPE_CHECKING:
    from kubectl_prism.agent.terminal import Prompter

MAX_COMMAND_CHARS = 2000
DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_OUTPUT_CAP = 32 * 1024
SHELL_ANSWERS = ("y", "n", "e", "s", "q")
_KEY = object()
# kubectl by any name the shell would find it under: kubectl, kubectl.exe, kubectl-foo (a plugin),
# /usr/bin/kubectl, "kube"'ctl' (quotes are removed before the check), oc, k3s kubectl, microk8s kubectl.
_KUBECTL = re.compile(r"kubectl|(^|[\s/;|&(`$'\"])(oc|k|kubecolor)($|[\s;|&)`'\"])|k3s\s+kubectl|microk8s",
                      re.IGNORECASE)


class ShellRefused(AgentStopped):
    """The shell command may not run (phrased for the model and the person)."""


def refusal(text: str) -> str | None:
    """Why a proposed shell command is refused before anyone is asked, or None."""
    if not text.strip():
        return "the command is empty"
    if len(text) > MAX_COMMAND_CHARS:
        return f"the command is longer than {MAX_COMMAND_CHARS} characters"
    if any((ord(c) < 32 and c != "\t") or c == "\x7f" for c in text):
        return "the command holds control characters or several lines: propose one line"
    unquoted = text.replace("'", "").replace('"', "").replace("\\", "")
    if _KUBECTL.search(unquoted):
        return ("kubectl in a shell command is refused: propose it with propose_step, where it is "
                "classified and previewed")
    return None


@dataclass(frozen=True, eq=False)
class ShellApproval:
    """A person's yes to exactly `text`; spent by the first run."""

    text: str
    approver: str
    _key: InitVar[object]
    _uses: list[float] = field(default_factory=list, repr=False)

    def __post_init__(self, _key: object) -> None:
        if _key is not _KEY:
            raise TypeError("a ShellApproval is only minted by confirm_shell")


@dataclass(frozen=True)
class ShellResult:
    text: str
    exit_code: int | None  # None: stopped at the timeout
    stdout: Redacted
    stderr: Redacted
    duration_ms: int
    timed_out: bool = False
    truncated: bool = False

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


@dataclass
class ShellConfirmation:
    answer: str  # y n e s q
    approval: ShellApproval | None = None
    edited: str | None = None


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def confirm_shell(prompter: Prompter, text: str, why: str, *, warnings: tuple[str, ...] = (),
                  source: str = "ai") -> ShellConfirmation:
    """Show the exact command and ask; on `y` mint the approval of exactly `text`."""
    from kubectl_prism.agent.approval import login_name
    from kubectl_prism.agent.confirm import ask_answer, ask_edit, text_card

    card = text_card("shell", text, why, category="mutating", warnings=warnings, source=source)
    while True:
        answer = ask_answer(prompter, card, SHELL_ANSWERS)
        if answer == "e":
            edited = ask_edit(prompter, text)
            if edited is None:
                continue
            return ShellConfirmation("e", edited=edited)
        if answer != "y":
            return ShellConfirmation(answer)
        return ShellConfirmation("y", ShellApproval(text, login_name(), _KEY))


def run_shell(approval: ShellApproval, *, timeout: float = DEFAULT_TIMEOUT_SECONDS,
              output_cap: int = DEFAULT_OUTPUT_CAP, run_id: str | None = None) -> ShellResult:
    """Run the approved text (once) under /bin/sh; output capped and redacted; audited."""
    from kubectl_prism.agent.execute import _collect, _redacted, step_environment

    if not isinstance(approval, ShellApproval):
        raise ShellRefused("refusing to run a shell command nobody approved")
    if approval._uses:
        raise ShellRefused("the approval was already used: every run needs its own yes")
    why = refusal(approval.text)
    if why is not None:
        raise ShellRefused(why)
    approval._uses.append(time.time())
    started = time.monotonic()
    env = step_environment()
    env.pop("KUBECTL_KUBERC", None)  # the executor's own switch for kubectl; kubectl does not run here
    try:
        proc = subprocess.Popen(["/bin/sh", "-c", approval.text], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                start_new_session=True, close_fds=True)
    except OSError as err:
        raise ShellRefused(f"cannot run /bin/sh: {err.strerror or err}") from err
    (out, out_cut), (err, err_cut), timed_out = _collect(proc, started + timeout, output_cap)
    result = ShellResult(approval.text, None if timed_out else proc.returncode, _redacted(out, out_cut),
                         _redacted(err, err_cut), int((time.monotonic() - started) * 1000), timed_out,
                         out_cut or err_cut)
    from kubectl_prism import audit

    audit.record(audit.AGENT_STEP, kind="shell", command=approval.text, command_sha256=sha256(approval.text),
                 category="shell", approver=approval.approver, exit_code=result.exit_code,
                 duration_ms=result.duration_ms, timed_out=timed_out or None,
                 truncated=result.truncated or None, run=run_id)
    return result


def record_shell(text: str, *, source: str | None = None, why: str | None = None, answer: str | None = None,
                 note: str | None = None, run_id: str | None = None) -> dict[str, object]:
    """A shell command's proposal (with `source`) or the answer to it, in the audit log."""
    from kubectl_prism import audit
    from kubectl_prism.agent.approval import login_name

    event = audit.AGENT_PROPOSAL if answer is None else audit.AGENT_ANSWER
    asked = answer in SHELL_ANSWERS
    return audit.record(event, kind="shell", command=text, command_sha256=sha256(text), category="shell",
                        source=source, why=why, answer=answer, approver=login_name() if asked else None,
                        note=note, run=run_id)
