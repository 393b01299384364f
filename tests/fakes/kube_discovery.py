"""Discovery documents (`/version`, `/api`, `/apis`, `/api/v1`, `/apis/G/V`) built from what is served.

Only the legacy (non-aggregated) form is served: kubectl asks for aggregated discovery first and
falls back to these when the answer is plain `application/json`, as against older servers.
"""

from __future__ import annotations

from typing import Any

from kubectl_prism.kinds import KindInfo

VERSION = {
    "major": "1", "minor": "37", "emulationMajor": "1", "emulationMinor": "37",
    "minCompatibilityMajor": "1", "minCompatibilityMinor": "36",
    "gitVersion": "v1.37.0", "gitCommit": "0123456789abcdef0123456789abcdef01234567",
    "gitTreeState": "clean", "buildDate": "2026-04-01T00:00:00Z", "goVersion": "go1.26.1",
    "compiler": "gc", "platform": "linux/amd64",
}

_ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
_IN_ALL = {"Pod", "Service", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob",
           "ReplicationController", "HorizontalPodAutoscaler"}
_SCALABLE = {"Deployment", "ReplicaSet", "StatefulSet", "ReplicationController"}
_NO_STATUS = {"ConfigMap", "Secret", "Event", "ServiceAccount", "Endpoints", "LimitRange", "StorageClass",
              "IngressClass", "NetworkPolicy", "ValidatingWebhookConfiguration",
              "MutatingWebhookConfiguration", "PodMetrics", "NodeMetrics"}

# Review APIs every authenticated user may call (answered by the handler, not stored).
REVIEWS: dict[str, list[tuple[str, str, bool]]] = {
    "authorization.k8s.io/v1": [
        ("selfsubjectaccessreviews", "SelfSubjectAccessReview", False),
        ("selfsubjectrulesreviews", "SelfSubjectRulesReview", False),
    ],
    "authentication.k8s.io/v1": [("selfsubjectreviews", "SelfSubjectReview", False)],
}


def _resource(info: KindInfo) -> list[dict[str, Any]]:
    read_only = info.group == "metrics.k8s.io"
    main: dict[str, Any] = {
        "name": info.plural, "singularName": info.kind.lower(), "namespaced": info.namespaced,
        "kind": info.kind, "verbs": ["get", "list"] if read_only else list(_ALL_VERBS),
    }
    if info.short_names:
        main["shortNames"] = list(info.short_names)
    if info.kind in _IN_ALL:
        main["categories"] = ["all"]
    out = [main]
    sub = {"singularName": "", "namespaced": info.namespaced}
    if info.kind not in _NO_STATUS and not read_only:
        out.append({"name": f"{info.plural}/status", **sub, "kind": info.kind,
                    "verbs": ["get", "patch", "update"]})
    if info.kind in _SCALABLE:
        out.append({"name": f"{info.plural}/scale", **sub, "group": "autoscaling", "version": "v1",
                    "kind": "Scale", "verbs": ["get", "patch", "update"]})
    if info.kind == "Pod":
        out.append({"name": "pods/log", **sub, "kind": "Pod", "verbs": ["get"]})
        out.append({"name": "pods/eviction", **sub, "group": "policy", "version": "v1", "kind": "Eviction",
                    "verbs": ["create"]})
    return out


def group_versions(served: list[KindInfo]) -> dict[str, list[KindInfo]]:
    table: dict[str, list[KindInfo]] = {}
    for info in served:
        table.setdefault(info.api_version, []).append(info)
    for gv in REVIEWS:
        table.setdefault(gv, [])
    return table


def resource_list(group_version: str, infos: list[KindInfo]) -> dict[str, Any]:
    resources = [r for info in infos for r in _resource(info)]
    resources += [{"name": name, "singularName": kind.lower(), "namespaced": namespaced, "kind": kind,
                   "verbs": ["create"]} for name, kind, namespaced in REVIEWS.get(group_version, [])]
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version,
            "resources": resources}


def api_versions(server_address: str) -> dict[str, Any]:
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]}


def _group(name: str, versions: list[str]) -> dict[str, Any]:
    entries = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": entries, "preferredVersion": entries[0]}


def api_group_list(table: dict[str, list[KindInfo]]) -> dict[str, Any]:
    groups: dict[str, list[str]] = {}
    for gv in table:
        if "/" in gv:
            group, version = gv.split("/", 1)
            groups.setdefault(group, []).append(version)
    return {"kind": "APIGroupList", "apiVersion": "v1",
            "groups": [_group(name, versions) for name, versions in groups.items()]}


def api_group(table: dict[str, list[KindInfo]], name: str) -> dict[str, Any] | None:
    versions = [gv.split("/", 1)[1] for gv in table if gv.startswith(name + "/")]
    if not versions:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group(name, versions)}


# --- OpenAPI v3 (just enough for kubectl apply/create/patch) ----------------------------------------
# kubectl validates manifests by asking whether the server takes `fieldValidation` on PATCH of the kind
# (then the server validates). Advertising only merge-patch bodies makes kubectl compute strategic merge
# patches from its built-in types instead of from (absent) schemas.


def _gv_path(group_version: str) -> str:
    return f"apis/{group_version}" if "/" in group_version else f"api/{group_version}"


def openapi_v3_root(table: dict[str, list[KindInfo]]) -> dict[str, Any]:
    return {"paths": {_gv_path(gv): {"serverRelativeURL": f"/openapi/v3/{_gv_path(gv)}?hash=fake{len(infos)}"}
                      for gv, infos in table.items() if infos}}


def openapi_v3_doc(group_version: str, infos: list[KindInfo]) -> dict[str, Any]:
    params = [{"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": True}}
              for name in ("dryRun", "fieldManager", "fieldValidation", "force")]
    paths: dict[str, Any] = {}
    for info in infos:
        scope = "namespaces/{namespace}/" if info.namespaced else ""
        gvk = {"group": info.group, "version": info.version, "kind": info.kind}
        paths[f"/{_gv_path(group_version)}/{scope}{info.plural}/{{name}}"] = {
            "patch": {
                "operationId": f"patch{info.kind}", "x-kubernetes-action": "patch",
                "x-kubernetes-group-version-kind": gvk, "parameters": params,
                "requestBody": {"content": {"application/merge-patch+json": {"schema": {"type": "object"}}}},
                "responses": {"200": {"description": "OK"}},
            }
        }
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": VERSION["gitVersion"]},
            "paths": paths, "components": {"schemas": {}}}
