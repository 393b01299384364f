"""The AI opt-in switch and provider choice, kept in the `[ai]` table of the TOML config.

AI is off until `kubectl prism ai enable`. The config holds choices only, never a key (see `keys.py`).

Default models (used when `ai enable` gets no `--model`):
- anthropic: `claude-sonnet-4-5` — Anthropic's balanced model, good at reading Kubernetes state.
- openai: `gpt-5.4-mini` — fast and inexpensive, follows tool schemas reliably.
- azure-openai: the deployment name (`--azure-deployment`); Azure routes by deployment, not model.
- openai-compatible: `llama3.1` at `http://localhost:11434/v1` (Ollama's defaults): nothing leaves the host.

Hand-editable tunables (`timeout`, `temperature`, ...; see `TUNABLES` and the README) are checked when
read: a value of the wrong type or out of range is a usage error naming the key, never a crash or a
silent reinterpretation.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from kubectl_prism.errors import UsageError

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
    # The most one request may take, from sending to its last streamed token, SDK retries included.
    # A hung or trickling provider ends here (exit 4); a normal answer takes 5-30 s.
    timeout: float = 60.0
    max_retries: int = 2  # SDK retries with exponential backoff on 429/5xx/connection errors
    max_output_tokens: int = 2048
    context_tokens: int = 3500  # budget for the cluster context of one explain
    max_steps: int = 8  # tool-loop steps for `ask`
    loop_tokens: int = 60_000  # total tokens (in + out) one `ask` may spend
    temperature: float | None = 0.2  # low: a diagnosis should not vary from run to run
    prompt_cache: bool = True  # Anthropic prompt-cache breakpoints (OpenAI caches by itself)
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


_STR_FIELDS = ("model", "base_url", "azure_endpoint", "azure_deployment", "api_version")


@dataclass(frozen=True)
class Tunable:
    """A hand-editable number in `[ai]`: its type and the range that makes sense."""

    kind: type  # int or float
    low: float
    high: float
    what: str  # "seconds", "tokens", ...


TUNABLES: dict[str, Tunable] = {
    "timeout": Tunable(float, 1, 3600, "seconds"),
    "max_retries": Tunable(int, 0, 10, "retries"),
    "max_output_tokens": Tunable(int, 256, 128_000, "tokens"),
    "context_tokens": Tunable(int, 500, 1_000_000, "tokens"),
    "max_steps": Tunable(int, 1, 50, "steps"),
    "loop_tokens": Tunable(int, 1_000, 10_000_000, "tokens"),
    "temperature": Tunable(float, 0, 2, "temperature"),
}
_BOOL_FIELDS = ("enabled", "prompt_cache")
KNOWN_KEYS = frozenset({"provider", *_STR_FIELDS, *TUNABLES, *_BOOL_FIELDS})
# Anthropic takes a temperature from 0 to 1, OpenAI from 0 to 2.
_MAX_TEMPERATURE = {"anthropic": 1.0}


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
    if not isinstance(provider, str) or provider not in PROVIDERS:
        raise UsageError(
            f'unknown AI provider "{provider}" in {settings.config_path()}', hint=f"run `{enable_command()}`"
        )
    unknown = unknown_keys(table)
    if unknown:
        print(f"warning: unknown key{'s' if len(unknown) > 1 else ''} in [ai] of {settings.config_path()} "
              f"ignored: {', '.join(unknown)}", file=sys.stderr)
    return from_table(table)


def from_table(table: dict[str, Any]) -> AISettings:
    """Settings from the `[ai]` table, every value checked: a bad one is a usage error (exit 2) that
    names the key, the value and what it should be."""
    provider = table["provider"]
    if provider == "openai" and table.get("base_url") and not is_openai_host(str(table["base_url"])):
        # Checked here too, not only by `ai enable`: a hand-edited config must not redirect the OpenAI key.
        raise UsageError(f"[ai] base_url {table['base_url']} is not OpenAI's API",
                         hint="use `kubectl prism ai enable --provider openai-compatible --base-url URL`")
    kwargs: dict[str, Any] = {"provider": provider}
    for name in _BOOL_FIELDS:
        if name in table:
            kwargs[name] = _checked_bool(name, table[name])
    kwargs.setdefault("enabled", False)
    for name in _STR_FIELDS:
        if table.get(name) is not None:
            value = table[name]
            if not isinstance(value, str):
                raise _bad(name, value, "a string")
            if value:
                kwargs[name] = value
    kwargs["model"] = (kwargs.get("model") or kwargs.get("azure_deployment")
                       or PROVIDERS[provider].default_model)
    for name, tunable in TUNABLES.items():
        if name in table:
            kwargs[name] = _checked_number(name, table[name], tunable)
    top = _MAX_TEMPERATURE.get(provider)
    if top is not None and kwargs.get("temperature", 0) > top:
        raise _bad("temperature", table["temperature"], f"a number from 0 to {top:g} for {provider}")
    for name in ("base_url", "azure_endpoint"):
        if kwargs.get(name):
            _check_url(kwargs[name], f"[ai] {name}")
    if provider == "azure-openai":
        if not kwargs.get("azure_endpoint") or not kwargs.get("azure_deployment"):
            from kubectl_prism import settings

            raise UsageError(f"[ai] in {settings.config_path()}: azure-openai needs azure_endpoint and "
                             "azure_deployment", hint="run `kubectl prism ai enable --provider azure-openai "
                             "--azure-endpoint URL --azure-deployment NAME`")
        kwargs.setdefault("api_version", DEFAULT_AZURE_API_VERSION)
    return AISettings(**kwargs)


def unknown_keys(table: dict[str, Any]) -> list[str]:
    """Keys of `[ai]` prism does not know (a typo such as `timout` would otherwise do nothing)."""
    return sorted(str(k) for k in table if k not in KNOWN_KEYS)


def _bad(name: str, value: Any, expected: str) -> UsageError:
    from kubectl_prism import settings

    shown = repr(value) if not isinstance(value, str) else f'"{value[:60]}"'
    return UsageError(f"[ai] {name} = {shown} in {settings.config_path()} is not {expected}",
                      hint="fix the value, or delete the line to use the default")


def _checked_bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _bad(name, value, "true or false")
    return value


def _checked_number(name: str, value: Any, tunable: Tunable) -> int | float:
    # TOML keeps 5 and 5.0 apart; a whole float is fine where an integer belongs, a bool never is.
    ok_type = isinstance(value, int | float) and not isinstance(value, bool)
    if tunable.kind is int and isinstance(value, float) and not value.is_integer():
        ok_type = False
    if not ok_type or not tunable.low <= value <= tunable.high:
        kind = "a whole number" if tunable.kind is int else "a number"
        unit = "" if tunable.what == "temperature" else f" of {tunable.what}"
        raise _bad(name, value, f"{kind}{unit} from {_number(tunable.low)} to {_number(tunable.high)}")
    return tunable.kind(value)


def _number(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


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
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise UsageError(f'{flag} "{url}" is not an http(s) URL') from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f'{flag} "{url}" is not an http(s) URL')
    if parts.username or parts.password:
        raise UsageError(
            f"{flag} must not carry credentials", hint="keys go in the keyring: `kubectl prism auth login`"
        )
