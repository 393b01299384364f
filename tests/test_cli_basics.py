"""The CLI shell: help, version, exit codes, start-up imports, and kubectl's plugin discovery."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kubectl_prism import __version__
from tests.cli_helpers import BIN, run_exe

HEAVY = ("kubernetes", "anthropic", "openai", "mcp", "yaml", "urllib3")


@pytest.mark.parametrize("argv", [["--help"], ["version"], ["diagnose", "--help"], ["ai", "--help"]])
def test_fast_paths_import_no_heavy_library(argv: list[str]) -> None:
    probe = (
        "import sys\n"
        f"sys.argv = ['kubectl-prism', *{argv!r}]\n"
        "from kubectl_prism.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print('LOADED=' + ','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert "LOADED=\n" in out.stdout or out.stdout.rstrip().endswith("LOADED="), out.stdout[-500:]


def test_version_text_and_json() -> None:
    text = run_exe("version")
    assert text.returncode == 0
    assert __version__ in text.stdout
    doc = json.loads(run_exe("version", "-o", "json").stdout)
    assert doc["version"] == __version__


def test_help_lists_every_command() -> None:
    out = run_exe("--help")
    assert out.returncode == 0
    for command in ("diagnose", "explain", "ask", "report", "fix", "context", "ai", "auth", "agent", "mcp",
                    "audit", "version"):
        assert command in out.stdout


def test_unknown_command_and_flag_are_usage_errors() -> None:
    assert run_exe("frobnicate").returncode == 2
    bad_flag = run_exe("diagnose", "--frobnicate")
    assert bad_flag.returncode == 2
    assert "Traceback" not in bad_flag.stderr


def test_namespace_and_all_namespaces_conflict() -> None:
    out = run_exe("diagnose", "-n", "shop", "-A")
    assert out.returncode == 2
    assert out.stderr.strip().startswith("error:")
    assert "cannot be used together" in out.stderr
    assert "Traceback" not in out.stderr


def test_kubectl_finds_and_runs_the_plugin(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
           "KUBECONFIG": str(tmp_path / "none")}
    listed = subprocess.run([str(BIN / "kubectl"), "plugin", "list"], capture_output=True, text=True, env=env)
    assert "kubectl-prism" in listed.stdout
    ran = subprocess.run([str(BIN / "kubectl"), "prism", "version"], capture_output=True, text=True, env=env)
    assert ran.returncode == 0, ran.stderr
    assert f"kubectl-prism {__version__}" in ran.stdout
    usage = subprocess.run([str(BIN / "kubectl"), "prism", "--help"], capture_output=True, text=True, env=env)
    assert "kubectl prism" in usage.stdout
