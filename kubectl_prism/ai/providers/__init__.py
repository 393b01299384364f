"""Provider registry: build the provider for the configured settings; prewarm its SDK import.

The SDKs take about a second to import (anthropic ~1.1 s, openai ~0.5 s on a laptop). `prewarm` starts
that import in a background thread *before* cluster gathering, so by the time the context is ready the
SDK usually is too. Importing the same module from the main thread later simply waits for the
background import to finish (Python's per-module import lock).
"""

from __future__ import annotations

import contextlib
import importlib
import threading

from kubectl_prism.ai.config import PROVIDERS, AISettings
from kubectl_prism.ai.providers.base import Provider
from kubectl_prism.errors import AIError

# Modules each SDK loads on its first request; importing them too makes the prewarm complete.
_SDK_MODULES = {
    "anthropic": ("anthropic", "anthropic.resources.messages", "anthropic.types"),
    "openai": ("openai", "openai.resources.chat", "openai.types.chat"),
}
_prewarmed: dict[str, threading.Thread] = {}
# Warm providers by id() of their settings; the settings object is kept too, so an id is never reused.
_warm_providers: dict[int, tuple[AISettings, Provider]] = {}
_lock = threading.Lock()


def _import_quietly(modules: tuple[str, ...]) -> None:
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # the real import on the AI path reports any problem properly
            return


def prewarm(provider_name: str, settings: AISettings | None = None) -> threading.Thread | None:
    """Import the provider's SDK in a daemon thread, started before gathering.

    With the resolved `settings` (those of `resolve_ai`), the thread also builds the provider's client
    (another ~0.1 s: TLS context, HTTP pool), and `make_provider` later hands out that warm provider
    for the same settings object. Returns the thread (tests join it), or None for an unknown provider.
    """
    info = PROVIDERS.get(provider_name)
    if info is None:
        return None
    provider = None
    if settings is not None and settings.api_key is not None:
        provider = _new_provider(settings)
    with _lock:
        if provider is not None:
            _warm_providers[id(settings)] = (settings, provider)
        thread = _prewarmed.get(info.sdk)
        if thread is None or provider is not None:
            thread = threading.Thread(
                target=_warm, args=(_SDK_MODULES[info.sdk], provider), name=f"prewarm-{info.sdk}", daemon=True
            )
            _prewarmed[info.sdk] = thread
            thread.start()
    return thread


def _warm(modules: tuple[str, ...], provider: Provider | None) -> None:
    _import_quietly(modules)
    warm = getattr(provider, "warm", None)
    if warm is not None:
        with contextlib.suppress(Exception):  # the first real request reports any problem properly
            warm()


def make_provider(settings: AISettings) -> Provider:
    """The provider for `settings`: the one `prewarm` already warmed for this object, or a new one."""
    if settings.api_key is None:
        raise AIError(f"no API key resolved for {settings.provider}")
    with _lock:
        warmed = _warm_providers.get(id(settings))
    if warmed is not None and warmed[0] is settings:
        return warmed[1]
    return _new_provider(settings)


def _new_provider(settings: AISettings) -> Provider:
    if settings.provider == "anthropic":
        from kubectl_prism.ai.providers.anthropic_provider import AnthropicProvider

        return AnthropicProvider(settings)
    from kubectl_prism.ai.providers.openai_provider import OpenAIProvider

    return OpenAIProvider(settings)
