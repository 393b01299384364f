"""Previews computed by prism: the live object against the server's dry run of the same argv, with the
real kubectl against the fake API server. Nothing a preview does is a mutation; secrets never show."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from kubectl_prism import audit
from kubectl_prism.agent import Category, Scope, classify_command_line
from kubectl_prism.agent.before_after import compare
from kubectl_prism.agent.preview import NOT_PREVIEWED, PREVIEWED, REFUSED, compute_preview, current_versions
from kubectl_prism.agent.steps import RuleSource, root_causes_first, rule_plan
from kubectl_prism.findings import Finding, ObjectRef, Severity
from tests.agent_fix_support import KUBECTL, mutations
from tests.fakes.examples import EXAMPLES, example_api
from tests.fakes.kube_apiserver import FakeKubeAPI
from tests.leak import SCENARIO_PATH, assert_no_leak


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[FakeKubeAPI]:
    api = example_api("shop-outage").start()
    api.kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig")
    api.clear_requests()
    try:
        yield api
    finally:
        api.stop()


def _preview(api: FakeKubeAPI, command: str):  # type: ignore[no-untyped-def]
    decision = classify_command_line(command, Scope("shop", context="fake", kubeconfig=str(api.kubeconfig)))
    assert decision.needs_approval, decision.reason
    return decision, compute_preview(decision, kubectl=str(KUBECTL))


def test_a_named_object_shows_its_diff_and_its_resource_version(shop: FakeKubeAPI) -> None:
    decision, preview = _preview(shop, "kubectl -n shop scale deploy/api --replicas=5")
    assert preview.status == PREVIEWED and preview.note is None
    assert "-  replicas: 3\n+  replicas: 5" in preview.diff
    assert preview.diff.startswith(
        "--- live deployment/api\n+++ deployment/api after the step (server dry run)")
    live_rv = shop.get("Deployment", "api", "shop")["metadata"]["resourceVersion"]
    assert preview.resource_versions == {"deployment/api": live_rv}
    assert current_versions(decision, kubectl=str(KUBECTL)) == preview.resource_versions
    assert mutations(shop) == [] and any(r.dry_run for r in shop.requests)
    assert len(preview.sha256) == 64


def test_a_selector_shows_every_object_it_picks(shop: FakeKubeAPI) -> None:
    decision, preview = _preview(shop, "kubectl -n shop label pods -l app=api tier=edge")
    assert decision.category is Category.DESTRUCTIVE and decision.confirm_word == "shop"
    pods = ["pod/api-7d9c5b8f6d-nnhwj", "pod/api-7d9c5b8f6d-p4mmn", "pod/api-7d9c5b8f6d-pm28d"]
    assert preview.affected == pods
    for pod in pods:  # one diff per pod, each read live
        assert f"--- live {pod}\n+++ {pod} after the step (server dry run)" in preview.diff
    assert preview.diff.count("+    tier: edge") == 3
    assert mutations(shop) == []


def test_a_delete_lists_what_it_would_delete(shop: FakeKubeAPI) -> None:
    _, preview = _preview(shop, "kubectl -n shop delete pods -l app=api")
    assert preview.status == PREVIEWED and preview.diff == ""
    assert preview.affected == [f"pod/api-7d9c5b8f6d-{p}" for p in ("nnhwj", "p4mmn", "pm28d")]
    assert mutations(shop) == [] and shop.get("Pod", "api-7d9c5b8f6d-nnhwj", "shop") is not None


def test_a_step_that_changes_nothing_says_so(shop: FakeKubeAPI) -> None:
    _, preview = _preview(shop, "kubectl -n shop scale deploy/api --replicas=3")
    assert preview.status == PREVIEWED and preview.diff == ""
    assert preview.note == "the server says this step changes nothing"


def test_without_a_dry_run_mutating_is_not_previewed_and_destructive_is_refused(shop: FakeKubeAPI) -> None:
    _, restart = _preview(shop, "kubectl -n shop rollout restart deployment/api")
    assert restart.status == NOT_PREVIEWED and "has no server-side dry run" in restart.note
    shop.inject("/api/v1/namespaces/shop/services/db", 400, method="PATCH", reason="BadRequest",
                message='admission webhook "policy.example.com" does not support dry run')
    _, patch = _preview(shop, "kubectl -n shop annotate service db note=x")
    assert patch.status == NOT_PREVIEWED and "does not support dry run" in patch.note
    shop.inject("/api/v1/namespaces/shop/pods/", 400, method="DELETE", reason="BadRequest",
                message='admission webhook "policy.example.com" does not support dry run')
    _, delete = _preview(shop, "kubectl -n shop delete pod api-7d9c5b8f6d-nnhwj")
    assert delete.status == REFUSED and "does not support dry run" in delete.note
    assert mutations(shop) == []


def test_previews_never_show_secrets(fake_kube, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    api = fake_kube(SCENARIO_PATH)
    scope = Scope("shop", context="fake", kubeconfig=str(api.kubeconfig))
    shown = []
    for command in ("kubectl -n shop label deployment api tier=edge",
                    "kubectl -n shop annotate configmap app-config reviewed=yes",
                    "kubectl -n shop set env deployment/api LOG_LEVEL=debug",
                    "kubectl -n shop annotate service api reviewed=yes"):
        decision = classify_command_line(command, scope)
        preview = compute_preview(decision, kubectl=str(KUBECTL))
        assert preview.status == PREVIEWED, (command, preview.note)
        shown.append(json.dumps(preview.to_dict()))
    assert "+    tier: edge" in json.loads(shown[0])["diff"]
    assert_no_leak("\n".join(shown))
    assert_no_leak(audit.audit_path().read_bytes())
    assert api.mutations == []


# --- the plan's order and before/after (pure) ---------------------------------------------------------


def _shop_findings() -> list[Finding]:
    from kubectl_prism.analyzers import run_analyzers
    from kubectl_prism.gather.snapshot_files import load_snapshot_path

    snapshot = load_snapshot_path(EXAMPLES / "shop-outage")
    return [f for f in run_analyzers(snapshot) if f.object.namespace == "shop"]


def test_root_causes_come_before_their_symptoms() -> None:
    findings = _shop_findings()
    ordered = root_causes_first(list(reversed(findings)))
    position = {(f.id, f.object.name): i for i, f in enumerate(ordered)}
    for f in findings:
        if f.caused_by:
            cause = (f.caused_by["rule"], f.caused_by["object"]["name"])
            assert position[cause] < position[(f.id, f.object.name)], (cause, f.id)


def test_the_rule_source_gives_only_changes_each_command_once() -> None:
    plan = rule_plan(_shop_findings(), Scope("shop", context="fake"))
    commands = [p.decision.command_line for p in plan]
    assert len(commands) == len(set(commands))
    source = RuleSource(plan)
    proposed = []
    while (step := source.next_step(None)) is not None:
        proposed.append(step)
    assert proposed and all(s.changes_something and s.source == "rules" for s in proposed)
    assert {s.decision.category for s in proposed} <= {Category.MUTATING, Category.DESTRUCTIVE}
    assert len(proposed) == sum(1 for p in plan if p.decision.needs_approval)


def test_before_after_by_rule_and_object() -> None:
    def f(rule: str, name: str) -> Finding:
        return Finding(rule, Severity.WARNING, "t", ObjectRef("Service", name, "shop"), evidence=[name])

    before = [f("a", "x"), f("b", "y")]
    after = [Finding("b", Severity.CRITICAL, "other title", ObjectRef("Service", "y", "shop")), f("c", "z")]
    result = compare(before, after)
    assert [x.id for x in result.resolved] == ["a"]
    assert [x.id for x in result.still] == ["b"] and [x.id for x in result.new] == ["c"]
