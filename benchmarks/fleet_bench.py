"""Fleet benchmark (issue 15): one fleet run over 8 clusters against the 8 single runs it replaces.

    .venv/bin/python benchmarks/fleet_bench.py                 # 8 contexts x 1,000 pods, 5 runs each
    .venv/bin/python benchmarks/fleet_bench.py --quick         # 4 contexts x 500 pods, 2 runs
    .venv/bin/python benchmarks/fleet_bench.py --processes     # and a process-per-context variant
    .venv/bin/python benchmarks/fleet_bench.py --latency 0.05  # every request answered 50 ms late

Each context is its own fake API server (benchmarks/_harness.py: one child process per cluster, so
the servers' CPU time is not the tool's) with a synthetic cluster of 1,000 pods and 2,000 events
(benchmarks/_util.py); one kubeconfig names them ctx-0 ... ctx-7. Measured in the same session,
interleaved so drift on the machine hits every variant alike:
- single: `prism diagnose -A -o json --context ctx-N`, once per context (their sum is what a script
  looping over the contexts costs);
- fleet --parallel P: `prism diagnose -A -o json --all-contexts --parallel P`, P = 1, 2, 4, 8;
- with --processes: the same jobs in a process per context (a forkserver pool of 4), to back the
  threads-vs-processes choice in kubectl_prism/fleet/run.py with numbers.
Wall time and peak RSS of the process (wait4), and for the process variant the peak RSS summed over
its process tree (sampled). `--latency S` makes every server wait S seconds before it answers a
request, as a cluster a network away does (round trip plus the API server's own time); the default
of 0 answers at once, so the runs measure prism's CPU time alone. Targets: with --parallel 4 the fleet
run takes <= 0.5x the sum of the single runs, and its peak RSS is <= 1.5x the largest single run's.
The machine's load average is printed with the results: on a shared 2-CPU machine the numbers move
with it, by 5-10% from one run to the next, hence the median of 5.
"""

from __future__ import annotations

import argparse
import base64
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._harness import BIN, ROOT, Server

TIME_RATIO_TARGET = 0.5
RSS_RATIO_TARGET = 1.5
PARALLELS = (1, 2, 4, 8)

PROCESSES = r"""
import json, sys
from concurrent.futures import ProcessPoolExecutor
import multiprocessing as mp

def one(args):
    kubeconfig, context = args
    from kubectl_prism.analyzers import run_analyzers
    from kubectl_prism.findings import Diagnosis, Scope
    from kubectl_prism.gather import gather_scope
    from kubectl_prism.options import GlobalOptions
    g = GlobalOptions(kubeconfig=kubeconfig, context=context, all_namespaces=True)
    snapshot = gather_scope(g, None, keep_process=True)
    findings = run_analyzers(snapshot)
    scope = Scope(snapshot.context, snapshot.namespace, None, snapshot.source)
    return Diagnosis(scope, findings, list(snapshot.gaps))

if __name__ == "__main__":
    kubeconfig, contexts = sys.argv[1], sys.argv[2].split(",")
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["kubectl_prism.gather.live", "kubectl_prism.analyzers._index",
                                "kubectl_prism.gather.kubeconfig"])
    with ProcessPoolExecutor(4, mp_context=ctx, max_tasks_per_child=1) as pool:
        items = list(pool.map(one, [(kubeconfig, c) for c in contexts]))
    doc = {"kind": "FleetDiagnosis", "items": [d.to_dict() for d in items]}
    sys.stdout.write(json.dumps(doc) + "\n")
"""


@dataclass
class Row:
    name: str
    times: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)  # peak RSS of the process (wait4), MB
    tree: list[float] = field(default_factory=list)  # peak RSS summed over the process tree, MB

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def merged_kubeconfig(servers: list[Server], path: Path) -> list[str]:
    """One kubeconfig with a context per server (ctx-0, ctx-1, ...); returns the context names."""
    import yaml

    clusters, users, contexts = [], [], []
    for i, server in enumerate(servers):
        ca = base64.b64encode(Path(server.info["ca"]).read_bytes()).decode()
        clusters.append({"name": f"c{i}", "cluster": {"server": server.info["url"],
                                                      "certificate-authority-data": ca}})
        users.append({"name": f"u{i}", "user": {"token": server.info["token"]}})
        contexts.append({"name": f"ctx-{i}", "context": {"cluster": f"c{i}", "user": f"u{i}"}})
    path.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "Config", "clusters": clusters,
                                    "users": users, "contexts": contexts, "current-context": "ctx-0"}))
    return [c["name"] for c in contexts]


def _tree_rss_mb(pid: int) -> float:
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            continue
    return total / 2**20


def run(argv: list[str], env: dict[str, str], capture: bool = False) -> tuple[float, float, float, str]:
    """(seconds, peak RSS MB of the child, peak RSS MB of its process tree, stdout)."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out if capture else subprocess.DEVNULL, stderr=subprocess.PIPE,
                                env=env, cwd=ROOT)
        peak_tree = 0.0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak_tree
            while not done.is_set():
                peak_tree = max(peak_tree, _tree_rss_mb(proc.pid))
                done.wait(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        done.set()
        sampler.join()
        code = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read().decode() if proc.stderr else ""
        if code not in (0, 1):
            raise SystemExit(f"{' '.join(argv[:6])} ... exited {code}: {err[-800:]}")
        out.seek(0)
        text = out.read().decode()
    rss = usage.ru_maxrss / 1024
    return elapsed, rss, max(peak_tree, rss), text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contexts", type=int, default=8)
    parser.add_argument("--pods", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="4 contexts x 500 pods, 2 runs")
    parser.add_argument("--processes", action="store_true", help="also a process-per-context variant")
    parser.add_argument("--latency", type=float, default=0.0, metavar="SECONDS",
                        help="every server waits this long before it answers a request")
    args = parser.parse_args(argv)
    if args.quick:
        args.contexts, args.pods, args.runs = 4, 500, 2
    prism = str(BIN / "kubectl-prism")
    # Bytecode for every module first, as an installed wheel has it: a module without its .pyc is
    # compiled again by every process that imports it (PYTHONDONTWRITEBYTECODE, or a fresh checkout),
    # which would charge each of the 8 single runs for what the fleet run pays once.
    compileall.compile_dir(str(ROOT / "kubectl_prism"), quiet=1)
    with tempfile.TemporaryDirectory(prefix="prism-fleet-bench-") as tmp:
        work = Path(tmp)
        print(f"starting {args.contexts} fake API servers of {args.pods:,} pods each ...", flush=True)
        servers = []
        try:
            for i in range(args.contexts):
                (work / f"s{i}").mkdir()
                servers.append(Server(args.pods, 2 * args.pods, work / f"s{i}", latency=args.latency))
            kubeconfig = work / "fleet.kubeconfig"
            names = merged_kubeconfig(servers, kubeconfig)
            env = {**servers[0].env(), "KUBECONFIG": str(kubeconfig)}
            base = [prism, "diagnose", "-A", "-o", "json", "--kubeconfig", str(kubeconfig)]
            variants: dict[str, list[str]] = {
                f"single {n}": [*base, "--context", n] for n in names}
            for p in PARALLELS:
                variants[f"fleet --parallel {p}"] = [*base, "--all-contexts", "--parallel", str(p)]
            if args.processes:
                script = work / "processes.py"  # a file: pool workers import their function from it
                script.write_text(PROCESSES)
                variants["processes (4)"] = [sys.executable, str(script), str(kubeconfig), ",".join(names)]
            check_same_findings(base, names, env, variants)
            rows = {name: Row(name) for name in variants}
            for i in range(args.runs):
                for name, cmd in variants.items():
                    seconds, rss, tree, _ = run(cmd, env)
                    row = rows[name]
                    row.times.append(seconds)
                    row.rss.append(rss)
                    row.tree.append(tree)
                    print(f"  run {i + 1}/{args.runs} {name:<20} {seconds:6.2f} s {rss:6.0f} MB "
                          f"(tree {tree:5.0f} MB)", flush=True)
        finally:
            for server in servers:
                server.close()
    return report(rows, names, args)


def check_same_findings(base: list[str], names: list[str], env: dict[str, str],
                        variants: dict[str, list[str]]) -> None:
    """Before timing anything: the fleet run finds, per context, what the single run finds."""
    _, _, _, fleet_out = run(variants["fleet --parallel 4"], env, capture=True)
    fleet = json.loads(fleet_out)
    assert fleet["summary"]["read"] == len(names), fleet["summary"]
    for item, name in zip(fleet["items"], names, strict=True):
        _, _, _, single_out = run([*base, "--context", name], env, capture=True)
        single = json.loads(single_out)
        assert item["summary"] == single["summary"] and item["scope"]["context"] == name
    print(f"fleet run and single runs agree: {fleet['summary']}", flush=True)


def report(rows: dict[str, Row], names: list[str], args: argparse.Namespace) -> int:
    load = os.getloadavg()
    singles = [rows[f"single {n}"] for n in names]
    total = sum(r.median for r in singles)
    largest = max(max(r.rss) for r in singles)
    latency = f"{args.latency * 1000:g} ms latency per request" if args.latency else "no added latency"
    print(f"\n{args.contexts} contexts x {args.pods:,} pods, {latency}, median of {args.runs} runs; "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs\n")
    header = (f"{'run':<22} {'median s':>9} {'x sum of singles':>17} {'peak RSS MB':>12} "
              f"{'x largest single':>17} {'tree RSS MB':>12}")
    print(header)
    print("-" * len(header))
    for name, row in rows.items():
        rss = max(row.rss)
        ratio = f"{row.median / total:17.2f}" if not name.startswith("single") else " " * 17
        print(f"{name:<22} {row.median:9.2f} {ratio} {rss:12.0f} {rss / largest:17.2f} {max(row.tree):12.0f}")
    print(f"{'sum of single runs':<22} {total:9.2f}")
    fleet = rows["fleet --parallel 4"]
    time_ratio, rss_ratio = fleet.median / total, max(fleet.rss) / largest
    checks = [
        (time_ratio <= TIME_RATIO_TARGET,
         f"fleet --parallel 4 wall time {fleet.median:.2f} s = {time_ratio:.2f}x the sum of the single runs "
         f"({total:.2f} s; target <= {TIME_RATIO_TARGET})"),
        (rss_ratio <= RSS_RATIO_TARGET,
         f"fleet --parallel 4 peak RSS {max(fleet.rss):.0f} MB = {rss_ratio:.2f}x the largest single run "
         f"({largest:.0f} MB; target <= {RSS_RATIO_TARGET})"),
    ]
    print("\nchecks:")
    for passed, text in checks:
        print(f"  [{'ok' if passed else 'FAIL'}] {text}")
    return 0 if all(passed for passed, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
