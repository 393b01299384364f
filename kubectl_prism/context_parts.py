"""The pieces `ai.payload.build_context` puts together, as plain text before redaction.

Findings (in full, or one line with the cause they link to), event lines, objects trimmed for a
model (no uids, no condition timestamps, no container ids, no `(uid)` suffixes in kubelet messages),
the log keys worth sending (each log once), the pods whose spec only repeats a template already
sent, and the text of the dependencies the evidence names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from kubectl_prism.findings import Finding, ObjectRef
from kubectl_prism.snapshot import KubeObject, LogKey, Snapshot, meta, name_of, namespace_of
from kubectl_prism.textcut import head
from kubectl_prism.timeutil import event_time
from kubectl_prism.trim import trim_object

MAX_EVIDENCE_CHARS = 240
MAX_LOG_CONTAINERS = 4
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_UID_SUFFIX = re.compile(rf"\({_UUID}\)")
_TIME_KEYS = ("lastTransitionTime", "lastUpdateTime", "lastProbeTime", "lastHeartbeatTime")
_STATUS_NOISE = ("containerID", "imageID")


def without_uids(text: str) -> str:
    """`pod api-0_shop(21167eff-…)` → `pod api-0_shop`: the uid says nothing a model can use."""
    return _UID_SUFFIX.sub("", text) if "-" in text else text


def ref_line(ref: ObjectRef) -> str:
    where = f"{ref.namespace}/" if ref.namespace else ""
    return f"{ref.kind} {where}{ref.name}"


def clip(text: str, limit: int = MAX_EVIDENCE_CHARS) -> str:
    # Before redaction: cut between words, so a secret is sent redacted whole or not at all.
    return text if len(text) <= limit else head(text, limit) + " …"


def caused_by(f: Finding) -> str:
    cause = f.caused_by or {}
    obj = cause.get("object") or {}
    where = f"{obj.get('namespace')}/" if obj.get("namespace") else ""
    return f"{cause.get('rule', '?')} on {obj.get('kind', '?')} {where}{obj.get('name', '?')}"


def finding_line(i: int, f: Finding) -> str:
    """One line: for downstream symptoms, and for findings past the share of the budget."""
    line = f"{i}. [{f.severity.value}] {f.id}: {f.title} ({ref_line(f.object)})"
    return without_uids(line + (f"; caused by {caused_by(f)}" if f.caused_by else ""))


def finding_text(i: int, f: Finding) -> str:
    if f.caused_by:
        return finding_line(i, f)
    lines = [f"{i}. [{f.severity.value}] {f.id}: {f.title}", f"   object: {ref_line(f.object)}"]
    if f.owner:
        lines.append(f"   owner: {ref_line(f.owner)}")
    if f.reason:
        lines.append(f"   reason: {f.reason}")
    if f.message:
        lines.append(f"   message: {clip(f.message, 2 * MAX_EVIDENCE_CHARS)}")
    if f.evidence:
        lines.append("   evidence:")
        lines.extend(f"   - {clip(e)}" for e in f.evidence)
    if f.remediation:
        lines.append("   remediation:")
        lines.extend(f"   - {r.description}" + (f": `{r.command}`" if r.command else "")
                     for r in f.remediation)
    if len(f.affected) > 1:
        lines.append("   affected: " + ", ".join(ref_line(a) for a in f.affected))
    if f.related:
        lines.append("   related: " + ", ".join(ref_line(r) for r in f.related))
    return without_uids("\n".join(lines))


def event_line(ev: KubeObject) -> str:
    ref = ev.get("involvedObject") or ev.get("regarding") or {}
    count = ev.get("count") or (ev.get("series") or {}).get("count")
    times = f" (x{count})" if count and count > 1 else ""
    message = without_uids(" ".join(str(ev.get("message") or ev.get("note") or "").split()))
    return (f"- {event_time(ev) or '?'} {ev.get('type', '')} {ev.get('reason', '')} "
            f"{str(ref.get('kind', '')).lower()}/{ref.get('name', '')}: {message}{times}")


def newest_first(events: Iterable[KubeObject]) -> list[KubeObject]:
    return sorted(events, key=event_time, reverse=True)


def _scrub(value: Any) -> Any:
    """Condition timestamps, container and image ids go; `(uid)` suffixes leave messages."""
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items() if k not in _TIME_KEYS and k not in _STATUS_NOISE}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    if isinstance(value, str):
        return without_uids(value)
    return value


def model_object(obj: KubeObject, status_only: bool = False) -> KubeObject:
    """The object as a model needs it: trimmed (trim.py), then without ids and bookkeeping times."""
    trimmed = trim_object(obj, status_only=status_only)
    return _scrub(trimmed)


def pod_repeats_template(pod: KubeObject, workloads: Iterable[KubeObject]) -> KubeObject | None:
    """The workload (already in the context) whose pod template the pod's containers only repeat.

    Compared as trimmed (trim.py drops the defaults the API server fills into a pod but not into a
    template: protocols, termination message paths, ...).
    """
    mine = _containers((trim_object(pod).get("spec") or {}).get("containers"))
    for w in workloads:
        template = ((trim_object(w).get("spec") or {}).get("template") or {}).get("spec") or {}
        if mine and _containers(template.get("containers")) == mine:
            return w
    return None


def _containers(containers: Any) -> list[Any]:
    keep = ("name", "image", "command", "args", "env", "envFrom", "resources", "ports", "livenessProbe",
            "readinessProbe", "startupProbe", "volumeMounts")
    return [{k: c.get(k) for k in keep if c.get(k)} for c in containers or [] if isinstance(c, dict)]


def log_keys(snapshot: Snapshot, pods: Iterable[ObjectRef]) -> list[LogKey]:
    """One log per (pod, container), the crashed instance when there is one; each pod once."""
    keys: list[LogKey] = []
    seen: set[tuple[str | None, str]] = set()
    for pod in pods:
        if (pod.namespace, pod.name) in seen:
            continue
        seen.add((pod.namespace, pod.name))
        mine = [k for k in snapshot.logs if k.namespace == pod.namespace and k.pod == pod.name]
        for container in sorted({k.container for k in mine}):
            prev = LogKey(pod.namespace or "", pod.name, container, True)
            keys.append(prev if prev in snapshot.logs else LogKey(pod.namespace or "", pod.name, container))
    return keys[:MAX_LOG_CONTAINERS]


def refs_of(findings: Sequence[Finding]) -> tuple[list[ObjectRef], list[ObjectRef]]:
    primary: list[ObjectRef] = []
    secondary: list[ObjectRef] = []
    for f in findings:
        primary.append(f.object)
        if f.affected:
            secondary.extend(a for a in f.affected[1:])
        if f.owner:
            secondary.append(f.owner)
        secondary.extend(f.related)
    return list(dict.fromkeys(primary)), list(dict.fromkeys(secondary))


def inventory(snapshot: Snapshot, limit: int = 40) -> str:
    lines = []
    for kind, objs in sorted(snapshot.objects.items()):
        if kind == "Event" or not objs:
            continue
        names = [f"{namespace_of(o) + '/' if namespace_of(o) else ''}{name_of(o)}" for o in objs]
        more = f" (+{len(names) - limit} more)" if len(names) > limit else ""
        lines.append(f"- {kind}: {', '.join(names[:limit])}{more}")
    return "\n".join(lines)


def dependency_text(dep: Any) -> str:
    """What one named Service is and whom it reaches: selector, ports, endpoints, pods."""
    spec = dep.service.get("spec") or {}
    selector = spec.get("selector") or {}
    ports = ", ".join(f"{p.get('port')}->{p.get('targetPort', p.get('port'))}"
                      for p in spec.get("ports") or [])
    lines = [f"named by: {dep.why}",
             "selector: " + (", ".join(f"{k}={v}" for k, v in selector.items())
                             or "none (no managed endpoints)"),
             f"clusterIP: {spec.get('clusterIP', '-')}  ports: {ports or '-'}"]
    when = (meta(dep.service).get("managedFields") or [{}])
    writes = sorted((w for w in when if isinstance(w, dict) and w.get("time")), key=lambda w: w["time"])
    if writes:
        lines.append(f"last written: {writes[-1]['time']} by {writes[-1].get('manager', '?')}")
    if dep.endpoints is None:
        lines.append("endpoints: not gathered")
    else:
        ready = sum(len(s.get("addresses") or []) for s in dep.endpoints.get("subsets") or [])
        lines.append(f"endpoints: {ready} ready address(es)")
    if dep.pods:
        lines.append("pods it selects: " + ", ".join(f"{name_of(p)} ({_phase(p)})" for p in dep.pods))
    else:
        lines.append("pods it selects: none")
    for pod in dep.near:
        labels = ", ".join(f"{k}={v}" for k, v in (meta(pod).get("labels") or {}).items()
                           if k in selector)
        lines.append(f"nearest pod: {name_of(pod)} ({_phase(pod)}) has {labels}")
    return "\n".join(lines)


def _phase(pod: KubeObject) -> str:
    status = pod.get("status") or {}
    ready = all(c.get("ready") for c in status.get("containerStatuses") or [{}])
    return f"{status.get('phase', '?')}, {'ready' if ready else 'not ready'}"
