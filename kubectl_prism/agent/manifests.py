"""The second half of classifying `kubectl apply|replace|delete -f FILE`: what the manifest holds.

`classify` cannot see inside a file (it is pure), so a `-f` step comes back with `files` set and
`manifest` empty, and the executor refuses it. The caller reads the files and hands their bytes to
`check_manifests`, which applies the same rules to every object in them (kinds prism knows, no RBAC,
no Secret data, the scope's namespace, nothing cluster-scoped from a namespace scope, no protected
deletes) and returns a decision that holds those exact bytes. The executor then feeds the bytes to
kubectl on stdin (`--filename=-`), so what was checked and previewed is what runs, even if the file
changes on disk afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubectl_prism.agent.command import valid_namespace, valid_object_name
from kubectl_prism.agent.decision import Category, Decision, ObjectRef, _make
from kubectl_prism.agent.resources import BUILTIN, PROTECTED_FROM_DELETE, RBAC_GROUP, ResourceType

MAX_MANIFEST_BYTES = 1024 * 1024
MAX_OBJECTS = 200


class ManifestProblem(Exception):
    def __init__(self, rule: str, reason: str) -> None:
        super().__init__(reason)
        self.rule = rule
        self.reason = reason


def check_manifests(decision: Decision, contents: Mapping[str, bytes]) -> Decision:
    """Classify the objects of a `-f` step; `contents` maps each of `decision.files` to its bytes."""
    if not isinstance(decision, Decision):
        raise TypeError("check_manifests takes a Decision from classify()")
    if not decision.needs_manifest_check:
        raise ValueError("this decision has no unchecked manifest")
    if set(contents) != set(decision.files):
        raise ValueError(f"contents must hold exactly the step's files: {', '.join(decision.files)}")
    try:
        data = b"\n---\n".join(contents[f] for f in decision.files)
        if len(data) > MAX_MANIFEST_BYTES:
            raise ManifestProblem("manifest-unreadable", f"the manifest is larger than "
                                  f"{MAX_MANIFEST_BYTES // 1024} KiB")
        objects = [_check_object(decision, obj) for obj in _documents(data)]
        if not objects:
            raise ManifestProblem("manifest-unreadable", "the manifest holds no objects")
    except ManifestProblem as problem:
        return _make(decision.argv, decision.scope, Category.REJECTED, problem.rule, problem.reason,
                     verb=decision.verb, files=decision.files)
    shown = ", ".join(str(o) for o in objects[:5])
    if len(objects) > 5:
        shown += f" and {len(objects) - 5} more"
    return _make(decision.argv, decision.scope, decision.category, decision.rule,
                 f"{decision.reason} ({shown})", verb=decision.verb, namespace=decision.namespace,
                 objects=tuple(objects), resources=tuple(dict.fromkeys(o.resource for o in objects)),
                 by_selector=decision.by_selector, selector=decision.selector, files=decision.files,
                 manifest=data, argv_without_files=decision.argv_without_files)


def _documents(data: bytes) -> list[dict[str, Any]]:
    import yaml

    try:
        text = data.decode("utf-8")
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except (UnicodeDecodeError, yaml.YAMLError, RecursionError, ValueError) as err:
        raise ManifestProblem("manifest-unreadable", f"the manifest is not readable YAML: "
                              f"{str(err).splitlines()[0][:120]}") from None
    objects: list[dict[str, Any]] = []
    for doc in docs:
        if not isinstance(doc, dict):
            raise ManifestProblem("manifest-unreadable", "a manifest document is not a Kubernetes object")
        if str(doc.get("kind", "")).endswith("List") and isinstance(doc.get("items"), list):
            objects.extend(doc["items"])
        else:
            objects.append(doc)
        if len(objects) > MAX_OBJECTS:
            raise ManifestProblem("manifest-unreadable",
                                  f"the manifest holds more than {MAX_OBJECTS} objects")
    return objects


def _type_of(obj: dict[str, Any]) -> ResourceType:
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        raise ManifestProblem("manifest-unreadable", "an object without apiVersion and kind")
    group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
    for rtype in BUILTIN:
        if rtype.kind == kind and rtype.group == group:
            return rtype
    raise ManifestProblem("unknown-resource", f"{kind} ({api_version}) is not a built-in kind: prism only "
                          "writes kinds it knows")


def _check_object(decision: Decision, obj: Any) -> ObjectRef:
    if not isinstance(obj, dict):
        raise ManifestProblem("manifest-unreadable", "a manifest item is not a Kubernetes object")
    rtype = _type_of(obj)
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    name, namespace = meta.get("name"), meta.get("namespace")
    if not isinstance(name, str) or not valid_object_name(name):
        raise ManifestProblem("bad-name", f"{rtype.kind} without a valid metadata.name")
    label = f"{rtype.kind.lower()}/{name}"
    deleting = decision.verb == "delete"
    if rtype.group == RBAC_GROUP:
        raise ManifestProblem("rbac-write", f"{label} is RBAC: prism never changes who may do what")
    if rtype.kind == "Secret" and not deleting:
        raise ManifestProblem("secret-write", f"{label}: prism never writes Secret data")
    if deleting and rtype.name in PROTECTED_FROM_DELETE:
        raise ManifestProblem("protected-delete", f"deleting {label} takes everything in it along")
    scope_ns = decision.scope.namespace
    if not rtype.namespaced:
        if scope_ns is not None:
            raise ManifestProblem("cluster-write-from-namespace", f"{label} is cluster-scoped; the scope is "
                                  f"namespace {scope_ns}")
        return ObjectRef(rtype.name, name, rtype.kind, None)
    if namespace is not None:
        if not isinstance(namespace, str) or not valid_namespace(namespace):
            raise ManifestProblem("bad-name", f"{label} has an invalid metadata.namespace")
        if scope_ns is not None and namespace != scope_ns:
            raise ManifestProblem("other-namespace", f"{label} is in namespace {namespace}, outside the "
                                  f"scope (namespace {scope_ns})")
        if decision.namespace is not None and namespace != decision.namespace:
            raise ManifestProblem("other-namespace", f"{label} is in namespace {namespace}, but the step "
                                  f"runs in namespace {decision.namespace} (add -n {namespace})")
    return ObjectRef(rtype.name, name, rtype.kind, namespace or decision.namespace)
