"""The findings model: the `prism/v1 Diagnosis` document of docs/findings.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from kubectl_prism.snapshot import Gap


class Severity(StrEnum):
    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"critical": 3, "warning": 2, "info": 1}[self.value]

    def at_least(self, other: Severity) -> bool:
        return self.rank >= other.rank


@dataclass(frozen=True, order=True)
class ObjectRef:
    kind: str
    name: str
    namespace: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "namespace": self.namespace, "name": self.name}

    def __str__(self) -> str:
        ref = f"{self.kind.lower()}/{self.name}"
        return f"{self.namespace}/{ref}" if self.namespace else ref

    @classmethod
    def of(cls, obj: dict[str, Any]) -> ObjectRef:
        m = obj.get("metadata") or {}
        return cls(obj.get("kind", ""), m.get("name", ""), m.get("namespace"))


@dataclass(frozen=True)
class Remediation:
    description: str
    command: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"description": self.description, "command": self.command}


@dataclass
class Finding:
    id: str  # the rule id, e.g. "pod-oom-killed"
    severity: Severity
    title: str
    object: ObjectRef
    reason: str = ""
    message: str = ""
    evidence: list[str] = field(default_factory=list)
    remediation: list[Remediation] = field(default_factory=list)
    owner: ObjectRef | None = None
    related: list[ObjectRef] = field(default_factory=list)
    # Every object showing this root cause (e.g. the three crashing replicas of one Deployment).
    affected: list[ObjectRef] = field(default_factory=list)
    # For a downstream symptom: the rule id and object of the finding that causes it.
    caused_by: dict[str, Any] | None = None
    # Analysis-internal, never serialized: where this finding's cause may be reported (analyzers.causes.Link,
    # read by the linking pass after all rules ran) and the keys of what it explains to other findings.
    links: list[Any] = field(default_factory=list, repr=False, compare=False)
    explains: tuple[str, ...] = field(default=(), repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": self.severity.value,
            "title": self.title,
            "object": self.object.to_dict(),
            "owner": self.owner.to_dict() if self.owner else None,
            "reason": self.reason,
            "message": self.message,
            "evidence": list(self.evidence),
            "remediation": [r.to_dict() for r in self.remediation],
            "related": [r.to_dict() for r in self.related],
            "affected": [r.to_dict() for r in self.affected],
            "causedBy": self.caused_by,
        }


SEVERITY_ORDER = (Severity.CRITICAL, Severity.WARNING, Severity.INFO)


@dataclass
class Scope:
    context: str | None
    namespace: str | None
    target: str | None
    source: str  # "live" | "snapshot"

    def to_dict(self) -> dict[str, Any]:
        return {
            "context": self.context,
            "namespace": self.namespace,
            "target": self.target,
            "source": self.source,
        }


@dataclass
class Diagnosis:
    scope: Scope
    findings: list[Finding] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    ai: dict[str, Any] | None = None

    def summary(self) -> dict[str, int]:
        counts = {s.value: 0 for s in SEVERITY_ORDER}
        for f in self.findings:
            counts[f.severity.value] += 1
        return counts

    def worst(self) -> Severity | None:
        for sev in SEVERITY_ORDER:
            if any(f.severity is sev for f in self.findings):
                return sev
        return None

    def fails(self, threshold: Severity | None) -> bool:
        worst = self.worst()
        return threshold is not None and worst is not None and worst.at_least(threshold)

    def to_dict(self) -> dict[str, Any]:
        return {
            "apiVersion": "prism/v1",
            "kind": "Diagnosis",
            "scope": self.scope.to_dict(),
            "summary": self.summary(),
            "findings": [f.to_dict() for f in self.findings],
            "gaps": [g.to_dict() for g in self.gaps],
            "ai": self.ai,
        }
