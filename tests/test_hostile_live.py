"""A live cluster that misbehaves: hung, dripping and cut-off answers, throttling, a server that ignores
`limit` with 300,000 pods, a namespace that does not exist, a context without credentials.

Each whole-command case runs the real CLI in a subprocess under a time and memory bound
(`tests/limits.py`): 10 s and 300 MB, with `--request-timeout 2s` (the default 30 s would only make the
same bound slower to reach). One failing request is a gap, named in the output, and the rest goes on.
"""

from __future__ import annotations

import functools
import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kubectl_prism import apipath
from kubectl_prism.gather.http import KubeClient
from kubectl_prism.gather.kubeconfig import resolve_connection
from kubectl_prism.kinds import BY_KIND
from tests.cli_helpers import one_error_line, run_exe
from tests.conftest import FakeKubeFactory
from tests.limits import Limited, run_limited

ROOT = Path(__file__).resolve().parent.parent
SHOP = ROOT / "tests" / "fakes" / "scenarios" / "shop.yaml"
SECONDS, RSS_MB = 10, 300


def diagnose(api: Any, *args: str, timeout: str = "2s") -> Limited:
    return run_limited(["diagnose", "-n", "shop", "-o", "json", "--kubeconfig", api.kubeconfig,
                        "--request-timeout", timeout, *args], seconds=SECONDS, rss_mb=RSS_MB)


def gaps(result: Limited) -> list[dict[str, Any]]:
    assert result.code == 0, result.describe()
    return json.loads(result.stdout)["gaps"]


def bounded(result: Limited) -> None:
    assert result.within(SECONDS, RSS_MB), result.describe()
    assert "Traceback" not in result.stderr


# --- one list misbehaves: a gap, and the rest goes on ---------------------------------------------------


def test_a_hung_list_is_a_gap_and_the_rest_goes_on(fake_kube: FakeKubeFactory) -> None:
    api = fake_kube(SHOP)
    api.inject("/api/v1/namespaces/shop/pods", status=0, delay=60, times=5)  # never answers in time
    result = diagnose(api)
    bounded(result)
    assert {"resource": "pods", "namespace": "shop", "reason": "timed out after 2s"} in gaps(result)
    doc = json.loads(result.stdout)
    assert doc["findings"], "the lists that answered were still analyzed"
    assert "cannot reach" not in result.stderr


def test_a_cut_off_body_is_a_gap(fake_kube: FakeKubeFactory) -> None:
    api = fake_kube(SHOP)
    api.inject("/api/v1/namespaces/shop/events", status=0, truncate=True, times=5)
    result = diagnose(api)
    bounded(result)
    reasons = [g["reason"] for g in gaps(result) if g["resource"] == "events"]
    assert len(reasons) == 1 and reasons[0].startswith("truncated: the connection closed after "), reasons
    assert "more expected" in reasons[0]


def test_a_dripping_body_is_cut_at_the_request_deadline(fake_kube: FakeKubeFactory) -> None:
    """One byte every 0.2 s never trips a per-read timeout: the deadline covers the whole body."""
    api = fake_kube(SHOP)
    api.inject("/api/v1/namespaces/shop/configmaps", status=0, drip=0.2, times=5)
    result = diagnose(api)
    bounded(result)
    assert {"resource": "configmaps", "namespace": "shop", "reason": "timed out after 2s"} in gaps(result)


def test_when_every_request_hangs_it_is_exit_3_in_bounded_time(fake_kube: FakeKubeFactory) -> None:
    api = fake_kube(SHOP)
    for prefix in ("/api", "/apis"):
        api.inject(prefix, status=0, delay=60, times=1000)
    result = diagnose(api, timeout="500ms")
    bounded(result)
    assert result.code == 3, result.describe()
    line = result.stderr.strip()
    assert line.startswith("error: no request to the API server at ") and "timed out after 0.5s" in line
    assert len(line.splitlines()) == 1


def test_the_whole_run_is_bounded_by_ten_request_timeouts(fake_kube: FakeKubeFactory) -> None:
    """Each list answers just inside the request timeout, again and again: the run's deadline ends it."""
    api = fake_kube(SHOP)
    for prefix in ("/api/v1/namespaces/shop", "/apis/"):
        api.inject(prefix, status=0, delay=0.35, times=1000)
    result = diagnose(api, timeout="400ms")  # run deadline: 4 s; 21 lists x 0.35 s / 8 workers < 4 s ...
    bounded(result)
    assert result.seconds < 4 + 3  # ... and the logs and optional kinds after them are cut at 4 s
    assert result.code in (0, 3), result.describe()


# --- throttling ---------------------------------------------------------------------------------------------


def test_429_is_retried_after_retry_after(fake_kube: FakeKubeFactory) -> None:
    api = fake_kube(SHOP)
    api.inject("/api/v1/namespaces/shop/services", status=429, reason="TooManyRequests", times=1,
               headers={"Retry-After": "1"}, message="too many requests, please try again later")
    result = diagnose(api)
    bounded(result)
    assert not [g for g in gaps(result) if g["resource"] == "services"]
    assert api.request_count("/api/v1/namespaces/shop/services") == 2
    assert result.seconds >= 1


def test_503_with_retry_after_is_retried_and_without_it_is_a_gap(fake_kube: FakeKubeFactory) -> None:
    api = fake_kube(SHOP)
    api.inject("/api/v1/namespaces/shop/services", status=503, reason="ServiceUnavailable", times=1,
               headers={"Retry-After": "0"})
    api.inject("/apis/apps/v1/namespaces/shop/deployments", status=503, reason="ServiceUnavailable", times=1)
    result = diagnose(api)
    bounded(result)
    found = gaps(result)
    assert not [g for g in found if g["resource"] == "services"]
    assert {"resource": "deployments.apps", "namespace": "shop", "reason": "server error 503"} in found
    assert api.request_count("/apis/apps/v1/namespaces/shop/deployments") == 1


def test_a_retry_after_past_the_deadline_is_not_waited_for(fake_kube: FakeKubeFactory) -> None:
    api = fake_kube(SHOP)
    api.inject("/api/v1/namespaces/shop/services", status=429, reason="TooManyRequests", times=100,
               headers={"Retry-After": "3600"})
    result = diagnose(api)
    bounded(result)
    assert result.seconds < 8
    assert {"resource": "services", "namespace": "shop",
            "reason": "throttled by the API server (429 Too Many Requests)"} in gaps(result)


# --- size -------------------------------------------------------------------------------------------------

_POD = (b'{"metadata":{"name":"web-%07d","namespace":"big","uid":"00000000-0000-4000-8000-%012d",'
        b'"resourceVersion":"%d","creationTimestamp":"2026-11-01T00:00:00Z","labels":{"app":"web",'
        b'"pod-template-hash":"7d9c5b8f6"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet",'
        b'"name":"web-7d9c5b8f6","uid":"rs-uid","controller":true}]},"spec":{"nodeName":"node-%d",'
        b'"serviceAccountName":"default","schedulerName":"default-scheduler","dnsPolicy":"ClusterFirst",'
        b'"containers":[{"name":"web","image":"nginx:1.27","resources":{"requests":{"cpu":"10m",'
        b'"memory":"16Mi"}}}]},"status":{"phase":"Running","podIP":"10.0.0.1","startTime":'
        b'"2026-11-01T00:00:00Z","conditions":[{"type":"Ready","status":"True","lastTransitionTime":'
        b'"2026-11-01T00:00:00Z"}],"containerStatuses":[{"name":"web","ready":true,"restartCount":0,'
        b'"image":"nginx:1.27","imageID":"docker.io/library/nginx@sha256:' + b"a" * 64 + b'",'
        b'"containerID":"containerd://' + b"b" * 64 + b'","started":true,"state":{"running":'
        b'{"startedAt":"2026-11-01T00:00:00Z"}}}]}}')
HUGE_PODS = 300_000


def _huge_pod_list() -> Iterator[bytes]:
    """A PodList of 300,000 pods (about 330 MB) in one answer, as a server that ignores `limit` sends it."""
    yield b'{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"9"},"items":['
    batch = []
    for i in range(HUGE_PODS):
        batch.append(_POD % (i, i, i, i % 100))
        if len(batch) == 500:
            yield (b"," if i >= 500 else b"") + b",".join(batch)
            batch = []
    yield (b"," + b",".join(batch) if batch else b"") + b"]}"


def test_a_list_that_ignores_limit_with_300k_pods_stays_bounded(fake_kube: FakeKubeFactory) -> None:
    """Bound: one answer is read up to 16 MiB; over that the page is asked again for 50, then 5 objects,
    and a server that still answers with more ignores `limit`: the pods are a gap, not a partial list."""
    assert len(_POD % (1, 1, 1, 1)) * HUGE_PODS > 330 * 10**6  # 330 MB, as in the issue
    api = fake_kube([
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "big"}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": "big"}},
    ])
    api.inject("/api/v1/namespaces/big/pods", status=0, body=_huge_pod_list, times=3)
    result = run_limited(["diagnose", "-n", "big", "-o", "json", "--kubeconfig", api.kubeconfig,
                          "--request-timeout", "5s"], seconds=SECONDS, rss_mb=RSS_MB)
    bounded(result)
    pods_gap = [g for g in gaps(result) if g["resource"] == "pods"]
    assert len(pods_gap) == 1 and "ignores `limit`" in pods_gap[0]["reason"], pods_gap
    limits = [r.query.get("limit") for r in api.requests if r.path == "/api/v1/namespaces/big/pods"]
    assert limits == [["500"], ["50"], ["5"]]


@functools.cache
def _gzip_bomb() -> bytes:
    """A PodList that inflates to 512 MiB (blanks after its first item) from about 500 KiB of gzip."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip stream, as Content-Encoding: gzip has it
    head = b'{"kind":"PodList","apiVersion":"v1","metadata":{},"items":['
    parts = [packer.compress(head + _POD % (1, 1, 1, 1))]
    blanks = b" " * 2**20
    parts += [packer.compress(blanks) for _ in range(512)]
    parts.append(packer.compress(b"]}") + packer.flush())
    return b"".join(parts)


def test_a_gzip_bomb_is_read_up_to_the_byte_cap_of_what_it_inflates_to(fake_kube: FakeKubeFactory) -> None:
    """API servers compress answers (Content-Encoding: gzip): the 16 MiB cap holds for the inflated
    bytes, which are inflated a piece at a time, so 500 KiB that inflate to 512 MiB end as a gap."""
    bomb = _gzip_bomb()
    assert len(bomb) < 2**20
    api = fake_kube([
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "big"}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": "big"}},
    ])
    api.inject("/api/v1/namespaces/big/pods", status=0, headers={"Content-Encoding": "gzip"}, times=3,
               body=lambda: iter([bomb[i:i + 65536] for i in range(0, len(bomb), 65536)]))
    result = run_limited(["diagnose", "-n", "big", "-o", "json", "--kubeconfig", api.kubeconfig,
                          "--request-timeout", "5s"], seconds=SECONDS, rss_mb=RSS_MB)
    bounded(result)
    pods_gap = [g for g in gaps(result) if g["resource"] == "pods"]
    assert len(pods_gap) == 1 and "ignores `limit`" in pods_gap[0]["reason"], pods_gap


def test_a_server_that_ignores_limit_with_an_answer_that_fits_is_read_whole(
        fake_kube: FakeKubeFactory) -> None:
    objects = [{"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": f"cm-{i:04d}", "namespace": "big"}, "data": {"k": "v" * 100}}
               for i in range(1200)]
    api = fake_kube(objects)
    api.ignore_limit = True
    with KubeClient(resolve_connection(str(api.kubeconfig))) as client:
        items = client.list(apipath.collection(BY_KIND["ConfigMap"], "big"))
    assert len(items) == 1200
    assert api.request_count("/api/v1/namespaces/big/configmaps") == 1


def test_a_gzipped_list_reads_as_the_same_objects(fake_kube: FakeKubeFactory) -> None:
    objects = [{"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": f"cm-{i:04d}", "namespace": "big"}, "data": {"k": "v" * 200}}
               for i in range(1200)]
    api = fake_kube(objects)
    with KubeClient(resolve_connection(str(api.kubeconfig))) as client:
        items = client.list(apipath.collection(BY_KIND["ConfigMap"], "big"))
    assert [i["metadata"]["name"] for i in items] == [o["metadata"]["name"] for o in objects]
    assert all(i["data"] == {"k": "v" * 200} for i in items)
    answers = [(r.query.get("limit"), r.gzipped) for r in api.requests]
    assert answers == [(["500"], True), (["500"], True), (["500"], False)]  # the last page is under 128 KiB


def test_a_page_over_the_byte_cap_is_asked_again_in_smaller_pages(fake_kube: FakeKubeFactory) -> None:
    objects = [{"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": f"dash-{i:02d}", "namespace": "mon"}, "data": {"d.json": "x" * 20_000}}
               for i in range(40)]
    api = fake_kube(objects)
    with KubeClient(resolve_connection(str(api.kubeconfig)), answer_bytes=256 * 1024) as client:
        items = client.list(apipath.collection(BY_KIND["ConfigMap"], "mon"))
    assert sorted(i["metadata"]["name"] for i in items) == [f"dash-{i:02d}" for i in range(40)]
    limits = [r.query["limit"][0] for r in api.requests]
    assert limits[:3] == ["500", "50", "5"] and set(limits[3:]) == {"5"} and len(limits) == 2 + 8


# --- a namespace that does not exist ------------------------------------------------------------------------


def test_a_namespace_that_does_not_exist_is_exit_3_live(fake_kube: FakeKubeFactory) -> None:
    api = fake_kube(SHOP)
    result = run_exe("diagnose", "-n", "nosuchns", "--fail-on", "critical", "--kubeconfig", api.kubeconfig)
    line = one_error_line(result, 3)
    assert line == 'error: namespace "nosuchns" not found (list them with: kubectl get namespaces)'


def test_a_namespace_that_does_not_exist_is_exit_3_in_a_snapshot() -> None:
    result = run_exe("diagnose", "-n", "nosuchns", "--fail-on", "critical", "--snapshot",
                     ROOT / "examples" / "shop-outage")
    line = one_error_line(result, 3)
    assert line.startswith('error: namespace "nosuchns" not found in snapshot ') and "shop" in line


def test_an_empty_namespace_that_exists_is_no_error(fake_kube: FakeKubeFactory) -> None:
    empty = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "empty"}}
    api = fake_kube([*_shop_objects(), empty])
    result = run_exe("diagnose", "-n", "empty", "--fail-on", "critical", "--kubeconfig", api.kubeconfig)
    assert result.returncode == 0, result.stderr


def _shop_objects() -> list[dict[str, Any]]:
    from tests.scenarios import load_scenario

    return load_scenario(SHOP).objects


LIST_ONLY_IN = [{"token": "ns-reader", "user": "ns-reader",
                 "rules": [{"verbs": ["get", "list"], "apiGroups": ["*"], "resources": ["*"],
                            "namespaces": ["nosuchns", "shop"]}]}]


def test_a_user_who_cannot_get_namespaces_is_still_told(fake_kube: FakeKubeFactory, tmp_path: Path) -> None:
    """No GET on the namespace object, but an empty ServiceAccount list says it: every namespace has
    its `default` ServiceAccount. The same user is served as usual in a namespace that exists."""
    api = fake_kube(SHOP, tokens=LIST_ONLY_IN)
    kubeconfig = api.write_kubeconfig(tmp_path / "kc", token="ns-reader")
    line = one_error_line(run_exe("diagnose", "-n", "nosuchns", "--kubeconfig", kubeconfig), 3)
    assert 'namespace "nosuchns" not found: it holds no objects, not even its default ServiceAccount' in line
    assert run_exe("diagnose", "-n", "shop", "--kubeconfig", kubeconfig).returncode == 0


def test_when_neither_can_be_read_it_is_a_gap_not_a_verdict(
        fake_kube: FakeKubeFactory, tmp_path: Path) -> None:
    tokens = [{"token": "pods-only", "user": "pods-only",
               "rules": [{"verbs": ["list"], "apiGroups": [""], "resources": ["pods"]}]}]
    api = fake_kube([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "quiet"}}], tokens=tokens)
    kubeconfig = api.write_kubeconfig(tmp_path / "kc", token="pods-only")
    result = run_exe("diagnose", "-n", "quiet", "-o", "json", "--kubeconfig", kubeconfig)
    assert result.returncode == 0, result.stderr
    reasons = {g["resource"]: g["reason"] for g in json.loads(result.stdout)["gaps"]}
    assert reasons["namespaces"] == "forbidden (could not check that namespace quiet exists)"


# --- wording ----------------------------------------------------------------------------------------------


def test_a_context_naming_a_missing_user_is_not_told_to_refresh_a_login(
        fake_kube: FakeKubeFactory, tmp_path: Path) -> None:
    import yaml

    api = fake_kube(SHOP)
    config = yaml.safe_load(api.kubeconfig.read_text())
    config["contexts"][0]["context"]["user"] = "ghost"
    path = tmp_path / "kc"
    path.write_text(yaml.safe_dump(config))
    line = one_error_line(run_exe("diagnose", "-n", "shop", "--kubeconfig", path), 3)
    assert "refresh your login" not in line
    assert 'context "fake" names user "ghost", which is not in the kubeconfig' in line
    assert line.startswith("error: the server requires credentials (401 Unauthorized)")


def test_transport_errors_are_words_not_python_tuples(fake_kube: FakeKubeFactory) -> None:
    api = fake_kube(SHOP)
    api.inject("/", status=0, close=True, times=10_000)  # every connection closed without an answer
    result = diagnose(api)
    bounded(result)
    assert result.code == 3
    line = result.stderr.strip()
    assert "the server closed the connection without answering" in line, line
    assert "('" not in line and "RemoteDisconnected" not in line and "object at 0x" not in line


@pytest.mark.parametrize("value", ["soon", "-5s", "1x", ""])
def test_a_bad_request_timeout_is_a_usage_error(value: str) -> None:
    line = one_error_line(run_exe("diagnose", "--request-timeout", value, "--snapshot", "."), 2)
    assert "invalid --request-timeout" in line


def test_mcp_tools_use_the_request_timeout_and_say_what_happened(fake_kube: FakeKubeFactory,
                                                                 tmp_path: Path) -> None:
    import time

    from kubectl_prism.mcpserver.cluster import ServeScope
    from kubectl_prism.mcpserver.policy import Policy
    from kubectl_prism.mcpserver.tools import Tools

    api = fake_kube(SHOP)
    api.inject("/api/v1/namespaces/shop/configmaps", status=0, delay=60, times=5)
    tools = Tools(ServeScope(kubeconfig=str(api.kubeconfig), namespace="shop", request_timeout=1.0))
    started = time.monotonic()
    reply = tools.list_resources(Policy(enabled=True), "cm", None, None, None)
    assert time.monotonic() - started < 5
    assert reply.is_error and "cannot list configmaps: timed out after 1s" in reply.body.text
