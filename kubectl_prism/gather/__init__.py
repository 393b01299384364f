"""Cluster context: the only code that talks to the API server or reads a snapshot (docs/snapshot-format.md).

`gather_scope` is the single entry point for commands: it picks the source (`--snapshot PATH` or the
live cluster of the kubeconfig), works out the scope (target, `-n`, the context's namespace, `-A`)
and returns the same Snapshot model either way.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from kubectl_prism.errors import UsageError
from kubectl_prism.gather.turns import Turns
from kubectl_prism.kinds import Target
from kubectl_prism.options import GlobalOptions
from kubectl_prism.snapshot import Snapshot

__all__ = ["check_something_was_readable", "gather_scope", "paused_gc", "resolve_namespace"]

# From this many objects on, a gathered snapshot is frozen out of the cyclic garbage collector.
FREEZE_FROM_OBJECTS = 1_000


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while building a snapshot.

    Parsed JSON has no reference cycles, but the collector keeps re-scanning the growing heap of
    dicts while big lists are parsed: pausing it makes gathering 10,000 pods ~1.5x faster.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _freeze_if_big(snapshot: Snapshot) -> None:
    """Take a big snapshot out of the cyclic collector's sight (`gc.freeze`) for the rest of the process.

    Parsed JSON holds no reference cycles, so only reference counting ever frees it (and still does
    once it is dropped). Left to the collector, its ~500,000 dicts at 10,000 pods are traversed again
    by every full collection the analyzers' allocations trigger (~1 s) and by the interpreter's exit
    (~1.5 s). The price: cyclic garbage that exists right now (a few dozen objects after a gather,
    which runs with the collector paused) and objects alive now that later die in a cycle are never
    collected — nothing for a command that ends after one snapshot. Small snapshots, whose collections
    are cheap, are left alone.
    """
    if sum(len(objs) for objs in snapshot.objects.values()) >= FREEZE_FROM_OBJECTS:
        gc.freeze()


def resolve_namespace(g: GlobalOptions) -> str | None:
    """The namespace of the scope: `-n`, else the context's namespace; None for `-A` or a whole snapshot.

    For a live cluster this reads the kubeconfig (and may run its credential plugin).
    """
    if g.all_namespaces:
        return None
    if g.namespace:
        return g.namespace
    if g.snapshot is not None:
        return None  # a snapshot has no "current namespace": without -n it is analyzed whole
    from kubectl_prism.gather.kubeconfig import resolve_connection

    return resolve_connection(g.kubeconfig, g.context).namespace


def gather_scope(g: GlobalOptions, target: Target | None, *, deadline: float | None = None,
                 keep_process: bool = False, turns: Turns | None = None) -> Snapshot:
    """The snapshot for a command's scope, from `--snapshot` or from the live cluster.

    `deadline`: a `time.monotonic()` at which reading the cluster ends (fleet runs, the exporter).
    `keep_process`: the caller goes on after this snapshot (fleet runs, the exporter), so it is not
    frozen out of the garbage collector for the rest of the process. `turns`: a fleet run's (gather/turns.py).
    """
    if g.namespace:
        from kubectl_prism.names import check_namespace

        check_namespace(g.namespace)  # before anything is read: a bad name is a usage error, not a request
    if target is not None and target.info.namespaced and g.all_namespaces:
        raise UsageError("a resource cannot be retrieved by name across all namespaces",
                         hint=f"use -n NAMESPACE with {target}")
    with paused_gc():
        if g.snapshot is not None:
            snapshot = _from_snapshot(g, target)
        else:
            snapshot = _from_cluster(g, target, deadline, turns)
        if not keep_process:
            _freeze_if_big(snapshot)
    return snapshot


def _from_cluster(g: GlobalOptions, target: Target | None, deadline: float | None = None,
                  turns: Turns | None = None) -> Snapshot:
    from kubectl_prism.gather.kubeconfig import resolve_connection
    from kubectl_prism.gather.live import gather_live
    from kubectl_prism.gather.scope import GatherScope

    conn = resolve_connection(g.kubeconfig, g.context)
    namespace = None if g.all_namespaces else (g.namespace or conn.namespace)
    if target is not None and not target.info.namespaced:
        namespace = None  # node/x, ns/x: -n does not apply (as in kubectl)
    # A fleet run's per-context deadline bounds the whole gather (requests still running then are cut
    # and become gaps), on top of --request-timeout for each request.
    snapshot = gather_live(conn, GatherScope(namespace, target), request_timeout=g.request_timeout,
                           deadline=deadline, turns=turns)
    snapshot.source, snapshot.context, snapshot.target = "live", conn.context, target
    if target is not None and target.kind == "Namespace":
        snapshot.namespace = target.name
    return snapshot


def _from_snapshot(g: GlobalOptions, target: Target | None) -> Snapshot:
    from kubectl_prism.gather.scope import restrict
    from kubectl_prism.gather.snapshot_files import load_snapshot_path

    assert g.snapshot is not None
    loaded = load_snapshot_path(g.snapshot)
    namespace = None if g.all_namespaces else g.namespace
    if target is not None and not target.info.namespaced:
        namespace = None
    if target is None and namespace is not None:
        _check_snapshot_namespace(loaded, namespace, g.snapshot)
    _slim_all(loaded)
    snapshot = restrict(loaded, target, namespace, source_label=f" in snapshot {g.snapshot}")
    snapshot.source, snapshot.context, snapshot.target = "snapshot", loaded.context, target
    return snapshot


def _slim_all(snapshot: Snapshot) -> None:
    """What no analyzer needs and nothing may leak goes at once (`rules.slim`), as for live objects."""
    from kubectl_prism.gather.rules import slim

    for kind, objs in snapshot.objects.items():
        snapshot.objects[kind] = [slim(obj) for obj in objs]


def _check_snapshot_namespace(loaded: Snapshot, namespace: str, path: object) -> None:
    """`-n` naming a namespace the snapshot knows nothing of is an error (exit 3), not an all-clear."""
    from kubectl_prism.errors import ClusterAccessError
    from kubectl_prism.names import DNS1123_LABEL
    from kubectl_prism.snapshot import name_of

    namespaces = {*loaded.namespaces(), *map(name_of, loaded.of_kind("Namespace"))}
    if namespace in namespaces:
        return
    known = sorted(n for n in namespaces if DNS1123_LABEL.matches(n))
    listed = ", ".join(known[:20]) + (", …" if len(known) > 20 else "")
    raise ClusterAccessError(f'namespace "{namespace}" not found in snapshot {path}',
                             hint=f"namespaces in it: {listed}" if known else "it has no namespaced objects")


def check_something_was_readable(snapshot: Snapshot) -> None:
    """Exit 3 (after the output) when RBAC let prism read nothing at all in the scope.

    One forbidden resource type is a gap and the rest goes on (docs/snapshot-format.md); but when every
    read was refused, "no findings" would read as an all-clear to a CI gate, so it is an access error instead.
    A kind that was read, even when it came back empty, is something read (its key is in `objects`);
    metrics alone are not.
    """
    from kubectl_prism.errors import ClusterAccessError

    read = any(kind not in ("PodMetrics", "NodeMetrics") for kind in snapshot.objects)
    if read or not any(g.reason == "forbidden" for g in snapshot.gaps):
        return
    where = f"namespace {snapshot.namespace}" if snapshot.namespace else "the cluster"
    can_i = f"kubectl auth can-i --list -n {snapshot.namespace}" if snapshot.namespace else \
        "kubectl auth can-i --list"
    raise ClusterAccessError(f"could not read anything in {where}: every request was forbidden",
                             hint=f"see what your credentials allow with `{can_i}`")
