"""`--snapshot PATH`: build the snapshot model from saved files instead of a live cluster
(docs/snapshot-format.md).

PATH is a file or a folder. Every `*.json`, `*.yaml` and `*.yml` under it is read (sorted, hidden
folders and files skipped), and so are pod log files (see `dump_logs`). A file may hold one object, a
List (`kind: List`, or `PodList` and friends whose items carry no kind, as the API and
`kubectl cluster-info dump` write them), a multi-document YAML stream, or several JSON documents one
after another — what `kubectl cluster-info dump` prints to stdout, log sections included.

What is loaded is what a live gather would hold: Secrets keep their metadata only (values never enter
the model), an object found twice is kept once (highest resourceVersion), unknown kinds are kept for
whoever understands them, and the kind of an empty typed list (`{"kind": "IngressClassList", "items":
[]}`) is present with no objects, which says "listed, none exist" rather than "not known".
A file that cannot be read is a ClusterAccessError (exit 3) naming the file; so is one that is not a
regular file or is over the size cap (`file_limits`), JSON nested too deeply to parse, and YAML whose
aliases would expand without bound (`snapshot_yaml`).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kubectl_prism.errors import ClusterAccessError
from kubectl_prism.gather.dump_logs import (
    cap_log,
    end_marker_text,
    is_log_file,
    keep_log,
    read_log_file,
    start_marker,
)
from kubectl_prism.gather.file_limits import read_capped
from kubectl_prism.gather.snapshot_yaml import YamlRefused, load_yaml_documents
from kubectl_prism.gather.wellformed import admit
from kubectl_prism.kinds import BY_KIND
from kubectl_prism.snapshot import KubeObject, LogKey, Snapshot

DOCUMENT_SUFFIXES = (".json", ".yaml", ".yml")
_FIX_FILE = "fix or remove the file, or point --snapshot elsewhere"
_WHITESPACE = re.compile(r"\s*")
_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_MAX_LIST_NESTING = 8  # a List of Lists is legal (and rare); a thousand of them is an attack


def load_snapshot_path(path: Path) -> Snapshot:
    """Load every object and pod log under `path` into a Snapshot (source "snapshot")."""
    path = Path(path)
    if not path.exists():
        raise ClusterAccessError(f"snapshot path {path} does not exist", hint="check the --snapshot path")
    documents, log_files = _discover(path)
    if not documents and not log_files:
        raise ClusterAccessError(
            f"no .json, .yaml or .yml files under snapshot path {path}",
            hint="point --snapshot at a `kubectl cluster-info dump --output-directory` folder "
            "or at files saved with `kubectl get ... -o json|yaml`",
        )
    loader = _Loader(path)
    for file in documents:
        loader.load_documents(file, explicit=file == path)
    for file, namespace, pod in log_files:
        loader.load_logs(file, namespace, pod)
    if not loader.objects and not loader.logs and not loader.snapshot.gaps:
        raise ClusterAccessError(
            f"no Kubernetes objects found under snapshot path {path}",
            hint="the files are empty; save objects with `kubectl get ... -o json`",
        )
    snapshot = loader.snapshot  # holds the gaps of malformed objects already
    for kind in sorted(loader.listed):
        # an empty typed list still says "listed, none there" (analyzers tell missing from unknown)
        snapshot.objects.setdefault(kind, [])
    snapshot.add_all(loader.objects.values())
    snapshot.logs = loader.logs
    return snapshot


LogFile = tuple[Path, str | None, str | None]  # the file, and the namespace and pod its folders name


def _discover(path: Path) -> tuple[list[Path], list[LogFile]]:
    if not path.is_dir():  # a file named on the command line (the reader refuses pipes and devices)
        return ([], [(path, None, None)]) if is_log_file(path.name) else ([path], [])
    documents: list[Path] = []
    logs: list[LogFile] = []

    def fail(err: OSError) -> None:
        raise ClusterAccessError(f"cannot read snapshot folder {err.filename}: {err.strerror or err}")

    root = str(path)
    for folder, dirs, files in os.walk(root, onerror=fail):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        rel = os.path.relpath(folder, root).split(os.sep)
        namespace, pod = (rel[-2], rel[-1]) if len(rel) >= 2 and rel[0] != "." else (None, None)
        for name in sorted(files):
            if name.startswith("."):
                continue
            if name.endswith(DOCUMENT_SUFFIXES):
                documents.append(Path(folder, name))
            elif is_log_file(name):
                logs.append((Path(folder, name), namespace, pod))
    return documents, logs


def _bad(file: Path, problem: str) -> ClusterAccessError:
    one_line = " ".join(problem.split())  # parser messages may span lines; errors are one line
    return ClusterAccessError(f"cannot load snapshot file {file}: {one_line}", hint=_FIX_FILE)


class _Loader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.snapshot = Snapshot(source="snapshot")
        # (kind, namespace, name) -> object; objects without a name get a key of their own
        self.objects: dict[tuple[str, str | None, str | int], KubeObject] = {}
        self.logs: dict[LogKey, str] = {}
        self.listed: set[str] = set()  # kinds of typed lists read (`PodList` -> Pod), empty ones too

    # --- files ----------------------------------------------------------------------------------
    def load_documents(self, file: Path, explicit: bool) -> None:
        text = _read_text(file)
        suffix = file.suffix.lower()
        if suffix not in DOCUMENT_SUFFIXES and explicit:
            # a file named on the command line, e.g. `cluster-info dump > dump.txt`: look at it
            suffix = ".json" if text.lstrip()[:1] in ("{", "[", "=") else ".yaml"
        docs = self._json_documents(file, text) if suffix == ".json" else _yaml_documents(file, text)
        for index, doc in enumerate(docs, 1):
            self._add_document(file, index, doc)

    def _shown(self, file: Path) -> str:
        """The file as a gap names it: relative to the snapshot folder (no home folders in outputs)."""
        try:
            return str(file.relative_to(self.root)) if file != self.root else file.name
        except ValueError:
            return file.name

    def load_logs(self, file: Path, namespace: str | None, pod: str | None) -> None:
        try:
            self.logs.update(read_log_file(file, namespace, pod))
        except OSError as err:
            raise _bad(file, err.strerror or str(err)) from err

    def _json_documents(self, file: Path, text: str) -> Iterator[Any]:
        """JSON documents one after another; `cluster-info dump` to stdout puts log sections between."""
        decoder = json.JSONDecoder()
        pos, end = 0, len(text)
        while True:
            pos = _WHITESPACE.match(text, pos).end()  # type: ignore[union-attr]
            if pos >= end:
                return
            if text.startswith("==== START ", pos):
                after = self._log_section(text, pos)
                if after is not None:
                    pos = after
                    continue
            try:
                doc, pos = decoder.raw_decode(text, pos)
            except json.JSONDecodeError as err:
                where = f"line {err.lineno}, column {err.colno}"
                raise _bad(file, f"invalid JSON at {where}: {err.msg}") from None
            except RecursionError:  # the decoder recurses per level, up to the interpreter's limit
                raise _bad(file, "invalid JSON: nested too deeply to load") from None
            yield doc

    def _log_section(self, text: str, pos: int) -> int | None:
        """Keep the log section starting at `pos`; the position after it, or None if it is no marker."""
        line_end = text.find("\n", pos)
        line_end = len(text) if line_end < 0 else line_end + 1
        marker = start_marker(text[pos:line_end])
        if marker is None:  # not a marker: the JSON parser reports the line
            return None
        namespace, pod, container, previous = marker
        closing = end_marker_text(namespace, pod, container, previous)
        stop = text.find(closing, line_end)
        stop = len(text) if stop < 0 else stop
        keep_log(self.logs, LogKey(namespace, pod, container, previous), cap_log(text[line_end:stop]))
        return stop + len(closing)

    # --- documents ------------------------------------------------------------------------------
    def _add_document(self, file: Path, index: int, doc: Any) -> None:
        if doc is None:  # an empty YAML document (`---` with nothing after it)
            return
        if not isinstance(doc, dict):
            raise _bad(file, f"document {index} is {_a(doc)}, not a Kubernetes object")
        kind = doc.get("kind")
        if not kind or not isinstance(kind, str):
            raise _bad(file, f"document {index}{_named(doc)} has no kind")
        if kind.endswith("List"):
            self._add_list(file, index, doc, kind)
        else:
            self._add_object(file, index, doc)

    def _add_list(self, file: Path, index: int, doc: KubeObject, kind: str, depth: int = 1) -> None:
        if depth > _MAX_LIST_NESTING:
            raise _bad(file, f"document {index} nests Lists in Lists more than {_MAX_LIST_NESTING} deep")
        items = doc.get("items") or []
        if not isinstance(items, list):
            raise _bad(file, f"document {index} is a {kind} whose items are not a list")
        # Items of typed lists (`PodList`) carry no kind or apiVersion: the list says what they are.
        item_kind = kind[: -len("List")] or None
        if item_kind:
            self.listed.add(item_kind)
        for number, item in enumerate(items, 1):
            if not isinstance(item, dict):
                raise _bad(file, f"item {number} of the {kind} in document {index} is {_a(item)}")
            if not item.get("kind"):
                if item_kind is None:
                    item_name = f"item {number}{_named(item)}"
                    raise _bad(file, f"{item_name} of the List in document {index} has no kind")
                item["kind"] = item_kind
                if not item.get("apiVersion") and doc.get("apiVersion"):
                    item["apiVersion"] = doc["apiVersion"]
            if not isinstance(item["kind"], str):
                raise _bad(file, f"item {number} of the {kind} in document {index}: kind is not text")
            if item["kind"].endswith("List"):
                self._add_list(file, index, item, item["kind"], depth + 1)
            else:
                self._add_object(file, index, item)

    def _add_object(self, file: Path, index: int, obj: KubeObject) -> None:
        kind = obj["kind"]
        metadata = obj.get("metadata")
        if metadata is None:
            metadata = {}
        elif not isinstance(metadata, dict):
            raise _bad(file, f"document {index}: metadata of the {kind} is not a mapping")
        if not obj.get("apiVersion") and kind in BY_KIND:
            obj["apiVersion"] = BY_KIND[kind].api_version
        if kind == "Secret":
            _strip_secret(obj, metadata)
        name, namespace = metadata.get("name"), metadata.get("namespace")
        if not isinstance(name, str | None) or not isinstance(namespace, str | None):
            # not even a name for a gap: the file is what is broken
            raise _bad(file, f"document {index}: metadata.name and .namespace of the {kind} must be text")
        if not admit(self.snapshot, (obj,), f" in {self._shown(file)}"):
            return  # a gap naming the object, and the rest goes on
        key = (kind, namespace or None, name if name else len(self.objects))
        existing = self.objects.get(key)
        if existing is None or _resource_version(obj) > _resource_version(existing):
            self.objects[key] = obj


def _strip_secret(obj: KubeObject, metadata: dict[str, Any]) -> None:
    """Secret values never enter the model: drop them, and the copy `kubectl apply` keeps."""
    obj.pop("data", None)
    obj.pop("stringData", None)
    annotations = metadata.get("annotations")
    if isinstance(annotations, dict):
        annotations.pop(_LAST_APPLIED, None)


def _resource_version(obj: KubeObject) -> int:
    value = str((obj.get("metadata") or {}).get("resourceVersion") or "")
    return int(value) if value.isdigit() else -1


def _read_text(file: Path) -> str:
    try:
        data = read_capped(file)
    except OSError as err:
        raise _bad(file, err.strerror or str(err)) from err
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # PowerShell's `>` writes UTF-16 with a BOM
            return data.decode("utf-16")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise _bad(file, f"not UTF-8 text (byte {err.start})") from None


def _yaml_documents(file: Path, text: str) -> list[Any]:
    import yaml  # slow to import: only when a YAML file is there

    try:
        return load_yaml_documents(text)
    except YamlRefused as err:
        raise _bad(file, str(err)) from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = err.problem or err.context or "malformed"
        raise _bad(file, f"invalid YAML{where}: {problem}") from None
    except yaml.YAMLError as err:  # e.g. a ReaderError: a character YAML does not allow
        where = f" at character {err.position}" if isinstance(getattr(err, "position", None), int) else ""
        raise _bad(file, f"invalid YAML{where}: {getattr(err, 'reason', None) or err}") from None


def _a(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return f"a {type(value).__name__}"


def _named(obj: KubeObject) -> str:
    metadata = obj.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return f" ({name})" if name else ""
