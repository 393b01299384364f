"""The fake API server's non-CRUD endpoints: access reviews, pod logs, scale, eviction."""

from __future__ import annotations

import json
from typing import Any

from kubectl_prism.kinds import KindInfo
from tests.fakes import kube_auth, kube_protobuf
from tests.fakes.kube_patch import MERGE
from tests.fakes.kube_request import (
    TEXT,
    Call,
    Reply,
    Target,
    dumps,
    json_reply,
    method_not_allowed,
    wants_protobuf,
)
from tests.fakes.kube_store import ApiError, Obj, Store

REVIEW_PLURALS = ("selfsubjectaccessreviews", "selfsubjectrulesreviews", "selfsubjectreviews")


# --- SelfSubjectAccessReview / SelfSubjectRulesReview / SelfSubjectReview --------------------------

def _review_body(call: Call) -> dict[str, Any]:
    """JSON, or kubectl's protobuf (kubectl 1.32+ posts reviews as application/vnd.kubernetes.protobuf)."""
    try:
        if call.media_type == kube_protobuf.CONTENT_TYPE:
            _, kind, raw = kube_protobuf.unwrap(call.raw_body)
            decode = {"SelfSubjectAccessReview": kube_protobuf.decode_ssar,
                      "SelfSubjectRulesReview": kube_protobuf.decode_ssrr}.get(kind)
            return decode(raw) if decode else {}
        body = json.loads(call.raw_body or b"{}")
        return body if isinstance(body, dict) else {}
    except (ValueError, IndexError) as exc:
        raise ApiError(400, kube_auth.bad_request(f"cannot decode review: {exc}")) from exc


def review(call: Call, target: Target) -> Reply:
    if call.method != "POST" or target.name:
        return method_not_allowed()
    ident = call.ident
    assert ident is not None
    body = call.parsed_body = _review_body(call)
    spec = body.get("spec") or {}
    proto = wants_protobuf(call.accept)
    meta = {"creationTimestamp": None}
    if target.plural == "selfsubjectaccessreviews":
        if res := spec.get("resourceAttributes"):
            ok = kube_auth.allowed(ident, res.get("verb", ""), res.get("group", ""), res.get("resource", ""),
                                   res.get("subresource", ""), res.get("namespace", ""), res.get("name", ""))
        else:
            nra = spec.get("nonResourceAttributes") or {}
            ok = kube_auth.path_allowed(ident, nra.get("verb", ""), nra.get("path", ""))
        answer = {"kind": "SelfSubjectAccessReview", "apiVersion": "authorization.k8s.io/v1",
                  "metadata": meta, "spec": spec, "status": {"allowed": ok}}
        encoded = kube_protobuf.encode_ssar(answer) if proto else None
    elif target.plural == "selfsubjectrulesreviews":
        rules, non_resource = kube_auth.rules_for_namespace(ident, spec.get("namespace", ""))
        answer = {"kind": "SelfSubjectRulesReview", "apiVersion": "authorization.k8s.io/v1", "metadata": meta,
                  "spec": spec, "status": {"resourceRules": rules, "nonResourceRules": non_resource,
                                           "incomplete": False}}
        encoded = kube_protobuf.encode_ssrr(answer) if proto else None
    else:
        groups = [*ident.groups, "system:authenticated"]
        answer = {"kind": "SelfSubjectReview", "apiVersion": "authentication.k8s.io/v1", "metadata": meta,
                  "status": {"userInfo": {"username": ident.user, "groups": groups}}}
        encoded = kube_protobuf.encode_ssr(ident.user, groups) if proto else None
    if encoded is not None:
        return Reply(201, encoded, kube_protobuf.CONTENT_TYPE)
    return json_reply(201, answer)


# --- pods/log --------------------------------------------------------------------------------------

def pod_logs(store: Store, call: Call, target: Target) -> Reply:
    """`container`, `previous`, `tailLines`, `limitBytes`, `timestamps`, with the kubelet's 400s."""
    entry = store.get("Pod", target.namespace, target.name)
    if entry is None:
        return Reply(404, kube_auth.not_found("", "pods", target.name))
    spec, status = entry.obj.get("spec") or {}, entry.obj.get("status") or {}
    containers = [c["name"] for c in spec.get("containers") or []]
    inits = [c["name"] for c in spec.get("initContainers") or []]
    pod = target.name
    container = call.param("container")
    if not container:
        if len(containers) != 1:
            choices = " ".join(containers)
            message = f"a container name must be specified for pod {pod}, choose one of: [{choices}]"
            if inits:
                message += f" or one of the init containers: [{' '.join(inits)}]"
            return Reply(400, kube_auth.bad_request(message))
        container = containers[0]
    if container not in containers + inits:
        return Reply(400, kube_auth.bad_request(f"container {container} is not valid for pod {pod}"))
    previous = call.flag("previous")
    state = _container_status(status, container)
    text = store.logs.get((target.namespace, pod, container, previous))
    if text is None:
        # A scenario without a log for this container: answer what the kubelet would for its state.
        restarted = bool((state.get("lastState") or {}).get("terminated"))
        if previous and not restarted:
            return Reply(400, kube_auth.bad_request(
                f'previous terminated container "{container}" in pod "{pod}" not found'))
        waiting = (state.get("state") or {}).get("waiting")
        if waiting and not state.get("restartCount"):
            return Reply(400, kube_auth.bad_request(
                f'container "{container}" in pod "{pod}" is waiting to start: '
                f'{waiting.get("reason", "ContainerCreating")}'))
        text = ""
    lines = text.splitlines(keepends=True)
    tail = call.param("tailLines")
    if tail.isdigit():
        lines = lines[-int(tail):] if int(tail) else []
    if call.flag("timestamps"):
        started = ((state.get("state") or {}).get("running") or {}).get("startedAt", "2026-01-01T00:00:00Z")
        stamp = started.replace("Z", ".000000000Z")
        lines = [f"{stamp} {line}" for line in lines]
    data = "".join(lines).encode()
    limit = call.param("limitBytes")
    if limit.isdigit() and int(limit) > 0:
        data = data[:int(limit)]
    return Reply(200, data, TEXT)


def _container_status(status: Obj, container: str) -> Obj:
    statuses = (status.get("containerStatuses") or []) + (status.get("initContainerStatuses") or [])
    return next((s for s in statuses if s.get("name") == container), {})


# --- scale / eviction --------------------------------------------------------------------------------

def scale(store: Store, call: Call, info: KindInfo, target: Target) -> Reply:
    entry = store.get(info.kind, target.namespace, target.name)
    if entry is None:
        return Reply(404, kube_auth.not_found(info.group, info.plural, target.name))
    changed = False
    if call.method in ("PATCH", "PUT"):
        body = call.body()
        replicas = (body.get("spec") or {}).get("replicas") if isinstance(body, dict) else None
        if not isinstance(replicas, int):
            return Reply(422, kube_auth.status_body(422, "Invalid", "spec.replicas: Required value"))
        entry, changed = store.patch(info, target.namespace, target.name, MERGE,
                                     {"spec": {"replicas": replicas}}, call.dry_run)
    elif call.method != "GET":
        return method_not_allowed()
    obj = entry.obj
    match = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    kept = ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
    meta = {k: obj["metadata"][k] for k in kept if k in obj["metadata"]}
    answer = {"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": meta,
              "spec": {"replicas": (obj.get("spec") or {}).get("replicas", 1)},
              "status": {"replicas": (obj.get("status") or {}).get("replicas", 0),
                         "selector": ",".join(f"{k}={v}" for k, v in match.items())}}
    return Reply(200, dumps(answer), changed=changed)


def evict(store: Store, call: Call, info: KindInfo, target: Target) -> Reply:
    store.delete(info, target.namespace, target.name, call.dry_run)
    status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}
    return json_reply(201, status, changed=not call.dry_run)
