"""The fake API server through the Python `kubernetes` client (strict pydantic models) and raw HTTPS."""

from __future__ import annotations

import gzip
import http.client
import json
import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.fakes.kube_apiserver import FakeKubeAPI
from tests.scenarios import load_scenario

SCENARIO = Path(__file__).parent / "fakes" / "scenarios" / "shop.yaml"
CRASHING = "api-7d9c5b8f6-hp4zt"
HEALTHY = "api-7d9c5b8f6-x2kqp"
PARTIAL_LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
# What `kubectl get` sends when it prints a table.
TABLE = (
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,"
    "application/json"
)


class Raw:
    """A keep-alive HTTPS connection to the fake server, trusting its CA."""

    def __init__(self, api: FakeKubeAPI, token: str | None = "admin-token"):
        host, port = api.address.split(":")
        context = ssl.create_default_context(cafile=str(api.ca_file))
        self.conn = http.client.HTTPSConnection(host, int(port), context=context, timeout=30)
        self.token = token

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        accept: str = "application/json",
        content_type: str = "application/json",
    ) -> tuple[int, str, bytes]:
        headers = {"Accept": accept}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            headers["Content-Type"] = content_type
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()

    def json(self, method: str, path: str, body: Any = None, **kw: Any) -> tuple[int, Any]:
        status, _, data = self.call(method, path, body, **kw)
        return status, json.loads(data)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeKubeAPI]:
    """Shared by the read-only tests of this module."""
    with FakeKubeAPI.from_scenario(SCENARIO) as api:
        api.kubeconfig = api.write_kubeconfig(tmp_path_factory.mktemp("kc") / "admin")
        yield api


@pytest.fixture
def raw(cluster: FakeKubeAPI) -> Iterator[Raw]:
    client = Raw(cluster)
    yield client
    client.conn.close()


# --- the official Python client ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def core(cluster: FakeKubeAPI) -> Any:
    from kubernetes import client, config

    return client.CoreV1Api(config.new_client_from_config(config_file=str(cluster.kubeconfig)))


def test_client_lists_pods_events_and_nodes_into_strict_models(core: Any) -> None:
    pods = core.list_pod_for_all_namespaces()
    crashing = next(p for p in pods.items if p.metadata.name == CRASHING)
    assert crashing.status.container_statuses[0].state.waiting.reason == "CrashLoopBackOff"
    assert crashing.status.container_statuses[0].last_state.terminated.exit_code == 1
    events = core.list_event_for_all_namespaces(field_selector=f"involvedObject.name={CRASHING}")
    assert {e.reason for e in events.items} == {"Pulled", "Created", "Started", "BackOff"}
    nodes = core.list_node()
    assert [n.status.node_info.kube_proxy_version for n in nodes.items] == ["v1.37.0", "v1.37.0"]
    assert all(n.status.node_info.boot_id and n.status.node_info.machine_id for n in nodes.items)


def test_client_pages_with_limit_and_continue(core: Any) -> None:
    first = core.list_pod_for_all_namespaces(limit=2)
    assert len(first.items) == 2 and first.metadata.remaining_item_count == 3
    names = [p.metadata.name for p in first.items]
    token = first.metadata._continue
    while token:
        page = core.list_pod_for_all_namespaces(limit=2, _continue=token)
        names += [p.metadata.name for p in page.items]
        token = page.metadata._continue
    assert len(names) == 5 and len(set(names)) == 5


def test_client_reads_logs(core: Any) -> None:
    previous = core.read_namespaced_pod_log(CRASHING, "shop", container="api", previous=True, tail_lines=1)
    assert previous == "2026-11-28T03:31:49.012Z FATAL cannot reach database, exiting (exit code 1)\n"
    current = core.read_namespaced_pod_log("coredns-5d78c9869d-7xk2p", "kube-system")
    assert current.startswith(".:53\n")


def test_client_posts_self_subject_access_reviews(cluster: FakeKubeAPI, tmp_path: Path) -> None:
    from kubernetes import client, config

    def can(token: str, namespace: str) -> bool:
        api_client = config.new_client_from_config(
            config_file=str(cluster.write_kubeconfig(tmp_path / token, token=token))
        )
        spec = client.V1SelfSubjectAccessReviewSpec(
            resource_attributes=client.V1ResourceAttributes(
                namespace=namespace, verb="get", resource="pods", subresource="log"
            )
        )
        review = client.AuthorizationV1Api(api_client).create_self_subject_access_review(
            client.V1SelfSubjectAccessReview(spec=spec)
        )
        return review.status.allowed

    assert can("admin-token", "kube-system") is True
    assert can("dev-token", "shop") is True
    assert can("dev-token", "kube-system") is False


# --- lists, selectors, pagination (raw HTTP: what every client sees on the wire) ------------------------


def test_list_shape_matches_the_real_server(raw: Raw) -> None:
    status, body = raw.json("GET", "/api/v1/namespaces/shop/pods")
    assert status == 200
    assert (body["kind"], body["apiVersion"]) == ("PodList", "v1")
    assert body["metadata"]["resourceVersion"].isdigit() and "continue" not in body["metadata"]
    assert all("kind" not in item and "apiVersion" not in item for item in body["items"])
    status, one = raw.json("GET", f"/api/v1/namespaces/shop/pods/{CRASHING}")
    assert (one["kind"], one["apiVersion"], one["metadata"]["name"]) == ("Pod", "v1", CRASHING)
    status, deployments = raw.json("GET", "/apis/apps/v1/deployments")
    assert (deployments["kind"], deployments["apiVersion"]) == ("DeploymentList", "apps/v1")


def test_large_answers_are_gzipped_for_clients_that_accept_it_as_the_real_server_does(fake_kube) -> None:
    """kube-apiserver compresses an answer of 128 KiB or more when the client sends Accept-Encoding: gzip
    (client-go does), streamed chunked; smaller answers and other clients get the bytes as they are."""
    big = [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"cm-{i}", "namespace": "big"},
            "data": {"k": "v" * 1000}} for i in range(200)]
    api = fake_kube(big)
    host, port = api.address.split(":")
    conn = http.client.HTTPSConnection(host, int(port),
                                       context=ssl.create_default_context(cafile=str(api.ca_file)))

    def get(path: str, encoding: str | None) -> tuple[http.client.HTTPResponse, bytes]:
        headers = {"Authorization": "Bearer admin-token"}
        if encoding:
            headers["Accept-Encoding"] = encoding
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response, response.read()

    response, body = get("/api/v1/namespaces/big/configmaps", "gzip")
    assert response.getheader("Content-Encoding") == "gzip" and response.getheader("Content-Length") is None
    assert response.getheader("Transfer-Encoding") == "chunked"
    inflated = gzip.decompress(body)
    assert len(body) < len(inflated) // 10 and len(json.loads(inflated)["items"]) == 200
    response, plain = get("/api/v1/namespaces/big/configmaps", None)
    assert response.getheader("Content-Encoding") is None and plain == inflated
    response, small = get("/api/v1/namespaces/big/configmaps?limit=5", "gzip")
    assert response.getheader("Content-Encoding") is None and len(json.loads(small)["items"]) == 5
    conn.close()


def test_pagination_tokens_are_opaque_and_complete(raw: Raw) -> None:
    seen: list[str] = []
    path = "/api/v1/events?limit=2"
    while True:
        status, body = raw.json("GET", path)
        assert status == 200
        seen += [e["metadata"]["name"] for e in body["items"]]
        token = body["metadata"].get("continue")
        if not token:
            assert "remainingItemCount" not in body["metadata"]
            break
        assert body["metadata"]["remainingItemCount"] == 6 - len(seen)
        path = f"/api/v1/events?limit=2&continue={quote(token)}"
    assert len(seen) == 6 and len(set(seen)) == 6
    status, body = raw.json("GET", "/api/v1/events?limit=2&continue=not-a-token")
    assert status == 400 and body["reason"] == "BadRequest"


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("app=api", {CRASHING, HEALTHY}),
        ("app==api", {CRASHING, HEALTHY}),
        ("app!=api", {"coredns-5d78c9869d-7xk2p", "kube-proxy-4xk8r", "kube-proxy-v9t2m"}),
        ("k8s-app in (kube-dns, nothing)", {"coredns-5d78c9869d-7xk2p"}),
        ("k8s-app notin (kube-proxy),pod-template-hash", {CRASHING, HEALTHY, "coredns-5d78c9869d-7xk2p"}),
        ("controller-revision-hash", {"kube-proxy-4xk8r", "kube-proxy-v9t2m"}),
        ("!pod-template-hash", {"kube-proxy-4xk8r", "kube-proxy-v9t2m"}),
    ],
)
def test_label_selectors(raw: Raw, selector: str, expected: set[str]) -> None:
    status, body = raw.json("GET", f"/api/v1/pods?labelSelector={quote(selector)}")
    assert status == 200
    assert {p["metadata"]["name"] for p in body["items"]} == expected


@pytest.mark.parametrize(
    ("path", "selector", "expected"),
    [
        ("/api/v1/pods", "spec.nodeName=node-a", {"coredns-5d78c9869d-7xk2p", "kube-proxy-4xk8r"}),
        ("/api/v1/pods", "status.phase!=Running", set()),
        ("/api/v1/pods", f"metadata.name={HEALTHY},metadata.namespace=shop", {HEALTHY}),
        ("/api/v1/namespaces/shop/events", f"involvedObject.name={CRASHING},type=Warning", {"BackOff"}),
        (
            "/api/v1/events",
            "involvedObject.kind=Deployment,source=deployment-controller",
            {"ScalingReplicaSet"},
        ),
        ("/api/v1/events", "reason=BackOff,involvedObject.namespace=kube-system", set()),
        ("/api/v1/namespaces?", "status.phase=Active", {"default", "kube-system", "shop"}),
    ],
)
def test_field_selectors(raw: Raw, path: str, selector: str, expected: set[str]) -> None:
    status, body = raw.json("GET", f"{path}?fieldSelector={quote(selector)}".replace("??", "?"))
    assert status == 200
    # Events are told apart by reason, everything else by name.
    assert {item.get("reason") or item["metadata"]["name"] for item in body["items"]} == expected


def test_unsupported_field_selector_is_rejected_like_the_real_server(raw: Raw) -> None:
    status, body = raw.json("GET", "/api/v1/pods?fieldSelector=spec.containers=x")
    assert (status, body["message"]) == (400, "field label not supported: spec.containers")


def test_metadata_only_lists_and_objects(raw: Raw) -> None:
    status, body = raw.json(
        "GET", "/api/v1/namespaces/shop/secrets", accept=PARTIAL_LIST + ",application/json"
    )
    assert status == 200
    assert (body["kind"], body["apiVersion"]) == ("PartialObjectMetadataList", "meta.k8s.io/v1")
    [item] = body["items"]
    assert set(item) == {"kind", "apiVersion", "metadata"} and item["kind"] == "PartialObjectMetadata"
    assert item["metadata"]["name"] == "api-db" and "czNjcjN0" not in json.dumps(body)
    status, one = raw.json(
        "GET",
        "/api/v1/namespaces/shop/secrets/api-db",
        accept="application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1",
    )
    assert one["kind"] == "PartialObjectMetadata" and set(one) == {"kind", "apiVersion", "metadata"}


def test_pod_table(raw: Raw) -> None:
    status, table = raw.json("GET", "/api/v1/namespaces/shop/pods", accept=TABLE)
    assert status == 200 and table["kind"] == "Table"
    assert [c["name"] for c in table["columnDefinitions"]][:5] == [
        "Name",
        "Ready",
        "Status",
        "Restarts",
        "Age",
    ]
    rows = {r["cells"][0]: r for r in table["rows"]}
    assert rows[CRASHING]["cells"][1:3] == ["1/2", "CrashLoopBackOff"]
    assert rows[CRASHING]["cells"][5:7] == ["10.244.1.15", "node-b"]
    assert rows[HEALTHY]["object"]["kind"] == "PartialObjectMetadata"


def test_discovery_answers_plain_json_to_aggregated_requests(raw: Raw) -> None:
    aggregated = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
    status, ctype, data = raw.call("GET", "/apis", accept=aggregated)
    body = json.loads(data)
    assert (status, ctype, body["kind"]) == (200, "application/json", "APIGroupList")
    assert {"apps", "batch", "authorization.k8s.io"} <= {g["name"] for g in body["groups"]}
    assert "metrics.k8s.io" not in {g["name"] for g in body["groups"]}
    status, core = raw.json("GET", "/api/v1")
    assert core["groupVersion"] == "v1"
    resources = {r["name"]: r for r in core["resources"]}
    assert resources["pods"]["namespaced"] and "list" in resources["pods"]["verbs"]
    assert resources["pods/log"]["verbs"] == ["get"] and not resources["nodes"]["namespaced"]
    status, version = raw.json("GET", "/version")
    assert version["gitVersion"].startswith("v1.")


def test_metrics_api_appears_with_metrics_objects(fake_kube) -> None:
    api = fake_kube(SCENARIO)
    raw = Raw(api)
    assert raw.call("GET", "/apis/metrics.k8s.io/v1beta1/pods")[0] == 404
    api.add(
        {
            "apiVersion": "metrics.k8s.io/v1beta1",
            "kind": "PodMetrics",
            "metadata": {"name": HEALTHY, "namespace": "shop"},
            "timestamp": "2026-11-28T03:50:00Z",
            "window": "15s",
            "containers": [{"name": "api", "usage": {"cpu": "3m", "memory": "41Mi"}}],
        }
    )
    status, groups = raw.json("GET", "/apis")
    assert "metrics.k8s.io" in {g["name"] for g in groups["groups"]}
    status, body = raw.json("GET", "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods")
    assert (status, body["kind"], body["items"][0]["containers"][0]["usage"]["cpu"]) == (
        200,
        "PodMetricsList",
        "3m",
    )


# --- errors exactly like the real server ----------------------------------------------------------------


def test_unauthorized_and_forbidden_bodies(cluster: FakeKubeAPI) -> None:
    status, body = Raw(cluster, token="nope").json("GET", "/api/v1/pods")
    assert status == 401
    assert body == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "Unauthorized",
        "reason": "Unauthorized",
        "code": 401,
    }
    status, _, data = Raw(cluster, token="dev-token").call("GET", "/api/v1/namespaces/kube-system/pods")
    assert status == 403
    assert data == (
        b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods is '
        b'forbidden: User \\"dev\\" cannot list resource \\"pods\\" in API group \\"\\" in the '
        b'namespace \\"kube-system\\"","reason":"Forbidden","details":{"kind":"pods"},"code":403}'
    )
    status, body = Raw(cluster, token="dev-token").json(
        "GET", "/apis/apps/v1/namespaces/shop/deployments/api"
    )
    assert body["message"] == (
        'deployments.apps "api" is forbidden: User "dev" cannot get resource "deployments" '
        'in API group "apps" in the namespace "shop"'
    )
    assert body["details"] == {"name": "api", "group": "apps", "kind": "deployments"}


def test_logs_errors_and_limits(raw: Raw) -> None:
    status, body = raw.json("GET", f"/api/v1/namespaces/shop/pods/{CRASHING}/log")
    assert status == 400
    assert body["message"] == (
        f"a container name must be specified for pod {CRASHING}, choose one of: [api log-shipper]"
    )
    status, body = raw.json("GET", f"/api/v1/namespaces/shop/pods/{HEALTHY}/log?container=api&previous=true")
    assert (status, body["message"]) == (
        400,
        f'previous terminated container "api" in pod "{HEALTHY}" not found',
    )
    status, ctype, data = raw.call(
        "GET", f"/api/v1/namespaces/shop/pods/{HEALTHY}/log?container=api&limitBytes=10"
    )
    assert (status, ctype, data) == (200, "text/plain", b"2026-11-28")
    status, body = raw.json("GET", "/api/v1/namespaces/shop/pods/ghost/log")
    assert (status, body["message"]) == (404, 'pods "ghost" not found')


# --- writes ----------------------------------------------------------------------------------------


def test_create_dry_run_conflict_patch_and_delete(fake_kube) -> None:
    api = fake_kube(SCENARIO)
    raw = Raw(api)
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "flags"}, "data": {"a": "1"}}
    status, body = raw.json("POST", "/api/v1/namespaces/shop/configmaps?dryRun=All", config_map)
    assert status == 201 and body["metadata"]["namespace"] == "shop"
    assert api.get("ConfigMap", "flags", "shop") is None and api.mutations == []
    assert [r.dry_run for r in api.requests] == [True]

    assert raw.json("POST", "/api/v1/namespaces/shop/configmaps", config_map)[0] == 201
    status, body = raw.json("POST", "/api/v1/namespaces/shop/configmaps", config_map)
    assert (status, body["reason"], body["message"]) == (
        409,
        "AlreadyExists",
        'configmaps "flags" already exists',
    )

    status, body = raw.json(
        "PATCH",
        "/api/v1/namespaces/shop/configmaps/flags",
        {"data": {"a": None, "b": "2"}},
        content_type="application/merge-patch+json",
    )
    assert (status, body["data"]) == (200, {"b": "2"})
    status, body = raw.json(
        "PATCH",
        "/api/v1/namespaces/shop/configmaps/flags",
        [{"op": "add", "path": "/data/c", "value": "3"}],
        content_type="application/json-patch+json",
    )
    assert body["data"] == {"b": "2", "c": "3"}

    status, body = raw.json("DELETE", "/api/v1/namespaces/shop/configmaps/flags")
    assert (status, body["status"], body["details"]["name"]) == (200, "Success", "flags")
    status, body = raw.json("GET", "/api/v1/namespaces/shop/configmaps/flags")
    assert (status, body["message"]) == (404, 'configmaps "flags" not found')
    assert [(m.method, m.status) for m in api.mutations] == [
        ("POST", 201),
        ("PATCH", 200),
        ("PATCH", 200),
        ("DELETE", 200),
    ]
    assert api.mutations[1].body == {"data": {"a": None, "b": "2"}}


def test_deleting_a_deployment_removes_its_replica_sets_and_pods(fake_kube) -> None:
    api = fake_kube(SCENARIO)
    status, _ = Raw(api).json(
        "DELETE",
        "/apis/apps/v1/namespaces/shop/deployments/api",
        {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"},
    )
    assert status == 200
    assert api.objects("ReplicaSet") == [api.get("ReplicaSet", "coredns-5d78c9869d", "kube-system")]
    assert {p["metadata"]["namespace"] for p in api.objects("Pod")} == {"kube-system"}


def test_watch_streams_initial_events_a_bookmark_then_changes(fake_kube) -> None:
    api = fake_kube(SCENARIO)
    watcher = Raw(api)
    query = "watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true"
    watcher.conn.request(
        "GET", f"/api/v1/namespaces/shop/configmaps?{query}", headers={"Authorization": "Bearer admin-token"}
    )
    stream = watcher.conn.getresponse()
    assert stream.status == 200 and stream.getheader("Transfer-Encoding") == "chunked"

    def next_event() -> tuple[str, str, dict[str, Any]]:
        event = json.loads(stream.readline())
        return event["type"], event["object"]["metadata"].get("name", ""), event["object"]

    assert next_event()[:2] == ("ADDED", "api-config")
    kind, _, bookmark = next_event()
    assert kind == "BOOKMARK" and bookmark["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
    writer = Raw(api)
    writer.call(
        "POST",
        "/api/v1/namespaces/shop/configmaps",
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "new"}},
    )
    writer.call(
        "PATCH",
        "/api/v1/namespaces/shop/configmaps/new",
        {"data": {"k": "v"}},
        content_type="application/merge-patch+json",
    )
    writer.call("DELETE", "/api/v1/namespaces/shop/configmaps/new")
    writer.call(
        "POST",
        "/api/v1/namespaces/kube-system/configmaps",  # another namespace: not streamed
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "elsewhere"}},
    )
    assert [next_event()[:2] for _ in range(3)] == [("ADDED", "new"), ("MODIFIED", "new"), ("DELETED", "new")]
    watcher.conn.close()


def test_keep_alive_requests_with_bodies_are_fast(fake_kube) -> None:
    # Bodies drained and no Nagle/delayed-ACK stall: 60 small requests on one connection stay quick.
    api = fake_kube(SCENARIO)
    raw = Raw(api)
    review = {
        "kind": "SelfSubjectAccessReview",
        "apiVersion": "authorization.k8s.io/v1",
        "spec": {"resourceAttributes": {"verb": "list", "resource": "pods", "namespace": "shop"}},
    }
    started = time.perf_counter()
    for _ in range(30):
        status, body = raw.json("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", review)
        assert (status, body["status"]["allowed"]) == (201, True)
        assert raw.call("GET", "/api/v1/namespaces/shop/pods?limit=1")[0] == 200
    assert time.perf_counter() - started < 2.0  # a 40 ms stall per answer would take 2.4 s
    assert api.mutations == []


def test_injected_failures(fake_kube) -> None:
    api = fake_kube(SCENARIO)
    api.inject("/api/v1/nodes", 503, reason="ServiceUnavailable", message="etcd is down")
    raw = Raw(api)
    status, body = raw.json("GET", "/api/v1/nodes")
    assert (status, body["reason"], body["message"]) == (503, "ServiceUnavailable", "etcd is down")
    assert raw.json("GET", "/api/v1/nodes")[0] == 200


def test_ten_thousand_pods_list_quickly(fake_kube) -> None:
    pod = next(o for o in load_scenario(SCENARIO).objects if o["metadata"]["name"] == CRASHING)
    # Shallow copies are enough: the server serializes each object as it is added.
    pods = [{**pod, "metadata": {**pod["metadata"], "name": f"api-{i:05d}"}} for i in range(10_000)]
    api = fake_kube(pods)
    raw = Raw(api)
    # CPU time of this process (server threads included), so a busy machine does not fail the test.
    started, total, token = time.process_time(), 0, ""
    while True:
        status, _, data = raw.call(
            "GET", "/api/v1/pods?limit=500" + (f"&continue={quote(token)}" if token else "")
        )
        assert status == 200
        meta = json.loads(data[: data.index(b',"items":[')] + b"}")["metadata"]
        total += data.count(b'"generateName"')
        token = meta.get("continue", "")
        if not token:
            break
    elapsed = time.process_time() - started
    assert total == 10_000
    assert elapsed < 2, f"serving 10k pods took {elapsed:.2f}s of CPU"


def test_scenario_validation_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("objects:\n- apiVersion: v1\n  kind: Pod\n  metadata: {namespace: x}\n")
    with pytest.raises(ValueError, match=r"bad\.yaml: objects\[0\] needs 'kind' and 'metadata.name'"):
        load_scenario(bad)
    stamped = tmp_path / "stamped.yaml"
    stamped.write_text(
        "objects:\n- apiVersion: v1\n  kind: Namespace\n"
        "  metadata: {name: x, creationTimestamp: 2026-11-01T09:12:44Z}\n"
    )
    assert load_scenario(stamped).objects[0]["metadata"]["creationTimestamp"] == "2026-11-01T09:12:44Z"


def test_fake_kube_fixture_takes_a_scenario_and_replacement_tokens(fake_kube) -> None:
    ops = [
        {
            "token": "ops-token",
            "user": "ops",
            "rules": [{"verbs": ["list"], "apiGroups": [""], "resources": ["nodes"]}],
        }
    ]
    api = fake_kube(load_scenario(SCENARIO), tokens=ops)
    assert api.kubeconfig is not None and "admin-token" in api.kubeconfig.read_text()
    assert Raw(api, token="ops-token").call("GET", "/api/v1/nodes")[0] == 200
    assert Raw(api, token="ops-token").call("GET", "/api/v1/pods")[0] == 403
    assert (
        Raw(api, token="dev-token").call("GET", "/api/v1/nodes")[0] == 401
    )  # the scenario's tokens were replaced
    assert Raw(api).call("GET", "/api/v1/pods")[0] == 200  # admin-token always works
    assert api.request_count("/api/v1/nodes") == 2 and api.request_count() == 4
