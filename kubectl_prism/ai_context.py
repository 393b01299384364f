"""The cluster context that AI and MCP receive: scoped, trimmed, redacted and token-budgeted.

`build_context(snapshot, findings)` returns the one document every outside path sends — `explain`,
`ask`, MCP and `kubectl prism context` (which prints it). It is built only from `Redacted` parts, so
it can be handed to a provider as is. Sections, most important first:

1. scope, object counts and gaps (what could not be read);
2. the rule findings with their evidence and remediation;
3. the objects behind the findings, trimmed to what diagnosis needs (container specs, statuses,
   conditions), events about them, and log tails of their failing containers;
4. owners and related objects, other warning events.

What does not fit `budget_tokens` is shortened (log tails, status-only objects) or left out, and
listed in `cut`. Tokens are estimated as characters / 4, the usual rule of thumb for English and
JSON with current tokenizers: an estimate, not a count.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kubectl_prism.findings import Finding, ObjectRef
from kubectl_prism.kinds import BY_KIND
from kubectl_prism.redact import Anonymizer, Redacted, concat, redact_object, redact_text
from kubectl_prism.snapshot import KubeObject, LogKey, Snapshot, name_of, namespace_of
from kubectl_prism.timeutil import event_time
from kubectl_prism.trim import trim_object

DEFAULT_BUDGET_TOKENS = 3500
CHARS_PER_TOKEN = 4
LOG_TAIL_LINES = (30, 10, 3)
MAX_EVIDENCE_CHARS = 240
FINDINGS_SHARE = 0.5  # findings in full up to this share of the budget, one line each after it
PART_SHARE = 0.3  # no single object, log or event list takes more than this share
MAX_LOG_LINE = 400
MAX_LOG_CONTAINERS = 4
MAX_EVENTS = 30
MAX_INVENTORY = 40
MIN_PART_CHARS = 120  # below this much room left, nothing more is even built


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


@dataclass
class ContextPayload:
    payload: Redacted
    budget_tokens: int
    cut: list[str] = field(default_factory=list)
    anonymizer: Anonymizer | None = None

    @property
    def counts(self) -> Mapping[str, int]:
        return self.payload.counts

    @property
    def tokens(self) -> int:
        return estimate_tokens(self.payload.text)

    def to_dict(self) -> dict[str, Any]:
        return {
            "apiVersion": "prism/v1",
            "kind": "AIContext",
            "payload": self.payload.text,
            "redactions": dict(self.counts),
            "tokens": self.tokens,
            "tokensEstimate": "characters/4",
            "budgetTokens": self.budget_tokens,
            "cut": list(self.cut),
            "anonymized": self.anonymizer is not None,
            "sha256": self.payload.sha256(),
            "bytes": len(self.payload.encode()),
        }


# --- sections --------------------------------------------------------------------------------------

@dataclass
class _Part:
    """One candidate section: its variants from fullest to shortest (built only when there is room
    left for them), and what to say when a shorter one was used."""

    label: str
    build: Callable[[], list[Redacted]]
    short_note: str = ""


def _ref_line(ref: ObjectRef) -> str:
    where = f"{ref.namespace}/" if ref.namespace else ""
    return f"{ref.kind} {where}{ref.name}"


def _clip(text: str, limit: int = MAX_EVIDENCE_CHARS) -> str:
    return text if len(text) <= limit else text[:limit] + " …"


def _caused_by(f: Finding) -> str:
    cause = f.caused_by or {}
    obj = cause.get("object") or {}
    where = f"{obj.get('namespace')}/" if obj.get("namespace") else ""
    return f"{cause.get('rule', '?')} on {obj.get('kind', '?')} {where}{obj.get('name', '?')}"


def finding_line(i: int, f: Finding) -> str:
    """One line: for downstream symptoms, and for findings past the share of the budget."""
    line = f"{i}. [{f.severity.value}] {f.id}: {f.title} ({_ref_line(f.object)})"
    return line + (f"; caused by {_caused_by(f)}" if f.caused_by else "")


def _finding_text(i: int, f: Finding) -> str:
    if f.caused_by:
        return finding_line(i, f)
    lines = [f"{i}. [{f.severity.value}] {f.id}: {f.title}", f"   object: {_ref_line(f.object)}"]
    if f.owner:
        lines.append(f"   owner: {_ref_line(f.owner)}")
    if f.reason:
        lines.append(f"   reason: {f.reason}")
    if f.message:
        lines.append(f"   message: {_clip(f.message, 2 * MAX_EVIDENCE_CHARS)}")
    if f.evidence:
        lines.append("   evidence:")
        lines.extend(f"   - {_clip(e)}" for e in f.evidence)
    if f.remediation:
        lines.append("   remediation:")
        lines.extend(f"   - {r.description}" + (f": `{r.command}`" if r.command else "")
                     for r in f.remediation)
    if len(f.affected) > 1:
        lines.append("   affected: " + ", ".join(_ref_line(a) for a in f.affected))
    if f.related:
        lines.append("   related: " + ", ".join(_ref_line(r) for r in f.related))
    return "\n".join(lines)


def _header(snapshot: Snapshot, findings: Sequence[Finding]) -> str:
    target = str(snapshot.target) if snapshot.target else None
    scope = [f"context={snapshot.context or '-'}",
             f"namespace={snapshot.namespace or ('-' if target else 'all')}",
             f"target={target or '-'}", f"source={snapshot.source}"]
    counts = ", ".join(f"{kind} {n}" for kind, n in snapshot.counts().items()) or "none"
    lines = ["# Kubernetes context from kubectl-prism (secrets redacted)", f"scope: {' '.join(scope)}",
             f"objects read: {counts}"]
    lines.extend(f"gap: {gap.line()}" for gap in snapshot.gaps)
    lines.append(f"\n## Findings ({len(findings)})" if findings
                 else "\n## Findings\nnone: the rules found no problem")
    return "\n".join(lines) + "\n"


def _event_line(ev: KubeObject) -> str:
    ref = ev.get("involvedObject") or ev.get("regarding") or {}
    when = event_time(ev)
    count = ev.get("count") or (ev.get("series") or {}).get("count")
    times = f" (x{count})" if count and count > 1 else ""
    message = " ".join(str(ev.get("message") or ev.get("note") or "").split())
    return (f"- {when or '?'} {ev.get('type', '')} {ev.get('reason', '')} "
            f"{str(ref.get('kind', '')).lower()}/{ref.get('name', '')}: {message}{times}")


def _events_text(events: list[KubeObject], title: str) -> str:
    return f"\n## {title}\n" + "\n".join(_event_line(e) for e in events) + "\n"


def _recent_first(events: list[KubeObject]) -> list[KubeObject]:
    """Warnings before normal events (Pulled, Created, Started say little), most recent first."""
    by_time = sorted(events, key=event_time, reverse=True)
    return sorted(by_time, key=lambda e: e.get("type") != "Warning")


def _log_keys(snapshot: Snapshot, pods: Iterable[ObjectRef]) -> list[LogKey]:
    keys: list[LogKey] = []
    for pod in pods:
        mine = [k for k in snapshot.logs if k.namespace == pod.namespace and k.pod == pod.name]
        for container in sorted({k.container for k in mine}):
            prev = LogKey(pod.namespace or "", pod.name, container, True)
            keys.append(prev if prev in snapshot.logs else LogKey(pod.namespace or "", pod.name, container))
    return keys[:MAX_LOG_CONTAINERS]


class _Builder:
    def __init__(self, snapshot: Snapshot, anonymizer: Anonymizer | None) -> None:
        self.snapshot = snapshot
        self.anonymizer = anonymizer
        self.seen: set[tuple[str, str | None, str]] = set()

    def text(self, text: str) -> Redacted:
        return redact_text(text, anonymizer=self.anonymizer)

    def obj_part(self, ref: ObjectRef, status_first: bool = False) -> _Part | None:
        key = (ref.kind, ref.namespace, ref.name)
        obj = self.snapshot.get(*key)
        if obj is None or key in self.seen:
            return None
        self.seen.add(key)

        def build() -> list[Redacted]:
            title = self.text(f"\n### {_ref_line(ref)}\n")
            forms = [True] if status_first else [False, True]
            return [title + redact_object(trim_object(obj, status_only=short), anonymizer=self.anonymizer,
                                          fmt="yaml") for short in forms]

        return _Part(f"object {_ref_line(ref)}", build, "status only")

    def log_part(self, key: LogKey) -> _Part:
        text = self.snapshot.logs[key]
        label = f"logs of {key.namespace}/{key.pod} container {key.container}" + (
            " (previous)" if key.previous else "")
        total = len(text.rstrip("\n").split("\n"))

        def build() -> list[Redacted]:
            # Redact the whole log first, then cut: a secret cut in half would no longer be recognised.
            clean = self.text(text)
            return [self.text(f"\n### {label}: last {min(n, total)} of {total} lines\n").merge(
                clean.tail(n, MAX_LOG_LINE), self.text("\n")) for n in LOG_TAIL_LINES]

        return _Part(label, build, f"last {LOG_TAIL_LINES[-1]} lines")


def _refs_of(findings: Sequence[Finding]) -> tuple[list[ObjectRef], list[ObjectRef]]:
    primary: list[ObjectRef] = []
    secondary: list[ObjectRef] = []
    for f in findings:
        primary.append(f.object)
        if f.affected:
            secondary.extend(a for a in f.affected[1:])
        if f.owner:
            secondary.append(f.owner)
        secondary.extend(f.related)
    return primary, secondary


def _inventory(snapshot: Snapshot) -> str:
    lines = ["\n## Objects in scope"]
    for kind, objs in sorted(snapshot.objects.items()):
        if kind == "Event" or not objs:
            continue
        names = [f"{namespace_of(o) + '/' if namespace_of(o) else ''}{name_of(o)}" for o in objs]
        more = f" (+{len(names) - MAX_INVENTORY} more)" if len(names) > MAX_INVENTORY else ""
        lines.append(f"- {kind}: {', '.join(names[:MAX_INVENTORY])}{more}")
    return "\n".join(lines) + "\n"


def _parts(b: _Builder, findings: Sequence[Finding]) -> list[_Part]:
    snap = b.snapshot
    primary, secondary = _refs_of(findings)
    if snap.target is not None:
        primary.insert(0, ObjectRef(snap.target.kind, snap.target.name,
                                    snap.namespace if snap.target.info.namespaced else None))
    # Most telling first: what happened (events), what the app said (logs), then the objects.
    parts: list[_Part] = []
    refs = {(r.kind, r.namespace, r.name) for r in primary}
    about = _recent_first([e for e in snap.of_kind("Event") if _event_ref(e) in refs])
    if about:
        parts.append(_Part("events of the objects in the findings",
                           lambda: [b.text(_events_text(about[:n], "Events")) for n in (MAX_EVENTS, 10, 4)],
                           "the most recent events"))
    pods = [r for r in [*primary, *secondary] if r.kind == "Pod"]
    parts.extend(b.log_part(key) for key in _log_keys(snap, pods))
    parts.extend(p for ref in primary if (p := b.obj_part(ref)) is not None)
    parts.extend(p for ref in secondary if (p := b.obj_part(ref, status_first=ref.kind == "Pod")) is not None)
    others = _recent_first([e for e in snap.of_kind("Event")
                            if e.get("type") == "Warning" and _event_ref(e) not in refs])
    if others:
        parts.append(_Part("other warning events",
                           lambda: [b.text(_events_text(others[:n], "Other warning events"))
                                    for n in (MAX_EVENTS, 10)],
                           "the most recent events"))
    if not findings and snap.target is None:
        parts.append(_Part("object inventory", lambda: [b.text(_inventory(snap))]))
    return parts


def _event_ref(ev: KubeObject) -> tuple[str, str | None, str]:
    ref = ev.get("involvedObject") or ev.get("regarding") or {}
    ns = ref.get("namespace") or namespace_of(ev)
    kind = ref.get("kind", "")
    if kind in BY_KIND and not BY_KIND[kind].namespaced:
        ns = None
    return kind, ns, ref.get("name", "")


def build_context(snapshot: Snapshot, findings: Sequence[Finding], *, anonymize: bool = False,
                  budget_tokens: int = DEFAULT_BUDGET_TOKENS) -> ContextPayload:
    """The redacted document for AI/MCP about `snapshot`'s scope and `findings`, within the budget."""
    anonymizer: Anonymizer | None = None
    if anonymize:
        anonymizer = Anonymizer()
        if snapshot.context:  # kubeconfig context names often carry account ids and cluster names
            anonymizer.register(snapshot.context, "cluster")
        anonymizer.learn_all(snapshot)
    b = _Builder(snapshot, anonymizer)
    budget_chars = max(budget_tokens, 0) * CHARS_PER_TOKEN
    cut: list[str] = []

    pieces: list[Redacted] = [b.text(_header(snapshot, findings))]
    used = len(pieces[0])
    compact = 0
    for i, f in enumerate(findings, 1):
        piece = b.text(_finding_text(i, f) + "\n")
        if used + len(piece) > budget_chars * FINDINGS_SHARE:
            piece = b.text(finding_line(i, f) + "\n")
            compact += 0 if f.caused_by else 1
        if used + len(piece) > budget_chars and i > 1:
            cut.append(f"findings {i}-{len(findings)} of {len(findings)} (over the token budget)")
            break
        pieces.append(piece)
        used += len(piece)
    if compact:
        cut.append(f"{compact} finding(s) shortened to one line (evidence left out)")

    part_cap = budget_chars * PART_SHARE
    for part in _parts(b, findings):
        # what is cut is said in the labels, anonymized like the payload (MCP may show them)
        label = b.text(part.label).text
        variants = part.build() if budget_chars - used >= MIN_PART_CHARS else []
        fits = [v for v in variants if used + len(v) <= budget_chars and len(v) <= part_cap]
        if not fits:
            cut.append(f"{label} (over the token budget)")
            continue
        if fits[0] is not variants[0] and part.short_note:
            cut.append(f"{label}: shortened to {part.short_note}")
        pieces.append(fits[0])
        used += len(fits[0])
    return ContextPayload(concat(pieces), budget_tokens, cut, anonymizer)
