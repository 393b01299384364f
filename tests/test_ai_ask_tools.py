"""The `ask` tools one by one over the bundled examples, a planted dump and the fake API server:
arguments checked against the schemas, results that degrade instead of refusing, "not gathered"
instead of "none", kubectl's selector syntax, logs of any pod, and what changed recently."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_prism.ai.providers.base import ToolCall
from kubectl_prism.ai.tool_specs import KIND_NAMES, SPECS
from kubectl_prism.ai.tools import MAX_RESULT_CHARS, AskTools
from kubectl_prism.cli import main
from kubectl_prism.options import GlobalOptions
from tests.ai_support import SHOP, enable_ai, isolate, unfence
from tests.fakes.ai_server import FakeAIServer, Reply, text

EXAMPLES = Path(__file__).parent.parent / "examples"
SHOP_OUTAGE = EXAMPLES / "shop-outage"
API_POD = "api-7d9c5b8f6d-nnhwj"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate(tmp_path, monkeypatch)


@pytest.fixture
def server() -> Iterator[FakeAIServer]:
    with FakeAIServer() as s:
        yield s


def tools(snapshot: Path = SHOP_OUTAGE, namespace: str | None = "shop", **kw: Any) -> AskTools:
    g = GlobalOptions(snapshot=snapshot, namespace=namespace, all_namespaces=namespace is None)
    return AskTools(g, **kw)


def call(t: AskTools, tool_name: str, **arguments: Any) -> tuple[str, str]:
    out = t.execute(ToolCall("c", tool_name, arguments))
    return out.status, unfence(out.content.text)


def result(t: AskTools, tool_name: str, **arguments: Any) -> tuple[str, Any]:
    status, body = call(t, tool_name, **arguments)
    return status, json.loads(body)["result"]


# --- degrade, never refuse -----------------------------------------------------------------------
SCOPES = [(SHOP_OUTAGE, "shop"), (SHOP_OUTAGE, None), (EXAMPLES / "payments-degraded", "payments"),
          (EXAMPLES / "payments-degraded", None), (EXAMPLES / "healthy", None)]


@pytest.mark.parametrize(("snapshot", "namespace"), SCOPES)
def test_diagnose_fits_every_bundled_scope_one_line_per_finding(snapshot: Path,
                                                                namespace: str | None) -> None:
    t = tools(snapshot, namespace)
    out = t.execute(ToolCall("c", "diagnose", {}))
    assert out.status in ("success", "no_data") and len(out.content) <= MAX_RESULT_CHARS
    doc = json.loads(unfence(out.content.text))["result"]
    assert all("\n" not in line for line in doc["findings"])
    assert "left_out" not in doc, "every finding fits as one line"
    if doc["findings"]:
        assert "call explain(target=KIND/NAME)" in doc["note"]


def test_diagnose_lines_carry_the_cause_link() -> None:
    _, doc = result(tools(), "diagnose")
    deployment = next(line for line in doc["findings"] if "deployment-unavailable" in line and "api" in line)
    assert deployment.endswith(f"caused by pod-crash-loop on Pod shop/{API_POD}")


def test_a_long_list_is_shortened_and_says_so() -> None:
    t = tools(namespace=None, max_chars=1500)
    status, doc = result(t, "list_resources", kind="pods")
    assert status == "success"
    assert 0 < len(doc["items"]) < doc["count"]
    assert doc["left_out"].startswith(f"{doc['count'] - len(doc['items'])} more not shown")


def test_a_big_object_falls_back_to_its_status() -> None:
    t = tools(max_chars=2500)
    status, body = call(t, "get_resource", kind="pods", name=API_POD)
    assert status == "success"
    assert body.startswith("(the whole Pod is too large to send: this is its metadata and status only)")
    obj = yaml.safe_load(body.split("\n", 1)[1])
    assert "spec" not in obj and obj["status"]["phase"] == "Running"


def test_a_15000_character_last_line_is_reachable(tmp_path: Path) -> None:
    dump = _copy_example(tmp_path)
    logs = dump / "shop" / "db-0" / "logs.txt"
    huge = "ERROR " + "x" * 7_000 + " the decisive end " + "y" * 7_976
    text = logs.read_text().replace("==== END logs", huge + "\n==== END logs", 1)
    logs.write_text(text)
    status, body = call(tools(dump), "get_logs", pod="db-0", tail_lines=1)
    assert status == "success"
    header, line = body.split("\n")
    assert "1 long line(s) clipped to about 400 characters" in header
    assert line.startswith("ERROR xxx") and line.endswith("y" * 100)
    assert "[line clipped: 15,000 characters, middle left out]" in line and len(line) < 500


def _copy_example(tmp_path: Path) -> Path:
    import shutil

    return Path(shutil.copytree(SHOP_OUTAGE, tmp_path / "dump"))


# --- arguments against the schema ---------------------------------------------------------------
def test_kind_is_an_enum_in_every_schema_that_takes_one() -> None:
    for spec in SPECS:
        kind = spec.parameters["properties"].get("kind")
        if kind is not None and spec.name != "resource_usage":
            assert kind["enum"] == list(KIND_NAMES) and "pods" in KIND_NAMES and "statefulsets" in KIND_NAMES


@pytest.mark.parametrize("spelling", ["Pod", "po", "pods", "pod", " PODS "])
def test_kind_spellings_kubectl_accepts(spelling: str) -> None:
    status, doc = result(tools(), "list_resources", kind=spelling)
    assert status == "success" and doc["kind"] == "pods"


def test_string_values_are_converted_false_is_false() -> None:
    t = tools()
    _, warnings = result(t, "get_events", warnings_only="true")
    _, everything = result(t, "get_events", warnings_only="false")
    assert {e["type"] for e in warnings["events"]} == {"Warning"}
    assert "Normal" in {e["type"] for e in everything["events"]}
    status, body = call(t, "get_logs", pod=API_POD, previous="false", tail_lines="3")
    assert status == "success" and "--- last 3 of" in body and "(previous instance)" not in body


@pytest.mark.parametrize(("arguments", "message"), [
    ({"pod": API_POD, "tail_lines": "ten"}, "get_logs: argument tail_lines must be an integer, got 'ten'"),
    ({"pod": API_POD, "previous": "maybe"}, "get_logs: argument previous must be true or false, got 'maybe'"),
    ({"pod": API_POD, "tail_lines": 2.5}, "argument tail_lines must be an integer, got 2.5"),
    ({"pod": API_POD, "lines": 5}, "get_logs has no argument 'lines'; its arguments are: pod, namespace"),
    ({}, "get_logs needs pod"),
])
def test_bad_values_are_tool_errors_naming_the_argument(arguments: dict[str, Any], message: str) -> None:
    status, body = call(tools(), "get_logs", **arguments)
    assert status == "error" and message in body


def test_out_of_range_numbers_are_clamped_and_said() -> None:
    status, body = call(tools(), "get_logs", pod=API_POD, tail_lines=5000)
    assert status == "success"
    assert body.endswith("note: tail_lines=5000 is above the maximum 200; used 200")


def test_a_bad_argument_through_the_cli_is_not_an_internal_error(
    capsys: pytest.CaptureFixture[str], server: FakeAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    enable_ai(server, monkeypatch)
    server.enqueue(Reply(tool_calls=[("get_logs", {"pod": API_POD, "tail_lines": "ten"})]),
                   text("I will ask for fewer lines."))
    with pytest.raises(SystemExit) as exc:
        main(["ask", "why?", "--snapshot", str(SHOP_OUTAGE), "-n", "shop"])
    out = capsys.readouterr().out
    assert exc.value.code in (0, None)
    assert "get_logs(pod=" in out and "-> error" in out
    result_block = server.requests[1].json["messages"][-1]["content"][0]
    assert result_block["is_error"] is True and "tail_lines must be an integer" in result_block["content"]


def test_namespace_outside_the_scope_names_the_argument() -> None:
    status, body = call(tools(), "list_resources", kind="pods", namespace="kube-system")
    assert status == "error"
    assert "outside the scope of this question (namespace shop); leave out the namespace argument" in body


# Errors are for the model: they name the tool and its own argument (or the tool to call), never a flag.
@pytest.mark.parametrize(("namespace", "tool_name", "arguments", "message"), [
    ("shop", "get_logs", {"pod": "x", "namespace": "Bad NS"},
     "get_logs: argument namespace: invalid namespace"),
    (None, "list_resources", {"kind": "pods", "namespace": "-x"},
     "list_resources: argument namespace: invalid"),
    ("shop", "get_resource", {"kind": "pods", "name": "Bad_Name!"},
     "get_resource: argument name: invalid pod name"),
    ("shop", "get_logs", {"pod": "UPPER"}, "get_logs: argument pod: invalid pod name"),
    ("shop", "explain", {"target": "deploy/a b"}, "explain: argument target: invalid deployment name"),
    ("shop", "explain", {"target": "widget/x"}, "explain: target 'widget/x' is not KIND/NAME"),
    ("shop", "get_logs", {"pod": API_POD, "container": "nope"}, "get_logs: pod api-7d9c5b8f6d-nnhwj has no "
     "container 'nope'; its containers are api"),
    ("shop", "resource_usage", {"kind": "deployments"}, "resource_usage: argument kind"),
    (None, "explain", {"target": "pod/nope"}, "pods/nope not found; call list_resources(kind=pods)"),
    (None, "diagnose", {"target": "deploy/nope"}, "deployments/nope not found; call list_resources"),
    ("shop", "nope", {}, "there is no tool 'nope'; the tools are: diagnose, explain"),
])
def test_tool_errors_name_the_tool_and_its_argument(namespace: str | None, tool_name: str,
                                                    arguments: dict[str, Any], message: str) -> None:
    status, body = call(tools(namespace=namespace), tool_name, **arguments)
    assert status in ("error", "no_data") and message in body, body
    for person_words in ("-n NAMESPACE", "--namespace", "kubectl prism", "cannot be retrieved by name"):
        assert person_words not in body


def test_a_name_without_namespace_across_all_namespaces_is_found_where_it_is() -> None:
    t = tools(namespace=None)  # -A: the model names objects without their namespace
    for tool_name, arguments in [("explain", {"target": "deploy/api"}),
                                 ("diagnose", {"target": "deploy/api"}),
                                 ("get_resource", {"kind": "pods", "name": API_POD}),
                                 ("recent_changes", {"target": "deploy/api"}),
                                 ("get_logs", {"pod": API_POD, "tail_lines": 2})]:
        status, body = call(t, tool_name, **arguments)
        assert status == "success", (tool_name, body)
        assert "not found" not in body
    _, doc = result(t, "explain", target="deploy/api")
    assert doc["namespace"] == "shop"  # the model learns where it was found


def test_a_name_in_two_namespaces_asks_for_the_namespace_argument(tmp_path: Path) -> None:
    from tests import scenario_kit as k
    from tests.dumps import write_as_cluster_dump

    objects = [*k.base("blue", "green"), *k.deployment("web", "blue", [k.container("web", "nginx:1.27")]),
               *k.deployment("web", "green", [k.container("web", "nginx:1.27")])]
    t = tools(write_as_cluster_dump(objects, [], tmp_path / "dump"), namespace=None)
    status, body = call(t, "explain", target="deploy/web")
    assert status == "error"
    assert "explain: deployments/web exists in namespaces blue, green; pass the namespace argument" in body
    status, body = call(t, "explain", target="deploy/web", namespace="green")
    assert status == "success" and "deployment/web" in body


# --- "not gathered" is not "none" ---------------------------------------------------------------
def test_kinds_a_snapshot_never_held_are_not_gathered() -> None:
    t = tools()
    status, doc = result(t, "list_resources", kind="statefulsets")
    assert status == "not_gathered" and "This does not mean there are none" in doc["note"]
    assert doc["named_as_owner_by_pods"] == ["StatefulSet db (pod db-0)"]
    status, doc = result(t, "list_resources", kind="namespaces")
    assert status == "not_gathered"
    assert doc["namespaces_seen_on_objects"] == ["default", "internal", "kube-system", "shop"]
    for kind in ("persistentvolumes", "storageclasses"):
        assert call(t, "list_resources", kind=kind)[0] == "not_gathered"


def test_a_read_kind_with_nothing_in_it_says_none() -> None:
    status, doc = result(tools(), "list_resources", kind="daemonsets")
    assert status == "no_data"
    assert doc["note"] == "daemonsets were read in namespace shop: there are none at all"


# --- selectors as kubectl takes them --------------------------------------------------------------
@pytest.mark.parametrize(("selector", "expected"), [
    ("app!=api", {"db-0", "notifier-84f5c6d7b9-hv8mr", "report-29032380-spqj8", "web-5c7f9d6b8-fr9ct",
                  "web-6d4c8b7f9-2c69d", "web-6d4c8b7f9-fwhpp", "worker-5b6f8d9c47-2s7lh",
                  "worker-5b6f8d9c47-9vw9m"}),
    ("app in (web, db)", {"web-5c7f9d6b8-fr9ct", "web-6d4c8b7f9-2c69d", "web-6d4c8b7f9-fwhpp"}),
    ("app notin (api,web,worker),!job-name", {"db-0", "notifier-84f5c6d7b9-hv8mr"}),
    ("job-name", {"report-29032380-spqj8"}),
    ("app==postgresql", {"db-0"}),
])
def test_label_selectors(selector: str, expected: set[str]) -> None:
    status, doc = result(tools(), "list_resources", kind="pods", label_selector=selector)
    assert status == "success" and {row["name"] for row in doc["items"]} == expected


@pytest.mark.parametrize("selector", ["app in (api", "app=", "=api", "app>=3", "a,,b", "app in ()"])
def test_selectors_kubectl_rejects_are_rejected_clearly(selector: str) -> None:
    status, body = call(tools(), "list_resources", kind="pods", label_selector=selector)
    if selector == "app=":  # an empty value is valid: pods whose label app is ""
        assert status == "no_data"
        return
    assert status == "error" and body.startswith("list_resources: label_selector ")


# --- logs -----------------------------------------------------------------------------------------
def test_previous_without_a_restart_gives_the_current_log_and_says_so() -> None:
    status, body = call(tools(), "get_logs", pod="db-0", previous=True)
    assert status == "success"
    assert body.startswith("there is no previous log of db-0/postgres: the container has not restarted "
                           "(restartCount 0). Below is the CURRENT log instead.")
    assert "database system is ready to accept connections" in body


def test_healthy_pod_logs_from_a_snapshot() -> None:
    status, body = call(tools(), "get_logs", pod="db-0")
    assert status == "success" and "listening on IPv4" in body


def test_healthy_pod_logs_live_are_read_on_demand_and_redacted(tmp_path: Path) -> None:
    from tests.fakes.kube_apiserver import FakeKubeAPI

    healthy = "api-7d9c5b8f6-x2kqp"
    planted = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU"
    with FakeKubeAPI.from_scenario(SHOP) as kube:
        kube.add_log("shop", healthy, "api", f"GET /healthz 200\nauth Bearer {planted}\nready\n")
        kubeconfig = kube.write_kubeconfig(tmp_path / "kubeconfig", namespace="shop")
        t = AskTools(GlobalOptions(kubeconfig=str(kubeconfig)))
        status, body = call(t, "get_logs", pod=healthy, tail_lines=5)
        status_ns, doc = result(t, "list_resources", kind="namespaces")
        log_reads = [r for r in kube.requests if r.path.endswith(f"/pods/{healthy}/log")]
        namespace_lists = [r for r in kube.requests if r.path == "/api/v1/namespaces"]
        assert not kube.mutations
    assert status == "success" and "GET /healthz 200" in body and planted not in body
    assert "[REDACTED:" in body
    assert len(log_reads) == 1
    assert log_reads[0].query["tailLines"] == ["5"] and log_reads[0].query["limitBytes"] == ["65536"]
    assert status_ns == "success" and {row["name"] for row in doc["items"]} >= {"shop", "kube-system"}
    assert len(namespace_lists) == 1


# --- what changed recently --------------------------------------------------------------------------
def test_recent_changes_finds_the_reapply_and_the_rollout() -> None:
    status, doc = result(tools(), "recent_changes")
    assert status == "success"
    assert doc["collected"].startswith("2025-03-14T09:42") and "snapshot" in doc["collected"]
    db = next(w for w in doc["recentWrites"] if w["object"] == "service/db")
    assert db["by"] == "kubectl-client-side-apply" and db["written"].startswith("2025-03-14T09:07:12Z (3")
    web = next(r for r in doc["rollouts"] if r["deployment"] == "web")
    assert [r["revision"] for r in web["revisions"]] == [7, 6]
    assert "\n-    image: ghcr.io/acme-shop/web:v2.4.0\n+    image: ghcr.io/acme-shop/web:v2.41\n" in web[
        "templateDiff"]


def test_recent_changes_diff_is_redacted(tmp_path: Path) -> None:
    dump = _copy_example(tmp_path)
    path = dump / "shop" / "replicasets.json"
    doc = json.loads(path.read_text())
    for rs in doc["items"]:
        if rs["metadata"]["name"].startswith("web-"):
            container = rs["spec"]["template"]["spec"]["containers"][0]
            secret = "hunter2-" + rs["metadata"]["name"]
            container.setdefault("env", []).append({"name": "SESSION_SECRET", "value": secret})
    path.write_text(json.dumps(doc))
    status, body = call(tools(dump), "recent_changes", target="deploy/web")
    assert status == "success" and "hunter2" not in body
    assert "redacted env values that differ between the revisions: web/SESSION_SECRET" in body
