"""Bearer tokens mapped to RBAC-like rules, and the Status bodies the real API server answers with."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

ADMIN_TOKEN = "admin-token"
ADMIN_RULES: list[dict[str, Any]] = [
    {"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]},
    {"verbs": ["*"], "nonResourceURLs": ["*"]},
]
# What every authenticated user may do on a real cluster (system:basic-user, system:discovery,
# system:public-info-viewer): ask what it may do, and read discovery.
BASIC_RULES: list[dict[str, Any]] = [
    {"verbs": ["create"], "apiGroups": ["authorization.k8s.io"],
     "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]},
    {"verbs": ["create"], "apiGroups": ["authentication.k8s.io"], "resources": ["selfsubjectreviews"]},
    {"verbs": ["get"], "nonResourceURLs": [
        "/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*",
        "/readyz", "/version", "/version/"]},
]


@dataclass(frozen=True)
class Identity:
    token: str
    user: str
    groups: tuple[str, ...] = ()
    rules: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    @property
    def all_rules(self) -> list[dict[str, Any]]:
        return [*self.rules, *BASIC_RULES]


def identities(tokens: list[dict[str, Any]] | None) -> dict[str, Identity]:
    """Token → identity; "admin-token" (full access) is always there unless a token entry redefines it."""
    table = {ADMIN_TOKEN: Identity(ADMIN_TOKEN, "admin", ("system:masters",), tuple(ADMIN_RULES))}
    for entry in tokens or []:
        table[entry["token"]] = Identity(
            entry["token"], entry["user"], tuple(entry.get("groups") or ()), tuple(entry.get("rules") or ())
        )
    return table


def _has(values: list[str] | None, wanted: str) -> bool:
    return bool(values) and ("*" in values or wanted in values)


def _resource_matches(resources: list[str] | None, resource: str, subresource: str) -> bool:
    if not resources:
        return False
    full = f"{resource}/{subresource}" if subresource else resource
    return any(
        r == "*" or r == full or (subresource and r in (f"{resource}/*", f"*/{subresource}"))
        for r in resources
    )


def allowed(
    ident: Identity, verb: str, group: str, resource: str, subresource: str = "",
    namespace: str = "", name: str = "",
) -> bool:
    for rule in ident.all_rules:
        if not _has(rule.get("verbs"), verb) or not _has(rule.get("apiGroups"), group):
            continue
        if not _resource_matches(rule.get("resources"), resource, subresource):
            continue
        names = rule.get("resourceNames")
        if names and name not in names:
            continue
        scopes = rule.get("namespaces")
        if scopes is not None and (not namespace or namespace not in scopes):
            continue
        return True
    return False


def path_allowed(ident: Identity, verb: str, path: str) -> bool:
    for rule in ident.all_rules:
        if not _has(rule.get("verbs"), verb):
            continue
        for url in rule.get("nonResourceURLs") or []:
            if url == path or url == "*" or (url.endswith("*") and path.startswith(url[:-1])):
                return True
    return False


def rules_for_namespace(ident: Identity, namespace: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(resourceRules, nonResourceRules) of a SelfSubjectRulesReview for one namespace."""
    resource_rules, non_resource = [], []
    for rule in ident.all_rules:
        if rule.get("nonResourceURLs"):
            urls = list(rule["nonResourceURLs"])
            non_resource.append({"verbs": list(rule["verbs"]), "nonResourceURLs": urls})
            continue
        scopes = rule.get("namespaces")
        if scopes is not None and namespace not in scopes:
            continue
        out = {"verbs": list(rule["verbs"]), "apiGroups": list(rule.get("apiGroups") or []),
               "resources": list(rule.get("resources") or [])}
        if rule.get("resourceNames"):
            out["resourceNames"] = list(rule["resourceNames"])
        resource_rules.append(out)
    return resource_rules, non_resource


# --- Status bodies ------------------------------------------------------------------------------

def status_body(code: int, reason: str, message: str, details: dict[str, Any] | None = None) -> bytes:
    body: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                            "message": message, "reason": reason}
    if details is not None:
        body["details"] = details
    body["code"] = code
    return json.dumps(body, separators=(",", ":")).encode()


def _qualified(group: str, resource: str) -> str:
    return f"{resource}.{group}" if group else resource


def _details(group: str, resource: str, name: str) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    details["kind"] = resource
    return details


def forbidden(
    user: str, verb: str, group: str, resource: str, subresource: str, namespace: str, name: str
) -> bytes:
    full = f"{resource}/{subresource}" if subresource else resource
    where = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
    why = f'User "{user}" cannot {verb} resource "{full}" in API group "{group}" {where}'
    subject = _qualified(group, resource) + (f' "{name}"' if name else "")
    return status_body(403, "Forbidden", f"{subject} is forbidden: {why}", _details(group, resource, name))


def forbidden_path(user: str, verb: str, path: str) -> bytes:
    return status_body(403, "Forbidden", f'forbidden: User "{user}" cannot {verb} path "{path}"', {})


def not_found(group: str, resource: str, name: str) -> bytes:
    return status_body(404, "NotFound", f'{_qualified(group, resource)} "{name}" not found',
                       _details(group, resource, name))


def already_exists(group: str, resource: str, name: str) -> bytes:
    return status_body(409, "AlreadyExists", f'{_qualified(group, resource)} "{name}" already exists',
                       _details(group, resource, name))


UNAUTHORIZED = status_body(401, "Unauthorized", "Unauthorized")
NO_RESOURCE = status_body(404, "NotFound", "the server could not find the requested resource", {})


def bad_request(message: str) -> bytes:
    return status_body(400, "BadRequest", message)
