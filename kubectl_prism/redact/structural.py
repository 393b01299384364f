"""Structural rules for Kubernetes objects (docs/redaction.md), applied before the free-text detectors.

- Secret `data`/`stringData`: values never leave; key names stay (a missing key is a diagnosis).
- `metadata.managedFields` and the `last-applied-configuration` annotation (which can embed a
  whole Secret) are dropped.
- Container `env[].value` is dropped unless clearly harmless (see `harmless_env`); `valueFrom` and
  `envFrom` keep only the names of what they reference.
- ConfigMap values are kept for the free-text scan, except kubeconfigs and docker configs, which go
  whole; `binaryData` keeps only sizes.
- A kubeconfig (`kind: Config`) keeps nothing but its kind.

The input is never modified: the functions return a new object and the counts of what they removed.
"""

from __future__ import annotations

import re
from typing import Any

from kubectl_prism.redact.detectors import placeholder
from kubectl_prism.redact.keys import classify_key
from kubectl_prism.redact.shapes import looks_like_kubeconfig

Counts = dict[str, int]

_DROPPED_ANNOTATIONS = (
    "kubectl.kubernetes.io/last-applied-configuration",
    "kapp.k14s.io/original",  # kapp's copy of the applied object
    "deployment.kubernetes.io/desired-replicas-config",
)
_SAFE_ENV_NAMES = frozenset({
    "LOG_LEVEL", "LOGLEVEL", "LOG_FORMAT", "DEBUG", "VERBOSE", "PORT", "HTTP_PORT", "GRPC_PORT",
    "METRICS_PORT", "NODE_ENV", "ENV", "ENVIRONMENT", "APP_ENV", "RAILS_ENV", "RACK_ENV", "FLASK_ENV",
    "GO_ENV", "ASPNETCORE_ENVIRONMENT", "SPRING_PROFILES_ACTIVE", "TZ", "LANG", "LC_ALL", "GOMAXPROCS",
    "GOMEMLIMIT", "GOGC", "GODEBUG", "JAVA_OPTS", "JVM_OPTS", "JAVA_TOOL_OPTIONS", "NODE_OPTIONS",
    "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "WORKERS", "WEB_CONCURRENCY", "THREADS",
    "REPLICAS", "TIMEOUT", "MALLOC_ARENA_MAX", "UV_THREADPOOL_SIZE", "HOME", "PATH", "USER",
})
_HARMLESS_VALUE = re.compile(
    r"(?i)^(?:true|false|yes|no|on|off|enabled|disabled|"
    r"trace|debug|info|notice|warn|warning|error|fatal|panic|critical|"
    r"production|prod|staging|stage|development|dev|test|qa|local|"
    r"-?\d{1,9}(?:\.\d+)?|\d+(?:ms|s|m|h|d)|\d+(?:Ki|Mi|Gi|K|M|G)i?B?|json|text|console|logfmt|"
    r"utc|en_US\.UTF-8|C\.UTF-8)$"
)
_MAX_SAFE_LEN = 256
_ADDRESS_SUFFIXES = ("_HOST", "_HOSTNAME", "_ADDR", "_ADDRESS", "_ENDPOINT", "_URL", "_URI", "_SERVER",
                     "_SERVICE", "_PORT", "_HOSTS", "_BROKERS", "_SERVERS")
# scheme://host:port/path or host:port lists; no user info (@), query (?), fragment or spaces
_ADDRESS = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?[A-Za-z0-9.\-\[\]:,]+(?:/[A-Za-z0-9._~/\-]*)?$")


def harmless_env(name: str, value: str) -> bool:
    """An env value that may go out (after the free-text scan): booleans, numbers, durations,
    sizes, log levels and environment names, anything under a well-known setting name, and
    addresses (`DB_HOST`, `API_URL`) without credentials or query strings in them."""
    if classify_key(name) is not None or len(value) > _MAX_SAFE_LEN:
        return False
    upper = name.upper()
    if upper in _SAFE_ENV_NAMES:
        return True
    if upper.endswith(_ADDRESS_SUFFIXES) and _ADDRESS.match(value):
        return True
    return bool(_HARMLESS_VALUE.match(value.strip()))


def _bump(counts: Counts, kind: str, n: int = 1) -> None:
    if n:
        counts[kind] = counts.get(kind, 0) + n


def _metadata(meta: dict[str, Any], counts: Counts) -> dict[str, Any]:
    out = {k: v for k, v in meta.items() if k != "managedFields"}
    annotations = meta.get("annotations")
    if isinstance(annotations, dict):
        kept = {}
        for key, value in annotations.items():
            if key in _DROPPED_ANNOTATIONS:
                _bump(counts, "last-applied-configuration")
            else:
                kept[key] = value
        out["annotations"] = kept
    return out


def _env_var(env: dict[str, Any], counts: Counts) -> dict[str, Any]:
    out: dict[str, Any] = {"name": env.get("name", "")}
    if "value" in env:
        value = env.get("value")
        text = "" if value is None else str(value)
        if text == "" or harmless_env(out["name"], text):
            out["value"] = text
        else:
            _bump(counts, "env-value")
            out["value"] = placeholder("env-value")
    source = env.get("valueFrom")
    if isinstance(source, dict):
        out["valueFrom"] = _value_from(source)
    return out


def _value_from(source: dict[str, Any]) -> dict[str, Any]:
    keep = {
        "secretKeyRef": ("name", "key", "optional"),
        "configMapKeyRef": ("name", "key", "optional"),
        "fieldRef": ("fieldPath", "apiVersion"),
        "resourceFieldRef": ("resource", "containerName", "divisor"),
    }
    out: dict[str, Any] = {}
    for ref, fields in keep.items():
        if isinstance(source.get(ref), dict):
            out[ref] = {f: source[ref][f] for f in fields if f in source[ref]}
    return out


def _env_from(item: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if item.get("prefix"):
        out["prefix"] = item["prefix"]
    for ref in ("secretRef", "configMapRef"):
        if isinstance(item.get(ref), dict):
            out[ref] = {f: item[ref][f] for f in ("name", "optional") if f in item[ref]}
    return out


def _container(c: dict[str, Any], counts: Counts) -> dict[str, Any]:
    out = dict(c)
    if isinstance(c.get("env"), list):
        out["env"] = [_env_var(e, counts) for e in c["env"] if isinstance(e, dict)]
    if isinstance(c.get("envFrom"), list):
        out["envFrom"] = [_env_from(e) for e in c["envFrom"] if isinstance(e, dict)]
    return out


def _pod_spec(spec: dict[str, Any], counts: Counts) -> dict[str, Any]:
    out = dict(spec)
    for field in ("containers", "initContainers", "ephemeralContainers"):
        if isinstance(spec.get(field), list):
            out[field] = [_container(c, counts) if isinstance(c, dict) else c for c in spec[field]]
    return out


def _template_paths(obj: dict[str, Any]) -> list[tuple[str, ...]]:
    kind = obj.get("kind")
    if kind == "Pod":
        return [("spec",)]
    if kind == "CronJob":
        return [("spec", "jobTemplate", "spec", "template", "spec")]
    return [("spec", "template", "spec")]


def _replace_at(obj: dict[str, Any], path: tuple[str, ...], fn: Any) -> dict[str, Any]:
    """A copy of `obj` with the dict at `path` replaced by fn(dict); unchanged when absent."""
    head, rest = path[0], path[1:]
    child = obj.get(head)
    if not isinstance(child, dict):
        return obj
    new = dict(obj)
    new[head] = fn(child) if not rest else _replace_at(child, rest, fn)
    return new


def _secret(obj: dict[str, Any], counts: Counts) -> dict[str, Any]:
    out = {k: v for k, v in obj.items() if k not in ("data", "stringData")}
    keys: set[str] = set()
    for field in ("data", "stringData"):
        if isinstance(obj.get(field), dict):
            keys.update(obj[field])
    if keys:
        _bump(counts, "secret-data", len(keys))
        out["data"] = {k: placeholder("secret-data") for k in sorted(keys)}
    return out


def _config_value(key: str, value: Any, counts: Counts) -> Any:
    if not isinstance(value, str):
        return value
    if key in (".dockerconfigjson", ".dockercfg", "config.json") or '"auths"' in value:
        _bump(counts, "docker-config")
        return placeholder("docker-config")
    if (key in ("kubeconfig", "config") and "clusters" in value) or looks_like_kubeconfig(value):
        _bump(counts, "kubeconfig")
        return placeholder("kubeconfig")
    return value


def _decoded_size(b64: str) -> int:
    core = "".join(b64.split())
    return len(core) * 3 // 4 - core[-2:].count("=")


def _config_map(obj: dict[str, Any], counts: Counts) -> dict[str, Any]:
    out = dict(obj)
    if isinstance(obj.get("data"), dict):
        out["data"] = {k: _config_value(k, v, counts) for k, v in obj["data"].items()}
    if isinstance(obj.get("binaryData"), dict):
        out["binaryData"] = {k: f"<{_decoded_size(str(v))} bytes>" for k, v in obj["binaryData"].items()}
    return out


def strip_object(obj: dict[str, Any]) -> tuple[dict[str, Any], Counts]:
    """Apply the structural rules to one object; returns (new object, counts)."""
    counts: Counts = {}
    if not isinstance(obj, dict):
        return obj, counts
    kind = obj.get("kind")
    if kind and kind.endswith("List") and isinstance(obj.get("items"), list):
        items = []
        for item in obj["items"]:
            stripped, c = strip_object(item)
            items.append(stripped)
            for k, v in c.items():
                _bump(counts, k, v)
        return {**obj, "items": items}, counts
    if kind == "Config" and ("clusters" in obj or "users" in obj):
        _bump(counts, "kubeconfig")
        return {"apiVersion": obj.get("apiVersion", "v1"), "kind": "Config",
                "content": placeholder("kubeconfig")}, counts
    out = dict(obj)
    if isinstance(obj.get("metadata"), dict):
        out["metadata"] = _metadata(obj["metadata"], counts)
    if kind == "Secret":
        out = _secret(out, counts)
    elif kind == "ConfigMap":
        out = _config_map(out, counts)
    for path in _template_paths(obj):
        out = _replace_at(out, path, lambda spec: _pod_spec(spec, counts))
    return out, counts
