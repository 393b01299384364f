"""What each `ask` tool does, given checked arguments: (status, body). `tools.AskTools` runs them.

Bodies are plain dicts/strings (redacted, fenced and capped by `AskTools._out`) or `Redacted` values
already fitted to the cap with `AskTools.fit`. Messages name the tool's own arguments and the next
tool to call, never a command-line flag: they are read by the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kubectl_prism.ai.tool_args import ToolError
from kubectl_prism.ai.tool_rows import MAX_LOG_LINE, clip_line, event_row, status_line, warnings_first
from kubectl_prism.ai.tool_specs import DEFAULT_TAIL, KIND_NAMES
from kubectl_prism.kinds import BY_KIND
from kubectl_prism.selectors import SelectorError, parse_selector
from kubectl_prism.snapshot import KubeObject, LogKey, Snapshot, meta, name_of, namespace_of

if TYPE_CHECKING:
    from kubectl_prism.ai.tools import AskTools
    from kubectl_prism.findings import Finding

Result = tuple[str, Any]
EXPLAIN_NOTE = "one line per finding; call explain(target=KIND/NAME) for its evidence and remediation"
MAX_EVIDENCE = 300
POD_OWNER_KINDS = ("StatefulSet", "DaemonSet", "Job", "ReplicaSet", "ReplicationController", "CronJob")
DUMP_KINDS = "pods, services, deployments, replicasets, daemonsets, replication controllers, events, nodes"


def _findings(t: AskTools, snapshot: Snapshot) -> list[Finding]:
    cache: dict[int, list[Finding]] = t.__dict__.setdefault("_findings_cache", {})
    if id(snapshot) not in cache:
        from kubectl_prism.analyzers import run_analyzers

        cache[id(snapshot)] = run_analyzers(snapshot)
    return cache[id(snapshot)]


def _where(ns: str | None) -> str:
    return f"namespace {ns}" if ns else "all namespaces"


# --- diagnose / explain ---------------------------------------------------------------------------
def diagnose(t: AskTools, args: dict[str, Any]) -> Result:
    from kubectl_prism.ai.payload import finding_line

    ns = t.namespace(args)
    about = _where(ns)
    if args.get("target"):
        target = t.target(args["target"])
        ns = t.locate("diagnose", target.info, target.name, ns)
        snapshot = None
        if ns is not None or not target.info.namespaced:
            snapshot = t.target_snapshot(target, ns if target.info.namespaced else None)
        if snapshot is None:
            return "no_data", _not_found(target.info.plural, target.name, ns)
        about = f"{target} in {_where(ns)}"
    else:
        snapshot = t.scope()
    findings = [f for f in _findings(t, snapshot) if not ns or f.object.namespace in (ns, None)]
    lines = [finding_line(i, f) for i, f in enumerate(findings, 1)]
    head: dict[str, Any] = {"scope": about, "count": len(findings),
                            "note": EXPLAIN_NOTE if findings else "no rule found a problem here"}
    if snapshot.gaps:
        head["could_not_read"] = [g.line() for g in snapshot.gaps]
    return "success" if findings else "no_data", t.fit(
        "success" if findings else "no_data", head, "findings", lines,
        "call diagnose with a target or explain on the objects named above")


def _finding_detail(f: Finding, evidence: int) -> dict[str, Any]:
    doc: dict[str, Any] = {"severity": f.severity.value, "rule": f.id, "title": f.title,
                           "object": str(f.object)}
    if f.caused_by:
        obj = f.caused_by.get("object") or {}
        doc["causedBy"] = f"{f.caused_by.get('rule')} on {str(obj.get('kind', '')).lower()}/{obj.get('name')}"
        return doc
    if f.message:
        doc["message"] = clip_line(f.message, 2 * MAX_EVIDENCE)
    if f.evidence:
        doc["evidence"] = [clip_line(e, MAX_EVIDENCE) for e in f.evidence[:evidence]]
        if len(f.evidence) > evidence:
            doc["evidence"].append(f"({len(f.evidence) - evidence} more evidence lines left out)")
    if f.remediation:
        doc["remediation"] = [r.description + (f": {r.command}" if r.command else "") for r in f.remediation]
    return doc


def explain(t: AskTools, args: dict[str, Any]) -> Result:
    target = t.target(args["target"])
    ns = t.locate("explain", target.info, target.name, t.namespace(args, target.info))
    located = ns is not None or not target.info.namespaced
    snapshot = t.target_snapshot(target, ns) if located else None
    obj = snapshot.get(target.kind, ns, target.name) if snapshot is not None else None
    if snapshot is None or obj is None:
        return "no_data", _not_found(target.info.plural, target.name, ns)
    findings = _findings(t, snapshot)
    events = warnings_first(snapshot.events_for(target.kind, ns, target.name))
    conditions = [{k: c.get(k) for k in ("type", "status", "reason", "message") if c.get(k)}
                  for c in (obj.get("status") or {}).get("conditions") or [] if isinstance(c, dict)]
    base = {"object": str(target), **({"namespace": ns} if ns else {}), "status": status_line(obj),
            "conditions": conditions}
    if snapshot.gaps:
        base["could_not_read"] = [g.line() for g in snapshot.gaps]
    # From the fullest answer to the leanest: the first that fits is sent.
    for evidence, n_events in ((12, 15), (6, 8), (3, 4)):
        doc = {**base, "findings": [_finding_detail(f, evidence) for f in findings],
               "events": [event_row(e) for e in events[:n_events]]}
        body = t.json({"status": "success", "result": doc})
        if len(body) <= t.max_chars - 200:
            return "success", body
    return "success", t.fit("success", {**base, "events": [event_row(e) for e in events[:4]]}, "findings",
                            [_finding_detail(f, 2) for f in findings], "call explain on a narrower target")


# --- objects ------------------------------------------------------------------------------------------
def list_resources(t: AskTools, args: dict[str, Any]) -> Result:
    info = t.kind(args["kind"])
    ns = t.namespace(args, info)
    text = args.get("label_selector") or None
    try:
        selector = parse_selector(text)
    except SelectorError as err:

        raise ToolError(f"list_resources: label_selector {err}") from None
    objs = t.objects(info, ns, text)
    if objs is None:
        return "not_gathered", _not_gathered(t, info, ns)
    objs = [o for o in objs if selector.matches(meta(o).get("labels"))]
    where = _where(ns) if info.namespaced else "the cluster"
    if not objs:
        what = f"matching {text}" if text else "at all"
        return "no_data", {"kind": info.plural, "where": where, "items": [],
                           "note": f"{info.plural} were read in {where}: there are none {what}",
                           "could_not_read": _gaps(t, info, ns)}
    rows = []
    for o in sorted(objs, key=lambda o: (namespace_of(o) or "", name_of(o))):
        row = {"name": name_of(o), "status": status_line(o) or None}
        if info.namespaced and not ns:
            row["namespace"] = namespace_of(o)
        if text:
            row["labels"] = meta(o).get("labels") or {}
        rows.append({k: v for k, v in row.items() if v is not None})
    head = {"kind": info.plural, "where": where, "count": len(rows)}
    return "success", t.fit("success", head, "items", rows[:1000], "narrow with label_selector or namespace")


def get_resource(t: AskTools, args: dict[str, Any]) -> Result:
    from kubectl_prism.redact import redact_object
    from kubectl_prism.trim import trim_object

    info = t.kind(args["kind"])
    name = t.object_name("name", info.kind, args["name"])
    ns = t.locate("get_resource", info, name, t.namespace(args, info))
    obj = t.find(info, ns, name)
    if obj is None:
        return "no_data", _not_found(info.plural, name, ns)
    if info.kind == "Secret":
        # prism reads Secrets as metadata only; say so rather than let the model guess.
        obj = {"apiVersion": "v1", "kind": "Secret", "metadata": meta(obj), "type": obj.get("type"),
               "note": "Secret values are never read by prism; only metadata is available."}
    for status_only in (False, True):
        body = redact_object(trim_object(obj, status_only=status_only), anonymizer=t.anonymizer, fmt="yaml")
        if len(body) <= t.max_chars - 300:
            if status_only:
                body = t.text(f"(the whole {info.kind} is too large to send: this is its metadata and "
                              "status only)\n").merge(body)
            return "success", body
    return "success", body  # cut (and said so) by AskTools._out


def get_events(t: AskTools, args: dict[str, Any]) -> Result:
    ns = t.namespace(args)
    events = t.objects(BY_KIND["Event"], ns) or []
    about = _where(ns)
    if args.get("target"):
        target = t.target(args["target"])
        events = [e for e in events if _involved(e) == (target.kind, target.name)]
        about = f"{target} in {about}"
    if args.get("warnings_only"):
        events = [e for e in events if e.get("type") == "Warning"]
    rows = [event_row(e) for e in warnings_first(events)]
    status = "success" if rows else "no_data"
    head: dict[str, Any] = {"about": about, "count": len(rows), "order": "warnings first, newest first"}
    if not rows:
        head["note"] = "no events (the API server keeps events about an hour by default)"
    return status, t.fit(status, head, "events", rows, "pass a target or warnings_only=true")


def _involved(ev: KubeObject) -> tuple[str, str]:
    ref = ev.get("involvedObject") or ev.get("regarding") or {}
    return ref.get("kind", ""), ref.get("name", "")


# --- logs ---------------------------------------------------------------------------------------------
def get_logs(t: AskTools, args: dict[str, Any]) -> Result:

    pod_name = t.object_name("pod", "Pod", args["pod"])
    ns = t.namespace(args)
    pod = _find_pod(t, pod_name, ns)
    if pod is None:
        return "no_data", _not_found("pods", pod_name, ns)
    ns = namespace_of(pod) or ns or ""
    spec = pod.get("spec") or {}
    containers = [c.get("name") for c in spec.get("containers") or []]
    inits = [c.get("name") for c in spec.get("initContainers") or []]
    preferred = (meta(pod).get("annotations") or {}).get("kubectl.kubernetes.io/default-container")
    container = args.get("container") or (preferred if preferred in containers else
                                          (containers[0] if containers else ""))
    if container not in containers and container not in inits:
        more = f" (init containers: {', '.join(inits)})" if inits else ""
        raise ToolError(f"get_logs: pod {pod_name} has no container {container!r}; its containers are "
                        f"{', '.join(containers)}{more}")
    tail = int(args.get("tail_lines") or DEFAULT_TAIL)
    previous = bool(args.get("previous"))
    label = f"{pod_name}/{container}"
    text = _log(t, LogKey(ns, pod_name, container, previous), tail)
    note = ""
    if text is None and previous:
        restarts = _restarts(pod, container)
        why = ("the container has not restarted (restartCount 0)" if not restarts
               else "the instance before the last restart was not kept or could not be read")
        note = f"there is no previous log of {label}: {why}."
        text = _log(t, LogKey(ns, pod_name, container, False), tail)
        if text is None:
            return "no_data", note + " There is no current log either."
        note += " Below is the CURRENT log instead."
        previous = False
    if text is None:
        gaps = [g.line() for g in t.scope().gaps if g.resource == "pods/log"]
        waiting = _waiting_reason(pod, container)
        why = gaps[0] if gaps else (f"the container has not started ({waiting})" if waiting
                                    else "the container wrote nothing to its log")
        return "no_data", f"no log of {label}: {why}"
    clean = t.text(text)
    total = len(clean.text.rstrip("\n").split("\n"))
    lines = min(tail, total)
    while True:
        body = clean.tail(lines, clip=clip_line)
        if len(body) <= t.max_chars - 600 or lines == 1:
            break
        lines = max(1, lines // 2)
    which = " (previous instance)" if previous else ""
    cut = f"; shortened from {tail} to fit, ask for fewer tail_lines" if lines < min(tail, total) else ""
    clipped = sum(1 for ln in body.text.split("\n") if "…[line clipped:" in ln)
    clip_note = f"; {clipped} long line(s) clipped to about {MAX_LOG_LINE} characters" if clipped else ""
    head = t.text(f"{note + chr(10) if note else ''}--- last {lines} of {total} line(s) of {label}{which}"
                  f"{cut}{clip_note} ---\n")
    return "success", head.merge(body)


def _find_pod(t: AskTools, name: str, ns: str | None) -> KubeObject | None:
    ns = t.locate("get_logs", BY_KIND["Pod"], name, ns)
    return t.find(BY_KIND["Pod"], ns, name) if ns else None


def _log(t: AskTools, key: LogKey, tail: int) -> str | None:
    text = t.scope().logs.get(key)
    if text is None:
        for snap in t._targets.values():
            text = snap.logs.get(key) or text
    return text if text is not None else t.reads.log(key, tail)


def _container_status(pod: KubeObject, container: str) -> dict[str, Any]:
    status = pod.get("status") or {}
    for cs in (status.get("containerStatuses") or []) + (status.get("initContainerStatuses") or []):
        if cs.get("name") == container:
            return cs
    return {}


def _restarts(pod: KubeObject, container: str) -> int:
    return int(_container_status(pod, container).get("restartCount") or 0)


def _waiting_reason(pod: KubeObject, container: str) -> str | None:
    return ((_container_status(pod, container).get("state") or {}).get("waiting") or {}).get("reason")


# --- what changed ---------------------------------------------------------------------------------
def recent_changes(t: AskTools, args: dict[str, Any]) -> Result:
    from kubectl_prism.ai.changes import collected_at, recent_writes, rollout_history
    from kubectl_prism.gather.on_demand import owned_by

    ns = t.namespace(args)
    scope = t.scope()
    reference, how = collected_at(scope)
    deployments = t.objects(BY_KIND["Deployment"], ns) or []
    notes = ["StatefulSet and DaemonSet history lives in ControllerRevisions, which prism does not read"]
    if args.get("target"):
        target = t.target(args["target"])
        ns = t.locate("recent_changes", target.info, target.name, ns)
        obj = t.find(target.info, ns if target.info.namespaced else None, target.name)
        if obj is None:
            return "no_data", _not_found(target.info.plural, target.name, ns)
        deployments = [obj] if target.kind == "Deployment" else []
        if target.kind != "Deployment":
            notes.insert(0, f"{target} has no rollout history prism can read; its last writes are below")
        written = [obj]
    else:
        written = [o for o in scope if not ns or namespace_of(o) == ns]
    replica_sets = t.objects(BY_KIND["ReplicaSet"], ns)
    if replica_sets is None:
        replica_sets = []
        notes.append("ReplicaSets were not gathered: no rollout history")
    histories = [rollout_history(d, owned_by(replica_sets, d), reference, t.anonymizer) for d in deployments]
    # the most recently rolled out first; a Deployment with one revision only says little
    histories.sort(key=lambda h: max((r["created"] for r in h["revisions"]), default=""), reverse=True)
    doc = {"collected": f"{reference.isoformat(timespec='seconds')} ({how})",
           "recentWrites": recent_writes(written, reference),
           "rollouts": histories[:5], "notes": notes}
    if len(histories) > 5:
        notes.append(f"{len(histories) - 5} more Deployments: pass target=deploy/NAME")
    return "success", doc


# --- usage --------------------------------------------------------------------------------------------
def resource_usage(t: AskTools, args: dict[str, Any]) -> Result:
    from kubectl_prism import resources as res

    snapshot = t.scope()
    if (args.get("kind") or "pods") == "nodes":
        usage = res.node_usage(snapshot)
        requested = res.requested_on_nodes(snapshot)
        rows = [{"node": name_of(n), "allocatable": _fmt(res.node_allocatable(n)),
                 "requested": _fmt(requested.get(name_of(n))), "used": _fmt(usage.get(name_of(n)))}
                for n in snapshot.of_kind("Node")]
    else:
        ns = t.namespace(args)
        usage_by_pod = res.pod_usage(snapshot)
        rows = [{"pod": name_of(p), "namespace": namespace_of(p),
                 "requests": _fmt(res.pod_resources(p, "requests")),
                 "limits": _fmt(res.pod_resources(p, "limits")),
                 "used": _fmt(usage_by_pod.get((namespace_of(p), name_of(p))))}
                for p in snapshot.of_kind("Pod", ns) if res.is_active(p)]
    head: dict[str, Any] = {}
    if not res.has_metrics(snapshot):
        head["note"] = "live usage unavailable (metrics.k8s.io not readable)"
    status = "success" if rows else "no_data"
    return status, t.fit(status, head, "rows", rows, "pass a namespace")


def _fmt(r: Any) -> str | None:
    if r is None:
        return None
    return f"cpu={r.cpu:.3g} memory={r.memory / 2**20:.0f}Mi"


# --- "not found" and "not gathered" -------------------------------------------------------------------
def _not_found(plural: str, name: str, ns: str | None) -> str:
    where = f" in namespace {ns}" if ns else ""
    return f"{plural}/{name} not found{where}; call list_resources(kind={plural}) to see what exists"


def _gaps(t: AskTools, info: Any, ns: str | None) -> list[str]:
    return [g.line() for g in t.scope().gaps
            if g.resource.split("/")[0] in (info.plural, info.resource) and g.namespace in (None, ns)]


def _not_gathered(t: AskTools, info: Any, ns: str | None) -> dict[str, Any]:
    """Say what was not read, and what the data still tells about that kind."""
    scope = t.scope()
    if t.reads.live:
        note = f"{info.plural} are not served by this cluster's API"
    else:
        note = (f"{info.plural} were not gathered: the snapshot holds no {info.kind} objects (a "
                f"`kubectl cluster-info dump` saves only {DUMP_KINDS}). This does not mean there are none.")
    doc: dict[str, Any] = {"kind": info.plural, "note": note}
    if info.kind == "Namespace":
        doc["namespaces_seen_on_objects"] = t.reads.namespaces_seen() or scope.namespaces()
    elif info.kind in POD_OWNER_KINDS:
        owners = sorted({(r.get("name"), name_of(p)) for p in scope.of_kind("Pod", ns)
                         for r in meta(p).get("ownerReferences") or [] if r.get("kind") == info.kind})
        if owners:
            doc["named_as_owner_by_pods"] = [f"{info.kind} {o} (pod {p})" for o, p in owners]
    doc["kinds_gathered"] = sorted(BY_KIND[k].plural for k in scope.objects if k in BY_KIND
                                   and BY_KIND[k].plural in KIND_NAMES)
    return doc


# --- the first turn -------------------------------------------------------------------------------------
BRIEFING_CHARS = 2_800  # about 700 tokens: every finding of a namespace like the shop outage


def briefing(t: AskTools) -> Any:
    """The scope and its rule findings, one line each with its cause: the loop starts informed."""
    from kubectl_prism.ai.payload import finding_line
    from kubectl_prism.redact import fence

    scope = t.scope()
    findings = _findings(t, scope)
    lines = [f"scope: context={scope.context or '-'} namespace={scope.namespace or 'all namespaces'} "
             f"source={scope.source}",
             "objects read: " + (", ".join(f"{n} {k}" for k, n in scope.counts().items()) or "none")]
    lines += [f"could not read: {g.line()}" for g in scope.gaps]
    if findings:
        lines.append(f"rule findings ({len(findings)}; {EXPLAIN_NOTE}):")
    else:
        lines.append("rule findings: none (the rules found no problem in this scope)")
    used = sum(len(x) + 1 for x in lines)
    for i, f in enumerate(findings, 1):
        line = finding_line(i, f)
        if used + len(line) > BRIEFING_CHARS:
            lines.append(f"... {len(findings) - i + 1} more: call diagnose for every finding")
            break
        lines.append(line)
        used += len(line) + 1
    return fence(t.text("\n".join(lines)), t.nonce, t.text("scope and rule findings"))
