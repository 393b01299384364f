"""Hostile names at every entry point: CLI TARGET and -n, every MCP tool, every `ask` tool, and names
taken from cluster objects (owner references, container statuses). A name that cannot exist in
Kubernetes is a usage error (exit 2) or a tool error, and never a request: the fake API server's record
of requests is the judge. (The naming rules and the path builder itself: test_apipath.py.)"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubectl_prism.ai.providers.base import ToolCall
from kubectl_prism.ai.tools import AskTools
from kubectl_prism.errors import PrismError
from kubectl_prism.mcpserver import analysis
from kubectl_prism.mcpserver.cluster import ServeScope, ToolInputError
from kubectl_prism.mcpserver.policy import Policy, Refused
from kubectl_prism.mcpserver.tools import Tools
from kubectl_prism.options import GlobalOptions
from tests.cli_helpers import run_exe, run_main
from tests.fakes.kube_apiserver import FakeKubeAPI
from tests.mcp_harness import McpSession, server_env

SECRET_VALUE = "hunter2-db-password-9f8e7d"
REPRO_NAME = "../../dev/secrets/db-creds"
HOSTILE = [
    "..", REPRO_NAME, "%2e%2e", "%2e%2e%2f%2e%2e%2fdev%2fsecrets%2fdb-creds", "x/y", "db-creds?x=", "x#y",
    "x%00", "x\x00y", "ѕhop",  # Cyrillic ѕ
    "shop\u200b", "a" * 300,
]


def _objects() -> list[dict[str, Any]]:
    def meta(name: str, ns: str | None = None, **extra: Any) -> dict[str, Any]:
        m = {"name": name, "uid": f"uid-{ns}-{name}", "resourceVersion": "1",
             "creationTimestamp": "2026-11-01T00:00:00Z", **extra}
        return {**m, "namespace": ns} if ns else m

    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": meta("api-0", "prod", labels={"app": "api"}),
           "spec": {"nodeName": "node-1", "containers": [{"name": "api", "image": "api:1"}]},
           "status": {"phase": "Running", "containerStatuses": [
               {"name": "api", "ready": False, "restartCount": 3, "image": "api:1", "imageID": "",
                "started": True,
                "state": {"running": {"startedAt": "2026-11-01T00:00:00Z"}},
                "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}}
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": meta("prod"), "status": {"phase": "Active"}},
        {"apiVersion": "v1", "kind": "Namespace", "metadata": meta("dev"), "status": {"phase": "Active"}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta("app-config", "prod"), "data": {"a": "b"}},
        {"apiVersion": "v1", "kind": "Secret", "metadata": meta("db-creds", "dev"), "type": "Opaque",
         "data": {"password": base64.b64encode(SECRET_VALUE.encode()).decode()}},
        pod,
    ]


LOGS = [{"namespace": "prod", "pod": "api-0", "container": "api", "text": "boom\n"}]


@pytest.fixture(scope="module")
def api() -> Iterator[FakeKubeAPI]:
    with FakeKubeAPI(_objects(), LOGS) as server:
        yield server


@pytest.fixture
def kubeconfig(api: FakeKubeAPI, tmp_path: Path) -> Path:
    return api.write_kubeconfig(tmp_path / "kubeconfig", namespace="prod")


def assert_safe(api: FakeKubeAPI, allowed: str = "prod") -> None:
    """Every request stayed in `allowed` (or was cluster-scoped), and no Secret was read with data."""
    for r in api.requests:
        assert ".." not in r.path.split("/") and "%" not in r.raw_path, r.raw_path
        parts = r.path.strip("/").split("/")
        rest = parts[2:] if parts[0] == "api" else parts[3:]  # after /api/v1 or /apis/GROUP/VERSION
        if len(rest) >= 3 and rest[0] == "namespaces":
            assert rest[1] == allowed, r.path
            rest = rest[2:]
        if parts[0] == "api" and rest and rest[0] == "secrets":
            assert "PartialObjectMetadata" in r.accept, (r.path, r.accept)


# --- CLI ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", HOSTILE)
def test_cli_target_and_namespace_are_usage_errors_never_requests(
        name: str, api: FakeKubeAPI, kubeconfig: Path, capsys: pytest.CaptureFixture[str]) -> None:
    api.clear_requests()
    kc = ["--kubeconfig", str(kubeconfig)]
    runs = [
        ["diagnose", f"cm/{name}", "-n", "prod"], ["explain", f"pod/{name}"], ["context", f"svc/{name}"],
        ["diagnose", "-n", name], ["explain", "pod/api-0", "-n", name], ["context", "pod/api-0", "-n", name],
        ["report", "-n", name, "--out", "r.md"], ["ask", "why?", "-n", name], ["mcp", "serve", "-n", name],
        ["diagnose", "-n", name, "--snapshot", "."],
    ]
    for args in runs:
        code, out, err = run_main(capsys, *args, *kc)
        assert code == 2, (args, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), err
        assert len(lines[0]) < 500 and "\x00" not in lines[0]
        assert out == ""
    assert api.requests == []


def test_cli_exact_issue_probe_sends_nothing(api: FakeKubeAPI, kubeconfig: Path) -> None:
    api.clear_requests()
    result = run_exe("diagnose", "-n", "bad/ns?x=1", "--kubeconfig", kubeconfig)
    assert result.returncode == 2
    assert result.stderr.startswith('error: invalid namespace "bad/ns?x=1": it must be a DNS-1123 label')
    assert api.requests == []


# --- MCP tools, in-process ---------------------------------------------------------------------------

OPEN = Policy(enabled=True)
PROD_ONLY = Policy(enabled=True, namespaces=("prod",))


def _mcp_calls(tools: Tools, policy: Policy, bad: str) -> list[tuple[str, Any]]:
    return [
        ("get_resource name", lambda: tools.get_resource(policy, "cm", bad, "prod", None)),
        ("get_resource secret", lambda: tools.get_resource(policy, "secret", bad, "prod", None)),
        ("get_resource ns", lambda: tools.get_resource(policy, "cm", "app-config", bad, None)),
        ("get_resource namespace obj", lambda: tools.get_resource(policy, "ns", bad, None, None)),
        ("list_resources ns", lambda: tools.list_resources(policy, "secrets", bad, None, None)),
        ("events ns", lambda: tools.events(policy, bad, None, None, None)),
        ("events name", lambda: tools.events(policy, "prod", "pod", bad, None)),
        ("logs pod", lambda: tools.logs(policy, bad, "prod", None, False, 10, None)),
        ("logs ns", lambda: tools.logs(policy, "api-0", bad, "api", False, 10, None)),
        ("logs container", lambda: tools.logs(policy, "api-0", "prod", bad, True, 10, None)),
        ("diagnose target", lambda: analysis.diagnose(tools, policy, f"pod/{bad}", "prod", False, None)),
        ("diagnose ns", lambda: analysis.diagnose(tools, policy, None, bad, False, None)),
        ("explain target", lambda: analysis.explain(tools, policy, f"deploy/{bad}", "prod", None)),
        ("explain ns", lambda: analysis.explain(tools, policy, "pod/api-0", bad, None)),
        ("health_summary ns", lambda: analysis.health_summary(tools, policy, bad, False, None)),
        ("list_namespaces context", lambda: tools.list_namespaces(policy, bad)),
    ]


@pytest.mark.parametrize("policy", [OPEN, PROD_ONLY], ids=["open", "allow-prod"])
@pytest.mark.parametrize("bad", HOSTILE)
def test_every_mcp_tool_refuses_a_hostile_name_without_a_request(
        bad: str, policy: Policy, api: FakeKubeAPI, kubeconfig: Path) -> None:
    tools = Tools(ServeScope(kubeconfig=str(kubeconfig)))
    tools.cluster.connection(None)  # resolve the kubeconfig before the count starts
    api.clear_requests()
    for label, call in _mcp_calls(tools, policy, bad):
        with pytest.raises((PrismError, Refused, ToolInputError)):
            call()
        assert api.requests == [], label


def test_a_hostile_label_selector_stays_a_query_value(api: FakeKubeAPI, kubeconfig: Path) -> None:
    tools = Tools(ServeScope(kubeconfig=str(kubeconfig)))
    api.clear_requests()
    reply = tools.list_resources(PROD_ONLY, "cm", "prod", "app=x&fieldSelector=/../../dev#", None)
    assert reply.is_error  # the server rejects the selector (400), and that is all
    assert [r.path for r in api.requests] == ["/api/v1/namespaces/prod/configmaps"]
    assert api.requests[0].query["labelSelector"] == ["app=x&fieldSelector=/../../dev#"]


# --- MCP over stdio: the issue's exact repro --------------------------------------------------------------


def test_mcp_repro_configmap_name_cannot_read_a_secret_of_another_namespace(
        api: FakeKubeAPI, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    env = server_env(tmp_path)
    kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig", namespace="prod")
    for key, value in env.items():  # `mcp enable` in-process writes the config the server reads
        monkeypatch.setenv(key, value)
    code, _, err = run_main(capsys, "mcp", "enable", "--allow-namespace", "prod")
    assert code == 0, err
    with McpSession(["mcp", "serve", "--kubeconfig", str(kubeconfig)], env, tmp_path / "stderr.log") as s:
        api.clear_requests()
        result = s.call("get_resource", {"kind": "cm", "name": REPRO_NAME, "namespace": "prod"})
        assert result.is_error and "invalid config map name" in s.text(result)
        result = s.call("logs", {"pod": REPRO_NAME + "?x=", "namespace": "prod"})
        assert result.is_error and "invalid pod name" in s.text(result)
        result = s.call("get_resource", {"kind": "cm", "name": "app-config", "namespace": "prod"})
        assert not result.is_error  # the tool still works for a real name
    assert [r.path for r in api.requests] == ["/api/v1/namespaces/prod/configmaps/app-config"]
    received = "".join(s.received)
    assert SECRET_VALUE not in received and base64.b64encode(SECRET_VALUE.encode()).decode() not in received


# --- ask tools ---------------------------------------------------------------------------------------------


def _ask_calls(bad: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("get_resource", {"kind": "cm", "name": bad}), ("get_resource", {"kind": "secrets", "name": bad}),
        ("get_resource", {"kind": "cm", "name": "app-config", "namespace": bad}),
        ("list_resources", {"kind": "secrets", "namespace": bad}),
        ("get_events", {"target": f"pod/{bad}"}), ("get_events", {"namespace": bad}),
        ("get_logs", {"pod": bad}), ("get_logs", {"pod": "api-0", "container": bad}),
        ("get_logs", {"pod": "api-0", "namespace": bad}),
        ("diagnose", {"target": f"pod/{bad}"}), ("diagnose", {"namespace": bad}),
        ("explain", {"target": f"cm/{bad}"}), ("explain", {"target": "pod/api-0", "namespace": bad}),
        ("resource_usage", {"kind": "pods", "namespace": bad}),
    ]


@pytest.mark.parametrize("scope", ["prod", "all"])
def test_every_ask_tool_refuses_a_hostile_name_without_a_request(
        scope: str, api: FakeKubeAPI, kubeconfig: Path) -> None:
    g = GlobalOptions(kubeconfig=str(kubeconfig), namespace="prod" if scope == "prod" else None,
                      all_namespaces=scope == "all")
    tools = AskTools(g)
    tools.scope()  # the person's own scope is read once, before the model asks for anything
    api.clear_requests()
    for bad in HOSTILE:
        for name, args in _ask_calls(bad):
            out = tools.execute(ToolCall("t1", name, args))
            if "namespace" not in args:  # (a namespace outside the data is just an empty filter with -A)
                assert out.status in ("error", "no_data"), (name, args, out.content.text[:300])
            assert api.requests == [], (name, args, [r.path for r in api.requests])
            assert SECRET_VALUE not in out.content.text


# --- names from the cluster itself --------------------------------------------------------------------------


def test_hostile_references_in_cluster_objects_are_gaps_not_requests(
        fake_kube: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An ownerReference, a scaleTargetRef or a container status naming `../../dev/secrets/...` is data
    the API server does not validate as a path: it must never become one."""
    objects = _objects()
    pod = objects[-1]
    pod["metadata"]["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "controller": True,
                                           "name": "../../../../api/v1/namespaces/dev/secrets/db-creds",
                                           "uid": "u1"}]
    pod["status"]["containerStatuses"][0]["name"] = "api/../../../../dev/secrets/db-creds?x="
    objects.append({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                    "metadata": {"name": "api", "namespace": "prod", "uid": "h1", "resourceVersion": "1",
                                 "creationTimestamp": "2026-11-01T00:00:00Z"},
                    "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                                "name": "../../../../api/v1/namespaces/dev/secrets/db-creds"},
                             "minReplicas": 1, "maxReplicas": 3}})
    api = fake_kube(objects)
    kc = api.write_kubeconfig(tmp_path / "kc", namespace="prod")
    for args in (["diagnose", "pod/api-0"], ["diagnose", "hpa/api"], ["diagnose"], ["explain", "pod/api-0"]):
        code, out, err = run_main(capsys, *args, "--kubeconfig", kc, "-o", "json")
        assert code == 0, (args, err)
        assert SECRET_VALUE not in out
        if args == ["diagnose", "pod/api-0"]:
            gaps = json.loads(out)["gaps"]
            assert {"resource": "replicasets.apps", "namespace": "prod",
                    "reason": "skipped a reference with an invalid name"} in gaps
            assert {"resource": "pods/log", "namespace": "prod",
                    "reason": "skipped a container with an invalid name"} in gaps
    assert_safe(api)


# --- property: whatever the assistant sends, nothing leaves prod -------------------------------------------

_NAME_PIECES = st.sampled_from(["a", "0", "-", ".", "..", "/", "%2e", "%2F", "?", "#", "&", "\x00", "ѕ",
                                "dev", "secrets", "db-creds", "prod", "configmaps", "A", " "])
_ANY_NAME = st.lists(_NAME_PIECES, max_size=10).map("".join) | st.text(max_size=20)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=_ANY_NAME, kind=st.sampled_from(["cm", "secret", "pod", "svc", "deploy", "ns", "node"]),
       container=st.none() | _ANY_NAME)
def test_property_no_mcp_request_leaves_the_allowed_namespace_or_reads_secret_data(
        name: str, kind: str, container: str | None, api: FakeKubeAPI, kubeconfig: Path) -> None:
    tools = Tools(ServeScope(kubeconfig=str(kubeconfig)))
    api.clear_requests()
    for call in (lambda: tools.get_resource(PROD_ONLY, kind, name, "prod", None),
                 lambda: tools.logs(PROD_ONLY, name, "prod", container, False, 5, None),
                 lambda: tools.events(PROD_ONLY, "prod", kind, name or None, None)):
        try:
            reply = call()
        except (PrismError, Refused, ToolInputError):
            continue
        assert SECRET_VALUE not in reply.body.text
    assert_safe(api)
