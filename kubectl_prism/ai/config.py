"""The AI opt-in switch and provider choice, kept in the `[ai]` table of the TOML config.

AI is off until `kubectl prism ai enable`. The config holds choices only, never a key (see `keys.py`).

Default models (used when `ai enable` gets no `--model`):
- anthropic: `claude-sonnet-4-5` — Anthropic's balanced model, good at reading Kubernetes state.
- openai: `gpt-5.4-mini` — fast and inexpensive, follows tool schemas reliably.
- azure-openai: the deployment name (`--azure-deployment`); Azure routes by deployment, not model.
- openai-compatible: `llama3.1` at `http://localhost:11434/v1` (Ollama's defaults): nothing leaves the host.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from kubectl_prism.errors import AIError, UsageError

PROVIDER_NAMES = ("anthropic", "openai", "azure-openai", "openai-compatible")


@dataclass(frozen=True)
class ProviderInfo:
    name: str
    default_model: str | None
    key_env_var: str
    sdk: str  # the Python module to import ("anthropic" / "openai")
    needs_key: bool = True


PROVIDERS: dict[str, ProviderInfo] = {
    "anthropic": ProviderInfo("anthropic", "claude-sonnet-4-5", "ANTHROPIC_API_KEY", "anthropic"),
    "openai": ProviderInfo("openai", "gpt-5.4-mini", "OPENAI_API_KEY", "openai"),
    "azure-openai": ProviderInfo("azure-openai", None, "AZURE_OPENAI_API_KEY", "openai"),
    # Local servers (Ollama, vLLM, LM Studio) need no key; a hosted one may take its own key.
    "openai-compatible": ProviderInfo(
        "openai-compatible", "llama3.1", "PRISM_OPENAI_COMPATIBLE_API_KEY", "openai", needs_key=False
    ),
}

DEFAULT_COMPATIBLE_BASE_URL = "http://localhost:11434/v1"
DEFAULT_AZURE_API_VERSION = "2024-10-21"
# OpenAI's own API hosts (incl. data-residency regions such as eu.api.openai.com).
OPENAI_HOST_SUFFIX = ".api.openai.com"


def is_openai_host(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host == "api.openai.com" or host.endswith(OPENAI_HOST_SUFFIX)


@dataclass(frozen=True)
class ApiKey:
    """A resolved key and where it came from. The value never appears in a repr, log or message."""

    value: str = field(repr=False)
    source: str  # "env ANTHROPIC_API_KEY", "keyring", "placeholder"


@dataclass(frozen=True)
class AISettings:
    provider: str
    model: str
    enabled: bool = True
    base_url: str | None = None
    azure_endpoint: str | None = None
    azure_deployment: str | None = None
    api_version: str | None = None
    timeout: float = 60.0  # seconds per request (read timeout while streaming)
    max_retries: int = 2  # SDK retries with exponential backoff on 429/5xx/connection errors
    max_output_tokens: int = 2048
    context_tokens: int = 3500  # budget for the cluster context of one explain
    max_steps: int = 8  # tool-loop steps for `ask`
    loop_tokens: int = 60_000  # total tokens (in + out) one `ask` may spend
    api_key: ApiKey | None = field(default=None, repr=False, compare=False)

    @property
    def info(self) -> ProviderInfo:
        return PROVIDERS[self.provider]

    @property
    def key_env_var(self) -> str:
        return self.info.key_env_var

    def describe(self) -> str:
        where = self.base_url or self.azure_endpoint
        return f"{self.provider} {self.model}" + (f" at {where}" if where else "")


_INT_FIELDS = ("max_retries", "max_output_tokens", "context_tokens", "max_steps", "loop_tokens")
_STR_FIELDS = ("base_url", "azure_endpoint", "azure_deployment", "api_version")


def enable_command(provider: str = "anthropic") -> str:
    return f"kubectl prism ai enable --provider {provider}"


def login_command(provider: str) -> str:
    return f"kubectl prism auth login {provider}"


def load_settings() -> AISettings | None:
    """The configured provider, or None when nothing was ever configured. Disabled settings are returned
    with `enabled=False` so `ai status` can still show the last choice."""
    from kubectl_prism import settings

    table = settings.section("ai")
    provider = table.get("provider")
    if not provider:
        return None
    if provider not in PROVIDERS:
        raise UsageError(
            f'unknown AI provider "{provider}" in {settings.config_path()}', hint=f"run `{enable_command()}`"
        )
    return from_table(table)


def from_table(table: dict[str, Any]) -> AISettings:
    provider = table["provider"]
    if provider == "openai" and table.get("base_url") and not is_openai_host(str(table["base_url"])):
        # Checked here too, not only by `ai enable`: a hand-edited config must not redirect the OpenAI key.
        raise UsageError(f"[ai] base_url {table['base_url']} is not OpenAI's API",
                         hint="use `kubectl prism ai enable --provider openai-compatible --base-url URL`")
    kwargs: dict[str, Any] = {"provider": provider, "enabled": bool(table.get("enabled", False))}
    kwargs["model"] = table.get("model") or table.get("azure_deployment") or PROVIDERS[provider].default_model
    for name in _STR_FIELDS:
        if table.get(name):
            kwargs[name] = str(table[name])
    for name in _INT_FIELDS:
        if name in table:
            kwargs[name] = int(table[name])
    if "timeout" in table:
        kwargs["timeout"] = float(table["timeout"])
    return AISettings(**kwargs)


def validate_choice(
    provider: str,
    *,
    model: str | None,
    base_url: str | None,
    azure_endpoint: str | None,
    azure_deployment: str | None,
    api_version: str | None,
) -> dict[str, Any]:
    """Check `ai enable` flags and return the `[ai]` table to store (None removes a key)."""
    if provider not in PROVIDERS:
        raise UsageError(
            f'unknown AI provider "{provider}"', hint=f"choose one of {', '.join(PROVIDER_NAMES)}"
        )
    azure_flags = azure_endpoint or azure_deployment or api_version
    if provider != "azure-openai" and azure_flags:
        raise UsageError(
            "--azure-endpoint, --azure-deployment and --api-version are for --provider azure-openai"
        )
    if base_url is not None:
        _check_url(base_url, "--base-url")
    if provider == "openai" and base_url and not is_openai_host(base_url):
        # A stored OpenAI key must never go to another host: such endpoints are "openai-compatible".
        raise UsageError(
            f"--base-url {base_url} is not OpenAI's API",
            hint="use --provider openai-compatible for other endpoints (they never receive your OpenAI key)",
        )
    if provider == "azure-openai":
        if base_url:
            raise UsageError("--base-url is not used with azure-openai", hint="use --azure-endpoint")
        if not azure_endpoint or not azure_deployment:
            raise UsageError(
                "azure-openai needs --azure-endpoint and --azure-deployment",
                hint="e.g. --azure-endpoint https://myres.openai.azure.com --azure-deployment gpt-prod",
            )
        _check_url(azure_endpoint, "--azure-endpoint")
    if provider == "openai-compatible" and not base_url:
        base_url = DEFAULT_COMPATIBLE_BASE_URL
    return {
        "enabled": True,
        "provider": provider,
        "model": model
        or (azure_deployment if provider == "azure-openai" else PROVIDERS[provider].default_model),
        "base_url": base_url,
        "azure_endpoint": azure_endpoint,
        "azure_deployment": azure_deployment,
        "api_version": (api_version or DEFAULT_AZURE_API_VERSION) if provider == "azure-openai" else None,
    }


def _check_url(url: str, flag: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f'{flag} "{url}" is not an http(s) URL')
    if parts.username or parts.password:
        raise UsageError(
            f"{flag} must not carry credentials", hint="keys go in the keyring: `kubectl prism auth login`"
        )


def resolve_ai(explicit: bool | None) -> AISettings | None:
    """Decide whether this run uses AI, and with which provider and key.

    explicit: True for `--ai`, False for `--no-ai`, None when neither was given.
    Returns None when AI is off for this run. With `--ai`, AI that is not enabled or has no key is an
    AIError (exit 4) naming the exact command to fix it; without a flag, enabled AI missing its key
    falls back to rules with a warning on stderr.
    """
    if explicit is False:
        return None
    current = load_settings()
    if current is None or not current.enabled:
        if explicit:
            provider = current.provider if current else "anthropic"
            raise AIError("AI is not enabled", hint=f"run `{enable_command(provider)}`")
        return None
    from kubectl_prism.ai.keys import resolve_key

    try:
        key = resolve_key(current)
    except AIError as err:
        if explicit:
            raise
        print(f"warning: {err.line()}; showing rule-based results only", file=sys.stderr)
        return None
    return with_key(current, key)


def with_key(current: AISettings, key: ApiKey) -> AISettings:
    from dataclasses import replace

    return replace(current, api_key=key)
