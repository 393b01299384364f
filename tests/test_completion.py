"""Shell completion and the man page: generated from the CLI, never stale, and used by real kubectl."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kubectl_prism.completion import candidates, generated_files

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def test_committed_completions_and_man_page_are_current() -> None:
    stale = [str(p.relative_to(ROOT)) for p, text in generated_files(ROOT).items()
             if not p.exists() or p.read_text() != text]
    assert not stale, f"regenerate with `make docs`: {stale}"


@pytest.mark.parametrize(
    ("words", "expected", "absent"),
    [
        ([""], {"diagnose", "explain", "version", "ai"}, set()),
        (["di"], {"diagnose"}, {"explain"}),
        (["diagnose", ""], {"pod/", "deploy/", "sts/", "hpa/"}, {"diagnose"}),
        (["diagnose", "-o", ""], {"json", "yaml", "markdown", "text"}, {"pod/"}),
        (["diagnose", "--all"], {"--all-namespaces"}, {"--kubeconfig"}),
        (["ai", ""], {"status"}, {"diagnose"}),
    ],
)
def test_candidates(words: list[str], expected: set[str], absent: set[str]) -> None:
    got = set(candidates(words))
    assert expected <= got
    assert not (absent & got)


def test_real_kubectl_completes_the_plugin() -> None:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    out = subprocess.run([str(BIN / "kubectl"), "__complete", "prism", "diag"],
                         capture_output=True, text=True, env=env, timeout=60)
    lines = out.stdout.splitlines()
    assert "diagnose" in lines
    assert lines[-1] == ":4"
