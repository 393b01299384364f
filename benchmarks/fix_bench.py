"""What agent mode's fix loop costs on top of kubectl: a step's preview, and a whole plan.

1. Preview of one step (`kubectl -n shop patch service db -p ...`): prism's `compute_preview` (classify
   the read, GET the live object through the executor, the server dry run, redaction of both objects,
   the diff) against the floor a careful person would run by hand: `kubectl get service db -o yaml`
   and the same patch with `--dry-run=server -o yaml`, both with `subprocess.run`. Target: overhead
   <= 100 ms per step.
2. A whole plan: `kubectl-prism fix -n shop --plan -o json` (diagnose + every step classified +
   6 previews) against `kubectl-prism diagnose -n shop -o json` on the same cluster: what the plan adds.

The bundled shop-outage example is served by the fake API server (tests/fakes) in this process, in a
thread; both sides of each comparison run against it in the same run.

    .venv/bin/python benchmarks/fix_bench.py [--repeat 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kubectl_prism.agent import Scope, classify_command_line  # noqa: E402
from kubectl_prism.agent.preview import compute_preview  # noqa: E402
from tests.fakes.examples import example_api  # noqa: E402

BIN = Path(sys.executable).parent
KUBECTL = BIN / "kubectl"
PATCH = ["patch", "service", "db", "-p", '{"spec":{"selector":{"app":"postgres"}}}']
TARGET_OVERHEAD_MS = 100


def _median_ms(run, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["PRISM_STATE_DIR"] = f"{tmp}/state"
        os.environ["PRISM_CONFIG_DIR"] = f"{tmp}/config"
        api = example_api("shop-outage").start()
        try:
            kubeconfig = str(api.write_kubeconfig(Path(tmp) / "kubeconfig"))
            env = {**os.environ, "KUBECONFIG": kubeconfig}
            scope = Scope("shop", context="fake", kubeconfig=kubeconfig)
            decision = classify_command_line("kubectl -n shop " + " ".join(
                [*PATCH[:4], "'" + PATCH[4] + "'"]), scope)
            base = [str(KUBECTL), f"--kubeconfig={kubeconfig}", "-n", "shop"]

            def floor() -> None:
                subprocess.run([*base, "get", "service", "db", "-o", "yaml"], check=True, capture_output=True)
                subprocess.run([*base, *PATCH, "--dry-run=server", "-o", "yaml"], check=True,
                               capture_output=True)

            def prism() -> None:
                assert compute_preview(decision, kubectl=str(KUBECTL)).status == "previewed"

            prism()  # warm caches (kubectl discovery) for both sides
            floor_ms = _median_ms(floor, args.repeat)
            prism_ms = _median_ms(prism, args.repeat)
            overhead = prism_ms - floor_ms
            print(f"preview of one step: prism {prism_ms:.0f} ms, floor (get + dry run) {floor_ms:.0f} ms, "
                  f"overhead {overhead:+.0f} ms (target <= {TARGET_OVERHEAD_MS} ms)")

            subprocess.run([str(BIN / "kubectl-prism"), "agent", "enable", "--kubectl", str(KUBECTL)],
                           env=env, check=True, capture_output=True)

            def run(*cli: str) -> None:
                subprocess.run([str(BIN / "kubectl-prism"), *cli], env=env, capture_output=True,
                               start_new_session=True, stdin=subprocess.DEVNULL)

            plan_runs = max(3, args.repeat // 3)
            diagnose_ms = _median_ms(lambda: run("diagnose", "-n", "shop", "-o", "json"), plan_runs)
            plan_ms = _median_ms(lambda: run("fix", "-n", "shop", "--plan", "-o", "json"), plan_runs)
            added = plan_ms - diagnose_ms
            print(f"whole plan (6 previews): fix --plan {plan_ms:.0f} ms, diagnose {diagnose_ms:.0f} ms, "
                  f"the plan adds {added:.0f} ms ({added / 6:.0f} ms per step)")
            print(f"load average: {os.getloadavg()[0]:.2f}")
            return 0 if overhead <= TARGET_OVERHEAD_MS else 1
        finally:
            api.stop()


if __name__ == "__main__":
    raise SystemExit(main())
