"""`report --all-contexts`: one scorecard row per cluster, linked to that cluster's section (HTML,
Markdown, JSON); and `report -o json`, the Diagnosis on stdout for a scheduled run's logs."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.cli_helpers import run_main as prism
from tests.fakes.kube_apiserver import FakeKubeAPI
from tests.fleet_support import Member, closed_port_url, write_fleet_kubeconfig

ROOT = Path(__file__).resolve().parent.parent
Capture = pytest.CaptureFixture[str]


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    shop = FakeKubeAPI.from_scenario(ROOT / "tests" / "fakes" / "scenarios" / "shop.yaml").start()
    image = FakeKubeAPI.from_scenario(ROOT / "tests" / "scenarios" / "pods-image-not-found.yaml").start()
    path = write_fleet_kubeconfig(tmp_path_factory.mktemp("fleet") / "kubeconfig", [
        Member("prod-eu", shop), Member("prod-us", image), Member("prod-gone", url=closed_port_url())])
    yield path
    shop.stop()
    image.stop()


class _Page(HTMLParser):
    """Ids, scorecard links and finding markers of a report page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.rows: dict[str, str | None] = {}  # context -> the link of its scorecard row
        self.findings: list[tuple[str, str]] = []  # (section id, rule)
        self._row: str | None = None
        self._section = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(str(a["id"]))
        if tag == "section":
            self._section = str(a.get("id"))
        if tag == "tr" and a.get("data-context"):
            self._row = str(a["data-context"])
            self.rows[self._row] = None
        if tag == "a" and self._row and self.rows[self._row] is None:
            self.rows[self._row] = a.get("href")
        if a.get("data-finding"):
            self.findings.append((self._section, str(a["data-finding"])))

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr":
            self._row = None


def test_html_scorecard_rows_link_to_each_clusters_section(capsys: Capture, fleet: Path,
                                                           tmp_path: Path) -> None:
    out = tmp_path / "fleet.html"
    code, stdout, err = prism(capsys, "report", "-A", "--all-contexts", "--kubeconfig", fleet, "--out", out)
    assert code == 0, err
    assert stdout.strip().startswith(f"wrote {out} (2/3 clusters read;")
    page = _Page()
    page.feed(out.read_text())
    assert list(page.rows) == ["prod-eu", "prod-us", "prod-gone"]
    assert page.rows["prod-eu"] == "#context-prod-eu" and page.rows["prod-us"] == "#context-prod-us"
    assert page.rows["prod-gone"] is None  # nothing to link to
    for link in filter(None, page.rows.values()):
        assert link[1:] in page.ids
    assert len(page.ids) == len(set(page.ids)), "section ids must be unique across clusters"
    # Each cluster's findings sit in its own section.
    rules = {section: {rule for s, rule in page.findings if s == section} for section, _ in page.findings}
    assert "pod-crash-loop" in rules["context-prod-eu"] and "pod-image-pull" in rules["context-prod-us"]
    assert "pod-image-pull" not in rules["context-prod-eu"]
    text = out.read_text()
    assert "Clusters prism could not read" in text and "connection refused" in text


def test_markdown_scorecard_links_match_the_headings(capsys: Capture, fleet: Path, tmp_path: Path) -> None:
    out = tmp_path / "fleet.md"
    code, _, err = prism(capsys, "report", "-A", "--all-contexts", "--kubeconfig", fleet, "--out", out)
    assert code == 0, err
    text = out.read_text()
    links = re.findall(r"\| \[([^\]]+)\]\(#([^)]+)\) \|", text)
    assert [name for name, _ in links] == ["prod-eu", "prod-us"]
    headings = re.findall(r"^## (Context .+)$", text, re.M)
    slugs = {re.sub(r"[^a-z0-9_-]", "", h.lower().replace(" ", "-")) for h in headings}
    assert {slug for _, slug in links} <= slugs
    assert "| prod-gone | https://127.0.0.1:" in text and "| unreachable |" in text
    assert "\n### Scorecard\n" in text and "\n#### 🔴 critical" in text  # each report one level down


def test_json_is_the_fleet_document_with_a_health_report_per_cluster(capsys: Capture, fleet: Path,
                                                                     tmp_path: Path) -> None:
    out = tmp_path / "fleet.json"
    code, _, err = prism(capsys, "report", "-A", "--all-contexts", "--kubeconfig", fleet, "--out", out)
    assert code == 0, err
    doc = json.loads(out.read_text())
    assert (doc["apiVersion"], doc["kind"]) == ("prism/v1", "FleetHealthReport")
    assert doc["generated"].endswith("UTC")
    kinds = [item["kind"] for item in doc["items"]]
    assert kinds == ["HealthReport", "HealthReport", "Diagnosis"]
    eu = doc["items"][0]
    assert eu["scope"]["context"] == "prod-eu" and eu["report"]["scorecard"]["pods"]["total"] == 5
    assert doc["contexts"][0]["scorecard"] == eu["report"]["scorecard"]
    assert doc["contexts"][2]["scorecard"] is None and doc["gaps"][0]["context"] == "prod-gone"


def test_report_json_on_stdout_is_the_fleet_diagnosis(capsys: Capture, fleet: Path, tmp_path: Path) -> None:
    out = tmp_path / "fleet.html"
    code, stdout, err = prism(capsys, "report", "-A", "--all-contexts", "--kubeconfig", fleet, "--out", out,
                              "-o", "json", "--fail-on", "critical")
    assert code == 1
    doc = json.loads(stdout)
    assert doc["kind"] == "FleetDiagnosis" and [i["kind"] for i in doc["items"]] == ["Diagnosis"] * 3
    assert "wrote" in err and out.is_file()


def test_single_cluster_report_prints_its_diagnosis_with_o_json(capsys: Capture, fleet: Path,
                                                                tmp_path: Path) -> None:
    out = tmp_path / "one.md"
    code, stdout, err = prism(capsys, "report", "-A", "--context", "prod-us", "--kubeconfig", fleet,
                              "--out", out, "-o", "json")
    assert code == 0, err
    doc = json.loads(stdout)
    assert doc["kind"] == "Diagnosis" and doc["scope"]["context"] == "prod-us"
    assert any(f["id"] == "pod-image-pull" for f in doc["findings"])
    assert err.startswith(f"wrote {out}") and out.read_text().startswith("# Kubernetes health report")


def test_no_cluster_read_is_exit_3_and_the_report_still_says_why(capsys: Capture, fleet: Path,
                                                                 tmp_path: Path) -> None:
    out = tmp_path / "fleet.html"
    code, _, err = prism(capsys, "report", "-A", "--contexts", "prod-gone", "--kubeconfig", fleet,
                         "--out", out)
    assert code == 3
    assert "no context of the fleet could be read" in err
    assert "connection refused" in out.read_text()
