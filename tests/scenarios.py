"""Scenario files: readable YAML of Kubernetes objects, pod logs and tokens (shared test format).

A scenario is one YAML mapping with `description`, `objects`, and optionally `logs`, `tokens` and
`expect` (see the brief / README of tests). The same file feeds the fake API server, the analyzer corpus
and — through `write_as_cluster_dump` — the `--snapshot` path.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Scenario:
    path: Path | None
    description: str = ""
    objects: list[dict[str, Any]] = field(default_factory=list)
    # Each log: {"namespace", "pod", "container", "previous": bool, "text"}.
    logs: list[dict[str, Any]] = field(default_factory=list)
    # Each token: {"token", "user", "groups": [...], "rules": [PolicyRule + optional "namespaces"]}.
    # None means "not given" (the fake server then grants "admin-token" full access only).
    tokens: list[dict[str, Any]] | None = None
    expect: list[dict[str, Any]] = field(default_factory=list)

    def objects_of(self, kind: str) -> list[dict[str, Any]]:
        return [o for o in self.objects if o.get("kind") == kind]


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate one scenario file; a malformed file raises ValueError naming it."""
    import yaml

    path = Path(path)
    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader is ~10x faster
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: cannot read scenario: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a scenario must be a YAML mapping with 'objects'")
    unknown = set(data) - {"description", "objects", "logs", "tokens", "expect"}
    if unknown:
        raise ValueError(f"{path}: unknown top-level keys: {', '.join(sorted(unknown))}")
    data = _plain(data)
    objects = _list(data, "objects", path)
    for i, obj in enumerate(objects):
        _check_object(obj, i, path)
    logs = [_check_log(entry, i, path) for i, entry in enumerate(_list(data, "logs", path))]
    tokens = None
    if data.get("tokens") is not None:
        tokens = [_check_token(entry, i, path) for i, entry in enumerate(_list(data, "tokens", path))]
    expect = _list(data, "expect", path)
    for i, entry in enumerate(expect):
        if not isinstance(entry, dict) or "rule" not in entry:
            raise ValueError(f"{path}: expect[{i}] must be a mapping with at least 'rule'")
    return Scenario(
        path=path,
        description=str(data.get("description") or ""),
        objects=objects,
        logs=logs,
        tokens=tokens,
        expect=expect,
    )


def _plain(value: Any) -> Any:
    """YAML turns unquoted timestamps into datetimes; the API server only ever sends strings."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime.datetime):
        if value.tzinfo:
            value = value.astimezone(datetime.UTC)
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _list(data: dict[str, Any], key: str, path: Path) -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"{path}: '{key}' must be a list")
    return value


def _check_object(obj: Any, i: int, path: Path) -> None:
    if not isinstance(obj, dict):
        raise ValueError(f"{path}: objects[{i}] is not a mapping")
    name = (obj.get("metadata") or {}).get("name") if isinstance(obj.get("metadata"), dict) else None
    if not obj.get("kind") or not name:
        raise ValueError(f"{path}: objects[{i}] needs 'kind' and 'metadata.name'")
    if not obj.get("apiVersion"):
        raise ValueError(f"{path}: objects[{i}] ({obj['kind']}/{name}) needs 'apiVersion'")


def _check_log(entry: Any, i: int, path: Path) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise ValueError(f"{path}: logs[{i}] is not a mapping")
    missing = [k for k in ("namespace", "pod", "container", "text") if entry.get(k) is None]
    if missing:
        raise ValueError(f"{path}: logs[{i}] needs {', '.join(missing)}")
    return {
        "namespace": str(entry["namespace"]),
        "pod": str(entry["pod"]),
        "container": str(entry["container"]),
        "previous": bool(entry.get("previous", False)),
        "text": str(entry["text"]),
    }


def _check_token(entry: Any, i: int, path: Path) -> dict[str, Any]:
    if not isinstance(entry, dict) or not entry.get("token") or not entry.get("user"):
        raise ValueError(f"{path}: tokens[{i}] needs 'token' and 'user'")
    rules = entry.get("rules") or []
    if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
        raise ValueError(f"{path}: tokens[{i}].rules must be a list of mappings")
    for j, rule in enumerate(rules):
        if not rule.get("verbs"):
            raise ValueError(f"{path}: tokens[{i}].rules[{j}] needs 'verbs'")
    return {
        "token": str(entry["token"]),
        "user": str(entry["user"]),
        "groups": [str(g) for g in entry.get("groups") or []],
        "rules": rules,
    }


def write_as_cluster_dump(scenario: Scenario, directory: str | Path) -> Path:
    """Write the scenario in `kubectl cluster-info dump --output-directory=DIR -A` layout
    (docs/snapshot-format.md).

    The layout itself lives in tests/dumps.py; this is the scenario-shaped entry point.
    """
    from tests.dumps import write_as_cluster_dump as write_dump

    return write_dump(scenario, directory)
