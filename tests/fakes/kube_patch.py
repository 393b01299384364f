"""The patch flavours kubectl and client libraries send: merge, strategic merge (approximated), JSON patch."""

from __future__ import annotations

import copy
from typing import Any

MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"
APPLY = "application/apply-patch+yaml"


class PatchError(ValueError):
    pass


def merge_patch(target: Any, patch: Any, strategic: bool = False) -> Any:
    """RFC 7386 merge; with `strategic`, lists of named mappings merge by `name` (containers, env,
    volumes...) and `$`-directives are dropped — close enough to strategic merge for tests."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if strategic and key.startswith("$"):
            continue
        if value is None:
            result.pop(key, None)
        elif strategic and isinstance(value, list) and isinstance(result.get(key), list):
            result[key] = _merge_named_lists(result[key], value)
        else:
            result[key] = merge_patch(result.get(key), value, strategic)
    return result


def _merge_named_lists(current: list[Any], patch: list[Any]) -> list[Any]:
    if not all(isinstance(i, dict) and "name" in i for i in [*current, *patch]):
        return copy.deepcopy(patch)
    merged = {i["name"]: i for i in current}
    order = [i["name"] for i in current]
    for item in patch:
        name = item["name"]
        if item.get("$patch") == "delete":
            merged.pop(name, None)
            continue
        if name not in merged:
            order.append(name)
        merged[name] = merge_patch(merged.get(name), item, strategic=True)
    return [merged[n] for n in order if n in merged]


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f"invalid JSON pointer {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _walk(doc: Any, parts: list[str]) -> Any:
    for part in parts:
        if isinstance(doc, list):
            doc = doc[int(part)]
        elif isinstance(doc, dict):
            doc = doc[part]
        else:
            raise KeyError(part)
    return doc


def json_patch(target: Any, operations: list[dict[str, Any]]) -> Any:
    doc = copy.deepcopy(target)
    for op in operations:
        try:
            parts = _pointer(op["path"])
            parent, last = _walk(doc, parts[:-1]), parts[-1] if parts else None
            kind = op["op"]
            if kind == "test":
                if _walk(doc, parts) != op.get("value"):
                    raise PatchError(f"test operation failed at {op['path']}")
            elif kind == "remove":
                del parent[int(last) if isinstance(parent, list) else last]
            elif kind in ("add", "replace"):
                value = copy.deepcopy(op.get("value"))
                if isinstance(parent, list):
                    index = len(parent) if last == "-" else int(last)
                    if kind == "add":
                        parent.insert(index, value)
                    else:
                        parent[index] = value
                else:
                    if kind == "replace" and last not in parent:
                        raise PatchError(f"replace operation does not apply: missing key {op['path']}")
                    parent[last] = value
            else:
                raise PatchError(f"unsupported JSON patch operation {kind!r}")
        except (KeyError, IndexError, ValueError, TypeError) as exc:
            if isinstance(exc, PatchError):
                raise
            raise PatchError(f"invalid JSON patch at {op.get('path')!r}: {exc}") from exc
    return doc


def apply_patch(content_type: str, target: dict[str, Any], body: Any) -> dict[str, Any]:
    if content_type == JSON_PATCH:
        if not isinstance(body, list):
            raise PatchError("json patch must be a list of operations")
        return json_patch(target, body)
    if not isinstance(body, dict):
        raise PatchError("patch body must be a JSON object")
    return merge_patch(target, body, strategic=content_type in (STRATEGIC, APPLY))
