"""`password=...`-style pairs in any common syntax, and `--password VALUE` command-line flags.

Handles env files and logfmt (`DB_PASSWORD=x`), query strings (`?token=x&`), JSON (`"apiKey": "x"`),
YAML (`password: two words` to the end of the line), headers (`X-Api-Key: x`), `:=` and `=>`.

Found word first: for each sensitive word a literal-prefixed regex on the lower-cased text finds the
places where it is followed (through the rest of its key) by a separator — fast, and rare in logs.
Then the whole key is taken, `keys.classify_key` decides on it, and the value is parsed by hand
(quotes, escapes, line ends).
"""

from __future__ import annotations

import re

from kubectl_prism.redact.keys import classify_key, value_is_benign
from kubectl_prism.redact.shapes import looks_like_credential

_PLACEHOLDER = "[REDACTED:"
# Every key that `keys.classify_key` calls sensitive contains one of these (`pw` covers pwd, passwd too
# has `pass`); each is one fast literal scan of the text.
_WORDS = ("pass", "pw", "secret", "token", "key", "auth", "cred", "sig", "hmac", "cookie", "session", "dsn",
          "conn")
# A key is at most this long on either side of its word (the longest real ones, Spring's dotted
# properties, stay well under it): without a bound, a 1 MB run of key characters holding the word
# thousands of times costs a scan to its end for each of them.
_MAX_KEY_SIDE = 128
# possessive (`+`): a separator never starts with a key character, so giving characters back to try
# one is never of use, and each word is tried in time linear in its tail
_KEY_TAIL = rf"[a-z0-9_.\-]{{0,{_MAX_KEY_SIDE}}}+"
_SEP = r"[\"']?[ \t]*(?::=|=>|=|:)[ \t]*"
_FLAG_SEP = r"[\"']?,?[ \t]+[\"']?(?=[^\s\-\"'])"
_FINDERS = [(w, re.compile(re.escape(w) + _KEY_TAIL + rf"(?:(?P<sep>{_SEP})|(?P<flagsep>{_FLAG_SEP}))"))
            for w in _WORDS]
_KEY_HEAD = re.compile(rf"[a-z0-9_.\-]{{1,{_MAX_KEY_SIDE}}}$")
_PLACEHOLDER_RE = re.compile(r"\[REDACTED:[a-z0-9-]+\]")
_BLOCK_SCALAR = re.compile(r"[|>][-+0-9]*$")
_UNQUOTED_END = re.compile(r"[\s,;&\"'<>)}\]]")

Edit = tuple[int, int, str]


def _line_start(text: str, pos: int) -> bool:
    """True when only indentation, a list dash or a quote precede `pos` on its line (YAML style)."""
    start = text.rfind("\n", 0, pos) + 1
    return text[start:pos].strip(" \t-\"'") == ""


def _value_span(text: str, pos: int, sep: str, key_start: int) -> tuple[int, int]:
    """[start, end) of the value that begins at `pos`."""
    if pos >= len(text):
        return pos, pos
    quote = text[pos]
    if quote in "\"'":
        i = pos + 1
        while i < len(text):
            ch = text[i]
            if ch == "\\" and quote == '"':
                i += 2
                continue
            if ch == quote or ch == "\n":
                break
            i += 1
        return pos + 1, min(i, len(text))
    for opener, closer in (("${", "}"), ("$(", ")"), ("{{", "}}")):  # a variable or a template
        if text.startswith(opener, pos):
            end = text.find(closer, pos + 2, pos + 200)
            if end > 0:
                return pos, end + len(closer)
    if text[pos] in "{[":  # a flow mapping or list: its own keys are scanned on their own
        return pos, pos
    if text[pos] == "<":  # <set to the key 'password' in secret 'db'>, <none>: a placeholder
        end = text.find(">", pos, pos + 200)
        if end > 0:
            return pos, end + 1
    if ":" in sep and "=" not in sep and _line_start(text, key_start):
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        line = text[pos:end]
        comment = line.find(" #")
        if comment >= 0:
            line = line[:comment]
        if _BLOCK_SCALAR.match(line.rstrip()):
            return pos, _block_end(text, key_start, end)
        return pos, pos + len(line.rstrip())
    m = _UNQUOTED_END.search(text, pos)
    return pos, (m.start() if m else len(text))


def _block_end(text: str, key_start: int, line_end: int) -> int:
    """End of a YAML block scalar (`password: |` and the more indented lines after it)."""
    line_start = text.rfind("\n", 0, key_start) + 1
    indent = len(text[line_start:key_start]) - len(text[line_start:key_start].lstrip(" -"))
    end = line_end
    while end < len(text):
        nxt = text.find("\n", end + 1)
        nxt = len(text) if nxt < 0 else nxt
        line = text[end + 1:nxt]
        if line.strip() and len(line) - len(line.lstrip(" ")) <= indent:
            break
        end = nxt
    return end


def _in_prose(text: str, key_start: int, sep: str, value_start: int) -> bool:
    """`word: value` in the middle of a sentence, unquoted: weaker evidence of a key-value pair."""
    if "=" in sep or sep[:1] in "\"'" or ":" not in sep:
        return False
    if value_start < len(text) and text[value_start] in "\"'":
        return False
    return not _line_start(text, key_start)


_PROSE_FILLERS = frozenset({"is", "was", "of", "for", "to", "set", "now"})


def _password_in_prose(value: str) -> bool:
    """After a bare `password` in a sentence only a value built like a password counts: letters and
    digits mixed, 8+ characters ("password reset failed", "password 2 times" stay as they are)."""
    v = value.strip("\"'.,;:!?")
    has_letter = any(ch.isalpha() for ch in v)
    has_digit = any(ch.isdigit() for ch in v)
    return len(v) >= 8 and has_letter and has_digit and not value_is_benign(v)


def _should_redact(value: str, weak: bool) -> bool:
    if not value or value.startswith(_PLACEHOLDER) or value_is_benign(value):
        return False
    if _PLACEHOLDER in value:
        if "://" in value:  # a URL whose password is already replaced
            return False
        rest = _PLACEHOLDER_RE.sub("", value).strip()
        if not rest or value_is_benign(rest):  # `Bearer [REDACTED:jwt]`
            return False
    return not (weak and not looks_like_credential(value))


def _candidates(lower: str) -> list[tuple[int, int, str, bool, bool]]:
    """(key start, separator end, separator, is a --flag, is prose) for each sensitive word before a
    separator; "prose" is a word followed by a space only (`the password hunter2x9 was...`)."""
    found: dict[int, tuple[int, int, str, bool, bool]] = {}
    for word, finder in _FINDERS:
        if word not in lower:
            continue
        for m in finder.finditer(lower):
            start = m.start()
            head = _KEY_HEAD.search(lower, max(0, start - _MAX_KEY_SIDE), start)
            if head:
                start = head.start()
            flag = m.group("flagsep") is not None
            # `password Tr0ub4dor3` in a sentence: kept as a candidate, judged strictly below
            prose = flag and not lower.startswith("-", start)
            found.setdefault(start, (start, m.end(), m.group("sep") or m.group("flagsep"), flag, prose))
    return sorted(found.values())


def key_value_edits(text: str, lower: str) -> list[Edit]:
    """The values to replace in `text` (`lower` is its same-length lower-cased twin)."""
    edits: list[Edit] = []
    last = 0
    for key_start, sep_end, sep, flag, prose in _candidates(lower):
        if key_start < last:
            continue
        key_end = sep_end - len(sep)
        hit = classify_key(text[key_start:key_end].lstrip("-"))
        if hit is None:
            continue
        kind, weak = hit
        if prose:
            start, end = _value_span(text, sep_end, " ", key_start)
            if text[start:end].lower() in _PROSE_FILLERS:  # "my password is hunter2isgood99"
                start, end = _value_span(text, end + 1, " ", key_start)
            if kind == "password" and _password_in_prose(text[start:end]):
                edits.append((start, end, kind))
                last = end
            continue
        if flag:
            if weak:
                continue
            start, end = _value_span(text, sep_end, " ", key_start)
        else:
            start, end = _value_span(text, sep_end, sep, key_start)
            if _in_prose(text, key_start, sep, start) and kind != "password":
                weak = True  # "failed to fetch anonymous token: unexpected status": a sentence, not a pair
        if not _should_redact(text[start:end], weak):
            continue
        edits.append((start, end, kind))
        last = end
    return edits
