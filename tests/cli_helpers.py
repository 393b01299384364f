"""Running the real CLI from tests, and the one-line error contract of docs/architecture.md#exit-codes.

Two ways in: `run_main` calls `kubectl_prism.cli.main` in this process (fast; stdout is captured, so it
is not a terminal, as in a pipe), `run_exe` runs the installed `kubectl-prism` executable (what users
run: real exit codes, signals, start-up imports, the interpreter's own exit).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kubectl_prism.cli import main

BIN = Path(sys.executable).parent
EXE = BIN / "kubectl-prism"
# prism's own bug (cli.INTERNAL_ERROR): no test run of prism may end with it; the one test that plants a
# bug on purpose runs prism without these helpers (tests/test_hostile_input.py).
INTERNAL_ERROR = 70


def not_a_bug(code: int, stderr: str) -> None:
    """Fail the test at once when prism ended with an internal error, whatever the test expected."""
    if code == INTERNAL_ERROR:
        pytest.fail(f"prism ended with an internal error (exit 70): {stderr[-1500:]}")


def run_main(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `kubectl-prism ARGS` run in-process."""
    with pytest.raises(SystemExit) as exited:
        main([str(a) for a in args])
    out = capsys.readouterr()
    code = exited.value.code
    not_a_bug(code if isinstance(code, int) else 0, out.err)
    return (code if isinstance(code, int) else 0), out.out, out.err


def run_exe(*args: str | Path, timeout: float = 120, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """`kubectl-prism ARGS` as a subprocess; keyword arguments go to subprocess.run (env, cwd, input)."""
    result = subprocess.run([str(EXE), *map(str, args)], capture_output=True, text=True, timeout=timeout,
                            **kwargs)
    not_a_bug(result.returncode, result.stderr or "")
    return result


def one_error_line(result: subprocess.CompletedProcess[str], code: int = 3) -> str:
    """The contract for bad input: exit `code`, no traceback, stderr exactly one line `error: ...`."""
    assert result.returncode == code, (result.returncode, result.stdout[-300:], result.stderr[-800:])
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]
