"""GitOps plans: a kubectl step becomes an edit of the object's manifest in a real git repository,
computed from the fake API server's own dry run with the real kubectl, made round-trip (comments,
quotes and indentation kept), checked by a server dry run of the edited manifest. Nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubectl_prism.agent import Scope, classify_command_line
from kubectl_prism.agent.gitops.locate import Identity, locate
from kubectl_prism.agent.gitops.plan import GitOpsRefused, branch_name, plan_gitops
from kubectl_prism.agent.gitops.repo import GitRepo, ci_or_git_path
from kubectl_prism.findings import Finding, ObjectRef, Severity
from tests.fakes.kube_apiserver import FakeKubeAPI
from tests.gitops_support import BASE_DEPLOYMENT, OVERLAY_PATCH, SERVICE, git, make_repo

SCENARIO = Path(__file__).parent / "fakes" / "scenarios" / "shop.yaml"


@pytest.fixture
def api(fake_kube) -> FakeKubeAPI:
    server = fake_kube(SCENARIO)
    server.clear_requests()
    return server


def _scope(api: FakeKubeAPI) -> Scope:
    return Scope("shop", kubeconfig=str(api.kubeconfig), default_namespace="shop")


def test_an_overlay_patch_that_sets_the_field_is_where_the_change_lands(api: FakeKubeAPI, kubectl: Path,
                                                                       tmp_path: Path) -> None:
    work, _ = make_repo(tmp_path)
    repo = GitRepo.open(str(work / "base"))  # any folder inside the repository
    step = classify_command_line("kubectl scale deploy/api --replicas=3 -n shop", _scope(api))
    plan = plan_gitops(repo, step, kubectl=str(kubectl))
    assert [str(c) for c in plan.changes] == ["spec.replicas: 3"]
    assert plan.files == ["overlays/prod/replicas.yaml"]
    assert plan.edits[0].after.decode() == OVERLAY_PATCH.replace("replicas: 2 # prod", "replicas: 3 # prod")
    assert plan.location.kustomization == "overlays/prod"
    assert plan.dry_run_ok, plan.dry_run_note
    assert "-  replicas: 2 # prod runs two\n+  replicas: 3 # prod runs two\n" in plan.diff
    # Nothing was written: not the work tree, not a branch, not the cluster.
    assert (work / "overlays/prod/replicas.yaml").read_text() == OVERLAY_PATCH
    assert git(work, "branch", "--list", "prism/*") == "" and git(work, "status", "--porcelain") == ""
    assert api.mutations == [] and api.get("Deployment", "api", "shop")["spec"]["replicas"] == 2


def test_a_field_no_patch_sets_is_edited_in_the_base_keeping_its_comments(api: FakeKubeAPI, kubectl: Path,
                                                                        tmp_path: Path) -> None:
    work, _ = make_repo(tmp_path)
    step = classify_command_line(
        "kubectl set image deployment/api api=registry.example.com/shop/api:1.4.3 -n shop", _scope(api))
    plan = plan_gitops(GitRepo.open(str(work)), step, kubectl=str(kubectl))
    assert plan.files == ["base/deployment.yaml"]
    after = plan.edits[0].after.decode()
    # Only the one line changed: comments, quotes, key order and the "- " indentation are kept.
    assert after == BASE_DEPLOYMENT.replace("api:1.4.2", "api:1.4.3")
    assert plan.dry_run_ok, plan.dry_run_note
    assert plan.branch == "prism/fix-set-image-api"


def test_a_plain_manifest_is_found_by_kind_name_and_namespace(api: FakeKubeAPI, kubectl: Path,
                                                             tmp_path: Path) -> None:
    work, _ = make_repo(tmp_path, kustomize=False)
    step = classify_command_line(
        "kubectl patch service api -n shop -p '{\"spec\":{\"selector\":{\"app\":\"api-v2\"}}}'", _scope(api))
    finding = Finding("service-no-matching-pods", Severity.CRITICAL, "Service api selects no pods",
                      ObjectRef("Service", "api", "shop"), message="selector app=api matches no ready pod",
                      evidence=["endpoints: none", "pods with app=api: 0 ready"])
    plan = plan_gitops(GitRepo.open(str(work)), step, kubectl=str(kubectl), finding=finding)
    assert plan.files == ["apps/service.yaml"]
    assert plan.edits[0].after.decode() == SERVICE.replace("app: api\n  ports", "app: api-v2\n  ports")
    assert plan.branch == "prism/fix-service-no-matching-pods-api"
    assert plan.message.startswith("fix(service-no-matching-pods): Service api selects no pods\n")
    assert "- endpoints: none" in plan.message and "kubectl patch service api" in plan.message


def test_steps_without_a_manifest_edit_are_refused(api: FakeKubeAPI, kubectl: Path, tmp_path: Path) -> None:
    work, _ = make_repo(tmp_path, kustomize=False)
    repo = GitRepo.open(str(work))
    for text, why in [("kubectl delete pod api-7d9c5b8f6-hp4zt -n shop", "no manifest edit"),
                      ("kubectl get pods", "only a step that changes"),
                      ("kubectl scale deploy/api --replicas=3 -n shop", "no manifest for Deployment api")]:
        with pytest.raises(GitOpsRefused, match=why):
            plan_gitops(repo, classify_command_line(text, _scope(api)), kubectl=str(kubectl))
    assert api.mutations == []


def test_uncommitted_changes_in_the_manifest_stop_the_plan(api: FakeKubeAPI, kubectl: Path,
                                                          tmp_path: Path) -> None:
    work, _ = make_repo(tmp_path)
    (work / "overlays/prod/replicas.yaml").write_text(OVERLAY_PATCH + "# my work in progress\n")
    step = classify_command_line("kubectl scale deploy/api --replicas=3 -n shop", _scope(api))
    with pytest.raises(GitOpsRefused, match="not committed"):
        plan_gitops(GitRepo.open(str(work)), step, kubectl=str(kubectl))
    assert (work / "overlays/prod/replicas.yaml").read_text().endswith("# my work in progress\n")


def test_paths_are_confined_to_the_repository(tmp_path: Path) -> None:
    work, _ = make_repo(tmp_path, kustomize=False)
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text(SERVICE)
    (work / "apps/link.yaml").symlink_to(outside)
    (work / "ci.yaml").symlink_to(work / ".github/workflows/deploy.yaml")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "links")
    repo = GitRepo.open(str(work))
    assert repo.relative(work / "apps/link.yaml") is None  # resolves outside
    assert repo.relative(work / "ci.yaml") is None  # resolves into .github/
    assert repo.relative(work / ".git/config") is None
    assert repo.relative(work / "apps/service.yaml") == "apps/service.yaml"
    assert not repo.tracked_regular("apps/link.yaml")  # a link is never edited through
    for path in [".gitlab-ci.yml", ".github/workflows/x.yml", "a/.git/hooks/pre-commit", "Jenkinsfile",
                 ".circleci/config.yml"]:
        assert ci_or_git_path(path), path
    assert not ci_or_git_path("deploy/github/app.yaml")
    # The located manifests are only the one real file, never the link to it.
    found = locate(repo, Identity("", "Service", "api", "shop"))
    assert [loc.resource.file for loc in found] == ["apps/service.yaml"]


def test_kustomize_remote_and_escaping_resources_are_ignored(tmp_path: Path) -> None:
    work, _ = make_repo(tmp_path)
    (work / "overlays/evil").mkdir()
    (work / "overlays/evil/kustomization.yaml").write_text(
        "namespace: shop\nnamePrefix: x-\nresources:\n  - https://example.com/app.yaml\n  - ../../../../etc\n"
        "  - ../../base\n")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "evil")
    found = locate(GitRepo.open(str(work)), Identity("apps", "Deployment", "x-api", "shop"))
    assert [(loc.resource.file, loc.kustomization) for loc in found] == [("base/deployment.yaml",
                                                                          "overlays/evil")]


def test_not_a_repository_is_a_usage_error(tmp_path: Path) -> None:
    from kubectl_prism.errors import UsageError

    with pytest.raises(UsageError, match="not a git work tree"):
        GitRepo.open(str(tmp_path))
    with pytest.raises(UsageError, match="not a folder"):
        GitRepo.open(str(tmp_path / "missing"))


def test_branch_names_are_safe() -> None:
    assert branch_name("service-no-matching-pods", "api") == "prism/fix-service-no-matching-pods-api"
    assert branch_name("x", "../../HEAD..lock") == "prism/fix-x-head-lock"
    assert branch_name(None, "a b") == "prism/fix-step-a-b"


def test_a_manifest_with_an_alias_bomb_is_refused_quickly(api: FakeKubeAPI, kubectl: Path,
                                                         tmp_path: Path) -> None:
    import time

    work, _ = make_repo(tmp_path, kustomize=False)
    bomb = "".join(f"x{i}: &x{i} [" + ", ".join([f"*x{i - 1}"] * 9) + "]\n" for i in range(1, 12))
    (work / "apps/service.yaml").write_text(SERVICE + "  bomb:\n    x0: &x0 lol\n" +
                                            "".join("    " + line + "\n" for line in bomb.splitlines()))
    git(work, "commit", "-q", "-am", "bomb")
    step = classify_command_line(
        "kubectl patch service api -n shop -p '{\"spec\":{\"selector\":{\"app\":\"api-v2\"}}}'", _scope(api))
    started = time.monotonic()
    with pytest.raises(GitOpsRefused, match="anchors and aliases"):
        plan_gitops(GitRepo.open(str(work)), step, kubectl=str(kubectl))
    assert time.monotonic() - started < 20 and api.mutations == []
