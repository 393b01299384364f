"""`kubectl prism fix -n shop --repo PATH` on the shop outage served live, answered on a real terminal
(pexpect), with a real git repository whose `origin` is a local bare repository.

The Service selector fix becomes a commit on `prism/fix-service-no-matching-pods-db`; the push is a
second question; the cluster is never changed; steps without a manifest are refused unasked.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from kubectl_prism import audit
from tests.agent_fix_support import KUBECTL, finish, fix_env, mutations, serve_shop, spawn_fix
from tests.cli_helpers import EXE
from tests.fakes.kube_apiserver import FakeKubeAPI
from tests.gitops_support import git, make_repo

COMMIT_QUESTION = r"Run this step\? \[y\]es / \[n\]o / \[s\]kip / \[q\]uit: "
PUSH_QUESTION = r"Run this step\? \[y\]es / \[n\]o / \[q\]uit: "
BRANCH = "prism/fix-service-no-matching-pods-db"
DB_SERVICE = """\
# The database's Service. Selector must match the StatefulSet's pod labels.
apiVersion: v1
kind: Service
metadata:
  name: db
  namespace: shop
spec:
  selector:
    app: postgres   # <- the pods say app=postgresql
  ports:
    - name: postgres
      port: 5432
      targetPort: 5432
"""


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[FakeKubeAPI]:
    with serve_shop(tmp_path) as api:
        enabled = subprocess.run([str(EXE), "agent", "enable", "--gitops", "--kubectl", str(KUBECTL)],
                                 capture_output=True, text=True, env=fix_env(api), timeout=60)
        assert enabled.returncode == 0, enabled.stderr
        yield api


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, Path]:
    work, bare = make_repo(tmp_path, kustomize=False)
    (work / "apps/db.yaml").write_text(DB_SERVICE)
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "db service")
    git(work, "push", "-q", "origin", "main")
    return work, bare


def _remote_branches(bare: Path) -> list[str]:
    return git(bare, "for-each-ref", "--format=%(refname:short)", "refs/heads/").split()


def test_a_branch_one_commit_and_the_push_only_after_the_second_yes(shop: FakeKubeAPI, repo: tuple[Path, Path]
                                                                   ) -> None:
    work, bare = repo
    head = git(work, "rev-parse", "HEAD")
    child = spawn_fix(shop, "-n", "shop", "--repo", str(work))
    child.expect(COMMIT_QUESTION)
    card = str(child.before)
    assert "no manifest for Deployment web" in card  # steps without a manifest: refused, not asked
    assert "FILE CHANGE" in card and f"apps/db.yaml -> new branch {BRANCH}" in card
    assert "-    app: postgres   # <- the pods say app=postgresql" in card
    # The comment keeps its column where the value fits, else follows one space after it (ruamel).
    assert "+    app: postgresql # <- the pods say app=postgresql" in card
    assert "Server dry run of the edited manifest: accepted" in card
    child.sendline("y")
    child.expect(PUSH_QUESTION)
    # Committed, not pushed yet: the branch exists only here.
    assert BRANCH not in _remote_branches(bare)
    assert git(work, "rev-list", "--count", f"main..{BRANCH}") == "1"
    assert f"git push origin {BRANCH}" in str(child.before)
    child.sendline("y")
    code, tail = finish(child)

    assert code == 5  # the other steps had no manifest change
    assert f"Pushed {BRANCH} to origin" in tail
    assert _remote_branches(bare) == sorted(["main", BRANCH])
    assert git(bare, "rev-parse", "main") == head  # the default branch is untouched
    commit = git(work, "rev-parse", BRANCH)
    assert git(bare, "rev-parse", BRANCH) == commit and git(work, "rev-parse", f"{commit}^") == head
    message = git(work, "log", "-1", "--format=%B", commit)
    assert message.startswith("fix(service-no-matching-pods): ")
    assert "Evidence:" in message and "kubectl -n shop patch service db" in message
    changed = git(work, "diff", "--name-only", head, commit).split()
    assert changed == ["apps/db.yaml"]
    assert git(work, "show", f"{commit}:apps/db.yaml") == DB_SERVICE.replace(
        "app: postgres   #", "app: postgresql #").rstrip("\n")
    # The checkout, the work tree and the cluster are as they were.
    assert git(work, "rev-parse", "--abbrev-ref", "HEAD") == "main"
    assert git(work, "status", "--porcelain") == "" and (work / "apps/db.yaml").read_text() == DB_SERVICE
    assert mutations(shop) == []
    gitops = [(r["action"], r.get("answer"), r.get("pushed")) for r in audit.read().records
              if r["event"] == audit.AGENT_GITOPS]
    assert gitops == [("edit", "y", None), ("commit", "y", None), ("push", "y", True)]


def test_no_to_the_push_leaves_the_branch_local(shop: FakeKubeAPI, repo: tuple[Path, Path]) -> None:
    work, bare = repo
    child = spawn_fix(shop, "-n", "shop", "--repo", str(work))
    child.expect(COMMIT_QUESTION)
    child.sendline("y")
    child.expect(PUSH_QUESTION)
    child.sendline("n")
    code, tail = finish(child)
    assert code == 5 and "not pushed" in tail
    assert _remote_branches(bare) == ["main"]
    assert git(work, "rev-list", "--count", f"main..{BRANCH}") == "1"
    assert mutations(shop) == []


def test_no_to_the_commit_creates_nothing(shop: FakeKubeAPI, repo: tuple[Path, Path]) -> None:
    work, bare = repo
    child = spawn_fix(shop, "-n", "shop", "--repo", str(work))
    child.expect(COMMIT_QUESTION)
    child.sendline("n")
    code, _ = finish(child)
    assert code == 5
    assert git(work, "branch", "--list", "prism/*") == "" and _remote_branches(bare) == ["main"]
    assert mutations(shop) == []


def test_gitops_off_or_a_bad_repo_is_a_clear_usage_error(tmp_path: Path, repo: tuple[Path, Path]) -> None:
    with serve_shop(tmp_path / "off") as api:  # agent mode on, GitOps off
        done = subprocess.run([str(EXE), "fix", "-n", "shop", "--repo", str(repo[0])], capture_output=True,
                              text=True, env=fix_env(api), timeout=60, stdin=subprocess.DEVNULL)
        assert done.returncode == 2, done.stderr
        assert "GitOps is off" in done.stderr and "agent enable --gitops" in done.stderr
        enabled = subprocess.run([str(EXE), "agent", "enable", "--gitops"], capture_output=True, text=True,
                                 env=fix_env(api), timeout=60)
        assert enabled.returncode == 0
        done = subprocess.run([str(EXE), "fix", "-n", "shop", "--repo", str(tmp_path)], capture_output=True,
                              text=True, env=fix_env(api), timeout=60, stdin=subprocess.DEVNULL)
        assert done.returncode == 2 and "not a git work tree" in done.stderr
        assert "Traceback" not in done.stderr and api.mutations == []


def test_without_a_terminal_the_plan_shows_the_manifest_diffs_and_writes_nothing(
        shop: FakeKubeAPI, repo: tuple[Path, Path]) -> None:

    from tests.agent_fix_support import run_plain

    work, bare = repo
    done = run_plain(shop, "-n", "shop", "--repo", str(work), "-o", "json")
    assert done.returncode == 5, done.stderr
    plan = json.loads(done.stdout)
    entry = next(s for s in plan["steps"] if "gitops" in s)
    assert entry["gitops"]["files"] == ["apps/db.yaml"] and entry["gitops"]["branch"] == BRANCH
    assert entry["gitops"]["dryRun"] == "accepted"
    assert "+    app: postgresql # <- the pods say app=postgresql" in entry["preview"]["diff"]
    web = next(s for s in plan["steps"] if "deployment/web web=" in s["commandLine"])
    assert web["preview"]["status"] == "refused"
    assert "no manifest for Deployment web" in web["preview"]["note"]
    assert git(work, "branch", "--list", "prism/*") == "" and _remote_branches(bare) == ["main"]
    assert git(work, "status", "--porcelain") == "" and mutations(shop) == []


def test_ai_steps_become_commits_with_repo(shop: FakeKubeAPI, repo: tuple[Path, Path], tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.ai_support import enable_ai
    from tests.fakes.ai_server import FakeAIServer, text, tool

    work, bare = repo
    with FakeAIServer() as ai:
        enable_ai(ai, monkeypatch)
        ai.enqueue(
            tool("propose_step", {"argv": ["kubectl", "get", "svc", "db", "-n", "shop", "-o", "name"],
                                  "why": "look"}),
            tool("propose_step", {"argv": ["kubectl", "-n", "shop", "patch", "service", "db", "-p",
                                           '{"spec":{"selector":{"app":"postgresql"}}}'], "why": "fix"}),
            text("committed the selector fix"),
        )
        child = spawn_fix(shop, "-n", "shop", "--ai", "--repo", str(work))
        child.expect(COMMIT_QUESTION)
        assert f"apps/db.yaml -> new branch {BRANCH}" in str(child.before)
        child.sendline("y")
        child.expect(PUSH_QUESTION)
        child.sendline("n")
        code, tail = finish(child)
        assert code == 0, tail
        results = [m for m in ai.requests[-1].json["messages"] if m["role"] == "user"
                   and isinstance(m["content"], list)]
        sent = json.dumps([m["content"] for m in results])
    assert '\\"status\\":\\"ran\\"' in sent and "service/db" in sent  # the read-only step ran unasked
    assert git(work, "rev-list", "--count", f"main..{BRANCH}") == "1" and _remote_branches(bare) == ["main"]
    assert mutations(shop) == []
