"""Free-text secret detectors: `scrub(text) -> (clean_text, counts_by_type)`.

Three stages, each shaped for speed on long logs. Python's `re` tries a pattern at every position of
the text unless the pattern starts with a literal, in which case it skips to the candidates at
memory-search speed; so every pattern here starts with one, except the single token pass.

1. Blocks: PEM keys and certificates (also with JSON-escaped newlines, and as base64 in kubeconfigs),
   JWTs, Slack webhooks (`-----BEGIN `, `LS0tLS1CRUdJTi`, `eyJ`, `hooks.slack.com/`).
2. Tokens (`tokens.py`): one pass over every long base64-ish run; known prefixes (`ghp_`, `AKIA`,
   `sk-ant-`, ...) and random-looking tokens go.
3. Context: passwords in URLs, Authorization headers, Azure connection strings and SAS signatures,
   docker `auth`, kubeconfig `*-data`, and `key=value` pairs in every common syntax
   (`keyvalue.py`), found on the lower-cased twin of the text from literals (`://`, `authorization`,
   `sig=`, `pass`, `token`, ...) and applied in one rebuild of the text.

Every replacement is a typed placeholder `[REDACTED:<type>]`; a value that already is a placeholder
is left alone, which makes `scrub` idempotent.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable

from kubectl_prism.redact.keys import value_is_benign
from kubectl_prism.redact.shapes import basic_credential, looks_like_credential

PLACEHOLDER_PREFIX = "[REDACTED:"

Counts = dict[str, int]
Replacer = Callable[[re.Match[str], Counts], str]


def placeholder(kind: str) -> str:
    return f"{PLACEHOLDER_PREFIX}{kind}]"


def _count(counts: Counts, kind: str) -> str:
    counts[kind] = counts.get(kind, 0) + 1
    return placeholder(kind)


# --- stage 1: blocks ------------------------------------------------------------------------------

_PEM_LABEL = r"[A-Z0-9 ]{0,40}"
# A complete block, also with JSON-escaped newlines (`\n` as two characters) inside a log line; or a
# block cut off by a log tail, which runs to the end of its base64 body. Found by hand rather than by
# one regex with a lazy `.{0,20000}?-----END`: that scans 20,000 characters again at every header, so
# a line of headers and no END costs minutes per megabyte. Here each END is looked for once.
_PEM_HEAD = re.compile(rf"-----BEGIN (?P<label>{_PEM_LABEL})-----")
_PEM_END = re.compile(rf"-----END {_PEM_LABEL}-----")
# Cut short (no END line): base64 words only, not a `key:` after it (`token: x` keeps its key).
_PEM_BODY = re.compile(r"(?:(?:\s|\\[nr])*[A-Za-z0-9+/=]+(?![\w:.-]))*")
_PEM_MAX_BODY = 20_000  # a block longer than this (4096-bit key: ~3,300) is cut at its base64 run
# base64("-----BEGIN ") starts with "LS0tLS1CRUdJTi"; kubeconfig and Secret data carry PEM this way.
_PEM_B64 = re.compile(r"LS0tLS1CRUdJTi[A-Za-z0-9+/=]*")
# No boundary before `eyJ` on purpose: a JWT glued to something (`Bearer%20eyJ...`) still goes. The
# signature is optional: a token cut short (a log line shortened for display) is still a token.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{6,}\.eyJ[A-Za-z0-9_-]{6,}(?:\.[A-Za-z0-9_-]*)?")
_SLACK_WEBHOOK = re.compile(r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]{20,}")


def _pem_kind(label: str) -> str:
    if "PRIVATE" in label:
        return "private-key"
    return "certificate" if "CERTIFICATE" in label else "pem-block"


def _pem_blocks(text: str, counts: Counts) -> str:
    out: list[str] = []
    last = 0
    end: re.Match[str] | None = None  # the first END at or after the current body, once looked for
    no_more_ends = False
    for head in _PEM_HEAD.finditer(text):
        if head.start() < last:
            continue
        body = head.end()
        if not no_more_ends and (end is None or end.start() < body):
            end = _PEM_END.search(text, body)
            no_more_ends = end is None
        if end is not None and end.start() >= body and end.start() - body <= _PEM_MAX_BODY:
            stop = end.end()
        else:
            stop = _PEM_BODY.match(text, body).end()  # type: ignore[union-attr]
        out += [text[last:head.start()], _count(counts, _pem_kind(head.group("label")))]
        last = stop
    return "".join(out) + text[last:] if out else text


def _regex_blocks(pattern: re.Pattern[str], replace: Replacer) -> Callable[[str, Counts], str]:
    return lambda text, counts: pattern.sub(lambda m: replace(m, counts), text)


def _pem_b64(m: re.Match[str], counts: Counts) -> str:
    import base64
    import binascii

    head = m.group(0)[:120]
    try:
        label = base64.b64decode(head[: len(head) // 4 * 4]).decode("ascii", "replace")
    except (binascii.Error, ValueError):
        label = ""
    return _count(counts, _pem_kind(label))


# (literal that must be in the text, what replaces every block in it)
_BLOCKS: list[tuple[str, Callable[[str, Counts], str]]] = [
    ("-----BEGIN ", _pem_blocks),
    ("LS0tLS1CRUdJTi", _regex_blocks(_PEM_B64, _pem_b64)),
    ("eyJ", _regex_blocks(_JWT, lambda m, counts: _count(counts, "jwt"))),
    ("hooks.slack.com/", _regex_blocks(_SLACK_WEBHOOK, lambda m, counts: _count(counts, "slack-webhook"))),
]


# --- stage 3: context detectors --------------------------------------------------------------------
# They run on the lower-cased twin of the text (same length, so positions carry over) with patterns
# that start with a literal, which lets the regex engine skip to candidates at memory-search speed;
# secrets are read from the original text at those positions (base64 is case-sensitive).

Edit = tuple[int, int, str]  # [start, end) of the secret, placeholder type


class Doc:
    """A text and its lower-case twin, edited together."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lower = ascii_lower(text)

    def apply(self, edits: list[Edit], counts: Counts) -> None:
        if not edits:
            return
        out, low = [], []
        last = 0
        for start, end, kind in sorted(edits):
            if start < last:
                continue
            ph = _count(counts, kind)
            out.append(self.text[last:start])
            low.append(self.lower[last:start])
            out.append(ph)
            low.append(ph.lower())
            last = end
        out.append(self.text[last:])
        low.append(self.lower[last:])
        self.text, self.lower = "".join(out), "".join(low)


Handler = Callable[[Doc, re.Match[str]], "Edit | None"]


def _secret(kind: str, check: Callable[[str], bool] | None = None) -> Handler:
    """Replace the `secret` group, unless it already is a placeholder or `check` says no."""

    def handle(doc: Doc, m: re.Match[str]) -> Edit | None:
        value = doc.text[m.start("secret"):m.end("secret")]
        if not value or value.startswith(PLACEHOLDER_PREFIX) or (check is not None and not check(value)):
            return None
        return m.start("secret"), m.end("secret"), kind

    return handle


def _not_benign(value: str) -> bool:
    return not value_is_benign(value)


def _url_cred(doc: Doc, m: re.Match[str]) -> Edit | None:
    # the match starts at "://"; a scheme must precede it (http, postgres+psycopg2, mongodb+srv ...)
    if not re.search(r"[A-Za-z][A-Za-z0-9+.-]{0,30}$", doc.text[max(0, m.start() - 32):m.start()]):
        return None
    return _secret("url-password", _not_benign)(doc, m)


def _kubeconfig(doc: Doc, m: re.Match[str]) -> Edit | None:
    before = doc.lower[max(0, m.start() - 24):m.start()]
    if before.endswith("client-key"):
        return _secret("private-key")(doc, m)
    if before.endswith(("client-certificate", "certificate-authority")):
        return _secret("certificate")(doc, m)
    return None


def _docker_value(value: str) -> bool:
    return basic_credential(value) is not None or looks_like_credential(value)


def _docker_auth(doc: Doc, m: re.Match[str]) -> Edit | None:
    return _secret("docker-auth", _docker_value)(doc, m)


def _header(default: str) -> Handler:
    def handle(doc: Doc, m: re.Match[str]) -> Edit | None:
        scheme = (m.group("scheme") or "").strip()
        kind = {"bearer": "bearer-token", "basic": "basic-auth"}.get(scheme, default)
        # without a scheme the value must look like a credential: "authorization: authorization failed"
        check = _not_benign if scheme else (lambda v: _not_benign(v) and looks_like_credential(v))
        return _secret(kind, check)(doc, m)

    return handle


_HEADER_REST = (r"\"?\s*[:=]\s*\"?\s*(?P<scheme>(?:bearer|basic|token|digest|negotiate|apikey|sharedkey)\s+)?"
                r"(?P<secret>[^\s\"',;]+)")
_CONTEXT: list[tuple[str, re.Pattern[str], Handler]] = [
    ("://", re.compile(r"://(?P<user>[^\s:/@?#'\"<>\[\]]*):(?P<secret>[^\s@/'\"<>]+)@(?=[a-z0-9\[\]._-])"),
     _url_cred),
    *[(lit, re.compile(re.escape(lit) + r"(?P<secret>[^;\s\"'<>]+)"), _secret(kind))
      for lit, kind in (("accountkey=", "azure-storage-key"), ("sharedaccesskey=", "azure-storage-key"),
                        ("sharedsecretvalue=", "azure-storage-key"),
                        ("sharedaccesssignature=", "azure-sas-token"))],
    ("sig=", re.compile(r"sig=(?P<secret>[a-z0-9%+/=_-]{16,})"), _secret("azure-sas-token")),
    ("-data", re.compile(r"-data\"?\s*:\s*\"?(?P<secret>[a-z0-9+/=]{8,})"), _kubeconfig),
    ('"auth"', re.compile(r"\"auth\"\s*:\s*\"(?P<secret>[a-z0-9+/=]{6,})\""), _docker_auth),
    # (`X-Auth-Token: x`, `PRIVATE-TOKEN: x` and the like are key-value pairs: keyvalue.py has them)
    *[(lit, re.compile(re.escape(lit) + _HEADER_REST), _header(kind))
      for lit, kind in (("authorization", "auth-header"), ("api-key", "api-key"))],
    ("bearer", re.compile(r"bearer\s+(?P<secret>[a-z0-9._~+/=-]{12,})"),
     _secret("bearer-token", looks_like_credential)),
    ("basic", re.compile(r"basic\s+(?P<secret>[a-z0-9+/=]{8,})"),
     _secret("basic-auth", lambda v: basic_credential(v) is not None)),
]
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def ascii_lower(text: str) -> str:
    """Lower case with the same length as `text` (str.lower can grow some non-ASCII letters)."""
    lower = text.lower()
    return lower if len(lower) == len(text) else text.translate(_ASCII_LOWER)


def _context_edits(doc: Doc) -> list[Edit]:
    edits: list[Edit] = []
    for literal, pattern, handle in _CONTEXT:
        if literal not in doc.lower:
            continue
        for m in pattern.finditer(doc.lower):
            if m.start() > 0 and literal[0].isalpha() and doc.lower[m.start() - 1].isalpha():
                continue  # "basic" inside "nonbasic": a word must start where the literal does
            edit = handle(doc, m)
            if edit is not None:
                edits.append(edit)
    return edits


def _without_overlaps(first: list[Edit], then: list[Edit]) -> list[Edit]:
    """`first` plus the edits of `then` that touch none of `first` (the more specific rule wins)."""
    if not first:
        return then
    import bisect

    spans = sorted((s, e) for s, e, _ in first)
    starts = [s for s, _ in spans]
    reach: list[int] = []  # reach[i]: the furthest end among spans[0..i]
    for _, end in spans:
        reach.append(max(end, reach[-1]) if reach else end)
    kept = list(first)
    for edit in then:
        i = bisect.bisect_left(starts, edit[1])  # spans[:i] start before this edit ends
        if i and reach[i - 1] > edit[0]:
            continue
        kept.append(edit)
    return kept


def scrub(text: str) -> tuple[str, Counts]:
    """Replace every secret found in `text` by a typed placeholder; return the text and counts."""
    from kubectl_prism.redact.keyvalue import key_value_edits
    from kubectl_prism.redact.tokens import scrub_tokens

    counts: Counts = {}
    if not text:
        return text, counts
    for literal, replace_blocks in _BLOCKS:
        if literal in text:
            text = replace_blocks(text, counts)
    text = scrub_tokens(text, counts, ascii_lower(text))
    doc = Doc(text)
    # One rebuild of the text for all context and key-value edits, found on the same text
    doc.apply(_without_overlaps(_context_edits(doc), key_value_edits(doc.text, doc.lower)), counts)
    return doc.text, counts
