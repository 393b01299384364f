"""Before/after of a fix run: which findings the steps resolved, which are still there, which are new.

A finding is the same finding before and after when its rule and object are the same (its evidence,
counts and times may differ: a pod that restarted once more is still the same crash loop).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kubectl_prism.findings import Finding


def _key(f: Finding) -> tuple[str, str, str | None, str]:
    return (f.id, f.object.kind, f.object.namespace, f.object.name)


@dataclass
class BeforeAfter:
    resolved: list[Finding]
    still: list[Finding]
    new: list[Finding]

    def to_dict(self) -> dict[str, Any]:
        def brief(f: Finding) -> dict[str, Any]:
            return {"id": f.id, "severity": f.severity.value, "title": f.title, "object": f.object.to_dict()}

        return {"resolved": [brief(f) for f in self.resolved], "stillThere": [brief(f) for f in self.still],
                "new": [brief(f) for f in self.new]}


def compare(before: list[Finding], after: list[Finding]) -> BeforeAfter:
    after_keys = {_key(f) for f in after}
    before_keys = {_key(f) for f in before}
    return BeforeAfter(
        resolved=[f for f in before if _key(f) not in after_keys],
        still=[f for f in after if _key(f) in before_keys],
        new=[f for f in after if _key(f) not in before_keys],
    )
