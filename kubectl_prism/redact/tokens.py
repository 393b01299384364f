"""Stage 2 of free-text redaction: one pass over every long token of the text.

A single regex walks the runs of base64/base64url characters (16+ long). Each run is classified:
- by its prefix, for credentials with a known shape (`ghp_`, `sk-ant-`, `AKIA`, `xoxb-`, `AIza`, ...;
  the full shape is then matched at that position, dots and tildes included);
- otherwise by its look (`shapes.is_secret_token`: entropy, length, character mix) or as base64 of
  `user:password`.
The placeholder type of an unknown random token comes from what precedes it when that says more
(`Bearer x` -> bearer-token, `DB_PASSWORD=x` -> password). One regex pass plus a cached verdict per
distinct token is what keeps this stage fast on long logs.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kubectl_prism.redact.keys import classify_key
from kubectl_prism.redact.shapes import basic_credential, is_secret_token

_E = r"(?![A-Za-z0-9_-])"

# prefix (first two characters) -> [(type, regex matched at the token start)]
_PREFIXED: list[tuple[str, str]] = [
    ("anthropic-api-key", r"sk-ant-[A-Za-z0-9_-]{20,}"),
    ("openai-api-key", rf"sk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{{20,}}{_E}"),
    ("stripe-key", rf"(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{{16,}}{_E}"),
    ("github-token", rf"gh[pousr]_[A-Za-z0-9]{{30,}}{_E}"),
    ("github-token", rf"github_pat_[A-Za-z0-9_]{{40,}}{_E}"),
    ("gitlab-token", rf"gl(?:pat|dt|rt|ptt|cbt|ft|imt|oas)-[A-Za-z0-9_-]{{20,}}{_E}"),
    ("slack-token", rf"xox[abposer]-[A-Za-z0-9-]{{10,}}{_E}"),
    ("slack-token", r"xapp-\d-[A-Za-z0-9-]{20,}"),
    ("stripe-webhook-secret", r"whsec_[A-Za-z0-9+/=]{20,}"),
    ("twilio-api-key", r"SK[0-9a-fA-F]{32}(?![A-Za-z0-9])"),
    ("npm-token", rf"npm_[A-Za-z0-9]{{36}}{_E}"),
    ("pypi-token", r"pypi-[A-Za-z0-9_-]{50,}"),
    ("huggingface-token", rf"hf_[A-Za-z0-9]{{30,}}{_E}"),
    ("digitalocean-token", rf"do[por]_v1_[a-f0-9]{{64}}{_E}"),
    ("shopify-token", rf"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{{32}}{_E}"),
    ("age-secret-key", r"AGE-SECRET-KEY-1[0-9A-Z]{58}"),
    ("aws-access-key", r"(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])"),
    ("gcp-api-key", rf"AIza[0-9A-Za-z_-]{{35}}{_E}"),
    ("gcp-oauth-secret", r"GOCSPX-[A-Za-z0-9_-]{20,}"),
    ("gcp-refresh-token", r"1//0[A-Za-z0-9_-]{30,}"),
    ("docker-config", r"ey(?:J|A[gi]ICJ|Ai)hdXRocyI6[A-Za-z0-9+/=]*"),
]
# shapes whose prefix ends in a dot or a tilde (the candidate run starts after it)
_DOTTED: list[tuple[str, int, str]] = [
    ("sendgrid-api-key", 3, rf"SG\.[A-Za-z0-9_-]{{16,32}}\.[A-Za-z0-9_-]{{30,50}}{_E}"),
    ("gcp-access-token", 5, r"ya29\.[0-9A-Za-z_-]{20,}"),
    ("vault-token", 4, r"hv[sbr]\.[A-Za-z0-9_-]{24,}"),
    ("azure-client-secret", 6, r"[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])"),
]


def _by_prefix() -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    table: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    expand = {"(?:sk|rk)": ("sk", "rk"), "gh[pousr]": ("gh",), "github_pat_": ("gi",),
              "gl(?:": ("gl",), "xox": ("xo",), "xapp": ("xa",), "do[por]": ("do",),
              "(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)": ("AK", "AS", "AG", "AI", "AR", "AN",
                                                                       "AB", "AC"),
              "ey(?:": ("ey",)}
    for kind, rx in _PREFIXED:
        prefixes = next((v for k, v in expand.items() if rx.startswith(k)), (rx[:2],))
        for p in prefixes:
            table.setdefault(p, []).append((kind, re.compile(rx)))
    return table


_BY_PREFIX = _by_prefix()
_DOTTED_RE = [(kind, back, re.compile(rx)) for kind, back, rx in _DOTTED]

_CANDIDATE = re.compile(r"(?<![A-Za-z0-9+/_\-])[A-Za-z0-9+/_\-]{20,}={0,2}")
_DIGEST_BEFORE = re.compile(
    r"(?i)(sha1|sha256|sha384|sha512|md5|blake2b|containerd|docker|cri-o|h1)[:@/]+$|@$")
_HEX = re.compile(r"[0-9a-fA-F]+")
# A digest is exempt only when its length fits the algorithm named before it: "SHA256:" followed by an
# 88-character base64 run is not a SHA-256 fingerprint, and must not hide a secret.
_DIGEST_LENGTHS = {  # algorithm: (hex length, base64 lengths with and without padding)
    "md5": (32, (22, 24)), "sha1": (40, (27, 28)), "sha256": (64, (43, 44)), "sha384": (96, (64,)),
    "sha512": (128, (86, 88)), "blake2b": (128, (86, 88)), "h1": (64, (43, 44)),
}


def _is_digest(text: str, start: int, token: str) -> bool:
    before = _DIGEST_BEFORE.search(text, max(0, start - 14), start)
    if before is None:
        return False
    algorithm = (before.group(1) or "").lower()
    hex_length, b64_lengths = _DIGEST_LENGTHS.get(algorithm, (64, ()))
    if _HEX.fullmatch(token):
        return len(token) == hex_length
    return len(token) in b64_lengths
# request and trace ids are random by design and identify nothing secret
_ID_KEY = re.compile(r"(?i)(?:request|correlation|trace|span|cf|amz|message|event|idempotency)[-_.]?id$")
_AWS_SECRET = re.compile(r"[A-Za-z0-9+/]{40}")
# what precedes a random token and names it better than "high-entropy"
_SCHEME_BEFORE = re.compile(r"(?i)\b(bearer|basic)\s+$")
_KEY_BEFORE = re.compile(r"([A-Za-z][A-Za-z0-9_.\-]{0,60})[\"']?\s*(?::=|=>|=|:)\s*[\"']?$")
_PLACEHOLDER_BEFORE = "[REDACTED:"
# keys whose values have a more telling type than their words give
_KEY_TYPES = {"sig": "azure-sas-token", "auth": "docker-auth", "accountkey": "azure-storage-key",
              "sharedaccesskey": "azure-storage-key", "sharedaccesssignature": "azure-sas-token"}


@lru_cache(maxsize=65536)
def token_verdict(token: str) -> str | None:
    """"basic-auth", "high-entropy" or None for a run of base64 characters, whatever its context."""
    if token.startswith("/") or "//" in token:
        # a path: judged by its segments (UIDs and names stay, a token inside goes)
        return "high-entropy" if any(is_secret_token(p) for p in token.split("/")) else None
    if basic_credential(token) is not None:
        return "basic-auth"
    if is_secret_token(token):
        return "high-entropy"
    return None


def _context_type(text: str, start: int, verdict: str, aws: bool, token: str) -> str | None:
    aws_shaped = aws and verdict == "high-entropy" and _AWS_SECRET.fullmatch(token.rstrip("=")) is not None
    before = text[max(0, start - 64):start]
    scheme = _SCHEME_BEFORE.search(before)
    if scheme:
        return "bearer-token" if scheme.group(1).lower() == "bearer" else "basic-auth"
    key = _KEY_BEFORE.search(before)
    if key and _ID_KEY.search(key.group(1)):
        return None
    if key:
        special = _KEY_TYPES.get(key.group(1).lower())
        if special:
            return special
        if aws_shaped and "aws" in key.group(1).lower():
            return "aws-secret-key"
        hit = classify_key(key.group(1))
        if hit is not None and not hit[1]:
            return hit[0]
    return "aws-secret-key" if aws_shaped else verdict


def _shaped(text: str, start: int, token: str) -> tuple[str, int, int] | None:
    for kind, rx in _BY_PREFIX.get(token[:2], ()):
        m = rx.match(text, start)
        if m:
            return kind, start, m.end()
    if start and text[start - 1] in ".~":
        for kind, back, rx in _DOTTED_RE:
            m = rx.match(text, max(0, start - back))
            if m and m.end() > start:
                return kind, m.start(), m.end()
    return None


def scrub_tokens(text: str, counts: dict[str, int], lower: str) -> str:
    return _scrub(text, counts, "aws" in lower or "AKIA" in text or "ASIA" in text)


def _scrub(text: str, counts: dict[str, int], aws: bool) -> str:
    out: list[str] = []
    last = 0
    for m in _CANDIDATE.finditer(text):
        start = m.start()
        if start < last:
            continue
        token = m.group(0)
        dotted = start > 0 and text[start - 1] in ".~"
        shaped = _shaped(text, start, token) if dotted or token[:2] in _BY_PREFIX else None
        if shaped is not None:
            kind, s, e = shaped
            if s < last:
                continue
        else:
            verdict = token_verdict(token)
            after_placeholder = text.endswith(_PLACEHOLDER_BEFORE, 0, start)
            if verdict is None or after_placeholder or _is_digest(text, start, token):
                continue
            typed = _context_type(text, start, verdict, aws, token)
            if typed is None:
                continue
            kind, s, e = typed, start, m.end()
        out.append(text[last:s])
        out.append(f"[REDACTED:{kind}]")
        counts[kind] = counts.get(kind, 0) + 1
        last = e
        if shaped is not None and e < m.end():
            # the run goes on after the known shape (`AKIA.../<secret key>`): judge the rest too
            out.append(_scrub(text[e:m.end()], counts, aws))
            last = m.end()
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)
