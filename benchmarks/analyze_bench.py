"""Analyzer benchmark: every registered analyzer over a 10,000-pod snapshot (issue 4: at most 1 s).

The cluster comes from the same generator as the gather benchmark (20,000 events, ~1% crash-looping and
~0.5% pending workloads, realistic pod JSON). Each run gets a fresh Snapshot, so per-snapshot caches
start cold, as they do in a real command. Run: `python benchmarks/analyze_bench.py [--pods N] [--runs N]`.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._util import make_cluster
from kubectl_prism.analyzers import registered, run_analyzers
from kubectl_prism.snapshot import LogKey, Snapshot

TARGET_S = 1.0


def build_snapshot(objects: list[dict], logs: list[dict]) -> Snapshot:
    snapshot = Snapshot(source="snapshot")
    snapshot.add_all(copy.deepcopy(objects))
    for entry in logs:
        key = LogKey(entry["namespace"], entry["pod"], entry["container"], entry["previous"])
        snapshot.logs[key] = entry["text"]
    return snapshot


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pods", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    objects, logs = make_cluster(args.pods, args.events)
    registered()  # import the analyzer modules outside the timed region, as the CLI does before running
    samples, found = [], 0
    for _ in range(args.runs):
        snapshot = build_snapshot(objects, logs)
        start = time.perf_counter()
        found = len(run_analyzers(snapshot))
        samples.append(time.perf_counter() - start)
    median = statistics.median(samples)
    print(f"objects: {len(objects)} ({args.pods} pods, {args.events} events), analyzers: {len(registered())}")
    print(f"findings: {found}")
    print(f"run_analyzers: median {median:.3f} s, min {min(samples):.3f} s, max {max(samples):.3f} s "
          f"over {args.runs} runs")
    ok = median <= TARGET_S
    print(f"target <= {TARGET_S:.1f} s: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
