"""The fleet result: one item per context, and the `prism/v1 FleetDiagnosis` document (docs/fleet.md).

```
apiVersion: prism/v1
kind: FleetDiagnosis            # FleetExplanation for `explain`
summary: {contexts, read, unreadable, critical, warning, info}
contexts: [{context, server, status, nodes, pods, summary, gaps, seconds, error}]   # the fleet table
gaps: [{context, reason, message}]                                                   # contexts not read
items: [Diagnosis]              # one per context, in kubeconfig order; scope.context filled in
```
A context that could not be read still has its item: no findings, and one gap saying why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from kubectl_prism.findings import SEVERITY_ORDER, Diagnosis, Finding, Scope, Severity
from kubectl_prism.snapshot import Gap

T = TypeVar("T")


@dataclass
class FleetItem(Generic[T]):
    """One context of a fleet run: what was kept of it (never its snapshot), or why nothing was."""

    context: str
    result: T | None = None  # a Diagnosis, an Explanation or a HealthReport
    server: str | None = None
    counts: dict[str, int] = field(default_factory=dict)  # objects read, by kind
    seconds: float = 0.0
    error: str | None = None  # one line: why the context could not be read
    reason: str | None = None  # the short word: unreachable, unauthorized, timed out, forbidden, ...

    @property
    def readable(self) -> bool:
        """Something was read: the result stands, though RBAC may have hidden parts of it (gaps)."""
        return self.result is not None and self.error is None

    @property
    def status(self) -> str:
        return "ok" if self.readable else (self.reason or "error")

    @property
    def findings(self) -> list[Finding]:
        return list(getattr(self.result, "findings", None) or []) if self.readable else []

    @property
    def gaps(self) -> list[Gap]:
        holder = getattr(self.result, "diagnosis", self.result)  # a HealthReport keeps its Diagnosis
        return list(getattr(holder, "gaps", None) or [])

    def summary(self) -> dict[str, int]:
        counts = {s.value: 0 for s in SEVERITY_ORDER}
        for f in self.findings:
            counts[f.severity.value] += 1
        return counts

    def row(self) -> dict[str, Any]:
        """This context's line of the fleet table."""
        return {
            "context": self.context,
            "server": self.server,
            "status": self.status,
            "nodes": self.counts.get("Node") if self.readable else None,
            "pods": self.counts.get("Pod", 0) if self.readable else None,
            "summary": self.summary(),
            "gaps": len(self.gaps) if self.readable else None,
            "seconds": round(self.seconds, 3),
            "error": self.error,
        }


@dataclass
class Fleet(Generic[T]):
    """A fleet run of one command: `kind` names its document (FleetDiagnosis, FleetExplanation)."""

    kind: str
    items: list[FleetItem[T]]
    namespace: str | None = None  # the scope asked for (-n), None for -A or each context's own
    target: str | None = None

    @property
    def read(self) -> list[FleetItem[T]]:
        return [i for i in self.items if i.readable]

    @property
    def unread(self) -> list[FleetItem[T]]:
        return [i for i in self.items if not i.readable]

    def summary(self) -> dict[str, int]:
        totals = {"contexts": len(self.items), "read": len(self.read), "unreadable": len(self.unread)}
        for sev in SEVERITY_ORDER:
            totals[sev.value] = sum(i.summary()[sev.value] for i in self.items)
        return totals

    def fails(self, threshold: Severity | None) -> int:
        """How many findings, across the fleet, are at or above `threshold`."""
        if threshold is None:
            return 0
        return sum(1 for i in self.items for f in i.findings if f.severity.at_least(threshold))

    def gap_records(self) -> list[dict[str, Any]]:
        return [{"context": i.context, "reason": i.status, "message": i.error} for i in self.unread]

    def item_document(self, item: FleetItem[T]) -> dict[str, Any]:
        """The context's own document; a context that was not read gets a Diagnosis saying why."""
        if item.result is not None and hasattr(item.result, "to_dict"):
            doc: dict[str, Any] = item.result.to_dict()
            if item.error and not item.readable:
                doc.setdefault("gaps", []).append(_context_gap(item).to_dict())
            return doc
        scope = Scope(item.context, self.namespace, self.target, "live")
        return Diagnosis(scope, [], [_context_gap(item)]).to_dict()

    def to_dict(self) -> dict[str, Any]:
        return {
            "apiVersion": "prism/v1",
            "kind": self.kind,
            "summary": self.summary(),
            "contexts": [i.row() for i in self.items],
            "gaps": self.gap_records(),
            "items": [self.item_document(i) for i in self.items],
        }


def _context_gap(item: FleetItem[Any]) -> Gap:
    """The whole context as one gap: `could not read cluster: unreachable (cannot reach …)`."""
    return Gap("cluster", None, f"{item.status}: {item.error}" if item.error else item.status)
