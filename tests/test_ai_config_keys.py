"""AI opt-in (`ai enable|disable|status`, resolve_ai) and BYOK keys (`auth login|logout|status`)."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from kubectl_prism import settings
from kubectl_prism.ai.config import AISettings, load_settings
from kubectl_prism.ai.keys import KEYRING_SERVICE, PLACEHOLDER_KEY, key_source, resolve_key
from kubectl_prism.ai.resolve import resolve_ai
from kubectl_prism.cli import main
from kubectl_prism.errors import AIError, UsageError
from tests.fakes.memory_keyring import MemoryKeyring

KEY_VARS = ("ANTHROPIC_", "OPENAI_", "AZURE_OPENAI_", "PRISM_OPENAI_COMPATIBLE_")


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PRISM_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PRISM_STATE_DIR", str(tmp_path / "state"))
    for var in list(os.environ):
        if var.startswith(KEY_VARS):
            monkeypatch.delenv(var)
    previous = keyring.get_keyring()
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


@pytest.fixture
def no_keyring() -> None:
    keyring.set_keyring(fail.Keyring())


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out, out.err


# --- opt-in ---------------------------------------------------------------------------------------
def test_ai_is_off_until_enabled(capsys: pytest.CaptureFixture[str], memory_keyring: MemoryKeyring) -> None:
    code, out, _ = run(capsys, "ai", "status")
    assert code == 0
    assert "disabled (never configured)" in out
    assert "kubectl prism ai enable --provider anthropic" in out
    assert resolve_ai(None) is None


def test_enable_anthropic_uses_the_default_model_and_says_how_to_add_a_key(
    capsys: pytest.CaptureFixture[str], memory_keyring: MemoryKeyring
) -> None:
    code, out, _ = run(capsys, "ai", "enable", "--provider", "anthropic")
    assert code == 0
    assert "AI enabled: anthropic claude-sonnet-4-5" in out
    assert "kubectl prism auth login anthropic" in out and "ANTHROPIC_API_KEY" in out
    assert settings.section("ai") == {"enabled": True, "provider": "anthropic", "model": "claude-sonnet-4-5"}
    code, out, _ = run(capsys, "ai", "status", "-o", "json")
    doc = json.loads(out)
    assert doc["enabled"] is True and doc["provider"] == "anthropic" and doc["key"].startswith("not set")


def test_disable_then_enable_again_keeps_the_choice(capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "ai", "enable", "--provider", "openai", "--model", "gpt-5.4")
    code, out, _ = run(capsys, "ai", "disable")
    assert code == 0 and "AI disabled" in out
    assert load_settings() is not None and load_settings().enabled is False  # type: ignore[union-attr]
    assert resolve_ai(None) is None
    code, out, _ = run(capsys, "ai", "enable")
    assert code == 0 and "openai gpt-5.4" in out
    current = load_settings()
    assert current is not None and current.enabled and current.model == "gpt-5.4"


def test_enable_without_any_previous_choice_needs_a_provider(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "ai", "enable")
    assert code == 2
    assert "kubectl prism ai enable --provider anthropic" in err


def test_azure_needs_endpoint_and_deployment_and_defaults_the_api_version(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(
        capsys, "ai", "enable", "--provider", "azure-openai", "--azure-endpoint", "https://r.openai.azure.com"
    )
    assert code == 2 and "--azure-deployment" in err
    code, out, _ = run(
        capsys,
        "ai",
        "enable",
        "--provider",
        "azure-openai",
        "--azure-endpoint",
        "https://r.openai.azure.com",
        "--azure-deployment",
        "gpt-prod",
    )
    assert code == 0 and "AI enabled: azure-openai gpt-prod at https://r.openai.azure.com" in out
    table = settings.section("ai")
    assert table["model"] == "gpt-prod" and table["api_version"] == "2024-10-21"
    assert table["azure_endpoint"] == "https://r.openai.azure.com"


def test_switching_provider_drops_the_previous_provider_fields(capsys: pytest.CaptureFixture[str]) -> None:
    run(
        capsys,
        "ai",
        "enable",
        "--provider",
        "azure-openai",
        "--azure-endpoint",
        "https://r.openai.azure.com",
        "--azure-deployment",
        "gpt-prod",
    )
    run(capsys, "ai", "enable", "--provider", "anthropic")
    assert settings.section("ai") == {"enabled": True, "provider": "anthropic", "model": "claude-sonnet-4-5"}


def test_openai_with_a_foreign_base_url_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "ai", "enable", "--provider", "openai", "--base-url", "http://127.0.0.1:8000/v1"
    )
    assert code == 2
    assert "openai-compatible" in err
    assert "provider" not in settings.section("ai")
    # A hand-edited config is checked too.
    settings.update_section("ai", enabled=True, provider="openai", base_url="https://proxy.example.net/v1")
    with pytest.raises(UsageError, match="not OpenAI's API"):
        load_settings()
    # OpenAI's own regional hosts are fine.
    settings.update_section("ai", base_url="https://eu.api.openai.com/v1")
    assert load_settings() is not None


def test_openai_compatible_defaults_to_a_local_server(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ai", "enable", "--provider", "openai-compatible")
    assert code == 0
    assert settings.section("ai")["base_url"] == "http://localhost:11434/v1"
    assert "llama3.1" in out


@pytest.mark.parametrize("flag", ["--azure-endpoint", "--api-version"])
def test_azure_flags_belong_to_azure(capsys: pytest.CaptureFixture[str], flag: str) -> None:
    code, _, err = run(capsys, "ai", "enable", "--provider", "anthropic", flag, "https://x.example")
    assert code == 2 and "azure-openai" in err


def test_base_url_with_credentials_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys,
        "ai",
        "enable",
        "--provider",
        "openai-compatible",
        "--base-url",
        "http://user:pw@localhost:8000/v1",
    )
    assert code == 2 and "credentials" in err


# --- resolve_ai -----------------------------------------------------------------------------------
def test_explicit_ai_when_not_enabled_names_the_command() -> None:
    with pytest.raises(AIError) as err:
        resolve_ai(True)
    assert err.value.exit_code == 4
    assert "kubectl prism ai enable --provider anthropic" in err.value.line()


def test_no_ai_wins_over_enabled(monkeypatch: pytest.MonkeyPatch) -> None:
    settings.update_section("ai", enabled=True, provider="anthropic")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-env")
    assert resolve_ai(False) is None
    resolved = resolve_ai(None)
    assert isinstance(resolved, AISettings) and resolved.api_key is not None
    assert resolved.api_key.source == "env ANTHROPIC_API_KEY"
    assert "sk-ant-env" not in repr(resolved)


def test_enabled_without_key(capsys: pytest.CaptureFixture[str], memory_keyring: MemoryKeyring) -> None:
    settings.update_section("ai", enabled=True, provider="anthropic")
    with pytest.raises(AIError) as err:
        resolve_ai(True)
    assert (
        "kubectl prism auth login anthropic" in err.value.line() and "ANTHROPIC_API_KEY" in err.value.line()
    )
    assert resolve_ai(None) is None  # falls back to rules, saying why
    assert "showing rule-based results only" in capsys.readouterr().err


# --- keys -----------------------------------------------------------------------------------------
def test_environment_wins_over_keyring(
    monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring
) -> None:
    memory_keyring.set_password(KEYRING_SERVICE, "anthropic", "sk-ant-keyring")
    current = AISettings(provider="anthropic", model="m")
    key = resolve_key(current)
    assert (key.value, key.source) == ("sk-ant-keyring", "keyring")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-env")
    key = resolve_key(current)
    assert (key.value, key.source) == ("sk-ant-env", "env ANTHROPIC_API_KEY")
    assert key_source("anthropic") == "env ANTHROPIC_API_KEY"


@pytest.mark.parametrize(
    ("provider", "var"), [("openai", "OPENAI_API_KEY"), ("azure-openai", "AZURE_OPENAI_API_KEY")]
)
def test_each_provider_reads_its_own_variable(
    monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring, provider: str, var: str
) -> None:
    monkeypatch.setenv(var, "the-key")
    assert resolve_key(AISettings(provider=provider, model="m")).source == f"env {var}"


def test_openai_compatible_never_gets_the_openai_key(
    monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring
) -> None:
    memory_keyring.set_password(KEYRING_SERVICE, "openai", "sk-openai-stored")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-env")
    compatible = AISettings(provider="openai-compatible", model="llama3.1", base_url="http://127.0.0.1:1/v1")
    key = resolve_key(compatible)
    assert (key.value, key.source) == (PLACEHOLDER_KEY, "placeholder")
    monkeypatch.setenv("PRISM_OPENAI_COMPATIBLE_API_KEY", "local-key")
    assert resolve_key(compatible).value == "local-key"


def test_headless_machine_without_keyring_names_the_variable(
    capsys: pytest.CaptureFixture[str], no_keyring: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(AIError) as err:
        resolve_key(AISettings(provider="anthropic", model="m"))
    assert "no OS keyring" in err.value.line() and "set ANTHROPIC_API_KEY" in err.value.line()
    monkeypatch.setattr("sys.stdin", io.StringIO("sk-ant-abc\n"))
    code, _, stderr = run(capsys, "auth", "login", "anthropic")
    assert code == 4
    assert "no OS keyring" in stderr and "ANTHROPIC_API_KEY" in stderr and "Traceback" not in stderr
    code, out, _ = run(capsys, "auth", "status")
    assert code == 0 and "not set (no OS keyring" in out
    # An env key still works without any keyring; a local server needs none.
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-env")
    assert resolve_key(AISettings(provider="anthropic", model="m")).value == "sk-ant-env"
    assert resolve_key(AISettings(provider="openai-compatible", model="m")).source == "placeholder"


def test_plaintext_keyring_backends_are_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    plaintext = type("PlaintextKeyring", (MemoryKeyring,), {"__module__": "keyrings.alt.file"})
    keyring.set_keyring(plaintext())
    monkeypatch.setattr("sys.stdin", io.StringIO("sk-ant-abc\n"))
    code, _, err = run(capsys, "auth", "login", "anthropic")
    assert code == 4 and "plain files" in err


def test_login_status_logout(
    capsys: pytest.CaptureFixture[str],
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("  sk-ant-api03-secretvalue  \n"))
    code, out, err = run(capsys, "auth", "login", "anthropic")
    assert code == 0, err
    assert memory_keyring.store == {(KEYRING_SERVICE, "anthropic"): "sk-ant-api03-secretvalue"}
    assert "sk-ant-api03" not in out + err
    code, out, _ = run(capsys, "auth", "status", "-o", "json")
    doc = json.loads(out)
    assert doc["anthropic"] == "keyring" and doc["openai"] == "not set"
    assert doc["openai-compatible"].startswith("not set (a placeholder")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-env")
    code, out, _ = run(capsys, "auth", "status")
    assert "env ANTHROPIC_API_KEY" in out and "sk-ant" not in out
    # No key ever lands in a file of ours.
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert b"secretvalue" not in path.read_bytes(), path
    code, out, _ = run(capsys, "auth", "logout", "anthropic")
    assert code == 0 and "removed the stored key" in out
    assert memory_keyring.store == {}
    code, out, _ = run(capsys, "auth", "logout", "anthropic")
    assert "nothing removed (no stored key)" in out


def test_logout_without_provider_removes_every_key(
    capsys: pytest.CaptureFixture[str], memory_keyring: MemoryKeyring
) -> None:
    memory_keyring.set_password(KEYRING_SERVICE, "openai", "sk-1")
    memory_keyring.set_password(KEYRING_SERVICE, "azure-openai", "az-1")
    code, out, _ = run(capsys, "auth", "logout")
    assert code == 0
    assert "openai: removed" in out and "azure-openai: removed" in out
    assert memory_keyring.store == {}


def test_login_rejects_empty_input(
    capsys: pytest.CaptureFixture[str], memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    code, _, err = run(capsys, "auth", "login", "openai")
    assert code == 2 and "empty key" in err
    assert memory_keyring.store == {}


def test_login_warns_when_the_environment_wins(
    capsys: pytest.CaptureFixture[str], memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    monkeypatch.setattr("sys.stdin", io.StringIO("sk-stored\n"))
    code, out, _ = run(capsys, "auth", "login", "openai")
    assert code == 0 and "OPENAI_API_KEY is set" in out


def test_unknown_provider_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "auth", "login", "gemini")
    assert code == 2 and "Traceback" not in err
