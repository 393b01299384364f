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


# --- the design lives in the repository -----------------------------------------------------------------

_OLD_CONTRACT = "DES" + "IGN"  # the name of the contract that used to live outside the repository
_POINTER = re.compile(r"docs/([a-z0-9-]+\.md)(?:#([a-z0-9-]+))?")


def _sources() -> list[Path]:
    found = [ROOT / "README.md"]
    for folder in ("kubectl_prism", "tests", "examples", "benchmarks"):
        found += [p for p in (ROOT / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts
                  and p.suffix in (".py", ".md", ".txt", ".yaml", ".toml")]
    return found


def test_nothing_points_outside_the_repository() -> None:
    """A clone holds everything a contributor needs: code, tests and README point into docs/."""
    hits = [f"{p.relative_to(ROOT)}:{n}" for p in _sources()
            for n, line in enumerate(p.read_text(errors="replace").splitlines(), 1) if _OLD_CONTRACT in line]
    assert hits == []


def _anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#{1,6} (.+)$", page.read_text(), flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_every_pointer_into_docs_lands() -> None:
    pointers = {(p.relative_to(ROOT), m.group(1), m.group(2)) for p in _sources()
                for m in _POINTER.finditer(p.read_text(errors="replace"))}
    assert len(pointers) > 20
    broken = []
    for source, page, anchor in sorted(pointers, key=str):
        target = ROOT / "docs" / page
        if not target.exists() or (anchor and anchor not in _anchors(target)):
            broken.append(f"{source}: docs/{page}" + (f"#{anchor}" if anchor else ""))
    assert broken == []
    assert "exit-codes" in _anchors(ROOT / "docs" / "architecture.md")
