"""Find an object's manifest in a git repository: plain YAML files and kustomize overlays.

An object is matched on apiVersion's group, kind, name and namespace, as the cluster knows it. In a
kustomize tree the name and namespace are the ones the overlay produces (`namespace:`, `namePrefix:`,
`nameSuffix:` along the chain of `resources:`), and the overlay's strategic-merge patches that
target the object are found too (`patchesStrategicMerge:`, and `patches:` entries with a `path:`);
a field a patch sets is edited in the patch, every other field in the base resource.

What is read is bounded: tracked files only (`git ls-files`), at most MAX_FILES YAML files of at most
MAX_FILE_BYTES each, kustomizations nested at most MAX_DEPTH deep; remote resources (URLs) are
skipped; every path is confined to the repository (`GitRepo.relative`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from kubectl_prism.agent.gitops.repo import MAX_FILE_BYTES, GitRepo

MAX_FILES = 5000
MAX_DEPTH = 10
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


@dataclass(frozen=True)
class Identity:
    group: str
    kind: str
    name: str
    namespace: str | None

    @classmethod
    def of(cls, doc: dict[str, Any]) -> Identity | None:
        api_version, kind = doc.get("apiVersion"), doc.get("kind")
        meta = doc.get("metadata")
        if not isinstance(api_version, str) or not isinstance(kind, str) or not isinstance(meta, dict):
            return None
        name, namespace = meta.get("name"), meta.get("namespace")
        if not isinstance(name, str):
            return None
        group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
        return cls(group, kind, name, namespace if isinstance(namespace, str) else None)


@dataclass(frozen=True)
class DocRef:
    file: str  # relative to the repository root
    index: int  # the document's position in the file (0-based, empty documents counted)


@dataclass
class Location:
    """Where an object is defined: its resource document, and the overlay patches on top of it."""

    resource: DocRef
    identity: Identity  # as the cluster sees it (after the overlay's name and namespace)
    kustomization: str | None = None  # the overlay's folder (relative), None for a plain file
    patches: list[DocRef] = field(default_factory=list)
    name_prefix: str = ""
    name_suffix: str = ""
    namespace: str | None = None  # set by the overlay

    def files(self) -> list[str]:
        return list(dict.fromkeys([self.resource.file, *(p.file for p in self.patches)]))

    def describe(self) -> str:
        where = f"{self.resource.file} (document {self.resource.index + 1})"
        if self.kustomization is not None:
            where += f" via the kustomization in {self.kustomization or '.'}"
        if self.patches:
            where += ", patched by " + ", ".join(p.file for p in self.patches)
        return where


class Manifests:
    """The YAML documents of the repository's tracked files, read once."""

    def __init__(self, repo: GitRepo) -> None:
        self.repo = repo
        self._docs: dict[str, list[Any] | None] = {}

    def tracked_yaml(self) -> list[str]:
        listed = self.repo.git("ls-files", "-z", "--", "*.yaml", "*.yml", "*Kustomization").stdout
        out: list[str] = []
        for rel in listed.split("\0"):
            if rel and self.repo.relative(self.repo.root / rel) == rel:  # no links out, no CI files
                out.append(rel)
            if len(out) >= MAX_FILES:
                break
        return out

    def documents(self, rel: str) -> list[Any] | None:
        """The file's documents (None when it is not readable YAML or too big)."""
        if rel not in self._docs:
            self._docs[rel] = _load(self.repo.root / rel)
        return self._docs[rel]


def _load(path: Path) -> list[Any] | None:
    import yaml

    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            return None
        # Documents are only looked at for their kind and name here; nothing walks them deeply.
        return list(yaml.safe_load_all(data.decode("utf-8-sig")))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError, ValueError):
        return None


def locate(repo: GitRepo, target: Identity) -> list[Location]:
    """Every place `target` is defined, best first: kustomize overlays that produce exactly it, then
    plain files naming its namespace, then plain files without a namespace."""
    manifests = Manifests(repo)
    files = manifests.tracked_yaml()
    kustomizations = [f for f in files if PurePosixPath(f).name in KUSTOMIZATION_NAMES]
    in_kustomize: set[str] = set()
    found: list[Location] = []
    for kfile in kustomizations:
        for loc in _expand(manifests, str(PurePosixPath(kfile).parent), 0, in_kustomize):
            if _matches(loc.identity, target, exact=True):
                found.append(loc)
    # The outermost overlay wins: drop a location whose overlay is a base of another match.
    found = [loc for loc in found if not any(o is not loc and o.resource == loc.resource
                                             and len(o.patches) > len(loc.patches) for o in found)]
    plain: list[Location] = []
    for rel in files:
        if rel in in_kustomize or PurePosixPath(rel).name in KUSTOMIZATION_NAMES:
            continue
        for i, doc in enumerate(manifests.documents(rel) or []):
            ident = Identity.of(doc) if isinstance(doc, dict) else None
            if ident is not None and _matches(ident, target, exact=False):
                plain.append(Location(DocRef(rel, i), ident))
    plain.sort(key=lambda loc: loc.identity.namespace is None)
    return _unique(found + plain)


def _unique(locations: list[Location]) -> list[Location]:
    seen: set[tuple[DocRef, tuple[DocRef, ...]]] = set()
    out = []
    for loc in locations:
        key = (loc.resource, tuple(loc.patches))
        if key not in seen:
            seen.add(key)
            out.append(loc)
    return out


def _matches(found: Identity, target: Identity, *, exact: bool) -> bool:
    if (found.group, found.kind, found.name) != (target.group, target.kind, target.name):
        return False
    if found.namespace == target.namespace:
        return True
    # A plain manifest without a namespace is applied with `-n`: it can be the object.
    return not exact and found.namespace is None


def _kustomization(manifests: Manifests, folder: str) -> tuple[str, dict[str, Any]] | None:
    for name in KUSTOMIZATION_NAMES:
        rel = str(PurePosixPath(folder, name)) if folder not in ("", ".") else name
        docs = manifests.documents(rel) if manifests.repo.relative(manifests.repo.root / rel) == rel else None
        if docs and isinstance(docs[0], dict):
            return rel, docs[0]
    return None


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _inside(manifests: Manifests, folder: str, entry: str) -> str | None:
    """`entry` of the kustomization in `folder`, relative to the root; None for URLs and paths out."""
    if "://" in entry or entry.startswith(("github.com/", "git@", "gitlab.com/")):
        return None
    joined = os.path.normpath(os.path.join(manifests.repo.root, folder, entry))
    return manifests.repo.relative(joined)


def _expand(manifests: Manifests, folder: str, depth: int, seen_files: set[str]) -> list[Location]:
    """The objects the kustomization in `folder` produces, with their names as it produces them."""
    if depth > MAX_DEPTH:
        return []
    found = _kustomization(manifests, folder)
    if found is None:
        return []
    _, kust = found
    prefix = kust.get("namePrefix") if isinstance(kust.get("namePrefix"), str) else ""
    suffix = kust.get("nameSuffix") if isinstance(kust.get("nameSuffix"), str) else ""
    namespace = kust.get("namespace") if isinstance(kust.get("namespace"), str) else None
    locations: list[Location] = []
    for entry in _strings(kust.get("resources")) + _strings(kust.get("bases")):
        rel = _inside(manifests, folder, entry)
        if rel is None:
            continue
        if (manifests.repo.root / rel).is_dir():
            locations += _expand(manifests, rel, depth + 1, seen_files)
            continue
        seen_files.add(rel)
        for i, doc in enumerate(manifests.documents(rel) or []):
            ident = Identity.of(doc) if isinstance(doc, dict) else None
            if ident is not None:
                locations.append(Location(DocRef(rel, i), ident, folder))
    patch_files = _strings(kust.get("patchesStrategicMerge"))
    patches = kust.get("patches") if isinstance(kust.get("patches"), list) else []
    patch_files += [p["path"] for p in patches if isinstance(p, dict) and isinstance(p.get("path"), str)]
    patch_docs: list[tuple[DocRef, Identity]] = []
    for entry in patch_files:
        rel = _inside(manifests, folder, entry)
        if rel is None:
            continue
        seen_files.add(rel)
        for i, doc in enumerate(manifests.documents(rel) or []):
            ident = Identity.of(doc) if isinstance(doc, dict) else None
            if ident is not None:
                patch_docs.append((DocRef(rel, i), ident))
    for loc in locations:
        # Patches name the object as the bases produce it (before this overlay's prefix and suffix).
        for ref, ident in patch_docs:
            if (ident.group, ident.kind, ident.name) == (loc.identity.group, loc.identity.kind,
                                                        loc.identity.name):
                loc.patches.append(ref)
        loc.identity = Identity(loc.identity.group, loc.identity.kind,
                                prefix + loc.identity.name + suffix, namespace or loc.identity.namespace)
        loc.name_prefix = prefix + loc.name_prefix
        loc.name_suffix = loc.name_suffix + suffix
        loc.namespace = namespace or loc.namespace
        loc.kustomization = folder
    return locations
