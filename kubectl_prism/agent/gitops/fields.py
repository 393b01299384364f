"""What a step changes in an object, as field edits, and those edits made on a manifest document.

The change is computed by prism, never taken from a model: the live object against the API server's
own dry run of the step (`--dry-run=server -o yaml`). What the server keeps for itself (status,
resourceVersion, managedFields, generation, uid, timestamps, the last-applied and revision
annotations) is not a change to a manifest.

A path is a tuple of keys; an element of a list of named objects (containers, env, ports, volumes)
is addressed by `Named("api")`, so a change to container `api` lands on container `api` of the
manifest whatever the order of the list there. Other lists are replaced whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kubectl_prism.redact.detectors import PLACEHOLDER_PREFIX

# Set by the API server, never by a manifest.
_SERVER_METADATA = frozenset({"resourceVersion", "generation", "managedFields", "uid", "creationTimestamp",
                              "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds"})
_SERVER_ANNOTATIONS = frozenset({"kubectl.kubernetes.io/last-applied-configuration",
                                 "deployment.kubernetes.io/revision"})
MAX_DEPTH = 40  # manifests are shallow; a deeper document is hostile


@dataclass(frozen=True)
class Named:
    """The element of a list of objects whose `name` is `name`."""

    name: str

    def __str__(self) -> str:
        return f"[name={self.name}]"


Key = str | Named
Path = tuple[Key, ...]
_MISSING = object()


@dataclass(frozen=True)
class FieldChange:
    path: Path
    value: Any = None  # the new value (plain data)
    delete: bool = False

    def path_text(self) -> str:
        out = ""
        for key in self.path:
            out += str(key) if isinstance(key, Named) else f".{key}"
        return out.lstrip(".")

    def __str__(self) -> str:
        return f"{self.path_text()}: removed" if self.delete else f"{self.path_text()}: {self.value!r}"


class ChangeProblem(Exception):
    """The change cannot be carried into a manifest (phrased for people)."""


def _named_list(value: Any) -> bool:
    return (isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)
            and all(isinstance(v.get("name"), str) for v in value)
            and len({v["name"] for v in value}) == len(value))


def field_changes(live: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    """The edits that turn `live` into `after` (both whole objects), server-kept fields left out."""
    out: list[FieldChange] = []
    for key in sorted(set(live) | set(after), key=str):
        if key == "status":
            continue
        if key == "metadata":
            _diff(_manifest_metadata(live.get("metadata")), _manifest_metadata(after.get("metadata")),
                  ("metadata",), out, 1)
            continue
        _diff_value(live.get(key, _MISSING), after.get(key, _MISSING), (key,), out, 1)
    for change in out:
        if _has_placeholder(change.value):
            raise ChangeProblem(f"the change to {change.path_text()} holds a value prism redacts: it cannot "
                                "be written into a manifest from here; edit that field by hand")
    return out


def _manifest_metadata(meta: Any) -> dict[str, Any]:
    if not isinstance(meta, dict):
        return {}
    kept = {k: v for k, v in meta.items() if k not in _SERVER_METADATA}
    if isinstance(kept.get("annotations"), dict):
        notes = {k: v for k, v in kept["annotations"].items() if k not in _SERVER_ANNOTATIONS}
        if notes:
            kept["annotations"] = notes
        else:
            kept.pop("annotations")
    return kept


def _diff_value(before: Any, after: Any, path: Path, out: list[FieldChange], depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ChangeProblem("the object is nested too deeply to compare")
    if after is _MISSING:
        if before is not _MISSING:
            out.append(FieldChange(path, delete=True))
        return
    if isinstance(before, dict) and isinstance(after, dict):
        _diff(before, after, path, out, depth)
    elif _named_list(before) and _named_list(after):
        names_before = [v["name"] for v in before]
        names_after = [v["name"] for v in after]
        if set(names_before) != set(names_after):
            out.append(FieldChange(path, after))  # elements added or removed: the list as a whole
            return
        by_name = {v["name"]: v for v in before}
        for element in after:
            _diff(by_name[element["name"]], element, (*path, Named(element["name"])), out, depth + 1)
    elif before != after:
        out.append(FieldChange(path, after))


def _diff(before: dict[str, Any], after: dict[str, Any], path: Path, out: list[FieldChange],
          depth: int) -> None:
    for key in sorted(set(before) | set(after), key=str):
        _diff_value(before.get(key, _MISSING), after.get(key, _MISSING), (*path, key), out, depth + 1)


def _has_placeholder(value: Any) -> bool:
    if isinstance(value, str):
        return PLACEHOLDER_PREFIX in value
    if isinstance(value, dict):
        return any(_has_placeholder(k) or _has_placeholder(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_placeholder(v) for v in value)
    return False


# --- making the edits on a (round-trip) document -----------------------------------------------------
def _child(container: Any, key: Key, create: bool) -> Any:
    if isinstance(key, Named):
        if not isinstance(container, list):
            return None
        for element in container:
            if isinstance(element, dict) and element.get("name") == key.name:
                return element
        if create:
            container.append(_new_map({"name": key.name}))
            return container[-1]
        return None
    if not isinstance(container, dict):
        return None
    if key not in container and create:
        container[key] = _new_map({})
    return container.get(key)


def _new_map(items: dict[str, Any]) -> Any:
    from ruamel.yaml.comments import CommentedMap

    mapping = CommentedMap()
    mapping.update(items)
    return mapping


def defines(doc: Any, path: Path) -> bool:
    """Whether `doc` holds the field at `path` (for a patch: whether it sets that field)."""
    node = doc
    for key in path:
        node = _child(node, key, create=False)
        if node is None:
            return False
    return True


def apply_change(doc: Any, change: FieldChange) -> None:
    """Make `change` on `doc` (a ruamel round-trip document), creating the maps on the way; keys and
    list elements already there keep their place, comments and style."""
    *parents, last = change.path
    node = doc
    for key in parents:
        nxt = _child(node, key, create=not change.delete)
        if nxt is None:
            if change.delete:
                return  # nothing there to remove
            raise ChangeProblem(f"{change.path_text()}: the manifest has something else at "
                                f"{key} than the object has")
        node = nxt
    if change.delete:
        if isinstance(last, Named) and isinstance(node, list):
            node[:] = [e for e in node if not (isinstance(e, dict) and e.get("name") == last.name)]
        elif isinstance(node, dict):
            node.pop(last, None)
        return
    if isinstance(last, Named):  # a whole named element, new in the list
        if not isinstance(node, list):
            raise ChangeProblem(f"{change.path_text()}: the manifest has no list there")
        node.append(change.value)
        return
    if not isinstance(node, dict):
        raise ChangeProblem(f"{change.path_text()}: the manifest has no map there")
    node[last] = change.value
