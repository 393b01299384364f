"""Shared pieces of the AI tests: an isolated environment, the shop scenario with planted secrets written
as a `kubectl cluster-info dump`, and AI switched on against the fake provider."""

from __future__ import annotations

import base64
import copy
import os
from pathlib import Path
from typing import Any

import pytest

from kubectl_prism import settings
from tests.fakes.ai_server import FakeAIServer
from tests.scenarios import load_scenario, write_as_cluster_dump

SHOP = Path(__file__).parent / "fakes" / "scenarios" / "shop.yaml"
CRASHING_POD = "api-7d9c5b8f6-hp4zt"
KEY_VARS = ("ANTHROPIC_", "OPENAI_", "AZURE_OPENAI_", "PRISM_OPENAI_COMPATIBLE_")

# Realistic secrets planted where they turn up in clusters. None may reach the provider.
PLANTED = {
    "jwt": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzaG9wLWFwaSIsImV4cCI6MTk5OTk5OTk5OX0."
    "Qm9ndXNTaWduYXR1cmVGb3JUZXN0czEyMzQ1Njc4OTA",
    "aws_secret": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq8Hk3Lm2N",
    "aws_key": "AKIAZ3MQ7RX5TLPW4QNE",
    "db_password": "Pr1sm-Leak-Test-Passw0rd",
    "anthropic_key": "sk-ant-api03-" + "x7Kq2Lm9Np4Rs8Tv1Wy5Zb3Cd6Fg0Hj" * 3 + "AbCdEf-ZZZZ",
    "env_value": "hunter2-EnvValue-9Xq",
    "secret_data": "s3cr3t-secret-object-value",
    "github_token": "ghp_" + "R7mK2pQ9sT4vW8xZ1bC5dF3gH6jL0nP2qS4u",
}


def isolate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRISM_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PRISM_STATE_DIR", str(tmp_path / "state"))
    for var in list(os.environ):
        if var.startswith(KEY_VARS):
            monkeypatch.delenv(var)


def enable_ai(server: FakeAIServer, monkeypatch: pytest.MonkeyPatch, provider: str = "anthropic") -> None:
    """Configure AI as `ai enable` would, pointed at the fake server, with a key in the environment."""
    table: dict[str, Any] = {"enabled": True, "provider": provider, "max_retries": 0, "timeout": 10}
    if provider == "anthropic":
        table.update(model="claude-test", base_url=server.anthropic_base_url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-key")
    elif provider == "openai-compatible":
        table.update(model="llama3.1", base_url=server.openai_base_url)
    elif provider == "azure-openai":
        table.update(
            model="gpt-prod",
            azure_endpoint=server.azure_endpoint,
            azure_deployment="gpt-prod",
            api_version="2024-10-21",
        )
        monkeypatch.setenv("AZURE_OPENAI_API_KEY", "azure-test-key")
    settings.update_section("ai", **table)


def provider_for(server: FakeAIServer, provider: str, key: str = "test-key", **kw: Any) -> Any:
    """A provider of the real SDKs pointed at the fake server (no retries, 5 s unless told)."""
    from kubectl_prism.ai.config import AISettings, ApiKey
    from kubectl_prism.ai.providers import make_provider

    where: dict[str, Any] = {
        "anthropic": {"base_url": server.anthropic_base_url, "model": "claude-test"},
        "openai": {"base_url": server.openai_base_url, "model": "gpt-test"},
        "openai-compatible": {"base_url": server.openai_base_url, "model": "llama3.1"},
        "azure-openai": {
            "azure_endpoint": server.azure_endpoint,
            "azure_deployment": "gpt-prod",
            "api_version": "2024-10-21",
            "model": "gpt-prod",
        },
    }[provider]
    options = {"max_retries": 0, "timeout": 5.0, **where, **kw}
    return make_provider(AISettings(provider=provider, api_key=ApiKey(key, "test"), **options))


def shop_dump(directory: Path, *, plant: bool = True) -> Path:
    """The shop scenario as a cluster dump; with `plant`, secrets hidden in env, logs, events, ConfigMaps."""
    scenario = load_scenario(SHOP)
    scenario.objects = copy.deepcopy(scenario.objects)
    if plant:
        _plant(scenario)
    return write_as_cluster_dump(scenario, directory)


def _plant(scenario: Any) -> None:
    for obj in scenario.objects:
        kind, name = obj["kind"], obj["metadata"]["name"]
        if kind == "Pod" and name == CRASHING_POD:
            env = obj["spec"]["containers"][0].setdefault("env", [])
            env.append({"name": "API_TOKEN", "value": PLANTED["env_value"]})
            env.append(
                {
                    "name": "DATABASE_URL",
                    "value": f"postgres://shop:{PLANTED['db_password']}@db.shop.svc.cluster.local/shop",
                }
            )
            obj["metadata"].setdefault("annotations", {})["shop.example.com/github-token"] = PLANTED[
                "github_token"
            ]
        elif kind == "ConfigMap":
            obj["data"]["AWS_ACCESS_KEY_ID"] = PLANTED["aws_key"]
            obj["data"]["aws_secret_access_key"] = PLANTED["aws_secret"]
        elif kind == "Secret":
            obj["data"]["token"] = base64.b64encode(PLANTED["secret_data"].encode()).decode()
            obj["stringData"] = {"plain": PLANTED["secret_data"]}
        elif kind == "Event" and name.startswith(CRASHING_POD):
            obj["message"] = f"{obj.get('message', '')} (auth Bearer {PLANTED['jwt']})"
    for log in scenario.logs:
        if log["pod"] == CRASHING_POD and log["container"] == "api":
            log["text"] += (
                f"2026-11-28T03:31:49.013Z DEBUG retry with ANTHROPIC_API_KEY={PLANTED['anthropic_key']}"
                f" password={PLANTED['db_password']}\n"
            )


def assert_nothing_planted_in(data: bytes) -> None:
    for label, secret in PLANTED.items():
        assert secret.encode() not in data, f"planted {label} reached the provider"
    # Secret values are also checked in their base64 form (how a Secret carries them).
    assert base64.b64encode(PLANTED["secret_data"].encode()) not in data


def unfence(text: str) -> str:
    """The text between prism's cluster-data fences (redact.fence), without the fence lines."""
    import re

    match = re.fullmatch(r"<<<cluster-data ([0-9a-f]{16})[^\n]*>>>\n(.*)\n<<<end-cluster-data \1>>>\n?",
                         text, re.DOTALL)
    assert match, f"not one fenced block: {text[:200]!r}"
    return match.group(2)


def request_texts(body: dict[str, Any]) -> list[str]:
    """The texts a provider tokenizes in a request (either dialect): system, messages, tool schemas."""
    import json

    texts: list[str] = []

    def add(content: Any) -> None:
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):
            for block in content:
                if isinstance(block, dict):
                    for key in ("text", "content"):
                        add(block.get(key))
                    if block.get("type") == "tool_use":
                        texts.append(json.dumps(block.get("input")))

    add(body.get("system"))
    for message in body.get("messages") or []:
        add(message.get("content"))
        for call in message.get("tool_calls") or []:
            texts.append(json.dumps(call))
    texts += [json.dumps(t) for t in body.get("tools") or []]
    return texts


def request_input_tokens(body: dict[str, Any]) -> int:
    """A request's input tokens as the provider counts its text (o200k_base), plus 4 per message for
    the role and message wrappers (OpenAI's documented framing; Anthropic's is of the same size)."""
    from kubectl_prism.tokens import counter

    count = counter().count
    return sum(count(t) for t in request_texts(body)) + 4 * (len(body.get("messages") or []) + 1)
