"""Agent mode's own cost: classifying a command, and running a step compared with running kubectl bare.

1. `classify` over every row of the classifier's table (~440 commands of every category), repeated:
   microseconds per command, by CPU time of this process. Target: <= 1 ms per command — nothing next
   to the kubectl process it guards.
2. A read-only step (`kubectl get pods -o wide` in a namespace of 300 pods, served by the fake API
   server in a child process) through `run_step` (classified, pinned, cleaned environment, capped,
   redacted, audited) against the same argv run with `subprocess.run`: the median wall time of each
   and the overhead. Target: overhead <= 50 ms.

    .venv/bin/python benchmarks/agent_bench.py [--repeat 20] [--steps 15]
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kubectl_prism.agent import Scope, classify  # noqa: E402
from tests.test_agent_classify import TABLE  # noqa: E402

KUBECTL = Path(sys.executable).parent / "kubectl"


def bench_classify(repeat: int) -> tuple[float, int]:
    rows = []
    for line, ns, _, _ in TABLE:
        try:
            rows.append((shlex.split(line), Scope(ns, "kind-dev")))
        except ValueError:  # the unbalanced-quote row: not an argv
            continue
    start = time.process_time()
    for _ in range(repeat):
        for argv, scope in rows:
            classify(argv, scope)
    return (time.process_time() - start) / (repeat * len(rows)) * 1e6, len(rows)


def _server(tmp: Path) -> tuple[subprocess.Popen[str], Path]:
    kubeconfig = tmp / "kubeconfig"
    child = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "_harness.py"), "--serve", "300",
                              "--events", "0", "--kubeconfig-out", str(kubeconfig)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    child.stdout.readline()  # the server's address: it is up
    return child, kubeconfig


def bench_step(steps: int) -> tuple[float, float]:
    from kubectl_prism.agent.execute import kubectl_argv, run_step, step_environment

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["PRISM_STATE_DIR"] = tmp  # the audit log of the benchmark's steps
        child, kubeconfig = _server(Path(tmp))
        try:
            namespace = _busiest_namespace(kubeconfig)
            scope = Scope(namespace, context="fake", kubeconfig=str(kubeconfig))
            decision = classify(["kubectl", "get", "pods", "-o", "wide"], scope)
            argv = kubectl_argv(decision, str(KUBECTL))
            bare, agent = [], []
            for _ in range(steps):
                t = time.perf_counter()
                subprocess.run(argv, capture_output=True, env=step_environment(), check=True, timeout=60)
                bare.append(time.perf_counter() - t)
                t = time.perf_counter()
                step = classify(["kubectl", "get", "pods", "-o", "wide"], scope)
                result = run_step(step, kubectl=str(KUBECTL))
                agent.append(time.perf_counter() - t)
                assert result.ok, result.stderr.text
        finally:
            assert child.stdin is not None
            child.stdin.write("quit\n")
            child.stdin.flush()
            child.wait(timeout=30)
    return statistics.median(bare) * 1000, statistics.median(agent) * 1000


def _busiest_namespace(kubeconfig: Path) -> str:
    out = subprocess.run([str(KUBECTL), "--kubeconfig", str(kubeconfig), "get", "pods", "-A", "-o",
                          "jsonpath={.items[*].metadata.namespace}"], capture_output=True, text=True,
                         check=True)
    names = out.stdout.split()
    return max(set(names), key=names.count)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--steps", type=int, default=15)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    per_command, count = bench_classify(args.repeat)
    print(f"classify: {per_command:.0f} us per command (CPU), {count} commands x {args.repeat}")
    bare_ms, agent_ms = bench_step(args.steps)
    print(f"read-only step: kubectl bare {bare_ms:.0f} ms, run_step {agent_ms:.0f} ms, "
          f"overhead {agent_ms - bare_ms:+.0f} ms (median of {args.steps}); load average {load:.1f}")
    ok = per_command <= 1000 and agent_ms - bare_ms <= 50
    print("OK" if ok else "SLOWER THAN TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
