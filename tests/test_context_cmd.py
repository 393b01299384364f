"""`kubectl prism context` and `ai.payload.build_context`: the exact, redacted, budgeted AI payload."""

from __future__ import annotations

import hashlib
import json
import math
import re
from pathlib import Path

import pytest

from kubectl_prism.ai.payload import build_context
from kubectl_prism.findings import Finding, ObjectRef, Remediation, Severity
from kubectl_prism.kinds import parse_target
from kubectl_prism.snapshot import LogKey, Snapshot
from kubectl_prism.tokens import counter
from tests.cli_helpers import run_main as prism
from tests.leak import SCENARIO_PATH, SEEDED, assert_no_leak
from tests.scenarios import load_scenario, write_as_cluster_dump

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
Capture = pytest.CaptureFixture[str]


@pytest.fixture(scope="module")
def leak_dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_as_cluster_dump(load_scenario(SCENARIO_PATH), tmp_path_factory.mktemp("leak"))


# --- build_context on a snapshot built in memory ------------------------------------------------------

POD = "api-7d9c5b8f6d-nnhwj"


def _snapshot() -> Snapshot:
    snap = Snapshot(source="snapshot", context="prod-eu", namespace="shop")
    snap.add(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": POD,
                "namespace": "shop",
                "uid": "21167eff-e459-4e97-af28-47c1e1ca55de",
                "managedFields": [{"manager": "kubectl"}],
            },
            "spec": {
                "nodeName": "worker-2",
                "containers": [
                    {
                        "name": "api",
                        "image": "ghcr.io/acme/api:2.1",
                        "env": [
                            {"name": "DB_PASSWORD", "value": "hunter2-prod"},
                            {"name": "LOG_LEVEL", "value": "info"},
                        ],
                    }
                ],
            },
            "status": {
                "phase": "Running",
                "podIP": "10.244.1.7",
                "containerStatuses": [
                    {
                        "name": "api",
                        "restartCount": 7,
                        "ready": False,
                        "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                        "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}},
                    }
                ],
            },
        }
    )
    snap.add(
        {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": f"{POD}.1", "namespace": "shop"},
            "involvedObject": {"kind": "Pod", "name": POD, "namespace": "shop"},
            "type": "Warning",
            "reason": "BackOff",
            "message": "Back-off restarting failed container api",
            "count": 12,
            "lastTimestamp": "2026-11-01T09:40:25Z",
        }
    )
    log = "".join(f"line {i} ok\n" for i in range(200)) + (
        "connecting to postgres://app:hunter2-prod@db:5432/shop\nFATAL: connection refused\n"
    )
    snap.logs[LogKey("shop", POD, "api", previous=True)] = log
    return snap


def _finding() -> Finding:
    return Finding(
        "pod-crash-loop",
        Severity.CRITICAL,
        "Container api is crash-looping (exit code 1)",
        ObjectRef("Pod", POD, "shop"),
        reason="CrashLoopBackOff",
        evidence=["lastState.terminated.exitCode=1", "log: FATAL: connection refused"],
        remediation=[Remediation("Read the log", f"kubectl -n shop logs {POD} -c api --previous")],
    )


def test_payload_has_findings_events_logs_and_objects_redacted() -> None:
    ctx = build_context(_snapshot(), [_finding()], budget_tokens=20_000)
    text = ctx.payload.text
    assert text.startswith("# Kubernetes context from kubectl-prism (secrets redacted)\n")
    assert "scope: context=prod-eu namespace=shop" in text
    assert "1. [critical] pod-crash-loop: Container api is crash-looping" in text
    assert "Back-off restarting failed container api (x12)" in text
    assert "FATAL: connection refused" in text and "line 199 ok" in text and "line 100 ok" not in text
    assert f"### Pod shop/{POD}" in text and "CrashLoopBackOff" in text and "LOG_LEVEL" in text
    assert "hunter2-prod" not in text and "managedFields" not in text
    assert ctx.counts == {"env-value": 1, "url-password": 1}
    assert ctx.tokens == counter().count(text) and ctx.tokens > math.ceil(len(text) / 4)
    assert ctx.cut == []
    doc = ctx.to_dict()
    assert doc["sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert doc["tokensCountedWith"] == "o200k_base (tiktoken)"


def test_small_budget_cuts_and_says_what() -> None:
    ctx = build_context(_snapshot(), [_finding()], budget_tokens=300)
    assert ctx.tokens <= 300
    assert "1. [critical] pod-crash-loop" in ctx.payload.text  # findings first
    assert ctx.cut and any("Pod shop/" in c or "logs of" in c for c in ctx.cut)


def test_no_findings_lists_the_scope() -> None:
    ctx = build_context(_snapshot(), [], budget_tokens=4000)
    assert "none: the rules found no problem" in ctx.payload.text
    assert f"- Pod: shop/{POD}" in ctx.payload.text


def test_target_object_is_included_without_findings() -> None:
    snap = _snapshot()
    snap.target = parse_target(f"pod/{POD}")
    ctx = build_context(snap, [], budget_tokens=4000)
    assert f"### Pod shop/{POD}" in ctx.payload.text and "target=pod/" in ctx.payload.text


def test_anonymize_replaces_names_and_restores_answers() -> None:
    ctx = build_context(_snapshot(), [_finding()], anonymize=True, budget_tokens=20_000)
    text = ctx.payload.text
    for real in (POD, "shop", "prod-eu", "worker-2", "10.244.1.7"):
        assert real not in text, real
    assert ctx.anonymizer is not None
    assert ctx.anonymizer.restore("delete pod-1 in ns-1") == f"delete {POD} in shop"


# --- the command --------------------------------------------------------------------------------------


def test_context_prints_exactly_the_payload_and_a_summary(capsys: Capture) -> None:
    code, out, err = prism(capsys, "context", "-A", "--snapshot", EXAMPLES / "shop-outage")
    assert code == 0, err
    assert out.startswith("# Kubernetes context from kubectl-prism (secrets redacted)\n")
    assert "## Findings (" in out and "pod-crash-loop" in out
    assert "kubectl-prism: summary" not in out  # the summary goes to stderr, the payload alone to stdout
    assert "redacted: " in err and "tokens (o200k_base (tiktoken)) of a 5," in err
    sha = next(line.split()[-1] for line in err.splitlines() if line.startswith("sha256: "))
    assert sha == hashlib.sha256(out.encode()).hexdigest()
    code, out_json, err_json = prism(
        capsys, "context", "-A", "--snapshot", EXAMPLES / "shop-outage", "-o", "json"
    )
    doc = json.loads(out_json)
    # the fences carry a nonce drawn for each request: two runs differ in it and in nothing else
    def same(text: str) -> str:
        return re.sub(r"(<<<(?:end-)?cluster-data) [0-9a-f]{16}", r"\1 NONCE", text)

    assert doc["kind"] == "AIContext" and same(doc["payload"]) == same(out)
    assert doc["sha256"] == hashlib.sha256(doc["payload"].encode()).hexdigest()
    assert set(doc) >= {"redactions", "tokens", "budgetTokens", "cut", "anonymized", "bytes"}
    assert err_json == ""


def test_context_for_a_target_and_with_a_budget(capsys: Capture) -> None:
    code, out, err = prism(
        capsys,
        "context",
        "deploy/api",
        "-n",
        "shop",
        "--budget",
        "20000",
        "--snapshot",
        EXAMPLES / "shop-outage",
    )
    assert code == 0, err
    assert "target=deployment/api" in out and "### Deployment shop/api" in out
    assert "of a 20,000-token budget" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["context", "po/"], "malformed target"),
        (["context", "widget/x"], 'unknown kind "widget"'),
        (["context", "-o", "yaml"], "-o yaml is not supported"),
        (["context", "--budget", "10"], "--budget 10 is too small"),
    ],
)
def test_usage_errors_exit_2(capsys: Capture, args: list[str], message: str) -> None:
    code, out, err = prism(capsys, *args, "--snapshot", EXAMPLES / "shop-outage")
    assert code == 2 and message in err and out == ""


# --- the leak harness on the real command ----------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["context", "-A"],
        ["context", "-A", "-o", "json"],
        ["context", "-A", "--anonymize"],
        ["context", "-n", "shop", "--budget", "100000"],
        ["context", "-n", "shop", "pod/api-6f7c9d8b5-x2x7k", "--budget", "100000"],
        ["context", "-n", "shop", "deploy/api", "--budget", "100000"],
        ["context", "-n", "shop", "secret/db-creds"],
        ["context", "-n", "shop", "cm/ci-kubeconfig"],
    ],
)
def test_no_seeded_secret_leaks_from_context(capsys: Capture, leak_dump: Path, args: list[str]) -> None:
    code, out, err = prism(capsys, *args, "--snapshot", leak_dump)
    assert code == 0, err
    assert_no_leak(out + err)
    assert "[REDACTED:" in out


def test_the_leak_scenario_really_holds_the_secrets(leak_dump: Path) -> None:
    raw = "".join(p.read_text() for p in leak_dump.rglob("*") if p.is_file())
    with pytest.raises(AssertionError, match="seeded secrets leaked"):
        assert_no_leak(raw)
    missing = [
        kind for kind, secret in SEEDED.items() if secret not in raw and secret not in raw.replace("\\/", "/")
    ]
    import base64

    missing = [k for k in missing if base64.b64encode(SEEDED[k].encode()).decode() not in raw]
    assert missing == []


def test_no_seeded_secret_leaks_from_live_context(capsys: Capture, fake_kube, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    api = fake_kube(load_scenario(SCENARIO_PATH))
    kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig", namespace="shop")
    code, out, err = prism(capsys, "context", "--kubeconfig", kubeconfig, "--budget", "100000")
    assert code == 0, err
    assert "source=live" in out and "api-6f7c9d8b5-x2x7k" in out
    assert_no_leak(out + err)


def test_what_fits_the_budget_does_not_depend_on_the_nonce() -> None:
    # The cheapest and the dearest 16-hex nonces in o200k tokens (9 and 21 per fence line): the
    # same parts fit under both, so two runs differ in the nonce alone (CI once saw a pod's
    # object cut in one run and kept in the next).
    from kubectl_prism.analyzers import run_analyzers
    from kubectl_prism.gather.snapshot_files import load_snapshot_path

    snap = load_snapshot_path(EXAMPLES / "shop-outage")
    findings = run_analyzers(snap)
    cheap, dear = "f" * 16, "0a0a0a0a0a0a0a0b"
    payloads = [build_context(snap, findings, nonce=n) for n in (cheap, dear)]
    assert payloads[0].cut == payloads[1].cut and payloads[0].cut  # this scope overflows the budget
    assert payloads[0].payload.text.replace(cheap, "N") == payloads[1].payload.text.replace(dear, "N")
    assert all(p.tokens <= p.budget_tokens for p in payloads)
