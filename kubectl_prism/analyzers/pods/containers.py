"""Findings for containers that will not run: crash loops, OOM kills, start errors, init containers."""

from __future__ import annotations

import json
from typing import Any

from kubectl_prism.analyzers._index import LOG_TAIL
from kubectl_prism.analyzers.log_dependencies import (
    connection_error,
    log_tail,
    service_named,
    unresolved_host,
)
from kubectl_prism.analyzers.pod_evidence import (
    decisive_log_lines,
    event_count,
    event_line,
    event_message,
    exit_code_meaning,
    last_log_line,
    start_error_cause,
    trim,
)
from kubectl_prism.analyzers.pod_groups import ProblemGroup
from kubectl_prism.analyzers.pod_status import CRASH_LOOP, OOM_KILLED
from kubectl_prism.analyzers.pods.context import (
    PodContext,
    container_spec,
    container_status,
    format_memory,
    parse_quantity,
)
from kubectl_prism.analyzers.pods.lifecycle import probe_port_fix, probe_port_mismatch
from kubectl_prism.findings import Finding, ObjectRef, Remediation, Severity
from kubectl_prism.snapshot import name_of


def termination_evidence(ctx: PodContext, group: ProblemGroup) -> list[str]:
    """State, last termination, the decisive log line and the telling events of the first pod."""
    pod, name = group.pod, group.problem.container
    cs = container_status(pod, name)
    evidence: list[str] = []
    waiting = (cs.get("state") or {}).get("waiting") or {}
    state_reason = waiting.get("reason") or next(iter(cs.get("state") or {}), "")
    evidence.append(f"container {name}: state={state_reason} restartCount={cs.get('restartCount', 0)}")
    last = (cs.get("lastState") or {}).get("terminated") or (cs.get("state") or {}).get("terminated") or {}
    if last:
        evidence.append(
            f"lastState.terminated.reason={last.get('reason', '')} exitCode={last.get('exitCode')}"
            + (f" finishedAt={last['finishedAt']}" if last.get("finishedAt") else "")
        )
        if last.get("message"):
            evidence.append(f"termination message: {trim(last['message'], 180)}")
    evidence += log_evidence(ctx, group)[0]
    for ev in ctx.events.about("Pod", group.namespace, name_of(pod)):
        msg = event_message(ev)
        if ev.get("reason") == "BackOff" or (ev.get("reason") in ("Unhealthy", "Killing") and "probe" in msg):
            evidence.append(event_line(ev))
    return evidence


def log_evidence(ctx: PodContext, group: ProblemGroup) -> tuple[list[str], str | None]:
    """Evidence lines (the decisive line of the container's log and its last words, numbered) and the
    decisive text, from the first pod of the group that has a log.

    Gatherers read one pod's log per owner and container, so it need not be the first pod's.
    """
    name = group.problem.container or ""
    for pod in group.pods:
        previous = ctx.snapshot.log(group.namespace, name_of(pod), name, previous=True)
        current = ctx.snapshot.log(group.namespace, name_of(pod), name, previous=False)
        # current first: on equal weight the later text (the crashed run) wins.
        if lines := decisive_log_lines(current, previous):
            return [str(line) for line in lines], lines[0].text
        if last := last_log_line(previous) or last_log_line(current):
            return [f"log (last line): {last}"], last
    return [], None


def _probe_kill(ctx: PodContext, group: ProblemGroup) -> str | None:
    """ "liveness" when the kubelet restarted the container because a probe failed."""
    for ev in ctx.events.about("Pod", group.namespace, name_of(group.pod)):
        msg = event_message(ev)
        if ev.get("reason") == "Killing" and "probe" in msg:
            return "startup" if "startup" in msg else "liveness"
    return None


def _logs_command(group: ProblemGroup, previous: bool = True) -> Remediation:
    args = ["logs", name_of(group.pod), "-c", group.problem.container or "", LOG_TAIL]
    if previous:
        args.append("--previous")
    return Remediation("Read the log of the crashed run", group.kubectl(*args))


def _rollback(ctx: PodContext, group: ProblemGroup) -> Remediation | None:
    """Offer `rollout undo` when the Deployment has an older revision to go back to."""
    owner = group.owner
    if owner is None or owner.kind != "Deployment":
        return None
    if ctx.revisions(group.namespace, owner.name) < 2:
        return None
    return Remediation(
        "If this started with the latest rollout, roll back to the previous revision",
        group.kubectl("rollout", "undo", f"deployment/{owner.name}"),
    )


def _dependency_hint(
    ctx: PodContext, group: ProblemGroup, line: str | None
) -> tuple[list[ObjectRef], list[Remediation]]:
    """A connection error naming a Service of this namespace: point at it (or say it does not exist)."""
    if not line or not connection_error(line):
        return [], []
    ns = group.namespace
    own = group.owner.name if group.owner else None
    pod, container = name_of(group.pod), group.problem.container or ""
    tail_lines = log_tail(ctx.snapshot, ns, pod, container)
    if svc := service_named(ctx.service_names(ns), own, line, tail_lines):
        return [ObjectRef("Service", svc, ns)], [
            Remediation(
                f"The app cannot reach Service {svc}: check that it has ready endpoints",
                group.kubectl("get", "endpoints", svc),
            )
        ]
    host = unresolved_host([line, *tail_lines])
    services_known = not any(
        g.resource == "services" and g.namespace in (None, ns) for g in ctx.snapshot.gaps
    )
    if host and services_known:
        short = host.split(".")[0]
        if "." not in host or host.split(".")[1:2] == [ns] or ".svc" in host:
            return [ObjectRef("Service", short, ns)], [
                Remediation(
                    f"The app looks up host {host} but there is no Service {short} in namespace {ns}: create "
                    "it (or fix the host name in the app's configuration)",
                    group.kubectl("get", "services"),
                )
            ]
    return [], [
        Remediation(
            "The app cannot reach a dependency: check that the host it connects to is up and resolvable from "
            "the pod"
        )
    ]


def build_crash_loop(ctx: PodContext, group: ProblemGroup) -> Finding:
    problem = group.problem
    evidence = termination_evidence(ctx, group)
    code = problem.exit_code
    probe = _probe_kill(ctx, group)
    why = f"exit code {code}" if code is not None else problem.reason
    if probe:
        why = f"killed by failing {probe} probe"
    # Running again right now (between crashes): a flapping container rather than one in back-off.
    running = "running" in (container_status(group.pod, problem.container).get("state") or {})
    state = "restarting repeatedly" if running else "in CrashLoopBackOff"
    title = group.headline(f"{state} (container {problem.container}, {why})")
    line = log_evidence(ctx, group)[1]
    message = (
        f"Container {problem.container} keeps exiting"
        + (f" with code {code} ({exit_code_meaning(code)})" if code is not None else "")
        + "; the kubelet restarts it with a growing back-off."
    )
    if probe:
        message += f" The kubelet kills it because its {probe} probe fails."
    if line:
        message += f" The log says: {line}"
    remediation = [_logs_command(group)]
    related, hints = _dependency_hint(ctx, group, line)
    remediation += hints
    spec = container_spec(group.pod, problem.container)
    if line and "exec format error" in line:
        arch_evidence, arch_fix = _wrong_architecture(ctx, group, spec)
        evidence += arch_evidence
        remediation[1:1] = arch_fix
    if probe and (mismatch := probe_port_mismatch(spec, spec.get(f"{probe}Probe") or {})):
        evidence.append(mismatch)
        remediation.insert(0, probe_port_fix(group, spec, probe))
    if code in (126, 127):
        command = spec.get("command") or spec.get("args")
        remediation.append(
            Remediation(
                f"Fix the command of container {problem.container}"
                + (f" ({json.dumps(command)})" if command else "")
                + ": it is not found or not executable in the image"
            )
        )
    if probe and (target := group.template_target()):
        index = _container_index(group)
        patch = json.dumps(
            [
                {
                    "op": "add",
                    "path": f"/spec/template/spec/containers/{index}/{probe}Probe/failureThreshold",
                    "value": 6,
                }
            ],
            separators=(",", ":"),
        )
        if index is not None and group.owner and group.owner.kind != "CronJob":
            remediation.append(
                Remediation(
                    f"Make sure the {probe} probe's endpoint answers; if the app only needs longer to start, "
                    "give it more slack",
                    group.kubectl("patch", target, "--type=json", "-p", f"'{patch}'"),
                )
            )
    if rollback := _rollback(ctx, group):
        remediation.append(rollback)
    severity = Severity.WARNING if running else Severity.CRITICAL
    return Finding(
        CRASH_LOOP,
        severity,
        title,
        ObjectRef.of(group.pod),
        reason="CrashLoopBackOff",
        message=message,
        evidence=evidence,
        remediation=remediation,
        related=related,
    )


def _container_index(group: ProblemGroup) -> int | None:
    for i, c in enumerate((group.pod.get("spec") or {}).get("containers") or []):
        if c.get("name") == group.problem.container:
            return i
    return None


def build_oom_killed(ctx: PodContext, group: ProblemGroup) -> Finding:
    problem = group.problem
    spec = container_spec(group.pod, problem.container, init=problem.init)
    resources = spec.get("resources") or {}
    limit_raw = (resources.get("limits") or {}).get("memory")
    request_raw = (resources.get("requests") or {}).get("memory")
    limit = parse_quantity(limit_raw)
    evidence = termination_evidence(ctx, group)
    evidence.append(f"resources.limits.memory={limit_raw or 'none'} requests.memory={request_raw or 'none'}")
    remediation: list[Remediation] = []
    if limit:
        title = group.headline(f"OOM-killed (container {problem.container}, limit {limit_raw})")
        message = (
            f"Container {problem.container} used more than its memory limit of {limit_raw} and was killed by "
            "the kernel (exit code 137)."
        )
        target = group.template_target()
        new_limit = format_memory(limit * 2)
        if target:
            remediation.append(
                Remediation(
                    f"Raise the memory limit (doubled here to {new_limit}) if the app legitimately needs "
                    "more",
                    group.kubectl(
                        "set",
                        "resources",
                        target,
                        "-c",
                        problem.container or "",
                        f"--limits=memory={new_limit}",
                    ),
                )
            )
        else:
            remediation.append(
                Remediation(
                    f"Raise the memory limit of container {problem.container} (e.g. to {new_limit}) in the "
                    "manifest that creates this pod"
                )
            )
    else:
        title = group.headline(f"OOM-killed (container {problem.container}, no memory limit)")
        message = (
            f"Container {problem.container} has no memory limit and was killed because the node ran out of "
            "memory."
        )
        remediation.append(
            Remediation(
                "Give the container a memory request and limit that match its real usage so the scheduler "
                "can place it"
            )
        )
    remediation.append(
        Remediation(
            "Check for a memory leak or an oversized heap/cache in the crashed run's log",
            group.kubectl("logs", name_of(group.pod), "-c", problem.container or "", LOG_TAIL, "--previous"),
        )
    )
    severity = Severity.WARNING if _running_ready(group) else Severity.CRITICAL
    return Finding(
        OOM_KILLED,
        severity,
        title,
        ObjectRef.of(group.pod),
        reason="OOMKilled",
        message=message,
        evidence=evidence,
        remediation=remediation,
    )


def _running_ready(group: ProblemGroup) -> bool:
    cs = container_status(group.pod, group.problem.container)
    return bool((cs.get("state") or {}).get("running")) and bool(cs.get("ready"))


def build_run_error(ctx: PodContext, group: ProblemGroup) -> Finding:
    problem = group.problem
    cause = start_error_cause(problem.detail)
    spec = container_spec(group.pod, problem.container, init=problem.init)
    cs = container_status(group.pod, problem.container)
    last = (cs.get("lastState") or {}).get("terminated") or {}
    evidence = [f"container {problem.container}: {problem.reason} restartCount={cs.get('restartCount', 0)}"]
    if last:
        evidence.append(
            f"lastState.terminated.reason={last.get('reason', '')} exitCode={last.get('exitCode')}"
        )
    evidence.append(f"runtime error: {cause}")
    if spec.get("command") or spec.get("args"):
        evidence.append(
            f"command={json.dumps(spec.get('command') or [])} args={json.dumps(spec.get('args') or [])}"
        )
    for ev in ctx.events.about("Pod", group.namespace, name_of(group.pod), reason="Failed")[-1:]:
        evidence.append(f"event Failed x{event_count(ev)}: {trim(event_message(ev), 120)}")
    title = group.headline(f"cannot start container {problem.container} ({cause})")
    message = (
        f"The container runtime could not start container {problem.container}: {cause}. The image's "
        "entrypoint or the pod's command/args point at something that is missing or not executable."
    )
    remediation = [
        Remediation(
            f"Fix the command/args of container {problem.container} or rebuild the image "
            f"{spec.get('image', '')} so the executable exists and is executable"
        ),
        Remediation("See the full runtime error", group.kubectl("describe", "pod", name_of(group.pod))),
    ]
    if "exec format error" in cause:
        arch_evidence, arch_fix = _wrong_architecture(ctx, group, spec)
        evidence += arch_evidence
        remediation[:1] = arch_fix
        message = (f"The container runtime could not start container {problem.container}: {cause}. The "
                   "image's executable is built for another CPU architecture than the node's.")
    if rollback := _rollback(ctx, group):
        remediation.append(rollback)
    return Finding(
        problem.rule_id,
        Severity.CRITICAL,
        title,
        ObjectRef.of(group.pod),
        reason=problem.reason,
        message=message,
        evidence=evidence,
        remediation=remediation,
    )


def _wrong_architecture(
    ctx: PodContext, group: ProblemGroup, spec: dict[str, Any]
) -> tuple[list[str], list[Remediation]]:
    """`exec format error`: an image built for another CPU architecture than the node's (an arm64 build on
    amd64 nodes, or the other way round)."""
    node_name = (group.pod.get("spec") or {}).get("nodeName") or ""
    node = ctx.snapshot.get("Node", None, node_name)
    labels = ((node or {}).get("metadata") or {}).get("labels") or {}
    arch = labels.get("kubernetes.io/arch") or ((node or {}).get("status") or {}).get("nodeInfo", {}).get(
        "architecture")
    image = spec.get("image", "")
    evidence = [f"node {node_name} is {arch}; image {image} has no {arch} build"] if arch else []
    archs = sorted({(n.get("metadata") or {}).get("labels", {}).get("kubernetes.io/arch", "")
                    for n in ctx.snapshot.of_kind("Node")} - {""})
    fix = [Remediation(f"Publish {image} for {arch or 'the nodes’ architecture'} (a multi-arch build, e.g. "
                       "docker buildx build --platform linux/amd64,linux/arm64) and roll out that image")]
    if len(archs) > 1 and arch:
        fix.append(Remediation("Or keep the pods on nodes of the image's architecture (a nodeSelector on "
                               "kubernetes.io/arch); see which nodes are which",
                               "kubectl get nodes -L kubernetes.io/arch"))
    else:
        fix.append(Remediation("See the nodes' architecture", "kubectl get nodes -L kubernetes.io/arch"))
    return evidence, fix


def build_init_failing(ctx: PodContext, group: ProblemGroup) -> Finding:
    problem = group.problem
    pod = group.pod
    spec = container_spec(pod, problem.container, init=True)
    if problem.reason == "InitContainerRunning":
        title = group.headline(f"stuck in Init (init container {problem.container} never finishes)")
        message = (
            f"Init container {problem.container} is still running ({problem.detail}). It is usually waiting "
            "for a dependency that never becomes available."
        )
        current = ctx.snapshot.log(group.namespace, name_of(pod), problem.container or "")
        evidence = [f"init container {problem.container}: {problem.detail}"]
        lines = decisive_log_lines(current)
        evidence += [str(numbered) for numbered in lines]
        line = lines[0].text if lines else last_log_line(current)
        if line and not lines:
            evidence.append(f"log (last line): {line}")
        remediation = [
            Remediation(
                "See what the init container is waiting for",
                group.kubectl("logs", name_of(pod), "-c", problem.container or "", LOG_TAIL),
            )
        ]
        related, hints = _dependency_hint(ctx, group, line)
        severity = Severity.WARNING
    else:
        title = group.headline(
            f"Init:{problem.reason} (init container {problem.container}, exit code {problem.exit_code})"
        )
        message = (
            f"Init container {problem.container} fails ({problem.detail}); the app containers never start "
            "until it succeeds."
        )
        evidence = termination_evidence(ctx, group)
        if spec.get("command"):
            evidence.append(f"command={json.dumps(spec.get('command'))}")
        line = log_evidence(ctx, group)[1]
        if line:
            message += f" The log says: {line}"
        remediation = [_logs_command(group)]
        related, hints = _dependency_hint(ctx, group, line)
        severity = Severity.CRITICAL
    remediation += hints
    return Finding(
        problem.rule_id,
        severity,
        title,
        ObjectRef.of(pod),
        reason=problem.reason,
        message=message,
        evidence=evidence,
        remediation=remediation,
        related=related,
    )
