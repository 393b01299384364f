"""Which keys name a secret (`DB_PASSWORD`, `apiKey`, `client-secret`) and which values are harmless.

A key is split into words (snake, kebab, dots, camelCase), so `keyStorePassword` is sensitive while
`secretName`, `tokenExpirationSeconds` or `max_tokens` are references, settings or counters — not
secrets — and keep their values.
"""

from __future__ import annotations

import re
from functools import lru_cache

# word (or adjacent word pair) -> placeholder type
_SENSITIVE_WORDS: dict[str, str] = {
    "password": "password", "passwd": "password", "pwd": "password", "pass": "password",
    "passphrase": "password", "passcode": "password", "pw": "password", "dbpass": "password",
    "secret": "secret", "clientsecret": "secret", "secretkey": "secret",
    "token": "token", "accesstoken": "token", "refreshtoken": "token", "authtoken": "token",
    "apikey": "api-key", "apitoken": "api-key", "accesskey": "api-key",
    "privatekey": "private-key", "signingkey": "private-key", "encryptionkey": "private-key",
    "masterkey": "private-key",
    "credential": "credential", "credentials": "credential", "creds": "credential",
    "auth": "credential", "cookie": "credential", "sessionid": "credential",
    "sig": "signature", "signature": "signature", "hmac": "signature",
    "authorization": "auth-header", "dsn": "url-password",
    "connectionstring": "connection-string", "connstr": "connection-string",
}
# pairs of words that together name a secret: api_key, access-key, private.key, session_id ...
_SENSITIVE_PAIRS: dict[tuple[str, str], str] = {
    ("api", "key"): "api-key", ("access", "key"): "api-key", ("secret", "key"): "secret",
    ("private", "key"): "private-key", ("signing", "key"): "private-key",
    ("encryption", "key"): "private-key", ("master", "key"): "private-key",
    ("client", "secret"): "secret", ("session", "id"): "credential", ("account", "key"): "api-key",
    ("connection", "string"): "connection-string", ("shared", "key"): "api-key",
    ("license", "key"): "api-key", ("app", "key"): "api-key", ("subscription", "key"): "api-key",
}
# a key whose words include one of these names a reference, a setting or a counter, not a secret
_BENIGN_WORDS = frozenset({
    "name", "names", "ref", "refs", "file", "files", "path", "paths", "dir", "mount", "namespace",
    "length", "len", "count", "size", "ttl", "expiry", "expires", "expiration", "seconds", "minutes",
    "type", "types", "policy", "policies", "min", "max", "limit", "enabled", "disabled", "required",
    "rotation", "provider", "source", "selector", "version", "format", "url", "uri", "endpoint", "id",
    "tokens", "usage", "hint", "field", "label", "reset", "changed", "strength", "algorithm",
    "kind", "manager", "store", "vault", "mode", "key", "keys", "template", "issuer", "audience",
    "prefix", "header", "scope", "scopes", "through", "thru", "fail", "failed", "expired", "valid",
    "invalid", "missing", "error", "errors", "status", "ok", "retries", "bytes", "timeout",
})
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


@lru_cache(maxsize=4096)
def key_words(key: str) -> tuple[str, ...]:
    words: list[str] = []
    for part in re.split(r"[^A-Za-z0-9]+", key):
        words.extend(w.lower() for w in _CAMEL.findall(part))
    return tuple(words)


# Words that are often something else (`pass=3 fail=0` in test output, `auth=oidc`): their values
# count as secrets only when they look like one.
_WEAK_WORDS = frozenset({"pass", "pw", "auth", "cookie", "sig", "signature", "hmac", "creds"})
_NEGATING_FIRST_WORDS = frozenset({
    "max", "min", "num", "n", "total", "is", "has", "use", "no", "skip", "require", "allow", "enable",
    "disable", "reset", "forgot", "new", "change", "wrong", "bad", "invalid", "missing", "expired",
    "check", "verify", "validate",
})


@lru_cache(maxsize=4096)
def classify_key(key: str) -> tuple[str, bool] | None:
    """(placeholder type, weak) for a value stored under `key`; None when the key is not a secret."""
    words = key_words(key)
    if not words or words[0] in _NEGATING_FIRST_WORDS:
        return None
    found: str | None = None
    weak = True
    last_hit = -1
    i = 0
    while i < len(words):
        hit = _SENSITIVE_PAIRS.get((words[i], words[i + 1])) if i + 1 < len(words) else None
        width = 2
        if hit is None:
            hit, width = _SENSITIVE_WORDS.get(words[i]), 1
        if hit is not None:
            strong = not (width == 1 and words[i] in _WEAK_WORDS)
            if found is None or (strong and weak):
                found = hit
            weak = weak and not strong
            last_hit = i + width - 1
        i += width if hit is not None else 1
    if found is None:
        return None
    # Words after the last sensitive word decide: `password_min_length`, `secretName`, `token_ttl`,
    # `api_key_id`, `secretKeyRef` are about the secret, not the secret itself.
    if any(w in _BENIGN_WORDS for w in words[last_hit + 1:]):
        return None
    return found, weak


_BENIGN_VALUE = re.compile(
    r"""(?ix)^(?:
        |true|false|yes|no|on|off|null|nil|none|undefined|n/?a|empty|unset|disabled|enabled|required
        |optional|redacted|hidden|masked|bearer|basic|digest|negotiate|ntlm
        |\*+|x{3,}|\.{3}|-+|\?+|<[^<>]{0,60}>|\[[^\[\]]{0,60}\]|\{\{.{0,80}\}\}|\$\{[^}]{0,80}\}
        |\$\([^)]{0,80}\)|\$[A-Z_][A-Z0-9_]{0,60}|%\(?[a-z_]*\)?[sd]|%[sdv]|\{[a-z_0-9]{0,40}\}
        |\$\d{1,3}|\?|:[a-z_][a-z0-9_]{0,40}|@[a-z_][a-z0-9_]{0,40}  # SQL bind parameters
    )$"""
)


def value_is_benign(value: str) -> bool:
    """Placeholders, templates, booleans and masks: no secret behind them."""
    v = value.strip().strip("\"'")
    return bool(_BENIGN_VALUE.match(v))
