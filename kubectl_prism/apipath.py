"""The only place an API request is put together: `ApiPath`, built from validated names.

`KubeClient` (gather/http.py) sends nothing but an `ApiPath`, and only this module can build one (the
constructor needs a module-private key, as `Redacted` does in kubectl_prism/redact). So every object
name, namespace and container name has passed the Kubernetes naming rules (kubectl_prism/names.py)
before it reaches a URL, and is percent-encoded as well; selector and other query values are
url-encoded when the request is sent. A name from a CLI TARGET or `-n`, an MCP or `ask` tool argument,
or an object's own references (owners, nodes, containers) is checked the same way.

Secrets are only ever read as metadata: a Secret path carries the PartialObjectMetadata rendering,
and `ApiPath` refuses to exist otherwise, whoever asks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import InitVar, dataclass
from typing import Any
from urllib.parse import quote

from kubectl_prism.errors import PrismError
from kubectl_prism.kinds import BY_KIND, KindInfo
from kubectl_prism.names import (
    DNS1123_SUBDOMAIN,
    NameRule,
    check,
    check_container,
    check_name,
    check_namespace,
)

JSON = "application/json"
TEXT = "text/plain, */*"
METADATA = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"
METADATA_LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"

_KEY = object()
# API groups and versions of discovery paths: what `/apis/{group}/{version}` may hold.
_GROUP = NameRule(DNS1123_SUBDOMAIN.pattern, 253, "an API group name such as metrics.k8s.io")
_VERSION = NameRule(re.compile(r"v[1-9][0-9]*(?:(?:alpha|beta)[1-9][0-9]*)?"), 20,
                    "an API version such as v1 or v1beta1")


class RefusedRequest(PrismError):
    """A request prism never sends (a Secret read that is not metadata-only)."""


@dataclass(frozen=True)
class ApiPath:
    """A request that may be sent: a percent-encoded path, its query and the rendering it asks for.

    `resource` names what it reads ("pods", "secrets", "pods/log", "" for discovery), for messages.
    """

    path: str
    query: tuple[tuple[str, str], ...]
    accept: str
    resource: str
    secret: bool
    _key: InitVar[object]

    def __post_init__(self, _key: object) -> None:
        if _key is not _KEY:
            raise TypeError("ApiPath can only be built by kubectl_prism.apipath (collection, item, pod_log)")
        if self.secret and self.accept not in (METADATA, METADATA_LIST):
            raise RefusedRequest("refusing to read Secret values: Secrets are read as metadata only")

    def param(self, name: str) -> str | None:
        return next((v for k, v in self.query if k == name), None)

    def __str__(self) -> str:
        return self.path


def _build_path(path: str, query: Mapping[str, Any], accept: str, resource: str,
                secret: bool = False) -> ApiPath:
    pairs = tuple((k, _query_value(v)) for k, v in query.items() if v is not None and v is not False)
    return ApiPath(path, pairs, accept, resource, secret, _KEY)


def _query_value(value: Any) -> str:
    if value is True:
        return "true"
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str):
        raise TypeError(f"query values are text or numbers, not {type(value).__name__}")
    return value


def _segment(text: str) -> str:
    # Validated names need no escaping; encoding anyway means a path can never be re-read differently.
    return quote(text, safe="")


def _collection_path(info: KindInfo, namespace: str | None) -> str:
    if info.namespaced and namespace is not None:
        return f"{info.api_prefix}/namespaces/{_segment(check_namespace(namespace))}/{info.plural}"
    return f"{info.api_prefix}/{info.plural}"


def _is_secret(info: KindInfo) -> bool:
    return info.group == "" and info.plural == "secrets"


def collection(info: KindInfo, namespace: str | None = None, *, label_selector: str | None = None,
               field_selector: str | None = None, limit: int | None = None) -> ApiPath:
    """A list: of one namespace, or of every namespace (`namespace=None`, or a cluster-scoped kind)."""
    secret = _is_secret(info)
    query = {"labelSelector": label_selector or None, "fieldSelector": field_selector or None, "limit": limit}
    return _build_path(_collection_path(info, namespace), query, METADATA_LIST if secret else JSON,
                       info.resource, secret)


def item(info: KindInfo, name: str, namespace: str | None = None) -> ApiPath:
    """One named object; `namespace` is required for a namespaced kind and ignored otherwise."""
    check_name(info.kind, name)
    if info.namespaced and namespace is None:
        raise PrismError(f"{info.kind.lower()} {name} needs a namespace")
    secret = _is_secret(info)
    path = f"{_collection_path(info, namespace if info.namespaced else None)}/{_segment(name)}"
    return _build_path(path, {}, METADATA if secret else JSON, info.resource, secret)


def pod_log(namespace: str, pod: str, container: str | None = None, *, previous: bool = False,
            tail_lines: int | None = None, limit_bytes: int | None = None) -> ApiPath:
    """`pods/log` of one container, as text (`container=None`: the server picks the only one)."""
    base = item(BY_KIND["Pod"], pod, namespace)
    query = {"container": check_container(container) if container is not None else None,
             "previous": previous, "tailLines": tail_lines, "limitBytes": limit_bytes}
    return _build_path(base.path + "/log", query, TEXT, "pods/log")


def group_version(group: str, version: str) -> ApiPath:
    """The discovery document of one API group version, e.g. metrics.k8s.io/v1beta1."""
    check(group, _GROUP, "API group")
    check(version, _VERSION, "API version")
    return _build_path(f"/apis/{_segment(group)}/{_segment(version)}", {}, JSON, f"{group}/{version}")


def field_selector(pairs: Mapping[str, str]) -> str:
    """`involvedObject.kind=Pod,involvedObject.name=x`, with values escaped as the API server reads
    them (a `,` or `=` in a value would otherwise start a term of its own)."""
    def escape(value: str) -> str:
        return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")

    return ",".join(f"{key}={escape(value)}" for key, value in pairs.items())
