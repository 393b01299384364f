"""Write objects and logs in the exact layout of `kubectl cluster-info dump --output-directory=DIR -A`.

So a scenario can be fed through `--snapshot` the way a user's real dump is. What kubectl does, and
so what this does (staging/src/k8s.io/kubectl/pkg/cmd/clusterinfo/clusterinfo_dump.go):
- `nodes.json`, then per namespace `events`, `replication-controllers`, `services`, `daemonsets`,
  `deployments`, `replicasets`, `pods` `.json` — every file written, empty lists included;
- typed lists (`PodList`, apiVersion of the kind) whose items carry no kind/apiVersion, printed by
  Go's `json.MarshalIndent(obj, "", "    ")` plus a newline (so `<`, `>`, `&` are `\\u003c`...);
- `<ns>/<pod>/logs.txt`: init containers then containers, each between START/END marker lines, the END
  marker written right after the log bytes.
Kinds kubectl does not dump go where a snapshot's extra files are read (docs/snapshot-format.md):
`<ns>/<plural>.json` or `<plural>.json` for cluster-scoped kinds, written as `kubectl get <plural> -o json`
writes them (a `kind: List` of complete items, keys sorted, since kubectl prints those through unstructured
maps).
Previous logs go to `<ns>/<pod>/logs-previous.txt` in the same format (prism's convention; real
dumps have none).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from kubectl_prism.kinds import BY_KIND

# kubectl's own files per namespace, in the order it writes them, and their file names.
DUMP_FILES: dict[str, str] = {
    "Event": "events",
    "ReplicationController": "replication-controllers",
    "Service": "services",
    "DaemonSet": "daemonsets",
    "Deployment": "deployments",
    "ReplicaSet": "replicasets",
    "Pod": "pods",
}
LogEntry = tuple[str, str, str, bool, str]  # namespace, pod, container, previous, text


def write_as_cluster_dump(
    source: Any,
    logs: Any = None,
    directory: str | os.PathLike[str] | None = None,
    *,
    log_errors: Mapping[tuple[str, str, str], str] | None = None,
    namespaces: Iterable[str] = (),
    listed_kinds: Iterable[str] = (),
) -> Path:
    """Write `source` (a Scenario-like object with .objects/.logs, or a list of objects) as a dump.

    Called as `write_as_cluster_dump(scenario, directory)` or `(objects, logs, directory)`. `logs` is a
    list of `{namespace, pod, container, previous, text}` mappings (or objects with those attributes)
    or a mapping from LogKey to text. `log_errors` maps (namespace, pod, container) to the text of
    kubectl's "Request log error" for containers whose log could not be fetched (a waiting container).
    `namespaces` adds namespaces that hold nothing kubectl dumps (it still writes their empty lists).
    `listed_kinds` are extra kinds to write even when there is none (as an empty typed list, since an
    empty `kind: List` cannot say which kind it lists), so the dump says "none exist" as a live list does.
    """
    if directory is None:
        if logs is None:
            raise TypeError("write_as_cluster_dump needs a directory")
        directory, logs = logs, None
    objects = list(getattr(source, "objects", source))
    if logs is None:
        logs = getattr(source, "logs", None)
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    entries = list(_log_entries(logs))

    by_kind: dict[str, list[dict[str, Any]]] = {}
    # the API server lists objects in storage-key order: by namespace, then name
    for obj in sorted(objects, key=lambda o: (_ns(o) or "", (o.get("metadata") or {}).get("name", ""))):
        by_kind.setdefault(obj["kind"], []).append(obj)

    _write_list(root / "nodes.json", "Node", by_kind.pop("Node", []))
    all_namespaces = sorted(set(_namespaces(objects, entries)) | set(namespaces))
    for ns in all_namespaces:
        for kind, file in DUMP_FILES.items():
            _write_list(root / ns / f"{file}.json", kind, _in(by_kind.get(kind, []), ns))
    for kind in listed_kinds:
        if kind not in by_kind and kind not in DUMP_FILES:
            info = BY_KIND.get(kind)
            folders = all_namespaces if info is not None and info.namespaced else [""]
            for ns in folders:
                _write_list(root / ns / f"{_file_stem(kind)}.json", kind, [])
    for kind, items in by_kind.items():
        if kind in DUMP_FILES:
            continue
        cluster_scoped = [o for o in items if not _ns(o)]  # also objects of kinds we do not know
        if cluster_scoped:
            _write_get_list(root / f"{_file_stem(kind)}.json", cluster_scoped)
        for ns in sorted({_ns(o) for o in items if _ns(o)}):
            _write_get_list(root / ns / f"{_file_stem(kind)}.json", _in(items, ns))
    _write_logs(root, by_kind.get("Pod", []), entries, log_errors or {})
    return root


def _file_stem(kind: str) -> str:
    info = BY_KIND.get(kind)
    if info is None:
        return kind.lower() + "s"
    if info.group == "metrics.k8s.io":
        return info.resource  # PodMetrics are "pods" too: pods.metrics.k8s.io.json, not pods.json
    return info.plural


def go_json(data: Any, sort_keys: bool = False) -> str:
    """JSON as Go's json.MarshalIndent writes it with kubectl's 4-space indent."""
    text = json.dumps(data, indent=4, ensure_ascii=False, sort_keys=sort_keys)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n"


def _write_list(path: Path, kind: str, items: list[dict[str, Any]]) -> None:
    info = BY_KIND.get(kind)
    api_version = info.api_version if info else (items[0].get("apiVersion", "v1") if items else "v1")
    stamps = [str(o.get("metadata", {}).get("resourceVersion", "")) for o in items]
    versions = [int(v) for v in stamps if v.isdigit()]
    bare = []
    for obj in items:
        if obj.get("apiVersion", api_version) == api_version:
            # typed lists drop the items' type fields; the loader infers them back from the list
            obj = {k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}
        bare.append(obj)
    document = {
        "kind": f"{kind}List",
        "apiVersion": api_version,
        "metadata": {"resourceVersion": str(max(versions, default=1) + 1)},
        "items": bare,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(go_json(document), encoding="utf-8")


def _write_get_list(path: Path, items: list[dict[str, Any]]) -> None:
    document = {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(go_json(document, sort_keys=True), encoding="utf-8")


def _write_logs(
    root: Path,
    pods: list[dict[str, Any]],
    entries: list[LogEntry],
    log_errors: Mapping[tuple[str, str, str], str],
) -> None:
    texts = {(ns, pod, c, prev): text for ns, pod, c, prev, text in entries}
    containers: dict[tuple[str, str], list[str]] = {}
    for pod in pods:
        spec = pod.get("spec", {})
        names = [c["name"] for c in spec.get("initContainers", []) + spec.get("containers", [])]
        containers[(_ns(pod), pod["metadata"]["name"])] = names
    for ns, pod, container, _prev, _text in entries:  # logs of pods the objects do not hold
        names = containers.setdefault((ns, pod), [])
        if container not in names:
            names.append(container)
    for (ns, pod), names in containers.items():
        current = "".join(
            _section(ns, pod, c, texts.get((ns, pod, c, False), _fetch_error(log_errors, ns, pod, c)))
            for c in names
        )
        (root / ns / pod).mkdir(parents=True, exist_ok=True)
        (root / ns / pod / "logs.txt").write_text(current, encoding="utf-8")
        previous = [c for c in names if (ns, pod, c, True) in texts]
        if previous:
            body = "".join(_section(ns, pod, c, texts[(ns, pod, c, True)]) for c in previous)
            (root / ns / pod / "logs-previous.txt").write_text(body, encoding="utf-8")


def _section(ns: str, pod: str, container: str, text: str) -> str:
    return (
        f"==== START logs for container {container} of pod {ns}/{pod} ====\n"
        f"{text}"
        f"==== END logs for container {container} of pod {ns}/{pod} ====\n"
    )


def _fetch_error(log_errors: Mapping[tuple[str, str, str], str], ns: str, pod: str, container: str) -> str:
    error = log_errors.get((ns, pod, container))
    return f"Request log error: {error}\n" if error else ""


def _log_entries(logs: Any) -> Iterable[LogEntry]:
    if not logs:
        return
    if isinstance(logs, Mapping):
        for key, text in logs.items():
            yield key.namespace, key.pod, key.container, bool(key.previous), text
        return
    for entry in logs:
        get = entry.get if isinstance(entry, Mapping) else lambda k, d=None, e=entry: getattr(e, k, d)
        yield get("namespace"), get("pod"), get("container"), bool(get("previous", False)), get("text", "")


def _namespaces(objects: list[dict[str, Any]], entries: list[LogEntry]) -> list[str]:
    names = {o["metadata"]["name"] for o in objects if o["kind"] == "Namespace"}
    names |= {ns for o in objects if (ns := _ns(o))}
    names |= {e[0] for e in entries}
    return sorted(names)


def _ns(obj: dict[str, Any]) -> str | None:
    return (obj.get("metadata") or {}).get("namespace")


def _in(items: list[dict[str, Any]], ns: str) -> list[dict[str, Any]]:
    return [o for o in items if _ns(o) == ns]
