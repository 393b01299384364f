"""Does a string *look* like a secret? Shannon entropy, length and character mix.

The hard part is what must survive: hex digests and UIDs, image digests, pod-name hashes,
CamelCase identifiers, file paths and base64 of ordinary text. The rules below keep those and flag
random-looking tokens of 20+ characters (API keys without a known prefix, session tokens, AWS
secret keys, random passwords).
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections import Counter

_HEX_DASHED = re.compile(r"[0-9a-fA-F]+(?:[-_][0-9a-fA-F]+)*")
_WORD = re.compile(r"[A-Z]?[a-z]{3,}")
_ULID = re.compile(r"[0-7][0-9A-HJKMNP-TV-Z]{25}")
_PATH_WORD = re.compile(r"[a-z][a-z.]{2,}[0-9]*|[A-Z][a-z]{2,}[A-Za-z]*")
_VOWEL = re.compile(r"[aeiouy]")
_CONSONANTS = re.compile(r"[bcdfghjklmnpqrstvwxz]{4}")


def _worded(text: str) -> int:
    """How many characters of `text` sit in pronounceable words (a vowel, no 4-consonant run)."""
    total = 0
    for word in _WORD.findall(text):
        lowered = word.lower()
        if _VOWEL.search(lowered) and not _CONSONANTS.search(lowered):
            total += len(word)
    return total


def shannon(text: str) -> float:
    n = len(text)
    if n == 0:
        return 0.0
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())


def _threshold(n: int) -> float:
    # Random base62 text of length n shows an empirical entropy close to log2(n) for small n and
    # approaches log2(62) ≈ 5.95 for long text; English identifiers stay around 3.3-3.9.
    return min(0.8 * math.log2(n), 4.4)


def decodes_to_text(token: str) -> str | None:
    """The decoded text when `token` is base64 of printable text, else None."""
    raw = token.rstrip("=")
    if len(raw) < 8 or len(raw) % 4 == 1:
        return None
    padded = raw + "=" * (-len(raw) % 4)
    try:
        if "-" in raw or "_" in raw:
            data = base64.urlsafe_b64decode(padded)
        else:
            data = base64.b64decode(padded, validate=True)
        text = data.decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    if not text or any((not ch.isprintable()) and ch not in "\n\r\t" for ch in text):
        return None
    return text


def basic_credential(token: str) -> str | None:
    """`user:password` when `token` is the base64 of one (HTTP basic auth, docker `auth`)."""
    text = decodes_to_text(token)
    if text is None:
        return None
    _user, sep, password = text.partition(":")
    if not sep or not password or any(ch.isspace() for ch in text):
        return None
    return text


def _plain_text(decoded: str) -> bool:
    letters = sum(ch.isalpha() for ch in decoded)
    return " " in decoded and letters >= len(decoded) * 0.6


def is_secret_token(token: str) -> bool:
    """True for a random-looking token (no spaces) that should not leave the machine."""
    core = token.rstrip("=")
    n = len(core)
    if n < 20:
        return False
    if _HEX_DASHED.fullmatch(core):  # digests, UIDs, trace and span ids, git commits
        return False
    if _ULID.fullmatch(core) or core.startswith(("sha256-", "sha384-", "sha512-")):  # ids, SRI hashes
        return False
    if "/" in core and any(_PATH_WORD.fullmatch(p) for p in core.split("/")):
        return any(is_secret_token(p) for p in core.split("/"))
    upper = sum(ch.isupper() for ch in core)
    lower = sum(ch.islower() for ch in core)
    digits = sum(ch.isdigit() for ch in core)
    if upper + lower < 4:
        return False
    if upper >= 2 and lower >= 2:
        # mixed case: CamelCase identifiers are mostly words ("ReplicaSet", "Handler"); a random
        # token has few runs of three or more lower-case letters
        worded = _worded(core)
        if worded >= n * 0.55 or (digits == 0 and worded >= n * 0.4):
            return False
    else:
        # single case + digits (base32/base36 tokens): need more length and digits, and no words
        # joined by - or _ (Kubernetes names: shop-frontend-7d9c5b6f4-x2x7k, snake_case_names)
        if n < 24 or digits < n * 0.15:
            return False
        parts = re.split(r"[-_]", core)
        if len(parts) > 1 and any(len(p) < 16 or re.search(r"[a-zA-Z]{4,}", p) is None for p in parts):
            return False
        if len(parts) > 1 and any(re.fullmatch(r"[a-zA-Z]{3,}\d*", p) for p in parts):
            return False
    if shannon(core) < _threshold(n):
        return False
    decoded = decodes_to_text(core)
    return not (decoded is not None and _plain_text(decoded))


def looks_like_credential(value: str) -> bool:
    """Weaker test for a value already introduced as a credential (`Bearer x`, `auth=x`)."""
    v = value.strip().strip("\"'")
    if len(v) < 8 or " " in v:
        return False
    has_digit = any(ch.isdigit() for ch in v)
    has_upper = any(ch.isupper() for ch in v)
    has_lower = any(ch.islower() for ch in v)
    has_symbol = any(ch in "._~+/=-" for ch in v)
    if v.isalpha() and v.islower():  # an English word
        return False
    return has_digit or (has_upper and has_lower) or (has_symbol and len(v) >= 16)


def looks_like_kubeconfig(text: str) -> bool:
    return ("clusters:" in text or '"clusters"' in text) and (
        "users:" in text or '"users"' in text or "kind: Config" in text or '"Config"' in text
    )
