"""Report benchmark (issue 7): `prism report -A` against the floor of the gather benchmark.

    /tmp/venv/bin/python benchmarks/report_bench.py                 # 10,000 pods, 3 runs
    /tmp/venv/bin/python benchmarks/report_bench.py --pods 2000 --runs 2 --profile

On the synthetic cluster of the gather benchmark (benchmarks/_harness.py, benchmarks/_util.py: 10,000
pods, 20,000 events, realistic pod JSON) served by the fake API server in its own process, in the
same run and on the same server, it times (median of several runs, peak RSS from wait4):
- `prism report -A --out FILE.html`, interleaved with
- the floor: benchmarks/_floor.py, stdlib only, fetching and parsing the same lists;
- `prism report -A --out FILE.md` and `--out FILE.json`, once each.
Targets: every report at most 2x the floor's median and at most 450 MB peak RSS. `--profile` adds
where the time of the HTML report goes (start-up, gather, analyze, build, render, write, exit).
Prints a table; exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._harness import BIN, Result, Server, floor_command, measure, print_profile, profile

RATIO_TARGET = 2.0
RSS_TARGET_MB = 450
FLOOR = "floor (stdlib)"


def report_command(server: Server, out: Path) -> list[str]:
    return [str(BIN / "prism"), "report", "-A", "--out", str(out), "--kubeconfig", server.kubeconfig]


def bench(pods: int, runs: int, workdir: Path, with_profile: bool) -> tuple[list[Result], dict[str, float]]:
    print(f"== {pods:,} pods / {2 * pods:,} events: starting the fake API server ...", flush=True)
    with Server(pods, 2 * pods, workdir) as server:
        env = server.env()
        html = report_command(server, workdir / "health.html")
        floor = floor_command(server)
        results = {name: Result(server.label, name) for name in ("report -A html", FLOOR)}
        for i in range(runs):  # interleaved, so drift on the machine hits both alike
            measure(results["report -A html"], html, server, env, f"{i + 1}/{runs}")
            measure(results[FLOOR], floor, server, env, f"{i + 1}/{runs}")
        for fmt in ("md", "json"):
            result = results.setdefault(f"report -A {fmt}", Result(server.label, f"report -A {fmt}"))
            measure(result, report_command(server, workdir / f"health.{fmt}"), server, env, "1/1")
        for fmt in ("html", "md", "json"):
            written = workdir / f"health.{fmt}"
            if not written.is_file() or written.stat().st_size == 0:
                results[f"report -A {fmt}"].failed += 1
                print(f"  report -A {fmt}: no report written", flush=True)
        phases = profile(server, "html", workdir / "profiled.html", runs=2) if with_profile else {}
        return list(results.values()), phases


def table(results: list[Result]) -> bool:
    floor = next(r for r in results if r.tool == FLOOR)
    header = (f"{'scenario':<28} {'tool':<16} {'runs':>4} {'median s':>9} {'x floor':>8} "
              f"{'peak RSS MB':>12} {'API requests':>13}")
    print()
    print(header)
    print("-" * len(header))
    for r in results:
        print(f"{r.scenario:<28} {r.tool:<16} {len(r.times):4d} {r.median:9.2f} "
              f"{r.median / floor.median:8.2f} {max(r.rss_mb):12.0f} {statistics.median(r.requests):13.0f}")
    ok = True
    print("\nchecks:")
    for r in results:
        if r is floor:
            continue
        ratio = r.median / floor.median
        for passed, text in (
            (ratio <= RATIO_TARGET, f"{r.tool} / floor = {ratio:.2f} (target <= {RATIO_TARGET})"),
            (max(r.rss_mb) <= RSS_TARGET_MB,
             f"{r.tool} peak RSS {max(r.rss_mb):.0f} MB (target <= {RSS_TARGET_MB})"),
        ):
            ok &= passed
            print(f"  [{'ok' if passed else 'FAIL'}] {text}")
    clean = all(r.failed == 0 for r in results)
    ok &= clean
    print(f"  [{'ok' if clean else 'FAIL'}] no failed requests or runs, every report written")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pods", type=int, default=10_000, help="pods in the cluster (events: twice that)")
    parser.add_argument("--runs", type=int, default=3, help="runs of the HTML report and of the floor")
    parser.add_argument("--profile", action="store_true", help="also show where the report's time goes")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="prism-report-bench-") as tmp:
        results, phases = bench(args.pods, args.runs, Path(tmp), args.profile)
    ok = table(results)
    if phases:
        print_profile("report -A --out FILE.html", phases)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
