"""Scenario corpus of the cluster analyzers (networking, storage, nodes, autoscaling, policy, config
references, webhooks): each tests/scenarios file is loaded into a Snapshot, every analyzer runs, and each
`expect:` entry must be met by a finding; healthy clusters must produce no warning or critical finding.
"""

from __future__ import annotations

import copy
import shlex
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_prism.analyzers import registered, run_analyzers
from kubectl_prism.findings import Finding, Severity
from kubectl_prism.snapshot import LogKey, Snapshot

SCENARIOS = Path(__file__).parent / "scenarios"
PREFIXES = ("net-", "storage-", "nodes-", "hpa-", "policy-", "refs-", "webhook-")
OURS = sorted(p for p in SCENARIOS.glob("*.yaml") if p.name.startswith(PREFIXES))
HEALTHY = sorted(SCENARIOS.glob("healthy-cluster-*.yaml"))


@cache
def _scenario(path: Path) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)


def load_snapshot(path: Path) -> tuple[Snapshot, dict[str, Any]]:
    """The scenario as a fresh Snapshot (the parsed YAML is cached; a cached Snapshot would outlive the test,
    and tests/test_fleet_run.py checks that no Snapshot outlives a run)."""
    data = _scenario(path)
    snapshot = Snapshot(source="snapshot")
    for obj in data.get("objects") or []:
        snapshot.add(copy.deepcopy(obj))
    for log in data.get("logs") or []:
        key = LogKey(log["namespace"], log["pod"], log["container"], bool(log.get("previous", False)))
        snapshot.logs[key] = log["text"]
    return snapshot, data


def matches(finding: Finding, expect: dict[str, Any]) -> bool:
    if finding.id != expect["rule"]:
        return False
    refs = [finding.object, *([finding.owner] if finding.owner else []), *finding.affected]
    if "kind" in expect and not any(
        r.kind == expect["kind"] and r.name == expect.get("name", r.name)
        and (r.namespace or None) == (expect.get("namespace") or None)
        for r in refs
    ):
        return False
    if "causedBy" in expect and (finding.caused_by or {}).get("rule") != expect["causedBy"]:
        return False
    text = "\n".join([finding.title, finding.message, *finding.evidence])
    return expect.get("evidence", "") in text


def describe(findings: list[Finding]) -> str:
    return "\n".join(f"  {f.severity.value} {f.id} {f.object}: {f.title} | {f.evidence}" for f in findings)


def test_corpus_is_big_enough() -> None:
    assert len(OURS) >= 20
    assert len(HEALTHY) >= 2


@pytest.mark.parametrize("path", OURS, ids=lambda p: p.stem)
def test_scenario_expectations(path: Path) -> None:
    snapshot, data = load_snapshot(path)
    findings = run_analyzers(snapshot)
    assert data.get("expect"), f"{path.name} has no expect entries"
    for expect in data["expect"]:
        met = any(matches(f, expect) for f in findings)
        if expect.get("absent"):
            assert not met, f"{path.name}: {expect} is marked absent but found in\n{describe(findings)}"
        else:
            assert met, f"{path.name}: {expect} not met by\n{describe(findings)}"


@pytest.mark.parametrize("path", HEALTHY, ids=lambda p: p.stem)
def test_healthy_cluster_has_no_problems(path: Path) -> None:
    snapshot, _ = load_snapshot(path)
    loud = [f for f in run_analyzers(snapshot) if f.severity is not Severity.INFO]
    assert not loud, describe(loud)


@pytest.mark.parametrize("path", OURS, ids=lambda p: p.stem)
def test_one_root_cause_is_one_finding(path: Path) -> None:
    """No object is the subject of two findings of the same rule, and downstream symptoms are not critical."""
    snapshot, _ = load_snapshot(path)
    findings = run_analyzers(snapshot)
    seen = [(f.id, f.object) for f in findings]
    assert len(seen) == len(set(seen)), describe(findings)
    for f in findings:
        if f.caused_by and f.id.startswith("service-"):
            assert f.severity is not Severity.CRITICAL, describe([f])


@pytest.mark.parametrize("path", OURS + HEALTHY, ids=lambda p: p.stem)
def test_remediation_is_concrete_kubectl(path: Path) -> None:
    snapshot, _ = load_snapshot(path)
    for finding in run_analyzers(snapshot):
        assert finding.evidence, f"{finding.id} on {finding.object} has no evidence"
        assert finding.remediation, f"{finding.id} on {finding.object} has no remediation"
        for fix in finding.remediation:
            assert fix.description
            for text in (fix.description, fix.command or ""):
                assert "<" not in text and "TODO" not in text, text
            if fix.command:
                argv = shlex.split(fix.command)
                assert argv[0] == "kubectl", fix.command
                assert "-n None" not in fix.command, fix.command


@pytest.mark.parametrize("path", OURS, ids=lambda p: p.stem)
def test_caused_by_points_at_a_reported_finding(path: Path) -> None:
    """A downstream symptom names the rule and object of a finding that is really in the report."""
    snapshot, _ = load_snapshot(path)
    findings = run_analyzers(snapshot)
    reported = {(f.id, f.object.kind, f.object.namespace, f.object.name) for f in findings}
    for f in findings:
        if f.caused_by and f.id in CLUSTER_RULES:
            target = f.caused_by["object"]
            key = (f.caused_by["rule"], target["kind"], target.get("namespace"), target["name"])
            assert key in reported, f"{f.id} on {f.object} points at {key}, which is not reported"


CLUSTER_RULES = {
    rule.id for spec in registered() if spec.name not in ("pods", "workloads") for rule in spec.rules
}
