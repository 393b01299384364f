"""The AI layer (docs/ai.md): opt-in settings, BYOK keys, providers, the tool loop, explain and ask.

Everything here is loaded only on AI paths; the provider SDKs are imported lazily inside the providers
(see `providers.prewarm` to overlap that import with cluster gathering).
"""
