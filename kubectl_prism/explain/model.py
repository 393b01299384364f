"""The `explain` view of one object: the `prism/v1 Explanation` document, built from a snapshot.

What the object is, its owner chain, spec highlights, status and conditions, the pods it runs,
related objects, recent events, the findings that concern it and its resource utilization. Pure: it
reads the snapshot and the analyzers' findings, never the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kubectl_prism.errors import ClusterAccessError, UsageError
from kubectl_prism.explain.describe import secret_free_annotations
from kubectl_prism.explain.kinds import pod_status_text, spec_highlights, status_summary
from kubectl_prism.explain.related import RelatedObject, owned_intermediates, pods_of, related_objects
from kubectl_prism.explain.usage import utilization
from kubectl_prism.findings import Finding, ObjectRef, Scope
from kubectl_prism.kinds import Target
from kubectl_prism.object_graph import owner_chain, top_owner_ref
from kubectl_prism.resources import has_metrics
from kubectl_prism.snapshot import Gap, KubeObject, Snapshot, meta, name_of, namespace_of
from kubectl_prism.timeutil import age_of, event_time, parse_time

MAX_EVENTS = 25
MAX_PODS = 50


@dataclass
class Explanation:
    scope: Scope
    as_of: datetime
    object: dict[str, Any]
    owner_chain: list[ObjectRef] = field(default_factory=list)
    spec: dict[str, Any] = field(default_factory=dict)
    status: dict[str, Any] = field(default_factory=dict)
    pods: list[dict[str, Any]] = field(default_factory=list)
    related: list[RelatedObject] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    utilization: dict[str, Any] = field(default_factory=dict)
    gaps: list[Gap] = field(default_factory=list)
    ai: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "apiVersion": "prism/v1",
            "kind": "Explanation",
            "scope": self.scope.to_dict(),
            "asOf": self.as_of.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "object": self.object,
            "ownerChain": [o.to_dict() for o in self.owner_chain],
            "spec": self.spec,
            "status": self.status,
            "pods": self.pods,
            "related": [r.to_dict() for r in self.related],
            "events": self.events,
            "findings": [f.to_dict() for f in self.findings],
            "utilization": self.utilization,
            "gaps": [g.to_dict() for g in self.gaps],
            "ai": self.ai,
        }


def reference_time(snapshot: Snapshot) -> datetime:
    """"Now" for ages: the clock for a live cluster, the newest timestamp of a saved snapshot (so a
    dump from last month reads as it did then, not as "35d" everywhere)."""
    now = datetime.now(UTC)
    if snapshot.source == "live":
        return now
    newest: datetime | None = None
    for ev in snapshot.of_kind("Event"):
        for raw in (ev.get("lastTimestamp"), ev.get("eventTime"), ev.get("firstTimestamp")):
            stamp = parse_time(raw)
            if stamp and (newest is None or stamp > newest):
                newest = stamp
    for obj in snapshot:
        stamp = parse_time(meta(obj).get("creationTimestamp"))
        if stamp and (newest is None or stamp > newest):
            newest = stamp
    return min(newest, now) if newest else now


def find_target(snapshot: Snapshot, target: Target) -> KubeObject:
    """The target object, or a clear error: not readable (exit 3) or not there (exit 2)."""
    ns = snapshot.namespace if target.info.namespaced else None
    obj = snapshot.get(target.kind, ns, target.name)
    if obj is None and target.info.namespaced and ns is None:
        matches = [o for o in snapshot.of_kind(target.kind) if name_of(o) == target.name]
        if len(matches) == 1:
            obj = matches[0]
        elif matches:
            spaces = ", ".join(sorted(str(namespace_of(o)) for o in matches))
            raise UsageError(f"{target} exists in several namespaces ({spaces})", hint="choose one with -n")
    if obj is not None:
        return obj
    info = target.info
    for gap in snapshot.gaps:
        if gap.resource in (info.plural, info.resource) and gap.namespace in (None, ns):
            raise ClusterAccessError(f"cannot explain {target}: {gap.line()}")
    where = f" in namespace {ns}" if ns else ""
    src = "snapshot" if snapshot.source == "snapshot" else "cluster"
    raise UsageError(f"{target} not found{where} in the {src}",
                     hint=f"list them with `kubectl get {info.resource}" + (f" -n {ns}`" if ns else "`"))


def findings_for(snapshot: Snapshot, obj: KubeObject, findings: list[Finding],
                 pods: list[KubeObject] | None = None) -> list[Finding]:
    """Findings about the object, its owners, what it owns or selects — plus the findings they cite as
    their cause, so a symptom never appears without its root cause."""
    me = ObjectRef.of(obj)
    ident = {me, *(ObjectRef.of(o) for o in owner_chain(snapshot, obj))}
    ident |= {ObjectRef.of(o) for o in owned_intermediates(snapshot, obj)}
    if obj.get("kind") not in ("Node", "ConfigMap", "Secret", "Namespace"):
        for pod in pods if pods is not None else pods_of(snapshot, obj):
            ident.add(ObjectRef.of(pod))
            top = top_owner_ref(snapshot, pod)
            if top:
                ident.add(top)
    if obj.get("kind") == "Namespace":
        keep = [f for f in findings if f.object.namespace == name_of(obj) or f.object == me]
    else:
        keep = [f for f in findings
                if f.object in ident or f.owner in ident or any(a in ident for a in f.affected)
                or me in f.related]
    return _with_causes(keep, findings)


def _with_causes(keep: list[Finding], everything: list[Finding]) -> list[Finding]:
    chosen = {id(f) for f in keep}
    queue = list(keep)
    while queue:
        cause = queue.pop().caused_by
        if not cause:
            continue
        rule = cause.get("rule") or cause.get("id")
        o = cause.get("object") or {}
        ref = ObjectRef(o.get("kind", ""), o.get("name", ""), o.get("namespace"))
        for f in everything:
            if id(f) not in chosen and f.id == rule and (f.object == ref or ref in f.affected):
                chosen.add(id(f))
                queue.append(f)
    return [f for f in everything if id(f) in chosen]


def _object_summary(obj: KubeObject, now: datetime) -> dict[str, Any]:
    m = meta(obj)
    out = {"kind": obj.get("kind"), "apiVersion": obj.get("apiVersion"), "namespace": m.get("namespace"),
           "name": m.get("name"), "uid": m.get("uid"), "created": m.get("creationTimestamp"),
           "age": age_of(m.get("creationTimestamp"), now), "labels": dict(m.get("labels") or {}),
           "annotations": secret_free_annotations(obj)}
    if m.get("deletionTimestamp"):
        out["deleting"] = m["deletionTimestamp"]
    return out


def _pod_row(snapshot: Snapshot, pod: KubeObject, now: datetime) -> dict[str, Any]:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    containers = (pod.get("spec") or {}).get("containers") or []
    return {
        "name": name_of(pod),
        "namespace": namespace_of(pod),
        "status": pod_status_text(pod),
        "ready": f"{sum(1 for c in statuses if c.get('ready'))}/{len(containers)}",
        "restarts": sum(int(c.get("restartCount") or 0) for c in statuses),
        "node": (pod.get("spec") or {}).get("nodeName"),
        "age": age_of(meta(pod).get("creationTimestamp"), now),
    }


def _events(snapshot: Snapshot, objects: list[KubeObject], now: datetime) -> list[dict[str, Any]]:
    # Objects or event references ({kind, name, namespace}) whose events to show.
    wanted = {(o.get("kind"), o.get("name") or name_of(o)) for o in objects}
    namespaces = {o.get("namespace") or namespace_of(o) for o in objects}
    found = []
    for ev in snapshot.of_kind("Event"):
        ref = ev.get("involvedObject") or ev.get("regarding") or {}
        if (ref.get("kind"), ref.get("name")) in wanted and \
                (ref.get("namespace") or namespace_of(ev)) in namespaces:
            found.append(ev)
    found.sort(key=event_time)
    out = []
    for ev in found[-MAX_EVENTS:]:
        ref = ev.get("involvedObject") or ev.get("regarding") or {}
        out.append({
            "type": ev.get("type"), "reason": ev.get("reason"),
            "object": f"{str(ref.get('kind', '')).lower()}/{ref.get('name')}",
            "message": (ev.get("message") or ev.get("note") or "").strip(),
            "count": int(ev.get("count") or (ev.get("series") or {}).get("count") or 1),
            "lastSeen": event_time(ev) or None, "age": age_of(event_time(ev), now),
        })
    return out


def build_explanation(snapshot: Snapshot, target: Target, findings: list[Finding]) -> Explanation:
    obj = find_target(snapshot, target)
    now = reference_time(snapshot)
    pods = pods_of(snapshot, obj)
    intermediates = owned_intermediates(snapshot, obj)
    event_objects = [obj, *intermediates]
    if obj.get("kind") == "Namespace":
        # What happened in the namespace, not to the Namespace object (which rarely has events).
        event_objects += [ev.get("involvedObject") or ev.get("regarding") or {}
                          for ev in snapshot.of_kind("Event", name_of(obj))]
    elif obj.get("kind") != "Node":
        event_objects += pods[:MAX_PODS]
    gaps = list(snapshot.gaps)
    if not has_metrics(snapshot) and not any("metrics" in g.resource for g in gaps):
        reason = "not in the snapshot" if snapshot.source == "snapshot" else "metrics API not available"
        gaps.append(Gap("metrics.k8s.io", namespace_of(obj), reason))
    return Explanation(
        scope=Scope(snapshot.context, namespace_of(obj), str(target), snapshot.source),
        as_of=now,
        object=_object_summary(obj, now),
        owner_chain=[ObjectRef.of(o) for o in owner_chain(snapshot, obj)],
        spec=spec_highlights(obj),
        status=status_summary(obj, now),
        pods=[_pod_row(snapshot, p, now) for p in pods[:MAX_PODS]] if obj.get("kind") != "Pod" else [],
        related=related_objects(snapshot, obj, pods),
        events=_events(snapshot, event_objects, now),
        findings=findings_for(snapshot, obj, findings, pods),
        utilization=utilization(snapshot, obj, pods),
        gaps=gaps,
    )
