"""The exporter's metrics: what the last run of each cluster found, as Prometheus metric families.

```
prism_findings{cluster, namespace, rule, severity, kind, name}   findings, by the object that needs attention
prism_objects_checked{cluster, kind}                             objects read in the last run, by kind
prism_gaps{cluster}                                              what the last run could not read
prism_up{cluster}                                                1 when the last run read the cluster
prism_last_run_timestamp_seconds{cluster}                        when the last run ended
prism_run_duration_seconds{cluster}                              how long it took
prism_run_errors_total{cluster}                                  runs that could not read the cluster
```

Label cardinality is bounded by workloads, never by pods: a finding is counted on its owning
workload (`kind="Deployment", name="api"`), and a pod without one is counted under `kind="Pod"` with
an empty name. A cluster that cannot be read keeps the findings of its last good run (an outage of
the API server does not resolve the alerts on its workloads); `prism_up` says it is stale.

Built by a custom collector from the latest state, so a finding that went away takes its series with
it. `prometheus_client` is imported by the exporter command only (`--help` stays fast).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from kubectl_prism.findings import Diagnosis, Finding
from kubectl_prism.redact.output import Cleared

FINDING_LABELS = ("cluster", "namespace", "rule", "severity", "kind", "name")
SeriesKey = tuple[str, str, str, str, str]  # namespace, rule, severity, kind, name


def series_of(finding: Finding) -> SeriesKey:
    """The labels of one finding (after `cluster`): the owning workload, never a pod's name."""
    ref = finding.owner or finding.object
    name = "" if ref.kind == "Pod" else ref.name
    namespace = ref.namespace or finding.object.namespace or ""
    return (namespace, finding.id, finding.severity.value, ref.kind, name)


@dataclass
class ClusterState:
    findings: Counter[SeriesKey] = field(default_factory=Counter)
    checked: dict[str, int] = field(default_factory=dict)
    gaps: int = 0
    up: bool = False
    last_run: float | None = None
    duration: float = 0.0
    errors: int = 0


class PrismCollector:
    """A `prometheus_client` collector over the latest run of every cluster (thread-safe)."""

    def __init__(self) -> None:
        self._clusters: dict[str, ClusterState] = {}
        self._lock = threading.Lock()

    def record(self, cluster: str, cleared: Cleared[Diagnosis] | None, checked: dict[str, int], gaps: int,
               seconds: float, ended: float | None = None) -> None:
        """One run of `cluster`: its diagnosis, or None when the cluster could not be read.

        Label values come from the cluster (names, namespaces): like everything prism writes, the
        diagnosis passed the redaction pipeline first (`Cleared`, redact/output.py).
        """
        diagnosis = cleared.value if cleared is not None else None
        with self._lock:
            state = self._clusters.setdefault(cluster, ClusterState())
            state.last_run, state.duration = ended if ended is not None else time.time(), seconds
            state.up = diagnosis is not None
            state.gaps = gaps
            if diagnosis is None:
                state.errors += 1
                return
            state.findings = Counter(series_of(f) for f in diagnosis.findings)
            state.checked = dict(checked)

    def clusters(self) -> list[str]:
        with self._lock:
            return list(self._clusters)

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        with self._lock:
            clusters = {name: _copy(state) for name, state in self._clusters.items()}
        findings = GaugeMetricFamily(
            "prism_findings", "Findings of the last successful run, by the object that needs attention "
            "(the owning workload).", labels=FINDING_LABELS)
        checked = GaugeMetricFamily("prism_objects_checked", "Objects read in the last successful run.",
                                    labels=("cluster", "kind"))
        gaps = GaugeMetricFamily("prism_gaps", "What the last run could not read (RBAC, unavailable APIs; "
                                 "1 for a cluster that could not be read at all).", labels=("cluster",))
        up = GaugeMetricFamily("prism_up", "1 when the last run read the cluster, else 0.",
                               labels=("cluster",))
        last = GaugeMetricFamily("prism_last_run_timestamp_seconds", "When the last run ended (Unix time).",
                                 labels=("cluster",))
        duration = GaugeMetricFamily("prism_run_duration_seconds", "How long the last run took.",
                                     labels=("cluster",))
        errors = CounterMetricFamily("prism_run_errors", "Runs that could not read the cluster.",
                                     labels=("cluster",))
        for name, state in sorted(clusters.items()):
            for key, count in sorted(state.findings.items()):
                findings.add_metric((name, *key), count)
            for kind, count in sorted(state.checked.items()):
                checked.add_metric((name, kind), count)
            gaps.add_metric((name,), state.gaps)
            up.add_metric((name,), 1 if state.up else 0)
            if state.last_run is not None:
                last.add_metric((name,), state.last_run)
                duration.add_metric((name,), state.duration)
            errors.add_metric((name,), state.errors)
        yield from (findings, checked, gaps, up, last, duration, errors)


def _copy(state: ClusterState) -> ClusterState:
    return ClusterState(Counter(state.findings), dict(state.checked), state.gaps, state.up, state.last_run,
                        state.duration, state.errors)
