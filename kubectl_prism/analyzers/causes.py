"""The linking pass: once every rule has run, point each symptom at the finding that explains it.

Rules never read each other's findings. A rule whose finding may be a symptom attaches `Link`s to it
(`Finding.links`): where the cause would be reported (`Want`) and what the finding says once linked
(`then`). `link(findings)` resolves them all in one pass over the reported findings, so a `causedBy`
always names a finding of the same run, and a chain (Service → Deployment → ResourceQuota) is followed
whatever order the rules ran in.

A finding's links are alternatives, tried in order: the first whose cause was reported wins; a `Link`
without a `want` is the fallback, applied when none did.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from kubectl_prism.analyzers.pod_status import POD_RULE_ORDER
from kubectl_prism.findings import Finding, ObjectRef, Severity

# What a linked finding says about itself: (the symptom, its cause or None for a fallback).
Effect = Callable[[Finding, Finding | None], None]

# Findings that say why pods cannot start or run, in tiers: a missing ConfigMap or Secret explains a pod
# before its volume does, and a volume before its node.
POD_ROOT_TIERS: tuple[tuple[str, ...], ...] = (
    ("configmap-ref-missing", "secret-ref-missing"),
    ("pvc-pending", "pvc-storageclass-missing", "pvc-lost", "pod-volume-mount-failed"),
    ("node-not-ready", "node-network-unavailable", "node-memory-pressure", "node-disk-pressure",
     "node-pid-pressure", "node-cordoned"),
)


@dataclass(frozen=True)
class Want:
    """Which reported finding would be the cause: one of `tiers`' rules (an earlier tier wins; within a
    tier, the finding reported first) about `object`, explaining `key`, or listing one of `pods`."""

    tiers: tuple[tuple[str, ...], ...]
    object: ObjectRef | None = None
    key: str | None = None
    pods: frozenset[ObjectRef] | None = None
    through: bool = False  # point at the cause's own cause when it has one
    not_info: bool = False  # an info finding explains nothing

    def matches(self, finding: Finding) -> bool:
        if self.object is not None and finding.object != self.object:
            return False
        if self.key is not None and self.key not in finding.explains:
            return False
        return self.pods is None or any(ref in self.pods for ref in finding.affected)


@dataclass(frozen=True)
class Link:
    want: Want | None  # None: the fallback when no link before it found its cause
    then: Effect | None = None
    # Two findings linked to each other this way (two apps that each need the other) are both causes.
    mutual: bool = False


def finding_on(rules: Iterable[str], obj: ObjectRef, through: bool = False, not_info: bool = False) -> Want:
    """The first reported finding of `rules` whose object is `obj`."""
    return Want((tuple(rules),), object=obj, through=through, not_info=not_info)


def exactly(rule: str, obj: ObjectRef) -> Want:
    return Want(((rule,),), object=obj)


def explaining(key: str, rules: Iterable[str]) -> Want:
    """The first reported finding of `rules` that explains `key` (e.g. "webhook:NAME")."""
    return Want((tuple(rules),), key=key)


def pod_finding(pods: Iterable[ObjectRef]) -> Want:
    """The most decisive pod finding (by POD_RULE_ORDER) that lists one of `pods`."""
    return Want(tuple((rule,) for rule in POD_RULE_ORDER), pods=frozenset(pods))


def pod_root(pods: Iterable[ObjectRef], rules: Iterable[str] | None = None) -> Want:
    """The cluster finding (of POD_ROOT_TIERS, or only `rules` of them) that holds up one of `pods`."""
    wanted = set(rules) if rules is not None else None
    tiers = tuple(kept for tier in POD_ROOT_TIERS
                  if (kept := tuple(r for r in tier if wanted is None or r in wanted)))
    return Want(tiers, pods=frozenset(pods))


def cause_of(finding: Finding) -> dict[str, Any]:
    """Finding.caused_by pointing at `finding`."""
    return {"rule": finding.id, "object": finding.object.to_dict()}


_RESOLVING, _DONE = 1, 2


def link(findings: list[Finding]) -> None:
    """Resolve every finding's links against `findings` (in place), then drop the links."""
    _Linker(findings).run()


class _Linker:
    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        self.by_rule: dict[str, list[Finding]] = defaultdict(list)
        for finding in findings:  # in the order reported: within a tier the first reported wins
            self.by_rule[finding.id].append(finding)
        self.position = {id(f): i for i, f in enumerate(findings)}
        self.state: dict[int, int] = {}
        self.before: dict[int, tuple[Any, ...]] = {}  # findings linked mutually-breakable: their old state

    def run(self) -> None:
        for finding in self.findings:
            self.resolve(finding)
        self.break_cycles()
        for finding in self.findings:
            finding.links = []

    def resolve(self, finding: Finding) -> None:
        if self.state.get(id(finding)):
            return
        self.state[id(finding)] = _RESOLVING
        for candidate in finding.links:
            if candidate.want is None:
                if candidate.then:
                    candidate.then(finding, None)
                break
            cause = self.find(candidate.want, finding)
            if cause is None:
                continue
            if candidate.mutual:
                self.before[id(finding)] = _state_of(finding)
            via = cause.caused_by if candidate.want.through else None
            finding.caused_by = dict(via) if via else cause_of(cause)
            if candidate.then:
                candidate.then(finding, cause)
            break
        self.state[id(finding)] = _DONE

    def find(self, want: Want, asking: Finding) -> Finding | None:
        for tier in want.tiers:
            pool = [f for rule in tier for f in self.by_rule.get(rule, ())]
            if len(tier) > 1:
                pool.sort(key=lambda f: self.position[id(f)])
            for found in pool:
                if found is asking or not want.matches(found):
                    continue
                self.resolve(found)  # its own cause first: `through` and its severity depend on it
                if want.not_info and found.severity is Severity.INFO:
                    continue
                return found
        return None

    def break_cycles(self) -> None:
        """Two findings linked to each other (two apps crashing because each needs the other): neither is
        a mere symptom, so both go back to what they said before they were linked."""
        for finding in self.findings:
            other = self.target(finding) if id(finding) in self.before else None
            if other is not None and id(other) in self.before and self.target(other) is finding:
                for f in (finding, other):
                    _restore(f, self.before.pop(id(f)))

    def target(self, finding: Finding) -> Finding | None:
        cause = finding.caused_by or {}
        obj = cause.get("object") or {}
        ref = ObjectRef(obj.get("kind", ""), obj.get("name", ""), obj.get("namespace"))
        return next((f for f in self.by_rule.get(cause.get("rule", ""), ())
                     if ref in (f.object, *f.affected)), None)


def _state_of(finding: Finding) -> tuple[Any, ...]:
    return (finding.severity, finding.title, finding.message, list(finding.evidence),
            list(finding.remediation), finding.caused_by)


def _restore(finding: Finding, state: tuple[Any, ...]) -> None:
    (finding.severity, finding.title, finding.message, finding.evidence, finding.remediation,
     finding.caused_by) = state
