"""The scenario corpus: every tests/scenarios/*.yaml through both sources, and its remediation for real.

For each scenario file:
- snapshot: written as a `kubectl cluster-info dump` and run through `prism diagnose -A --snapshot DIR`;
- live: served by the fake API server and run through `prism diagnose -A --kubeconfig K`;
  both must produce every `expect` entry (rule id; kind/namespace/name equal to the finding's object,
  owner or one of its affected objects; evidence a substring of its evidence, title or message; `causedBy`
  the rule its causedBy names, or null for a root cause), none of an entry marked `absent: true`, and a
  `healthy-*` scenario must produce no warning or critical finding;
- remediation: every suggested `kubectl` command runs with the real kubectl against the fake server —
  with `--dry-run=client` when its verb supports it (asked from `kubectl VERB --help`), as is when it
  only reads — and must exit 0 without changing anything on the server.
"""

from __future__ import annotations

import functools
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.cli_helpers import run_main
from tests.fakes.kube_apiserver import FakeKubeAPI
from tests.scenarios import Scenario, load_scenario

CORPUS = Path(__file__).parent / "scenarios"
SCENARIOS = sorted(CORPUS.glob("*.yaml"))
KUBECTL = Path(sys.executable).parent / "kubectl"

# Verbs that only read: run as they are. `rollout status`, `logs -f`, `get -w` would wait forever.
READ_ONLY = {"get", "describe", "logs", "top", "events", "explain", "api-resources", "api-versions",
             "version", "cluster-info", ("auth", "can-i"), ("rollout", "history")}
WATCHING_FLAGS = {"-w", "--watch", "-f", "--follow", "--watch-only"}
# kubectl flags that take a value, so the verb is found after them (`kubectl -n shop get pods`).
VALUED_GLOBALS = {"-n", "--namespace", "--context", "--cluster", "--user", "--kubeconfig", "-s", "--server",
                  "--as", "--token", "--request-timeout", "--cache-dir"}
SHELL_OPERATORS = {"|", "||", "&&", ";", "&", ">", ">>", "<", "(", ")"}


def test_corpus_is_there() -> None:
    assert len(SCENARIOS) >= 40, f"the corpus needs at least 40 scenarios, has {len(SCENARIOS)}"
    assert any(p.name.startswith("healthy-") for p in SCENARIOS)


pytestmark = pytest.mark.usefixtures("cli_env")


def _write_dump(scenario: Scenario, directory: Path) -> Path:
    try:  # the dump writer that also keeps previous logs, when it is there
        from tests.dumps import write_as_cluster_dump
    except ImportError:
        from tests.scenarios import write_as_cluster_dump
    return write_as_cluster_dump(scenario, directory)


def diagnose_json(capsys: pytest.CaptureFixture[str], *args: str | Path) -> dict[str, Any]:
    code, out, err = run_main(capsys, "diagnose", "-A", "-o", "json", *args)
    assert code == 0, f"prism diagnose exited {code}: {err.strip()}"
    return json.loads(out)


# --- expectations --------------------------------------------------------------------------------

def _refs(finding: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in (finding.get("object"), finding.get("owner"), *finding.get("affected", [])) if r]


def matches(expect: dict[str, Any], finding: dict[str, Any]) -> bool:
    if finding["id"] != expect["rule"]:
        return False
    wanted = {k: expect[k] for k in ("kind", "namespace", "name") if k in expect}
    if wanted and not any(all(ref.get(k) == v for k, v in wanted.items()) for ref in _refs(finding)):
        return False
    if "causedBy" in expect and (finding.get("causedBy") or {}).get("rule") != expect["causedBy"]:
        return False
    evidence = expect.get("evidence")
    texts = [*finding.get("evidence", []), finding.get("title", ""), finding.get("message", "")]
    return evidence is None or any(str(evidence) in t for t in texts)


def check_expectations(scenario: Scenario, doc: dict[str, Any]) -> None:
    findings = doc["findings"]
    seen = "\n".join(f"  {f['severity']} {f['id']} {f['object']['kind']}/{f['object']['name']}: {f['title']}"
                     for f in findings) or "  (none)"
    if scenario.path is not None and scenario.path.name.startswith("healthy-"):
        loud = [f for f in findings if f["severity"] in ("critical", "warning")]
        assert not loud, f"a healthy cluster produced warnings or critical findings:\n{seen}"
        return
    wanted = [e for e in scenario.expect if not e.get("absent")]
    assert wanted, "a broken-cluster scenario needs at least one `expect` entry"
    missing = [e for e in wanted if not any(matches(e, f) for f in findings)]
    assert not missing, f"expected but not found: {missing}\nfindings:\n{seen}"
    unwanted = [e for e in scenario.expect if e.get("absent") and any(matches(e, f) for f in findings)]
    assert not unwanted, f"found but marked absent: {unwanted}\nfindings:\n{seen}"


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_snapshot_source(path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = load_scenario(path)
    dump = _write_dump(scenario, tmp_path / "dump")
    doc = diagnose_json(capsys, "--snapshot", dump)
    assert doc["scope"]["source"] == "snapshot"
    check_expectations(scenario, doc)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_live_source(path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = load_scenario(path)
    with FakeKubeAPI.from_scenario(path) as api:
        kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig")
        doc = diagnose_json(capsys, "--kubeconfig", kubeconfig)
        assert not api.mutations, "diagnose changed the cluster"
    assert doc["scope"]["source"] == "live"
    check_expectations(scenario, doc)


# --- remediation commands, run for real ----------------------------------------------------------

def split_commands(command: str) -> list[list[str]]:
    """Each simple command of a shell line (`a | b && c` gives three); substitution is refused."""
    if "$(" in command or "`" in command:
        raise AssertionError(f"command substitution cannot be run as suggested: {command}")
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    parts: list[list[str]] = [[]]
    for token in lexer:
        if token in SHELL_OPERATORS:
            parts.append([])
        else:
            parts[-1].append(token)
    return [p for p in parts if p]


def verb_path(args: list[str]) -> list[str]:
    """The subcommand words of `kubectl ARGS`: ["get"], ["set", "resources"], ["rollout", "undo"]."""
    words: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg.startswith("-"):
            skip = arg in VALUED_GLOBALS
            continue
        words.append(arg)
        if len(words) == 2 or words[0] not in ("set", "rollout", "create", "auth", "config", "certificate"):
            break
    return words


@functools.cache
def supports_dry_run(*verb: str) -> bool:
    out = subprocess.run([str(KUBECTL), *verb, "--help"], capture_output=True, text=True, timeout=30)
    return "--dry-run" in out.stdout


def classify(args: list[str]) -> str:
    """"read", "dry-run" or "skip" (interactive or watching commands: nothing to check here)."""
    words = verb_path(args)
    if not words:
        return "skip"
    if words[0] in READ_ONLY or tuple(words[:2]) in READ_ONLY:
        return "skip" if WATCHING_FLAGS & set(args) else "read"
    return "dry-run" if supports_dry_run(*words) else "skip"


def kubectl_argv(args: list[str], mode: str, kubeconfig: Path, cache: Path) -> list[str]:
    extra = ["--kubeconfig", str(kubeconfig), "--cache-dir", str(cache), "--request-timeout=20s"]
    if mode == "dry-run" and not any(a.startswith("--dry-run") for a in args):
        extra.append("--dry-run=client")
    if "--" in args:  # flags go before the container command of `run ... -- CMD`
        cut = args.index("--")
        return [str(KUBECTL), *args[:cut], *extra, *args[cut:]]
    return [str(KUBECTL), *args, *extra]


def remediation_commands(doc: dict[str, Any]) -> list[str]:
    commands = [r["command"] for f in doc["findings"] for r in f.get("remediation", []) if r.get("command")]
    return list(dict.fromkeys(commands))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_remediation_commands_run(path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    env["HOME"] = str(tmp_path)
    failures: list[str] = []
    with FakeKubeAPI.from_scenario(path) as api:
        kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig")
        doc = diagnose_json(capsys, "--kubeconfig", kubeconfig)
        checked = 0
        for command in remediation_commands(doc):
            for segment in split_commands(command):
                if segment[0] != "kubectl":
                    continue  # e.g. `| grep`: only the kubectl part is ours to check
                mode = classify(segment[1:])
                if mode == "skip":
                    continue
                api.clear_requests()
                argv = kubectl_argv(segment[1:], mode, kubeconfig, tmp_path / "cache")
                run = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env,
                                     stdin=subprocess.DEVNULL)
                checked += 1
                if run.returncode != 0:
                    why = run.stderr.strip()[:400]
                    failures.append(f"{shlex.join(segment)}\n    exit {run.returncode}: {why}")
                elif api.mutations:
                    failures.append(f"{shlex.join(segment)}\n    changed the cluster: {api.mutations}")
    assert not failures, f"{len(failures)} of {checked} suggested commands failed:\n" + "\n".join(failures)


# --- the harness itself --------------------------------------------------------------------------

@pytest.mark.parametrize(("command", "expected"), [
    ("kubectl -n shop get pods", [["kubectl", "-n", "shop", "get", "pods"]]),
    ("kubectl get pods -o name | head -1", [["kubectl", "get", "pods", "-o", "name"], ["head", "-1"]]),
    ("kubectl -n a patch svc x -p '{\"spec\": {\"type\": \"NodePort\"}}'",
     [["kubectl", "-n", "a", "patch", "svc", "x", "-p", '{"spec": {"type": "NodePort"}}']]),
])
def test_split_commands(command: str, expected: list[list[str]]) -> None:
    assert split_commands(command) == expected


@pytest.mark.parametrize(("args", "mode"), [
    (["-n", "shop", "get", "pods"], "read"),
    (["-n", "shop", "logs", "api-1", "-c", "api", "--previous"], "read"),
    (["get", "pods", "-w"], "skip"),
    (["-n", "shop", "set", "resources", "deployment/api", "--limits=memory=256Mi"], "dry-run"),
    (["-n", "shop", "patch", "deployment", "api", "-p", "{}"], "dry-run"),
    (["-n", "shop", "delete", "pod", "api-1"], "dry-run"),
    (["cordon", "worker-1"], "dry-run"),
    (["-n", "shop", "rollout", "undo", "deployment/api"], "dry-run"),
    (["-n", "shop", "rollout", "restart", "deployment/api"], "skip"),  # no --dry-run in kubectl
    (["-n", "shop", "rollout", "status", "deployment/api"], "skip"),
    (["-n", "shop", "exec", "-it", "api-1", "--", "sh"], "skip"),
    (["-n", "shop", "edit", "deployment", "api"], "skip"),
])
def test_classify(args: list[str], mode: str) -> None:
    assert classify(args) == mode


def test_matching_uses_object_owner_or_affected_and_evidence_text() -> None:
    finding = {"id": "pod-crash-loop", "title": "api crashes", "message": "exit code 1",
               "object": {"kind": "Pod", "namespace": "shop", "name": "api-1"},
               "owner": {"kind": "Deployment", "namespace": "shop", "name": "api"},
               "affected": [{"kind": "Pod", "namespace": "shop", "name": "api-2"}],
               "evidence": ["log: connection refused"]}
    rule = "pod-crash-loop"
    assert matches({"rule": rule, "kind": "Deployment", "name": "api", "evidence": "refused"}, finding)
    assert matches({"rule": rule, "kind": "Pod", "name": "api-2", "evidence": "exit code 1"}, finding)
    assert not matches({"rule": "pod-crash-loop", "kind": "Pod", "name": "api-3"}, finding)
    assert not matches({"rule": "pod-crash-loop", "kind": "Service", "name": "api"}, finding)
    assert not matches({"rule": "pod-oom-killed", "name": "api-1"}, finding)
    assert not matches({"rule": "pod-crash-loop", "name": "api-1", "evidence": "OOMKilled"}, finding)
