"""Hostile or broken input on the file side (issue 11 §3), and what happens when output cannot be written.

Snapshots are input like any other: a YAML alias bomb, objects nested 600 and 100,000 levels deep, a
`pods.json` that is a named pipe or a link to /dev/zero, a file over the size cap, and objects whose
fields have the wrong type. Each ends with one line and exit 3 (the file is unusable) or becomes a gap
naming the object while analysis goes on — never a hang, a MemoryError, a RecursionError or exit 70.
Every whole-command case runs the real executable under `run_limited`: 10 s and 300 MB.

Then the output side: `> /dev/full` is an output error (exit 2, one line), the audit log's appends
start on a fresh line, and `report --out` keeps an existing file's mode. Exit 70 is kept for bugs in
prism: one deliberate internal error tests it, and a scan keeps every other test from expecting it.

The live and provider families (a hung, cut-off or dripping list, 300,000 pods without paging, a hung,
dripping or huge AI answer) are tested next to their fakes, bounded the same way:
`test_the_other_families_are_bounded_where_their_fakes_are` keeps that true.
"""

from __future__ import annotations

import ast
import copy
import inspect
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kubectl_prism import audit
from kubectl_prism.analyzers import run_analyzers
from kubectl_prism.errors import PrismError
from kubectl_prism.explain.model import build_explanation
from kubectl_prism.gather.snapshot_files import load_snapshot_path
from kubectl_prism.gather.wellformed import admit
from kubectl_prism.kinds import BY_KIND, Target
from kubectl_prism.redact.output import clear_for_output
from kubectl_prism.redact.walk import scrub_value
from kubectl_prism.render.explain_text import explanation_lines
from kubectl_prism.snapshot import MAX_NESTING, NESTING_CUT, Snapshot
from kubectl_prism.trim import trim_object
from tests.cli_helpers import EXE
from tests.conftest import FakeKubeFactory
from tests.limits import Limited, run_limited

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SECONDS, RSS_MB = 10, 300
COMMANDS = {  # every command that reads a snapshot, as a user runs it
    "diagnose": ["diagnose", "-n", "shop"],
    "diagnose-json": ["diagnose", "-n", "shop", "-o", "json"],
    "explain": ["explain", "deploy/api", "-n", "shop"],
    "context": ["context", "-n", "shop"],
    "report": ["report", "-n", "shop", "--out", "{tmp}/report.html"],
}


@pytest.fixture
def snap(tmp_path: Path) -> Path:
    """A copy of the shop-outage example (a real `cluster-info dump` layout) to spoil."""
    return Path(shutil.copytree(EXAMPLES / "shop-outage", tmp_path / "snap"))


def prism(snapshot: Path, command: str, tmp: Path, *extra: str) -> Limited:
    args = [a.format(tmp=tmp) for a in COMMANDS[command]]
    return run_limited([*args, "--snapshot", str(snapshot), *extra], seconds=SECONDS, rss_mb=RSS_MB)


def bounded(result: Limited) -> None:
    assert result.within(SECONDS, RSS_MB), result.describe()
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.describe()


def refused(result: Limited, *words: str) -> str:
    """Exit 3 and one line naming the file, within the bounds."""
    bounded(result)
    assert result.code == 3, result.describe()
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot load snapshot file "), result.describe()
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def worked(result: Limited) -> None:
    bounded(result)
    assert result.code == 0, result.describe()


def pod_yaml(name: str, extra: str) -> str:
    return (f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: shop}}\n"
            f"spec:\n  containers: [{{name: app, image: 'nginx:1.27'}}]\n{extra}")


# --- YAML aliases ---------------------------------------------------------------------------------------


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    """Ten lines that expand to width**levels (387 million) values: each level lists the last 9 times."""
    lines = ["  x0: &x0 [" + ", ".join(['"lol"'] * width) + "]"]
    lines += [f"  x{i}: &x{i} [" + ", ".join([f"*x{i - 1}"] * width) + "]" for i in range(1, levels + 1)]
    return pod_yaml("bomb", "\n".join(lines) + "\n")


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_yaml_alias_bomb_is_refused_in_bounded_time_and_memory(
    snap: Path, tmp_path: Path, command: str
) -> None:
    (snap / "shop" / "bomb.yaml").write_text(billion_laughs())
    line = refused(prism(snap, command, tmp_path), "bomb.yaml", "YAML aliases expand document 1",
                   "alias bomb")
    assert "at most 100,000 more are allowed" in line
    assert not (tmp_path / "report.html").exists()


def test_a_yaml_alias_that_refers_to_itself_is_refused(snap: Path, tmp_path: Path) -> None:
    (snap / "shop" / "loop.yaml").write_text(pod_yaml("loop", "  x: &a [1, *a]\n"))
    refused(prism(snap, "diagnose", tmp_path), "loop.yaml", "refers to itself through a YAML alias")


def kubeconfig_bomb(levels: int = 9, width: int = 9) -> str:
    """A kubeconfig whose user and cluster carry a billion-laughs value (width**levels values)."""
    lines = ['x0: &x0 [' + ", ".join(['"lol"'] * width) + "]"]
    lines += [f"x{i}: &x{i} [" + ", ".join([f"*x{i - 1}"] * width) + "]" for i in range(1, levels + 1)]
    return "\n".join([*lines,
                      f"clusters: [{{name: c, cluster: {{server: 'https://127.0.0.1:9', x: *x{levels}}}}}]",
                      f"users: [{{name: u, user: {{token: t, x: *x{levels}}}}}]",
                      "contexts: [{name: c, context: {cluster: c, user: u}}]",
                      "current-context: c", ""])


@pytest.mark.parametrize(("text", "words"), [
    (kubeconfig_bomb(), ["YAML aliases expand it", "an alias bomb"]),
    ("clusters: &a [{name: c, cluster: {server: 'https://127.0.0.1:9'}}, *a]\n", ["refers to itself"]),
], ids=["billion-laughs", "self-reference"])
def test_a_kubeconfig_alias_bomb_is_refused_in_bounded_time_and_memory(
        tmp_path: Path, text: str, words: list[str]) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(text)
    for args in (["diagnose", "-A"], ["diagnose", "-A", "--all-contexts"]):
        result = run_limited([*args, "--kubeconfig", str(kubeconfig)], seconds=SECONDS, rss_mb=RSS_MB)
        bounded(result)
        assert result.code == 3, result.describe()
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: kubeconfig {kubeconfig} is not usable: "), \
            result.describe()
        for word in words:
            assert word in lines[0], lines[0]


def test_anchors_shared_between_containers_still_load(snap: Path, tmp_path: Path) -> None:
    """What people write by hand: one env list, anchored once and used again."""
    (snap / "shop" / "shared.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: shared, namespace: shop}\nspec:\n  containers:\n"
        "  - {name: a, image: 'nginx:1.27',\n"
        "     env: &env [{name: MODE, value: fast}, {name: LEVEL, value: '2'}]}\n"
        "  - {name: b, image: 'nginx:1.27', env: *env}\nstatus: {phase: Running}\n")
    result = run_limited(["explain", "pod/shared", "-n", "shop", "-o", "json", "--snapshot", snap],
                         seconds=SECONDS, rss_mb=RSS_MB)
    worked(result)
    assert json.loads(result.stdout)["object"]["name"] == "shared"


# --- deep nesting ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_an_object_nested_600_deep_is_read_and_every_walk_stops_at_the_cap(
    snap: Path, tmp_path: Path, command: str, suffix: str
) -> None:
    deep: Any = "bottom"
    for _ in range(600):
        deep = [deep]
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "deep", "namespace": "shop"},
           "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}], "x": deep},
           "status": {"phase": "Running"}}
    (snap / "shop" / f"deep{suffix}").write_text(json.dumps(pod))  # JSON is YAML too (flow style)
    result = prism(snap, command, tmp_path)
    worked(result)
    if command == "report":
        assert (tmp_path / "report.html").stat().st_size > 0


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_nesting_100k_deep_is_refused_in_bounded_time_and_memory(
    snap: Path, tmp_path: Path, suffix: str
) -> None:
    depth = 100_000
    (snap / "shop" / f"deep{suffix}").write_text('{"kind": "Pod", "x": ' + "[" * depth + "]" * depth + "}")
    line = refused(prism(snap, "diagnose", tmp_path), f"deep{suffix}")
    assert "nest" in line  # "nested too deeply to load" (JSON), "exceeded maximum nesting depth" (YAML)


def test_walks_over_whole_objects_cut_below_the_cap_instead_of_recursing() -> None:
    deep: Any = {"password": "hunter2-but-deep"}
    for _ in range(900):  # deeper than Python's recursion would take for a plain recursive walk
        deep = {"next": [deep]}
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "deep"}, "spec": {"x": deep}}
    trimmed = json.dumps(trim_object(pod))
    cleaned, _ = scrub_value(pod)
    assert NESTING_CUT in trimmed and NESTING_CUT in json.dumps(cleaned)
    assert "hunter2" not in json.dumps(cleaned), "what is not walked is not shown either"
    assert json.dumps(cleaned).count('"next"') <= MAX_NESTING


def test_lists_nested_in_lists_are_refused_past_eight(snap: Path, tmp_path: Path) -> None:
    doc: dict[str, Any] = {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "p", "namespace": "shop"}}
    for _ in range(50):
        doc = {"kind": "List", "apiVersion": "v1", "items": [doc]}
    (snap / "shop" / "lists.json").write_text(json.dumps(doc))
    refused(prism(snap, "diagnose", tmp_path), "lists.json", "nests Lists in Lists more than 8 deep")


# --- files that are not files ---------------------------------------------------------------------------


def test_a_fifo_in_the_snapshot_is_refused_not_waited_on(snap: Path, tmp_path: Path) -> None:
    (snap / "shop" / "pods.json").unlink()
    os.mkfifo(snap / "shop" / "pods.json")
    refused(prism(snap, "diagnose", tmp_path), "pods.json", "a named pipe (FIFO), not a regular file")


def test_a_fifo_as_the_log_file_is_refused(snap: Path, tmp_path: Path) -> None:
    log = next((snap / "shop").glob("*/logs.txt"))
    log.unlink()
    os.mkfifo(log)
    refused(prism(snap, "diagnose", tmp_path), "logs.txt", "named pipe")


def test_a_link_to_dev_zero_is_refused_not_read_until_memory_runs_out(snap: Path, tmp_path: Path) -> None:
    (snap / "shop" / "pods.json").unlink()
    (snap / "shop" / "pods.json").symlink_to("/dev/zero")
    refused(prism(snap, "diagnose", tmp_path), "pods.json", "a character device, not a regular file")


@pytest.mark.parametrize("make", ["dev-zero", "fifo"])
def test_a_snapshot_path_that_is_a_device_or_a_pipe_is_refused(tmp_path: Path, make: str) -> None:
    path = Path("/dev/zero")
    if make == "fifo":
        path = tmp_path / "dump.json"
        os.mkfifo(path)
    result = run_limited(["diagnose", "--snapshot", path], seconds=SECONDS, rss_mb=RSS_MB)
    refused(result, str(path), "not a regular file")


def test_a_file_over_the_size_cap_is_refused_without_being_read(snap: Path, tmp_path: Path) -> None:
    with open(snap / "shop" / "pods.json", "r+b") as fh:
        fh.truncate((1 << 30) + 1)  # sparse: 1 GiB and a byte, no disk used, nothing to read
    refused(prism(snap, "diagnose", tmp_path), "pods.json", "over the 1,073,741,824-byte limit")


def test_a_link_to_a_regular_file_elsewhere_is_followed(snap: Path, tmp_path: Path) -> None:
    """Snapshot folders are often assembled from links: one to a regular file is read as the file."""
    elsewhere = tmp_path / "elsewhere.json"
    (snap / "shop" / "pods.json").rename(elsewhere)
    (snap / "shop" / "pods.json").symlink_to(elsewhere)
    result = run_limited(["diagnose", "-n", "shop", "-o", "json", "--snapshot", snap], seconds=SECONDS,
                         rss_mb=RSS_MB)
    worked(result)
    assert any(f["object"]["kind"] == "Pod" for f in json.loads(result.stdout)["findings"])


def test_a_dangling_link_is_one_line(snap: Path, tmp_path: Path) -> None:
    (snap / "shop" / "pods.json").unlink()
    (snap / "shop" / "pods.json").symlink_to(tmp_path / "gone.json")
    refused(prism(snap, "diagnose", tmp_path), "pods.json", "No such file or directory")


# --- objects of the wrong shape ---------------------------------------------------------------------------


def spoil_pod(snap: Path, name: str, change: Any) -> None:
    path = snap / "shop" / "pods.json"
    doc = json.loads(path.read_text())
    change(next(p for p in doc["items"] if p["metadata"]["name"] == name))
    path.write_text(json.dumps(doc))


def restart_count_lots(pod: dict[str, Any]) -> None:
    pod["status"]["containerStatuses"][0]["restartCount"] = "lots"


def container_name_a_list(pod: dict[str, Any]) -> None:
    pod["spec"]["containers"][0]["name"] = ["api", "sidecar"]


@pytest.mark.parametrize(("change", "problem"), [
    (restart_count_lots, "status.containerStatuses[0].restartCount is text, not a whole number"),
    (container_name_a_list, "spec.containers[0].name is a list, not text"),
])
def test_a_malformed_object_is_a_gap_naming_it_and_analysis_goes_on(
    snap: Path, tmp_path: Path, change: Any, problem: str
) -> None:
    spoil_pod(snap, "api-7d9c5b8f6d-nnhwj", change)
    result = prism(snap, "diagnose-json", tmp_path)
    worked(result)
    doc = json.loads(result.stdout)
    assert {"resource": "pod/api-7d9c5b8f6d-nnhwj", "namespace": "shop",
            "reason": f"malformed in shop/pods.json: {problem}"} in doc["gaps"]
    found = {(f["id"], f["object"]["name"]) for f in doc["findings"]}
    assert ("pod-create-config-error", "notifier-84f5c6d7b9-hv8mr") in found, "the rest was analyzed"
    assert not any(name == "api-7d9c5b8f6d-nnhwj" for _, name in found)
    text = prism(snap, "diagnose", tmp_path)
    worked(text)
    assert f"pod/api-7d9c5b8f6d-nnhwj in shop: malformed in shop/pods.json: {problem}" in text.stdout
    failing = prism(snap, "diagnose", tmp_path, "--fail-on", "critical")
    bounded(failing)
    assert failing.code == 1, failing.describe()


def test_explaining_the_malformed_object_itself_says_why_it_cannot(snap: Path, tmp_path: Path) -> None:
    spoil_pod(snap, "api-7d9c5b8f6d-nnhwj", restart_count_lots)
    result = run_limited(["explain", "pod/api-7d9c5b8f6d-nnhwj", "-n", "shop", "--snapshot", snap],
                         seconds=SECONDS, rss_mb=RSS_MB)
    bounded(result)
    assert result.code == 3, result.describe()
    assert result.stderr.strip() == (
        "error: cannot use pod api-7d9c5b8f6d-nnhwj: malformed in shop/pods.json: "
        "status.containerStatuses[0].restartCount is text, not a whole number "
        "(fix the object in the snapshot)")


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def _wrong(value: Any) -> list[Any]:
    """Values of another JSON type than `value`: what a hand-edited or hostile file may hold."""
    if isinstance(value, bool):
        return ["yes"]
    if isinstance(value, str):
        return [["x"], {"a": "b"}]
    if isinstance(value, int | float):
        return ["lots"]
    if isinstance(value, dict):
        return ["text", ["x"]]
    if isinstance(value, list):
        return ["text", {"a": "b"}, ["x", 1, None]]
    return []


@pytest.mark.parametrize("example", ["shop-outage", "payments-degraded"])
def test_a_wrong_type_in_any_field_never_crashes_the_analysis(example: str) -> None:
    """Every field of every kind in the example (each distinct path once), given each wrong type in turn,
    enters the snapshot as the loader lets objects in (`admit`): it is refused as a gap, or analyzers,
    the explanation and its rendering all run on it without an exception."""
    base = load_snapshot_path(EXAMPLES / example)
    tried: set[tuple[Any, ...]] = set()
    mutations = 0
    for kind, objects in list(base.objects.items()):
        for index, obj in enumerate(objects):
            for path, value in _paths(obj):
                shape = (kind, *(0 if isinstance(p, int) else p for p in path))
                if not path or shape in tried:
                    continue
                tried.add(shape)
                for wrong in _wrong(value):
                    spoiled = copy.deepcopy(obj)
                    parent = spoiled
                    for step in path[:-1]:
                        parent = parent[step]
                    parent[path[-1]] = wrong
                    snapshot = Snapshot(source="snapshot")
                    for other_kind, others in base.objects.items():
                        snapshot.objects[other_kind] = [o for i, o in enumerate(others)
                                                        if other_kind != kind or i != index]
                    snapshot.logs = base.logs
                    admitted = admit(snapshot, [spoiled])
                    snapshot.add_all(admitted)
                    where = f"{kind} {'.'.join(map(str, path))} = {wrong!r}"
                    mutations += 1
                    try:
                        findings = run_analyzers(snapshot)
                        if admitted and kind in BY_KIND and mutations % 4 == 0:
                            name = spoiled["metadata"]["name"]
                            explanation = build_explanation(snapshot, Target(BY_KIND[kind], name), findings)
                            explanation_lines(clear_for_output(explanation).value)
                    except Exception as err:  # the point: nothing but a clean error may escape
                        if not isinstance(err, PrismError):
                            pytest.fail(f"{where}: {type(err).__name__}: {err}")
    assert mutations > 1000


# --- output that cannot be written ------------------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ["diagnose", "-n", "shop"],
    ["diagnose", "-n", "shop", "-o", "json"],
    ["explain", "deploy/api", "-n", "shop", "-o", "yaml"],
    ["context", "-n", "shop"],
    ["diagnose", "--list-rules"],
    ["version"],
], ids=lambda a: "-".join(a[:1] + a[-1:]))
def test_a_full_disk_on_stdout_is_an_output_error(args: list[str]) -> None:
    if "--list-rules" not in args and "version" not in args:
        args = [*args, "--snapshot", str(EXAMPLES / "shop-outage")]
    with open("/dev/full", "w") as full:
        result = subprocess.run([str(EXE), *args], stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert result.stderr == ("error: cannot write the output: No space left on device "
                             "(free some space, or send the output somewhere else)\n")


def test_a_report_to_a_full_disk_is_an_output_error(tmp_path: Path) -> None:
    result = run_limited(["report", "-n", "shop", "--snapshot", EXAMPLES / "shop-outage", "--format", "html",
                          "--out", "/dev/full"], seconds=SECONDS, rss_mb=RSS_MB)
    bounded(result)
    assert result.code == 2, result.describe()
    assert result.stderr.strip() == "error: cannot write /dev/full: No space left on device"


def test_a_reader_that_leaves_is_still_not_an_error() -> None:
    """`| head`: the pipe closes early. That is the reader's choice, exit 0 and nothing on stderr."""
    proc = subprocess.Popen([str(EXE), "diagnose", "-A", "--snapshot", str(EXAMPLES / "shop-outage")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()
    assert proc.wait(timeout=60) == 0
    assert proc.stderr.read() == b""


# --- the audit log --------------------------------------------------------------------------------------


def test_an_append_after_a_line_cut_short_starts_on_a_fresh_line(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    audit.append_line(path, b'{"time": "2026-01-02T03:04:05Z", "event": "ai.request", "bytes": 1}\n')
    with open(path, "ab") as fh:  # a crash or a full disk left half a record, without its newline
        fh.write(b'{"time": "2026-01-02T03:04:06Z", "event": "ai.req')
    audit.append_line(path, b'{"time": "2026-01-02T03:04:07Z", "event": "mcp.call", "bytes": 3}\n')
    lines = path.read_bytes().splitlines()
    assert len(lines) == 3 and lines[2].startswith(b'{"time": "2026-01-02T03:04:07Z"')
    log = audit.read(path=path)
    assert [r["event"] for r in log.records] == ["ai.request", "mcp.call"]
    assert log.skipped == 1


def test_a_last_record_without_its_newline_is_kept_with_the_next(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.write_bytes(b'{"time": "2026-01-02T03:04:05Z", "event": "ai.request"}')  # a hand edit
    audit.append_line(path, b'{"time": "2026-01-02T03:04:07Z", "event": "mcp.call"}\n')
    log = audit.read(path=path)
    assert [r["event"] for r in log.records] == ["ai.request", "mcp.call"] and log.skipped == 0


def test_records_glued_by_an_older_prism_are_recovered(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.write_bytes(b'{"time": "2026-01-02T03:04:05Z", "event": "ai.re'
                     b'{"time": "2026-01-02T03:04:07Z", "event": "mcp.call"}\n'
                     b'{"time": "2026-01-02T03:04:08Z", "event": "ai.request"}\n')
    log = audit.read(path=path)
    assert [r["event"] for r in log.records] == ["mcp.call", "ai.request"] and log.skipped == 1


def test_the_audit_command_reads_a_damaged_log() -> None:
    path = audit.audit_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b'{"time": "2026-01-02T03:04:05Z", "event": "ai.re')
    audit.record("mcp.call", tool="diagnose")
    result = run_limited(["audit", "-o", "json"], seconds=SECONDS, rss_mb=RSS_MB)
    bounded(result)
    assert result.code == 0, result.describe()
    assert [json.loads(line)["event"] for line in result.stdout.splitlines()] == ["mcp.call"]
    assert result.stderr == f"warning: skipped 1 unreadable line in {path}\n"


# --- file modes -----------------------------------------------------------------------------------------


def _report(out: Path, umask: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(EXE), "report", "-n", "shop", "--snapshot", str(EXAMPLES / "shop-outage"),
                           "--out", str(out)], capture_output=True, text=True, timeout=60,
                          preexec_fn=lambda: os.umask(umask))


@pytest.mark.parametrize("mode", [0o644, 0o600, 0o640])
def test_report_over_an_existing_file_keeps_its_mode(tmp_path: Path, mode: int) -> None:
    out = tmp_path / "health.html"
    out.write_text("old report")
    out.chmod(mode)
    result = _report(out, 0o077)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == mode
    assert "old report" not in out.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["health.html"], "no temporary file left"


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_a_new_report_gets_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    out = tmp_path / "health.md"
    result = _report(out, umask)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == mode


# --- exit 70 is for prism's own bugs, and only one test expects it ---------------------------------------

_BUG = """
import sys
import typer
from kubectl_prism import cli

@cli.app.command("crash")
def crash(verbose: bool = typer.Option(False, "-v")) -> None:
    '''A bug planted for the test.'''
    {}["missing"]

sys.argv = ["kubectl-prism", "crash", *sys.argv[1:]]
cli.main()
"""


def test_a_bug_in_prism_is_exit_70_with_one_line_and_a_traceback_only_with_v() -> None:
    quiet = subprocess.run([sys.executable, "-c", _BUG], capture_output=True, text=True, timeout=60)
    assert quiet.returncode == 70
    assert quiet.stderr == "error: internal error: KeyError: 'missing' (rerun with -v for details)\n"
    loud = subprocess.run([sys.executable, "-c", _BUG, "-v"], capture_output=True, text=True, timeout=60)
    assert loud.returncode == 70
    assert "Traceback" in loud.stderr and loud.stderr.endswith(
        "error: internal error: KeyError: 'missing' (rerun with -v for details)\n")


_SEVENTY = re.compile(r"\b70\b")


def _accepts_seventy(node: ast.AST) -> bool:
    if not isinstance(node, ast.Compare) or any(isinstance(op, ast.NotEq | ast.NotIn) for op in node.ops):
        return False
    text = ast.unparse(node)
    return bool(_CODE_WORDS.search(text)) and (bool(_SEVENTY.search(text)) or "INTERNAL_ERROR" in text)
_CODE_WORDS = re.compile(r"code|exit|status|INTERNAL", re.IGNORECASE)


def _expects_seventy(node: ast.AST) -> bool:
    """An assertion that accepts 70 as a result (`assert code == 70`, `in (0, 70)`, `== INTERNAL_ERROR`),
    or a helper told to expect it (`one_error_line(result, 70)`, `code=70`). A guard that fails on 70
    (`if code == 70: pytest.fail(...)`, in the run helpers) is no assertion and passes."""
    if isinstance(node, ast.Assert):
        return any(_accepts_seventy(part) for part in ast.walk(node.test))
    if isinstance(node, ast.Call):
        named = [kw.value for kw in node.keywords if kw.arg and _CODE_WORDS.search(kw.arg)]
        called = ast.unparse(node.func)
        positional = node.args if _CODE_WORDS.search(called) or "error" in called else []
        return any(isinstance(v, ast.Constant) and v.value == 70 for v in [*named, *positional])
    return False


_SCANNERS = ("_expects_seventy", "_accepts_seventy")


def test_exit_70_is_expected_by_no_other_test() -> None:
    allowed = {("test_hostile_input.py",
                "test_a_bug_in_prism_is_exit_70_with_one_line_and_a_traceback_only_with_v")}
    found = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if function.name in _SCANNERS or (path.name, function.name) in allowed:
                continue
            if any(_expects_seventy(node) for node in ast.walk(function)):
                found.append(f"{path.relative_to(ROOT)}::{function.name}")
    assert not found, f"tests that accept exit 70 (an internal error) as a result: {found}"
    assert _expects_seventy(ast.parse("assert result.returncode == 70").body[0])
    assert _expects_seventy(ast.parse("assert r.code in (0, 70), r.describe()").body[0])
    assert _expects_seventy(ast.parse("one_error_line(result, 70)").body[0].value)  # type: ignore[attr-defined]
    assert not _expects_seventy(ast.parse("assert result.returncode != 70").body[0])
    assert not _expects_seventy(ast.parse("if code == 70: pytest.fail('internal error')").body[0])


# --- the families tested next to their fakes --------------------------------------------------------------

BOUNDED_ELSEWHERE = {
    # family: (module, test function) — each runs the real executable under run_limited
    "hung list": ("tests.test_hostile_live", "test_a_hung_list_is_a_gap_and_the_rest_goes_on"),
    "cut-off list": ("tests.test_hostile_live", "test_a_cut_off_body_is_a_gap"),
    "dripping list": ("tests.test_hostile_live", "test_a_dripping_body_is_cut_at_the_request_deadline"),
    "300k pods without paging": ("tests.test_hostile_live",
                                 "test_a_list_that_ignores_limit_with_300k_pods_stays_bounded"),
    "hung, dripping and huge AI answers": ("tests.test_hostile_provider", "test_bounded_in_time_and_memory"),
}


@pytest.mark.parametrize("family", sorted(BOUNDED_ELSEWHERE))
def test_the_other_families_are_bounded_where_their_fakes_are(family: str) -> None:
    import importlib

    module, name = BOUNDED_ELSEWHERE[family]
    test = getattr(importlib.import_module(module), name, None)
    assert test is not None, f"{family}: {module}.{name} is gone"
    source = inspect.getsource(test)
    helper_source = inspect.getsource(importlib.import_module(module))
    assert "run_limited" in source or ("bounded(result)" in source and "run_limited" in helper_source), family


# --- objects of the wrong shape from a live API server ------------------------------------------------------


def test_malformed_objects_from_the_api_server_are_gaps_and_the_rest_goes_on(
    fake_kube: FakeKubeFactory,
) -> None:
    api = fake_kube(ROOT / "tests" / "fakes" / "scenarios" / "shop.yaml")
    pods = {"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "1"}, "items": [
        {"metadata": {"name": "lots", "namespace": "shop", "annotations": 5},
         "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}, "status": {"phase": "Running"}},
        {"metadata": {"name": "counted", "namespace": "shop"},
         "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]},
         "status": {"containerStatuses": [{"name": "app", "restartCount": "lots"}]}},
        ["not", "an", "object"],
    ]}
    api.inject("/api/v1/namespaces/shop/pods", status=0, times=1,
               body=lambda: iter([json.dumps(pods).encode()]))
    result = run_limited(["diagnose", "-n", "shop", "-o", "json", "--kubeconfig", api.kubeconfig,
                          "--request-timeout", "5s"], seconds=SECONDS, rss_mb=RSS_MB)
    worked(result)
    gaps = json.loads(result.stdout)["gaps"]
    assert {"resource": "pod/lots", "namespace": "shop",
            "reason": "malformed: metadata.annotations is a number, not a mapping"} in gaps
    restarts = "status.containerStatuses[0].restartCount is text, not a whole number"
    assert {"resource": "pod/counted", "namespace": "shop", "reason": f"malformed: {restarts}"} in gaps
    assert {"resource": "object", "namespace": None, "reason": "malformed: is a list, not an object"} in gaps
