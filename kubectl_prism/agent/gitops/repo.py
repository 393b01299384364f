"""The git repository of `fix --repo PATH`: where prism may read and write, and the git it runs.

Confinement: every file prism reads or writes is resolved to its real path and must lie inside the
repository's top level, be tracked by git at HEAD as a regular file, and be neither under `.git/`
nor a CI definition (`.github/`, `.gitlab-ci.yml`, ...): a manifest edit must never become a change
to what CI runs.

Git runs as argv lists (`git -C ROOT ...`), with the variables that would point it at another
repository, index or work tree removed, and without asking for credentials on the terminal.
Commits are made with git's plumbing on top of HEAD (`hash-object`, a private index, `write-tree`,
`commit-tree`, `update-ref` that only creates): the person's work tree, index and checked-out branch
are never touched. Pushes are never forced and never go to the remote's default branch.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from kubectl_prism.errors import AgentStopped, UsageError

GIT_TIMEOUT_SECONDS = 60.0
PUSH_TIMEOUT_SECONDS = 120.0
MAX_FILE_BYTES = 1024 * 1024
# CI definitions: a manifest fix never edits what a pipeline runs.
_CI_DIRS = frozenset({".git", ".github", ".gitlab", ".circleci", ".buildkite", ".tekton", ".woodpecker",
                      ".forgejo", ".gitea", ".azure-pipelines", ".drone"})
_CI_FILES = frozenset({".gitlab-ci.yml", ".gitlab-ci.yaml", ".travis.yml", "Jenkinsfile",
                       "azure-pipelines.yml", "azure-pipelines.yaml", "bitbucket-pipelines.yml",
                       ".drone.yml", "cloudbuild.yaml", "cloudbuild.yml", "appveyor.yml", ".woodpecker.yml",
                       "buildspec.yml", "codefresh.yml"})
# Variables that make git act on another repository or index than the one asked for.
_RETARGETING = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
                "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE", "GIT_CEILING_DIRECTORIES",
                "GIT_COMMON_DIR", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT")
BRANCH_PREFIX = "prism/"


class GitError(AgentStopped):
    """A git command failed; the message is git's own first line."""


def ci_or_git_path(relative: str) -> bool:
    """Whether a repository-relative path is inside `.git/` or is a CI definition."""
    parts = PurePosixPath(relative).parts
    return any(p in _CI_DIRS for p in parts[:-1]) or (bool(parts) and (parts[-1] in _CI_FILES
                                                                       or parts[0] in _CI_DIRS))


def _git_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in _RETARGETING and not k.startswith("GIT_CONFIG_KEY_")
           and not k.startswith("GIT_CONFIG_VALUE_")}
    env["GIT_TERMINAL_PROMPT"] = "0"  # a hidden credential prompt would hang the run
    env["LC_ALL"] = "C"  # git's messages, parsed below, in one language
    env.update(extra or {})
    return env


@dataclass(frozen=True)
class GitRepo:
    root: Path  # the real path of the work tree's top level

    @classmethod
    def open(cls, path: str) -> GitRepo:
        """The repository at `path` (any folder inside it); a usage error when it is not one."""
        given = Path(os.path.expanduser(path))
        if not given.is_dir():
            raise UsageError(f"--repo {path}: not a folder", hint="give the path to a git checkout")
        try:
            top = subprocess.run(["git", "-C", str(given), "rev-parse", "--show-toplevel"], env=_git_env(),
                                 capture_output=True, text=True, timeout=GIT_TIMEOUT_SECONDS, check=False)
        except (OSError, subprocess.TimeoutExpired) as err:
            raise UsageError(f"--repo {path}: cannot run git: {err}", hint="install git") from None
        if top.returncode != 0 or not top.stdout.strip():
            raise UsageError(f"--repo {path}: not a git work tree", hint="give the path to a git checkout")
        repo = cls(Path(os.path.realpath(top.stdout.strip())))
        if repo.git("rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False).returncode != 0:
            raise UsageError(f"--repo {path}: the repository has no commit yet",
                             hint="commit the manifests first")
        return repo

    # --- running git ----------------------------------------------------------------------------
    def git(self, *args: str, check: bool = True, stdin: bytes | None = None,
            env: dict[str, str] | None = None, timeout: float = GIT_TIMEOUT_SECONDS
            ) -> subprocess.CompletedProcess[str]:
        try:
            done = subprocess.run(["git", "-C", str(self.root), *args], input=stdin.decode() if stdin
                                  is not None else None, capture_output=True, text=True, timeout=timeout,
                                  env=_git_env(env), check=False)
        except subprocess.TimeoutExpired:
            raise GitError(f"git {args[0]} did not finish within {timeout:.0f} s") from None
        except OSError as err:
            raise GitError(f"cannot run git: {err.strerror or err}") from None
        if check and done.returncode != 0:
            line = next((x for x in done.stderr.splitlines() if x.strip()), f"exit {done.returncode}")
            raise GitError(f"git {args[0]} failed: {line.strip()}")
        return done

    # --- confinement ----------------------------------------------------------------------------
    def relative(self, path: str | os.PathLike[str]) -> str | None:
        """`path`'s real path relative to the root, or None when it lies outside or is .git/ or CI."""
        real = Path(os.path.realpath(path))
        try:
            rel = real.relative_to(self.root).as_posix()
        except ValueError:
            return None
        if rel in ("", ".") or ci_or_git_path(rel):
            return None
        return rel

    def tracked_regular(self, relative: str) -> bool:
        """Whether HEAD holds `relative` as a regular (non-executable, non-link) file."""
        done = self.git("ls-tree", "HEAD", "--", relative, check=False)
        fields = done.stdout.split(None, 3)
        return done.returncode == 0 and len(fields) == 4 and fields[0] == "100644" and fields[1] == "blob"

    def head_bytes(self, relative: str) -> bytes:
        done = subprocess.run(["git", "-C", str(self.root), "cat-file", "blob", f"HEAD:{relative}"],
                              capture_output=True, env=_git_env(), timeout=GIT_TIMEOUT_SECONDS, check=False)
        if done.returncode != 0:
            raise GitError(f"{relative} is not in HEAD")
        return done.stdout

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").stdout.strip()

    # --- branches, commits, pushes --------------------------------------------------------------
    def branch_exists(self, branch: str) -> bool:
        found = self.git("rev-parse", "--verify", "--quiet", f"refs/heads/{branch}", check=False)
        return found.returncode == 0

    def free_branch(self, wanted: str) -> str:
        """`wanted`, or `wanted-2`, `-3`, ... when it exists: prism never moves an existing branch."""
        if self.git("check-ref-format", "--branch", wanted, check=False).returncode != 0:
            raise GitError(f"{wanted!r} is not a valid branch name")
        name, n = wanted, 1
        while self.branch_exists(name):
            n += 1
            name = f"{wanted}-{n}"
        return name

    def commit_files(self, branch: str, files: dict[str, bytes], message: str) -> str:
        """Create `branch` at a new commit: HEAD with `files` (relative path -> new bytes) replaced.

        The work tree, the index and the checked-out branch stay as they were. Returns the commit.
        """
        if not branch.startswith(BRANCH_PREFIX):
            raise GitError(f"prism only creates branches under {BRANCH_PREFIX}")
        for rel in files:
            if self.relative(self.root / rel) != rel or not self.tracked_regular(rel):
                raise GitError(f"{rel} is not a tracked manifest inside the repository")
        head = self.head()
        with tempfile.TemporaryDirectory(prefix="prism-gitops-") as tmp:
            index = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            self.git("read-tree", head, env=index)
            for rel, data in files.items():
                blob = subprocess.run(["git", "-C", str(self.root), "hash-object", "-w", "--stdin"],
                                      input=data, capture_output=True, env=_git_env(),
                                      timeout=GIT_TIMEOUT_SECONDS, check=False)
                if blob.returncode != 0:
                    raise GitError(f"git hash-object failed for {rel}")
                self.git("update-index", "--cacheinfo", f"100644,{blob.stdout.decode().strip()},{rel}",
                         env=index)
            tree = self.git("write-tree", env=index).stdout.strip()
        commit = self.git("commit-tree", tree, "-p", head, "-F", "-", stdin=message.encode()).stdout.strip()
        # The empty old value: create only, never move a branch that appeared meanwhile.
        self.git("update-ref", "-m", "prism: fix branch", f"refs/heads/{branch}", commit, "")
        return commit

    def push_remote(self) -> str:
        """The remote a push goes to: the current branch's upstream remote, else `origin`, else the only
        remote."""
        current = self.git("symbolic-ref", "--quiet", "--short", "HEAD", check=False).stdout.strip()
        if current:
            configured = self.git("config", "--get", f"branch.{current}.remote", check=False).stdout.strip()
            if configured and configured != ".":
                return configured
        remotes = self.git("remote").stdout.split()
        if "origin" in remotes:
            return "origin"
        if len(remotes) == 1:
            return remotes[0]
        raise GitError("no remote to push to" if not remotes else
                       f"several remotes ({', '.join(remotes)}) and none is origin or the branch's upstream")

    def default_branch(self, remote: str) -> str | None:
        """The remote's default branch (what its HEAD points at), asking the remote when the local
        clone does not know it."""
        known = self.git("symbolic-ref", "--quiet", f"refs/remotes/{remote}/HEAD", check=False).stdout.strip()
        if known:
            return known.removeprefix(f"refs/remotes/{remote}/")
        asked = self.git("ls-remote", "--symref", remote, "HEAD", check=False, timeout=PUSH_TIMEOUT_SECONDS)
        for line in asked.stdout.splitlines():
            if line.startswith("ref: refs/heads/") and line.endswith("\tHEAD"):
                return line[len("ref: refs/heads/"):-len("\tHEAD")]
        return None

    def push(self, branch: str, remote: str) -> str:
        """Push `branch` to a branch of the same name on `remote`: never forced (no `+`, no
        `--force`), never to the remote's default branch. Returns git's summary line."""
        if not branch.startswith(BRANCH_PREFIX):
            raise GitError(f"prism only pushes its own branches ({BRANCH_PREFIX}...)")
        default = self.default_branch(remote)
        if default is None or branch == default or branch in ("main", "master"):
            raise GitError(f"refusing to push: cannot tell {remote}'s default branch" if default is None
                           else f"refusing to push to {remote}'s default branch {default}")
        done = self.git("push", "--porcelain", "--no-force-with-lease", remote,
                        f"refs/heads/{branch}:refs/heads/{branch}", timeout=PUSH_TIMEOUT_SECONDS)
        summary = [x for x in done.stdout.splitlines() if x.startswith(("*", " ", "=", "!"))]
        return summary[0].strip() if summary else f"pushed {branch} to {remote}"
