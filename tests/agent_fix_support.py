"""Driving `kubectl prism fix` as a person would: the installed executable on a real pseudo-terminal
(pexpect), real kubectl, and the bundled shop-outage example served live by the fake API server."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pexpect

from tests.cli_helpers import EXE
from tests.fakes.examples import example_api
from tests.fakes.kube_apiserver import FakeKubeAPI

QUESTION = r"Run this step\? \[y\]es / \[n\]o / \[e\]dit / \[s\]kip / \[q\]uit: "
KUBECTL = Path(sys.executable).parent / "kubectl"
# The rule-based steps of the shop outage that change something, in the order fix asks about them.
SHOP_STEPS = [
    "kubectl -n shop set image deployment/web web=ghcr.io/acme-shop/web:v2.4.0",
    "kubectl -n shop set resources deployment/worker -c worker --limits=memory=256Mi",
    "kubectl -n shop patch service db -p '{\"spec\":{\"selector\":{\"app\":\"postgresql\"}}}'",
    "kubectl -n shop rollout undo deployment/notifier",
    "kubectl -n shop rollout undo deployment/web",
    "kubectl -n shop patch deployment/api --type=json -p "
    "'[{\"op\":\"add\",\"path\":\"/spec/template/spec/containers/0/livenessProbe/failureThreshold\",\"value\":6}]'",
]


@contextlib.contextmanager
def serve_shop(tmp_path: Path) -> Iterator[FakeKubeAPI]:
    """The shop outage served live, agent mode on (with this venv's kubectl), and a kubeconfig."""
    api = example_api("shop-outage").start()
    api.kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig")
    enabled = subprocess.run([str(EXE), "agent", "enable", "--kubectl", str(KUBECTL)], capture_output=True,
                             text=True, env=fix_env(api), timeout=60)
    assert enabled.returncode == 0, enabled.stderr
    api.clear_requests()
    try:
        yield api
    finally:
        api.stop()


def fix_env(api: FakeKubeAPI, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    env.update({"KUBECONFIG": str(api.kubeconfig), "COLUMNS": "160", "NO_COLOR": "1", "TERM": "xterm",
                **extra})
    return env


def spawn_fix(api: FakeKubeAPI, *args: str, command: str | None = None, **env: str) -> pexpect.spawn:
    """`kubectl-prism fix ARGS` on a new pseudo-terminal (its controlling terminal), or `bash -c
    COMMAND` when given (for pipes)."""
    if command is not None:
        return pexpect.spawn("/bin/bash", ["-c", command], env=fix_env(api, **env), encoding="utf-8",
                             timeout=90, dimensions=(60, 200))
    return pexpect.spawn(str(EXE), ["fix", *args], env=fix_env(api, **env), encoding="utf-8", timeout=90,
                         dimensions=(60, 200))


def answer(child: pexpect.spawn, reply: str) -> str:
    """Wait for the step question and answer it; returns what was shown before the question."""
    child.expect(QUESTION)
    shown = child.before
    child.sendline(reply)
    return str(shown)


def finish(child: pexpect.spawn) -> tuple[int, str]:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus if child.exitstatus is not None else -1, str(child.before)


def mutations(api: FakeKubeAPI) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in api.mutations]


def run_plain(api: FakeKubeAPI, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """`kubectl-prism fix ARGS` with no controlling terminal (a new session, as in CI)."""
    return subprocess.run([str(EXE), "fix", *args], capture_output=True, text=True, env=fix_env(api),
                          timeout=180, start_new_session=True, stdin=subprocess.DEVNULL, **kwargs)
