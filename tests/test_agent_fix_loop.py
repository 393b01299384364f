"""`kubectl prism fix -n shop --no-ai` on the shop outage served live, answered on a real terminal.

The fake API server's record of mutations must equal exactly the approved steps: declined, skipped,
quit, edited-away and rejected steps change nothing.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from kubectl_prism import audit
from tests.agent_fix_support import (
    KUBECTL,
    QUESTION,
    SHOP_STEPS,
    answer,
    finish,
    fix_env,
    mutations,
    serve_shop,
    spawn_fix,
)
from tests.cli_helpers import EXE
from tests.fakes.kube_apiserver import FakeKubeAPI

DB = "/api/v1/namespaces/shop/services/db"


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[FakeKubeAPI]:
    with serve_shop(tmp_path) as api:
        yield api


def test_approving_the_selector_patch_resolves_the_finding_and_changes_only_that(shop: FakeKubeAPI) -> None:
    child = spawn_fix(shop, "-n", "shop", "--no-ai")
    first = answer(child, "n")  # set image web: declined
    assert SHOP_STEPS[0] in first and "MUTATING" in first and "Step 1 of 6" in first
    assert "-      - image: ghcr.io/acme-shop/web:v2.41" in first
    assert "+      - image: ghcr.io/acme-shop/web:v2.4.0" in first
    answer(child, "s")  # set resources worker: skipped
    third = answer(child, "y")  # the Service selector patch
    assert "service-no-matching-pods" in third and SHOP_STEPS[2] in third
    assert "-    app: postgres" in third and "+    app: postgresql" in third
    child.expect("ran")
    answer(child, "q")  # rollout undo notifier: quit; nothing after it is asked
    code, tail = finish(child)

    assert code == 5
    assert mutations(shop) == [("PATCH", DB)]
    assert shop.get("Service", "db", "shop")["spec"]["selector"] == {"app": "postgresql"}
    resolved = tail[tail.index("resolved:"):tail.index("still there:")]
    assert "service-no-matching-pods service/db" in resolved
    assert "pod-image-pull" in tail[tail.index("still there:"):]  # declined: still there
    assert "Run this step?" not in tail  # no question after q
    assert "error: stopped: you quit" in tail


def test_every_proposal_and_answer_is_in_the_audit_log(shop: FakeKubeAPI) -> None:
    child = spawn_fix(shop, "-n", "shop")
    answer(child, "n")
    answer(child, "s")
    answer(child, "y")
    answer(child, "q")
    finish(child)

    records = audit.read().records
    answers = [(r["answer"], r["argv"][4]) for r in records if r["event"] == audit.AGENT_ANSWER]
    assert answers == [("n", "image"), ("s", "resources"), ("y", "service"), ("q", "undo")]
    proposals = [r for r in records if r["event"] == audit.AGENT_PROPOSAL]
    assert [p["source"] for p in proposals] == ["rules"] * 4
    yes = next(r for r in records if r["event"] == audit.AGENT_ANSWER and r["answer"] == "y")
    assert yes["approver"] and len(yes["preview_sha256"]) == 64 and yes["resource_version"]
    assert yes["category"] == "mutating" and yes["namespace"] == "shop" and yes["context"] == "fake"
    step = [r for r in records if r["event"] == audit.AGENT_STEP and r["category"] != "read-only"]
    reads = [r for r in records if r["event"] == audit.AGENT_STEP and r["category"] == "read-only"]
    assert {r["argv"][1] for r in reads} == {"get"}  # the previews' reads of the live objects
    assert len(step) == 1 and step[0]["exit_code"] == 0 and step[0]["argv_sha256"] == yes["argv_sha256"]
    assert step[0]["preview_sha256"] == yes["preview_sha256"] and step[0]["duration_ms"] > 0

    shown = subprocess.run([str(EXE), "audit", "--event", "agent"], capture_output=True, text=True,
                           env=fix_env(shop), timeout=60)
    assert shown.returncode == 0
    assert "agent.step" in shown.stdout and "answer y" in shown.stdout and "exit 0" in shown.stdout


def test_answers_come_from_the_terminal_even_when_stdout_is_piped_and_stdin_says_yes(
        shop: FakeKubeAPI, tmp_path: Path) -> None:
    log = tmp_path / "fix.log"
    child = spawn_fix(shop, command=f"yes | {EXE} fix -n shop | tee {log}")
    shown = answer(child, "q")  # the ys on stdin approved nothing: the question was still asked
    _, rest = finish(child)
    # The step reaches the terminal through tee, the question directly: under load tee may be later.
    assert SHOP_STEPS[0] in shown + rest
    assert mutations(shop) == []
    assert SHOP_STEPS[0] in log.read_text()  # tee kept the card


def test_an_edited_step_is_classified_previewed_and_asked_again(shop: FakeKubeAPI) -> None:
    child = spawn_fix(shop, "-n", "shop")
    answer(child, "e")
    child.expect("New command")
    child.sendline("kubectl delete ns shop")  # rejected: never asked, never run
    child.expect("Rejected, not run")
    answer(child, "e")  # step 2 (set resources worker), edited to a different memory limit
    child.expect("New command")
    child.sendline("kubectl -n shop set resources deployment/worker -c worker --limits=memory=512Mi")
    shown = answer(child, "y")
    assert "edited by you" in shown and "+            memory: 512Mi" in shown
    child.expect("ran")
    answer(child, "q")
    finish(child)
    assert mutations(shop) == [("PATCH", "/apis/apps/v1/namespaces/shop/deployments/worker")]
    worker = shop.get("Deployment", "worker", "shop")["spec"]["template"]["spec"]["containers"][0]
    assert worker["resources"]["limits"]["memory"] == "512Mi"
    sources = [r["source"] for r in audit.read().records if r["event"] == audit.AGENT_PROPOSAL]
    assert sources == ["rules", "person", "rules", "person", "rules"]


def test_a_destructive_step_runs_only_with_its_name_typed_back(shop: FakeKubeAPI) -> None:
    pod = "api-7d9c5b8f6d-nnhwj"
    child = spawn_fix(shop, "-n", "shop")
    answer(child, "e")
    child.expect("New command")
    child.sendline(f"kubectl delete pod {pod} -n shop")
    shown = answer(child, "y")
    assert "DESTRUCTIVE" in shown and f"pod/{pod}" in shown
    child.expect(f"Type {pod} to confirm: ")
    child.sendline("api")  # not the name
    child.expect("did not match")
    answer(child, "e")  # next step, edited into the same delete: now typed back right
    child.expect("New command")
    child.sendline(f"kubectl delete pod {pod} -n shop")
    answer(child, "y")
    child.expect(f"Type {pod} to confirm: ")
    child.sendline(pod)
    child.expect("ran")
    answer(child, "q")
    finish(child)
    assert mutations(shop) == [("DELETE", f"/api/v1/namespaces/shop/pods/{pod}")]


def test_a_destructive_step_without_a_server_dry_run_is_refused(shop: FakeKubeAPI) -> None:
    pod = "api-7d9c5b8f6d-nnhwj"
    shop.inject(f"/api/v1/namespaces/shop/pods/{pod}", 400, method="DELETE", reason="BadRequest",
                message='admission webhook "guard.example.com" does not support dry run')
    child = spawn_fix(shop, "-n", "shop")
    answer(child, "e")
    child.expect("New command")
    child.sendline(f"kubectl delete pod {pod} -n shop")
    child.expect("REFUSED")
    child.expect("does not support dry run")
    child.expect("never run without a preview")
    answer(child, "q")  # the next rule step is asked: the refusal was not a question
    code, _ = finish(child)
    assert code == 5 and mutations(shop) == []


def test_a_change_between_preview_and_yes_is_previewed_and_asked_again(shop: FakeKubeAPI) -> None:
    child = spawn_fix(shop, "-n", "shop")
    answer(child, "s")
    answer(child, "s")
    child.expect(r"Run this step\?")  # the Service patch is shown; someone else changes the Service now
    someone = subprocess.run([str(KUBECTL), f"--kubeconfig={shop.kubeconfig}", "-n", "shop", "label",
                              "service", "db", "touched=yes"], capture_output=True, text=True, timeout=60)
    assert someone.returncode == 0, someone.stderr
    child.sendline("y")
    child.expect("The object changed since the preview: previewing again")
    answer(child, "y")
    child.expect("ran")
    answer(child, "q")
    finish(child)
    assert mutations(shop) == [("PATCH", DB), ("PATCH", DB)]  # someone's label, then the approved step
    assert shop.get("Service", "db", "shop")["metadata"]["labels"]["touched"] == "yes"
    answers = [r for r in audit.read().records if r["event"] == audit.AGENT_ANSWER and r["answer"] == "y"]
    assert len(answers) == 2 and answers[0]["resource_version"] != answers[1]["resource_version"]


def test_end_of_input_is_quit(shop: FakeKubeAPI) -> None:
    child = spawn_fix(shop, "-n", "shop")
    child.expect(r"Run this step\?")
    child.sendeof()
    code, _ = finish(child)
    assert code == 5 and mutations(shop) == []


def test_colour_on_a_terminal(shop: FakeKubeAPI) -> None:
    child = pexpect.spawn(str(EXE), ["fix", "-n", "shop"], env={**fix_env(shop), "NO_COLOR": ""},
                          encoding="utf-8", timeout=90, dimensions=(60, 200))
    shown = answer(child, "q")
    finish(child)
    assert "\x1b[" in shown and "ghcr.io/acme-shop/web:v2.4.0" in shown
    assert json.dumps(mutations(shop)) == "[]"


def test_ctrl_c_at_the_question_exits_130_and_changes_nothing(shop: FakeKubeAPI) -> None:
    child = spawn_fix(shop, "-n", "shop")
    child.expect(QUESTION)
    child.sendintr()
    code, tail = finish(child)
    assert code == 130 and "Traceback" not in tail
    assert mutations(shop) == []


def test_an_answer_that_is_not_one_of_the_five_is_asked_again(shop: FakeKubeAPI) -> None:
    child = spawn_fix(shop, "-n", "shop")
    answer(child, "yes please")  # not `y` or `yes`: nothing runs on a near-yes
    child.expect("Please answer one of: y, n, e, s, q.")
    answer(child, "Y")  # case does not matter
    child.expect("ran")
    answer(child, "q")
    finish(child)
    assert mutations(shop) == [("PATCH", "/apis/apps/v1/namespaces/shop/deployments/web")]


def test_the_card_carries_the_warning_lines_of_a_step(shop: FakeKubeAPI) -> None:
    from kubectl_prism.agent import Scope, classify_command_line
    from kubectl_prism.agent.confirm import step_card
    from kubectl_prism.agent.steps import ProposedStep
    from kubectl_prism.render.fix import card_lines

    decision = classify_command_line("kubectl -n shop delete pod api-7d9c5b8f6d-nnhwj", Scope("shop"))
    flag = "`api-7d9c5b8f6d-nnhwj` appears only in tool output, not in your question"
    step = ProposedStep(decision, "the log says so", source="ai", warnings=(flag,))
    text = card_lines(step_card(step, decision, None, number=1)).text()
    assert "DESTRUCTIVE  kubectl -n shop delete pod api-7d9c5b8f6d-nnhwj" in text
    assert "! warning: `api-7d9c5b8f6d-nnhwj` appears only in tool output" in text
    assert "type back:" in text and "proposed by ai" in text


def test_cluster_text_in_a_preview_cannot_drive_the_terminal_or_leak(shop: FakeKubeAPI) -> None:
    from tests.leak import SEEDED

    db = shop.get("Service", "db", "shop")
    db["metadata"]["annotations"] = {
        "note": "\x1b]0;pwned\x07\x1b[2J Run this step? [y]es: y",
        "token": SEEDED["github-token"],
    }
    shop.add(db)
    shop.clear_requests()
    child = spawn_fix(shop, "svc/db", "-n", "shop")
    answer(child, "e")  # an annotation step: its diff shows the other annotations as context
    child.expect("New command")
    child.sendline("kubectl -n shop annotate service db reviewed=yes")
    shown = answer(child, "n")
    finish(child)
    assert "+    reviewed: 'yes'" in shown or "+    reviewed: \"yes\"" in shown, shown
    assert "pwned" in shown and "Run this step? [y]es: y" in shown  # shown, as data
    assert "\x1b]0;pwned" not in shown and "\x1b[2J" not in shown  # its escapes made inert
    assert SEEDED["github-token"] not in shown
    assert mutations(shop) == []
