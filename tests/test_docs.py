"""The contributor docs in docs/ stay true to the tree: every file they name exists, every page they link
exists, and every top-level module has its place in the layers contract (docs/architecture.md#layers)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "kubectl_prism"
PAGES = sorted((ROOT / "docs").glob("*.md"))
_CODE = re.compile(r"`([A-Za-z0-9_./-]+\.py)(?:::\w+)?`")
_LINK = re.compile(r"\]\(([A-Za-z0-9_./-]+\.md)(?:#[\w-]+)?\)")


def _exists(name: str) -> bool:
    """A path as the docs write it: from the repository root, or short from the package (`gather/http.py`)
    or from one of its packages (`http.py` in a list about gather) — found somewhere, uniquely or not."""
    if (ROOT / name).exists() or (PACKAGE / name).exists():
        return True
    return "/" not in name and any(PACKAGE.rglob(name))


def test_the_pages_exist() -> None:
    names = {p.name for p in PAGES}
    assert {"architecture.md", "privacy.md", "snapshot-format.md", "findings.md", "redaction.md", "ai.md",
            "mcp.md", "agent.md", "fleet.md", "ci.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_every_file_a_page_names_exists(page: Path) -> None:
    text = page.read_text()
    missing = sorted({m for m in _CODE.findall(text) if not _exists(m)})
    assert missing == [], f"{page.name} names files that do not exist: {missing}"
    broken = sorted({m for m in _LINK.findall(text) if not (page.parent / m).exists()})
    assert broken == [], f"{page.name} links to pages that do not exist: {broken}"


def test_the_check_finds_a_missing_file() -> None:
    assert _exists("gather/http.py") and _exists("kubectl_prism/apipath.py") and _exists("loop.py")
    assert not _exists("gather/telepathy.py")


def _layer_modules() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = next(c for c in config["contracts"] if c["type"] == "layers")["layers"]
    return {name.strip() for layer in layers for name in re.split(r"[|:]", layer)}


def test_every_top_level_module_has_a_layer() -> None:
    """A new top-level module or package must take its place in the stack, or lint-imports would not
    see it break the layering."""
    top = {f"kubectl_prism.{p.stem}" for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__")}
    top |= {f"kubectl_prism.{p.parent.name}" for p in PACKAGE.glob("*/__init__.py")}
    assert len(top) > 25
    assert sorted(top - _layer_modules()) == []
