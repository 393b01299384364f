"""Start-up benchmark: `kubectl prism --help` against `python -c pass` and `kubectl --help`.

Target (issue 2): `kubectl prism --help` median of 10 warm runs at most 0.25 s.
Run: `python benchmarks/help_bench.py [--runs N]` from the project's virtual environment.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_S = 0.25


def median_seconds(argv: list[str], runs: int) -> float:
    subprocess.run(argv, capture_output=True, check=True)  # warm the page cache and .pyc files
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "kubectl prism --help": [str(bin_dir / "kubectl-prism"), "--help"],
        "kubectl prism version": [str(bin_dir / "kubectl-prism"), "version"],
        "kubectl --help": [str(bin_dir / "kubectl"), "--help"],
    }
    print(f"{'command':<24} {'median of ' + str(args.runs):>14}")
    results = {}
    for label, argv in commands.items():
        results[label] = median_seconds(argv, args.runs)
        print(f"{label:<24} {results[label]:>12.3f} s")
    ok = results["kubectl prism --help"] <= TARGET_S
    print(f"target kubectl prism --help <= {TARGET_S:.2f} s: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
