"""Hand-edited config and environment values (issue 11 §3): a bad one is a usage error, exit 2, with one
line naming the key, the value and what it should be — never an internal error (70), never a silent
reinterpretation (`enabled = "false"` read as true, an allow-list of the wrong type read as "allow all").
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kubectl_prism import settings
from kubectl_prism.ai.config import AISettings, load_settings
from tests.ai_support import shop_dump
from tests.cli_helpers import one_error_line, run_exe, run_main

AI_TABLE = '[ai]\nenabled = true\nprovider = "anthropic"\nmodel = "claude-test"\n'


def write_config(text: str) -> Path:
    path = settings.config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def dump(tmp_path: Path) -> Path:
    return shop_dump(tmp_path / "dump", plant=False)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('timeout = "soon"', '[ai] timeout = "soon"'),
        ("timeout = 0", "a number of seconds from 1 to 3,600"),
        ("max_retries = -5", "[ai] max_retries = -5"),
        ("context_tokens = -1", "a whole number of tokens from 500 to 1,000,000"),
        ("max_steps = 1.5", "[ai] max_steps = 1.5"),
        ("loop_tokens = true", "[ai] loop_tokens = True"),
        ("max_output_tokens = 10", "from 256 to 128,000"),
        ("temperature = 1.5", "a number from 0 to 1 for anthropic"),
        ("temperature = -1", "[ai] temperature = -1"),
        ('enabled = "false"', "true or false"),
        ('prompt_cache = "yes"', "[ai] prompt_cache"),
        ("base_url = 5", "a string"),
    ],
)
def test_bad_ai_values_are_usage_errors(
    capsys: pytest.CaptureFixture[str], dump: Path, monkeypatch: pytest.MonkeyPatch, line: str, expected: str
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    if line.startswith("enabled"):
        write_config(f'[ai]\nprovider = "anthropic"\n{line}\n')
    else:
        write_config(f"{AI_TABLE}{line}\n")
    code, _out, err = run_main(capsys, "diagnose", "-n", "shop", "--snapshot", dump)
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], err
    assert str(settings.config_path()) in lines[0] and "delete the line to use the default" in lines[0]


@pytest.mark.parametrize(("table", "expected"), [
    ('provider = "anthropic"\nbase_url = "not a url"', '[ai] base_url "not a url" is not an http(s) URL'),
    ('provider = "anthropic"\nbase_url = "http://[::1"', "is not an http(s) URL"),
    ('provider = "openai-compatible"\nbase_url = "http://h:port/v1"', "is not an http(s) URL"),
    ('provider = "openai-compatible"\nbase_url = "http://u:pw@h/v1"', "must not carry credentials"),
    ('provider = "azure-openai"\nazure_deployment = "gpt"', "azure-openai needs azure_endpoint"),
])
def test_bad_endpoints_are_usage_errors(
    capsys: pytest.CaptureFixture[str], table: str, expected: str
) -> None:
    write_config(f"[ai]\nenabled = true\n{table}\n")
    code, _out, err = run_main(capsys, "ai", "status")
    assert code == 2 and expected in err and "internal error" not in err, err


def test_azure_without_api_version_gets_the_default() -> None:
    write_config('[ai]\nenabled = true\nprovider = "azure-openai"\nazure_endpoint = "https://r.openai.azure.com"'
                 '\nazure_deployment = "gpt"\n')
    current = load_settings()
    assert current is not None and current.api_version == "2024-10-21" and current.model == "gpt"


def test_good_values_are_read_with_their_types() -> None:
    write_config(f"{AI_TABLE}timeout = 30\nmax_steps = 12.0\ntemperature = 0\nprompt_cache = false\n")
    current = load_settings()
    assert current == AISettings(provider="anthropic", model="claude-test", enabled=True, timeout=30.0,
                                 max_steps=12, temperature=0.0, prompt_cache=False)
    assert isinstance(current.max_steps, int) and isinstance(current.timeout, float)


def test_openai_takes_a_temperature_up_to_2() -> None:
    write_config('[ai]\nenabled = true\nprovider = "openai-compatible"\ntemperature = 1.5\n')
    current = load_settings()
    assert current is not None and current.temperature == 1.5


def test_an_unknown_key_is_named_and_ignored(capsys: pytest.CaptureFixture[str]) -> None:
    write_config(f"{AI_TABLE}timout = 5\n")
    code, out, err = run_main(capsys, "ai", "status")
    assert code == 0 and "Provider: anthropic" in out
    assert "warning: unknown key in [ai]" in err and "ignored: timout" in err


@pytest.mark.parametrize(("text", "expected"), [
    ("ai = 5\n", "ai in "),
    ('ai = "anthropic"\n', "is a str, not a [ai] table"),
])
def test_a_section_that_is_not_a_table(capsys: pytest.CaptureFixture[str], text: str, expected: str) -> None:
    write_config(text)
    code, _out, err = run_main(capsys, "ai", "status")
    assert code == 2 and expected in err and "internal error" not in err


def test_a_config_that_is_not_utf8(capsys: pytest.CaptureFixture[str]) -> None:
    path = settings.config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xfe[ai]\n")
    code, _out, err = run_main(capsys, "ai", "status")
    assert code == 2 and "not UTF-8" in err


@pytest.mark.parametrize("value", ["5", '{ ns = "shop" }', "[1, 2]"])
def test_an_mcp_allow_list_of_the_wrong_type_fails_closed(
    capsys: pytest.CaptureFixture[str], value: str
) -> None:
    write_config(f"[mcp]\nenabled = true\nallow_namespaces = {value}\n")
    code, _out, err = run_main(capsys, "mcp", "status")
    assert code == 2 and "allow_namespaces" in err and "not a list of names" in err


@pytest.mark.parametrize("backend", ["nope.Backend", "keyring.backends.nope", "os.path"])
def test_an_unknown_keyring_backend_is_a_usage_error(tmp_path: Path, backend: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "OPENAI_", "AZURE_"))}
    env["PYTHON_KEYRING_BACKEND"] = backend
    line = one_error_line(run_exe("auth", "status", env=env), code=2)
    assert f'PYTHON_KEYRING_BACKEND="{backend}" does not name a keyring backend' in line
    assert "unset it" in line


def test_ai_status_shows_the_tunables(capsys: pytest.CaptureFixture[str]) -> None:
    write_config(f"{AI_TABLE}timeout = 30\ntemperature = 0\nprompt_cache = false\n")
    code, out, _err = run_main(capsys, "ai", "status")
    assert code == 0
    assert "Limits: 30 s a request (retries included), 2 retries, 2048 output tokens" in out
    assert "Temperature: 0 (where the model takes one); prompt cache: off" in out
