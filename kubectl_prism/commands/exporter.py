"""`kubectl prism exporter`: Prometheus metrics of the findings on /metrics, refreshed on an interval."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from kubectl_prism.errors import UsageError
from kubectl_prism.options import FleetOptions, GlobalOptions, with_fleet_options, with_global_options

if TYPE_CHECKING:
    from kubectl_prism.exporter.loop import ExporterPlan

DEFAULT_PORT = 9808


@with_global_options
@with_fleet_options
def exporter(
    g: GlobalOptions,
    fleet: FleetOptions,
    port: Annotated[int, typer.Option(
        "--port", min=0, max=65535, help="Port to serve /metrics on (0: any free port, printed at start).")
    ] = DEFAULT_PORT,
    address: Annotated[str, typer.Option(
        "--address", help="Address to listen on; 0.0.0.0 to be scraped from other hosts (in a pod).")
    ] = "127.0.0.1",
    interval: Annotated[str, typer.Option(
        "--interval", metavar="DURATION", help="Time between runs, from the start of one to the next.")
    ] = "5m",
    cluster_name: Annotated[str | None, typer.Option(
        "--cluster-name", help="The `cluster` label for a single context (default: the context's name).")
    ] = None,
) -> None:
    """Serve Prometheus metrics of the findings (/metrics), diagnosing the cluster(s) every --interval."""
    import signal
    import threading

    from kubectl_prism.timeutil import parse_duration

    every = parse_duration(interval, "--interval")
    if every < 1:
        raise UsageError("--interval must be at least 1s", hint="e.g. --interval 5m")
    if g.show_secrets:
        raise UsageError("--show-secrets is for a person at a terminal; the exporter's metrics are served "
                         "to anyone who can reach the port and are always redacted")
    if g.snapshot is not None:
        raise UsageError("the exporter reads live clusters; --snapshot cannot be used",
                         hint="use `kubectl prism diagnose --snapshot PATH` for saved files")
    plan = _plan(g, fleet, every, cluster_name)

    from prometheus_client import CollectorRegistry, ProcessCollector

    from kubectl_prism.exporter.loop import serve_forever
    from kubectl_prism.exporter.metrics import PrismCollector
    from kubectl_prism.exporter.server import MetricsServer, make_app
    from kubectl_prism.fleet.jobs import diagnose_job

    collector = PrismCollector()
    registry = CollectorRegistry()
    registry.register(collector)
    ProcessCollector(registry=registry)  # the exporter's own memory and CPU, as every exporter has
    first_run = threading.Event()
    try:
        server = MetricsServer(make_app(registry, first_run.is_set), address, port)
    except OSError as err:
        raise UsageError(f"cannot listen on {address}:{port}: {err.strerror or err}",
                         hint="pick another --port or --address") from None
    from kubectl_prism.commands._output import echo

    echo(f"serving metrics of {', '.join(plan.labels.values())} on {server.url} (a run every {interval})",
         err=True)
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())  # a pod being stopped: leave cleanly
    try:
        serve_forever(plan, diagnose_job(g, None), collector, stop, on_run=first_run.set)
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.close()


def _plan(g: GlobalOptions, fleet: FleetOptions, every: float, cluster_name: str | None) -> ExporterPlan:
    from kubectl_prism.exporter.loop import ExporterPlan

    if fleet.requested:
        if cluster_name:
            raise UsageError("--cluster-name names one cluster; a fleet's clusters are named by context")
        from kubectl_prism.fleet.select import check_fleet_flags, select_contexts

        check_fleet_flags(g, fleet)
        names = select_contexts(g.kubeconfig, fleet)
        return ExporterPlan(names, {n: n for n in names}, every, fleet.parallel, fleet.context_timeout)
    name = g.context or _current_context(g.kubeconfig)
    return ExporterPlan([name], {name: cluster_name or name}, every, 1, fleet.context_timeout)


def _current_context(kubeconfig: str | None) -> str:
    """The context a plain run reads: the kubeconfig's current one (or the pod's service account)."""
    from kubectl_prism.gather.kubeconfig import resolve_connection

    return resolve_connection(kubeconfig, None).context
