"""Why is a pod unhealthy? The pure, pod-only classification shared by every analyzer.

`pod_problem` reads nothing but the pod, so any analyzer can ask it and link its own finding to the
pod finding that the `pods` analyzer emits for the same problem (`caused_by`). Events, logs and nodes
only enrich that finding; they never change which rule a pod falls under.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kubectl_prism.analyzers.pod_evidence import clip, duration_text, exit_code_meaning, parse_time
from kubectl_prism.findings import ObjectRef
from kubectl_prism.snapshot import KubeObject, meta

# Rule ids of pod problems, most decisive first: when two containers of one pod are unhealthy the
# finding names the one earlier in this list.
CRASH_LOOP = "pod-crash-loop"
OOM_KILLED = "pod-oom-killed"
IMAGE_PULL = "pod-image-pull"
CONFIG_ERROR = "pod-create-config-error"
RUN_ERROR = "pod-run-container-error"
INIT_FAILING = "pod-init-container-failing"
UNSCHEDULABLE = "pod-unschedulable"
EVICTED = "pod-evicted"
FAILED = "pod-failed"
PROBE_FAILING = "pod-probe-failing"
LIVENESS_RESTARTS = "pod-liveness-restarts"
STUCK_TERMINATING = "pod-stuck-terminating"
# The pod rules from most to least decisive: the pod finding a symptom points at when its pods have several.
POD_RULE_ORDER = (CRASH_LOOP, OOM_KILLED, IMAGE_PULL, CONFIG_ERROR, RUN_ERROR, INIT_FAILING, UNSCHEDULABLE,
                  EVICTED, FAILED, LIVENESS_RESTARTS, PROBE_FAILING, STUCK_TERMINATING)

_PRIORITY = (IMAGE_PULL, CONFIG_ERROR, RUN_ERROR, OOM_KILLED, CRASH_LOOP, LIVENESS_RESTARTS, PROBE_FAILING)

IMAGE_REASONS = {
    "ImagePullBackOff",
    "ErrImagePull",
    "InvalidImageName",
    "ErrImageNeverPull",
    "RegistryUnavailable",
}
RUN_REASONS = {"RunContainerError", "CreateContainerError", "StartError", "ContainerCannotRun"}
# Last-termination reasons that are not the container's fault (node reboot, runtime restart).
_BENIGN_LAST = {"Completed", "Unknown", "ContainerStatusUnknown"}

# A pod still terminating this long after its grace period ended is stuck.
STUCK_AFTER_SECONDS = 300
# An init container still running this long is stuck waiting for something.
INIT_STUCK_SECONDS = 600
# Running containers restarting at least this often count as crash-looping even between back-offs.
RESTARTS_FLAPPING = 3
# A container that crashed before counts as recovered after running (and ready) this long since (the kubelet
# resets its crash back-off after 10 minutes), and three times as long as its last run lasted.
RECOVERED_SECONDS = 600
# A clean exit (0, Completed) of a container with a liveness probe this recent is a probe's kill, not history.
RECENT_SECONDS = 3600


@dataclass(frozen=True)
class PodProblem:
    """Why a pod is not healthy: the rule the `pods` analyzer reports it under, and the key facts."""

    rule_id: str  # e.g. "pod-crash-loop"
    reason: str  # Kubernetes' vocabulary: "CrashLoopBackOff", "OOMKilled", "FailedScheduling", ...
    container: str | None  # the container at fault, None for pod-level problems
    detail: str  # one short factual line, e.g. "exit code 1 (application error)"
    init: bool = False  # the container is an init container
    exit_code: int | None = None


def caused_by(problem: PodProblem, pod_ref: ObjectRef) -> dict[str, Any]:
    """The Finding.caused_by value pointing at the pod finding for `problem`.

    The `pods` analyzer reports one finding per root cause, naming the first affected pod (by name)
    as its object and listing the others in `affected`; match a caused_by against both (or use
    `causes.pod_finding`, which the linking pass resolves to that very finding).
    """
    return {"rule": problem.rule_id, "object": pod_ref.to_dict()}


def pod_problem(pod: KubeObject, now: datetime | None = None) -> PodProblem | None:
    """Classify an unhealthy pod from its own status, or None when it is healthy (or merely done).

    `now` (the snapshot's newest timestamp, see pod_evidence.snapshot_now) enables the time-based
    checks: stuck Terminating and init containers that never finish. Without it those pods are None.
    """
    status = pod.get("status") or {}
    if meta(pod).get("deletionTimestamp"):
        return _terminating(pod, now)
    phase = status.get("phase")
    if phase == "Succeeded":
        return None
    if phase == "Failed":
        return _failed(pod)
    # Most pods of a cluster run ready containers that never restarted: nothing to classify there.
    if status.get("initContainerStatuses") or not all(map(_settled, status.get("containerStatuses") or ())):
        found = _containers_problem(pod, status, now)
        if found:
            return found
    scheduled = _condition(pod, "PodScheduled")
    if scheduled and scheduled.get("status") == "False" and scheduled.get("reason") == "Unschedulable":
        return PodProblem(UNSCHEDULABLE, "FailedScheduling", None, clip(scheduled.get("message") or ""))
    return None


def _settled(cs: dict[str, Any]) -> bool:
    """An app container running and ready that never restarted: _container_problem finds nothing."""
    state = cs.get("state")
    return bool(
        cs.get("ready")
        and not cs.get("restartCount")
        and state
        and len(state) == 1
        and state.get("running") is not None
    )


def _containers_problem(pod: KubeObject, status: dict[str, Any], now: datetime | None) -> PodProblem | None:
    spec = pod.get("spec") or {}
    init_specs = {c.get("name"): c for c in spec.get("initContainers") or []}
    specs = {c.get("name"): c for c in spec.get("containers") or []}
    candidates: list[PodProblem] = []
    for cs in status.get("initContainerStatuses") or []:
        init_spec = init_specs.get(cs.get("name")) or {}
        sidecar = init_spec.get("restartPolicy") == "Always"
        found = _container_problem(cs, init_spec, init=not sidecar, now=now)
        if found and not sidecar:
            return found  # an unfinished init container blocks everything after it
        if found:
            candidates.append(found)
    for cs in status.get("containerStatuses") or []:
        found = _container_problem(cs, specs.get(cs.get("name")) or {}, init=False, now=now)
        if found:
            candidates.append(found)
    return min(candidates, key=lambda p: _PRIORITY.index(p.rule_id)) if candidates else None


def _condition(pod: KubeObject, cond_type: str) -> dict[str, Any] | None:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == cond_type:
            return cond
    return None


def _terminating(pod: KubeObject, now: datetime | None) -> PodProblem | None:
    deleted = parse_time(meta(pod).get("deletionTimestamp"))
    if now is None or deleted is None:
        return None
    # deletionTimestamp already includes the grace period: it is when the kubelet should have finished.
    overdue = (now - deleted).total_seconds()
    if overdue < STUCK_AFTER_SECONDS:
        return None
    finalizers = meta(pod).get("finalizers") or []
    detail = f"deletion due {duration_text(overdue)} ago"
    if finalizers:
        detail += f"; finalizers: {', '.join(finalizers)}"
    return PodProblem(STUCK_TERMINATING, "Terminating", None, detail)


def _failed(pod: KubeObject) -> PodProblem:
    status = pod.get("status") or {}
    reason = status.get("reason") or ""
    message = clip(status.get("message") or "")
    if reason == "Evicted":
        return PodProblem(EVICTED, "Evicted", None, message)
    if reason:  # rejected at admission by the kubelet: OutOfcpu, NodeAffinity, Shutdown, ...
        return PodProblem(FAILED, reason, None, message)
    for cs in (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or []):
        term = (cs.get("state") or {}).get("terminated") or {}
        code = term.get("exitCode")
        if code:
            return PodProblem(
                FAILED,
                term.get("reason") or "Error",
                cs.get("name"),
                f"exit code {code} ({exit_code_meaning(code)})",
                exit_code=code,
            )
    return PodProblem(FAILED, "Failed", None, message)


def _container_problem(
    cs: dict[str, Any], spec: dict[str, Any], init: bool, now: datetime | None
) -> PodProblem | None:
    name = cs.get("name")
    state = cs.get("state") or {}
    waiting = state.get("waiting") or {}
    running = state.get("running")
    terminated = state.get("terminated") or {}
    last = (cs.get("lastState") or {}).get("terminated") or {}
    reason = waiting.get("reason") or ""
    message = clip(waiting.get("message") or "")

    if reason in IMAGE_REASONS:
        return PodProblem(IMAGE_PULL, reason, name, message, init=init)
    if reason == "CreateContainerConfigError":
        return PodProblem(CONFIG_ERROR, reason, name, message, init=init)
    if reason in RUN_REASONS:
        return PodProblem(RUN_ERROR, reason, name, message or clip(last.get("message") or ""), init=init)
    if reason == "CrashLoopBackOff":
        return _from_termination(name, "CrashLoopBackOff", last, init)
    if terminated:
        code = terminated.get("exitCode")
        if terminated.get("reason") == "OOMKilled":
            return _from_termination(name, "OOMKilled", terminated, init)
        if code:
            return _from_termination(name, terminated.get("reason") or "Error", terminated, init)
        return None  # exit 0: a finished init container or a completed sidecar
    if running is not None:
        restarts = cs.get("restartCount") or 0
        if last.get("reason") == "OOMKilled" and restarts:
            return _from_termination(name, "OOMKilled", last, init)
        if (restarts >= RESTARTS_FLAPPING and last.get("exitCode") and last.get("reason") not in _BENIGN_LAST
                and not _recovered(cs, running, last, now)):
            return _from_termination(name, "Restarting", last, init)
        probed = spec.get("livenessProbe")
        if not init and probed and restarts >= RESTARTS_FLAPPING and _clean_exit(last, now):
            # Restarted again and again although it never crashed: the kubelet kills it for a failing
            # liveness probe and it exits cleanly on SIGTERM. It may well be Running right now.
            return PodProblem(LIVENESS_RESTARTS, "LivenessProbeFailing", name,
                              f"restarted {restarts} times, last exit {last.get('exitCode')} "
                              f"({last.get('reason') or 'Completed'})", exit_code=last.get("exitCode"))
        if init and now is not None:
            started = parse_time(running.get("startedAt"))
            if started and (now - started).total_seconds() >= INIT_STUCK_SECONDS:
                return PodProblem(
                    INIT_FAILING,
                    "InitContainerRunning",
                    name,
                    f"init container still running after {duration_text((now - started).total_seconds())}",
                    init=True,
                )
        if not init and not cs.get("ready") and (spec.get("readinessProbe") or spec.get("startupProbe")):
            probe = "startup" if cs.get("started") is False and spec.get("startupProbe") else "readiness"
            return PodProblem(
                PROBE_FAILING, "Unhealthy", name, f"container {name} running but not ready ({probe} probe)"
            )
    return None


def _recovered(
    cs: dict[str, Any], running: dict[str, Any], last: dict[str, Any], now: datetime | None
) -> bool:
    """Crashed before, but running and ready for a while now: the kubelet resets its back-off after 10 minutes
    of a clean run, and this run has also lasted three times as long as the one that crashed (a container that
    crashes every 15 minutes is not recovered 12 minutes into a run)."""
    started, ran_from, ran_to = (parse_time(t) for t in (running.get("startedAt"), last.get("startedAt"),
                                                         last.get("finishedAt")))
    if now is None or started is None or not cs.get("ready"):
        return False
    up = (now - started).total_seconds()
    before = (ran_to - ran_from).total_seconds() if ran_from and ran_to else up
    return up >= max(RECOVERED_SECONDS, 3 * before)


def _clean_exit(last: dict[str, Any], now: datetime | None) -> bool:
    finished = parse_time(last.get("finishedAt"))
    recent = now is not None and finished is not None and (now - finished).total_seconds() < RECENT_SECONDS
    return recent and (last.get("exitCode") == 0 or last.get("reason") == "Completed")


def _from_termination(name: str | None, reason: str, term: dict[str, Any], init: bool) -> PodProblem:
    """A container that exited: which rule depends on how it ended."""
    code = term.get("exitCode")
    term_reason = term.get("reason") or ""
    parts = []
    if term_reason:
        parts.append(f"last exit {term_reason}")
    if code is not None:
        parts.append(f"exit code {code} ({exit_code_meaning(code)})")
    detail = ", ".join(parts)
    if term_reason == "OOMKilled":
        return PodProblem(OOM_KILLED, "OOMKilled", name, detail, init=init, exit_code=code)
    if term_reason in RUN_REASONS:
        return PodProblem(
            RUN_ERROR, term_reason, name, clip(term.get("message") or "") or detail, init=init, exit_code=code
        )
    if init:
        return PodProblem(
            INIT_FAILING,
            reason if reason != "Restarting" else "CrashLoopBackOff",
            name,
            detail,
            init=True,
            exit_code=code,
        )
    return PodProblem(
        CRASH_LOOP, reason if reason != "Restarting" else "CrashLoopBackOff", name, detail, exit_code=code
    )
