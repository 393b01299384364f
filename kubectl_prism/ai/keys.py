"""Bring-your-own-key: environment variable first, then the OS keyring (service `kubectl-prism`).

There is no plaintext key file, ever. A machine without a keyring (headless Linux, CI) gets a message
that names the environment variable to set. Backends from `keyrings.alt` are refused: they store keys
in files that are plain text in all but name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from kubectl_prism.ai.config import PROVIDERS, AISettings, ApiKey, login_command
from kubectl_prism.errors import AIError, UsageError

KEYRING_SERVICE = "kubectl-prism"
# Local OpenAI-compatible servers ignore the key, but the SDK insists on one.
PLACEHOLDER_KEY = "not-needed"


class NoKeyring(Exception):
    """No usable OS keyring on this machine."""


def _check_provider(provider: str) -> None:
    if provider not in PROVIDERS:
        raise UsageError(f'unknown AI provider "{provider}"', hint=f"choose one of {', '.join(PROVIDERS)}")


def _backend() -> Any:
    try:
        import keyring
        from keyring.backends import fail, null
    except ImportError as err:  # pragma: no cover - keyring is a dependency
        raise NoKeyring("the keyring package is not installed") from err
    try:
        backend = keyring.get_keyring()
    except Exception as err:  # keyring loads the backend named by PYTHON_KEYRING_BACKEND or keyringrc.cfg
        chosen = os.environ.get("PYTHON_KEYRING_BACKEND")
        if chosen:
            raise UsageError(
                f'PYTHON_KEYRING_BACKEND="{chosen[:100]}" does not name a keyring backend '
                f"({type(err).__name__}: {str(err)[:100]})",
                hint="unset it, or name an installed backend class such as "
                "keyring.backends.SecretService.Keyring",
            ) from None
        raise NoKeyring(f"the keyring backend could not be loaded ({type(err).__name__})") from None
    if isinstance(backend, fail.Keyring | null.Keyring):
        raise NoKeyring("no OS keyring is available on this machine")
    if type(backend).__module__.startswith("keyrings.alt"):
        raise NoKeyring(
            f"the only keyring backend is {type(backend).__name__}, which stores keys in plain files"
        )
    return backend


def _keyring_get(provider: str) -> str | None:
    backend = _backend()
    try:
        return backend.get_password(KEYRING_SERVICE, provider) or None
    except Exception as err:  # locked or broken keyring: treat like no keyring, with the reason
        raise NoKeyring(f"the OS keyring could not be read ({type(err).__name__})") from err


def _no_key_error(provider: str, why: str | None = None) -> AIError:
    env = PROVIDERS[provider].key_env_var
    if why:
        return AIError(f"no API key for {provider}: {why}", hint=f"set {env} in the environment")
    return AIError(f"no API key for {provider}", hint=f"run `{login_command(provider)}` or set {env}")


def resolve_key(settings: AISettings) -> ApiKey:
    """The key this provider will be sent, and its source. Raises AIError when there is none."""
    provider = settings.provider
    env = PROVIDERS[provider].key_env_var
    if os.environ.get(env):
        return ApiKey(os.environ[env], f"env {env}")
    try:
        stored = _keyring_get(provider)
    except NoKeyring as err:
        if not PROVIDERS[provider].needs_key:
            return ApiKey(PLACEHOLDER_KEY, "placeholder")
        raise _no_key_error(provider, str(err)) from None
    if stored:
        return ApiKey(stored, "keyring")
    if not PROVIDERS[provider].needs_key:
        # Never fall back to the OpenAI key: a custom base URL must not receive it (docs/ai.md).
        return ApiKey(PLACEHOLDER_KEY, "placeholder")
    raise _no_key_error(provider)


def key_source(provider: str) -> str:
    """Where the key for `provider` would come from: "env VAR", "keyring", "not set", never the key."""
    _check_provider(provider)
    env = PROVIDERS[provider].key_env_var
    if os.environ.get(env):
        return f"env {env}"
    try:
        stored = _keyring_get(provider)
    except NoKeyring as err:
        return f"not set ({err})"
    if stored:
        return "keyring"
    return "not set" if PROVIDERS[provider].needs_key else "not set (a placeholder key is sent)"


def store_key(provider: str, key: str) -> None:
    _check_provider(provider)
    key = key.strip()
    if not key:
        raise UsageError("empty key: nothing stored")
    if any(ch.isspace() for ch in key):
        raise UsageError(
            "the key contains whitespace: nothing stored", hint="paste the key alone on one line"
        )
    env = PROVIDERS[provider].key_env_var
    try:
        backend = _backend()
        backend.set_password(KEYRING_SERVICE, provider, key)
    except NoKeyring as err:
        raise AIError(
            f"cannot store the {provider} key: {err}", hint=f"set {env} in the environment instead"
        ) from None
    except Exception as err:
        raise AIError(
            f"cannot store the {provider} key: the OS keyring refused it ({type(err).__name__})",
            hint=f"set {env} in the environment instead",
        ) from None


@dataclass(frozen=True)
class Removal:
    provider: str
    removed: bool
    note: str = ""


def delete_key(provider: str) -> Removal:
    _check_provider(provider)
    try:
        backend = _backend()
    except NoKeyring as err:
        return Removal(provider, False, str(err))
    from keyring.errors import PasswordDeleteError

    try:
        if backend.get_password(KEYRING_SERVICE, provider) is None:
            return Removal(provider, False, "no stored key")
        backend.delete_password(KEYRING_SERVICE, provider)
    except PasswordDeleteError:
        return Removal(provider, False, "no stored key")
    except Exception as err:
        raise AIError(
            f"cannot remove the {provider} key from the OS keyring ({type(err).__name__})"
        ) from None
    return Removal(provider, True)
