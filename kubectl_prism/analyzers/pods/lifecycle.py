"""Findings for pods that ran but went wrong: evicted, failed, not ready (probes), stuck Terminating."""

from __future__ import annotations

import json
import re
from typing import Any

from kubectl_prism.analyzers._index import LOG_TAIL
from kubectl_prism.analyzers.pod_evidence import (
    age,
    decisive_log_lines,
    event_count,
    event_line,
    event_message,
    trim,
)
from kubectl_prism.analyzers.pod_groups import ProblemGroup
from kubectl_prism.analyzers.pod_status import (
    EVICTED,
    FAILED,
    LIVENESS_RESTARTS,
    PROBE_FAILING,
    STUCK_TERMINATING,
)
from kubectl_prism.analyzers.pods.context import (
    PodContext,
    container_spec,
    format_memory,
    parse_quantity,
)
from kubectl_prism.findings import Finding, ObjectRef, Remediation, Severity
from kubectl_prism.snapshot import KubeObject, meta, name_of

_LOW_ON = re.compile(r"low on resource: ([\w-]+)")
_USING = re.compile(
    r"Container (\S+) was using (\S+?), (?:request is|which exceeds its request of) (\S+?)[,.]"
)
_NODE_CONDITION = re.compile(r"node had condition: \[(\w+)\]")


def build_evicted(ctx: PodContext, group: ProblemGroup) -> Finding:
    pod = group.pod
    message = group.problem.detail
    node = (pod.get("spec") or {}).get("nodeName") or ""
    resource = m.group(1) if (m := _LOW_ON.search(message)) else None
    condition = m.group(1) if (m := _NODE_CONDITION.search(message)) else None
    cause = f"node low on {resource}" if resource else condition or trim(message, 80) or "evicted"
    evidence = [f"status.reason=Evicted: {trim(message, 240)}"]
    if node:
        evidence.append(f"node: {node}")
    remediation: list[Remediation] = []
    using = _USING.search(message)
    target = group.template_target()
    if using and resource == "memory":
        container, used = using.group(1), parse_quantity(using.group(2))
        evidence.append(f"container {container} used {using.group(2)} with a request of {using.group(3)}")
        if used and target:
            remediation.append(
                Remediation(
                    f"Request what container {container} really uses so the scheduler reserves it and the "
                    "kubelet evicts others first",
                    group.kubectl(
                        "set",
                        "resources",
                        target,
                        "-c",
                        container,
                        f"--requests=memory={format_memory(used)}",
                    ),
                )
            )
    if resource == "ephemeral-storage" or condition == "DiskPressure":
        remediation.append(
            Remediation(
                "Set ephemeral-storage requests/limits, write less to the container filesystem (use "
                f"volumes), and check disk usage on node {node}"
            )
        )
    if node:
        remediation.append(
            Remediation("Check the node's pressure conditions", f"kubectl describe node {node}")
        )
    names = [name_of(p) for p in group.pods[:10]]
    remediation.append(
        Remediation(
            "Delete the evicted pod objects (they hold no resources, only clutter)",
            group.kubectl("delete", "pod", *names),
        )
    )
    title = group.headline(f"evicted ({cause})")
    text = f"The kubelet evicted the pod: {message}" if message else "The kubelet evicted the pod."
    return Finding(
        EVICTED,
        Severity.WARNING,
        title,
        ObjectRef.of(pod),
        reason="Evicted",
        message=text,
        evidence=evidence,
        remediation=remediation,
        related=[ObjectRef("Node", node)] if node else [],
    )


def build_failed(ctx: PodContext, group: ProblemGroup) -> Finding:
    problem, pod = group.problem, group.pod
    evidence = [f"status.phase=Failed reason={problem.reason}"]
    if problem.detail:
        evidence.append(f"detail: {trim(problem.detail, 240)}")
    remediation = [Remediation("See why the pod failed", group.kubectl("describe", "pod", name_of(pod)))]
    if problem.container:
        log = ctx.snapshot.log(group.namespace, name_of(pod), problem.container)
        evidence += [str(line) for line in decisive_log_lines(log)]
        remediation.insert(
            0,
            Remediation(
                "Read the container's log",
                group.kubectl("logs", name_of(pod), "-c", problem.container, LOG_TAIL),
            ),
        )
    title = group.headline(
        f"Failed ({problem.reason}{': ' + trim(problem.detail, 100) if problem.detail else ''})"
    )
    return Finding(
        FAILED,
        Severity.WARNING,
        title,
        ObjectRef.of(pod),
        reason=problem.reason,
        message=f"The pod failed and will not be restarted: {problem.detail or problem.reason}",
        evidence=evidence,
        remediation=remediation,
    )


# --- probes ------------------------------------------------------------------------------------------

_PROBE_EVENT = re.compile(r"^(Readiness|Liveness|Startup) probe (?:failed|errored):\s*(.*)", re.S)


def build_probe_failing(ctx: PodContext, group: ProblemGroup) -> Finding:
    problem, pod = group.problem, group.pod
    container = problem.container or ""
    spec = container_spec(pod, container)
    unhealthy = [
        e
        for e in ctx.events.about("Pod", group.namespace, name_of(pod), reason="Unhealthy")
        if f"{{{container}}}" in ((e.get("involvedObject") or {}).get("fieldPath") or f"{{{container}}}")
    ]
    probe_kind = "startup" if "startup probe" in problem.detail else "readiness"
    failure = ""
    evidence = [f"container {container}: ready=false, state=running"]
    for ev in unhealthy[-2:]:
        if m := _PROBE_EVENT.match(event_message(ev)):
            probe_kind, failure = m.group(1).lower(), trim(m.group(2), 160)
        evidence.append(event_line(ev))
    probe = spec.get(f"{probe_kind}Probe") or {}
    if probe:
        evidence.append(f"{probe_kind}Probe: {describe_probe(probe)}")
    if mismatch := probe_port_mismatch(spec, probe):
        evidence.append(mismatch)
    log = ctx.snapshot.log(group.namespace, name_of(pod), container)
    evidence += [str(line) for line in decisive_log_lines(log)]
    count = sum(event_count(e) for e in unhealthy)
    if unhealthy:
        what = f"{probe_kind} probe failing" + (f" ({failure})" if failure else "")
    else:
        what = f"{probe_kind} probe has not passed yet"
    title = group.headline(f"not ready: {what}")
    message = (
        f"Container {container} runs but its {probe_kind} probe fails"
        + (f" ({count} failures recorded)" if count else "")
        + ", so the pod receives no Service traffic."
    )
    remediation = [
        Remediation(
            "Check the app's log around the probe failures",
            group.kubectl("logs", name_of(pod), "-c", container, LOG_TAIL),
        )
    ]
    if mismatch:
        remediation.insert(0, probe_port_fix(group, spec, probe_kind))
    elif "connection refused" in failure:
        remediation.insert(
            0,
            Remediation(
                "Nothing listens on the probed port: check the app's listen address (0.0.0.0, not 127.0.0.1) "
                "and port"
            ),
        )
    elif failure:
        remediation.insert(
            0,
            Remediation(
                f"Make the probe endpoint healthy or fix the probe ({describe_probe(probe)})"
                if probe
                else "Make the probe endpoint healthy"
            ),
        )
    started = age(ctx.now, ((pod_state(pod, container).get("running")) or {}).get("startedAt"))
    all_pods = group.owner is not None and group.owner_pods == len(group.pods)
    if not unhealthy and started is not None and started < 300:
        severity = Severity.INFO  # just started: may still be warming up
    elif all_pods:
        severity = Severity.CRITICAL  # no replica serves traffic
    else:
        severity = Severity.WARNING
    return Finding(
        PROBE_FAILING,
        severity,
        title,
        ObjectRef.of(pod),
        reason="Unhealthy" if unhealthy else "NotReady",
        message=message,
        evidence=evidence,
        remediation=remediation,
    )


def build_liveness_restarts(ctx: PodContext, group: ProblemGroup) -> Finding:
    """Restarted by its liveness probe although it never crashed: count the restarts and the probe's
    failures, and hold the probe's port and path against what the container exposes."""
    problem, pod = group.problem, group.pod
    container = problem.container or ""
    spec = container_spec(pod, container)
    probe = spec.get("livenessProbe") or {}
    status = next((cs for cs in (pod.get("status") or {}).get("containerStatuses") or []
                   if cs.get("name") == container), {})
    last = (status.get("lastState") or {}).get("terminated") or {}
    events = ctx.events.about("Pod", group.namespace, name_of(pod))
    unhealthy = [e for e in events if e.get("reason") == "Unhealthy" and "Liveness" in event_message(e)]
    killed = [e for e in events if e.get("reason") == "Killing" and "liveness" in event_message(e)]
    now_state = next(iter(status.get("state") or {}), "unknown")
    evidence = [f"container {container}: state={now_state} ready={str(bool(status.get('ready'))).lower()} "
                f"restartCount={status.get('restartCount', 0)}",
                f"lastState.terminated.reason={last.get('reason', '')} exitCode={last.get('exitCode')}"
                + (f" finishedAt={last['finishedAt']}" if last.get("finishedAt") else ""),
                f"livenessProbe: {describe_probe(probe)}"]
    failures = sum(event_count(e) for e in unhealthy)
    if unhealthy:
        evidence.append(f"{failures} liveness probe failures recorded; last: {event_line(unhealthy[-1])}")
    if killed:
        evidence.append(event_line(killed[-1]))
    mismatch = probe_port_mismatch(spec, probe)
    if mismatch:
        evidence.append(mismatch)
    remediation = []
    if mismatch:
        remediation.append(probe_port_fix(group, spec, "liveness"))
    path = (probe.get("httpGet") or {}).get("path")
    remediation.append(Remediation(
        f"Check that the app answers its liveness probe ({describe_probe(probe)})"
        + (f": does it serve {path}?" if path else ""),
        group.kubectl("describe", "pod", name_of(pod))))
    title = group.headline(
        f"restarted by its liveness probe (container {container}, {status.get('restartCount', 0)} restarts, "
        f"exits {last.get('exitCode', 0)})")
    message = (f"Container {container} does not crash: the kubelet kills it because its liveness probe "
               "fails, and it exits cleanly each time. Every restart drops in-flight work"
               + (f"; {failures} probe failures were recorded." if failures else "."))
    return Finding(LIVENESS_RESTARTS, Severity.WARNING, title, ObjectRef.of(pod),
                   reason="LivenessProbeFailing", message=message, evidence=evidence, remediation=remediation)


def pod_state(pod: KubeObject, container: str) -> dict[str, Any]:
    for cs in (pod.get("status") or {}).get("containerStatuses") or []:
        if cs.get("name") == container:
            return cs.get("state") or {}
    return {}


def describe_probe(probe: dict[str, Any]) -> str:
    if http := probe.get("httpGet"):
        what = f"httpGet {http.get('path', '/')} port {http.get('port')}"
    elif tcp := probe.get("tcpSocket"):
        what = f"tcpSocket port {tcp.get('port')}"
    elif grpc := probe.get("grpc"):
        what = f"grpc port {grpc.get('port')}"
    elif ex := probe.get("exec"):
        what = f"exec {json.dumps(ex.get('command') or [])}"
    else:
        what = "probe"
    timing = [
        f"{k}={probe[k]}"
        for k in ("initialDelaySeconds", "periodSeconds", "timeoutSeconds", "failureThreshold")
        if k in probe
    ]
    return " ".join([what, *timing])


def probe_port_mismatch(spec: dict[str, Any], probe: dict[str, Any]) -> str | None:
    port = (probe.get("httpGet") or probe.get("tcpSocket") or probe.get("grpc") or {}).get("port")
    ports = spec.get("ports") or []
    if port is None or not ports:
        return None
    numbers = {p.get("containerPort") for p in ports}
    names = {p.get("name") for p in ports if p.get("name")}
    if isinstance(port, str) and not port.isdigit():
        return None if port in names else f"probe port {port!r} is not a named port of the container"
    if int(port) not in numbers:
        return (
            f"probe port {port} is not a containerPort of {spec.get('name')} "
            f"({', '.join(str(n) for n in sorted(numbers))})"
        )
    return None


def probe_port_fix(group: ProblemGroup, spec: dict[str, Any], kind: str) -> Remediation:
    """Point a probe at the container's only port: a concrete JSON patch when the owner allows one."""
    probe = spec.get(f"{kind}Probe") or {}
    handler = next((h for h in ("httpGet", "tcpSocket", "grpc") if h in probe), None)
    ports = spec.get("ports") or []
    containers = (group.pod.get("spec") or {}).get("containers") or []
    index = next((i for i, c in enumerate(containers) if c.get("name") == spec.get("name")), None)
    target = group.template_target()
    text = f"Point the {kind} probe at the port container {spec.get('name')} listens on"
    if handler is None or len(ports) != 1 or index is None or target is None or target.startswith("cronjob"):
        return Remediation(text)
    port = ports[0].get("containerPort")
    op = [
        {
            "op": "replace",
            "path": f"/spec/template/spec/containers/{index}/{kind}Probe/{handler}/port",
            "value": port,
        }
    ]
    patch = json.dumps(op, separators=(",", ":"))
    return Remediation(f"{text} ({port})", group.kubectl("patch", target, "--type=json", "-p", f"'{patch}'"))


# --- stuck Terminating -------------------------------------------------------------------------------


def build_stuck_terminating(ctx: PodContext, group: ProblemGroup) -> Finding:
    pod = group.pod
    finalizers = meta(pod).get("finalizers") or []
    node_name = (pod.get("spec") or {}).get("nodeName")
    due = group.problem.detail.split(";")[0]
    evidence = [f"metadata.deletionTimestamp={meta(pod).get('deletionTimestamp')} ({due})"]
    if finalizers:
        evidence.append(f"finalizers: {', '.join(finalizers)}")
    node_down = False
    if node_name:
        node = ctx.snapshot.get("Node", None, node_name)
        ready = next(
            (c for c in (node or {}).get("status", {}).get("conditions") or [] if c.get("type") == "Ready"),
            None,
        )
        if node is None:
            evidence.append(f"node {node_name} no longer exists")
            node_down = True
        elif ready and ready.get("status") != "True":
            evidence.append(
                f"node {node_name} is NotReady: {trim(ready.get('message') or ready.get('reason', ''), 120)}"
            )
            node_down = True
    for ev in ctx.events.about("Pod", group.namespace, name_of(pod))[-2:]:
        if ev.get("type") == "Warning":
            evidence.append(event_line(ev))
    remediation: list[Remediation] = []
    names = [name_of(p) for p in group.pods[:10]]
    if finalizers:
        patch = json.dumps({"metadata": {"finalizers": None}}, separators=(",", ":"))
        remediation.append(
            Remediation(
                f"Find out why the controller owning finalizer {finalizers[0]} does not remove it; if it is "
                "gone for good, remove the finalizer",
                group.kubectl("patch", "pod", name_of(pod), "--type=merge", "-p", f"'{patch}'"),
            )
        )
    if node_down:
        remediation.append(
            Remediation(
                f"Node {node_name} cannot confirm the pod is gone; once you are sure the node is down, "
                "force-delete",
                group.kubectl("delete", "pod", *names, "--grace-period=0", "--force"),
            )
        )
    elif not finalizers:
        remediation.append(
            Remediation(
                "The kubelet has not finished stopping the containers; check the node's container runtime, "
                "then force-delete if needed",
                group.kubectl("delete", "pod", *names, "--grace-period=0", "--force"),
            )
        )
    why = (
        "finalizers" if finalizers else f"node {node_name} NotReady" if node_down else "kubelet not finishing"
    )
    title = group.headline(f"stuck Terminating ({due}, {why})")
    return Finding(
        STUCK_TERMINATING,
        Severity.WARNING,
        title,
        ObjectRef.of(pod),
        reason="Terminating",
        message="The pod was deleted but its deletion never completed.",
        evidence=evidence,
        remediation=remediation,
        related=[ObjectRef("Node", node_name)] if node_name else [],
    )
