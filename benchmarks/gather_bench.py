"""Gather benchmark (issue 3): prism against the floor and kubectl on the same fake cluster.

    /tmp/venv/bin/python benchmarks/gather_bench.py            # 1,000 and 10,000 pods, 3 runs each
    /tmp/venv/bin/python benchmarks/gather_bench.py --quick    # 500 and 2,000 pods, 2 runs
    /tmp/venv/bin/python benchmarks/gather_bench.py --profile  # and where diagnose's time goes

For each size a fake API server (tests/fakes/kube_apiserver.py, run by benchmarks/_harness.py, which
the report benchmark shares) runs in its own process with a synthetic cluster (benchmarks/_util.py:
realistic ~5 KB pods, 2 events per pod, deployments, replica sets, services, nodes, ~1% crash-looping
pods with logs). In the same run, on the same server, it times (medians of several runs, peak RSS of
each child process from wait4, API requests from the server's log):
- prism -A: `prism diagnose -A -o json` — until `diagnose` works, a script calling gather_scope and
  printing a Diagnosis with empty findings (the table says which one ran);
- prism -n: the same for one namespace (its request count must not grow with the cluster);
- gather_scope -A: the gather layer alone (kubeconfig, lists, logs, snapshot; no analyzers), printing
  an empty Diagnosis — so the cost of gathering and of analyzing can be told apart;
- floor: benchmarks/_floor.py, stdlib only, fetching and parsing the same lists with the same
  pagination and parallelism;
- kubectl: `kubectl get pods,events,nodes,deployments,replicasets,services -A -o json`.
Targets checked: prism -A (and gather_scope -A) <= 1.5x floor, prism peak RSS <= 400 MB, and the
number of API calls (requests other than `continue` pages and log reads) for namespace and cluster
scope within a fixed bound at every size (lists are per kind, never per object; logs are capped).
`--profile` then shows, per size, where `diagnose -A -o json` spends its time (start-up, gather,
analyze, render, exit) in one instrumented process on the same server.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._harness import BIN, Result, Server, floor_command, measure, print_profile, profile

NAMESPACE = "team-01"
RSS_TARGET_MB = 400
RATIO_TARGET = 1.5

FALLBACK = r"""
import json, sys
from kubectl_prism.findings import Diagnosis, Scope
from kubectl_prism.gather import gather_scope
from kubectl_prism.options import GlobalOptions
kubeconfig, namespace = sys.argv[1], sys.argv[2]
g = GlobalOptions(kubeconfig=kubeconfig, namespace=namespace or None, all_namespaces=not namespace)
snap = gather_scope(g, None)
doc = Diagnosis(Scope(snap.context, snap.namespace, None, snap.source), gaps=list(snap.gaps)).to_dict()
sys.stdout.write(json.dumps(doc, indent=2) + "\n")
"""


def prism_command(kubeconfig: str, namespace: str | None, env: dict[str, str]) -> tuple[list[str], str]:
    """The real `prism diagnose` once it works; until then the gather_scope script."""
    scope = ["-n", namespace] if namespace else ["-A"]
    real = [str(BIN / "prism"), "diagnose", *scope, "-o", "json", "--kubeconfig", kubeconfig]
    probe = subprocess.run(real, capture_output=True, text=True, env=env, timeout=600)
    try:
        if probe.returncode in (0, 1) and json.loads(probe.stdout).get("kind") == "Diagnosis":
            return real, "prism diagnose"
    except ValueError:
        pass
    return [sys.executable, "-c", FALLBACK, kubeconfig, namespace or ""], "gather_scope script"


def bench_size(
    pods: int, runs: int, workdir: Path, profiles: dict[str, dict[str, float]] | None
) -> list[Result]:
    events = 2 * pods
    print(f"== {pods:,} pods / {events:,} events: starting the fake API server ...", flush=True)
    with Server(pods, events, workdir) as server:
        env = server.env()
        prism_all, how = prism_command(server.kubeconfig, None, env)
        prism_ns, _ = prism_command(server.kubeconfig, NAMESPACE, env)
        gather_only = [sys.executable, "-c", FALLBACK, server.kubeconfig, ""]
        tools = {
            "prism -A": prism_all,
            f"prism -n {NAMESPACE}": prism_ns,
            **({"gather_scope -A": gather_only} if prism_all != gather_only else {}),
            "floor (stdlib)": floor_command(server),
            "kubectl get -A": [
                str(BIN / "kubectl"),
                "get",
                "pods,events,nodes,deployments,replicasets,services",
                "-A",
                "-o",
                "json",
                "--kubeconfig",
                server.kubeconfig,
            ],
        }
        results = {
            name: Result(server.label, name, note=how if name.startswith("prism") else "") for name in tools
        }
        for i in range(runs):  # interleaved, so drift on the machine hits every tool alike
            for name, argv in tools.items():
                measure(results[name], argv, server, env, f"{i + 1}/{runs}")
        if profiles is not None and how == "prism diagnose":
            profiles[server.label] = profile(server, "diagnose", workdir / "diagnose.json", runs=runs)
        return list(results.values())


def report(all_results: list[Result]) -> bool:
    print()
    header = (
        f"{'scenario':<28} {'tool':<18} {'median s':>9} {'peak RSS MB':>12} {'API requests':>13} "
        f"{'lists+gets':>10} {'logs':>5}"
    )
    print(header)
    print("-" * len(header))
    for r in all_results:
        print(
            f"{r.scenario:<28} {r.tool:<18} {r.median:9.2f} {max(r.rss_mb):12.0f} "
            f"{statistics.median(r.requests):13.0f} {statistics.median(r.calls):10.0f} "
            f"{statistics.median(r.logs):5.0f}"
        )
    notes = {r.note for r in all_results if r.note}
    print(f"\nprism ran as: {', '.join(sorted(notes))}")
    ok = True
    print("\nchecks:")
    for scenario in dict.fromkeys(r.scenario for r in all_results):
        rows = {r.tool: r for r in all_results if r.scenario == scenario}
        prism, floor = rows["prism -A"], rows["floor (stdlib)"]
        ratio = prism.median / floor.median
        rss = max(prism.rss_mb)
        gather = rows.get("gather_scope -A", prism)
        gather_ratio = gather.median / floor.median
        for passed, text in (
            (ratio <= RATIO_TARGET, f"{scenario}: prism -A / floor = {ratio:.2f} (target <= {RATIO_TARGET})"),
            (
                gather_ratio <= RATIO_TARGET,
                f"{scenario}: gather_scope -A / floor = {gather_ratio:.2f} (target <= {RATIO_TARGET})",
            ),
            (rss <= RSS_TARGET_MB, f"{scenario}: prism -A peak RSS {rss:.0f} MB (target <= {RSS_TARGET_MB})"),
            (all(r.failed == 0 for r in rows.values()), f"{scenario}: no failed requests or runs"),
        ):
            ok &= passed
            print(f"  [{'ok' if passed else 'FAIL'}] {text}")
    from kubectl_prism.gather.live import CLUSTER_KINDS, NAMESPACED_KINDS
    from kubectl_prism.gather.rules import MAX_LOG_CONTAINERS, STORAGE_KINDS, WEBHOOK_KINDS

    # discovery + one list per kind (+ pod/node metrics); a namespace adds cluster-scoped kinds only
    # when something in it needs them (pending pods -> nodes, unbound claims -> storage, ...).
    optional = ("Node", "NodeMetrics", "IngressClass", *STORAGE_KINDS, *WEBHOOK_KINDS)
    bounds = {
        "prism -A": 1 + len(NAMESPACED_KINDS) + len(CLUSTER_KINDS) + 2,
        f"prism -n {NAMESPACE}": 1 + len(NAMESPACED_KINDS) + 1 + len(optional),
    }
    for tool, bound in bounds.items():
        rows = [r for r in all_results if r.tool == tool]
        calls = {r.scenario: max(r.calls) for r in rows}
        within = all(c <= bound for c in calls.values())
        shown = ", ".join(f"{c:.0f} at {s.split(' /')[0]}" for s, c in calls.items())
        logs = max(max(r.logs) for r in rows)
        bounded = logs <= 2 * MAX_LOG_CONTAINERS
        ok &= within and bounded
        print(
            f"  [{'ok' if within else 'FAIL'}] {tool}: list/get calls (without `continue` pages) stay within "
            f"{bound} whatever the cluster size ({shown})"
        )
        print(
            f"  [{'ok' if bounded else 'FAIL'}] {tool}: log requests capped at {2 * MAX_LOG_CONTAINERS} "
            f"(at most {logs})"
        )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="500 and 2,000 pods, 2 runs")
    parser.add_argument("--runs", type=int, default=None, help="runs per tool (default 3, quick 2)")
    parser.add_argument("--sizes", default=None, help="comma-separated pod counts (default 1000,10000)")
    parser.add_argument("--profile", action="store_true", help="also show where diagnose's time goes")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in (args.sizes or ("500,2000" if args.quick else "1000,10000")).split(",")]
    runs = args.runs or (2 if args.quick else 3)
    import tempfile

    profiles: dict[str, dict[str, float]] | None = {} if args.profile else None
    with tempfile.TemporaryDirectory(prefix="prism-bench-") as tmp:
        results = [r for size in sizes for r in bench_size(size, runs, Path(tmp), profiles)]
    ok = report(results)
    for label, phases in (profiles or {}).items():
        print_profile(f"diagnose -A -o json, {label}", phases)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
