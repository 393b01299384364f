"""Make field changes on manifest files, keeping their comments, key order, quoting and indentation.

ruamel.yaml's round-trip mode (imported here only, on the `fix --repo` path) loads each file with its
comments and styles; the sequence indentation is read from the file itself (`- ` under its key, or
indented by two), so an untouched line comes back byte for byte. Each change lands in the document
that sets the field: an overlay patch that sets it, else the base resource. The object as the cluster
would get it (base, patches merged, the overlay's name and namespace) is rendered for the server's
dry run.
"""

from __future__ import annotations

import difflib
import io
import json
import re
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from kubectl_prism.agent.gitops.fields import ChangeProblem, FieldChange, apply_change, defines
from kubectl_prism.agent.gitops.locate import DocRef, Location
from kubectl_prism.agent.gitops.repo import GitRepo

_KEY_LINE = re.compile(r"^(\s*)[^\s#-][^:#]*:\s*(#.*)?$")
_DASH_LINE = re.compile(r"^(\s*)- ")


@dataclass
class FileEdit:
    file: str  # relative to the repository root
    before: bytes
    after: bytes
    changes: list[FieldChange]

    def diff(self) -> str:
        old = self.before.decode("utf-8").splitlines(keepends=True)
        new = self.after.decode("utf-8").splitlines(keepends=True)
        return "".join(difflib.unified_diff(old, new, f"a/{self.file}", f"b/{self.file}"))


def _yaml(text: str) -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long line
    mapping, sequence, offset = _indentation(text)
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    yaml.explicit_start = text.lstrip().startswith("---")
    return yaml


def _indentation(text: str) -> tuple[int, int, int]:
    """(mapping indent, sequence indent, dash offset) as the file writes them."""
    lines = text.splitlines()
    mapping = 2
    for a, b in pairwise(lines):
        key, child = _KEY_LINE.match(a), re.match(r"^(\s*)\S", b)
        if key and child and not _DASH_LINE.match(b) and len(child.group(1)) > len(key.group(1)):
            mapping = len(child.group(1)) - len(key.group(1))
            break
    for a, b in pairwise(lines):
        key, dash = _KEY_LINE.match(a), _DASH_LINE.match(b)
        if key and dash:
            offset = len(dash.group(1)) - len(key.group(1))
            if offset >= 0:
                return mapping, offset + 2, offset
    return mapping, mapping, 0


def _has_alias(text: str) -> bool:
    """Whether the YAML uses an alias (`*name`): an alias bomb expands without bound when walked."""
    import yaml

    try:
        return any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError as err:
        raise ChangeProblem(f"the manifest is not readable YAML: {str(err).splitlines()[0][:120]}") from None


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


class Workspace:
    """The files of one location, loaded round-trip, edited in memory, never written to disk."""

    def __init__(self, repo: GitRepo, location: Location) -> None:
        self.repo = repo
        self.location = location
        self._texts: dict[str, str] = {}
        self._docs: dict[str, list[Any]] = {}

    def _load(self, rel: str) -> list[Any]:
        if rel not in self._docs:
            data = (self.repo.root / rel).read_bytes()
            if data != self.repo.head_bytes(rel):
                raise ChangeProblem(f"{rel} has changes that are not committed: commit or stash them first "
                                    "(prism commits on top of HEAD)")
            text = data.decode("utf-8")
            if _has_alias(text):
                raise ChangeProblem(f"{rel} uses YAML anchors and aliases: prism does not edit such a file "
                                    "(one change could land in several places); edit it by hand")
            self._texts[rel] = text
            self._docs[rel] = list(_yaml(text).load_all(text))
        return self._docs[rel]

    def doc(self, ref: DocRef) -> Any:
        docs = self._load(ref.file)
        if ref.index >= len(docs) or not hasattr(docs[ref.index], "get"):
            raise ChangeProblem(f"{ref.file}: document {ref.index + 1} is not an object")
        return docs[ref.index]

    def where(self, change: FieldChange) -> DocRef:
        """The document that sets the field: the last overlay patch that does, else the resource."""
        for patch in reversed(self.location.patches):
            if defines(self.doc(patch), change.path):
                return patch
        return self.location.resource

    def apply(self, changes: list[FieldChange]) -> list[FileEdit]:
        touched: dict[str, list[FieldChange]] = {}
        for change in changes:
            if change.path[:2] in (("metadata", "name"), ("metadata", "namespace")):
                raise ChangeProblem("the step renames or moves the object: GitOps edits keep its identity")
            ref = self.where(change)
            apply_change(self.doc(ref), change)
            touched.setdefault(ref.file, []).append(change)
        edits = []
        for rel, made in touched.items():
            out = io.StringIO()
            _yaml(self._texts[rel]).dump_all(self._docs[rel], out)
            after = out.getvalue()
            if not self._texts[rel].endswith("\n"):
                after = after.rstrip("\n")
            edits.append(FileEdit(rel, self._texts[rel].encode("utf-8"), after.encode("utf-8"), made))
        return edits

    def rendered(self) -> dict[str, Any]:
        """The object as it would reach the cluster: the base with the overlay's patches merged, its
        name and namespace as the overlay sets them (plain data, for the dry run)."""
        obj = _plain(self.doc(self.location.resource))
        for patch in self.location.patches:
            obj = _merge(obj, _plain(self.doc(patch)))
        loc = self.location
        meta = obj.setdefault("metadata", {})
        meta["name"] = loc.identity.name
        if loc.identity.namespace is not None:
            meta["namespace"] = loc.identity.namespace
        return obj


def _merge(base: Any, patch: Any) -> Any:
    """A strategic merge, as far as manifests use it: maps merge, named lists merge by name, any other
    value replaces (a `$patch` directive is not understood: such a patch is refused)."""
    if isinstance(patch, dict) and any(str(k).startswith("$") for k in patch):
        raise ChangeProblem("an overlay patch uses a $patch directive prism does not render")
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for key, value in patch.items():
            merged[key] = _merge(base.get(key), value) if key in base else value
        return merged
    if (isinstance(base, list) and isinstance(patch, list) and patch
            and all(isinstance(e, dict) and "name" in e for e in base + patch)):
        merged_list = list(base)
        for element in patch:
            i = next((n for n, e in enumerate(merged_list) if e["name"] == element["name"]), None)
            if i is None:
                merged_list.append(element)
            else:
                merged_list[i] = _merge(merged_list[i], element)
        return merged_list
    return patch
