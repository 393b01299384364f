"""Prompt caching as the providers do it, for the fake AI server: what a request reads from and writes to
the cache, and the usage numbers the real APIs report for it.

Anthropic (explicit, `cache_control` breakpoints; the Messages API prompt caching documentation):
- the prompt is tools, then system, then messages, as blocks; a breakpoint caches the prefix up to and
  including its block, for 5 minutes (refreshed when read);
- at most 4 breakpoints per request, else a 400 `invalid_request_error`;
- a prefix shorter than the model's minimum is not cached (no error): 4,096 tokens for Opus 4.5+ and
  Haiku 4.5, 2,048 for Sonnet 4.6 and the Haiku 3 models, 1,024 for the others;
- a breakpoint finds an earlier entry at its own block or up to 20 blocks before it;
- usage: `input_tokens` (after the last breakpoint or not cached), `cache_read_input_tokens`,
  `cache_creation_input_tokens`, which add up to the whole prompt.
OpenAI and Azure (automatic): prompts of 1,024 tokens or more are cached by prefix in steps of 128
tokens; `usage.prompt_tokens_details.cached_tokens` says how many of `prompt_tokens` were read.

Tokens are counted as the fake counts everything, 4 bytes of JSON a token, unless the cache is given a
tokenizer (`PromptCache(tokenizer=...)`, anything with `encode(text) -> list[int]`, e.g. a tiktoken
encoding): then every text a provider tokenizes (message text, tool inputs and results, tool schemas)
is counted with it, and OpenAI's 128-token prefix steps are steps of real tokens. The benchmarks use
that to report input tokens as a provider counts them; the tests keep the cheap default.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

TTL = 300.0
MAX_BREAKPOINTS = 4
LOOKBACK_BLOCKS = 20
OPENAI_MINIMUM = 1024
OPENAI_STEP = 128
_MINIMUMS = ((re.compile(r"opus-4-[5-9]|haiku-4-5"), 4096),
             (re.compile(r"sonnet-4-[6-9]|haiku-3|3-haiku|3-5-haiku"), 2048))


class TooManyBreakpoints(Exception):
    pass


def minimum_tokens(model: str) -> int:
    for pattern, minimum in _MINIMUMS:
        if pattern.search(model):
            return minimum
    return 1024


def tokens(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False)) // 4


@dataclass(frozen=True)
class CacheUsage:
    total: int  # every input token
    read: int = 0
    written: int = 0

    @property
    def uncached(self) -> int:
        return self.total - self.read - self.written


class Tokenizer(Protocol):
    def encode(self, text: str) -> list[int]: ...


class PromptCache:
    """The cache entries of one fake server (one account), shared by its handler threads."""

    def __init__(self, tokenizer: Tokenizer | None = None) -> None:
        self.tokenizer = tokenizer  # None: 4 bytes of JSON a token
        self._entries: dict[str, float] = {}  # prefix hash -> expiry (time.monotonic())
        self._lock = threading.Lock()

    def _size(self, block: Any) -> int:
        if self.tokenizer is None:
            return tokens(block)
        return sum(len(self.tokenizer.encode(t)) for t in block_texts(block))

    def _alive(self, key: str, now: float) -> bool:
        expiry = self._entries.get(key)
        return expiry is not None and expiry > now

    # --- Anthropic ----------------------------------------------------------------------------------
    def anthropic(self, body: dict[str, Any]) -> CacheUsage:
        blocks = _anthropic_blocks(body)
        marked = [i for i, block in enumerate(blocks) if isinstance(block, dict) and "cache_control" in block]
        if len(marked) > MAX_BREAKPOINTS:
            raise TooManyBreakpoints(f"A maximum of {MAX_BREAKPOINTS} blocks with cache_control may be "
                                     f"provided. Found {len(marked)}.")
        sizes, keys = [], []
        digest = hashlib.sha256(str(body.get("model")).encode())
        for block in blocks:
            plain = {k: v for k, v in block.items() if k != "cache_control"} if isinstance(block, dict) \
                else block
            sizes.append(self._size(plain))
            digest.update(json.dumps(plain, sort_keys=True).encode())
            keys.append(digest.copy().hexdigest())
        ends = [sum(sizes[: i + 1]) for i in range(len(sizes))]
        total = ends[-1] if ends else 0
        minimum = minimum_tokens(str(body.get("model", "")))
        now = time.monotonic()
        with self._lock:
            hit = -1
            for mark in marked:
                for i in range(mark, max(-1, mark - LOOKBACK_BLOCKS - 1), -1):
                    if self._alive(keys[i], now):
                        hit = max(hit, i)
                        break
            read = ends[hit] if hit >= 0 else 0
            if hit >= 0:
                self._entries[keys[hit]] = now + TTL
            written_to = hit
            for mark in marked:
                if mark > hit and ends[mark] >= minimum:
                    self._entries[keys[mark]] = now + TTL
                    written_to = max(written_to, mark)
        written = ends[written_to] - read if written_to > hit else 0
        return CacheUsage(total=total, read=read, written=written)

    # --- OpenAI -------------------------------------------------------------------------------------
    def openai(self, body: dict[str, Any]) -> CacheUsage:
        if self.tokenizer is not None:
            # each message costs 3 tokens of framing and the reply's priming 3 more (OpenAI's cookbook)
            texts = [json.dumps(t) for t in body.get("tools") or []]
            messages = body.get("messages") or []
            for message in messages:
                texts += block_texts(message)
            ids = [i for t in texts for i in self.tokenizer.encode(t)]
            return self._openai_read(body, len(ids), len(ids) + 3 * len(messages) + 3,
                                     lambda a, b: json.dumps(ids[a:b]).encode())
        text = json.dumps(body.get("tools") or [], sort_keys=True) + "".join(
            json.dumps(m, sort_keys=True) for m in body.get("messages") or [])
        total = len(text) // 4
        return self._openai_read(body, total, total, lambda a, b: text[a * 4 : b * 4].encode())

    def _openai_read(self, body: dict[str, Any], length: int, total: int,
                     piece: Callable[[int, int], bytes]) -> CacheUsage:
        """The prompt's prefix is cached in steps of 128 tokens from 1,024 on; `piece(a, b)` is the
        prompt from token a to token b, hashed incrementally."""
        keys: dict[int, str] = {}  # prefix length in tokens -> hash of that prefix
        digest = hashlib.sha256(str(body.get("model")).encode())
        done = 0
        for n in range(OPENAI_MINIMUM, length + 1, OPENAI_STEP):
            digest.update(piece(done, n))
            done = n
            keys[n] = digest.copy().hexdigest()
        now = time.monotonic()
        with self._lock:
            read = max((n for n, key in keys.items() if self._alive(key, now)), default=0)
            for key in keys.values():
                self._entries[key] = now + TTL
        return CacheUsage(total=total, read=read)


def block_texts(block: Any) -> list[str]:
    """The texts a provider tokenizes in one prompt block or message (either dialect)."""
    if isinstance(block, str):
        return [block]
    if not isinstance(block, dict):
        return [json.dumps(block)] if block is not None else []
    if "input_schema" in block or block.get("type") == "function":  # a tool definition
        return [json.dumps(block)]
    texts: list[str] = []
    kind = block.get("type")
    if kind == "tool_use":
        texts += [str(block.get("name", "")), json.dumps(block.get("input"))]
    for key in ("text", "content"):
        value = block.get(key)
        if isinstance(value, list):
            texts += [t for part in value for t in block_texts(part)]
        elif isinstance(value, str):
            texts.append(value)
    for call in block.get("tool_calls") or []:  # an OpenAI assistant message
        texts.append(json.dumps(call.get("function", call)))
    return texts


def _anthropic_blocks(body: dict[str, Any]) -> list[Any]:
    """The prompt in cache order: tools, system blocks, then every message's content blocks."""
    blocks: list[Any] = list(body.get("tools") or [])
    system = body.get("system")
    if isinstance(system, str):
        blocks.append({"type": "text", "text": system})
    elif isinstance(system, list):
        blocks += system
    for message in body.get("messages") or []:
        content = message.get("content")
        if isinstance(content, str):
            blocks.append({"type": "text", "text": content, "role": message.get("role")})
        else:
            role = message.get("role")
            blocks += [{**b, "role": role} if isinstance(b, dict) else b for b in content or []]
    return blocks
