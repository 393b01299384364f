"""Rule-based analyzers: pure functions from a Snapshot to Findings (docs/architecture.md#an-analyzer-rule).

Each area lives in its own rule module (or package) and registers its analyzers with `@analyzer(...)`,
declaring the rules (id, severity, one-line description) it can emit. Analyzers never call the API, never
call AI and never print. Layers, checked by import-linter (`lint-imports`):
- helpers and the snapshot index (`_index`, `_util`, `pod_evidence`, `pod_status`, `pod_groups`, `images`,
  `log_dependencies`, `causes`) import no rule module;
- a rule module imports helpers only, never another rule module: where its finding may be a symptom of
  another rule's finding, it attaches `causes.Link`s, and `causes.link` resolves them all in one pass
  after every rule ran.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from kubectl_prism.findings import SEVERITY_ORDER, Finding, Severity
from kubectl_prism.snapshot import Snapshot

AnalyzerFn = Callable[[Snapshot], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity  # the usual severity; a finding may state its own
    description: str


@dataclass(frozen=True)
class AnalyzerSpec:
    name: str
    rules: tuple[Rule, ...]
    run: AnalyzerFn


_REGISTRY: dict[str, AnalyzerSpec] = {}

# Modules that register analyzers; imported on first use so `--help` stays fast.
_MODULES = (
    "pods", "workloads", "networking", "ingresses", "storage", "nodes", "autoscaling", "policy",
    "config_refs", "webhooks", "traffic", "cpu", "coverage",
)


def analyzer(name: str, *rules: Rule) -> Callable[[AnalyzerFn], AnalyzerFn]:
    def register(fn: AnalyzerFn) -> AnalyzerFn:
        if name in _REGISTRY:
            raise ValueError(f"analyzer {name} registered twice")
        _REGISTRY[name] = AnalyzerSpec(name, rules, fn)
        return fn

    return register


def _load() -> dict[str, AnalyzerSpec]:
    for module in _MODULES:
        try:
            importlib.import_module(f"{__name__}.{module}")
        except ModuleNotFoundError as err:
            if err.name != f"{__name__}.{module}":
                raise
    return _REGISTRY


def registered() -> list[AnalyzerSpec]:
    return list(_load().values())


def all_rules() -> list[Rule]:
    return [rule for spec in registered() for rule in spec.rules]


def run_analyzers(snapshot: Snapshot, only: set[str] | None = None) -> list[Finding]:
    """Run every (or the named) analyzer, then link each symptom to its root cause (causes.py: one pass
    over all findings, so it only links to findings reported in this run), and return the findings, most
    severe first."""
    from kubectl_prism.analyzers._index import forget
    from kubectl_prism.analyzers.causes import link

    findings: list[Finding] = []
    try:
        for spec in registered():
            if only is None or spec.name in only:
                findings.extend(spec.run(snapshot))
        link(findings)
    finally:
        forget(snapshot)
    rank = {sev: i for i, sev in enumerate(SEVERITY_ORDER)}
    findings.sort(
        key=lambda f: (rank[f.severity], f.object.namespace or "", f.object.kind, f.object.name, f.id)
    )
    return findings
