"""`kubectl prism report` end to end: the three formats from the bundled examples, snapshot vs live,
and the bad-input paths (unwritable path, unknown format, Ctrl-C) that must leave no file behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from kubectl_prism.gather.snapshot_files import load_snapshot_path
from tests.cli_helpers import EXE
from tests.cli_helpers import run_exe as prism
from tests.fakes.kube_apiserver import FakeKubeAPI

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ["shop-outage", "payments-degraded", "healthy"]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


@pytest.mark.parametrize("example", EXAMPLES)
def test_three_formats_carry_every_finding(example: str, tmp_path: Path) -> None:
    snapshot = str(ROOT / "examples" / example)
    diagnosis = json.loads(prism("diagnose", "-A", "--snapshot", snapshot, "-o", "json").stdout)
    ids = {f["id"] for f in diagnosis["findings"]}
    titles = [f["title"] for f in diagnosis["findings"]]
    for ext in ("md", "html", "json"):
        out = tmp_path / f"health.{ext}"
        run = prism("report", "-A", "--snapshot", snapshot, "--out", str(out))
        assert run.returncode == 0, run.stderr
        assert out.exists() and f"wrote {out}" in run.stdout
    md = (tmp_path / "health.md").read_text()
    html = (tmp_path / "health.html").read_text()
    doc = json.loads((tmp_path / "health.json").read_text())
    assert doc["summary"] == diagnosis["summary"]
    assert {f["id"] for f in doc["findings"]} == ids
    parser = _Tags()
    parser.feed(html)
    rendered_ids = {a["data-finding"] for t, a in parser.tags if t == "div" and "data-finding" in a}
    assert rendered_ids == ids
    bars = {
        a["data-label"]: float(a["data-value"] or 0)
        for t, a in parser.tags
        if t == "rect" and a.get("data-label") in ("critical", "warning", "info")
    }
    assert bars == {k: float(v) for k, v in diagnosis["summary"].items()}
    assert not any(t == "script" for t, _ in parser.tags)
    for title in titles:
        assert title.replace("|", "\\|") in md
    if not ids:
        assert "No problems found." in md


def test_snapshot_and_live_give_the_same_report(tmp_path: Path) -> None:
    example = ROOT / "examples" / "shop-outage"
    snap = load_snapshot_path(example)
    logs = [
        {
            "namespace": k.namespace,
            "pod": k.pod,
            "container": k.container,
            "previous": k.previous,
            "text": text,
        }
        for k, text in snap.logs.items()
    ]
    with FakeKubeAPI(objects=list(snap), logs=logs) as server:
        kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig")
        live = prism("report", "-A", "--kubeconfig", str(kubeconfig), "--out", str(tmp_path / "live.json"))
    offline = prism("report", "-A", "--snapshot", str(example), "--out", str(tmp_path / "offline.json"))
    assert live.returncode == 0 and offline.returncode == 0, live.stderr + offline.stderr

    def comparable(path: Path) -> dict:
        doc = json.loads(path.read_text())
        for volatile in ("generated", "scope", "gaps"):
            doc.pop(volatile)
        return doc

    assert comparable(tmp_path / "live.json") == comparable(tmp_path / "offline.json")


def test_fail_on_still_writes_the_report(tmp_path: Path) -> None:
    out = tmp_path / "ci.md"
    run = prism(
        "report",
        "-A",
        "--snapshot",
        str(ROOT / "examples/shop-outage"),
        "--out",
        str(out),
        "--fail-on",
        "critical",
    )
    assert run.returncode == 1
    assert out.exists()
    healthy = prism(
        "report",
        "-A",
        "--snapshot",
        str(ROOT / "examples/healthy"),
        "--out",
        str(out),
        "--fail-on",
        "warning",
    )
    assert healthy.returncode == 0, healthy.stderr


@pytest.mark.parametrize("out", ["missing-dir/health.md", "readonly/health.md"])
def test_unwritable_path_is_one_line_and_leaves_nothing(out: str, tmp_path: Path) -> None:
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    readonly.chmod(0o555)
    if os.geteuid() == 0 and out.startswith("readonly"):
        readonly.chmod(0o755)
        (readonly / "health.md").mkdir()  # root ignores modes: a directory in the way fails for root too
    run = prism("report", "-A", "--snapshot", str(ROOT / "examples/healthy"), "--out", str(tmp_path / out))
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot write"), run.stderr
    leftovers = [p.name for p in tmp_path.rglob("*") if p.name.startswith(".health")]
    assert not leftovers


def test_unknown_extension_asks_for_format(tmp_path: Path) -> None:
    run = prism(
        "report", "-A", "--snapshot", str(ROOT / "examples/healthy"), "--out", str(tmp_path / "r.txt")
    )
    assert run.returncode == 2
    assert "--format" in run.stderr
    ok = prism(
        "report",
        "-A",
        "--snapshot",
        str(ROOT / "examples/healthy"),
        "--out",
        str(tmp_path / "r.txt"),
        "--format",
        "md",
    )
    assert ok.returncode == 0 and (tmp_path / "r.txt").read_text().startswith("# Kubernetes health report")


def test_ctrl_c_while_gathering_leaves_no_file(tmp_path: Path) -> None:
    example = load_snapshot_path(ROOT / "examples" / "healthy")
    with FakeKubeAPI(objects=list(example)) as server:
        server.inject("/api/v1/pods", status=200, delay=30, times=5)
        server.inject("/api/v1/namespaces", status=200, delay=30, times=5)
        kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig")
        out = tmp_path / "health.html"
        proc = subprocess.Popen(
            [str(EXE), "report", "-A", "--kubeconfig", str(kubeconfig), "--out", str(out)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while not server.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert not out.exists()
    assert not list(tmp_path.glob(".health*"))
