"""`--snapshot PATH`: cluster-info dump layouts, kubectl Lists, YAML streams, logs, secrets, broken files."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubectl_prism.errors import ClusterAccessError, ExitCode
from kubectl_prism.gather.dump_logs import MAX_LOG_BYTES, MAX_LOG_LINES
from kubectl_prism.gather.snapshot_files import load_snapshot_path
from kubectl_prism.kinds import BY_KIND
from kubectl_prism.snapshot import LogKey, Snapshot
from tests.cli_helpers import one_error_line, run_exe
from tests.dumps import write_as_cluster_dump
from tests.scenarios import load_scenario
from tests.scenarios import write_as_cluster_dump as write_scenario_dump

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
SCENARIOS = sorted((REPO / "tests" / "scenarios").glob("*.yaml"))


def pod(name: str, ns: str = "shop", containers: tuple[str, ...] = ("app",), init: tuple[str, ...] = (),
        rv: str = "100") -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": c, "image": "nginx:1.27"} for c in containers]}
    if init:
        spec["initContainers"] = [{"name": c, "image": "busybox:1.36"} for c in init]
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "uid": f"uid-{name}", "resourceVersion": rv},
            "spec": spec, "status": {"phase": "Running"}}


def deployment(name: str, ns: str = "shop") -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns},
            "spec": {"replicas": 2}}


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def names(snapshot: Snapshot, kind: str) -> list[str]:
    return sorted(o["metadata"]["name"] for o in snapshot.of_kind(kind))


# --- the cluster-info dump layout -------------------------------------------------------------------

def test_cluster_dump_layout_loads_typed_lists_and_splits_logs_by_container(tmp_path: Path) -> None:
    objects = [
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}},
        pod("api-1", containers=("api", "sidecar"), init=("migrate",)),
        pod("web-1"),
        deployment("api"),
        {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "api-1.17c1", "namespace": "shop"},
         "involvedObject": {"kind": "Pod", "name": "api-1", "namespace": "shop"}, "reason": "BackOff"},
        {"apiVersion": "example.com/v1", "kind": "ClusterWidget", "metadata": {"name": "cw"}},
        {"apiVersion": "metrics.k8s.io/v1beta1", "kind": "PodMetrics", "metadata": {"name": "api-1",
                                                                                  "namespace": "shop"}},
    ]
    logs = [
        {"namespace": "shop", "pod": "api-1", "container": "api", "previous": False, "text": "a1\na2\n"},
        {"namespace": "shop", "pod": "api-1", "container": "migrate", "text": "migrated 3 tables\n"},
        # kubectl writes the END marker right after the bytes: a log without a final newline keeps it so
        {"namespace": "shop", "pod": "api-1", "container": "sidecar", "text": "no newline at the end"},
        {"namespace": "shop", "pod": "api-1", "container": "api", "previous": True, "text": "old run\n"},
    ]
    root = write_as_cluster_dump(objects, logs, tmp_path / "dump", namespaces=["kube-system"],
                                 listed_kinds=["IngressClass", "ConfigMap"],
                                 log_errors={("shop", "web-1", "app"): 'container "app" is waiting to start'})

    # kubectl's files, typed lists whose items carry no kind
    for rel in ("nodes.json", "kube-system/pods.json", "shop/events.json",
                "shop/replication-controllers.json", "shop/api-1/logs.txt", "shop/api-1/logs-previous.txt",
                "shop/web-1/logs.txt"):
        assert (root / rel).is_file(), rel
    pods_file = json.loads((root / "shop/pods.json").read_text())
    assert pods_file["kind"] == "PodList" and "kind" not in pods_file["items"][0]
    text = (root / "shop/api-1/logs.txt").read_text()
    assert text.index("container migrate of pod shop/api-1") < text.index("container api of pod shop/api-1")
    assert "no newline at the end==== END logs for container sidecar of pod shop/api-1 ====\n" in text

    assert json.loads((root / "ingressclasses.json").read_text())["kind"] == "IngressClassList"
    assert (root / "kube-system/configmaps.json").is_file()
    snap = load_snapshot_path(root)
    assert snap.source == "snapshot"
    assert snap.objects["IngressClass"] == [] and snap.objects["ReplicationController"] == []
    assert snap.counts() == {"ClusterWidget": 1, "Deployment": 1, "Event": 1, "Node": 1, "Pod": 2,
                             "PodMetrics": 1}
    assert snap.get("Deployment", "shop", "api")["apiVersion"] == "apps/v1"  # from the DeploymentList
    assert all(p["kind"] == "Pod" and p["apiVersion"] == "v1" for p in snap.of_kind("Pod"))
    assert snap.logs == {
        LogKey("shop", "api-1", "api"): "a1\na2\n",
        LogKey("shop", "api-1", "migrate"): "migrated 3 tables\n",
        LogKey("shop", "api-1", "sidecar"): "no newline at the end",
        LogKey("shop", "api-1", "api", previous=True): "old run\n",
    }  # web-1: kubectl's "Request log error" is not a log; empty sections are no log either


def test_real_kubectl_marker_text_and_a_missing_end_marker(tmp_path: Path) -> None:
    write(tmp_path / "shop/pods.json", json.dumps({"kind": "PodList", "apiVersion": "v1", "items": [
        {"metadata": {"name": "p", "namespace": "shop"}}]}))
    write(tmp_path / "shop/p/logs.txt",
          "==== START logs for container a of pod shop/p ====\n"
          "line with ==== END logs for container other of pod shop/q ==== inside\n"
          "==== START logs for container nested of pod x/y ====\n"  # log content, not a marker
          "==== END logs for container a of pod shop/p ====\n"
          "==== START logs for container b of pod shop/p ====\n"
          "truncated dump: no END marker\n")
    snap = load_snapshot_path(tmp_path)
    assert snap.log("shop", "p", "a") == (
        "line with ==== END logs for container other of pod shop/q ==== inside\n"
        "==== START logs for container nested of pod x/y ====\n")
    assert snap.log("shop", "p", "b") == "truncated dump: no END marker\n"


def test_per_container_and_previous_log_files(tmp_path: Path) -> None:
    write(tmp_path / "shop/pods.json", json.dumps({"kind": "PodList", "apiVersion": "v1", "items": [
        {"metadata": {"name": "api-1", "namespace": "shop"}}]}))
    write(tmp_path / "shop/api-1/logs-api-previous.txt", "Traceback: boom\n")
    write(tmp_path / "shop/api-1/logs-api.txt", "starting\n")
    write(tmp_path / "shop/api-1/previous-logs.txt",
          "==== START logs for container sidecar of pod shop/api-1 ====\nsidecar died\n"
          "==== END logs for container sidecar of pod shop/api-1 ====\n")
    write(tmp_path / "shop/api-1/other.txt", "not a log file name: ignored\n")
    snap = load_snapshot_path(tmp_path)
    assert snap.logs == {
        LogKey("shop", "api-1", "api", True): "Traceback: boom\n",
        LogKey("shop", "api-1", "api", False): "starting\n",
        LogKey("shop", "api-1", "sidecar", True): "sidecar died\n",
    }


def test_huge_and_binary_logs_are_capped_without_crashing(tmp_path: Path) -> None:
    write(tmp_path / "nodes.json", json.dumps({"kind": "NodeList", "apiVersion": "v1", "items": []}))
    marker = "==== {} logs for container {} of pod shop/p ===="
    lines = "".join(f"log line {i:07d} {'x' * 40}\n" for i in range(120_000))  # ~6 MB
    junk = random.Random(7).randbytes(1_500_000).replace(b"=", b"?")
    write(tmp_path / "shop/p/logs.txt",
          (marker.format("START", "chatty") + "\n" + lines + marker.format("END", "chatty") + "\n"
           + marker.format("START", "binary") + "\n").encode() + junk + b"\n"
          + (marker.format("END", "binary") + "\n").encode())
    snap = load_snapshot_path(tmp_path)
    chatty = snap.log("shop", "p", "chatty")
    assert chatty is not None and chatty.endswith("log line 0119999 " + "x" * 40 + "\n")
    assert len(chatty.splitlines()) <= MAX_LOG_LINES and len(chatty.encode()) <= MAX_LOG_BYTES
    binary = snap.log("shop", "p", "binary")
    assert binary is not None and "\ufffd" in binary  # undecodable bytes replaced, not an error
    assert 0 < len(binary) <= MAX_LOG_BYTES  # one character per byte at most


# --- Lists, single objects, YAML streams, concatenated JSON ------------------------------------------

def test_kubectl_get_list_with_item_kinds_and_typed_list_without(tmp_path: Path) -> None:
    write(tmp_path / "get-all.json", json.dumps({"apiVersion": "v1", "kind": "List", "items": [
        pod("a"), deployment("d"), {"apiVersion": "v1", "kind": "List", "items": [pod("nested")]}]}))
    write(tmp_path / "rs.json", json.dumps({"kind": "ReplicaSetList", "apiVersion": "apps/v1", "items": [
        {"metadata": {"name": "d-5f6", "namespace": "shop"}}]}))
    write(tmp_path / "hpa.json", json.dumps({"kind": "HorizontalPodAutoscalerList", "items": [
        {"metadata": {"name": "h", "namespace": "shop"}}]}))  # no apiVersion anywhere: from the kinds table
    write(tmp_path / "empty.json", json.dumps({"kind": "EventList", "apiVersion": "v1", "items": None}))
    write(tmp_path / "classes.json", json.dumps({"kind": "IngressClassList", "items": []}))
    write(tmp_path / "untyped.json", json.dumps({"kind": "List", "apiVersion": "v1", "items": []}))
    snap = load_snapshot_path(tmp_path)
    # an empty typed list says "listed, none there"; an empty `kind: List` says nothing
    assert "IngressClass" in snap.objects and "Event" in snap.objects and "" not in snap.objects
    assert "IngressClass" not in snap.counts()
    assert names(snap, "Pod") == ["a", "nested"]
    assert snap.get("ReplicaSet", "shop", "d-5f6")["apiVersion"] == "apps/v1"
    assert snap.get("HorizontalPodAutoscaler", "shop", "h")["apiVersion"] == BY_KIND[
        "HorizontalPodAutoscaler"].api_version
    assert snap.of_kind("Event") == []


def test_single_objects_yaml_streams_and_unknown_kinds(tmp_path: Path) -> None:
    write(tmp_path / "one.json", json.dumps(deployment("api")))
    write(tmp_path / "sub/stream.yaml",
          "---\n"
          "apiVersion: v1\nkind: Pod\nmetadata:\n  name: y1\n  namespace: shop\n"
          "  creationTimestamp: 2025-03-14T09:42:17Z\n"  # unquoted: must stay the API's string
          "---\n"
          "---\n# an empty document between separators\n"
          "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: shop}\n"
          "---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Service, metadata: {name: s, "
          "namespace: shop}}\n")
    write(tmp_path / "sub/deeper/node.yml", "apiVersion: v1\nkind: Node\nmetadata:\n  name: n1\n")
    snap = load_snapshot_path(tmp_path)
    assert snap.counts() == {"Deployment": 1, "Node": 1, "Pod": 1, "Service": 1, "Widget": 1}
    assert snap.get("Pod", "shop", "y1")["metadata"]["creationTimestamp"] == "2025-03-14T09:42:17Z"
    json.dumps(list(snap))  # everything is plain JSON data


def test_concatenated_json_as_cluster_info_dump_prints_to_stdout(tmp_path: Path) -> None:
    nodes = {"kind": "NodeList", "apiVersion": "v1", "items": [{"metadata": {"name": "n1"}}]}
    pods = {"kind": "PodList", "apiVersion": "v1",
            "items": [{"metadata": {"name": "p", "namespace": "shop"}}]}
    events = {"kind": "EventList", "apiVersion": "v1", "items": []}
    stdout = (json.dumps(nodes, indent=4) + "\n" + json.dumps(events, indent=4) + "\n"
              + json.dumps(pods, indent=4) + "\n"
              "==== START logs for container app of pod shop/p ====\n{not json: a log line}\n"
              "==== END logs for container app of pod shop/p ====\n"
              + json.dumps(events) + json.dumps(pods))  # no separator at all between the last two
    file = write(tmp_path / "dump.json", stdout)
    snap = load_snapshot_path(file)
    assert names(snap, "Node") == ["n1"] and names(snap, "Pod") == ["p"]
    assert snap.log("shop", "p", "app") == "{not json: a log line}\n"
    # saved under another name, a file named on the command line is recognized by its content
    other = write(tmp_path / "dump.txt", stdout)
    assert load_snapshot_path(other).counts() == snap.counts()


def test_byte_order_marks_from_windows_shells(tmp_path: Path) -> None:
    write(tmp_path / "utf16.json", json.dumps(pod("from-powershell")).encode("utf-16"))
    write(tmp_path / "bom.yaml", "\ufeffkind: Pod\nmetadata: {name: with-bom, namespace: shop}\n".encode())
    assert names(load_snapshot_path(tmp_path), "Pod") == ["from-powershell", "with-bom"]


def test_mixed_folder_skips_hidden_and_unrelated_files(tmp_path: Path) -> None:
    write(tmp_path / "a.json", json.dumps(pod("from-json")))
    write(tmp_path / "b/c.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: from-yaml, namespace: shop}\n")
    write(tmp_path / ".git/config.json", "this is not json at all")
    write(tmp_path / ".hidden.yaml", "{{ not yaml")
    write(tmp_path / "README.md", "# notes")
    write(tmp_path / "kustomize/notes.txt", "not a log")
    snap = load_snapshot_path(tmp_path)
    assert names(snap, "Pod") == ["from-json", "from-yaml"]


def test_secret_values_never_enter_the_model(tmp_path: Path) -> None:
    secret_value = "hunter2-super-secret"
    applied = json.dumps({"apiVersion": "v1", "kind": "Secret", "stringData": {"password": secret_value}})
    secrets = {"apiVersion": "v1", "kind": "List", "items": [{
        "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "db", "namespace": "shop", "labels": {"app": "db"}, "annotations": {
            "kubectl.kubernetes.io/last-applied-configuration": applied, "team": "x"}},
        "data": {"password": "aHVudGVyMi1zdXBlci1zZWNyZXQ="}, "stringData": {"token": secret_value}}]}
    write(tmp_path / "shop/secrets.json", json.dumps(secrets))
    write(tmp_path / "single.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: tls, namespace: shop}\n"
                                    "type: kubernetes.io/tls\ndata: {tls.key: c2VjcmV0LWtleQ==}\n")
    snap = load_snapshot_path(tmp_path)
    db = snap.get("Secret", "shop", "db")
    assert db == {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                  "metadata": {"name": "db", "namespace": "shop", "labels": {"app": "db"},
                               "annotations": {"team": "x"}}}
    assert "data" not in snap.get("Secret", "shop", "tls")
    everything = json.dumps(list(snap))
    for leaked in (secret_value, "aHVudGVyMi1zdXBlci1zZWNyZXQ=", "c2VjcmV0LWtleQ=="):
        assert leaked not in everything


def test_duplicates_keep_the_highest_resource_version(tmp_path: Path) -> None:
    newer, older = pod("p", rv="120"), pod("p", rv="99")
    newer["status"]["phase"], older["status"]["phase"] = "Running", "Pending"
    write(tmp_path / "a-first.json", json.dumps(newer))
    write(tmp_path / "b-then.yaml", json.dumps(older))
    write(tmp_path / "c-list.json", json.dumps({"kind": "PodList", "apiVersion": "v1", "items": [older]}))
    write(tmp_path / "d-other-ns.json", json.dumps(pod("p", ns="other", rv="1")))
    snap = load_snapshot_path(tmp_path)
    assert len(snap.of_kind("Pod", "shop")) == 1
    assert snap.get("Pod", "shop", "p")["status"]["phase"] == "Running"
    assert len(snap.of_kind("Pod")) == 2


# --- broken input: exit 3, naming the file ------------------------------------------------------------

BROKEN = [
    ("pods.json", '{"kind": "PodList",\n  "items": [}', "invalid JSON at line 2, column 13"),
    ("dump.json", '{"kind": "Pod", "metadata": {"name": "a"}}\ngarbage', "invalid JSON at line 2, column 1"),
    ("x.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n",
     "invalid YAML at line 5, column 1: did not find expected ',' or ']'"),
    ("tabs.yml", "kind: Pod\nmetadata:\n\tname: x\n", "invalid YAML at line 3, column 1"),
    ("nul.yaml", "kind: Pod\x00\n", "invalid YAML at character 9: control characters are not allowed"),
    ("array.json", "[1, 2]", "document 1 is a list, not a Kubernetes object"),
    ("scalar.yaml", "apiVersion: v1\nkind: Pod\n---\njust a string\n", "document 2 is a string"),
    ("nokind.json", '{"apiVersion": "v1", "metadata": {"name": "web"}}', "document 1 (web) has no kind"),
    ("emptyobj.json", "{}", "document 1 has no kind"),
    ("items.json", '{"kind": "PodList", "items": {"a": 1}}', "whose items are not a list"),
    ("item.json", '{"kind": "PodList", "items": [1]}', "item 1 of the PodList in document 1 is a number"),
    ("list.json", '{"kind": "List", "items": [{"metadata": {"name": "q"}}]}',
     "item 1 (q) of the List in document 1 has no kind"),
    ("meta.json", '{"kind": "Pod", "metadata": "oops"}', "metadata of the Pod is not a mapping"),
    ("kindnum.json", '{"kind": "List", "items": [{"kind": 5}]}', "item 1 of the List in document 1: kind"),
    ("topnum.json", '{"kind": 5}', "document 1 has no kind"),
    ("name.yaml", "kind: Pod\nmetadata: {name: [a, b]}\n", "metadata.name and .namespace of the Pod"),
]


@pytest.mark.parametrize(("name", "content", "problem"), BROKEN, ids=[b[0] for b in BROKEN])
def test_malformed_files_name_the_file_and_the_problem(tmp_path: Path, name: str, content: str,
                                                       problem: str) -> None:
    write(tmp_path / "ok.json", json.dumps(pod("fine")))
    bad = write(tmp_path / "ns" / name, content)
    with pytest.raises(ClusterAccessError) as err:
        load_snapshot_path(tmp_path)
    assert err.value.exit_code == ExitCode.CLUSTER
    assert str(bad) in err.value.line()
    assert problem in err.value.line()
    assert "\n" not in err.value.line()


FIELDS = ["kind", "metadata", "name", "namespace", "items", "apiVersion", "data", "annotations"]
SCALARS = st.none() | st.booleans() | st.integers() | st.sampled_from(["Pod", "PodList", "List", "Secret"])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.one_of(
    st.binary(max_size=300),
    st.text(alphabet=st.sampled_from('{}[]:,"\n -kindmetadatanameitemsListPod0123456789'), max_size=200),
    st.recursive(SCALARS | st.text(max_size=5), lambda inner: st.lists(inner, max_size=3)
                 | st.dictionaries(st.sampled_from(FIELDS), inner, max_size=4),
                 max_leaves=12).map(json.dumps),
), suffix=st.sampled_from([".json", ".yaml", "/logs.txt"]))
def test_any_file_content_loads_or_fails_with_exit_3(tmp_path: Path, content: str | bytes,
                                                     suffix: str) -> None:
    folder = tmp_path / f"case{abs(hash((content, suffix)))}"
    write(folder / "ns/pod/keep.json", json.dumps(pod("keep")))
    write(folder / f"ns/pod/file{suffix}" if suffix.startswith(".") else folder / f"ns/pod{suffix}", content)
    try:
        snap = load_snapshot_path(folder)
    except ClusterAccessError as err:
        assert err.exit_code == ExitCode.CLUSTER and "\n" not in err.line()
    else:
        assert snap.get("Pod", "shop", "keep") is not None


def test_binary_document_file_is_an_error_not_a_crash(tmp_path: Path) -> None:
    bad = write(tmp_path / "pods.json", b"\x89PNG\r\n\x1a\n\xff\xfe\x00\x00")
    with pytest.raises(ClusterAccessError, match=r"not UTF-8 text \(byte 0\)") as err:
        load_snapshot_path(tmp_path)
    assert str(bad) in err.value.line()


def test_missing_path_and_folders_without_objects(tmp_path: Path) -> None:
    with pytest.raises(ClusterAccessError, match="does not exist") as err:
        load_snapshot_path(tmp_path / "nope")
    assert err.value.exit_code == ExitCode.CLUSTER
    write(tmp_path / "docs/README.md", "# not a dump")
    with pytest.raises(ClusterAccessError, match=r"no \.json, \.yaml or \.yml files under snapshot path"):
        load_snapshot_path(tmp_path / "docs")
    write(tmp_path / "empty/a.json", "")
    write(tmp_path / "empty/b.yaml", "---\n")
    with pytest.raises(ClusterAccessError, match="no Kubernetes objects found"):
        load_snapshot_path(tmp_path / "empty")


def test_unreadable_file_is_an_access_error(tmp_path: Path) -> None:
    write(tmp_path / "ok.json", json.dumps(pod("fine")))
    dangling = tmp_path / "pods.json"
    dangling.symlink_to(tmp_path / "gone.json")  # listed by the folder walk, cannot be read
    with pytest.raises(ClusterAccessError, match="No such file or directory") as err:
        load_snapshot_path(tmp_path)
    assert str(dangling) in err.value.line()


def test_cli_reports_a_broken_snapshot_in_one_line_with_exit_3(tmp_path: Path) -> None:
    bad = write(tmp_path / "shop/pods.json", '{"kind": "PodList", "items": [')
    line = one_error_line(run_exe("diagnose", "-A", "--snapshot", tmp_path, timeout=60), code=3)
    assert str(bad) in line


def test_json_only_snapshots_do_not_import_yaml(tmp_path: Path) -> None:
    write(tmp_path / "pods.json", json.dumps(pod("a")))
    probe = ("import sys\nfrom pathlib import Path\n"
             "from kubectl_prism.gather.snapshot_files import load_snapshot_path\n"
             f"load_snapshot_path(Path({str(tmp_path)!r}))\nprint('yaml' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


# --- round trips and the bundled examples ----------------------------------------------------------

def _expected(objects: list[dict[str, Any]]) -> dict[tuple[str, str | None, str], dict[str, Any]]:
    """What the loader should hold for these objects: kinds/apiVersions filled, Secrets stripped, and
    fields that are null absent (`lastProbeTime: null`: read as the API server decodes it)."""
    out = {}
    for obj in _without_nulls(json.loads(json.dumps(objects))):
        if not obj.get("apiVersion") and obj["kind"] in BY_KIND:
            obj["apiVersion"] = BY_KIND[obj["kind"]].api_version
        if obj["kind"] == "Secret":
            obj.pop("data", None)
            obj.pop("stringData", None)
            annotations = obj.get("metadata", {}).get("annotations", {})
            annotations.pop("kubectl.kubernetes.io/last-applied-configuration", None)
        md = obj.get("metadata", {})
        out[(obj["kind"], md.get("namespace"), md["name"])] = obj
    return out


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_scenario_survives_the_dump_round_trip(tmp_path: Path, path: Path) -> None:
    scenario = load_scenario(path)
    snap = load_snapshot_path(write_scenario_dump(scenario, tmp_path / "dump"))
    loaded = {(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]): o for o in snap}
    assert loaded == _expected(scenario.objects)
    logs = {LogKey(e["namespace"], e["pod"], e["container"], bool(e.get("previous"))): e["text"]
            for e in scenario.logs if e["text"].strip()}
    assert snap.logs == logs


def test_there_are_scenarios_to_round_trip() -> None:
    assert len(SCENARIOS) >= 10


EXAMPLE_COUNTS = {
    "shop-outage": {"DaemonSet": 2, "Deployment": 7, "Event": 43, "Node": 3, "Pod": 26, "ReplicaSet": 8,
                    "Service": 6},
    "payments-degraded": {"ConfigMap": 2, "DaemonSet": 2, "Deployment": 5, "Event": 18,
                          "HorizontalPodAutoscaler": 1, "Ingress": 1, "IngressClass": 1, "Job": 1, "Node": 3,
                          "PersistentVolumeClaim": 1, "Pod": 23, "ReplicaSet": 5, "Secret": 4, "Service": 5,
                          "StatefulSet": 1, "StorageClass": 3},
    "healthy": {"DaemonSet": 2, "Deployment": 4, "Node": 2, "Pod": 14, "ReplicaSet": 4, "Service": 4},
}


@pytest.mark.parametrize("name", sorted(EXAMPLE_COUNTS))
def test_examples_load_with_their_expected_contents(name: str) -> None:
    root = EXAMPLES / name
    snap = load_snapshot_path(root)
    assert snap.counts() == EXAMPLE_COUNTS[name]
    # a real `cluster-info dump -A` layout: kubectl's seven files in every namespace folder
    for ns_dir in (d for d in root.iterdir() if d.is_dir()):
        for file in ("events", "pods", "services", "deployments", "replicasets", "daemonsets",
                     "replication-controllers"):
            assert (ns_dir / f"{file}.json").is_file(), ns_dir / file
    pods = snap.of_kind("Pod")
    for p in pods:  # every pod has its logs.txt, every log belongs to a pod of the dump
        assert (root / p["metadata"]["namespace"] / p["metadata"]["name"] / "logs.txt").is_file()
    assert {(k.namespace, k.pod) for k in snap.logs} <= {(p["metadata"]["namespace"], p["metadata"]["name"])
                                                        for p in pods}
    assert all(p["kind"] == "Pod" and p["apiVersion"] == "v1" for p in pods)
    for secret in snap.of_kind("Secret"):
        assert "data" not in secret and "stringData" not in secret


def test_shop_outage_carries_the_evidence_its_readme_promises() -> None:
    snap = load_snapshot_path(EXAMPLES / "shop-outage")
    api_pods = [p for p in snap.of_kind("Pod", "shop") if p["metadata"]["name"].startswith("api-")]
    assert len(api_pods) == 3
    for p in api_pods:
        status = p["status"]["containerStatuses"][0]
        assert status["state"]["waiting"]["reason"] == "CrashLoopBackOff"
        assert status["lastState"]["terminated"]["exitCode"] == 1
        log = snap.log("shop", p["metadata"]["name"], "api")
        assert log is not None and 'connection to server at "db" (10.96.0.12), port 5432 failed' in log
    assert snap.get("Service", "shop", "db")["spec"]["selector"] == {"app": "postgres"}
    web_new = next(p for p in snap.of_kind("Pod", "shop")
                   if p["metadata"]["name"].startswith("web-5c7f9d6b8-"))
    assert snap.log("shop", web_new["metadata"]["name"], "web") is None  # only kubectl's fetch error
    assert any(e["reason"] == "FailedScheduling" and "Insufficient memory" in e["message"]
               for e in snap.of_kind("Event", "shop"))


def test_example_secrets_hold_values_on_disk_but_not_in_the_snapshot() -> None:
    raw = (EXAMPLES / "payments-degraded/payments/secrets.json").read_text()
    assert '"data"' in raw and "gw_live_51NzQ2cKx9TbV7yR3mW8pL4sD6fH1jA0eU5oI2" in raw  # in the annotation
    snap = load_snapshot_path(EXAMPLES / "payments-degraded")
    assert "gw_live_51NzQ2cKx9TbV7yR3mW8pL4sD6fH1jA0eU5oI2" not in json.dumps(list(snap))
    assert names(snap, "Secret") == ["checkout-db", "ledger-db-credentials", "payment-gateway",
                                     "payments-tls"]


def test_examples_are_what_the_generator_writes(tmp_path: Path) -> None:
    """The committed examples are the generator's output (it is deterministic)."""
    probe = (
        "import sys\n"
        f"sys.path[:0] = [{str(EXAMPLES / '_generator')!r}, {str(REPO)!r}]\n"
        "import shop_outage\n"
        "from tests.dumps import write_as_cluster_dump\n"
        "c = shop_outage.build()\n"
        f"write_as_cluster_dump(c.objects, c.logs, {str(tmp_path / 'out')!r}, log_errors=c.log_errors,\n"
        "                      namespaces=shop_outage.EMPTY_NAMESPACES)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert done.returncode == 0, done.stderr
    out, committed_root = tmp_path / "out", EXAMPLES / "shop-outage"
    committed = sorted(p.relative_to(committed_root) for p in committed_root.rglob("*") if p.is_file())
    assert sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file()) == committed
    for rel in committed:
        assert (out / rel).read_bytes() == (committed_root / rel).read_bytes(), rel


def test_an_empty_typed_list_marks_its_kind_read_in_every_scope(tmp_path: Path) -> None:
    from kubectl_prism.analyzers._index import gathered
    from kubectl_prism.gather.scope import restrict
    from kubectl_prism.kinds import parse_target

    web = deployment("web")
    web["spec"] = {"replicas": 1, "selector": {"matchLabels": {"app": "web"}}, "template": {
        "metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [{"name": "app", "image": "nginx:1.27",
                                 "envFrom": [{"secretRef": {"name": "web-env"}}]}]}}}
    ingress = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
               "metadata": {"name": "web", "namespace": "shop"},
               "spec": {"ingressClassName": "nginx", "tls": [{"secretName": "web-tls"}],
                        "rules": [{"http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {
                            "service": {"name": "web", "port": {"number": 80}}}}]}}]}}
    write(tmp_path / "shop/deployments.json", json.dumps({"kind": "List", "items": [web]}))
    write(tmp_path / "shop/ingresses.json", json.dumps(ingress))
    write(tmp_path / "shop/secrets.json", json.dumps({"kind": "SecretList", "apiVersion": "v1", "items": []}))
    write(tmp_path / "ingressclasses.yaml", "apiVersion: networking.k8s.io/v1\nkind: IngressClassList\n"
                                            "items: []\n")
    snap = load_snapshot_path(tmp_path)
    assert snap.objects["Secret"] == [] and snap.objects["IngressClass"] == []
    assert "Secret" not in snap.counts() and "IngressClass" not in snap.counts()

    scopes = {"-A": restrict(snap, None, None), "-n shop": restrict(snap, None, "shop"),
              "ing/web": restrict(snap, parse_target("ing/web"), "shop"),
              "deploy/web": restrict(snap, parse_target("deploy/web"), "shop")}
    for label, out in scopes.items():
        assert out.objects.get("Secret") == [], label  # kept as "listed, none there"
        assert gathered(out, "Secret", "shop"), label  # so a missing web-tls / web-env is known missing
    for label in ("-A", "-n shop", "ing/web"):  # scopes holding the Ingress also need its class
        assert scopes[label].objects.get("IngressClass") == [], label
        assert gathered(scopes[label], "IngressClass"), label
    # an empty untyped List says nothing about any kind
    write(tmp_path / "more.json", json.dumps({"kind": "List", "apiVersion": "v1", "items": []}))
    assert set(load_snapshot_path(tmp_path).objects) == {"Deployment", "Ingress", "Secret", "IngressClass"}
