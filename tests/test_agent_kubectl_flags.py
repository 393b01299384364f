"""The classifier's table of kubectl's commands and flags matches the kubectl in the virtualenv."""

from __future__ import annotations

from pathlib import Path

from tests.kubectl_flag_table import TABLE, build


def test_the_committed_flag_table_matches_the_real_kubectl(kubectl: Path) -> None:
    assert kubectl.exists()
    assert TABLE.read_text() == build(), (
        "kubectl_prism/agent/kubectl_flags.py is stale: run `python -m tests.kubectl_flag_table --write`")


def test_the_table_knows_the_flags_that_matter() -> None:
    from kubectl_prism.agent.kubectl_flags import COMMAND_FLAGS, GLOBAL_FLAGS

    assert GLOBAL_FLAGS["namespace"] == ("n", "value")
    assert GLOBAL_FLAGS["server"] == ("s", "value")
    assert GLOBAL_FLAGS["insecure-skip-tls-verify"] == ("", "bool")
    assert COMMAND_FLAGS["logs"]["follow"] == ("f", "bool")  # -f is --follow for logs...
    assert COMMAND_FLAGS["apply"]["filename"] == ("f", "array")  # ...and --filename elsewhere
    assert COMMAND_FLAGS["get"]["all-namespaces"] == ("A", "bool")
    assert COMMAND_FLAGS["patch"]["patch"] == ("p", "value")
    assert COMMAND_FLAGS["logs"]["previous"] == ("p", "bool")
