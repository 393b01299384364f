"""The agent's two doors: only the classifier builds a `Decision`, only the confirmation mints an
`Approval`. Python cannot forbid a call, so this test reads prism's own source and fails when any
other module reaches for the private factory or the minting function."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "kubectl_prism"
DECISION_BUILDERS = {"agent/classify.py", "agent/manifests.py", "agent/decision.py"}
# The confirmation prompt (issue 14's `fix`) is the one place that may mint approvals.
APPROVAL_MINTERS = {"agent/confirm.py", "agent/approval.py"}


def _uses(name: str) -> set[str]:
    found = set()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            hit = (isinstance(node, ast.Name) and node.id == name) or (
                isinstance(node, ast.Attribute) and node.attr == name) or (
                isinstance(node, ast.alias) and node.name == name)
            if hit:
                found.add(path.relative_to(PACKAGE).as_posix())
    return found


def test_only_the_classifier_builds_decisions() -> None:
    users = _uses("_make")
    assert users, "the scan found nothing: it no longer sees the factory"
    assert users <= DECISION_BUILDERS, users - DECISION_BUILDERS


def test_only_the_confirmation_mints_approvals() -> None:
    assert _uses("grant") <= APPROVAL_MINTERS, _uses("grant") - APPROVAL_MINTERS
