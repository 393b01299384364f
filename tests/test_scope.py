"""Scope rules shared by live gathering and `--snapshot`, and the proof that both give the same model."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from kubectl_prism.errors import ClusterAccessError, UsageError
from kubectl_prism.gather import gather_scope
from kubectl_prism.gather.rules import (
    LOG_LIMIT_BYTES,
    MAX_LOG_CONTAINERS,
    label_selector_string,
    log_plan,
    needs_nodes,
    slim,
    tail_log,
)
from kubectl_prism.gather.scope import restrict
from kubectl_prism.kinds import BY_KIND, TARGET_KINDS, Target, parse_target
from kubectl_prism.options import GlobalOptions
from kubectl_prism.snapshot import LogKey, Snapshot
from tests.dumps import write_as_cluster_dump
from tests.scenarios import load_scenario

TESTS = Path(__file__).parent
SHOP = TESTS / "fakes" / "scenarios" / "shop.yaml"
CORPUS = sorted((TESTS / "scenarios").glob("*.yaml"))
# Scenarios whose every target kind is also compared (together they cover all of TARGET_KINDS); the
# rest of the corpus is compared for -A and each namespace, which keeps this file fast.
WITH_TARGETS = {
    "shop",
    "workloads-statefulset-not-ready",
    "workloads-job-backoff-limit",
    "workloads-cronjob-failing",
    "net-ingress-missing-service",
    "pods-pending-unbound-pvc",
    "hpa-target-missing",
    "hpa-at-max-replicas",
    "policy-pdb-blocking",
    "net-networkpolicy-no-pods",
    "refs-missing-secret-cronjob",
    "nodes-notready-kubelet-stopped",
    "net-ingress-tls-secret-missing",
}


def pod(
    name: str,
    ns: str = "shop",
    owner: str | None = "api-1",
    phase: str = "Running",
    node: str | None = "n1",
    statuses: list[dict[str, Any]] | None = None,
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": ns, "uid": f"uid-{ns}-{name}", "labels": labels or {}}
    if owner:
        meta["ownerReferences"] = [
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "name": owner,
                "uid": f"uid-rs-{owner}",
                "controller": True,
            }
        ]
    spec: dict[str, Any] = {"containers": [{"name": "app", "image": "app:1"}]}
    if node:
        spec["nodeName"] = node
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": spec,
        "status": {"phase": phase, "containerStatuses": statuses or []},
    }


def crashing(name: str = "app", restarts: int = 3) -> dict[str, Any]:
    return {
        "name": name,
        "restartCount": restarts,
        "ready": False,
        "state": {"waiting": {"reason": "CrashLoopBackOff"}},
        "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}},
    }


def running(name: str = "app") -> dict[str, Any]:
    return {
        "name": name,
        "restartCount": 0,
        "ready": True,
        "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}},
    }


# --- small pure rules ------------------------------------------------------------------------------


def test_slim_drops_managed_fields_last_applied_and_secret_values() -> None:
    obj = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "c",
            "managedFields": [{"manager": "kubectl"}],
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{...}", "keep": "me"},
        },
        "data": {"a": "1"},
    }
    assert slim(obj) == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "annotations": {"keep": "me"}},
        "data": {"a": "1"},
    }
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {
            "name": "s",
            "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": '{"data":{"password":"aHVudGVyMg=="}}'
            },
        },
        "data": {"password": "aHVudGVyMg=="},
        "stringData": {"x": "y"},
    }
    assert slim(secret) == {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s", "annotations": {}},
    }


def test_tail_log_keeps_the_last_lines_then_bounds_bytes() -> None:
    text = "".join(f"line {i}\n" for i in range(300))
    tail = tail_log(text)
    assert tail.startswith("line 100\n") and tail.endswith("line 299\n")
    huge = "x" * (200 * 1024) + "\nlast\n"
    assert len(tail_log(huge).encode()) == LOG_LIMIT_BYTES


def test_label_selector_string() -> None:
    assert label_selector_string(
        {
            "matchLabels": {"app": "api", "tier": "web"},
            "matchExpressions": [
                {"key": "env", "operator": "In", "values": ["prod", "stage"]},
                {"key": "canary", "operator": "DoesNotExist"},
                {"key": "team", "operator": "Exists"},
                {"key": "zone", "operator": "NotIn", "values": ["a"]},
            ],
        }
    ) == ("app=api,tier=web,env in (prod,stage),!canary,team,zone notin (a)")
    assert label_selector_string({"app": "api"}) == "app=api"  # a Service's plain map
    assert label_selector_string({}) is None and label_selector_string({"matchLabels": {}}) is None


def test_needs_nodes_only_for_node_trouble() -> None:
    assert not needs_nodes([pod("a", statuses=[crashing()])])
    assert needs_nodes([pod("b", phase="Pending", node=None)])
    evicted = pod("c", phase="Failed")
    evicted["status"]["reason"] = "Evicted"
    assert needs_nodes([evicted])
    terminating = pod("d")
    terminating["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    assert needs_nodes([terminating])
    # on a node that went NotReady: containers still say ready, the node controller says not
    stranded = pod("e", statuses=[{"name": "app", "ready": True, "restartCount": 0,
                                   "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}}])
    stranded["status"]["conditions"] = [{"type": "Ready", "status": "False"}]
    assert needs_nodes([stranded])
    stranded["status"]["containerStatuses"][0]["ready"] = False  # an app failing its readiness probe
    assert not needs_nodes([stranded])


def test_log_plan_reads_failing_containers_once_per_owner_and_is_capped() -> None:
    replicas = [pod(f"api-1-{i}", statuses=[crashing(), running("sidecar")]) for i in range(3)]
    fresh = pod(
        "job-x",
        owner=None,
        statuses=[{"name": "app", "restartCount": 0, "state": {"terminated": {"exitCode": 2}}}],
    )
    waiting = pod(
        "img",
        owner="img-1",
        statuses=[{"name": "app", "restartCount": 0, "state": {"waiting": {"reason": "ImagePullBackOff"}}}],
    )
    keys, skipped = log_plan([*replicas, fresh, waiting])
    assert sorted(keys, key=str) == sorted(
        [
            LogKey("shop", "api-1-0", "app", False),
            LogKey("shop", "api-1-0", "app", True),
            LogKey("shop", "job-x", "app", False),
        ],
        key=str,
    )
    assert skipped == 0
    many = [pod(f"p{i}", owner=f"rs-{i}", statuses=[crashing()]) for i in range(MAX_LOG_CONTAINERS + 7)]
    keys, skipped = log_plan(many)
    assert len(keys) == 2 * MAX_LOG_CONTAINERS and skipped == 7


def test_log_plan_reads_running_but_not_ready_and_stuck_init_containers() -> None:
    not_ready = running("app") | {"ready": False}
    stuck_init = pod("init-x", owner="init-1", statuses=[])
    stuck_init["status"]["initContainerStatuses"] = [
        {"name": "migrate", "restartCount": 0, "ready": False, "state": {"running": {"startedAt": "t"}}}
    ]
    done_init = pod("init-done", owner="done-1", statuses=[running()])
    done_init["status"]["initContainerStatuses"] = [
        {"name": "setup", "restartCount": 0, "ready": True, "state": {"terminated": {"exitCode": 0}}}
    ]
    sidecar = pod("side", owner="side-1", statuses=[running()])  # a native sidecar: runs beside the app
    sidecar["spec"]["initContainers"] = [{"name": "proxy", "image": "p:1", "restartPolicy": "Always"}]
    sidecar["status"]["initContainerStatuses"] = [running("proxy")]
    waiting = pod("img", owner="img-1", statuses=[running("app") | {
        "ready": False, "state": {"waiting": {"reason": "ContainerCreating"}}}])
    keys, skipped = log_plan([pod("nr", owner="nr-1", statuses=[not_ready]), stuck_init, done_init, sidecar,
                              waiting])
    assert sorted(keys, key=str) == sorted(
        [LogKey("shop", "nr", "app", False), LogKey("shop", "init-x", "migrate", False)], key=str)
    assert skipped == 0
    sidecar["status"]["initContainerStatuses"][0]["ready"] = False  # a sidecar failing its probe
    assert log_plan([sidecar])[0] == [LogKey("shop", "side", "proxy", False)]


def test_log_cap_is_spent_on_failing_containers_before_stuck_ones() -> None:
    not_ready = running("app") | {"ready": False}
    stuck = [pod(f"a-stuck-{i}", owner=f"a-{i}", statuses=[not_ready]) for i in range(5)]
    failing = [pod(f"z-fail-{i}", owner=f"z-{i}", statuses=[crashing()]) for i in range(MAX_LOG_CONTAINERS)]
    keys, skipped = log_plan([*stuck, *failing])  # the stuck pods sort first by name
    assert {k.pod for k in keys} == {p["metadata"]["name"] for p in failing}
    assert skipped == 5 and len(keys) == 2 * MAX_LOG_CONTAINERS
    keys, skipped = log_plan([*stuck, *failing[:MAX_LOG_CONTAINERS - 2]])
    assert len({k.pod for k in keys if k.pod.startswith("a-stuck")}) == 2 and skipped == 3
    # one pod per owner and container: a failing replica is read rather than a merely unready one
    replicas = [pod("api-1-a", statuses=[not_ready]), pod("api-1-b", statuses=[crashing()])]
    assert {k.pod for k in log_plan(replicas)[0]} == {"api-1-b"}


# --- restrict on an in-memory snapshot --------------------------------------------------------------


def two_namespace_snapshot() -> Snapshot:
    snap = Snapshot()
    snap.add_all(
        [
            pod("api-1-a", statuses=[crashing()], labels={"app": "api"}),
            pod("web-1", ns="other", owner="web", statuses=[running()]),
            {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}},
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "other"}},
            {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {"name": "e1", "namespace": "shop"},
                "involvedObject": {"kind": "Pod", "namespace": "shop", "name": "api-1-a"},
                "reason": "BackOff",
            },
        ]
    )
    snap.logs[LogKey("shop", "api-1-a", "app", True)] = "boom\n"
    snap.logs[LogKey("other", "web-1", "app", False)] = "fine\n"
    return snap


def test_restrict_namespace_keeps_its_objects_and_marks_read_kinds() -> None:
    out = restrict(two_namespace_snapshot(), None, "shop")
    assert {(o["kind"], o["metadata"]["name"]) for o in out} == {("Pod", "api-1-a"), ("Event", "e1")}
    assert list(out.logs) == [LogKey("shop", "api-1-a", "app", True)]
    assert out.namespace == "shop"
    # ConfigMaps were read (in another namespace): "none here" is known; nodes were not needed
    assert "ConfigMap" in out.objects and out.objects["ConfigMap"] == [] and "Node" not in out.objects


def test_restrict_whole_snapshot_keeps_everything_but_logs_of_healthy_containers() -> None:
    out = restrict(two_namespace_snapshot(), None, None)
    assert out.counts() == {"ConfigMap": 1, "Event": 1, "Node": 1, "Pod": 2}
    assert list(out.logs) == [LogKey("shop", "api-1-a", "app", True)]


def test_restrict_target_errors() -> None:
    snap = two_namespace_snapshot()
    with pytest.raises(ClusterAccessError) as info:
        restrict(snap, parse_target("deploy/api"), "shop", source_label=" in snapshot ./dump")
    assert info.value.line() == 'deployment "api" not found in namespace "shop" in snapshot ./dump'
    twin = copy.deepcopy(snap.of_kind("Pod", "shop")[0])
    twin["metadata"]["namespace"] = "other"
    snap.add(twin)
    with pytest.raises(UsageError) as usage:
        restrict(snap, parse_target("po/api-1-a"), None)
    assert "several namespaces (other, shop)" in usage.value.line()
    found = restrict(two_namespace_snapshot(), parse_target("po/api-1-a"), None)
    assert found.namespace == "shop" and [o["metadata"]["name"] for o in found.of_kind("Pod")] == ["api-1-a"]


def test_namespace_target_on_a_dump_without_namespace_objects() -> None:
    out = restrict(two_namespace_snapshot(), parse_target("ns/other"), None)
    # web-1 runs on n1: a Namespace target keeps the nodes of its pods
    assert out.namespace == "other" and {o["metadata"]["name"] for o in out} == {"web-1", "c", "n1"}
    with pytest.raises(ClusterAccessError):
        restrict(two_namespace_snapshot(), parse_target("ns/nowhere"), None)


def test_restrict_target_keeps_the_nodes_its_pods_run_on_and_their_metrics() -> None:
    snap = two_namespace_snapshot()
    snap.add_all([
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n2"}},
        *({"apiVersion": "metrics.k8s.io/v1beta1", "kind": "NodeMetrics", "metadata": {"name": n},
           "usage": {"cpu": "1", "memory": "1Gi"}} for n in ("n1", "n2")),
    ])
    out = restrict(snap, parse_target("po/api-1-a"), "shop")
    assert [o["metadata"]["name"] for o in out.of_kind("Node")] == ["n1"]
    assert [o["metadata"]["name"] for o in out.of_kind("NodeMetrics")] == ["n1"]
    namespace = restrict(snap, parse_target("ns/shop"), None)
    assert [o["metadata"]["name"] for o in namespace.of_kind("Node")] == ["n1"]
    # a namespace scope without a target reads nodes only when they matter (as live gathering does)
    assert "Node" not in restrict(snap, None, "shop").objects
    # the pod's node is gone: the kind was read, so "missing" is known rather than "not gathered"
    gone = restrict(snap, parse_target("po/web-1"), "other")
    gone_pod = gone.get("Pod", "other", "web-1")
    assert gone_pod is not None
    gone_pod["spec"]["nodeName"] = "n9"
    gone = restrict(snap, parse_target("po/web-1"), "other")
    assert gone.objects.get("Node") == [] and "NodeMetrics" in gone.objects
    # a pod waiting for a node: every node matters
    pending = pod("p", ns="shop", owner=None, phase="Pending", node=None)
    snap.add(pending)
    assert {o["metadata"]["name"] for o in restrict(snap, parse_target("po/p"), "shop").of_kind("Node")} == {
        "n1", "n2"}


# --- live and snapshot give the same model -----------------------------------------------------------


def model(snapshot: Snapshot) -> tuple[list[tuple[str, str | None, str]], dict[LogKey, str], str | None]:
    keys = sorted((o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]) for o in snapshot)
    return keys, dict(snapshot.logs), snapshot.namespace


def scopes(scenario: Any, targets: bool) -> list[tuple[str | None, bool, Target | None]]:
    """-A, every namespace, and the first object of each kind a person may name as a target."""
    namespaces = sorted({o["metadata"].get("namespace") for o in scenario.objects} - {None})
    found: list[tuple[str | None, bool, Target | None]] = [(None, True, None)]
    found += [(ns, False, None) for ns in namespaces]
    seen: set[str] = set()
    for obj in scenario.objects if targets else []:
        if obj["kind"] in TARGET_KINDS and obj["kind"] not in seen:
            seen.add(obj["kind"])
            info = BY_KIND[obj["kind"]]
            found.append((obj["metadata"].get("namespace"), False, Target(info, obj["metadata"]["name"])))
    return found


@pytest.mark.parametrize("path", [SHOP, *CORPUS], ids=lambda p: p.stem)
def test_live_and_snapshot_build_the_same_model(path: Path, fake_kube: Any, tmp_path: Path) -> None:
    scenario = load_scenario(path)
    api = fake_kube(scenario)
    dump = write_as_cluster_dump(scenario, tmp_path / "dump")
    for namespace, all_namespaces, target in scopes(scenario, path.stem in WITH_TARGETS):
        common = {"namespace": namespace, "all_namespaces": all_namespaces}
        live = gather_scope(GlobalOptions(kubeconfig=str(api.kubeconfig), **common), target)
        offline = gather_scope(GlobalOptions(snapshot=dump, **common), target)
        assert (live.source, offline.source) == ("live", "snapshot")
        assert model(live) == model(offline), f"scope {namespace or '-A'} {target or ''}"


def test_the_target_selection_covers_every_target_kind() -> None:
    kinds = {o["kind"] for p in [SHOP, *CORPUS] if p.stem in WITH_TARGETS for o in load_scenario(p).objects}
    assert set(TARGET_KINDS) <= kinds | {"Namespace"}, set(TARGET_KINDS) - kinds
    assert {p.stem for p in [SHOP, *CORPUS]} >= WITH_TARGETS


def test_a_big_snapshot_is_frozen_out_of_the_cyclic_collector(tmp_path: Path) -> None:
    import gc
    import json

    from kubectl_prism.gather import FREEZE_FROM_OBJECTS

    def dump(folder: str, count: int) -> Path:
        items = [pod(f"p-{i}", statuses=[running()]) for i in range(count)]
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "pods.json").write_text(json.dumps({"kind": "PodList", "items": items}))
        return tmp_path / folder

    small, big = dump("small", 50), dump("big", FREEZE_FROM_OBJECTS)
    gc.unfreeze()
    try:
        gather_scope(GlobalOptions(snapshot=small, all_namespaces=True), None)
        assert gc.get_freeze_count() == 0  # small snapshots: collections are cheap, nothing frozen
        snap = gather_scope(GlobalOptions(snapshot=big, all_namespaces=True), None)
        assert len(snap.of_kind("Pod")) == FREEZE_FROM_OBJECTS
        assert gc.get_freeze_count() > 5 * FREEZE_FROM_OBJECTS  # every pod and its nested dicts and lists
        assert gc.isenabled()  # the collector runs on for what comes next
    finally:
        gc.unfreeze()


def test_the_command_line_freezes_its_heap_before_the_interpreter_exits() -> None:
    import subprocess
    import sys

    example = TESTS.parent / "examples" / "healthy"  # small: gathering it freezes nothing
    probe = (
        "import atexit, gc, sys\n"
        "from kubectl_prism.cli import main\n"
        "atexit.register(lambda: print('frozen', gc.get_freeze_count(), file=sys.stderr))\n"
        f"sys.argv = ['prism', 'diagnose', '-A', '--snapshot', {str(example)!r}, '-o', 'json']\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert int(done.stderr.split("frozen ")[1]) > 10_000  # the modules and the snapshot: all of it
