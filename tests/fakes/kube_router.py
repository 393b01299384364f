"""Routing of the fake API server: authorize a parsed request and answer it like kube-apiserver."""

from __future__ import annotations

import copy
import time
from typing import TYPE_CHECKING, Any

from kubectl_prism.kinds import KindInfo
from tests.fakes import kube_auth, kube_discovery, kube_subresources, kube_table
from tests.fakes.kube_patch import APPLY, JSON_PATCH, MERGE, STRATEGIC
from tests.fakes.kube_request import (
    NOT_ACCEPTABLE,
    TEXT,
    Call,
    Reply,
    Target,
    dumps,
    json_reply,
    method_not_allowed,
    negotiate,
    parse_resource_path,
    verb_of,
)
from tests.fakes.kube_selectors import SelectorError, parse_field_selector, parse_label_selector
from tests.fakes.kube_store import Entry, ListPage, Store

if TYPE_CHECKING:
    from tests.fakes.kube_apiserver import FakeKubeAPI

_REVIEW_GROUPS = ("authorization.k8s.io", "authentication.k8s.io")
_PATCH_TYPES = (MERGE, STRATEGIC, JSON_PATCH, APPLY)


class Router:
    """Everything between a parsed request and its answer; no socket code here."""

    def __init__(self, api: FakeKubeAPI):
        self.api = api
        self.store: Store = api.store

    def handle(self, call: Call) -> Reply:
        if call.ident is None:
            return Reply(401, kube_auth.UNAUTHORIZED)
        target = parse_resource_path(call.path)
        if target is None:
            return self._non_resource(call)
        if target.group in _REVIEW_GROUPS and target.plural in kube_subresources.REVIEW_PLURALS:
            return kube_subresources.review(call, target)
        info = self.store.resolve(target.group, target.version, target.plural)
        if info is None or (target.namespace and not info.namespaced):
            return Reply(404, kube_auth.NO_RESOURCE)
        verb = verb_of(call, target)
        ns, name, sub = target.namespace, target.name, target.sub
        if not kube_auth.allowed(call.ident, verb, info.group, info.plural, sub, ns, name):
            denied = kube_auth.forbidden(call.ident.user, verb, info.group, info.plural, sub, ns, name)
            return Reply(403, denied)
        if sub == "log" and info.kind == "Pod" and call.method == "GET":
            return kube_subresources.pod_logs(self.store, call, target)
        if sub == "scale":
            return kube_subresources.scale(self.store, call, info, target)
        if sub == "eviction" and info.kind == "Pod" and call.method == "POST":
            return kube_subresources.evict(self.store, call, info, target)
        if sub not in ("", "status"):
            return Reply(404, kube_auth.NO_RESOURCE)
        return self._crud(call, info, target, verb)

    # --- discovery and other non-resource paths -----------------------------------------------------
    def _non_resource(self, call: Call) -> Reply:
        assert call.ident is not None
        path = call.path.rstrip("/") or "/"
        if not kube_auth.path_allowed(call.ident, "get", call.path):
            return Reply(403, kube_auth.forbidden_path(call.ident.user, call.method.lower(), call.path))
        if call.method not in ("GET", "HEAD"):
            return method_not_allowed()
        if path in ("/healthz", "/livez", "/readyz"):
            return Reply(200, b"ok", TEXT)
        if path == "/version":
            return json_reply(200, kube_discovery.VERSION)
        table = kube_discovery.group_versions(self.store.served())
        if path == "/api":
            return json_reply(200, kube_discovery.api_versions(self.api.address))
        if path == "/apis":
            return json_reply(200, kube_discovery.api_group_list(table))
        if path == "/api/v1":
            return json_reply(200, kube_discovery.resource_list("v1", table.get("v1", [])))
        if path == "/openapi/v3":
            return json_reply(200, kube_discovery.openapi_v3_root(table))
        if path.startswith("/openapi/v3/"):
            gv = path[len("/openapi/v3/"):].removeprefix("api/").removeprefix("apis/")
            if table.get(gv):
                return json_reply(200, kube_discovery.openapi_v3_doc(gv, table[gv]))
        if path.startswith("/apis/"):
            parts = path[len("/apis/"):].split("/")
            if len(parts) == 1 and (group := kube_discovery.api_group(table, parts[0])):
                return json_reply(200, group)
            if len(parts) == 2 and "/".join(parts) in table:
                gv = "/".join(parts)
                return json_reply(200, kube_discovery.resource_list(gv, table[gv]))
        return Reply(404, kube_auth.NO_RESOURCE)

    # --- objects --------------------------------------------------------------------------------------
    def _crud(self, call: Call, info: KindInfo, target: Target, verb: str) -> Reply:
        ns, name = target.namespace, target.name
        if verb in ("get", "list", "watch"):
            return self._read(call, info, target, verb)
        if verb == "create":
            entry = self.store.create(info, ns, call.body(), call.dry_run)
            return Reply(201, entry.full_bytes(), changed=not call.dry_run)
        if verb == "update":
            body = call.body()
            if not isinstance(body, dict):
                return Reply(400, kube_auth.bad_request("the body of the request must be an object"))
            entry, changed = self.store.replace(info, ns, name, body, call.dry_run)
            return Reply(200, entry.full_bytes(), changed=changed)
        if verb == "patch":
            if call.media_type not in _PATCH_TYPES:
                message = ("the body of the request was in an unknown format - accepted media types "
                           f"include: {', '.join(_PATCH_TYPES)}")
                return Reply(415, kube_auth.status_body(415, "UnsupportedMediaType", message))
            entry, changed = self.store.patch(info, ns, name, call.media_type, call.body(), call.dry_run)
            return Reply(200, entry.full_bytes(), changed=changed)
        if verb == "delete":
            options = call.body() if call.raw_body else {}
            options = options if isinstance(options, dict) else {}
            orphan = options.get("propagationPolicy") == "Orphan" or options.get("orphanDependents") is True
            entry = self.store.delete(info, ns, name, call.dry_run, orphan)
            return Reply(200, _deleted_answer(info, entry), changed=not call.dry_run)
        return method_not_allowed()

    def _read(self, call: Call, info: KindInfo, target: Target, verb: str) -> Reply:
        rendering = negotiate(call.accept)
        if rendering is None:
            return Reply(406, NOT_ACCEPTABLE)
        if verb == "get":
            entry = self.store.get(info.kind, target.namespace, target.name)
            if entry is None:
                return Reply(404, kube_auth.not_found(info.group, info.plural, target.name))
            return _render_one(entry, *rendering, call)
        try:
            match = _matcher(call, info.kind)
        except SelectorError as exc:
            return Reply(400, kube_auth.bad_request(str(exc)))
        if verb == "watch":
            call.extras["watch"] = (info, target.namespace, match)  # streamed by the handler
            return Reply(200, b"")
        limit = "" if self.api.ignore_limit else call.param("limit")  # some servers do not page
        page = self.store.list(info, target.namespace, match, int(limit) if limit.isdigit() else 0,
                               call.param("continue"))
        return _render_list(info, page, *rendering, call)


def _matcher(call: Call, kind: str) -> Any:
    labels = parse_label_selector(call.param("labelSelector"))
    fields = parse_field_selector(call.param("fieldSelector"), kind)
    if labels and fields:
        return lambda obj: labels(obj) and fields(obj)
    return labels or fields


def _deleted_answer(info: KindInfo, entry: Entry) -> bytes:
    obj = entry.obj
    if info.kind == "Pod":
        # Pods are deleted gracefully: the answer is the object marked for deletion.
        pod = copy.deepcopy(obj)
        pod["metadata"]["deletionTimestamp"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        pod["metadata"]["deletionGracePeriodSeconds"] = 30
        return dumps(pod)
    details: dict[str, Any] = {"name": obj["metadata"]["name"]}
    if info.group:
        details["group"] = info.group
    details |= {"kind": info.plural, "uid": obj["metadata"].get("uid")}
    status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}
    return dumps(status)


def _render_one(entry: Entry, rendering: str, version: str, call: Call) -> Reply:
    if rendering == "json":
        return Reply(200, entry.full_bytes())
    if rendering == "partial":
        partial = kube_table.partial_metadata(entry.obj)
        return json_reply(200, {**partial, "apiVersion": f"meta.k8s.io/{version}"})
    list_meta = {"resourceVersion": entry.obj["metadata"].get("resourceVersion", "")}
    table = kube_table.table(entry.kind, [entry.obj], list_meta, call.param("includeObject", "Metadata"))
    return json_reply(200, {**table, "apiVersion": f"meta.k8s.io/{version}"})


def _render_list(info: KindInfo, page: ListPage, rendering: str, version: str, call: Call) -> Reply:
    if rendering == "json":
        # Items are cached bytes without kind/apiVersion (as the real server sends them): join, don't dump.
        head = dumps({"kind": f"{info.kind}List", "apiVersion": info.api_version, "metadata": page.list_meta})
        items = b",".join(e.item_bytes() for e in page.entries)
        return Reply(200, head[:-1] + b',"items":[' + items + b"]}")
    if rendering == "partial":
        api_version = f"meta.k8s.io/{version}"
        items = [{**kube_table.partial_metadata(e.obj), "apiVersion": api_version} for e in page.entries]
        return json_reply(200, {"kind": "PartialObjectMetadataList", "apiVersion": api_version,
                                "metadata": page.list_meta, "items": items})
    table = kube_table.table(info.kind, [e.obj for e in page.entries], page.list_meta,
                             call.param("includeObject", "Metadata"))
    return json_reply(200, {**table, "apiVersion": f"meta.k8s.io/{version}"})
