"""Checks of kubeconfig content that kubectl refuses too, so a bad file is one clear line, not a crash.

The `kubernetes` loader assumes well-typed fields (a number where a path belongs raises TypeError deep
inside it); these checks run first and name the entry and the field.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from kubectl_prism.errors import ClusterAccessError

# Fields client-go decodes as strings only (prism reads some itself, the kubernetes loader the rest).
_TEXT_FIELDS = {
    "context": ("cluster", "user", "namespace"),
    "cluster": ("server", "proxy-url", "tls-server-name", "certificate-authority",
                "certificate-authority-data"),
    "user": ("token", "tokenFile", "username", "password", "client-certificate", "client-certificate-data",
             "client-key", "client-key-data"),
}


def shape_problem(data: dict[str, Any]) -> str | None:
    """What makes a parsed kubeconfig unusable (kubectl refuses such a file too), or None."""
    current = data.get("current-context")
    if current is not None and not isinstance(current, str):
        return "`current-context` must be a name"
    for key in ("clusters", "contexts", "users"):
        entries = data.get(key)
        if entries is None:
            continue
        if not isinstance(entries, list) or not all(
            isinstance(e, dict) and e.get("name") and isinstance(e["name"], str) for e in entries
        ):
            return f"every entry of `{key}` needs a name"
        body = key[:-1]  # clusters -> cluster: the mapping inside each named entry
        for entry in entries:
            fields = entry.get(body)
            if fields is None:
                continue
            if not isinstance(fields, dict):
                return f'{body} "{entry["name"]}" must be a mapping'
            for name in _TEXT_FIELDS[body]:
                if fields.get(name) is not None and not isinstance(fields[name], str):
                    return f'`{name}` of {body} "{entry["name"]}" must be text'
    return None


def server_url(server: str, cluster: str) -> str:
    """The server as a URL without a trailing slash. A bare `host:port` means plain http, as kubectl
    does it (even with a CA set: no TLS is attempted)."""
    url = server if "://" in server else "http://" + server
    url = url.rstrip("/")
    try:
        parts = urlsplit(url)
        valid = (parts.scheme in ("https", "http") and bool(parts.hostname) and (parts.port or 0) >= 0
                 and not any(c.isspace() for c in parts.netloc))
    except ValueError:  # a port out of range or not a number
        valid = False
    if not valid:
        raise ClusterAccessError(f'cluster "{cluster}" has an invalid server URL "{server}"',
                                 hint="use https://HOST:PORT in the kubeconfig")
    return url
