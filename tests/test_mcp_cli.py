"""`kubectl prism mcp enable|disable|status|config`, `serve` refusing while disabled, and the pure parts of
the MCP server (policy, HTTP guard, result cap, kinds) without a subprocess."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from kubectl_prism import settings
from kubectl_prism.mcpserver import results as r
from kubectl_prism.mcpserver.cluster import ToolInputError, resolve_kind
from kubectl_prism.mcpserver.http import local_host, local_origin
from kubectl_prism.mcpserver.policy import Policy, Refused, http_token, load_policy
from kubectl_prism.redact import redact_json, redact_text
from tests.cli_helpers import EXE, run_main

# --- switches and status -----------------------------------------------------------------------------


def test_serve_refuses_while_disabled(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(capsys, "mcp", "serve")
    assert code == 2 and out == ""
    assert err == "error: MCP server is disabled: run `kubectl prism mcp enable`\n"
    run_main(capsys, "mcp", "enable")
    run_main(capsys, "mcp", "disable")
    code, _, err = run_main(capsys, "mcp", "serve", "--transport", "http")
    assert code == 2 and "MCP server is disabled" in err


def test_serve_rejects_snapshot(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    run_main(capsys, "mcp", "enable")
    code, _, err = run_main(capsys, "mcp", "serve", "--snapshot", str(tmp_path))
    assert code == 2 and "--snapshot is not supported" in err


def test_enable_sets_the_allow_lists_and_status_shows_them(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(capsys, "mcp", "enable", "--allow-context", "kind-dev", "--allow-context",
                            "staging", "--allow-namespace", "shop", "--allow-client", "claude-code")
    assert code == 0 and "MCP server: enabled" in out and "Namespaces: shop" in out
    assert settings.section("mcp") == {"enabled": True, "allow_contexts": ["kind-dev", "staging"],
                                       "allow_namespaces": ["shop"], "allow_clients": ["claude-code"]}
    _, out, _ = run_main(capsys, "mcp", "status", "-o", "json")
    doc = json.loads(out)
    assert doc["enabled"] is True and doc["allowContexts"] == ["kind-dev", "staging"]
    assert doc["allowClients"] == ["claude-code"] and doc["auditLog"].endswith("audit.jsonl")
    # One list changed, the others kept; --reset clears them all.
    run_main(capsys, "mcp", "enable", "--allow-namespace", "web")
    assert load_policy() == Policy(True, ("kind-dev", "staging"), ("web",), ("claude-code",))
    run_main(capsys, "mcp", "enable", "--reset")
    assert load_policy() == Policy(enabled=True)
    _, out, _ = run_main(capsys, "mcp", "disable")
    assert "disabled" in out and load_policy().enabled is False
    _, out, _ = run_main(capsys, "mcp", "status")
    assert "MCP server: disabled" in out and "kubectl prism mcp enable" in out


def test_status_says_where_the_token_comes_from_never_the_token(capsys: pytest.CaptureFixture[str],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    _, out, _ = run_main(capsys, "mcp", "status")
    assert "HTTP token: generated at each start" in out
    settings.update_section("mcp", token="config-token-value-123")
    _, out, _ = run_main(capsys, "mcp", "status", "-o", "json")
    assert json.loads(out)["httpToken"] == "config file (mcp.token)" and "config-token-value-123" not in out
    monkeypatch.setenv("PRISM_MCP_TOKEN", "env-token-value-456")
    _, out, _ = run_main(capsys, "mcp", "status")
    assert "environment (PRISM_MCP_TOKEN)" in out and "env-token-value-456" not in out


def test_http_token_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    token, generated = http_token()
    assert generated and len(token) >= 40 and http_token()[0] != token
    settings.update_section("mcp", token="from-config")
    assert http_token() == ("from-config", False)
    monkeypatch.setenv("PRISM_MCP_TOKEN", "from-env")
    assert http_token() == ("from-env", False)


def test_mcp_commands_do_not_load_the_sdk() -> None:
    probe = (
        "import sys\n"
        "from kubectl_prism.cli import main\n"
        "for argv in (['--help'], ['mcp', '--help'], ['mcp', 'status'], ['mcp', 'serve'], "
        "['mcp', 'config', 'cursor']):\n"
        "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
        "print('LOADED=' + ','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('mcp', 'mcp_types', "
        "'uvicorn', 'starlette'))), file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert out.stderr.rstrip().endswith("LOADED="), out.stderr[-500:]


# --- config snippets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("client,key", [("cursor", "mcpServers"), ("claude-desktop", "mcpServers"),
                                        ("vscode", "servers")])
def test_json_snippets_name_the_installed_executable(client: str, key: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(capsys, "mcp", "config", client)
    assert code == 0
    entry = json.loads(out)[key]["kubectl-prism"]
    assert Path(entry["command"]).is_absolute() and Path(entry["command"]).name == "kubectl-prism"
    assert Path(entry["command"]).is_file()
    assert entry["args"] == ["mcp", "serve"]
    if client == "vscode":
        assert entry["type"] == "stdio" and ".vscode/mcp.json" in err
    if client == "cursor":
        assert ".cursor/mcp.json" in err
    if client == "claude-desktop":
        assert "claude_desktop_config.json" in err


def test_claude_code_snippet_is_the_command(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_main(capsys, "mcp", "config", "claude-code", "--kubeconfig", "kc.yaml", "--context",
                            "prod", "-n", "shop")
    assert code == 0
    words = shlex.split(out)
    assert words[:6] == ["claude", "mcp", "add", "--transport", "stdio", "kubectl-prism"]
    assert words[6] == "--" and Path(words[7]).is_absolute() and Path(words[7]).name == "kubectl-prism"
    assert words[8:] == ["mcp", "serve", "--kubeconfig", str(tmp_path / "kc.yaml"), "--context", "prod",
                         "--namespace", "shop"]


def test_unknown_client_is_a_usage_error() -> None:
    out = subprocess.run([str(EXE), "mcp", "config", "emacs"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "Traceback" not in out.stderr and "claude-code" in out.stderr


# --- policy ------------------------------------------------------------------------------------------


def test_policy_checks() -> None:
    open_policy = Policy(enabled=True)
    open_policy.check_client(None)
    open_policy.check_context("anything")
    open_policy.check_namespace(None)
    with pytest.raises(Refused, match="disabled"):
        Policy().check_enabled()
    strict = Policy(True, ("prod",), ("shop", "web"), ("cursor",))
    with pytest.raises(Refused, match='"dev" is not in the MCP allow-list \\(prod\\)'):
        strict.check_context("dev")
    with pytest.raises(Refused, match="all namespaces is not allowed"):
        strict.check_namespace(None)
    with pytest.raises(Refused, match="--allow-client claude-code"):
        strict.check_client("claude-code")
    with pytest.raises(Refused, match="did not send its name"):
        strict.check_client(None)
    strict.check_namespace("web")
    strict.check_client("cursor")


def test_policy_ignores_malformed_lists() -> None:
    settings.update_section("mcp", enabled=True, allow_namespaces="shop", allow_contexts=["a", " ", "a", "b"])
    policy = load_policy()
    assert policy.namespaces == ("shop",) and policy.contexts == ("a", "b")
    settings.update_section("mcp", enabled="yes")
    assert load_policy().enabled is False  # only a real `true` turns it on


# --- HTTP guard --------------------------------------------------------------------------------------


@pytest.mark.parametrize("origin,ok", [
    ("http://127.0.0.1", True), ("http://127.0.0.1:8377", True), ("http://localhost:3000", True),
    ("http://localhost", True), ("https://localhost", False), ("http://evil.example", False),
    ("http://localhost.evil.example", False), ("http://127.0.0.1@evil.example", False), ("null", False),
    ("http://127.0.0.1:99999", False), ("http://127.0.0.1/path", False), ("http://[::1]:80", False),
    ("", False),
])
def test_local_origin(origin: str, ok: bool) -> None:
    assert local_origin(origin) is ok


@pytest.mark.parametrize("host,ok", [("127.0.0.1:8377", True), ("localhost:1", True), ("localhost", True),
                                     ("evil.example:8377", False), ("127.0.0.1:x", False), ("", False)])
def test_local_host(host: str, ok: bool) -> None:
    assert local_host(host) is ok


# --- results and kinds -------------------------------------------------------------------------------


def test_results_accept_only_redacted() -> None:
    with pytest.raises(TypeError, match="must be Redacted"):
        r.reply("raw text")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must be Redacted"):
        r.ToolReply("raw text")  # type: ignore[arg-type]
    ok = r.reply(redact_text("password=hunter2hunter2"))
    assert "hunter2" not in ok.body.text and ok.redactions


def test_an_oversized_result_is_cut_and_says_how_to_narrow() -> None:
    big = r.reply(redact_text("line\n" * 20_000), limit=1000)
    assert len(big.body) <= 1000 and big.cut
    assert "over the limit of 1000" in big.body.text and "narrow the query" in big.body.text


def test_lists_lose_their_tail_and_stay_valid_json() -> None:
    items = [{"name": f"pod-{i:04d}", "status": "Running"} for i in range(2000)]

    def build(shown: object, truncated: dict[str, object] | None) -> dict[str, object]:
        return {"items": list(shown), **({"truncated": truncated} if truncated else {})}  # type: ignore[call-overload]

    result = r.fit_items(build, items, limit=5000)
    doc = json.loads(result.body.text)
    assert result.cut and len(result.body) <= 5000
    assert doc["truncated"]["total"] == 2000 and doc["truncated"]["shown"] == len(doc["items"]) > 50
    assert doc["items"][0]["name"] == "pod-0000"
    small = r.fit_items(build, items[:3], limit=5000)
    assert not small.cut and "truncated" not in json.loads(small.body.text)
    assert r.error_reply("x").is_error and json.loads(r.error_reply("x").body.text)["status"] == "error"
    assert redact_json({"a": 1}).text == r.json_reply({"a": 1}).body.text


@pytest.mark.parametrize("text,kind", [("po", "Pod"), ("Pods", "Pod"), ("deployment.apps", "Deployment"),
                                       ("deploy", "Deployment"), ("svc", "Service"), ("ns", "Namespace"),
                                       ("secrets", "Secret"), ("pvc", "PersistentVolumeClaim"),
                                       ("ingresses", "Ingress"), ("events", "Event"), ("sc", "StorageClass")])
def test_kind_aliases(text: str, kind: str) -> None:
    assert resolve_kind(text).kind == kind


def test_unknown_kind_lists_the_accepted_ones() -> None:
    with pytest.raises(ToolInputError, match=r'unknown kind "podmetrics"; accepted kinds: pods \(po\)'):
        resolve_kind("podmetrics")
