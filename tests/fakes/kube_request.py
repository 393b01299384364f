"""What the fake API server's routing works on: a parsed request, a reply, content negotiation, paths."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tests.fakes import kube_auth, kube_protobuf
from tests.fakes.kube_auth import Identity
from tests.fakes.kube_patch import APPLY
from tests.fakes.kube_store import ApiError

JSON = "application/json"
TEXT = "text/plain"


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = JSON
    changed: bool = False  # stored state changed (what `FakeKubeAPI.mutations` lists)


@dataclass
class Call:
    """One request, parsed."""

    method: str
    path: str
    query: dict[str, list[str]]
    accept: str
    content_type: str
    raw_body: bytes
    ident: Identity | None
    parsed_body: Any = None
    dry_run: bool = False
    extras: dict[str, Any] = field(default_factory=dict)
    raw_path: str = ""  # before percent-decoding (`path` is decoded, as kube-apiserver routes it)

    def param(self, name: str, default: str = "") -> str:
        values = self.query.get(name)
        return values[0] if values else default

    def flag(self, name: str) -> bool:
        return self.param(name).lower() in ("true", "1")

    @property
    def media_type(self) -> str:
        return self.content_type.split(";")[0].strip()

    def body(self) -> Any:
        """The body as JSON (YAML for apply patches); protobuf bodies are refused like unknown formats."""
        if self.parsed_body is not None or not self.raw_body:
            return self.parsed_body
        if self.media_type == kube_protobuf.CONTENT_TYPE:
            raise ApiError(415, kube_auth.status_body(
                415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted "
                "media types include: application/json, application/yaml"))
        try:
            if self.media_type in (APPLY, "application/yaml"):
                import yaml

                self.parsed_body = yaml.safe_load(self.raw_body)
            else:
                self.parsed_body = json.loads(self.raw_body)
        except ValueError as exc:
            message = f"the body of the request is not valid: {exc}"
            raise ApiError(400, kube_auth.bad_request(message)) from exc
        return self.parsed_body


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def json_reply(status: int, obj: Any, changed: bool = False) -> Reply:
    return Reply(status, dumps(obj), changed=changed)


def method_not_allowed() -> Reply:
    return Reply(405, kube_auth.status_body(
        405, "MethodNotAllowed", "the server does not allow this method on the requested resource"))


NOT_ACCEPTABLE = kube_auth.status_body(
    406, "NotAcceptable",
    "only the following media types are accepted: application/json, application/yaml, "
    "application/vnd.kubernetes.protobuf")


def negotiate(accept: str) -> tuple[str, str] | None:
    """First acceptable JSON rendering: ("json"|"table"|"partial", meta.k8s.io version), or None (406).

    Protobuf and YAML ranges are skipped (a JSON range always follows in what clients send), and so are
    renderings not served here, e.g. aggregated discovery (`as=APIGroupDiscoveryList`).
    """
    if not accept.strip():
        return "json", "v1"
    for media in accept.split(","):
        mtype, *raw = [p.strip() for p in media.split(";")]
        if mtype not in (JSON, "*/*", "application/*"):
            continue
        params = dict(p.split("=", 1) for p in raw if "=" in p)
        as_, group, version = params.get("as"), params.get("g"), params.get("v", "v1")
        if as_ is None:
            return "json", "v1"
        if group == "meta.k8s.io" and version in ("v1", "v1beta1"):
            if as_ == "Table":
                return "table", version
            if as_ in ("PartialObjectMetadata", "PartialObjectMetadataList"):
                return "partial", version
    return None


def wants_protobuf(accept: str) -> bool:
    for media in accept.split(","):
        mtype = media.split(";")[0].strip()
        if mtype == kube_protobuf.CONTENT_TYPE:
            return True
        if mtype in (JSON, "*/*"):
            return False
    return False


@dataclass
class Target:
    """A resource URL taken apart: /apis/{group}/{version}/namespaces/{namespace}/{plural}/{name}/{sub}."""

    group: str
    version: str
    plural: str
    namespace: str
    name: str
    sub: str


def parse_resource_path(path: str) -> Target | None:
    if path.startswith("/api/v1/"):
        group, version, rest = "", "v1", path[len("/api/v1/"):]
    elif path.startswith("/apis/"):
        bits = path[len("/apis/"):].split("/", 2)
        if len(bits) < 3:
            return None
        group, version, rest = bits
    else:
        return None
    parts = [p for p in rest.split("/") if p]
    if not parts:
        return None
    namespace = ""
    namespace_sub = len(parts) == 3 and parts[2] in ("status", "finalize")  # namespaces/x/status
    if parts[0] == "namespaces" and len(parts) >= 3 and not namespace_sub:
        namespace, parts = parts[1], parts[2:]
    if len(parts) > 3:
        return None
    parts += [""] * (3 - len(parts))
    return Target(group, version, parts[0], namespace, parts[1], parts[2])


def verb_of(call: Call, target: Target) -> str:
    """The RBAC verb of a request, as the real server's request-info resolver computes it."""
    if call.method in ("GET", "HEAD"):
        if target.name:
            return "get"
        return "watch" if call.flag("watch") else "list"
    if call.method == "DELETE":
        return "delete" if target.name else "deletecollection"
    return {"POST": "create", "PUT": "update", "PATCH": "patch"}.get(call.method, call.method.lower())
