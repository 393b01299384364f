"""Gather a scope from a live cluster with a few parallel list calls, then cut it with `scope.restrict`.

Round trips, each one a batch of parallel requests:
1. the target object (and an HPA's scale target) — namespace and cluster scopes start with metrics
   discovery instead, which also surfaces an unreachable server or bad credentials before the fan-out;
2. the lists the scope needs: everything namespaced in the namespace (or cluster) and its pod (and
   for the cluster node) metrics, or for a target its pods by label selector, its owner chain, and the
   namespace's Services, Ingresses, HPAs, PDBs, NetworkPolicies, quotas and events;
3. what the pods decide: referenced ConfigMaps/Secrets/PVCs, bounded log tails of failing or stuck
   containers, a target's pod metrics;
4. cluster-scoped kinds only when something in scope needs them (scope.optional_kinds), and for a
   target the Nodes its pods run on (with their NodeMetrics): a few named GETs, or one list when the
   pods are spread over many nodes.
A 403 anywhere becomes a gap and the rest goes on, and so does one request that times out, is cut
off, is too large or is throttled past its retries (http.py bounds each); 401, TLS and connection
errors end the command. A namespace scope that finds nothing at all checks that the namespace exists.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from kubectl_prism import apipath
from kubectl_prism.errors import ClusterAccessError
from kubectl_prism.gather import rules
from kubectl_prism.gather import scope as sc
from kubectl_prism.gather.http import (
    DEFAULT_REQUEST_TIMEOUT,
    RUN_TIMEOUT_FACTOR,
    ApiError,
    Forbidden,
    KubeClient,
    NotFound,
    RequestFailed,
)
from kubectl_prism.gather.kubeconfig import ClusterConnection
from kubectl_prism.gather.page_check import common_null_dropper, page_fits
from kubectl_prism.gather.turns import Turns
from kubectl_prism.gather.wellformed import admit, problem_of
from kubectl_prism.kinds import BY_KIND, KindInfo, Target
from kubectl_prism.names import InvalidName
from kubectl_prism.snapshot import KubeObject, LogKey, Snapshot, meta, name_of

# Namespaced kinds read for a namespace or the whole cluster, biggest first so they start first.
NAMESPACED_KINDS = (
    "Pod", "Event", "ReplicaSet", "ConfigMap", "Secret", "Service", "Endpoints", "EndpointSlice",
    "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicationController",
    "PersistentVolumeClaim", "Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy",
    "ResourceQuota", "LimitRange", "ServiceAccount",
)
# Cluster-scoped kinds read with -A (a narrower scope reads them only when needed).
CLUSTER_KINDS = (
    "Node", "Namespace", "PersistentVolume", "StorageClass", "IngressClass",
    "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
)
METRICS_DISCOVERY = apipath.group_version("metrics.k8s.io", "v1beta1")
WORKERS = 8
# A target's pods on at most this many nodes: GET each node; on more, one list of all nodes is cheaper.
MAX_NODE_GETS = 4


def gather_live(conn: ClusterConnection, scope: sc.GatherScope, client: KubeClient | None = None, *,
                request_timeout: float | None = DEFAULT_REQUEST_TIMEOUT,
                deadline: float | None = None, turns: Turns | None = None,
                ) -> Snapshot:
    """The snapshot of `scope` read from the cluster of `conn` (pass `client` to reuse or count requests).

    `request_timeout`: seconds per request (None: no limit). `deadline`: a `time.monotonic()` by which the
    whole gather ends, requests not yet answered becoming gaps; by default RUN_TIMEOUT_FACTOR request
    timeouts from now. `turns`: a fleet run's (gather/turns.py).
    """
    import time

    from kubectl_prism.gather import paused_gc

    own = client is None
    if deadline is None and request_timeout:
        deadline = time.monotonic() + RUN_TIMEOUT_FACTOR * request_timeout
    client = client or KubeClient(conn, pool_size=WORKERS, request_timeout=request_timeout,
                                  run_deadline=deadline, before_decode=turns.before_decode if turns else None)
    pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="prism-gather")
    finished = False
    try:
        with paused_gc():
            snapshot = _Gatherer(client, scope, pool, turns).gather()
        finished = True
        return snapshot
    finally:
        # On Ctrl-C or an error, queued requests are dropped instead of waited for.
        pool.shutdown(wait=finished, cancel_futures=True)
        if own:
            client.close()


class _Gatherer:
    def __init__(self, client: KubeClient, scope: sc.GatherScope, pool: ThreadPoolExecutor,
                 turns: Turns | None = None) -> None:
        self.client = client
        self.turns = turns
        self._reading = False  # past the fleet run's before_lists
        self.scope = scope
        self.pool = pool
        self.snap = Snapshot(source="live", context=client.conn.context, namespace=scope.namespace,
                             target=scope.target)
        self.metrics_served = False
        self._lock = threading.Lock()
        # Lists read in the current round trip, as (kind, namespace, path, pages of bytes).
        self._undecoded: list[tuple[KindInfo, str | None, apipath.ApiPath, list[bytes]]] = []

    # --- scopes ------------------------------------------------------------------------------------

    def gather(self) -> Snapshot:
        target, ns = self.scope.target, self.scope.namespace
        if target is None:
            self._discover_metrics()
            self._collection(ns)
        elif target.kind == "Namespace":
            self._namespace_target(target)
            ns = target.name
        elif target.kind == "Node":
            self._node_target(target)
        else:
            if ns is None:
                raise ClusterAccessError(f"{target} needs a namespace")  # gather_scope always gives one
            self._target(target, ns)
        self._check_anything_read()
        if target is None and ns is not None:
            self._check_namespace_exists(ns)
        out = sc.restrict(self.snap, target, ns, target_checked=True)
        out.source, out.context = "live", self.client.conn.context
        return out

    def _check_anything_read(self) -> None:
        """Not one list answered, and not because of RBAC (a 403 is a gap, docs/snapshot-format.md): the
        server failed every request (5xx, 429) or is no Kubernetes API server (404s, HTML). Nothing to
        diagnose."""
        gaps = [g for g in self.snap.gaps if g.resource != "metrics.k8s.io"]
        if self.snap.objects or not gaps or any(g.reason == "forbidden" for g in gaps):
            return
        reasons = ", ".join(dict.fromkeys(g.reason for g in gaps))
        conn = self.client.conn
        raise ClusterAccessError(
            f'no request to the API server at {conn.server} (context "{conn.context}") succeeded: {reasons}',
            hint="check that the kubeconfig's server URL is a Kubernetes API server and that it is healthy",
        )

    def _check_namespace_exists(self, ns: str) -> None:
        """A namespace where nothing at all was found may not exist (`-n` with a typo must not pass CI).

        Every namespace holds its `default` ServiceAccount (the controller recreates it), so a readable,
        empty ServiceAccount list already says "no such namespace" to a user who may not GET namespaces.
        Otherwise GET the namespace; when neither can be read, it stays a gap and the run goes on.
        """
        if any(self.snap.objects.values()):
            return
        info = BY_KIND["Namespace"]
        hint = "list them with: kubectl get namespaces"
        try:
            self.client.get_json(apipath.item(info, ns))
            return  # it exists, and is empty
        except NotFound:
            raise ClusterAccessError(f'namespace "{ns}" not found', hint=hint) from None
        except ApiError as err:
            if "ServiceAccount" in self.snap.objects:  # listed, and not even `default` is there
                raise ClusterAccessError(
                    f'namespace "{ns}" not found: it holds no objects, not even its default ServiceAccount',
                    hint=hint) from None
            self._gap(info, None, f"{_reason(err)} (could not check that namespace {ns} exists)")

    def _collection(self, ns: str | None, pod_nodes: bool = False) -> None:
        """A namespace (ns) or the whole cluster (None); `pod_nodes`: also the nodes its pods run on."""
        kinds = NAMESPACED_KINDS + (CLUSTER_KINDS if ns is None else ())
        # Metrics depend on nothing listed here: they come in the same round trip as the lists.
        metrics = self._metrics_tasks("PodMetrics", ns)
        if ns is None:
            metrics += self._metrics_tasks("NodeMetrics", None)
        self._parallel([self._lister(kind, ns) for kind in kinds] + metrics)
        pods = self.snap.of_kind("Pod")
        tasks = self._log_tasks(pods)
        if ns is not None:
            optional = rules.optional_kinds(pods, self.snap.of_kind("PersistentVolumeClaim"),
                                         self.snap.of_kind("Ingress"), self.snap.of_kind("Event"))
            tasks += self._optional_tasks(optional)
            if pod_nodes and "Node" not in optional:
                tasks += self._node_tasks(rules.pod_nodes(pods))
        self._parallel(tasks)

    def _namespace_target(self, target: Target) -> None:
        try:
            obj = self.client.get_json(apipath.item(target.info, target.name))
            self._add([self._fix(target.info, obj)])
        except NotFound:
            raise ClusterAccessError(f'namespace "{target.name}" not found') from None
        except Forbidden:
            self._gap(target.info, None, "forbidden")
        except ApiError as err:
            self._gap(target.info, None, _reason(err))
        self._discover_metrics()
        self._collection(target.name, pod_nodes=True)

    def _node_target(self, target: Target) -> None:
        node = self._get_target(target, None)
        name = name_of(node)
        self._parallel([
            self._discover_metrics,
            self._lister("Pod", None, field_selector=apipath.field_selector({"spec.nodeName": name})),
            self._lister("Event", None, field_selector=apipath.field_selector(
                {"involvedObject.kind": "Node", "involvedObject.name": name})),
        ])
        tasks = self._log_tasks(self.snap.of_kind("Pod"))
        if self.metrics_served:
            tasks.append(lambda: self._get_optional(BY_KIND["NodeMetrics"], None, name))
        self._parallel(tasks)

    def _target(self, target: Target, ns: str) -> None:
        obj = self._get_target(target, ns)
        anchor: KubeObject | None = obj
        if target.kind == "HorizontalPodAutoscaler":
            ref = (obj.get("spec") or {}).get("scaleTargetRef") or {}
            info = BY_KIND.get(ref.get("kind", ""))
            anchor = self._get_optional(info, ns, ref.get("name", "")) if info and info.namespaced else None
            if anchor is None and info is not None and info.namespaced:
                # List the kind so "the scale target does not exist" is known, not guessed.
                self._parallel([self._lister(info.kind, ns)])

        tasks: list[Callable[[], Any]] = [self._discover_metrics, lambda: self._owner_chain(obj, ns)]
        if anchor is not None and anchor is not obj:
            tasks.append(lambda: self._owner_chain(anchor, ns))
        tasks += self._pod_tasks(anchor, ns)
        tasks += [self._lister(kind, ns) for kind in rules.RELATED_KINDS]
        if target.kind == "Pod":
            tasks.append(self._lister("Event", ns, field_selector=apipath.field_selector(
                {"involvedObject.kind": "Pod", "involvedObject.name": target.name})))
        else:
            tasks.append(self._lister("Event", ns))
        self._parallel(tasks)

        closure = sc.target_closure(self.snap, target, obj)
        refs = sc.referenced_names(self.snap, closure)
        tasks = [self._lister(kind, ns) for kind, names in refs.items()
                 if names and not (kind == target.kind and names == {target.name})]
        tasks += self._log_tasks(closure.pods) + self._metrics_tasks("PodMetrics", ns)
        self._parallel(tasks)

        closure = sc.target_closure(self.snap, target, obj)

        def in_closure(kind: str) -> list[KubeObject]:
            return [o for o in self.snap.of_kind(kind, ns) if closure.has(kind, ns, name_of(o))]

        optional = rules.optional_kinds(closure.pods, in_closure("PersistentVolumeClaim"),
                                        in_closure("Ingress"), sc.closure_events(self.snap, closure))
        tasks = self._optional_tasks(optional)
        if "Node" not in optional:  # all nodes are read when one is needed; else the pods' own
            tasks += self._node_tasks(rules.pod_nodes(closure.pods))
        self._parallel(tasks)

    def _pod_tasks(self, anchor: KubeObject | None, ns: str) -> list[Callable[[], Any]]:
        """Lists that find the pods of the anchor object (and the workloads between them)."""
        if anchor is None or anchor.get("kind") == "Pod":
            return []
        kind = anchor.get("kind")
        spec = anchor.get("spec") or {}
        if kind == "Deployment":
            selector = rules.label_selector_string(spec.get("selector"))
            if not selector:
                return []
            return [self._lister("Pod", ns, selector), self._lister("ReplicaSet", ns, selector)]
        if kind == "CronJob":
            # Job pods carry a `job-name` label; ownership narrows it down in scope.restrict.
            return [self._lister("Job", ns), self._lister("Pod", ns, "job-name")]
        if kind in rules.WORKLOAD_KINDS or kind in ("Service", "PodDisruptionBudget"):
            selector = rules.label_selector_string(spec.get("selector"))
            tasks = [self._lister("Pod", ns, selector)] if selector else []
        elif kind == "NetworkPolicy":
            tasks = [self._lister("Pod", ns, rules.label_selector_string(spec.get("podSelector")))]
        else:  # Ingress, PVC, ConfigMap, Secret: pods found by what their specs reference
            tasks = [self._lister("Pod", ns)]
        if kind not in rules.WORKLOAD_KINDS:
            # Pods of a Service, PDB, ... may belong to any workload: read the owners' kinds.
            tasks += [self._lister(k, ns) for k in rules.WORKLOAD_KINDS]
        return tasks

    # --- requests ----------------------------------------------------------------------------------

    def _lister(self, kind: str, ns: str | None, label_selector: str | None = None,
                field_selector: str | None = None) -> Callable[[], None]:
        info = BY_KIND[kind]

        def run() -> None:
            path = apipath.collection(info, ns, label_selector=label_selector, field_selector=field_selector)
            try:
                if self.client.before_decode is None:  # decoded page by page, as it arrives
                    admit_page = functools.partial(self._admit_page, info)
                    self._add_list(info, self.client.list(path, admit=admit_page))
                    return
                pages = self.client.pages(path)
            except ApiError as err:
                self._gap(info, ns if info.namespaced else None, _reason(err))
                return
            with self._lock:
                self._undecoded.append((info, ns, path, pages))

        return run

    def _add_list(self, info: KindInfo, items: list[KubeObject]) -> None:
        with self._lock:
            # The key marks the kind as read in full for the scope, even when empty: analyzers take
            # absence as "missing" only for gathered kinds.
            self.snap.objects.setdefault(info.kind, [])
            self.snap.add_all(items)

    def _admit_page(self, info: KindInfo, data: bytes, items: list[KubeObject]) -> list[KubeObject]:
        """The objects of one page of a list that enter the snapshot (`data`: the page's bytes), fixed
        (`_fix`): all of them when the page fits the kind's shape (page_check, at C speed), else each
        one checked, a malformed one becoming a gap. Each object is fixed and rid of its nulls in one
        pass, while it is still in the CPU's cache from decoding."""
        if not page_fits(info.kind, data):
            fixed = [self._fix(info, item) for item in items]
            with self._lock:
                return admit(self.snap, fixed)
        drop = common_null_dropper(info.kind)
        if drop is None:
            return [self._fix(info, item) for item in items]
        out = []
        for item in items:
            item = self._fix(info, item)
            drop(item)
            out.append(item)
        return out

    def _decode_lists(self) -> None:
        """In a fleet run, the lists read in this round trip, decoded now that all have come: the turn
        to hold decoded objects (KubeClient.wait_to_decode) is taken once the network is done with."""
        with self._lock:
            undecoded, self._undecoded = self._undecoded, []
        if not undecoded:
            return
        self.client.wait_to_decode(sum(len(page) for *_, pages in undecoded for page in pages))
        for info, ns, path, pages in undecoded:
            try:
                items = self.client.decode_pages(path, pages, admit=functools.partial(self._admit_page, info))
            except ApiError as err:
                self._gap(info, ns if info.namespaced else None, _reason(err))
                continue
            self._add_list(info, items)

    def _get_target(self, target: Target, ns: str | None) -> KubeObject:
        info = target.info
        where = f' in namespace "{ns}"' if info.namespaced else ""
        try:
            obj = self.client.get_json(apipath.item(info, target.name, ns))
        except NotFound:
            raise ClusterAccessError(f'{info.kind.lower()} "{target.name}" not found{where}',
                                     hint=f"list them with: kubectl get {info.resource}"
                                     + (f" -n {ns}" if info.namespaced else "")) from None
        except Forbidden:
            raise ClusterAccessError(f'not allowed to read {info.kind.lower()} "{target.name}"{where}',
                                     hint=f"ask for get permission on {info.resource}") from None
        except ApiError as err:
            raise ClusterAccessError(
                f'cannot read {info.kind.lower()} "{target.name}"{where}: {err.message}') from None
        fixed = self._fix(info, obj)
        problem = problem_of(fixed)
        if problem is not None:
            raise ClusterAccessError(f'{info.kind.lower()} "{target.name}"{where} is malformed: {problem}')
        self._add([fixed])
        return fixed

    def _get_optional(self, info: KindInfo, ns: str | None, name: str) -> KubeObject | None:
        """One named object that may be missing or forbidden (an owner, a scale target, node metrics).

        Its name comes from another object (an ownerReference, a scaleTargetRef, a pod's nodeName): one
        that no object can have is skipped as a gap, never requested.
        """
        try:
            path = apipath.item(info, name, ns)
        except InvalidName:
            self._gap(info, ns if info.namespaced else None, "skipped a reference with an invalid name")
            return None
        try:
            obj = self.client.get_json(path)
        except NotFound:
            return None
        except ApiError as err:
            self._gap(info, ns if info.namespaced else None, _reason(err))
            return None
        fixed = self._fix(info, obj)
        return fixed if self._add([fixed]) else None

    def _owner_chain(self, obj: KubeObject, ns: str) -> None:
        """GET the controllers above `obj` one by one (at most a few: Pod -> ReplicaSet -> Deployment)."""
        seen: set[tuple[str, str]] = set()
        current: KubeObject | None = obj
        while current is not None:
            refs = meta(current).get("ownerReferences") or []
            ref = next((r for r in refs if r.get("controller")), refs[0] if refs else None)
            info = BY_KIND.get((ref or {}).get("kind", ""))
            if ref is None or info is None or not info.namespaced or (info.kind, ref.get("name")) in seen:
                return
            seen.add((info.kind, ref.get("name", "")))
            with self._lock:
                current = self.snap.get(info.kind, ns, ref.get("name", ""))
            current = current or self._get_optional(info, ns, ref.get("name", ""))

    def _node_tasks(self, names: set[str]) -> list[Callable[[], Any]]:
        """The named nodes (and their metrics when served): a few GETs, or one list for many nodes."""
        if len(names) > MAX_NODE_GETS:
            return [self._lister("Node", None), *self._metrics_tasks("NodeMetrics", None)]
        kinds = ["Node", "NodeMetrics"] if self.metrics_served else ["Node"]
        return [lambda kind=kind, name=name: self._get_named(BY_KIND[kind], name)
                for name in sorted(names) for kind in kinds]

    def _get_named(self, info: KindInfo, name: str) -> None:
        """A cluster-scoped object by name; a 404 on a Node says it does not exist (the kind was read)."""
        if self._get_optional(info, None, name) is None and info.kind == "Node":
            with self._lock:
                if not any(g.resource == info.resource for g in self.snap.gaps):
                    self.snap.objects.setdefault(info.kind, [])

    def _log_tasks(self, pods: list[KubeObject]) -> list[Callable[[], None]]:
        keys, skipped = rules.log_plan(pods)
        if skipped:
            self.snap.add_gap("pods/log", None, rules.log_cap_gap_reason(skipped))
        return [lambda key=key: self._fetch_log(key) for key in keys]

    def _fetch_log(self, key: LogKey) -> None:
        try:
            path = apipath.pod_log(key.namespace, key.pod, key.container, previous=key.previous,
                                   tail_lines=rules.LOG_TAIL_LINES, limit_bytes=rules.LOG_LIMIT_BYTES)
        except InvalidName:  # a name from the pod's status that no container can have
            with self._lock:
                self.snap.add_gap("pods/log", key.namespace, "skipped a container with an invalid name")
            return
        try:
            text = self.client.get_text(path, max_bytes=4 * rules.LOG_LIMIT_BYTES)
        except Forbidden:
            with self._lock:
                self.snap.add_gap("pods/log", key.namespace, "forbidden")
            return
        except RequestFailed as err:  # timed out, cut off, too large: say so
            with self._lock:
                self.snap.add_gap("pods/log", key.namespace, err.message)
            return
        except ApiError:
            return  # 400/404: the container has no (previous) log yet; nothing to report
        if text.strip():  # an empty log says nothing (and a snapshot loader drops it too)
            with self._lock:
                self.snap.logs[key] = text

    def _discover_metrics(self) -> None:
        try:
            doc = self.client.get_json(METRICS_DISCOVERY)
        except ApiError as err:
            reason = "forbidden" if isinstance(err, Forbidden) else "unavailable"
            with self._lock:
                self.snap.add_gap("metrics.k8s.io", None, reason)
            return
        self.metrics_served = any(r.get("name") in ("pods", "nodes") for r in doc.get("resources") or [])
        if not self.metrics_served:
            with self._lock:
                self.snap.add_gap("metrics.k8s.io", None, "unavailable")

    def _metrics_tasks(self, kind: str, ns: str | None) -> list[Callable[[], None]]:
        return [self._lister(kind, ns)] if self.metrics_served else []

    def _optional_tasks(self, kinds: list[str]) -> list[Callable[[], None]]:
        return [self._lister(kind, None) for kind in kinds
                if kind not in ("NodeMetrics", "PodMetrics") or self.metrics_served]

    # --- bookkeeping -------------------------------------------------------------------------------

    def _parallel(self, tasks: list[Callable[[], Any]]) -> None:
        if self.turns is not None and not self._reading:
            # The first round of lists: a fleet run lets only a few contexts read ahead at once.
            self._reading = True
            self.client.extend_deadline(self.turns.before_lists())
        futures = [self.pool.submit(task) for task in tasks]
        error: Exception | None = None
        for future in futures:
            try:
                future.result()
            except Exception as exc:  # keep the first; the others are usually the same failure
                error = error or exc
        if error is not None:
            raise error
        self._decode_lists()

    @staticmethod
    def _fix(info: KindInfo, item: dict[str, Any]) -> KubeObject:
        # List items come without kind/apiVersion; Secrets arrive as PartialObjectMetadata.
        if not isinstance(item, dict):
            return item  # not an object at all: `admit` makes it a gap
        item["kind"] = info.kind
        item["apiVersion"] = info.api_version
        return rules.slim(item)

    def _add(self, objs: list[KubeObject]) -> list[KubeObject]:
        """Add the well-formed ones (a malformed object is a gap naming it); returns them."""
        with self._lock:
            good = admit(self.snap, objs)
            self.snap.add_all(good)
        return good

    def _gap(self, info: KindInfo, ns: str | None, reason: str) -> None:
        with self._lock:
            self.snap.add_gap(info.resource, ns, reason)


def _reason(err: ApiError) -> str:
    if isinstance(err, RequestFailed):
        return err.message  # "timed out after 30s", "truncated: ...", "connection lost: ..."
    if isinstance(err, Forbidden):
        return "forbidden"
    if err.status == 429:
        return "throttled by the API server (429 Too Many Requests)"
    if isinstance(err, NotFound):
        return "not served by this cluster"
    if err.status == 406:
        return "metadata-only listing not supported by this server"
    if err.status < 300:
        return "the server's answer was not valid JSON"
    return f"server error {err.status}" if err.status >= 500 else f"error {err.status}"
