"""The in-memory model of a (part of a) cluster that every analyzer, renderer and AI path reads.

Both sources — live gathering and `--snapshot` files — build this same model, so nothing downstream
knows where the data came from. Objects are kept as the raw JSON dicts the API server returns (with
`kind` and `apiVersion` filled in): reading raw JSON is much cheaper than building client models, and
it is exactly what analyzers and redaction need.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from kubectl_prism.kinds import Target

KubeObject = dict[str, Any]

# How deep a walk over a whole object (trimming, redaction) goes. Kubernetes' own kinds nest about 15
# levels; the JSON and YAML parsers allow about 1,000, deeper than Python's recursion (and JSON/YAML
# output) survives. Below this depth a walk puts NESTING_CUT in place of what it does not enter.
MAX_NESTING = 100
NESTING_CUT = f"[cut: nested deeper than {MAX_NESTING} levels]"


@dataclass(frozen=True)
class Gap:
    """Something the gatherer could not read, said plainly in every output."""

    resource: str  # "pods/log", "secrets", "metrics.k8s.io"
    namespace: str | None
    reason: str  # "forbidden", "not found", "unavailable", ...

    def to_dict(self) -> dict[str, Any]:
        return {"resource": self.resource, "namespace": self.namespace, "reason": self.reason}

    def line(self) -> str:
        where = f" in {self.namespace}" if self.namespace else ""
        return f"could not read {self.resource}{where}: {self.reason}"


@dataclass(frozen=True)
class LogKey:
    namespace: str
    pod: str
    container: str
    previous: bool = False


def meta(obj: KubeObject) -> dict[str, Any]:
    return obj.get("metadata") or {}


def name_of(obj: KubeObject) -> str:
    return meta(obj).get("name", "")


def namespace_of(obj: KubeObject) -> str | None:
    return meta(obj).get("namespace")


@dataclass
class Snapshot:
    source: str = "snapshot"  # "live" | "snapshot"
    context: str | None = None
    namespace: str | None = None  # None: every namespace (or a cluster-scoped target)
    target: Target | None = None
    objects: dict[str, list[KubeObject]] = field(default_factory=lambda: defaultdict(list))
    logs: dict[LogKey, str] = field(default_factory=dict)
    gaps: list[Gap] = field(default_factory=list)
    _index: dict[str, dict[tuple[str | None, str], KubeObject]] | None = field(default=None, repr=False)

    # --- building -------------------------------------------------------------------------------
    def add(self, obj: KubeObject) -> None:
        kind = obj.get("kind")
        if not kind:
            raise ValueError("object without kind")
        self.objects.setdefault(kind, []).append(obj)
        self._index = None

    def add_all(self, objs: Iterable[KubeObject]) -> None:
        for obj in objs:
            self.add(obj)

    def add_gap(self, resource: str, namespace: str | None, reason: str) -> None:
        gap = Gap(resource, namespace, reason)
        if gap not in self.gaps:
            self.gaps.append(gap)

    # --- reading --------------------------------------------------------------------------------
    def of_kind(self, kind: str, namespace: str | None = None) -> list[KubeObject]:
        items = self.objects.get(kind, [])
        if namespace is None:
            return list(items)
        return [o for o in items if namespace_of(o) == namespace]

    def get(self, kind: str, namespace: str | None, name: str) -> KubeObject | None:
        # Indexed by kind, each kind when first asked for: lookups go to a few kinds (owners, referenced
        # ConfigMaps and Secrets), never to the events, which are most of a cluster's objects.
        if self._index is None:
            self._index = {}
        by_name = self._index.get(kind)
        if by_name is None:
            objs = self.objects.get(kind, ())
            by_name = self._index[kind] = {(namespace_of(o), name_of(o)): o for o in objs}
        return by_name.get((namespace, name))

    def log(self, namespace: str, pod: str, container: str, previous: bool = False) -> str | None:
        return self.logs.get(LogKey(namespace, pod, container, previous))

    def events_for(self, kind: str, namespace: str | None, name: str) -> list[KubeObject]:
        """Events whose involvedObject (core/v1) or regarding (events.k8s.io) is this object."""
        out = []
        for ev in self.objects.get("Event", []):
            ref = ev.get("involvedObject") or ev.get("regarding") or {}
            if ref.get("kind") == kind and ref.get("name") == name and (
                namespace is None or ref.get("namespace", namespace_of(ev)) == namespace
            ):
                out.append(ev)
        return out

    def namespaces(self) -> list[str]:
        seen = {namespace_of(o) for objs in self.objects.values() for o in objs}
        return sorted(n for n in seen if n)

    def counts(self) -> dict[str, int]:
        return {kind: len(objs) for kind, objs in sorted(self.objects.items()) if objs}

    def __iter__(self) -> Iterator[KubeObject]:
        for objs in self.objects.values():
            yield from objs
