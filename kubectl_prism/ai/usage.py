"""Token usage as providers bill it: input split into uncached, read from and written to the prompt
cache, and output. One shape for the audit log, the JSON documents and the footers."""

from __future__ import annotations

from typing import Any, Protocol


class Usage(Protocol):
    input_tokens: int  # all input tokens, cached or not
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int


def token_counts(usage: Usage) -> dict[str, int]:
    return {
        "input": usage.input_tokens,
        "uncached": max(0, usage.input_tokens - usage.cache_read_tokens - usage.cache_write_tokens),
        "cacheRead": usage.cache_read_tokens,
        "cacheWrite": usage.cache_write_tokens,
        "output": usage.output_tokens,
    }


def usage_text(tokens: dict[str, Any]) -> str:
    """`12,345 input tokens (9,000 read from cache, 1,024 written to it) + 321 output`."""
    cached = []
    if tokens.get("cacheRead"):
        cached.append(f"{tokens['cacheRead']:,} read from cache")
    if tokens.get("cacheWrite"):
        cached.append(f"{tokens['cacheWrite']:,} written to it" if cached
                      else f"{tokens['cacheWrite']:,} written to cache")
    split = f" ({', '.join(cached)})" if cached else ""
    return f"{tokens.get('input', 0):,} input tokens{split} + {tokens.get('output', 0):,} output"
