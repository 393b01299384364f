"""Fleet output leaks nothing: every fleet format and the exporter's metrics, over the seeded leak cluster
(tests/leak.py) served live, go through the same redaction door as single runs (redact/output.py).
With --show-secrets the secrets are there, and the output says so first."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from kubectl_prism.redact.output import BANNER, BANNER_FIELD
from tests.cli_helpers import EXE
from tests.cli_helpers import run_main as prism
from tests.fakes.kube_apiserver import FakeKubeAPI
from tests.fleet_support import Member, closed_port_url, write_fleet_kubeconfig
from tests.leak import SCENARIO_PATH, SEEDED, assert_no_leak, find_leaks

Capture = pytest.CaptureFixture[str]
FORMATS = ("text", "json", "yaml", "markdown")


@pytest.fixture(scope="module")
def kubeconfig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    api = FakeKubeAPI.from_scenario(SCENARIO_PATH).start()
    # A server URL with a password in it (it is shown in the fleet table and in the error line).
    gone = closed_port_url().replace("https://", f"https://admin:{SEEDED['db-password']}@")
    members = [Member("prod-a", api), Member("prod-b", api), Member("prod-gone", url=gone)]
    yield write_fleet_kubeconfig(tmp_path_factory.mktemp("leak") / "kubeconfig", members)
    api.stop()


RUNS = [
    *[["diagnose", "-A", "-o", fmt] for fmt in FORMATS],
    *[["explain", "-n", "shop", "deploy/api", "-o", fmt] for fmt in FORMATS],
    *[["report", "-A", "--format", fmt, "--out", "{out}"] for fmt in ("md", "html", "json")],
    ["report", "-A", "--format", "html", "--out", "{out}", "-o", "json"],
]


def _run(capsys: Capture, args: list[str], kubeconfig: Path, tmp_path: Path,
         *extra: str) -> tuple[int, str, str]:
    out_file = tmp_path / "report.out"
    argv = [a.replace("{out}", str(out_file)) for a in args]
    code, out, err = prism(capsys, *argv, "--all-contexts", "--kubeconfig", kubeconfig, *extra)
    written = out_file.read_text(encoding="utf-8") if out_file.exists() else ""
    return code, out + err + written, written


@pytest.mark.parametrize("args", RUNS, ids=" ".join)
def test_no_seeded_secret_in_any_fleet_output(capsys: Capture, kubeconfig: Path, tmp_path: Path,
                                              args: list[str]) -> None:
    code, everything, _ = _run(capsys, args, kubeconfig, tmp_path)
    assert code == 0, everything[-600:]
    assert_no_leak(everything)
    assert "[REDACTED:" in everything
    assert "prod-gone" in everything and BANNER not in everything


@pytest.mark.parametrize("args", RUNS, ids=" ".join)
def test_show_secrets_shows_them_in_fleet_output_and_says_so_first(capsys: Capture, kubeconfig: Path,
                                                                   tmp_path: Path, args: list[str]) -> None:
    code, everything, written = _run(capsys, args, kubeconfig, tmp_path, "--show-secrets")
    assert code == 0
    assert find_leaks(everything)
    if args[0] == "report":
        fmt = args[args.index("--format") + 1]
        if fmt == "md":
            assert written.splitlines()[0] == f"> **{BANNER}**"
        elif fmt == "json":
            assert next(iter(json.loads(written))) == BANNER_FIELD
        else:
            assert "<title>UNREDACTED" in written
            assert f'<p class="unredacted" role="alert">{BANNER}</p>' in written
    else:
        fmt = args[args.index("-o") + 1]
        _, out, _ = prism(capsys, *args, "--all-contexts", "--kubeconfig", kubeconfig, "--show-secrets")
        if fmt in ("json", "yaml"):
            doc = json.loads(out) if fmt == "json" else yaml.safe_load(out)
            assert next(iter(doc)) == BANNER_FIELD
        else:
            assert BANNER in out.splitlines()[0]


def test_the_exporters_metrics_leak_nothing(kubeconfig: Path) -> None:
    proc = subprocess.Popen([str(EXE), "exporter", "--port", "0", "--interval", "1s", "-A", "--all-contexts",
                             "--kubeconfig", str(kubeconfig)], stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        url = proc.stderr.readline().split(" on ")[1].split()[0]
        end, text = time.monotonic() + 30, ""
        while time.monotonic() < end and text.count("prism_last_run_timestamp_seconds{") < 3:
            time.sleep(0.2)
            text = urllib.request.urlopen(url, timeout=5).read().decode()
        assert 'prism_findings{cluster="prod-a"' in text
        assert_no_leak(text)
    finally:
        proc.terminate()
        log = proc.communicate(timeout=15)[1]
    assert_no_leak(log)  # the pod's log: one line per cluster and run, with its error
    assert "prod-gone: unreachable" in log
