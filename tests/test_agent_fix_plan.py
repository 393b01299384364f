"""`fix --plan`, and `fix` without a terminal: the plan with each step's classification and server-side
preview, nothing changed, exit 5 when it holds a change and 0 when there is nothing to fix."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.agent_fix_support import KUBECTL, SHOP_STEPS, fix_env, mutations, run_plain, serve_shop
from tests.cli_helpers import EXE, one_error_line
from tests.fakes.examples import example_api
from tests.fakes.kube_apiserver import FakeKubeAPI


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[FakeKubeAPI]:
    with serve_shop(tmp_path) as api:
        yield api


def _plan_json(api: FakeKubeAPI, *args: str) -> tuple[int, dict]:
    result = run_plain(api, "-n", "shop", "--plan", "-o", "json", *args)
    assert "Traceback" not in result.stderr
    return result.returncode, json.loads(result.stdout)


def test_without_a_terminal_fix_prints_the_plan_changes_nothing_and_exits_5(shop: FakeKubeAPI) -> None:
    result = run_plain(shop, "-n", "shop")
    assert result.returncode == 5, result.stderr
    assert "No terminal to ask: printing the plan; nothing is changed." in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("error: the plan holds 6 changes")
    assert "Fix plan for namespace shop of context fake: 11 findings, 6 steps" in result.stdout
    for step in SHOP_STEPS:
        assert step in result.stdout
    assert "+    app: postgresql" in result.stdout
    assert mutations(shop) == []
    dry_runs = [r for r in shop.requests if r.dry_run]
    assert {r.method for r in dry_runs} == {"PATCH"} and len(dry_runs) >= 5  # previews ran, as dry runs


def test_the_plan_as_json_holds_every_step_classified_root_causes_first(shop: FakeKubeAPI) -> None:
    code, plan = _plan_json(shop)
    assert code == 5 and plan["kind"] == "FixPlan" and plan["summary"] == {
        "findings": 11, "steps": len(plan["steps"]), "changes": 6}
    changes = [s for s in plan["steps"] if s["category"] in ("mutating", "destructive")]
    assert [s["commandLine"] for s in changes] == SHOP_STEPS
    db = changes[2]
    assert db["finding"]["id"] == "service-no-matching-pods" and db["preview"]["status"] == "previewed"
    assert "+    app: postgresql" in db["preview"]["diff"] and len(db["preview"]["sha256"]) == 64
    assert db["preview"]["resourceVersions"]["service/db"]
    # The Service is the root cause of the api crash loop: its steps come before the crash loop's.
    ids = [s["finding"]["id"] for s in plan["steps"]]
    assert ids.index("service-no-matching-pods") < ids.index("pod-crash-loop")
    assert ids.index("pod-crash-loop") < ids.index("service-no-ready-endpoints")
    # notifier has one revision: the server's own answer says why it is not previewed.
    notifier = changes[3]
    assert notifier["preview"]["status"] == "not previewed"
    assert "no rollout history found" in notifier["preview"]["note"]
    read_only = {s["commandLine"] for s in plan["steps"] if s["category"] == "read-only"}
    assert "kubectl -n shop describe service db" in read_only
    assert mutations(shop) == []


def test_the_plan_as_markdown_for_a_pull_request_comment(shop: FakeKubeAPI) -> None:
    result = run_plain(shop, "-n", "shop", "--plan", "-o", "markdown")
    assert result.returncode == 5
    md = result.stdout
    assert md.startswith("## kubectl prism fix plan: namespace shop of context fake")
    assert "**6 steps that change something**" in md
    assert "```diff\n" in md and "+    app: postgresql" in md
    assert "`service-no-matching-pods`" in md
    assert mutations(shop) == []


def test_a_target_narrows_the_plan_to_its_findings(shop: FakeKubeAPI) -> None:
    code, plan = _plan_json(shop, "svc/db")
    assert code == 5
    assert {s["finding"]["id"] for s in plan["steps"]} == {"service-no-matching-pods"}
    assert plan["summary"]["changes"] == 1


def test_nothing_to_fix_exits_0(tmp_path: Path) -> None:
    api = example_api("healthy").start()
    try:
        api.kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig")
        subprocess.run([str(EXE), "agent", "enable", "--kubectl", str(KUBECTL)], env=fix_env(api), check=True,
                       capture_output=True, timeout=60)
        result = run_plain(api, "-n", "demo", "--plan", "-o", "json")
        assert result.returncode == 0, result.stderr
        plan = json.loads(result.stdout)
        assert plan["summary"]["changes"] == 0 and plan["steps"] == []
        text = run_plain(api, "-n", "demo")
        assert text.returncode == 0 and "Nothing to fix" in text.stdout
        assert mutations(api) == []
    finally:
        api.stop()


def test_fix_refuses_while_agent_mode_is_off(shop: FakeKubeAPI) -> None:
    subprocess.run([str(EXE), "agent", "disable"], env=fix_env(shop), check=True, capture_output=True)
    line = one_error_line(run_plain(shop, "-n", "shop"), code=2)
    assert "agent mode is off" in line and "kubectl prism agent enable" in line
    assert shop.requests == []


@pytest.mark.parametrize(("args", "words"), [
    (["-n", "shop", "--snapshot", "examples/shop-outage"], "cannot read a snapshot"),
    (["-n", "shop", "-o", "yaml"], "-o yaml is not supported by fix"),
    (["no-such-kind/x", "-n", "shop"], "no-such-kind"),
])
def test_usage_errors(shop: FakeKubeAPI, args: list[str], words: str) -> None:
    assert words in one_error_line(run_plain(shop, *args), code=2)
    assert mutations(shop) == []
