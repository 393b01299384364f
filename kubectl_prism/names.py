"""Kubernetes naming rules: what a name, a namespace or a container name may look like, per kind.

Every name that reaches an API path is checked here first (by `apipath`, and by `Target` for a CLI
TARGET), so `..`, `/`, `?`, `#`, `%`, NUL, look-alike letters and overlong names never leave the
process. The rules are kube-apiserver's own validation, so no name that can exist in a cluster is
refused:

- DNS-1123 label (at most 63 of `a-z`, `0-9`, `-`; starts and ends alphanumeric): namespaces and
  container names;
- DNS-1035 label (a DNS-1123 label that starts with a letter): Services;
- DNS-1123 subdomain (at most 253; labels joined by `.`): everything else, with two length limits of
  their own: a CronJob's name is at most 52 characters (its Jobs add an 11-character suffix and a Job
  name is at most 63), and a Job's at most 63 (its pods carry it in the `job-name` label).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kubectl_prism.errors import UsageError
from kubectl_prism.printable import shown

_LABEL = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"
_DNS1035 = r"[a-z](?:[-a-z0-9]*[a-z0-9])?"


@dataclass(frozen=True)
class NameRule:
    pattern: re.Pattern[str]
    max_length: int
    describe: str  # completes "a pod name must be ..."

    def matches(self, text: str) -> bool:
        # ASCII-only character classes and fullmatch: no look-alike letters, no trailing newline.
        return len(text) <= self.max_length and self.pattern.fullmatch(text) is not None


DNS1123_LABEL = NameRule(
    re.compile(_LABEL), 63,
    "a DNS-1123 label: at most 63 lowercase letters, digits and '-', starting and ending with a letter "
    "or digit")
DNS1035_LABEL = NameRule(
    re.compile(_DNS1035), 63,
    "a DNS-1035 label: at most 63 lowercase letters, digits and '-', starting with a letter and ending "
    "with a letter or digit")


def _subdomain(max_length: int) -> NameRule:
    return NameRule(
        re.compile(rf"{_LABEL}(?:\.{_LABEL})*"), max_length,
        f"a DNS-1123 subdomain: at most {max_length} lowercase letters, digits, '-' and '.', starting and "
        "ending with a letter or digit")


DNS1123_SUBDOMAIN = _subdomain(253)
# Kinds whose names follow another rule than a DNS-1123 subdomain of 253 characters.
_KIND_RULES: dict[str, NameRule] = {
    "Namespace": DNS1123_LABEL,
    "Service": DNS1035_LABEL,
    "CronJob": _subdomain(52),
    "Job": _subdomain(63),
}


class InvalidName(UsageError):
    """A name that cannot exist in Kubernetes: a usage error (exit 2) or a tool error, never a request."""


def rule_for(kind: str) -> NameRule:
    return _KIND_RULES.get(kind, DNS1123_SUBDOMAIN)


def check(text: object, rule: NameRule, what: str) -> str:
    """`text` if it follows `rule`; else InvalidName naming `what` ("pod name", "namespace", ...)."""
    if not isinstance(text, str) or not text:
        raise InvalidName(f"{what} is required" if not text else f"{what} must be text")
    if not rule.matches(text):
        raise InvalidName(f"invalid {what} {shown(text)}: it must be {rule.describe}")
    return text


def check_name(kind: str, name: object) -> str:
    """An object name of `kind` ("Pod", "Service", ...)."""
    return check(name, rule_for(kind), f"{_words(kind)} name")


def check_namespace(namespace: object) -> str:
    return check(namespace, DNS1123_LABEL, "namespace")


def check_container(name: object) -> str:
    return check(name, DNS1123_LABEL, "container name")


def _words(kind: str) -> str:
    """"PersistentVolumeClaim" -> "persistent volume claim"."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", kind).lower()
