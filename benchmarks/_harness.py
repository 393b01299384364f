"""What the gather and report benchmarks share: the fake cluster server, the floor, and timing runs.

    python benchmarks/_harness.py --serve PODS --events N --kubeconfig-out FILE   # the server child

A fake API server (tests/fakes/kube_apiserver.py) serves a synthetic cluster (benchmarks/_util.py) in a
child process of its own, so its CPU time never counts against the tool measured; stdin commands
`reset` / `stats` / `quit` clear and read its request log. `run_once` times one child process of a
tool and reads its peak RSS from wait4; the floor (benchmarks/_floor.py) fetches and parses the same
lists with the standard library only.
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


# --- the server process ----------------------------------------------------------------------------


def serve(pods: int, events: int, kubeconfig: str, latency: float = 0.0) -> int:
    """Child mode: serve a synthetic cluster; stdin commands `reset` / `stats` / `quit`.

    `latency`: seconds every request waits before it is answered (a cluster a network away).
    """
    sys.path.insert(0, str(ROOT))
    from benchmarks._util import make_cluster
    from tests.fakes.kube_apiserver import FakeKubeAPI

    objects, logs = make_cluster(pods, events)
    api = FakeKubeAPI(objects, logs).start()
    del objects
    if latency:
        api.inject("/", status=0, delay=latency, times=2**62)  # status 0: answer normally, after the delay
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
    """A fake API server child process with a synthetic cluster of `pods` pods and `events` events."""

    def __init__(self, pods: int, events: int, workdir: Path, latency: float = 0.0) -> None:
        self.pods, self.events = pods, events
        self.kubeconfig = str(workdir / f"kubeconfig-{pods}")
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(pods), "--events", str(events),
             "--kubeconfig-out", self.kubeconfig, "--latency", str(latency)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert self.proc.stdout is not None
        self.info = json.loads(self.proc.stdout.readline())

    @property
    def label(self) -> str:
        return f"{self.pods:,} pods / {self.events:,} events"

    def env(self) -> dict[str, str]:
        """The environment for the tools: this cluster's kubeconfig, no user prism settings."""
        env = {**os.environ, "KUBECONFIG": self.kubeconfig, "PYTHONPATH": str(ROOT)}
        env.pop("PRISM_CONFIG_DIR", None)
        return env

    def ask(self, command: str) -> str:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def close(self) -> None:
        with contextlib.suppress(BrokenPipeError, OSError):
            self.ask("quit")
        self.proc.wait(timeout=30)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- the floor -------------------------------------------------------------------------------------


def list_paths() -> list[str]:
    """The cluster-wide lists prism reads for -A: what the floor fetches too."""
    sys.path.insert(0, str(ROOT))
    from kubectl_prism import apipath
    from kubectl_prism.gather.live import CLUSTER_KINDS, NAMESPACED_KINDS
    from kubectl_prism.kinds import BY_KIND

    return [apipath.collection(BY_KIND[kind]).path for kind in NAMESPACED_KINDS + CLUSTER_KINDS]


def floor_command(server: Server) -> list[str]:
    info = server.info
    return [sys.executable, str(ROOT / "benchmarks" / "_floor.py"), info["url"], info["token"], info["ca"],
            *list_paths()]


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

    def add(self, seconds: float, rss: float, stats: dict[str, int], code: int) -> None:
        self.times.append(seconds)
        self.rss_mb.append(rss)
        self.requests.append(stats["requests"])
        self.calls.append(stats["calls"])
        self.logs.append(stats["logs"])
        self.failed += stats["failed"] + (code not in (0, 1))


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
    if proc.returncode not in (0, 1) and proc.stderr is not None:
        sys.stderr.write(f"  {argv[0]} exited {proc.returncode}: {proc.stderr.read().decode()[-500:]}\n")
    if proc.stderr is not None:
        proc.stderr.close()
    stats = json.loads(server.ask("stats"))
    return elapsed, usage.ru_maxrss / 1024, stats, proc.returncode


def measure(result: Result, argv: list[str], server: Server, env: dict[str, str], run: str) -> None:
    """One timed run added to `result`, with a progress line."""
    seconds, rss, stats, code = run_once(argv, server, env)
    result.add(seconds, rss, stats, code)
    print(f"  run {run} {result.tool:<20} {seconds:6.2f} s {rss:7.0f} MB {stats['requests']:5d} requests",
          flush=True)


# --- where the time goes --------------------------------------------------------------------------

# The steps of `prism diagnose -A -o json` / `prism report -A --out FILE`, each timed, in one process.
PHASES = r"""
import json, sys, time
wall_start = time.time()
t = [time.perf_counter()]
kubeconfig, mode, out, phases_file = sys.argv[1:5]
from kubectl_prism.cli import app  # what the command line imports before a command runs
t.append(time.perf_counter())
from kubectl_prism.analyzers import registered, run_analyzers
from kubectl_prism.findings import Diagnosis, Scope
from kubectl_prism.gather import gather_scope
from kubectl_prism.options import GlobalOptions
registered()
t.append(time.perf_counter())
snapshot = gather_scope(GlobalOptions(kubeconfig=kubeconfig, all_namespaces=True), None)
t.append(time.perf_counter())
findings = run_analyzers(snapshot)
diagnosis = Diagnosis(Scope(snapshot.context, snapshot.namespace, None, snapshot.source), findings,
                      list(snapshot.gaps))
t.append(time.perf_counter())
from kubectl_prism.redact.output import clear_for_output
if mode == "diagnose":
    from kubectl_prism.render.structured import structured_output
    t.append(time.perf_counter())
    cleared = clear_for_output(diagnosis)
    t.append(time.perf_counter())
    text = structured_output(cleared, "json").content
else:
    from kubectl_prism.commands.report import ReportFormat, render
    from kubectl_prism.report.model import build_report
    health = build_report(snapshot, diagnosis)
    t.append(time.perf_counter())
    cleared = clear_for_output(health)
    t.append(time.perf_counter())
    text = render(cleared, ReportFormat(mode), "2026-01-01 00:00 UTC").content
t.append(time.perf_counter())
if mode == "diagnose":
    sys.stdout.write(text)
    sys.stdout.flush()
else:
    from kubectl_prism.files import atomic_write
    atomic_write(out, text)
t.append(time.perf_counter())
steps = ("import cli", "import commands", "gather", "analyze", "build report", "redact", "render", "write")
phases = {name: t[i + 1] - t[i] for i, name in enumerate(steps)}
with open(phases_file, "w") as f:
    json.dump({"phases": phases, "wall_start": wall_start, "wall_end": time.time()}, f)
"""


def profile(server: Server, mode: str, out: Path, runs: int = 1) -> dict[str, float]:
    """Median seconds per step of one command ("diagnose", or a report format: html, md, json).

    `interpreter` is from spawning the process to its first line; `exit` from its last line until
    the parent saw it end (freeing the heap, joining threads).
    """
    samples: list[dict[str, float]] = []
    phases_file = out.with_name(out.name + ".phases.json")
    for _ in range(runs):
        spawned = time.time()
        argv = [sys.executable, "-c", PHASES, server.kubeconfig, mode, str(out), str(phases_file)]
        seconds, _, _, _ = run_once(argv, server, server.env())
        ended = spawned + seconds
        data = json.loads(phases_file.read_text())
        sample = {"interpreter": data["wall_start"] - spawned, **data["phases"],
                  "exit": ended - data["wall_end"], "total": seconds}
        samples.append(sample)
    return {k: statistics.median(s[k] for s in samples) for k in samples[0]}


def print_profile(title: str, phases: dict[str, float]) -> None:
    print(f"\n{title}: where the time goes (median, seconds)")
    for name, seconds in phases.items():
        share = 100 * seconds / phases["total"] if phases["total"] else 0
        print(f"  {name:<16} {seconds:7.3f}  {share:5.1f}%")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--serve", type=int, required=True)
    parser.add_argument("--events", type=int, default=0)
    parser.add_argument("--kubeconfig-out", required=True)
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args(argv)
    return serve(args.serve, args.events, args.kubeconfig_out, args.latency)


if __name__ == "__main__":
    sys.exit(main())
