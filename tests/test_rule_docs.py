"""The README's rule summary states the true number of rules (the man page is generated from them)."""

from __future__ import annotations

import re
from pathlib import Path

from kubectl_prism.analyzers import all_rules

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_counts_every_rule() -> None:
    stated = re.search(r"lists every rule \((\d+) today\)", README.read_text(encoding="utf-8"))
    assert stated, "the README's rule summary lost its count"
    assert int(stated.group(1)) == len(all_rules())
