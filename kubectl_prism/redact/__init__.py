"""The redaction pipeline: the only door out of the process (docs/redaction.md).

Everything bound for an AI provider or an MCP client is built from `Redacted` values, and everything
prism prints or writes from `Cleared` models and their `Output` (`redact/output.py`: the same pipeline
over a whole result model, unless `--show-secrets`), which only this package can make:

- `redact_text(text)`: free-text detectors (keys, tokens, certificates, passwords, ...) replace each
  secret with a typed placeholder such as `[REDACTED:jwt]` and count it per type.
- `redact_object(obj)`: structural rules for one Kubernetes object (Secret values, env values,
  managedFields, last-applied-configuration, kubeconfig-like data are dropped) and then free text.
- `redact_json(value)`: any JSON-able value; string leaves are scanned with awareness of their key
  (`password: ...` is a secret whatever it looks like).
- `fence(body, nonce)`: cluster text between nonce fence lines, its headings neutralised, so it
  cannot pose as prompt structure.
- `Anonymizer`: optional stable placeholders for names, namespaces, IPs and hostnames, and
  `restore()` to map an AI answer back.
"""

from __future__ import annotations

from typing import Any

from kubectl_prism.redact.anonymize import Anonymizer
from kubectl_prism.redact.detectors import scrub
from kubectl_prism.redact.fence import fence, new_nonce
from kubectl_prism.redact.result import Redacted, add_counts, concat, make
from kubectl_prism.redact.walk import dumps, scrub_value

__all__ = [
    "Anonymizer",
    "Redacted",
    "concat",
    "fence",
    "new_nonce",
    "redact_json",
    "redact_object",
    "redact_objects",
    "redact_text",
]


def redact_text(text: str, *, anonymizer: Anonymizer | None = None) -> Redacted:
    """Redact free text (logs, events, command output, answers echoed back)."""
    if not isinstance(text, str):
        raise TypeError(f"redact_text takes str, not {type(text).__name__}")
    clean, counts = scrub(text)
    if anonymizer is not None:
        clean = anonymizer.apply(clean)
    return make(clean, counts)


def redact_json(value: Any, *, anonymizer: Anonymizer | None = None, indent: int | None = None,
                fmt: str = "json") -> Redacted:
    """Redact any JSON-able value (dicts, lists, strings, numbers); return it as JSON (or YAML) text."""
    clean, counts = scrub_value(value, anonymizer=anonymizer)
    return make(dumps(clean, indent=indent, fmt=fmt), counts)


def redact_object(obj: dict[str, Any], *, anonymizer: Anonymizer | None = None,
                  indent: int | None = None, fmt: str = "json") -> Redacted:
    """Apply the structural rules for one Kubernetes object, then free text; return JSON (or YAML)."""
    from kubectl_prism.redact.structural import strip_object

    stripped, structural_counts = strip_object(obj)
    clean, counts = scrub_value(stripped, anonymizer=anonymizer)
    return make(dumps(clean, indent=indent, fmt=fmt), add_counts(structural_counts, counts))


def redact_objects(objs: list[dict[str, Any]], *, anonymizer: Anonymizer | None = None,
                   indent: int | None = None, fmt: str = "json") -> Redacted:
    """Like `redact_object` for a list of objects; the result is a JSON array (or YAML list)."""
    from kubectl_prism.redact.structural import strip_object

    stripped: list[Any] = []
    counts: list[dict[str, int]] = []
    for obj in objs:
        one, c = strip_object(obj)
        stripped.append(one)
        counts.append(c)
    clean, scrubbed = scrub_value(stripped, anonymizer=anonymizer)
    return make(dumps(clean, indent=indent, fmt=fmt), add_counts(*counts, scrubbed))
