"""The leak harness over every command and output format (issue 11 §2): what prism prints is redacted.

Two seeded clusters (`tests/leak.py`: secrets where real clusters keep them, including the held-out
dump's vault token, redis URL and deploy-token annotation; `tests/leak_corpus.py`: every sample of the
secret corpus in its place), run through diagnose, explain, report, context, audit and the `ask`
fallback in every format. The assertions are on the bytes that came out: stdout, stderr and the
files written. Each run is repeated with `--show-secrets`, which must show the secrets (so the clean
run proves something) and say so before anything else.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kubectl_prism.redact.output import BANNER, BANNER_FIELD
from tests.cli_helpers import run_exe
from tests.cli_helpers import run_main as prism
from tests.dumps import write_as_cluster_dump
from tests.leak import SCENARIO_PATH, SEEDED, assert_no_leak, find_leaks
from tests.leak_corpus import LOG_NAMESPACES, SEEDED_SAMPLES, SURFACING, corpus_scenario
from tests.scenarios import Scenario, load_scenario

Capture = pytest.CaptureFixture[str]
FORMATS = ("text", "json", "yaml", "markdown")
POD = "api-6f7c9d8b5-x2x7k"


@pytest.fixture(scope="module")
def leak_dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_as_cluster_dump(load_scenario(SCENARIO_PATH), tmp_path_factory.mktemp("leak"))


@pytest.fixture(scope="module")
def corpus_dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sc = corpus_scenario()
    return write_as_cluster_dump(Scenario(None, objects=sc["objects"], logs=sc["logs"]),
                                 tmp_path_factory.mktemp("corpus"))


def _run(capsys: Capture, args: list[str], dump: Path, tmp_path: Path) -> tuple[int, str]:
    """Exit code and every byte prism wrote: stdout, stderr and the report file (if any)."""
    out_file = tmp_path / "report.out"
    argv = [a.replace("{out}", str(out_file)) for a in args]
    code, out, err = prism(capsys, *argv, "--snapshot", dump)
    written = out + err
    if out_file.exists():
        written += out_file.read_text(encoding="utf-8")
        out_file.unlink()
    return code, written


def _first_line(text: str, fmt: str) -> str:
    lines = text.splitlines()
    return lines[1] if fmt == "json" else lines[0]  # JSON: the first field, after `{`


# --- the seeded cluster: (command, whether its output shows any seeded secret when unredacted) -------

_EXPLAINED = {
    f"pod/{POD}": True, "deploy/api": True, "rs/api-6f7c9d8b5": True, "svc/api": True, "ns/shop": True,
    "secret/db-creds": True, "secret/api-keys": True, "secret/regcred": True, "cm/app-config": False,
    "cm/ci-kubeconfig": False, "cm/storage": False, "node/worker-1": False,
}
LEAK_RUNS: list[tuple[list[str], bool]] = [
    *[(["diagnose", *scope, "-o", fmt], True)
      for scope in (["-A"], ["-n", "shop"], ["-n", "shop", f"pod/{POD}"], ["-n", "shop", "deploy/api"])
      for fmt in FORMATS],
    *[(["explain", "-n", "shop", target, "-o", fmt], shows)
      for target, shows in _EXPLAINED.items() for fmt in FORMATS],
    *[(["report", "-A", "--format", fmt, "--out", "{out}"], True) for fmt in ("md", "html", "json")],
    *[(["ask", "why is the api crashing?", "-n", "shop", "-o", fmt], True)
      for fmt in ("text", "json", "yaml")],
]


def _id(run: tuple[list[str], bool]) -> str:
    return " ".join(a for a in run[0] if a != "{out}")


@pytest.mark.parametrize("run", LEAK_RUNS, ids=_id)
def test_no_seeded_secret_in_any_output(capsys: Capture, leak_dump: Path, tmp_path: Path,
                                        run: tuple[list[str], bool]) -> None:
    args, shows = run
    code, written = _run(capsys, args, leak_dump, tmp_path)
    assert code == (4 if args[0] == "ask" else 0), written[-600:]
    assert_no_leak(written)
    assert BANNER not in written
    if shows:
        assert "[REDACTED:" in written


@pytest.mark.parametrize("run", LEAK_RUNS, ids=_id)
def test_show_secrets_shows_them_and_says_so_first(capsys: Capture, leak_dump: Path, tmp_path: Path,
                                                   run: tuple[list[str], bool]) -> None:
    args, shows = run
    out_file = tmp_path / "report.out"
    argv = [a.replace("{out}", str(out_file)) for a in args]
    code, out, err = prism(capsys, *argv, "--show-secrets", "--snapshot", leak_dump)
    assert code == (4 if args[0] == "ask" else 0), err[-600:]
    if args[0] == "report":
        text = out_file.read_text(encoding="utf-8")
        assert "UNREDACTED (--show-secrets)" in out.splitlines()[0]
        fmt = args[args.index("--format") + 1]
        if fmt == "md":
            assert text.splitlines()[0] == f"> **{BANNER}**"
        elif fmt == "json":
            assert next(iter(json.loads(text))) == BANNER_FIELD
        else:  # html: the title says so, and the banner is the first thing in the body
            assert "<title>UNREDACTED" in text
            body = text[text.index("<body>") + len("<body>"):].lstrip()
            assert body.startswith(f'<p class="unredacted" role="alert">{BANNER}</p>')
        assert err.startswith("warning: --show-secrets")
    else:
        fmt = args[args.index("-o") + 1]
        text = out
        assert BANNER in _first_line(out, fmt), out[:300]
        if fmt in ("json", "yaml"):
            doc = json.loads(out) if fmt == "json" else __import__("yaml").safe_load(out)
            assert next(iter(doc)) == BANNER_FIELD and doc[BANNER_FIELD] == BANNER
            assert err.startswith("warning: --show-secrets")
    if shows:
        assert find_leaks(text), "with --show-secrets the seeded secrets should be there"


def test_the_held_out_dump_secrets_of_issue_11_are_redacted(capsys: Capture, leak_dump: Path,
                                                            tmp_path: Path) -> None:
    """The three reported leaks: an event in the report, a redis URL argument and a deploy-token
    annotation in explain. What is left is still useful: the placeholders stand where the values were."""
    for fmt in ("md", "html", "json"):
        _, written = _run(capsys, ["report", "-A", "--format", fmt, "--out", "{out}"], leak_dump, tmp_path)
        assert SEEDED["vault-token"] not in written
        assert "failed to reach vault with token [REDACTED:vault-token]" in written
    code, out, _ = prism(capsys, "explain", "-n", "shop", "deploy/api", "--snapshot", leak_dump)
    assert code == 0
    assert "redis://:[REDACTED:url-password]@redis-master.shop.svc:6379/0" in out
    assert re.search(r"ci\.acme\.io/deploy-token(=|: )\[REDACTED:token\]", out)
    assert_no_leak(out)


def test_context_never_shows_secrets(capsys: Capture, leak_dump: Path) -> None:
    for fmt in ("text", "json"):
        code, out, err = prism(capsys, "context", "-n", "shop", "-o", fmt, "--snapshot", leak_dump)
        assert code == 0 and "[REDACTED:" in out
        assert_no_leak(out + err)
    code, out, err = prism(capsys, "context", "-n", "shop", "--show-secrets", "--snapshot", leak_dump)
    assert code == 2 and out == ""
    assert err.startswith("error: --show-secrets does not apply to context") and len(err.splitlines()) == 1


def test_mcp_serve_refuses_show_secrets(capsys: Capture) -> None:
    code, out, err = prism(capsys, "mcp", "serve", "--show-secrets")
    assert code == 2 and out == ""
    assert "--show-secrets does not apply to the MCP server" in err


def test_error_lines_are_redacted(capsys: Capture, leak_dump: Path) -> None:
    for name in (f"pod/{SEEDED['github-token']}", f"deploy/x-{SEEDED['slack-token']}"):
        code, out, err = prism(capsys, "explain", "-n", "shop", name, "--snapshot", leak_dump)
        assert code in (2, 3) and out == ""  # a name that cannot be (2), or is not there (3)
        assert err.startswith("error: ") and "[REDACTED:" in err
        assert_no_leak(err)


def test_audit_display_is_redacted(capsys: Capture) -> None:
    """Records are redacted when written; a log edited by hand (or from an older version) is redacted
    again when shown, and `--show-secrets` shows it as stored, saying so first."""
    from kubectl_prism import audit

    line = {"time": "2026-11-01T10:00:00Z", "event": "agent.step",
            "command": f"psql password={SEEDED['db-password']}",
            "error": f"provider said: invalid key {SEEDED['anthropic-api-key']}", "exit_code": 1}
    audit.append_line(audit.audit_path(), (json.dumps(line) + "\n").encode())
    for fmt in ("text", "json"):
        code, out, err = prism(capsys, "audit", "-o", fmt)
        assert code == 0 and "agent.step" in out
        assert_no_leak(out + err)
    code, out, err = prism(capsys, "audit", "-o", "json")
    assert json.loads(out)["exit_code"] == 1  # numbers stay numbers
    code, out, err = prism(capsys, "audit", "-o", "json", "--show-secrets")
    first, record = (json.loads(x) for x in out.splitlines())
    assert first == {BANNER_FIELD: BANNER} and SEEDED["db-password"] in record["command"]
    code, out, err = prism(capsys, "audit", "--show-secrets")
    assert out.splitlines()[0] == BANNER and SEEDED["db-password"] in out


def test_the_bytes_of_a_real_process(leak_dump: Path, tmp_path: Path) -> None:
    """The installed executable, its real stdout and the report file as bytes."""
    result = run_exe("explain", "-n", "shop", "deploy/api", "-o", "yaml", "--snapshot", leak_dump)
    assert result.returncode == 0 and "deploy-token" in result.stdout
    assert_no_leak(result.stdout + result.stderr)
    out = tmp_path / "health.html"
    result = run_exe("report", "-A", "--out", out, "--snapshot", leak_dump)
    assert result.returncode == 0
    assert_no_leak(out.read_bytes())


def test_live_outputs_are_redacted(capsys: Capture, fake_kube, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    api = fake_kube(load_scenario(SCENARIO_PATH))
    kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig", namespace="shop")
    out_file = tmp_path / "live.md"
    for args in (["diagnose", "-o", "json"], ["explain", f"pod/{POD}", "-o", "markdown"],
                 ["report", "--out", str(out_file)]):
        code, out, err = prism(capsys, *args, "--kubeconfig", kubeconfig)
        assert code == 0, err
        written = out + err + (out_file.read_text() if out_file.exists() else "")
        assert "[REDACTED:" in written
        assert_no_leak(written)


# --- the secret corpus, every sample in its place ------------------------------------------------------

CORPUS_RUNS = [
    *[["diagnose", "-n", ns, "-o", fmt] for ns in LOG_NAMESPACES for fmt in FORMATS],
    *[["explain", "-n", "corpus", target, "-o", fmt]
      for target in ("ns/corpus", "pod/corpus-events", "pod/corpus-annotations", "pod/corpus-command",
                     "cm/corpus-config")
      for fmt in FORMATS],
    *[["report", "-A", "--format", fmt, "--out", "{out}"] for fmt in ("md", "html", "json")],
]


@pytest.mark.parametrize("args", CORPUS_RUNS, ids=" ".join)
def test_no_corpus_sample_in_any_output(capsys: Capture, corpus_dump: Path, tmp_path: Path,
                                        args: list[str]) -> None:
    code, written = _run(capsys, args, corpus_dump, tmp_path)
    assert code == 0, written[-600:]
    leaks = find_leaks(written, SEEDED_SAMPLES)
    assert not leaks, "corpus samples leaked: " + ", ".join(leaks)


def test_the_corpus_samples_really_come_out_unredacted(capsys: Capture, corpus_dump: Path,
                                                       tmp_path: Path) -> None:
    """Every one-line sample in a printed place shows with --show-secrets: the clean runs above are
    clean because of redaction, not because the samples never reached an output."""
    raw = ""
    for args in CORPUS_RUNS:
        if "json" in args:
            _, written = _run(capsys, [*args, "--show-secrets"], corpus_dump, tmp_path)
            raw += written
    missing = [sample for sample, secret in SURFACING.items() if not find_leaks(raw, {sample: secret})]
    assert len(SURFACING) >= 100 and missing == []
