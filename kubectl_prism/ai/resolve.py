"""Whether this run uses AI, and with which provider and key: the settings (`config.py`) joined with
the key (`keys.py`). Kept apart from both so that neither imports the other's way back."""

from __future__ import annotations

import sys
from dataclasses import replace

from kubectl_prism.ai.config import AISettings, ApiKey, enable_command, load_settings
from kubectl_prism.ai.keys import resolve_key
from kubectl_prism.errors import AIError


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
    try:
        key = resolve_key(current)
    except AIError as err:
        if explicit:
            raise
        print(f"warning: {err.line()}; showing rule-based results only", file=sys.stderr)
        return None
    return with_key(current, key)


def with_key(current: AISettings, key: ApiKey) -> AISettings:
    return replace(current, api_key=key)
