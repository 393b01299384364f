"""Record a real `kubectl prism fix` session for docs/agent-session.md:
`python -m tests.record_agent_session`.

The bundled shop-outage example is served live by the fake API server; the installed `kubectl-prism`
runs on a pseudo-terminal with the real kubectl; pexpect types the answers a person would (skip, skip,
yes to the Service selector patch, quit) and keeps every byte the terminal showed. A test
(tests/test_agent_fix_session.py) records it again and compares, so the document stays true.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "agent-session.md"
ANSWERS = ["s", "s", "y", "q"]
_HEAD = """# A real agent-mode session

This is a recording, not a mock-up: `python -m tests.record_agent_session` serves the bundled
`examples/shop-outage` cluster from the test suite's fake Kubernetes API server, runs the installed
`kubectl prism fix -n shop --no-ai` on a pseudo-terminal with the real kubectl, and types the answers a
person would: skip, skip, yes to the Service selector patch, quit. A test records it again on every run
of the suite and fails when this page no longer matches (timings are the only thing it ignores).

What to notice:
- each step shows the exact command, why, the classifier's category and a diff computed from the API
  server's own dry run; nothing is taken on trust;
- the answers are typed at the terminal (`s`, `y`, `q`); there is no "yes to all";
- after the run prism diagnoses the namespace again: `service-no-matching-pods` is resolved;
- quitting ends the run with exit code 5.

```console
$ kubectl prism fix -n shop --no-ai
"""


def record() -> tuple[str, int]:
    """Run the session; (what the terminal showed, exit code)."""
    import io

    import pexpect

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.agent_fix_support import QUESTION, fix_env, serve_shop
    from tests.cli_helpers import EXE

    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("PRISM_CONFIG_DIR", f"{tmp}/config")
        os.environ.setdefault("PRISM_STATE_DIR", f"{tmp}/state")
        with serve_shop(Path(tmp)) as api:
            shown = io.StringIO()
            child = pexpect.spawn(str(EXE), ["fix", "-n", "shop", "--no-ai"], env=fix_env(api),
                                  encoding="utf-8", timeout=120, dimensions=(60, 200))
            child.logfile_read = shown
            for reply in ANSWERS:
                child.expect(QUESTION)
                child.sendline(reply)
            child.expect(pexpect.EOF)
            child.close()
            return shown.getvalue(), child.exitstatus if child.exitstatus is not None else -1


_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_SPINNER = ("Gathering cluster state…", "Analyzing…")  # a status line on stderr, erased once done


def normalize(text: str) -> str:
    """Terminal bytes as a transcript: no escape sequences or erased spinner lines, newlines without
    carriage returns, no timings."""
    text = _ESCAPE.sub("", text.replace("\r\n", "\n").replace("\r", ""))
    lines = [ln for ln in text.split("\n") if not any(s in ln for s in _SPINNER)]
    return re.sub(r"\(exit (\d+), \d+ ms\)", r"(exit \1, N ms)", "\n".join(lines))


def document(transcript: str, code: int) -> str:
    return f"{_HEAD}{transcript.rstrip()}\n$ echo $?\n{code}\n```\n"


def main() -> int:
    transcript, code = record()
    DOC.write_text(document(normalize(transcript), code), encoding="utf-8")
    print(f"wrote {DOC} (exit code of the session: {code})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
