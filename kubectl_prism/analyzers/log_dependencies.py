"""What a container's log says about the hosts it cannot reach: the Service named in a connection error,
the host name that did not resolve."""

from __future__ import annotations

import re

from kubectl_prism.analyzers.pod_evidence import clip
from kubectl_prism.snapshot import Snapshot

# A host name that did not resolve, in the words of common clients (busybox, Go, glibc, Node, Java, curl).
# Linear in the line's length: every host starts after a literal or, for the glibc form, at the start of a
# token (an unanchored [\w.-]+ retried from every position of a long token was quadratic: 16 KB took 1 s),
# and a DNS name has at most 253 characters.
_HOST = r"([\w.-]{1,253})"
_UNRESOLVED = re.compile(
    rf"bad address '{_HOST}'|lookup {_HOST} on [\d.:]{{1,64}}: no such host|"
    rf"could not (?:resolve|translate) host(?: name)?:? \"?{_HOST}|"
    rf"getaddrinfo (?:ENOTFOUND|EAI_AGAIN) {_HOST}|UnknownHostException: {_HOST}|"
    rf"(?<![\w.-]){_HOST}: (?:Name or service not known|Temporary failure in name resolution)"
)
_CONNECTION_ERROR = re.compile(
    r"refused|timeout|timed out|no route|unreachable|no such host|resolve|could not connect|lookup|bad "
    r"address|"
    r"name resolution|not known|ENOTFOUND|UnknownHost",
    re.I,
)


def connection_error(line: str) -> bool:
    """The line says a connection failed (refused, timed out, host unknown)."""
    return bool(_CONNECTION_ERROR.search(clip(line)))


def log_tail(snapshot: Snapshot, ns: str, pod: str, container: str, lines: int = 50) -> list[str]:
    """The last lines of the container's previous and current logs."""
    tails = [snapshot.log(ns, pod, container, previous=True), snapshot.log(ns, pod, container)]
    return [clip(t) for text in tails if text for t in text.splitlines()[-lines:]]


def service_named(services: list[str], own: str | None, line: str, tail_lines: list[str]) -> str | None:
    """The Service (of `services`, longest names first) a connection error talks about, if any.

    The decisive line first; then host-like mentions anywhere in the log tail ("host \"db\"", "db:5432").
    """
    if not connection_error(line):
        return None
    candidates = [(line, r"(?<![\w-]){0}(?=[.:\"'/\s]|$)")] + [
        (t, r"(?:host\s+\"?|//|@|lookup\s+|server at \"?){0}\b|(?<![\w.-]){0}(?:\.[\w-]+)*:\d+")
        for t in tail_lines
    ]
    for text, pattern in candidates:
        for svc in services:
            # The substring test is a cheap prefilter (every pattern contains the name literally): with
            # hundreds of Services and 50 log lines, compiling a pattern per pair dominated the run.
            if svc != own and svc in text and re.search(pattern.format(re.escape(svc)), text):
                return svc
    return None


def unresolved_host(lines: list[str]) -> str | None:
    """The first host name the lines say did not resolve."""
    for text in lines:
        if m := _UNRESOLVED.search(clip(text)):
            return next(g for g in m.groups() if g)
    return None
