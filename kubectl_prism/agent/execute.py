"""Run one classified kubectl step: the only place agent mode starts kubectl.

`run_step` takes a `Decision` (only the classifier builds one) and, for a step that changes anything,
an `Approval` (only the confirmation prompt mints one). It then:
- runs kubectl as an argv list, never through a shell, with the scope's kubeconfig, context and
  namespace pinned as flags (kubectl's global flags may stand before the command);
- feeds a checked `-f` manifest on stdin (`--filename=-`), so the bytes that run are the bytes that
  were checked and previewed;
- strips `KUBECTL_*` (external diff programs, feature gates), `KUBE_EDITOR` and `KUBERC` from the
  environment, and turns kuberc off (its aliases and default flags could change what a command means);
- stops at a timeout (the whole process group) and keeps at most `output_cap` bytes of each stream;
- redacts stdout and stderr before returning them, and writes the execution to the audit log.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import threading
import time

from kubectl_prism.agent.approval import Approval
from kubectl_prism.agent.decision import Decision
from kubectl_prism.agent.step_result import StepResult
from kubectl_prism.errors import AgentStopped
from kubectl_prism.gather.kubeconfig import IN_CLUSTER_CONTEXT  # a pod's service account: no context to pin
from kubectl_prism.redact import Redacted, redact_text

DEFAULT_TIMEOUT_SECONDS = 60.0
DEFAULT_OUTPUT_CAP = 64 * 1024  # bytes kept of each stream
_STRIPPED_PREFIXES = ("KUBECTL_",)
# KUBERC points kubectl at a preferences file (aliases, default flags) without the KUBECTL_ prefix.
_STRIPPED_NAMES = frozenset({"KUBE_EDITOR", "KUBERC"})


class StepRefused(AgentStopped):
    """The executor would not run the step (rejected, unchecked, or without a valid approval)."""


class PreviewUnavailable(StepRefused):
    """kubectl has no server-side dry run for this command (`rollout restart|pause|resume`)."""


def kubectl_argv(decision: Decision, kubectl: str) -> list[str]:
    """The argv the executor runs for `decision`: the step's own, behind the scope's pins."""
    scope = decision.scope
    pins: list[str] = []
    if scope.kubeconfig:
        pins.append(f"--kubeconfig={scope.kubeconfig}")
    if scope.context and scope.context != IN_CLUSTER_CONTEXT:
        pins.append(f"--context={scope.context}")
    if decision.namespace and not decision.all_namespaces:
        pins.append(f"--namespace={decision.namespace}")
    if decision.files:
        return [kubectl, *pins, *decision.argv_without_files[1:], "--filename=-"]
    return [kubectl, *pins, *decision.argv[1:]]


def step_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in (os.environ if base is None else base).items()
           if not k.startswith(_STRIPPED_PREFIXES) and k not in _STRIPPED_NAMES}
    env["KUBECTL_KUBERC"] = "false"  # ours, after the strip: no user aliases or default flags
    return env


def check_runnable(decision: Decision, approval: Approval | None) -> None:
    """Raise StepRefused unless `decision` may run now with `approval`; spends the approval."""
    if not isinstance(decision, Decision):
        raise StepRefused("refusing to run a command that was not classified")
    if not decision.runnable:
        why = decision.reason if decision.files == () else "its manifest was not checked"
        raise StepRefused(f"refusing to run a {decision.category} step ({decision.rule}): {why}")
    if not decision.needs_approval:
        return
    if not isinstance(approval, Approval):
        raise StepRefused(f"refusing to run a {decision.category} step without a person's approval")
    try:
        approval.spend(decision)
    except ValueError as err:
        raise StepRefused(f"refusing to run the step: {err}") from None


def run_step(decision: Decision, *, kubectl: str, approval: Approval | None = None,
             timeout: float = DEFAULT_TIMEOUT_SECONDS, output_cap: int = DEFAULT_OUTPUT_CAP) -> StepResult:
    """Run a classified step (see the module docstring). Raises StepRefused before starting anything
    when the step may not run. The execution is written to the audit log."""
    check_runnable(decision, approval)
    result = _run(decision, kubectl_argv(decision, kubectl), timeout, output_cap)
    from kubectl_prism.agent.records import record_execution

    record_execution(result, approval)
    return result


# What a server-side dry run prints, per command: the changed object, or only names (delete), or
# kubectl's own lines (cordon, uncordon, drain have no -o). Commands without --dry-run
# (rollout restart|pause|resume) cannot be previewed this way.
_PREVIEW_OUTPUT = {"delete": "name", "cordon": None, "uncordon": None, "drain": None}


def preview_argv(decision: Decision, kubectl: str, output: str | None = "yaml") -> list[str]:
    """The step's argv as a server-side dry run (`--dry-run=server`, `-o OUTPUT` where kubectl has it).

    Raises PreviewUnavailable for commands kubectl cannot dry-run.
    """
    from kubectl_prism.agent.kubectl_flags import COMMAND_FLAGS

    verb = decision.verb or ""
    if "dry-run" not in COMMAND_FLAGS.get(verb, {}):
        raise PreviewUnavailable(f"`kubectl {verb}` has no server-side dry run: it cannot be previewed")
    argv = [*kubectl_argv(decision, kubectl), "--dry-run=server"]
    chosen = _PREVIEW_OUTPUT.get(verb, output)
    if chosen is not None and output is not None:
        argv.append(f"--output={chosen}")  # the last -o wins in kubectl: this one
    return argv


def preview_step(decision: Decision, *, kubectl: str, output: str | None = "yaml",
                 timeout: float = DEFAULT_TIMEOUT_SECONDS, output_cap: int = 256 * 1024) -> StepResult:
    """Run a mutating or destructive step as a server-side dry run, without approval (nothing is
    persisted): the API server's own answer for the preview. `output` is `yaml` (the changed object),
    `name` (the objects a selector picks) or None (kubectl's default lines); delete always gives names,
    cordon/uncordon/drain kubectl's lines. Raises StepRefused for steps that may not run at all and
    PreviewUnavailable for commands without a dry run. The preview run is written to the audit log.
    """
    if not isinstance(decision, Decision) or not decision.runnable or not decision.needs_approval:
        raise StepRefused("only a runnable mutating or destructive step has a preview")
    result = _run(decision, preview_argv(decision, kubectl, output), timeout, output_cap, preview=True)
    from kubectl_prism.agent.records import record_execution

    record_execution(result, None)
    return result


def _run(decision: Decision, argv: list[str], timeout: float, output_cap: int, *,
         preview: bool = False) -> StepResult:
    started = time.monotonic()
    try:
        stdin = subprocess.PIPE if decision.manifest is not None else subprocess.DEVNULL
        proc = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=step_environment(), start_new_session=True, close_fds=True)
    except OSError as err:
        raise StepRefused(f"cannot run {argv[0]}: {err.strerror or err}") from err
    feeder = _feed(proc, decision.manifest)
    (out, out_cut), (err, err_cut), timed_out = _collect(proc, started + timeout, output_cap)
    if feeder is not None:
        feeder.join(timeout=1)
    duration_ms = int((time.monotonic() - started) * 1000)
    return StepResult(decision, None if timed_out else proc.returncode, _redacted(out, out_cut),
                      _redacted(err, err_cut), duration_ms, timed_out, out_cut or err_cut, preview)


def _feed(proc: subprocess.Popen[bytes], data: bytes | None) -> threading.Thread | None:
    """Write the manifest from a thread: kubectl may fill its output pipes before reading stdin."""
    if data is None or proc.stdin is None:
        return None
    stdin = proc.stdin

    def write() -> None:
        try:
            stdin.write(data)
        except OSError:  # kubectl exited before reading it all; its exit code says why
            pass
        finally:
            with contextlib.suppress(OSError):
                stdin.close()

    thread = threading.Thread(target=write, name="prism-step-stdin", daemon=True)
    thread.start()
    return thread


_Stream = tuple[bytes, bool]  # what was kept, and whether more was dropped


def _collect(proc: subprocess.Popen[bytes], deadline: float, cap: int) -> tuple[_Stream, _Stream, bool]:
    """Read both streams until EOF or the deadline, keeping `cap` bytes of each and draining the rest."""
    kept = {"out": bytearray(), "err": bytearray()}
    cut = {"out": False, "err": False}
    timed_out = False
    with selectors.DefaultSelector() as sel:
        assert proc.stdout is not None and proc.stderr is not None
        sel.register(proc.stdout, selectors.EVENT_READ, "out")
        sel.register(proc.stderr, selectors.EVENT_READ, "err")
        while sel.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            for key, _ in sel.select(timeout=min(left, 0.5)):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    sel.unregister(key.fileobj)
                    continue
                buf = kept[key.data]
                room = cap - len(buf)
                if room > 0:
                    buf += chunk[:room]
                if len(chunk) > room:
                    cut[key.data] = True
    if timed_out:
        _stop(proc)
    else:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            timed_out = True
            _stop(proc)
    for stream in (proc.stdout, proc.stderr):
        stream.close()
    return (bytes(kept["out"]), cut["out"]), (bytes(kept["err"]), cut["err"]), timed_out


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """TERM the step's process group, then KILL what is left after 2 s."""
    for sig, grace in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def _redacted(raw: bytes, truncated: bool) -> Redacted:
    """Decode and redact; a stream cut at the cap loses its last partial line first (even when that is
    all there was), so a secret cut in half, which might no longer match its detector, is not shown."""
    if truncated:
        raw = raw[: raw.rindex(b"\n") + 1] if b"\n" in raw else b""
    text = raw.decode("utf-8", "replace")
    if truncated:
        text += "[output cut at the agent's cap]\n"
    return redact_text(text)
