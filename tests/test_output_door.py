"""The door every output goes through (redact/output.py, commands/_output.py), and what it must not do.

- Only the redaction package builds `Cleared` and `Output`; the writers take nothing else, and no
  command, renderer or report module prints or writes a file any other way (checked on the source).
- `clear_for_output` redacts a whole result model with the AI payload's rules and leaves its shape:
  dataclass types, enums, numbers and times stay what they were.
- Benign: over every scenario of the corpus and the examples, redaction changes nothing — names,
  exit codes, IPs, images and evidence come out exactly as without it.
"""

from __future__ import annotations

import ast
import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kubectl_prism.commands._output import write, write_file
from kubectl_prism.findings import Diagnosis, Finding, ObjectRef, Remediation, Scope, Severity
from kubectl_prism.options import GlobalOptions
from kubectl_prism.redact.output import BANNER_FIELD, Cleared, Output, clear_error_line, clear_for_output
from kubectl_prism.snapshot import Gap, LogKey, Snapshot
from tests.cli_helpers import run_main as prism
from tests.leak import SEEDED
from tests.scenarios import load_scenario

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "kubectl_prism"
SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.yaml"))
EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if (p / "nodes.json").is_file())
Capture = pytest.CaptureFixture[str]


def _diagnosis(message: str, evidence: list[str]) -> Diagnosis:
    finding = Finding(
        id="pod-crash-loop", severity=Severity.CRITICAL, title="Container api keeps crashing",
        object=ObjectRef("Pod", "api-7d9c5b8f6d-nnhwj", "shop"), reason="CrashLoopBackOff",
        message=message, evidence=evidence,
        remediation=[Remediation("Read the log", "kubectl -n shop logs api-7d9c5b8f6d-nnhwj --previous")],
        owner=ObjectRef("Deployment", "api", "shop"),
    )
    gaps = [Gap("pods/log", "shop", "forbidden")]
    return Diagnosis(Scope("prod", "shop", None, "snapshot"), [finding], gaps)


# --- the types -----------------------------------------------------------------------------------------

def test_only_the_redaction_package_builds_cleared_and_output() -> None:
    with pytest.raises(TypeError, match="can only be built"):
        Cleared("x", {}, False, object())  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="can only be built"):
        Output("x", False, object())  # type: ignore[call-arg]
    cleared = clear_for_output("x")
    with pytest.raises((TypeError, ValueError)):
        dataclasses.replace(cleared, value="raw")  # the key is an InitVar: replace cannot copy it


def test_writers_take_only_outputs(capsys: Capture, tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="only Output"):
        write(f"token {SEEDED['jwt']}", GlobalOptions())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="only Output"):
        write_file(tmp_path / "r.md", f"token {SEEDED['jwt']}")  # type: ignore[arg-type]
    assert not (tmp_path / "r.md").exists()
    assert capsys.readouterr().out == ""
    write(clear_for_output(f"token {SEEDED['jwt']}\n").render(str), GlobalOptions())
    assert capsys.readouterr().out == "token [REDACTED:jwt]\n"


# --- clear_for_output on models ------------------------------------------------------------------------

def test_a_model_is_redacted_whole_and_keeps_its_shape() -> None:
    diagnosis = _diagnosis(
        f"exit code 137 at 10.244.1.7; log: auth with {SEEDED['jwt']} failed",
        ["lastState.terminated.reason=OOMKilled exitCode=137", f"log: password={SEEDED['db-password']}"],
    )
    cleared = clear_for_output(diagnosis)
    clean = cleared.value
    assert not cleared.unredacted and dict(cleared.counts) == {"jwt": 1, "password": 1}
    assert isinstance(clean, Diagnosis) and clean is not diagnosis
    finding = clean.findings[0]
    assert finding.severity is Severity.CRITICAL  # enums stay enums
    assert finding.object == ObjectRef("Pod", "api-7d9c5b8f6d-nnhwj", "shop")
    assert finding.message == "exit code 137 at 10.244.1.7; log: auth with [REDACTED:jwt] failed"
    assert finding.evidence == ["lastState.terminated.reason=OOMKilled exitCode=137",
                                "log: password=[REDACTED:password]"]
    assert clean.gaps == [Gap("pods/log", "shop", "forbidden")] and isinstance(clean.gaps[0], Gap)
    assert clean.summary() == {"critical": 1, "warning": 0, "info": 0}  # methods work on the copy
    # the model that was given is left as it was (analyzers' results are not edited behind their back)
    assert SEEDED["jwt"] in diagnosis.findings[0].message


def test_keys_flags_numbers_times_and_whole_objects() -> None:
    when = datetime(2026, 11, 1, tzinfo=UTC)
    model = {
        "annotations": {"ci.acme.io/deploy-token": "dt7Hq2mZx9", "team": "payments"},
        "args": ["--db-password", "hunter2-prod", "--port", "8080"],
        "redactions": {"password": 3, "jwt": 1},  # a count under a secret's name is a count
        "asOf": when,
        "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "api", "annotations": {
            "kubectl.kubernetes.io/last-applied-configuration": '{"kind":"Secret"}'}},
            "spec": {"containers": [
                {"name": "api", "env": [{"name": "FEATURE_CONFIG", "value": "opaque-value"}]}]}},
    }
    clean = clear_for_output(model).value
    assert clean["annotations"] == {"ci.acme.io/deploy-token": "[REDACTED:token]", "team": "payments"}
    assert clean["args"] == ["--db-password", "[REDACTED:password]", "--port", "8080"]
    assert clean["redactions"] == {"password": 3, "jwt": 1}
    assert clean["asOf"] is when
    assert "last-applied-configuration" not in json.dumps(clean["object"])  # the AI payload's rules
    assert "opaque-value" not in json.dumps(clean["object"])


def test_show_secrets_passes_the_model_through_marked() -> None:
    diagnosis = _diagnosis(f"token {SEEDED['jwt']}", [])
    cleared = clear_for_output(diagnosis, show_secrets=True)
    assert cleared.value is diagnosis and cleared.unredacted and cleared.banner
    assert cleared.render(lambda d: d.findings[0].message).unredacted


def test_error_lines_are_redacted() -> None:
    line = clear_error_line(f"pod {SEEDED['github-token']} not found in namespace shop")
    assert line == "pod [REDACTED:github-token] not found in namespace shop"


# --- no way around the door ----------------------------------------------------------------------------

# Modules that print only prism's own words and settings, never cluster text.
OWN_WORDS = {
    "commands/ai.py": "AI settings and status",
    "commands/auth.py": "where keys come from (never a key)",
    "commands/mcp.py": "MCP settings, the client snippet and the server's start-up lines on stderr",
    "commands/version.py": "the version",
}
# What writes to stdout, stderr or a file directly.
_DIRECT = {"print", "typer.echo", "sys.stdout.write", "sys.stderr.write", "sys.stdout.buffer.write",
           "atomic_write", "print_lines", "console.print", "Path.write_text", "os.write"}


def _direct_writes(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            if name in _DIRECT or name.endswith((".write_text", ".write_bytes")):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {name}(...)")
    return found


def test_commands_and_renderers_print_only_through_the_door() -> None:
    """A new command or renderer (fleet reports, `fix --plan`, exporter labels) that printed a model
    itself would skip redaction: it must use commands/_output.py (`clear` -> `render` -> `write`)."""
    modules = [p for d in ("commands", "render", "report", "explain") for p in (PACKAGE / d).glob("*.py")]
    door = {PACKAGE / "commands/_output.py", PACKAGE / "render/console.py"}  # the writers themselves
    offenders = [hit for p in modules if p not in door and str(p.relative_to(PACKAGE)) not in OWN_WORDS
                 for hit in _direct_writes(p)]
    assert offenders == []
    assert len(modules) > 20
    # the check sees direct writes where they are (and the allow-list holds nothing it does not need)
    assert all(_direct_writes(PACKAGE / module) for module in OWN_WORDS)


# --- benign: redaction changes nothing where there is no secret ---------------------------------------

def _snapshot(path: Path) -> Snapshot:
    sc = load_scenario(path)
    snap = Snapshot(source="snapshot")
    snap.add_all(sc.objects)
    for log in sc.logs:
        snap.logs[LogKey(log["namespace"], log["pod"], log["container"], log["previous"])] = log["text"]
    return snap


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_redaction_changes_nothing_in_an_ordinary_cluster(path: Path) -> None:
    """Every scenario's diagnosis, report and the explanation of each object: nothing is redacted, so
    names, exit codes, IPs, images, messages and evidence read exactly as they do unredacted."""
    from kubectl_prism.analyzers import run_analyzers
    from kubectl_prism.explain.model import build_explanation
    from kubectl_prism.kinds import parse_target
    from kubectl_prism.report.model import build_report

    snap = _snapshot(path)
    findings = run_analyzers(snap)
    diagnosis = Diagnosis(Scope(None, None, None, "snapshot"), findings, [])
    models: list[object] = [build_report(snap, diagnosis)]
    for obj in snap:
        if obj["kind"] in ("Event", "Secret"):
            continue
        scoped = Snapshot(source="snapshot", namespace=obj["metadata"].get("namespace"))
        scoped.objects, scoped.logs = snap.objects, snap.logs
        try:
            target = parse_target(f"{obj['kind'].lower()}/{obj['metadata']['name']}")
        except Exception:  # a kind explain does not know (e.g. an Endpoints object)
            continue
        models.append(build_explanation(scoped, target, findings))
    assert len(models) > 1
    for model in models:
        cleared = clear_for_output(model)
        assert dict(cleared.counts) == {}, (type(model).__name__, dict(cleared.counts))
        assert json.dumps(cleared.value.to_dict(), default=str) == json.dumps(model.to_dict(), default=str)


@pytest.mark.usefixtures("cli_env")
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_examples_read_the_same_redacted_and_unredacted(capsys: Capture, example: Path) -> None:
    """The bundled dumps through the real command: the redacted output is the unredacted one, byte for
    byte, but for the banner."""
    _, clean, _ = prism(capsys, "diagnose", "-A", "-o", "json", "--snapshot", example)
    _, raw, _ = prism(capsys, "diagnose", "-A", "-o", "json", "--show-secrets", "--snapshot", example)
    raw_doc = json.loads(raw)
    assert raw_doc.pop(BANNER_FIELD)
    assert json.loads(clean) == raw_doc
    _, clean, _ = prism(capsys, "diagnose", "-A", "--snapshot", example)
    _, raw, _ = prism(capsys, "diagnose", "-A", "--show-secrets", "--snapshot", example)
    assert raw.split("\n", 2)[2] == clean
    assert "[REDACTED:" not in clean
