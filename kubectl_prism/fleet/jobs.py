"""What one context's run does for each command, and `run_fleet`, which runs it over the fleet.

Each job reads its context through `gather_scope` — the very code path of a single run, with the
context's name in place of `--context` — analyzes it and returns what the command keeps: a Diagnosis,
an Explanation (a report's job, which builds a HealthReport, is report/fleet.py's), with the object
counts for the fleet table. The snapshot goes out of scope when the job returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Generic, TypeVar

from kubectl_prism.errors import ClusterAccessError
from kubectl_prism.fleet.model import Fleet, FleetItem
from kubectl_prism.fleet.run import Deadline, run_contexts
from kubectl_prism.kinds import Target
from kubectl_prism.options import FleetOptions, GlobalOptions

if TYPE_CHECKING:
    from kubectl_prism.explain.model import Explanation
    from kubectl_prism.findings import Diagnosis
    from kubectl_prism.snapshot import Snapshot

T = TypeVar("T")


@dataclass
class ContextResult(Generic[T]):
    value: T
    counts: dict[str, int] = field(default_factory=dict)
    unreadable: str | None = None  # every request was forbidden: the gaps say what, this says so


def run_fleet(g: GlobalOptions, fleet: FleetOptions, kind: str,
              job: Callable[[str, Deadline], ContextResult[T]], target: Target | None = None) -> Fleet[T]:
    """Select the contexts, run `job` on each (fleet.parallel at a time), collect the items."""
    from kubectl_prism.fleet.select import check_fleet_flags, select_contexts
    from kubectl_prism.gather import paused_gc
    from kubectl_prism.gather.kubeconfig import context_servers

    check_fleet_flags(g, fleet)
    names = select_contexts(g.kubeconfig, fleet)
    servers = context_servers(g.kubeconfig)
    # One pause of the garbage collector for the whole run: each gather pauses and resumes it, and
    # with several in flight one would resume it under another (parsed JSON holds no cycles).
    with paused_gc():
        runs = run_contexts(names, job, parallel=fleet.parallel, timeout=fleet.context_timeout)
    items: list[FleetItem[T]] = []
    for run in runs:
        item = FleetItem[T](run.context, server=servers.get(run.context), seconds=run.seconds,
                            error=run.error, reason=run.reason)
        if run.result is not None:
            item.result, item.counts = run.result.value, run.result.counts
            if run.result.unreadable:
                item.error, item.reason = run.result.unreadable, "forbidden"
        items.append(item)
    return Fleet(kind, items, None if g.all_namespaces else g.namespace, str(target) if target else None)


def gather_context(g: GlobalOptions, context: str, target: Target | None, deadline: Deadline) -> Snapshot:
    """One context's snapshot, read within its deadline and turns (fleet/run.py)."""
    from kubectl_prism.gather import gather_scope

    try:
        return gather_scope(replace(g, context=context), target, deadline=deadline.at, keep_process=True,
                            turns=deadline)
    except ClusterAccessError as err:
        if deadline.expired():  # nothing could be read in the context's time: say which limit it was
            raise deadline.error(context) from err
        raise


def unreadable(snapshot: Snapshot) -> str | None:
    """Why nothing of the context could be read (every request forbidden), or None."""
    from kubectl_prism.gather import check_something_was_readable

    try:
        check_something_was_readable(snapshot)
    except ClusterAccessError as err:
        return err.line()
    return None


def diagnose_job(g: GlobalOptions, target: Target | None,
                 ) -> Callable[[str, Deadline], ContextResult[Diagnosis]]:
    def run(context: str, deadline: Deadline) -> ContextResult[Diagnosis]:
        from kubectl_prism.analyzers import run_analyzers
        from kubectl_prism.findings import Diagnosis, Scope

        snapshot = gather_context(g, context, target, deadline)
        findings = run_analyzers(snapshot)
        scope = Scope(snapshot.context, snapshot.namespace, str(target) if target else None, snapshot.source)
        return ContextResult(Diagnosis(scope, findings, list(snapshot.gaps)), snapshot.counts(),
                             unreadable(snapshot))

    return run


def explain_job(g: GlobalOptions, target: Target) -> Callable[[str, Deadline], ContextResult[Explanation]]:
    def run(context: str, deadline: Deadline) -> ContextResult[Explanation]:
        from kubectl_prism.analyzers import run_analyzers
        from kubectl_prism.explain.model import build_explanation

        snapshot = gather_context(g, context, target, deadline)
        explanation = build_explanation(snapshot, target, run_analyzers(snapshot))
        return ContextResult(explanation, snapshot.counts())

    return run
