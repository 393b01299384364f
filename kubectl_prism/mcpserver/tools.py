"""The MCP tools: read-only, scoped by the allow-lists, every result redacted and capped.

Each tool is a method taking the current `Policy` and the assistant's arguments and returning a
`ToolReply`. Lists, single objects, events and logs are read straight from the API with the gather
package's raw client (one request, bounded by `limit`); diagnose, explain and the health summary run
the same gatherer and analyzers as the CLI (analysis.py). Secrets are only ever requested as
metadata (`PartialObjectMetadata`), so their values never reach this process.

RBAC is the kubeconfig user's, as is: a 403 becomes a `forbidden` result naming what could not be
read (a gap), never a crash; an unknown kind or a malformed target is a tool error listing what is
accepted.
"""

from __future__ import annotations

from typing import Any

from kubectl_prism import apipath
from kubectl_prism.errors import UsageError
from kubectl_prism.gather.http import ApiError, Forbidden, NotFound
from kubectl_prism.kinds import BY_KIND, KindInfo, Target, parse_target
from kubectl_prism.mcpserver import results as r
from kubectl_prism.mcpserver.cluster import (
    Cluster,
    ServeScope,
    ToolInputError,
    kubeconfig_contexts,
    resolve_kind,
)
from kubectl_prism.mcpserver.policy import Policy
from kubectl_prism.names import check_name
from kubectl_prism.redact import redact_object, redact_text
from kubectl_prism.snapshot import KubeObject, meta, name_of, namespace_of
from kubectl_prism.timeutil import event_time

MAX_LIST = 500  # objects per list call: one API page; more is a sign the query should be narrower
MAX_EVENTS = 100
DEFAULT_TAIL = 100
MAX_TAIL = 1000
MAX_LOG_LINE = 2000
LOG_LIMIT_BYTES = 512 * 1024
SECRET_NOTE = "Secret values are never read by kubectl-prism: metadata only (key names are not available)."


class Tools:
    def __init__(self, scope: ServeScope, cluster: Cluster | None = None) -> None:
        self.scope = scope
        self.cluster = cluster or Cluster(scope)

    # --- scope ----------------------------------------------------------------------------------
    def context(self, policy: Policy, asked: str | None) -> str:
        name = asked or self.cluster.default_context()
        policy.check_context(name)
        return name

    def namespace(self, policy: Policy, context: str, asked: str | None, *, info: KindInfo | None = None,
                  all_namespaces: bool = False) -> str | None:
        """The namespace to read: asked, else `mcp serve -n`, else the context's; None = all (checked)."""
        if info is not None and not info.namespaced:
            return None
        if asked:
            ns: str | None = asked
        elif all_namespaces or self.scope.all_namespaces:
            ns = None
        else:
            ns = self.scope.namespace or self.cluster.connection(context).namespace
        policy.check_namespace(ns)
        return ns

    def object_namespace(self, policy: Policy, context: str, asked: str | None, info: KindInfo) -> str | None:
        """The namespace of one named object: never "all", even when the server was started with -A."""
        if not info.namespaced:
            return None
        ns = asked or self.scope.namespace or self.cluster.connection(context).namespace
        policy.check_namespace(ns)
        return ns

    # --- contexts and namespaces ----------------------------------------------------------------
    def list_contexts(self, policy: Policy) -> r.ToolReply:
        rows, current = kubeconfig_contexts(self.scope.kubeconfig)
        default = self.scope.context or current
        shown = [{**row, "default": row["name"] == default}
                 for row in rows if policy.allows_context(row["name"])]
        doc: dict[str, Any] = {"contexts": shown,
                               "default": default if policy.allows_context(default or "") else None}
        if len(shown) < len(rows):
            doc["note"] = f"{len(rows) - len(shown)} context(s) are not in the MCP allow-list: not shown"
        return r.json_reply(doc, r.SUCCESS if shown else r.NO_DATA)

    def list_namespaces(self, policy: Policy, context: str | None) -> r.ToolReply:
        ctx = self.context(policy, context)
        info = BY_KIND["Namespace"]
        try:
            page = self.cluster.client(ctx).get_json(apipath.collection(info, limit=MAX_LIST))
        except Forbidden:
            return _forbidden(ctx, "list", info, None, allowed=policy.namespaces)
        rows = [{"name": name_of(o), "phase": (o.get("status") or {}).get("phase"),
                 "created": meta(o).get("creationTimestamp")}
                for o in page.get("items") or [] if policy.allows_namespace(name_of(o))]
        return _rows_reply({"context": ctx, "kind": "Namespace"}, rows, _more(page))

    # --- objects --------------------------------------------------------------------------------
    def list_resources(self, policy: Policy, kind: str, namespace: str | None, label_selector: str | None,
                       context: str | None) -> r.ToolReply:
        from kubectl_prism.ai.tools import status_line

        info = resolve_kind(kind)
        ctx = self.context(policy, context)
        ns = self.namespace(policy, ctx, namespace, info=info)
        path = apipath.collection(info, ns, label_selector=label_selector, limit=MAX_LIST)
        try:
            page = self.cluster.client(ctx).get_json(path)
        except Forbidden:
            return _forbidden(ctx, "list", info, ns)
        except NotFound:
            return r.error_reply(f"{info.resource} is not served by the cluster of context {ctx}", r.NO_DATA)
        except ApiError as err:
            return r.error_reply(f"cannot list {info.resource}: {err.describe()}")
        rows = []
        for obj in page.get("items") or []:
            obj["kind"] = info.kind
            if info.kind == "Namespace" and not policy.allows_namespace(name_of(obj)):
                continue
            row: dict[str, Any] = {"name": name_of(obj)}
            if info.namespaced:
                row["namespace"] = namespace_of(obj)
            row["status"] = status_line(obj) or None
            row["created"] = meta(obj).get("creationTimestamp")
            row["labels"] = meta(obj).get("labels") or None
            rows.append({k: v for k, v in row.items() if v is not None})
        head = {"context": ctx, "kind": info.kind, "namespace": ns if info.namespaced else None,
                "labelSelector": label_selector or None}
        if info.kind == "Secret":
            head["note"] = SECRET_NOTE
        return _rows_reply(head, rows, _more(page))

    def get_resource(self, policy: Policy, kind: str, name: str, namespace: str | None,
                     context: str | None) -> r.ToolReply:
        from kubectl_prism.gather.rules import slim

        info = resolve_kind(kind)
        if not name:
            raise ToolInputError("name is required")
        ctx = self.context(policy, context)
        ns = self.object_namespace(policy, ctx, namespace, info)
        if info.kind == "Namespace":
            policy.check_namespace(name)
        path = apipath.item(info, name, ns)  # a name that cannot exist is a tool error, never a request
        where = f" in namespace {ns}" if ns else ""
        try:
            obj = self.cluster.client(ctx).get_json(path)
        except Forbidden:
            return _forbidden(ctx, "get", info, ns)
        except NotFound:
            return r.json_reply({"status": r.NO_DATA,
                                 "message": f"{info.kind.lower()}/{name} not found{where}",
                                 "hint": f"list them with list_resources(kind={info.plural!r})"}, r.NO_DATA)
        except ApiError as err:
            return r.error_reply(f"cannot get {info.kind.lower()}/{name}{where}: {err.describe()}")
        obj["kind"], obj["apiVersion"] = info.kind, info.api_version
        obj = slim(obj)  # managedFields and last-applied go; a Secret keeps metadata only
        if info.kind == "Secret":
            obj["note"] = SECRET_NOTE
        return r.reply(redact_object(obj), hint="use list_resources for a summary of such objects")

    # --- events and logs ------------------------------------------------------------------------
    def events(self, policy: Policy, namespace: str | None, kind: str | None, name: str | None,
               context: str | None) -> r.ToolReply:
        from kubectl_prism.ai.tools import event_row

        info = resolve_kind(kind) if kind else None
        ctx = self.context(policy, context)
        # Events about a node or another cluster-scoped object may be in any namespace.
        cluster_scoped = info is not None and not info.namespaced
        ns = self.namespace(policy, ctx, namespace, all_namespaces=cluster_scoped and not namespace)
        selectors = {}
        if info is not None:
            selectors["involvedObject.kind"] = info.kind
        if name:
            selectors["involvedObject.name"] = check_name(info.kind if info else "Object", name)
        events_info = BY_KIND["Event"]
        path = apipath.collection(events_info, ns, field_selector=apipath.field_selector(selectors),
                                  limit=MAX_LIST)
        try:
            page = self.cluster.client(ctx).get_json(path)
        except Forbidden:
            return _forbidden(ctx, "list", events_info, ns)
        except ApiError as err:
            return r.error_reply(f"cannot list events: {err.describe()}")
        items = sorted(page.get("items") or [], key=event_time, reverse=True)
        rows = [event_row(e) | {"namespace": namespace_of(e)} for e in items]
        about = f"{info.kind.lower()}/{name or '*'}" if info else (f"*/{name}" if name else None)
        head = {"context": ctx, "namespace": ns, "object": about, "order": "newest first"}
        return _rows_reply(head, rows[:MAX_EVENTS], _more(page) or len(rows) > MAX_EVENTS, key="events")

    def logs(self, policy: Policy, pod: str, namespace: str | None, container: str | None,
             previous: bool, tail_lines: int | None, context: str | None) -> r.ToolReply:
        if not pod:
            raise ToolInputError("pod is required")
        tail = max(1, min(int(tail_lines or DEFAULT_TAIL), MAX_TAIL))
        ctx = self.context(policy, context)
        ns = self.object_namespace(policy, ctx, namespace, BY_KIND["Pod"])
        assert ns is not None  # pods are namespaced
        apipath.pod_log(ns, pod, container or None)  # names checked before any request
        client = self.cluster.client(ctx)
        if not container:
            try:
                container = _default_container(client.get_json(apipath.item(BY_KIND["Pod"], pod, ns)))
            except NotFound:
                return r.json_reply({"status": r.NO_DATA,
                                     "message": f"pod {pod} not found in namespace {ns}"}, r.NO_DATA)
            except Forbidden:
                return _forbidden(ctx, "get", BY_KIND["Pod"], ns, extra=" (pass `container` to read the log "
                                  "without reading the pod)")
        path = apipath.pod_log(ns, pod, container, previous=previous, tail_lines=tail,
                               limit_bytes=LOG_LIMIT_BYTES)
        try:
            text = client.get_text(path, max_bytes=2 * LOG_LIMIT_BYTES)
        except Forbidden:
            return _forbidden(ctx, "get", None, ns, resource="pods/log")
        except ApiError as err:  # 400: no previous instance, container not found; 404: no such pod
            return r.json_reply({"status": r.NO_DATA, "message": f"no log for {pod}/{container or '?'}: "
                                 f"{err.message}"}, r.NO_DATA)
        return _log_reply(text, ns, pod, container, previous, tail)

    # --- analysis (diagnose, explain, health summary) -------------------------------------------
    def target(self, text: str | None) -> Target | None:
        if not text:
            return None
        try:
            return parse_target(text)
        except UsageError as err:
            raise ToolInputError(err.line()) from None


# --- helpers -----------------------------------------------------------------------------------------


def _more(page: dict[str, Any]) -> bool:
    m = page.get("metadata") or {}
    return bool(m.get("continue") or m.get("remainingItemCount"))


def _rows_reply(head: dict[str, Any], rows: list[dict[str, Any]], more: bool,
                key: str = "items") -> r.ToolReply:
    head = {k: v for k, v in head.items() if v is not None}
    hint = r.NARROW_HINT

    def build(shown: Any, truncated: dict[str, Any] | None) -> dict[str, Any]:
        doc = {**head, "count": len(rows), key: list(shown)}
        if truncated or more:
            # `more`: the API had further pages that were not read (one page is the most we read).
            total = f"more than {len(rows)}" if more else len(rows)
            doc["truncated"] = {"shown": len(shown), "total": total, "hint": hint}
        return doc

    return r.fit_items(build, rows, r.SUCCESS if rows else r.NO_DATA, hint=hint)


def _forbidden(ctx: str, verb: str, info: KindInfo | None, ns: str | None, *, resource: str | None = None,
               allowed: tuple[str, ...] = (), extra: str = "") -> r.ToolReply:
    resource = resource or (info.resource if info else "?")
    where = f" in {ns}" if ns else ""
    doc: dict[str, Any] = {
        "status": r.FORBIDDEN,
        "gap": f"could not read {resource}{where}: forbidden",
        "message": f"the kubeconfig user of context {ctx} may not {verb} {resource}{where} "
        f"(RBAC 403){extra}; kubectl-prism uses your RBAC as is",
    }
    if allowed:
        doc["allowedNamespaces"] = list(allowed)
    return r.json_reply(doc, r.FORBIDDEN)


def _default_container(pod: KubeObject) -> str | None:
    """kubectl's choice: the `kubectl.kubernetes.io/default-container` annotation, else the first."""
    names = [c.get("name") for c in (pod.get("spec") or {}).get("containers") or []]
    preferred = (meta(pod).get("annotations") or {}).get("kubectl.kubernetes.io/default-container")
    return preferred if preferred in names else (names[0] if names else None)


def _log_reply(text: str, ns: str, pod: str, container: str | None, previous: bool, tail: int) -> r.ToolReply:
    clean = redact_text(text)  # redact the whole tail first, then cut: never cut a secret in half
    counts = dict(clean.counts)
    lines = tail
    body = clean.tail(lines, max_line=MAX_LOG_LINE)
    while len(body) > r.MAX_RESULT_CHARS - 300 and lines > 1:
        lines //= 2
        body = clean.tail(lines, max_line=MAX_LOG_LINE)
    shown = body.text.count("\n") + 1 if body.text else 0
    label = f"{ns}/{pod}" + (f" container {container}" if container else "")
    label += " (previous)" if previous else ""
    note = "" if lines == tail else f"; shortened from {tail} to fit, ask for fewer tail_lines"
    header = redact_text(f"--- log of {label}: last {shown} line(s){note} ---\n")
    if not body.text:
        header = redact_text(f"--- log of {label}: empty ---")
    out = r.reply(header + body)
    return r.ToolReply(out.body, r.SUCCESS if body.text else r.NO_DATA, False, counts, cut=lines != tail)
