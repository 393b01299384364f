"""Gather benchmark (issue 3): prism against the floor and kubectl on the same fake cluster.

    /tmp/venv/bin/python benchmarks/gather_bench.py            # 1,000 and 10,000 pods, 3 runs each
    /tmp/venv/bin/python benchmarks/gather_bench.py --quick    # 500 and 2,000 pods, 2 runs

For each size a fake API server (tests/fakes/kube_apiserver.py) runs in its own process with a
synthetic cluster (benchmarks/_util.py: realistic ~5 KB pods, 2 events per pod, deployments, replica
sets, services, nodes, ~1% crash-looping pods with logs). In the same run, on the same server, it
times (medians of several runs, peak RSS of each child process from wait4, API requests from the
server's log):
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
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
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


# --- the server process ----------------------------------------------------------------------------


def serve(pods: int, events: int, kubeconfig: str) -> int:
    """Child mode: serve a synthetic cluster; stdin commands `reset` / `stats` / `quit`."""
    sys.path.insert(0, str(ROOT))
    from benchmarks._util import make_cluster
    from tests.fakes.kube_apiserver import FakeKubeAPI

    objects, logs = make_cluster(pods, events)
    api = FakeKubeAPI(objects, logs).start()
    del objects
    api.write_kubeconfig(kubeconfig)
    print(json.dumps({"url": api.url, "ca": str(api.ca_file), "token": "admin-token"}), flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "reset":
            api.clear_requests()
            print("ok", flush=True)
        elif command == "stats":
            requests = api.requests
            logs = sum(1 for r in requests if r.path.endswith("/log"))
            calls = sum(1 for r in requests if "continue" not in r.query and not r.path.endswith("/log"))
            failed = sum(1 for r in requests if r.status >= 400 and r.status != 404)
            print(
                json.dumps({"requests": len(requests), "calls": calls, "logs": logs, "failed": failed}),
                flush=True,
            )
        elif command == "quit":
            break
    api.stop()
    return 0


class Server:
    def __init__(self, pods: int, events: int, workdir: Path) -> None:
        self.kubeconfig = str(workdir / f"kubeconfig-{pods}")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--serve",
                str(pods),
                "--events",
                str(events),
                "--kubeconfig-out",
                self.kubeconfig,
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert self.proc.stdout is not None
        self.info = json.loads(self.proc.stdout.readline())

    def ask(self, command: str) -> str:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def close(self) -> None:
        with contextlib.suppress(BrokenPipeError, OSError):
            self.ask("quit")
        self.proc.wait(timeout=30)


# --- measuring -------------------------------------------------------------------------------------


@dataclass
class Result:
    scenario: str
    tool: str
    times: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    requests: list[int] = field(default_factory=list)
    calls: list[int] = field(default_factory=list)
    logs: list[int] = field(default_factory=list)
    failed: int = 0
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def run_once(
    argv: list[str], server: Server, env: dict[str, str]
) -> tuple[float, float, dict[str, int], int]:
    """(seconds, peak RSS MB, server stats, exit code) of one run; RSS of this child only (wait4)."""
    server.ask("reset")
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0 and proc.stderr is not None:
        sys.stderr.write(f"  {argv[0]} exited {proc.returncode}: {proc.stderr.read().decode()[-500:]}\n")
    stats = json.loads(server.ask("stats"))
    return elapsed, usage.ru_maxrss / 1024, stats, proc.returncode


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


def list_paths() -> list[str]:
    sys.path.insert(0, str(ROOT))
    from kubectl_prism.gather.live import CLUSTER_KINDS, NAMESPACED_KINDS
    from kubectl_prism.kinds import BY_KIND

    return [BY_KIND[kind].list_path(None) for kind in NAMESPACED_KINDS + CLUSTER_KINDS]


def bench_size(pods: int, runs: int, workdir: Path) -> list[Result]:
    events = 2 * pods
    label = f"{pods:,} pods / {events:,} events"
    print(f"== {label}: starting the fake API server ...", flush=True)
    server = Server(pods, events, workdir)
    env = {**os.environ, "KUBECONFIG": server.kubeconfig, "PYTHONPATH": str(ROOT)}
    env.pop("PRISM_CONFIG_DIR", None)
    try:
        prism_all, how = prism_command(server.kubeconfig, None, env)
        prism_ns, _ = prism_command(server.kubeconfig, NAMESPACE, env)
        info = server.info
        gather_only = [sys.executable, "-c", FALLBACK, server.kubeconfig, ""]
        tools = {
            "prism -A": prism_all,
            f"prism -n {NAMESPACE}": prism_ns,
            **({"gather_scope -A": gather_only} if prism_all != gather_only else {}),
            "floor (stdlib)": [
                sys.executable,
                str(ROOT / "benchmarks" / "_floor.py"),
                info["url"],
                info["token"],
                info["ca"],
                *list_paths(),
            ],
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
        results = {name: Result(label, name, note=how if name.startswith("prism") else "") for name in tools}
        for i in range(runs):  # interleaved, so drift on the machine hits every tool alike
            for name, argv in tools.items():
                seconds, rss, stats, code = run_once(argv, server, env)
                result = results[name]
                result.times.append(seconds)
                result.rss_mb.append(rss)
                result.requests.append(stats["requests"])
                result.calls.append(stats["calls"])
                result.logs.append(stats["logs"])
                result.failed += stats["failed"] + (code not in (0, 1))
                print(
                    f"  run {i + 1}/{runs} {name:<18} {seconds:6.2f} s {rss:7.0f} MB "
                    f"{stats['requests']:5d} requests",
                    flush=True,
                )
        return list(results.values())
    finally:
        server.close()


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
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--events", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--kubeconfig-out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        return serve(args.serve, args.events, args.kubeconfig_out)
    sizes = [int(s) for s in (args.sizes or ("500,2000" if args.quick else "1000,10000")).split(",")]
    runs = args.runs or (2 if args.quick else 3)
    import tempfile

    with tempfile.TemporaryDirectory(prefix="prism-bench-") as tmp:
        results = [r for size in sizes for r in bench_size(size, runs, Path(tmp))]
    return 0 if report(results) else 1


if __name__ == "__main__":
    sys.exit(main())
