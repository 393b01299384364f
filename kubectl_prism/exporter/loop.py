"""The exporter's loop: diagnose every cluster, record the results, wait for the next interval.

Each run is a fleet run (fleet/run.py) over the exporter's contexts — one for a plain run, several with
`--contexts` — with the same deadline per context. One line per cluster and run goes to stderr for the
pod's log. A bug that one cluster's data triggers is counted as that cluster's error and logged; the
exporter keeps serving the others.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from kubectl_prism.exporter.metrics import PrismCollector
from kubectl_prism.fleet.jobs import ContextResult
from kubectl_prism.fleet.run import ContextRun, Deadline, run_contexts
from kubectl_prism.redact.output import clear_for_output, redacted_output


@dataclass
class ExporterPlan:
    contexts: list[str]
    labels: dict[str, str]  # context -> the `cluster` label
    interval: float
    parallel: int
    context_timeout: float


def run_once(plan: ExporterPlan, job: Callable[[str, Deadline], ContextResult], collector: PrismCollector,
             log: Callable[[str], None]) -> list[ContextRun]:
    """One run over every context; each result recorded under its cluster label."""
    from kubectl_prism.gather import paused_gc

    with paused_gc():
        runs = run_contexts(plan.contexts, job, parallel=plan.parallel, timeout=plan.context_timeout,
                            bugs_are_errors=True)
    for run in runs:
        cluster = plan.labels[run.context]
        result = run.result
        if run.ok and result is not None and not result.unreadable:
            diagnosis = result.value
            # Metrics are served to whoever can reach the port: redacted always (no --show-secrets).
            collector.record(cluster, clear_for_output(diagnosis), result.counts, len(diagnosis.gaps),
                             run.seconds)
            s = diagnosis.summary()
            log(f"{cluster}: ok in {run.seconds:.1f}s, {s['critical']} critical, {s['warning']} warning, "
                f"{s['info']} info, {len(diagnosis.gaps)} gaps")
        else:
            collector.record(cluster, None, {}, 1, run.seconds)
            why = run.error or (result.unreadable if result is not None else None) or "unknown error"
            log(f"{cluster}: {run.reason or 'forbidden'} in {run.seconds:.1f}s: {why}")
    return runs


def serve_forever(plan: ExporterPlan, job: Callable[[str, Deadline], ContextResult],
                  collector: PrismCollector, stop: threading.Event,
                  on_run: Callable[[], None] | None = None) -> None:
    """Run, record, wait `interval` (from the start of a run to the start of the next), until `stop`."""
    while not stop.is_set():
        started = time.monotonic()
        run_once(plan, job, collector, _log)
        if on_run is not None:
            on_run()
        stop.wait(max(0.0, plan.interval - (time.monotonic() - started)))


def _log(line: str) -> None:
    """One line to the pod's log; it may hold a server's answer or URL, so it is redacted first."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    print(f"{stamp} {redacted_output(line).content}", file=sys.stderr, flush=True)
