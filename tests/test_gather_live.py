"""Live gathering against the fake API server: each scope reads what it needs and nothing outside it.

Assertions are on the server's request log (paths, namespaces, selectors, Accept headers) and on the
snapshot built from the answers.
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

import pytest

from kubectl_prism import apipath
from kubectl_prism.errors import ClusterAccessError
from kubectl_prism.gather import gather_scope
from kubectl_prism.gather.live import NAMESPACED_KINDS
from kubectl_prism.kinds import BY_KIND, parse_target
from kubectl_prism.options import GlobalOptions
from kubectl_prism.snapshot import LogKey, Snapshot
from tests.scenarios import load_scenario

SHOP = Path(__file__).parent / "fakes" / "scenarios" / "shop.yaml"
CRASHING = "api-7d9c5b8f6-hp4zt"
HEALTHY = "api-7d9c5b8f6-x2kqp"
METRICS_DISCOVERY = "/apis/metrics.k8s.io/v1beta1"


def gather(
    api: Any,
    target: str | None = None,
    *,
    namespace: str | None = None,
    all_namespaces: bool = False,
    kubeconfig: Path | None = None,
) -> Snapshot:
    api.clear_requests()
    g = GlobalOptions(
        kubeconfig=str(kubeconfig or api.kubeconfig), namespace=namespace, all_namespaces=all_namespaces
    )
    return gather_scope(g, parse_target(target) if target else None)


def keys(snapshot: Snapshot, kind: str | None = None) -> set[tuple[str, str | None, str]]:
    return {
        (o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"])
        for o in snapshot
        if kind is None or o["kind"] == kind
    }


def names(snapshot: Snapshot, kind: str) -> set[str]:
    return {o["metadata"]["name"] for o in snapshot.of_kind(kind)}


def paths(api: Any) -> list[str]:
    return [r.path for r in api.requests]


def in_namespace(path: str, ns: str) -> bool:
    return f"/namespaces/{ns}/" in path


@functools.cache
def _healthy_pod() -> dict[str, Any]:
    return next(o for o in load_scenario(SHOP).objects if o["metadata"]["name"] == HEALTHY)


def pending_pod(name: str, namespace: str = "shop") -> dict[str, Any]:
    pod = copy.deepcopy(_healthy_pod())
    meta = pod["metadata"]
    meta.update(name=name, namespace=namespace, uid=f"uid-{namespace}-{name}")
    meta.pop("resourceVersion", None)
    meta.pop("ownerReferences", None)
    pod["spec"].pop("nodeName")
    pod["status"] = {
        "phase": "Pending",
        "qosClass": "Burstable",
        "conditions": [
            {
                "type": "PodScheduled",
                "status": "False",
                "lastProbeTime": None,
                "lastTransitionTime": "2026-11-28T03:00:00Z",
                "reason": "Unschedulable",
                "message": "0/2 nodes are available: 2 Insufficient memory.",
            }
        ],
    }
    return pod


def running_pod(name: str, namespace: str) -> dict[str, Any]:
    pod = copy.deepcopy(_healthy_pod())
    pod["metadata"].update(name=name, namespace=namespace, uid=f"uid-{namespace}-{name}")
    pod["metadata"].pop("resourceVersion", None)
    pod["metadata"]["ownerReferences"][0]["name"] = "other-5f6d7"
    return pod


# --- namespace scope --------------------------------------------------------------------------------


def test_namespace_scope_lists_each_kind_once_in_its_namespace(fake_kube: Any) -> None:
    api = fake_kube(SHOP)
    snap = gather(api, namespace="shop")
    requests = api.requests
    for r in requests:
        assert r.path == METRICS_DISCOVERY or in_namespace(r.path, "shop"), r.path
    lists = [r.path for r in requests if not r.path.endswith("/log") and r.path != METRICS_DISCOVERY]
    assert sorted(lists) == sorted(apipath.collection(BY_KIND[k], "shop").path for k in NAMESPACED_KINDS)
    # no per-object GETs: the only named paths are log reads
    assert not [p for p in paths(api) if "/pods/" in p and not p.endswith("/log")]
    assert "/api/v1/nodes" not in paths(api)  # no pod waits for scheduling: nodes do not matter
    assert {k[1] for k in keys(snap)} == {"shop"}
    assert names(snap, "Pod") == {CRASHING, HEALTHY}
    assert snap.namespace == "shop" and snap.source == "live" and snap.context == "fake"


def test_secrets_are_read_as_metadata_only(fake_kube: Any) -> None:
    api = fake_kube(SHOP)
    snap = gather(api, namespace="shop")
    (secret_request,) = [r for r in api.requests if r.path.endswith("/secrets")]
    assert "as=PartialObjectMetadataList" in secret_request.accept
    assert "application/json," not in secret_request.accept  # no fallback to full objects
    (secret,) = snap.of_kind("Secret")
    assert set(secret) == {"apiVersion", "kind", "metadata"} and secret["kind"] == "Secret"
    assert secret["metadata"]["name"] == "api-db"


def test_logs_only_for_failing_containers_and_bounded(fake_kube: Any) -> None:
    api = fake_kube(SHOP)
    snap = gather(api, namespace="shop")
    log_requests = [r for r in api.requests if r.path.endswith("/log")]
    assert {
        (r.path.split("/")[-2], r.query["container"][0], r.query.get("previous", ["false"])[0])
        for r in log_requests
    } == {(CRASHING, "api", "false"), (CRASHING, "api", "true")}
    for r in log_requests:
        assert r.query["tailLines"] == ["200"] and r.query["limitBytes"] == ["65536"]
    # the fake has only the previous log of the crashing container; an empty current log is dropped
    assert set(snap.logs) == {LogKey("shop", CRASHING, "api", True)}
    assert "db.shop.svc.cluster.local" in snap.logs[LogKey("shop", CRASHING, "api", True)]


def test_pending_pods_and_unbound_claims_bring_cluster_scoped_kinds(fake_kube: Any) -> None:
    scenario = load_scenario(SHOP)
    pvc = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data", "namespace": "shop", "creationTimestamp": "2026-11-28T03:00:00Z"},
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "storageClassName": "fast",
            "resources": {"requests": {"storage": "1Gi"}},
            "volumeMode": "Filesystem",
        },
        "status": {"phase": "Pending"},
    }
    api = fake_kube([*scenario.objects, pending_pod("worker-0"), pvc], logs=scenario.logs)
    snap = gather(api, namespace="shop")
    for path in ("/api/v1/nodes", "/api/v1/persistentvolumes", "/apis/storage.k8s.io/v1/storageclasses"):
        assert path in paths(api)
    assert names(snap, "Node") == {"node-a", "node-b"}
    assert "/apis/networking.k8s.io/v1/ingressclasses" not in paths(api)  # no Ingress in shop


# --- whole cluster ------------------------------------------------------------------------------


def test_cluster_scope_request_count_does_not_grow_with_pods(fake_kube: Any) -> None:
    scenario = load_scenario(SHOP)
    small = fake_kube(scenario)
    snap = gather(small, all_namespaces=True)
    assert {"shop", "kube-system", "default"} <= set(snap.namespaces())
    assert names(snap, "Node") == {"node-a", "node-b"}
    assert names(snap, "Namespace") == {"default", "kube-system", "shop"}
    calls_small = [r.path for r in small.requests if "continue" not in r.query]

    extra = [running_pod(f"other-5f6d7-{i:04d}", f"team-{i % 3}") for i in range(1100)]
    big = fake_kube([*scenario.objects, *extra], logs=scenario.logs)
    snap = gather(big, all_namespaces=True)
    assert len(snap.of_kind("Pod")) == 1100 + 5
    calls_big = [r.path for r in big.requests if "continue" not in r.query]
    assert sorted(calls_big) == sorted(calls_small)
    pages = [r for r in big.requests if r.path == "/api/v1/pods"]
    assert len(pages) == 3 and all(r.query["limit"] == ["500"] for r in pages)
    assert "continue" in pages[1].query


def test_a_lists_pages_are_all_read_before_any_is_decoded(fake_kube: Any) -> None:
    # A fleet run's turn to hold decoded objects (before_decode) is asked once per list, after its last
    # page came: never held across the round trips for the next page.
    from kubectl_prism.gather.http import KubeClient
    from kubectl_prism.gather.kubeconfig import resolve_connection

    extra = [running_pod(f"other-5f6d7-{i:04d}", f"team-{i % 3}") for i in range(1100)]
    api = fake_kube([*load_scenario(SHOP).objects, *extra])
    asked: list[tuple[int, int]] = []  # (bytes to decode, pages requested so far)

    def before_decode(size: int) -> float:
        asked.append((size, sum(1 for r in api.requests if r.path == "/api/v1/pods")))
        return 0.0

    conn = resolve_connection(str(api.kubeconfig))
    api.clear_requests()
    with KubeClient(conn, before_decode=before_decode) as client:
        pods = client.list(apipath.collection(BY_KIND["Pod"], None))
    pages = [r for r in api.requests if r.path == "/api/v1/pods"]
    assert len(pages) == 3 and len(pods) == 1100 + 5
    assert len(asked) == 1 and asked[0][1] == 3  # once, after the third page
    assert asked[0][0] > 500_000  # the three pages' bytes together


# --- targets --------------------------------------------------------------------------------------


def test_deployment_target_gathers_its_closure_only(fake_kube: Any) -> None:
    api = fake_kube(SHOP)
    snap = gather(api, "deploy/api", namespace="shop")
    for r in api.requests:  # the one node outside the namespace: the one its pods run on
        assert r.path in (METRICS_DISCOVERY, "/api/v1/nodes/node-b") or in_namespace(r.path, "shop"), r.path
    pods_lists = [r for r in api.requests if r.path == "/api/v1/namespaces/shop/pods"]
    assert [r.query.get("labelSelector") for r in pods_lists] == [["app=api"]]
    rs_lists = [r for r in api.requests if r.path.endswith("/replicasets")]
    assert [r.query.get("labelSelector") for r in rs_lists] == [["app=api"]]
    assert "/apis/apps/v1/namespaces/shop/deployments/api" in paths(api)
    assert "/apis/apps/v1/namespaces/shop/deployments" not in paths(api)  # a target needs no full list
    assert keys(snap) - keys(snap, "Event") == {
        ("Deployment", "shop", "api"),
        ("ReplicaSet", "shop", "api-7d9c5b8f6"),
        ("Pod", "shop", CRASHING),
        ("Pod", "shop", HEALTHY),
        ("Service", "shop", "api"),
        ("Endpoints", "shop", "api"),
        ("Secret", "shop", "api-db"),
        ("Node", None, "node-b"),
    }
    involved = {(e["involvedObject"]["kind"], e["involvedObject"]["name"]) for e in snap.of_kind("Event")}
    assert involved == {("Deployment", "api"), ("Pod", CRASHING)}
    assert set(snap.logs) == {LogKey("shop", CRASHING, "api", True)}
    assert str(snap.target) == "deployment/api" and snap.namespace == "shop"


def test_pod_target_gets_its_owner_chain_and_own_events(fake_kube: Any) -> None:
    api = fake_kube(SHOP)
    snap = gather(api, f"po/{CRASHING}", namespace="shop")
    gets = [p for p in paths(api) if p.rsplit("/", 1)[-1] in (CRASHING, "api-7d9c5b8f6", "api")]
    assert sorted(gets) == sorted(
        [
            f"/api/v1/namespaces/shop/pods/{CRASHING}",
            "/apis/apps/v1/namespaces/shop/replicasets/api-7d9c5b8f6",
            "/apis/apps/v1/namespaces/shop/deployments/api",
        ]
    )
    assert "/api/v1/namespaces/shop/pods" not in paths(api)  # the pod itself is all it needs
    (events,) = [r for r in api.requests if r.path.endswith("/events")]
    assert events.query["fieldSelector"] == [f"involvedObject.kind=Pod,involvedObject.name={CRASHING}"]
    assert names(snap, "Pod") == {CRASHING}
    assert names(snap, "Deployment") == {"api"} and names(snap, "Service") == {"api"}
    assert {e["involvedObject"]["name"] for e in snap.of_kind("Event")} == {CRASHING}


def test_service_target_brings_selected_pods_and_their_owners(fake_kube: Any) -> None:
    api = fake_kube(SHOP)
    snap = gather(api, "svc/api", namespace="shop")
    (pods,) = [r for r in api.requests if r.path == "/api/v1/namespaces/shop/pods"]
    assert pods.query["labelSelector"] == ["app=api"]
    assert names(snap, "Pod") == {CRASHING, HEALTHY}
    assert names(snap, "Deployment") == {"api"} and names(snap, "ReplicaSet") == {"api-7d9c5b8f6"}
    assert names(snap, "Endpoints") == {"api"}
    assert not names(snap, "ConfigMap")  # api-config is not referenced by anything in scope


def test_node_target_reads_its_pods_across_namespaces(fake_kube: Any) -> None:
    api = fake_kube(SHOP)
    snap = gather(api, "node/node-b")
    (pods,) = [r for r in api.requests if r.path == "/api/v1/pods"]
    assert pods.query["fieldSelector"] == ["spec.nodeName=node-b"]
    (events,) = [r for r in api.requests if r.path == "/api/v1/events"]
    assert events.query["fieldSelector"] == ["involvedObject.kind=Node,involvedObject.name=node-b"]
    assert names(snap, "Node") == {"node-b"}
    assert names(snap, "Pod") == {CRASHING, HEALTHY, "kube-proxy-v9t2m"}
    assert snap.namespace is None


def test_secret_target_is_read_as_metadata(fake_kube: Any) -> None:
    api = fake_kube(SHOP)
    snap = gather(api, "secret/api-db", namespace="shop")
    (get,) = [r for r in api.requests if r.path == "/api/v1/namespaces/shop/secrets/api-db"]
    assert "as=PartialObjectMetadata;" in get.accept
    (secret,) = snap.of_kind("Secret")
    assert set(secret) == {"apiVersion", "kind", "metadata"}
    assert names(snap, "Pod") == {CRASHING, HEALTHY}  # the pods that reference it


def test_missing_target_is_a_clear_access_error(fake_kube: Any) -> None:
    api = fake_kube(SHOP)
    with pytest.raises(ClusterAccessError) as info:
        gather(api, "deploy/nope", namespace="shop")
    assert info.value.line().startswith('deployment "nope" not found in namespace "shop"')
    assert info.value.exit_code == 3


# --- RBAC gaps and server trouble ------------------------------------------------------------------


def test_limited_token_yields_gaps_not_failures(fake_kube: Any, tmp_path: Path) -> None:
    api = fake_kube(SHOP)  # dev-token: get/list pods, pods/log, events in shop only
    dev = api.write_kubeconfig(tmp_path / "dev", token="dev-token", namespace="shop")
    snap = gather(api, kubeconfig=dev)
    assert names(snap, "Pod") == {CRASHING, HEALTHY}
    assert snap.of_kind("Event") and snap.logs
    forbidden = {g.resource for g in snap.gaps if g.reason == "forbidden"}
    assert {"deployments.apps", "secrets", "services", "replicasets.apps", "configmaps"} <= forbidden
    assert "pods" not in forbidden and "events" not in forbidden and "pods/log" not in forbidden
    assert all(g.namespace == "shop" for g in snap.gaps if g.reason == "forbidden")

    cluster = gather(api, kubeconfig=dev, all_namespaces=True)
    assert not cluster.of_kind("Pod")
    gap_lines = {g.line() for g in cluster.gaps}
    assert "could not read pods: forbidden" in gap_lines and "could not read nodes: forbidden" in gap_lines


def test_forbidden_logs_become_a_gap(fake_kube: Any, tmp_path: Path) -> None:
    scenario = load_scenario(SHOP)
    plurals = sorted({BY_KIND[k].plural for k in NAMESPACED_KINDS})  # "*" would include pods/log
    tokens = [
        {
            "token": "no-logs",
            "user": "viewer",
            "rules": [{"verbs": ["get", "list"], "apiGroups": ["*"], "resources": plurals}],
        }
    ]
    api = fake_kube(scenario, tokens=tokens)
    kubeconfig = api.write_kubeconfig(tmp_path / "viewer", token="no-logs", namespace="shop")
    snap = gather(api, kubeconfig=kubeconfig)
    assert not snap.logs
    assert [g.line() for g in snap.gaps if g.resource == "pods/log"] == [
        "could not read pods/log in shop: forbidden"
    ]
    assert names(snap, "Deployment") == {"api"}


def test_a_failing_list_is_a_gap_and_the_rest_goes_on(fake_kube: Any) -> None:
    api = fake_kube(SHOP)
    api.inject("/apis/apps/v1/namespaces/shop/deployments", 500, times=5)
    snap = gather(api, namespace="shop")
    assert any(g.resource == "deployments.apps" and g.reason == "server error 500" for g in snap.gaps)
    assert names(snap, "Pod") == {CRASHING, HEALTHY} and not snap.of_kind("Deployment")


def test_metrics_are_read_when_served_and_a_gap_otherwise(fake_kube: Any) -> None:
    api = fake_kube(SHOP)
    snap = gather(api, namespace="shop")
    assert [g.line() for g in snap.gaps] == ["could not read metrics.k8s.io: unavailable"]
    metrics = {
        "apiVersion": "metrics.k8s.io/v1beta1",
        "kind": "PodMetrics",
        "metadata": {"name": HEALTHY, "namespace": "shop", "creationTimestamp": "2026-11-28T03:31:00Z"},
        "timestamp": "2026-11-28T03:31:00Z",
        "window": "15s",
        "containers": [{"name": "api", "usage": {"cpu": "12m", "memory": "90Mi"}}],
    }
    served = fake_kube([*load_scenario(SHOP).objects, metrics])
    snap = gather(served, namespace="shop")
    assert not snap.gaps
    assert names(snap, "PodMetrics") == {HEALTHY}
    assert "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods" in paths(served)


def test_client_counts_its_requests_like_the_server_log(fake_kube: Any) -> None:
    from kubectl_prism.gather.http import KubeClient
    from kubectl_prism.gather.kubeconfig import resolve_connection
    from kubectl_prism.gather.live import gather_live
    from kubectl_prism.gather.scope import GatherScope

    api = fake_kube(SHOP)
    conn = resolve_connection(str(api.kubeconfig))
    api.clear_requests()
    with KubeClient(conn) as client:
        snap = gather_live(conn, GatherScope("shop"), client)
        assert client.requests == len(api.requests) > len(NAMESPACED_KINDS)
    assert snap.source == "live" and names(snap, "Pod") == {CRASHING, HEALTHY}


# --- the nodes a target's pods run on -----------------------------------------------------------------


def node_metrics(name: str, cpu: str = "850m", memory: str = "3Gi") -> dict[str, Any]:
    return {
        "apiVersion": "metrics.k8s.io/v1beta1",
        "kind": "NodeMetrics",
        "metadata": {"name": name, "creationTimestamp": "2026-11-28T03:31:00Z"},
        "timestamp": "2026-11-28T03:31:00Z",
        "window": "20s",
        "usage": {"cpu": cpu, "memory": memory},
    }


def test_target_scope_gets_the_nodes_its_pods_run_on_and_their_metrics(fake_kube: Any) -> None:
    api = fake_kube([*load_scenario(SHOP).objects, node_metrics("node-a"), node_metrics("node-b")])
    snap = gather(api, f"po/{CRASHING}", namespace="shop")
    node_requests = [r.path for r in api.requests if "/nodes" in r.path]
    # named GETs for the one node the pod runs on, never a list of every node
    assert sorted(node_requests) == ["/api/v1/nodes/node-b", "/apis/metrics.k8s.io/v1beta1/nodes/node-b"]
    assert names(snap, "Node") == {"node-b"} and names(snap, "NodeMetrics") == {"node-b"}

    snap = gather(api, "deploy/api", namespace="shop")
    assert names(snap, "Node") == {"node-b"} and names(snap, "NodeMetrics") == {"node-b"}
    assert not [r for r in api.requests if r.path in ("/api/v1/nodes", "/apis/metrics.k8s.io/v1beta1/nodes")]


def test_explain_compares_requests_with_the_allocatable_of_the_pods_node(
    fake_kube: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from kubectl_prism.cli import main

    api = fake_kube([*load_scenario(SHOP).objects, node_metrics("node-b")])
    with pytest.raises(SystemExit) as exited:
        main(["explain", f"po/{HEALTHY}", "-n", "shop", "--kubeconfig", str(api.kubeconfig), "-o", "json"])
    out = capsys.readouterr()
    assert exited.value.code in (0, None), out.err
    (node,) = json.loads(out.out)["utilization"]["nodes"]
    assert node["name"] == "node-b" and node["found"] is True
    assert node["allocatable"]["cpu"] and node["requestedHere"]["cpuPercent"] is not None
    assert node["usage"]["cpu"] == "850m"
    with pytest.raises(SystemExit):
        main(["explain", f"po/{HEALTHY}", "-n", "shop", "--kubeconfig", str(api.kubeconfig)])
    assert "node not gathered" not in capsys.readouterr().out


def spread_cluster(nodes: int) -> list[dict[str, Any]]:
    """shop, plus `nodes` extra nodes each running one pod of shop."""
    objects = load_scenario(SHOP).objects
    node_a = next(o for o in objects if o["kind"] == "Node" and o["metadata"]["name"] == "node-a")
    extra: list[dict[str, Any]] = []
    for i in range(nodes):
        node = copy.deepcopy(node_a)
        node["metadata"].update(name=f"node-x{i}", uid=f"uid-node-x{i}")
        p = running_pod(f"other-5f6d7-x{i}", "shop")
        p["spec"]["nodeName"] = f"node-x{i}"
        extra += [node, p]
    return [*objects, *extra]


def test_pods_on_many_nodes_cost_one_node_list_not_a_get_per_node(fake_kube: Any) -> None:
    api = fake_kube([*spread_cluster(6), node_metrics("node-x0")])
    snap = gather(api, "ns/shop")
    node_requests = [r.path for r in api.requests if "/nodes" in r.path]
    assert sorted(node_requests) == ["/api/v1/nodes", "/apis/metrics.k8s.io/v1beta1/nodes"]
    # the list is cut down to the nodes the namespace's pods run on (node-a runs none of shop's)
    assert names(snap, "Node") == {"node-b"} | {f"node-x{i}" for i in range(6)}
    assert names(snap, "NodeMetrics") == {"node-x0"}

    small, big = fake_kube(spread_cluster(6)), fake_kube(spread_cluster(40))
    gather(small, "ns/shop")
    gather(big, "ns/shop")
    assert sorted(r.path for r in big.requests if "/nodes" in r.path) == ["/api/v1/nodes"]
    assert len(big.requests) == len(small.requests)  # whatever the number of nodes


def test_namespace_scope_still_reads_no_node_without_node_trouble(fake_kube: Any) -> None:
    api = fake_kube(spread_cluster(6))
    snap = gather(api, namespace="shop")
    assert not [r.path for r in api.requests if "/nodes" in r.path] and "Node" not in snap.objects


def test_logs_of_a_running_but_unready_container_and_of_a_stuck_init_container(fake_kube: Any) -> None:
    unready = running_pod("other-5f6d7-unready", "shop")
    unready["status"]["containerStatuses"][0]["ready"] = False
    stuck = running_pod("other-5f6d7-init", "shop")
    stuck["metadata"]["ownerReferences"][0]["name"] = "init-5f6d7"
    stuck["spec"]["initContainers"] = [{"name": "migrate", "image": "migrate:1"}]
    stuck["status"]["phase"] = "Pending"
    stuck["status"]["initContainerStatuses"] = [{
        "name": "migrate", "image": "migrate:1", "imageID": "", "ready": False, "restartCount": 0,
        "started": True, "state": {"running": {"startedAt": "2026-11-28T03:00:00Z"}}, "lastState": {}}]
    logs = [
        {"namespace": "shop", "pod": "other-5f6d7-unready", "container": "api", "text": "db down\n"},
        {"namespace": "shop", "pod": "other-5f6d7-init", "container": "migrate", "text": "lock held\n"},
    ]
    api = fake_kube([*load_scenario(SHOP).objects, unready, stuck], logs=logs)
    snap = gather(api, namespace="shop")
    assert snap.log("shop", "other-5f6d7-unready", "api") == "db down\n"
    assert snap.log("shop", "other-5f6d7-init", "migrate") == "lock held\n"
    read = {(r.path.split("/")[-2], r.query["container"][0], r.query.get("previous", ["false"])[0])
            for r in api.requests if r.path.endswith("/log")}
    # no previous log asked for containers that never restarted; the healthy pod's log is not read
    assert read == {(CRASHING, "api", "false"), (CRASHING, "api", "true"),
                    ("other-5f6d7-unready", "api", "false"), ("other-5f6d7-init", "migrate", "false")}
    for r in api.requests:
        if r.path.endswith("/log"):
            assert r.query["tailLines"] == ["200"] and r.query["limitBytes"] == ["65536"]
