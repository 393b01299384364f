"""CPU starvation: probes that time out, slow starts and thread-starvation log lines in a container whose CPU
limit is too low for it — usage at the limit (metrics.k8s.io), a limit lowered by the last rollout, or a
JVM squeezed under one CPU."""

from __future__ import annotations

import json
import re
from typing import Any

from kubectl_prism.analyzers import Rule, analyzer
from kubectl_prism.analyzers._index import dig, event_index
from kubectl_prism.analyzers.log_dependencies import log_tail
from kubectl_prism.analyzers.pod_evidence import clip, event_count, event_message, snapshot_now
from kubectl_prism.analyzers.pod_groups import TEMPLATE_KINDS, problem_groups
from kubectl_prism.analyzers.pod_status import CRASH_LOOP, LIVENESS_RESTARTS, PROBE_FAILING
from kubectl_prism.findings import Finding, ObjectRef, Remediation, Severity
from kubectl_prism.quantity import parse_quantity
from kubectl_prism.snapshot import KubeObject, Snapshot, meta, name_of, namespace_of

STARVED = Rule(
    "container-cpu-starved",
    Severity.WARNING,
    "Probes time out or the app reports thread starvation because its CPU limit is too low: usage "
    "at the limit, a limit lowered by the last rollout, or a JVM under one CPU; raise the limit, add a "
    "startupProbe or drop the CPU limit",
)

_PROBE_TIMEOUT = re.compile(
    r"(?:Liveness|Readiness|Startup) probe failed:.*(?:context deadline exceeded|"
    r"Client\.Timeout exceeded|timeout|timed out)",
    re.IGNORECASE,
)
_STARVING = re.compile(
    r"thread starvation|clock leap|blocked for more than|took too long|GC overhead|"
    r"event loop (?:blocked|lag)|slow start",
    re.IGNORECASE,
)
_JVM = re.compile(
    r"java|jdk|jre|temurin|corretto|spring|quarkus|tomcat|jetty|kafka|elasticsearch|keycloak", re.IGNORECASE
)
AT_LIMIT = 0.9  # usage at 90% of the limit or more is throttled


@analyzer("cpu", STARVED)
def analyze_cpu(snapshot: Snapshot) -> list[Finding]:
    findings = []
    for group in problem_groups(snapshot, snapshot_now(snapshot)):
        if (
            group.problem.rule_id not in (PROBE_FAILING, LIVENESS_RESTARTS, CRASH_LOOP)
            or not group.problem.container
        ):
            continue
        if finding := _starved(snapshot, group):
            findings.append(finding)
    return findings


def _container(pod: KubeObject, name: str) -> tuple[int, dict[str, Any]]:
    for i, c in enumerate(dig(pod, "spec", "containers") or []):
        if c.get("name") == name:
            return i, c
    return -1, {}


def _usage(snapshot: Snapshot, pod: KubeObject, container: str) -> float | None:
    metrics = snapshot.get("PodMetrics", namespace_of(pod), name_of(pod))
    for c in (metrics or {}).get("containers") or []:
        if c.get("name") == container:
            return parse_quantity((c.get("usage") or {}).get("cpu"))
    return None


def _previous_limit(snapshot: Snapshot, pod: KubeObject, container: str) -> str | None:
    """The CPU limit of the Deployment's previous revision, when the last rollout changed it."""
    owners = meta(pod).get("ownerReferences") or []
    rs = snapshot.get("ReplicaSet", namespace_of(pod), owners[0].get("name", "")) if owners else None
    dep_ref = (
        next((o for o in (meta(rs).get("ownerReferences") or []) if o.get("kind") == "Deployment"), None)
        if rs
        else None
    )
    if rs is None or dep_ref is None:
        return None

    def revision(obj: KubeObject) -> int:
        value = (meta(obj).get("annotations") or {}).get("deployment.kubernetes.io/revision", "0")
        return int(value) if str(value).isdigit() else 0

    siblings = [
        r
        for r in snapshot.of_kind("ReplicaSet", namespace_of(pod))
        if any(o.get("name") == dep_ref.get("name") for o in meta(r).get("ownerReferences") or [])
        and revision(r) < revision(rs)
    ]
    if not siblings:
        return None
    older = max(siblings, key=revision)
    for c in dig(older, "spec", "template", "spec", "containers") or []:
        if c.get("name") == container:
            return dig(c, "resources", "limits", "cpu")
    return None


def _starved(snapshot: Snapshot, group: Any) -> Finding | None:
    pod, name = group.pod, group.problem.container
    index, spec = _container(pod, name)
    limit_raw = dig(spec, "resources", "limits", "cpu")
    limit = parse_quantity(limit_raw)
    if not limit:
        return None  # no CPU limit: not throttled by one
    events = [
        e
        for p in group.pods
        for e in event_index(snapshot).about("Pod", namespace_of(p), name_of(p))
        if e.get("reason") == "Unhealthy" and _PROBE_TIMEOUT.search(event_message(e))
    ]
    logs = [t for p in group.pods for t in log_tail(snapshot, namespace_of(p) or "", name_of(p), name)
            if _STARVING.search(clip(t))]
    if not events and not logs:
        return None
    usage = _usage(snapshot, pod, name)
    previous = _previous_limit(snapshot, pod, name)
    lowered = previous is not None and (parse_quantity(previous) or 0) > limit
    jvm = bool(_JVM.search(spec.get("image", ""))) and limit < 1
    at_limit = usage is not None and usage >= AT_LIMIT * limit
    if not (at_limit or lowered or jvm or (logs and limit <= 0.5)):
        return None
    ns = namespace_of(pod) or "default"
    evidence = [f"container {name}: resources.limits.cpu={limit_raw}"]
    if usage is not None:
        evidence.append(
            f"cpu usage {round(usage * 1000)}m of a {limit_raw} limit (metrics.k8s.io)"
            + (": throttled at the limit" if at_limit else "")
        )
    if lowered:
        evidence.append(f"the last rollout lowered the CPU limit from {previous} to {limit_raw}")
    if jvm:
        evidence.append(
            f"image {spec.get('image')} runs a JVM, which needs more than {limit_raw} CPU to start"
        )
    if events:
        count = sum(event_count(e) for e in events)
        evidence.append(f"{count} probe timeouts, last: {clip(event_message(events[-1]), 200)}")
    if logs:
        evidence.append(f"log: {clip(logs[-1], 200)}")
    owner = group.owner
    target = f"{owner.kind.lower()}/{owner.name}" if owner and owner.kind in TEMPLATE_KINDS else None
    raised = _cpu_text(max(limit * 2, parse_quantity(previous) or 0))
    remediation = []
    if target:
        remediation.append(
            Remediation(
                f"Raise the CPU limit of {name} (to {raised} here)",
                f"kubectl -n {ns} set resources {target} -c {name} --limits=cpu={raised}",
            )
        )
        if owner and owner.kind != "CronJob" and index >= 0:
            remove = [
                {"op": "remove", "path": f"/spec/template/spec/containers/{index}/resources/limits/cpu"}
            ]
            remediation.append(
                Remediation(
                    "Or drop the CPU limit (keep the request): it bursts instead of being throttled",
                    f"kubectl -n {ns} patch {target} --type=json -p '{_patch(remove)}'",
                )
            )
            if not spec.get("startupProbe") and (
                probe := spec.get("livenessProbe") or spec.get("readinessProbe")
            ):
                startup = {k: v for k, v in probe.items() if k in ("httpGet", "tcpSocket", "grpc", "exec")}
                startup.update(periodSeconds=10, failureThreshold=30)
                add = [
                    {
                        "op": "add",
                        "path": f"/spec/template/spec/containers/{index}/startupProbe",
                        "value": startup,
                    }
                ]
                remediation.append(
                    Remediation(
                        "And give a slow start time with a startupProbe (liveness waits until it passes)",
                        f"kubectl -n {ns} patch {target} --type=json -p '{_patch(add)}'",
                    )
                )
    else:
        remediation.append(Remediation(f"Raise or remove the CPU limit of container {name} in its manifest"))
    who = f"{owner.kind} {owner.name}" if owner else f"Pod {name_of(pod)}"
    return Finding(
        STARVED.id,
        # Every replica throttled: nothing serves, as for the probe finding it explains.
        Severity.CRITICAL if owner is not None and group.owner_pods == len(group.pods) else Severity.WARNING,
        f"{who}: container {name} is starved of CPU (limit {limit_raw})",
        ObjectRef.of(pod),
        reason="CPUThrottled",
        message=f"Container {name} is throttled at its CPU limit of {limit_raw}: its probes time out and it "
        "starts slowly, so the kubelet restarts it or takes it out of its Service.",
        evidence=evidence,
        remediation=remediation,
        owner=owner,
        affected=list(group.refs),
    )


def _patch(ops: list[dict[str, Any]]) -> str:
    return json.dumps(ops, separators=(",", ":"))


def _cpu_text(cores: float) -> str:
    milli = round(cores * 1000)
    return f"{milli // 1000}" if milli % 1000 == 0 else f"{milli}m"
