"""The read-only tools of `ask`, over the same gatherer, analyzers and redaction as every other path.

Each tool returns a status (`success`, `no_data`, `error`, `too_large`) and a `Redacted` body: results
go through `redact_json`/`redact_object`/`redact_text` (Secrets as metadata only) and are capped in
size — an oversized result is replaced by a note telling the model to narrow its query. Tools stay in
the scope the person asked about (`-n NS`, the context's namespace, or `-A`); nothing here writes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from kubectl_prism.ai.loop import ToolOutput
from kubectl_prism.ai.providers.base import ToolCall, ToolSpec
from kubectl_prism.errors import PrismError
from kubectl_prism.kinds import BY_KIND, KindInfo, Target, parse_target, resolve_kind
from kubectl_prism.options import GlobalOptions
from kubectl_prism.snapshot import KubeObject, Snapshot, meta, name_of, namespace_of
from kubectl_prism.timeutil import event_time

MAX_RESULT_CHARS = 12_000  # about 3,000 tokens: one result may not crowd out the rest of the loop
MAX_ROWS = 200
MAX_EVENTS = 40
DEFAULT_TAIL = 60
MAX_TAIL = 200

_KIND = {"type": "string", "description": "kubectl kind name, e.g. pods, deploy, svc, pvc, nodes, events"}
_NS = {"type": "string", "description": "Namespace (default: the namespace in scope)"}
_TARGET = {"type": "string", "description": "KIND/NAME, e.g. pod/api-0 or deploy/api"}

SPECS = (
    ToolSpec(
        "list_resources",
        "List objects of one kind with a one-line status each.",
        {
            "type": "object",
            "required": ["kind"],
            "properties": {
                "kind": _KIND,
                "namespace": _NS,
                "label_selector": {"type": "string", "description": "e.g. app=api,tier=web"},
            },
        },
    ),
    ToolSpec(
        "get_resource",
        "Get one object (Secrets: metadata only; values are never available).",
        {
            "type": "object",
            "required": ["kind", "name"],
            "properties": {"kind": _KIND, "name": {"type": "string"}, "namespace": _NS},
        },
    ),
    ToolSpec(
        "get_events",
        "Recent events, newest first; optionally only for one object or only warnings.",
        {
            "type": "object",
            "properties": {"namespace": _NS, "target": _TARGET, "warnings_only": {"type": "boolean"}},
        },
    ),
    ToolSpec(
        "get_logs",
        "The tail of a container's log (previous=true: the crashed instance). Logs are read for containers "
        "that failed or restarted.",
        {
            "type": "object",
            "required": ["pod"],
            "properties": {
                "pod": {"type": "string"},
                "namespace": _NS,
                "container": {"type": "string"},
                "previous": {"type": "boolean"},
                "tail_lines": {"type": "integer", "minimum": 1, "maximum": MAX_TAIL},
            },
        },
    ),
    ToolSpec(
        "diagnose",
        "Run prism's rule-based analyzers on the scope or on one target; returns findings.",
        {
            "type": "object",
            "properties": {"target": _TARGET, "namespace": _NS},
        },
    ),
    ToolSpec(
        "explain",
        "Findings, status and events of one object, to explain why it is unhealthy.",
        {
            "type": "object",
            "required": ["target"],
            "properties": {"target": _TARGET, "namespace": _NS},
        },
    ),
    ToolSpec(
        "resource_usage",
        "CPU/memory requests, limits and live usage (if metrics-server runs).",
        {
            "type": "object",
            "properties": {"kind": {"type": "string", "enum": ["pods", "nodes"]}, "namespace": _NS},
        },
    ),
)


class ToolError(Exception):
    """A problem with the model's arguments, reported back to it (status "error")."""


class AskTools:
    """Runs the tools against the cluster (or --snapshot) in scope. Gathers lazily and caches."""

    def __init__(
        self,
        g: GlobalOptions,
        *,
        anonymizer: Any = None,
        max_chars: int = MAX_RESULT_CHARS,
        gather: Callable[[GlobalOptions, Target | None], Snapshot] | None = None,
    ) -> None:
        self.g = g
        self.anonymizer = anonymizer
        self.max_chars = max_chars
        self._gather = gather
        self._scope: Snapshot | None = None
        self._targets: dict[tuple[str | None, str], Snapshot] = {}
        self._handlers: dict[str, Callable[[dict[str, Any]], tuple[str, Any]]] = {
            "list_resources": self._list,
            "get_resource": self._get,
            "get_events": self._events,
            "get_logs": self._logs,
            "diagnose": self._diagnose,
            "explain": self._explain,
            "resource_usage": self._usage,
        }

    specs = SPECS

    # --- gathering ------------------------------------------------------------------------------
    def _gather_fn(self) -> Callable[[GlobalOptions, Target | None], Snapshot]:
        if self._gather is None:
            from kubectl_prism.gather import gather_scope

            self._gather = gather_scope
        return self._gather

    def scope(self) -> Snapshot:
        if self._scope is None:
            self._scope = self._gather_fn()(self.g, None)
            self._learn(self._scope)
        return self._scope

    def _target_snapshot(self, target: Target, namespace: str | None) -> Snapshot:
        key = (namespace, str(target))
        if key not in self._targets:
            g = (
                dataclasses.replace(self.g, namespace=namespace, all_namespaces=False)
                if namespace
                else self.g
            )
            self._targets[key] = self._gather_fn()(g, target)
            self._learn(self._targets[key])
        return self._targets[key]

    def _learn(self, snapshot: Snapshot) -> None:
        if self.anonymizer is not None:
            self.anonymizer.learn_all(snapshot)

    # --- running --------------------------------------------------------------------------------
    def execute(self, call: ToolCall) -> ToolOutput:
        from kubectl_prism.redact import Redacted, redact_json, redact_text

        handler = self._handlers.get(call.name)
        if handler is None:
            return ToolOutput(
                "error", redact_text(f"unknown tool {call.name}; use one of {', '.join(self._handlers)}")
            )
        args = {k: self._restore(v) for k, v in (call.arguments or {}).items()}
        try:
            status, data = handler(args)
        except (ToolError, PrismError) as err:
            message = err.line() if isinstance(err, PrismError) else str(err)
            return ToolOutput("error", redact_text(message, anonymizer=self.anonymizer))
        if isinstance(data, Redacted):
            content = data
        elif isinstance(data, str):
            content = redact_text(data, anonymizer=self.anonymizer)
        else:
            content = redact_json({"status": status, "result": data}, anonymizer=self.anonymizer)
        if len(content) > self.max_chars:
            return ToolOutput(
                "too_large",
                redact_text(
                    f"The result of {call.name} was too large ({len(content)} characters, limit "
                    f"{self.max_chars}) and was not returned. Call it again with a narrower query: "
                    "a namespace, a label_selector, one target, or fewer tail_lines."
                ),
            )
        return ToolOutput(status, content)

    def _restore(self, value: Any) -> Any:
        # The model refers to anonymized names; the cluster knows the real ones.
        if self.anonymizer is not None and isinstance(value, str):
            return self.anonymizer.restore(value)
        return value

    # --- scope checks ---------------------------------------------------------------------------
    def _namespace(self, args: dict[str, Any]) -> str | None:
        """The namespace to read: the one asked for, if it is inside the person's scope."""
        scope = self.scope()
        asked = args.get("namespace") or None
        if self.g.all_namespaces or scope.namespace is None:
            return asked
        if asked and asked != scope.namespace:
            raise ToolError(
                f"namespace {asked} is outside the scope of this question ({scope.namespace}); "
                "the person can ask again with -n or -A"
            )
        return scope.namespace

    def _kind(self, text: Any) -> KindInfo:
        if not isinstance(text, str) or not text:
            raise ToolError("kind is required")
        lowered = text.strip().lower()
        for info in BY_KIND.values():
            if lowered in (info.kind.lower(), info.plural, *info.short_names):
                return info
        return resolve_kind(text)

    def _target(self, text: Any) -> Target:
        if not isinstance(text, str) or not text:
            raise ToolError("target is required, as KIND/NAME")
        return parse_target(text)

    # --- tools ----------------------------------------------------------------------------------
    def _list(self, args: dict[str, Any]) -> tuple[str, Any]:
        info = self._kind(args.get("kind"))
        ns = self._namespace(args) if info.namespaced else None
        selector = _parse_selector(args.get("label_selector"))
        objs = [
            o
            for o in self.scope().of_kind(info.kind, ns)
            if all((meta(o).get("labels") or {}).get(k) == v for k, v in selector.items())
        ]
        if not objs:
            return "no_data", {"kind": info.kind, "namespace": ns, "items": [], "gaps": self._gaps(info, ns)}
        rows = [
            {"name": name_of(o), "namespace": namespace_of(o), "status": status_line(o)}
            for o in sorted(objs, key=lambda o: (namespace_of(o) or "", name_of(o)))
        ]
        return "success", {
            "kind": info.kind,
            "count": len(rows),
            "items": rows[:MAX_ROWS],
            "truncated": len(rows) > MAX_ROWS,
        }

    def _get(self, args: dict[str, Any]) -> tuple[str, Any]:
        from kubectl_prism.redact import redact_object

        info = self._kind(args.get("kind"))
        name = str(args.get("name") or "")
        if not name:
            raise ToolError("name is required")
        ns = self._namespace(args) if info.namespaced else None
        obj = self.scope().get(info.kind, ns, name)
        if obj is None:
            obj = self._target_snapshot(Target(info, name), ns).get(info.kind, ns, name)
        if obj is None:
            return "no_data", f"{info.kind.lower()}/{name} not found" + (f" in {ns}" if ns else "")
        if info.kind == "Secret":
            # prism reads Secrets as metadata only; say so rather than let the model guess.
            obj = {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": meta(obj),
                "type": obj.get("type"),
                "note": "Secret values are never read by prism; only metadata is available.",
            }
        # redact_object applies the structural rules (env values, managedFields, ...) before free text.
        return "success", redact_object(obj, anonymizer=self.anonymizer)

    def _events(self, args: dict[str, Any]) -> tuple[str, Any]:
        ns = self._namespace(args)
        scope = self.scope()
        if args.get("target"):
            target = self._target(args["target"])
            events = scope.events_for(target.kind, ns, target.name) or self._target_snapshot(
                target, ns
            ).events_for(target.kind, ns, target.name)
        else:
            events = scope.of_kind("Event", ns)
        if args.get("warnings_only"):
            events = [e for e in events if e.get("type") == "Warning"]
        events = sorted(events, key=event_time, reverse=True)
        rows = [event_row(e) for e in events[:MAX_EVENTS]]
        return ("success" if rows else "no_data"), {"count": len(events), "events": rows}

    def _logs(self, args: dict[str, Any]) -> tuple[str, Any]:
        pod_name = str(args.get("pod") or "")
        if not pod_name:
            raise ToolError("pod is required")
        ns = self._namespace(args)
        previous = bool(args.get("previous"))
        tail = max(1, min(int(args.get("tail_lines") or DEFAULT_TAIL), MAX_TAIL))
        snapshot = self.scope()
        pod = snapshot.get("Pod", ns, pod_name)
        if pod is None or not _has_logs(snapshot, ns, pod_name):
            snapshot = self._target_snapshot(Target(BY_KIND["Pod"], pod_name), ns)
            pod = snapshot.get("Pod", ns, pod_name)
        if pod is None:
            return "no_data", f"pod {pod_name} not found" + (f" in {ns}" if ns else "")
        containers = [c.get("name") for c in (pod.get("spec") or {}).get("containers") or []]
        container = args.get("container") or (containers[0] if containers else "")
        if container not in containers and container not in _init_names(pod):
            raise ToolError(
                f"pod {pod_name} has no container {container}; containers: {', '.join(containers)}"
            )
        text = snapshot.log(namespace_of(pod) or "", pod_name, container, previous)
        if text is None:
            gaps = [g.line() for g in snapshot.gaps if g.resource == "pods/log"]
            why = gaps[0] if gaps else "no log was gathered for it"
            return "no_data", f"no {'previous ' if previous else ''}log for {pod_name}/{container}: {why}"
        lines = text.splitlines()[-tail:]
        return "success", f"--- last {len(lines)} lines of {pod_name}/{container}" + (
            " (previous)" if previous else ""
        ) + " ---\n" + "\n".join(lines)

    def _findings(self, snapshot: Snapshot) -> list[dict[str, Any]]:
        from kubectl_prism.analyzers import run_analyzers

        return [f.to_dict() for f in run_analyzers(snapshot)]

    def _diagnose(self, args: dict[str, Any]) -> tuple[str, Any]:
        ns = self._namespace(args)
        if args.get("target"):
            snapshot = self._target_snapshot(self._target(args["target"]), ns)
        else:
            snapshot = self.scope()
        findings = self._findings(snapshot)
        return ("success" if findings else "no_data"), {
            "findings": findings,
            "gaps": [g.line() for g in snapshot.gaps],
            "note": None if findings else "no rule found a problem in this scope",
        }

    def _explain(self, args: dict[str, Any]) -> tuple[str, Any]:
        target = self._target(args.get("target"))
        ns = self._namespace(args) if target.info.namespaced else None
        snapshot = self._target_snapshot(target, ns)
        obj = snapshot.get(target.kind, ns, target.name)
        if obj is None:
            return "no_data", f"{target} not found" + (f" in {ns}" if ns else "")
        events = sorted(snapshot.events_for(target.kind, ns, target.name), key=event_time, reverse=True)
        return "success", {
            "object": f"{target}",
            "status": status_line(obj),
            "conditions": (obj.get("status") or {}).get("conditions") or [],
            "findings": self._findings(snapshot),
            "events": [event_row(e) for e in events[:15]],
            "gaps": [g.line() for g in snapshot.gaps],
        }

    def _usage(self, args: dict[str, Any]) -> tuple[str, Any]:
        from kubectl_prism import resources as res

        snapshot = self.scope()
        if (args.get("kind") or "pods") == "nodes":
            usage = res.node_usage(snapshot)
            requested = res.requested_on_nodes(snapshot)
            rows = [
                {
                    "node": name_of(n),
                    "allocatable": _fmt(res.node_allocatable(n)),
                    "requested": _fmt(requested.get(name_of(n))),
                    "used": _fmt(usage.get(name_of(n))),
                }
                for n in snapshot.of_kind("Node")
            ]
        else:
            ns = self._namespace(args)
            usage_by_pod = res.pod_usage(snapshot)
            rows = [
                {
                    "pod": name_of(p),
                    "namespace": namespace_of(p),
                    "requests": _fmt(res.pod_resources(p, "requests")),
                    "limits": _fmt(res.pod_resources(p, "limits")),
                    "used": _fmt(usage_by_pod.get((namespace_of(p), name_of(p)))),
                }
                for p in snapshot.of_kind("Pod", ns)
                if res.is_active(p)
            ]
        note = None if res.has_metrics(snapshot) else "live usage unavailable (metrics.k8s.io not readable)"
        return ("success" if rows else "no_data"), {"rows": rows[:MAX_ROWS], "note": note}

    def _gaps(self, info: KindInfo, ns: str | None) -> list[str]:
        return [
            g.line()
            for g in self.scope().gaps
            if g.resource.split("/")[0] in (info.plural, info.resource) and g.namespace in (None, ns)
        ]


# --- small formatting helpers ---------------------------------------------------------------------
def _parse_selector(text: Any) -> dict[str, str]:
    if not text:
        return {}
    out: dict[str, str] = {}
    for part in str(text).split(","):
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise ToolError(f"label_selector supports key=value pairs only, got {part!r}")
        out[key.strip()] = value.strip().lstrip("=")
    return out



def event_row(ev: KubeObject) -> dict[str, Any]:
    ref = ev.get("involvedObject") or ev.get("regarding") or {}
    return {
        "type": ev.get("type"),
        "reason": ev.get("reason"),
        "object": f"{str(ref.get('kind', '')).lower()}/{ref.get('name', '')}",
        "count": ev.get("count") or (ev.get("series") or {}).get("count") or 1,
        "last": event_time(ev),
        "message": ev.get("message") or ev.get("note"),
    }


def _has_logs(snapshot: Snapshot, ns: str | None, pod: str) -> bool:
    return any(k.pod == pod and (ns is None or k.namespace == ns) for k in snapshot.logs)


def _init_names(pod: KubeObject) -> list[str]:
    return [c.get("name") for c in (pod.get("spec") or {}).get("initContainers") or []]


def _fmt(r: Any) -> str | None:
    if r is None:
        return None
    return f"cpu={r.cpu:.3g} memory={r.memory / 2**20:.0f}Mi"


def status_line(obj: KubeObject) -> str:
    """One line of status per object, like the STATUS column of `kubectl get`."""
    kind = obj.get("kind")
    status = obj.get("status") or {}
    spec = obj.get("spec") or {}
    if kind == "Pod":
        statuses = status.get("containerStatuses") or []
        ready = sum(1 for c in statuses if c.get("ready"))
        restarts = sum(int(c.get("restartCount") or 0) for c in statuses)
        reason = status.get("reason") or next(
            (
                s.get("reason")
                for c in statuses
                for s in ((c.get("state") or {}).get("waiting"), (c.get("state") or {}).get("terminated"))
                if s
            ),
            None,
        )
        if meta(obj).get("deletionTimestamp"):
            reason = "Terminating"
        return f"{reason or status.get('phase', '?')} ready {ready}/{len(statuses)} restarts {restarts}"
    if kind in ("Deployment", "StatefulSet", "ReplicaSet"):
        return f"ready {status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}"
    if kind == "DaemonSet":
        return f"ready {status.get('numberReady', 0)}/{status.get('desiredNumberScheduled', 0)}"
    if kind == "Job":
        return f"succeeded {status.get('succeeded', 0)} failed {status.get('failed', 0)}"
    if kind == "Node":
        ready = next(
            (c.get("status") for c in status.get("conditions") or [] if c.get("type") == "Ready"), "?"
        )
        cordoned = " cordoned" if spec.get("unschedulable") else ""
        return f"Ready={ready}{cordoned}"
    if kind == "Service":
        return f"{spec.get('type', 'ClusterIP')} selector={spec.get('selector') or {}}"
    if kind == "PersistentVolumeClaim":
        return str(status.get("phase", "?"))
    if kind == "Event":
        return f"{obj.get('type')} {obj.get('reason')}"
    return str(status.get("phase") or "")
