"""Renderers of a Diagnosis: text for people, the findings document
(docs/findings.md) as JSON/YAML, markdown for tickets."""

from __future__ import annotations

import io
import json
import re

import pytest
import yaml

from kubectl_prism.findings import Diagnosis, Finding, ObjectRef, Remediation, Scope, Severity
from kubectl_prism.render.console import Lines, print_lines
from kubectl_prism.render.markdown import diagnosis_markdown, rules_markdown
from kubectl_prism.render.structured import render_structured
from kubectl_prism.render.text import diagnosis_lines, rules_lines
from kubectl_prism.snapshot import Gap

BOX_DRAWING = re.compile("[\u2500-\u257f]")
POD = ObjectRef("Pod", "api-7d9c-x2", "shop")
DEPLOY = ObjectRef("Deployment", "api", "shop")
LONG_COMMAND = "kubectl -n shop patch deployment api --type=json -p '" + '{"op":"add"}' * 30 + "'"


def oom() -> Finding:
    return Finding(
        "pod-oom-killed", Severity.CRITICAL, "Container api was OOM-killed (limit 128Mi)", POD,
        reason="OOMKilled",
        message="The container used more memory than its limit.\nIt restarts every minute.",
        evidence=["lastState.terminated.reason=OOMKilled exitCode=137",
                  "event BackOff x12: Back-off restarting"],
        remediation=[Remediation("Raise the memory limit",
                                 "kubectl -n shop set resources deployment/api -c api --limits=memory=256Mi"),
                     Remediation("Check for a memory leak in the application")],
        owner=DEPLOY, related=[ObjectRef("Service", "api", "shop")],
        affected=[POD, ObjectRef("Pod", "api-7d9c-y3", "shop"), ObjectRef("Pod", "api-7d9c-z4", "shop")],
    )


def no_endpoints() -> Finding:
    return Finding(
        "service-no-ready-endpoints", Severity.WARNING, "Service api has no ready endpoints",
        ObjectRef("Service", "api", "shop"), reason="NoReadyEndpoints",
        remediation=[Remediation("Watch the endpoints", LONG_COMMAND)],
        caused_by={"rule": "pod-oom-killed", "object": POD.to_dict()},
    )


def suspended() -> Finding:
    return Finding("cronjob-suspended", Severity.INFO, "CronJob report is suspended",
                   ObjectRef("CronJob", "report", "batch"), evidence=["spec.suspend=true"])


def diagnosis(findings: list[Finding] | None = None, gaps: list[Gap] | None = None,
              scope: Scope | None = None) -> Diagnosis:
    return Diagnosis(scope or Scope("kind-dev", "shop", None, "live"),
                     [suspended(), no_endpoints(), oom()] if findings is None else findings,
                     [Gap("pods/log", "shop", "forbidden")] if gaps is None else gaps)


def text(d: Diagnosis, counts: dict[str, int] | None = None) -> str:
    default = {"Pod": 3, "Deployment": 1, "Event": 9}
    return diagnosis_lines(d, counts if counts is not None else default).text()


# --- text ----------------------------------------------------------------------------------------

def test_text_groups_findings_by_severity_most_severe_first() -> None:
    out = text(diagnosis())
    assert out.index("CRITICAL (1)") < out.index("WARNING (1)") < out.index("INFO (1)")
    assert out.splitlines()[0] == "Diagnosis of namespace shop (context kind-dev, live cluster)"
    assert "Checked: 3 pods, 1 deployment, 9 events" in out
    assert "Found: 1 critical, 1 warning, 1 info" in out


def test_text_shows_every_part_of_a_finding() -> None:
    out = text(diagnosis())
    assert "Container api was OOM-killed (limit 128Mi)  [pod-oom-killed]" in out
    assert "object:      pod/api-7d9c-x2 in shop (owner deployment/api)" in out
    assert "reason:      OOMKilled" in out
    assert "    It restarts every minute." in out  # later message lines stay indented under the message
    assert "      - lastState.terminated.reason=OOMKilled exitCode=137" in out
    assert "affected:    pod/api-7d9c-x2, pod/api-7d9c-y3, pod/api-7d9c-z4 (3 objects)" in out
    assert "related:     service/api" in out
    assert "      - Raise the memory limit\n        $ kubectl -n shop set resources deployment/api" in out
    assert "      - Check for a memory leak in the application\n" in out


def test_caused_by_names_the_cause_and_its_title() -> None:
    out = text(diagnosis())
    line = next(x for x in out.splitlines() if "caused by:" in x)
    assert "pod/api-7d9c-x2 [pod-oom-killed]: Container api was OOM-killed" in line


def test_gaps_are_one_line_each() -> None:
    d = diagnosis(gaps=[Gap("pods/log", "shop", "forbidden"), Gap("nodes", None, "forbidden")])
    lines = text(d).splitlines()
    assert "  ! could not read pods/log in shop: forbidden" in lines
    assert "  ! could not read nodes: forbidden" in lines


def test_all_clear_message_names_scope_and_counts() -> None:
    out = text(diagnosis(findings=[], gaps=[]), {"Pod": 12, "Deployment": 4, "Event": 30, "PodMetrics": 12})
    assert "No problems found in namespace shop (12 pods, 4 deployments checked)." in out
    assert "CRITICAL" not in out and "Found:" not in out


def test_all_clear_with_gaps_and_with_nothing_to_check() -> None:
    assert "No problems found in namespace shop among what prism could read (2 pods checked)." in text(
        diagnosis(findings=[]), {"Pod": 2})
    empty = text(diagnosis(findings=[], gaps=[]), {})
    assert "Checked: no objects found in this scope" in empty
    assert "No problems found in namespace shop: there were no objects to check." in empty


@pytest.mark.parametrize(("scope", "header"), [
    (Scope("kind-dev", "shop", "deployment/api", "live"), "Diagnosis of deployment/api in namespace shop"),
    (Scope(None, None, None, "snapshot"), "Diagnosis of all namespaces (snapshot)"),
    (Scope("prod", None, "node/worker-1", "live"), "Diagnosis of node/worker-1 (context prod, live cluster)"),
])
def test_header_says_what_was_diagnosed(scope: Scope, header: str) -> None:
    assert text(diagnosis(scope=scope)).splitlines()[0].startswith(header)


def test_long_commands_are_never_wrapped() -> None:
    out = text(diagnosis())
    assert f"$ {LONG_COMMAND}" in out.splitlines()[next(
        i for i, line in enumerate(out.splitlines()) if LONG_COMMAND in line)]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _printed(lines: Lines, stream: io.StringIO, no_color: bool = False) -> str:
    print_lines(lines, no_color, stream)
    return stream.getvalue()


def test_plain_when_not_a_terminal_and_coloured_on_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    lines = diagnosis_lines(diagnosis(), {"Pod": 3})
    piped = _printed(lines, io.StringIO())
    assert "\x1b[" not in piped
    assert not BOX_DRAWING.search(piped)
    assert piped == lines.text()
    coloured = _printed(lines, _Terminal())
    assert "\x1b[" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == piped


@pytest.mark.parametrize(("env", "no_color"),
                         [({"NO_COLOR": "1"}, False), ({"TERM": "dumb"}, False), ({}, True)])
def test_no_color_flag_and_environment_turn_colour_off(
        monkeypatch: pytest.MonkeyPatch, env: dict[str, str], no_color: bool) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    out = _printed(diagnosis_lines(diagnosis(), {"Pod": 3}), _Terminal(), no_color=no_color)
    assert "\x1b[" not in out
    assert "CRITICAL (1)" in out


# --- json / yaml ---------------------------------------------------------------------------------

def test_json_is_the_design_document() -> None:
    d = diagnosis()
    doc = json.loads(render_structured(d.to_dict(), "json"))
    assert list(doc) == ["apiVersion", "kind", "scope", "summary", "findings", "gaps", "ai"]
    assert doc["apiVersion"] == "prism/v1" and doc["kind"] == "Diagnosis"
    assert doc["scope"] == {"context": "kind-dev", "namespace": "shop", "target": None, "source": "live"}
    assert doc["summary"] == {"critical": 1, "warning": 1, "info": 1}
    assert doc["gaps"] == [{"resource": "pods/log", "namespace": "shop", "reason": "forbidden"}]
    oom_doc = next(f for f in doc["findings"] if f["id"] == "pod-oom-killed")
    for key in ("id", "severity", "title", "object", "owner", "reason", "message", "evidence", "remediation",
                "related"):
        assert key in oom_doc
    assert oom_doc["object"] == {"kind": "Pod", "namespace": "shop", "name": "api-7d9c-x2"}
    assert oom_doc["remediation"][0]["command"].startswith("kubectl -n shop set resources")
    assert doc["ai"] is None


def test_yaml_is_the_same_document_with_readable_multiline_strings() -> None:
    d = diagnosis()
    out = render_structured(d.to_dict(), "yaml")
    assert yaml.safe_load(out) == json.loads(render_structured(d.to_dict(), "json"))
    assert "message: |" in out  # the two-line message is a literal block, not "\n" escapes
    assert out.startswith("apiVersion: prism/v1\nkind: Diagnosis\n")


# --- markdown ------------------------------------------------------------------------------------

def test_markdown_has_summary_sections_evidence_commands_and_gaps() -> None:
    md = diagnosis_markdown(diagnosis(), {"Pod": 3})
    assert md.startswith("# Diagnosis of namespace shop\n")
    assert "| Critical | Warning | Info |\n|---|---|---|\n| 1 | 1 | 1 |" in md
    assert "| 1 | info | `cronjob-suspended` |" in md  # findings table in the diagnosis' order
    assert "## 3. Container api was OOM-killed (limit 128Mi)" in md
    assert "- `lastState.terminated.reason=OOMKilled exitCode=137`" in md
    assert ("1. Raise the memory limit\n\n   ```sh\n   kubectl -n shop set resources deployment/api -c api "
            "--limits=memory=256Mi\n   ```") in md
    assert "- **Caused by:** `pod/api-7d9c-x2` (`pod-oom-killed`)" in md
    assert "## What prism could not see\n\n- could not read pods/log in shop: forbidden" in md


def test_markdown_escapes_what_would_break_tables_and_code() -> None:
    tricky = Finding("x-rule", Severity.WARNING, "Title with | pipe and *stars*", POD,
                     evidence=["log: value `x` here", "``double``"])
    md = diagnosis_markdown(diagnosis(findings=[tricky], gaps=[]))
    row = next(line for line in md.splitlines() if line.startswith("| 1 |"))
    assert "Title with \\| pipe" in row and row.count(" | ") == 4
    assert "- ``log: value `x` here``" in md
    assert "- ``` ``double`` ```" in md
    assert "## 1. Title with | pipe and \\*stars\\*" in md


def test_markdown_all_clear() -> None:
    md = diagnosis_markdown(diagnosis(findings=[], gaps=[]))
    assert "No problems found in namespace shop." in md
    assert "| 0 | 0 | 0 |" in md


# --- rule list -----------------------------------------------------------------------------------

RULES = [{"id": "pod-crash-loop", "severity": "critical", "description": "Container restarts in a loop"},
         {"id": "hpa-at-max-replicas", "severity": "warning", "description": "HPA is pinned at maxReplicas"}]


def test_rules_table_is_aligned_without_box_drawing() -> None:
    out = rules_lines(RULES).text()
    lines = out.splitlines()
    assert lines[0].split() == ["RULE", "SEVERITY", "DESCRIPTION"]
    starts = {line.index(d) for line, d in zip(lines[1:3], ("Container", "HPA"), strict=True)}
    assert starts == {lines[0].index("DESCRIPTION")}
    assert lines[-1] == "2 rules"
    assert not BOX_DRAWING.search(out)
    md = rules_markdown(RULES)
    assert "| `pod-crash-loop` | critical | Container restarts in a loop |" in md
