"""The cluster context that AI and MCP receive: scoped, trimmed, redacted, fenced and token-budgeted.

`build_context(snapshot, findings)` returns the one document every outside path sends — `explain`,
`diagnose --ai`, the report summary and `kubectl prism context` (which prints it). It is built only
from `Redacted` parts, so it can be handed to a provider as is. Our own headings stay outside; every
piece of cluster text sits between nonce fences (`redact.fence`), so a log line cannot pose as a
heading of this document. Sections, most telling first:

1. scope, when the data was collected, object counts and gaps (what could not be read);
2. the rule findings with their evidence and remediation (one line each past half the budget);
3. warning events about the objects in the findings (those the evidence already quotes left out);
4. the dependencies the evidence names (`ai.dependencies`): the Service a log cannot reach, its
   selector, endpoints and the pods it matches or nearly matches;
5. log tails of the failing containers, each log once;
6. the objects behind the findings, trimmed to what diagnosis needs, without uids and condition
   timestamps; a pod whose containers only repeat a template already sent is sent as its status;
7. other warning events, then the normal events of the findings' objects.

Tokens are counted with a real tokenizer (`tokens.py`: tiktoken's o200k_base unless told which). What
does not fit `budget_tokens` is shortened or left out, and both `cut` and the payload's last section
say so, so the model knows what it does not see.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kubectl_prism import context_parts as cp
from kubectl_prism.context_parts import finding_line
from kubectl_prism.findings import Finding, ObjectRef
from kubectl_prism.kinds import BY_KIND
from kubectl_prism.redact import Anonymizer, Redacted, concat, fence, new_nonce, redact_object, redact_text
from kubectl_prism.snapshot import KubeObject, LogKey, Snapshot, namespace_of

if TYPE_CHECKING:
    from kubectl_prism.ai.dependencies import Dependency
    from kubectl_prism.tokens import Counter

__all__ = ["DEFAULT_BUDGET_TOKENS", "ContextPayload", "build_context", "finding_line"]

DEFAULT_BUDGET_TOKENS = 3500
LOG_TAIL_LINES = (30, 10, 3)
MAX_LOG_LINE = 400
FINDINGS_SHARE = 0.45  # findings in full up to this share of the budget, one line each after it
PART_SHARE = 0.3  # no single object, log or event list takes more than this share
MAX_EVENTS = 30
FOOTER_RESERVE = 25  # tokens kept for the title of the "left out" section; each line takes its own
MIN_PART_TOKENS = 40  # below this much room left, nothing more is even built
_NONCE_FOR_COUNTING = "0a" * 8  # 22 o200k tokens in a fence line: more than any 16-hex nonce
WORKLOAD_KINDS = ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job")


@dataclass
class ContextPayload:
    payload: Redacted
    budget_tokens: int
    cut: list[str] = field(default_factory=list)
    anonymizer: Anonymizer | None = None
    tokens: int = 0
    counted_with: str = ""
    collected: str = ""

    @property
    def counts(self) -> Mapping[str, int]:
        return self.payload.counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "apiVersion": "prism/v1",
            "kind": "AIContext",
            "payload": self.payload.text,
            "redactions": dict(self.counts),
            "tokens": self.tokens,
            "tokensCountedWith": self.counted_with,
            "budgetTokens": self.budget_tokens,
            "collected": self.collected,
            "cut": list(self.cut),
            "anonymized": self.anonymizer is not None,
            "sha256": self.payload.sha256(),
            "bytes": len(self.payload.encode()),
        }


@dataclass
class _Part:
    """One candidate section: its variants from fullest to shortest (built only when there is room
    left for them), and what to say when a shorter one was used."""

    label: str
    build: Callable[[], list[Redacted]]
    short_note: str = ""
    obj: KubeObject | None = None  # the object it shows, once it is in the payload


class _Builder:
    def __init__(self, snapshot: Snapshot, anonymizer: Anonymizer | None, nonce: str) -> None:
        self.snapshot = snapshot
        self.anonymizer = anonymizer
        self.nonce = nonce
        self.claimed: set[tuple[str, str | None, str]] = set()  # objects with a part of their own
        self.included: list[KubeObject] = []  # objects already in the payload, in order
        self.logs_sent: set[str] = set()

    def text(self, text: str) -> Redacted:
        return redact_text(text, anonymizer=self.anonymizer)

    def section(self, title: str, body: Redacted | str, label: str | None = None) -> Redacted:
        """Our heading, then the cluster text between fences."""
        content = body if isinstance(body, Redacted) else self.text(body)
        return self.text(f"\n{title}\n").merge(
            fence(content, self.nonce, self.text(label) if label else None), self.text("\n"))

    # --- objects ---------------------------------------------------------------------------------
    def obj_part(self, ref: ObjectRef, status_first: bool = False) -> _Part | None:
        key = (ref.kind, ref.namespace, ref.name)
        obj = self.snapshot.get(*key)
        if obj is None or key in self.claimed:
            return None
        self.claimed.add(key)  # a second mention of the same object adds nothing

        def build() -> list[Redacted]:
            note, shown = self._without_repeats(obj)
            title = f"### {cp.ref_line(ref)}" + (f" ({note})" if note else "")
            forms = [True] if status_first else [False, True]
            return [self.section(title, redact_object(cp.model_object(shown, status_only=short),
                                                      anonymizer=self.anonymizer, fmt="yaml"))
                    for short in forms]

        return _Part(f"object {cp.ref_line(ref)}", build, "status only", obj)

    def _without_repeats(self, obj: KubeObject) -> tuple[str, KubeObject]:
        """Leave out a pod spec (or pod template) that only repeats one already in the payload."""
        others = [o for o in self.included if o is not obj]
        if obj.get("kind") == "Pod":
            workload = cp.pod_repeats_template(obj, [o for o in others if o.get("kind") in WORKLOAD_KINDS])
            if workload is not None:
                return (f"spec: the containers of the {cp.ref_line(ObjectRef.of(workload))} template",
                        {k: v for k, v in obj.items() if k != "spec"})
        elif obj.get("kind") in WORKLOAD_KINDS:
            pods = [p for p in others if p.get("kind") == "Pod"]
            pod = next((p for p in pods if cp.pod_repeats_template(p, [obj])), None)
            if pod is not None:
                spec = dict(obj.get("spec") or {})
                template = dict(spec.get("template") or {})
                template["spec"] = "(same containers as Pod " + cp.ref_line(ObjectRef.of(pod)) + " above)"
                spec["template"] = template
                return "pod template: the pod's containers above", {**obj, "spec": spec}
        return "", obj

    # --- logs ------------------------------------------------------------------------------------
    def log_part(self, key: LogKey) -> _Part | None:
        text = self.snapshot.logs[key]
        if text in self.logs_sent:
            return None  # the same tail under another key (a previous log equal to the current one)
        self.logs_sent.add(text)
        label = f"logs of {key.namespace}/{key.pod} container {key.container}" + (
            " (previous)" if key.previous else "")
        total = len(text.rstrip("\n").split("\n"))

        def build() -> list[Redacted]:
            # Redact the whole log first, then cut: a secret cut in half would no longer be recognised.
            clean = self.text(text)
            return [self.section(f"### {label}: last {min(n, total)} of {total} lines",
                                 clean.tail(n, MAX_LOG_LINE), label) for n in LOG_TAIL_LINES]

        return _Part(label, build, f"last {LOG_TAIL_LINES[-1]} lines")

    def events_part(self, events: list[KubeObject], title: str, sizes: tuple[int, ...]) -> _Part | None:
        if not events:
            return None
        return _Part(title.lower(), lambda: [
            self.section(f"## {title}", "\n".join(cp.event_line(e) for e in events[:n]), title.lower())
            for n in sizes], "the most recent events")

    def dependency_part(self, dep: Dependency) -> _Part:
        ref = ObjectRef.of(dep.service)

        def build() -> list[Redacted]:
            title = f"### {cp.ref_line(ref)} (named by the evidence)"
            summary = self.text(cp.dependency_text(dep))
            full = redact_object(cp.model_object(dep.service), anonymizer=self.anonymizer, fmt="yaml")
            return [self.section(title, summary.merge(self.text("\n"), full)), self.section(title, summary)]

        self.claimed.add((ref.kind, ref.namespace, ref.name))
        return _Part(f"dependency {cp.ref_line(ref)}", build, "its summary", dep.service)


def _header(snapshot: Snapshot, findings: Sequence[Finding], collected: str) -> str:
    target = str(snapshot.target) if snapshot.target else None
    scope = [f"context={snapshot.context or '-'}",
             f"namespace={snapshot.namespace or ('-' if target else 'all')}",
             f"target={target or '-'}", f"source={snapshot.source}"]
    counts = ", ".join(f"{kind} {n}" for kind, n in snapshot.counts().items()) or "none"
    lines = ["# Kubernetes context from kubectl-prism (secrets redacted)", f"scope: {' '.join(scope)}",
             f"collected: {collected}", f"objects read: {counts}"]
    lines.extend(f"gap: {gap.line()}" for gap in snapshot.gaps)
    return "\n".join(lines) + "\n"


def _event_ref(ev: KubeObject) -> tuple[str, str | None, str]:
    ref = ev.get("involvedObject") or ev.get("regarding") or {}
    ns = ref.get("namespace") or namespace_of(ev)
    kind = ref.get("kind", "")
    if kind in BY_KIND and not BY_KIND[kind].namespaced:
        ns = None
    return kind, ns, ref.get("name", "")


def _quoted(ev: KubeObject, findings_text: str) -> bool:
    """An event the findings' evidence already quotes (its message, or the start of it)."""
    message = cp.without_uids(" ".join(str(ev.get("message") or "").split()))
    return bool(message) and message[:60] in findings_text


def _parts(b: _Builder, findings: Sequence[Finding], findings_text: str,
           dependencies: Sequence[Dependency]) -> list[_Part | None]:
    snap = b.snapshot
    primary, secondary = cp.refs_of(findings)
    if snap.target is not None:
        ns = snap.namespace if snap.target.info.namespaced else None
        target = ObjectRef(snap.target.kind, snap.target.name, ns)
        primary = [target, *(r for r in primary if r != target)]
    refs = {(r.kind, r.namespace, r.name) for r in primary}
    events = snap.of_kind("Event")
    about = [e for e in cp.newest_first(events) if _event_ref(e) in refs and not _quoted(e, findings_text)]
    warnings = [e for e in about if e.get("type") == "Warning"]
    normal = [e for e in about if e.get("type") != "Warning"]
    others = [e for e in cp.newest_first(events) if e.get("type") == "Warning" and _event_ref(e) not in refs]
    parts: list[_Part | None] = [b.events_part(warnings, "Warning events", (MAX_EVENTS, 10, 4))]
    parts += [b.dependency_part(d) for d in dependencies]
    pods = [r for r in [*primary, *secondary] if r.kind == "Pod"]
    parts += [b.log_part(key) for key in cp.log_keys(snap, pods)]
    parts += [b.obj_part(ref) for ref in primary]
    parts += [b.obj_part(ref, status_first=ref.kind == "Pod") for ref in secondary]
    parts.append(b.events_part(others, "Other warning events", (MAX_EVENTS, 10)))
    parts.append(b.events_part(normal, "Normal events", (10, 4)))
    if not findings and snap.target is None:
        parts.append(_Part("object inventory",
                           lambda: [b.section("## Objects in scope", cp.inventory(snap))]))
    return parts


def build_context(snapshot: Snapshot, findings: Sequence[Finding], *, anonymize: bool = False,
                  budget_tokens: int = DEFAULT_BUDGET_TOKENS, dependencies: Sequence[Dependency] = (),
                  counter: Counter | None = None, nonce: str | None = None) -> ContextPayload:
    """The redacted document for AI/MCP about `snapshot`'s scope and `findings`, within the budget."""
    from kubectl_prism.ai.changes import collected_at
    from kubectl_prism.tokens import counter as default_counter

    real_count = (counter or default_counter()).count
    nonce = nonce or new_nonce()

    def count(text: str) -> int:
        # The nonce is random and so is its token count (11 to 21 per fence with o200k): count
        # every nonce as a placeholder that costs at least as much, so what fits the budget never
        # depends on the draw and two runs differ in the nonce alone.
        return real_count(text.replace(nonce, _NONCE_FOR_COUNTING))

    anonymizer: Anonymizer | None = None
    if anonymize:
        anonymizer = Anonymizer()
        if snapshot.context:  # kubeconfig context names often carry account ids and cluster names
            anonymizer.register_context(snapshot.context)
        anonymizer.learn_all(snapshot)
        for dep in dependencies:
            anonymizer.learn_all([dep.service, *dep.pods, *dep.near])
    b = _Builder(snapshot, anonymizer, nonce)
    when, how = collected_at(snapshot)
    collected = f"{when.strftime('%Y-%m-%dT%H:%M:%SZ')} ({how})"
    budget = max(budget_tokens, 0)
    room = budget - FOOTER_RESERVE
    cut: list[str] = []

    def left_out(line: str) -> None:
        # Each line of the "left out" section costs tokens too: take them from the room.
        nonlocal room
        cut.append(line)
        room -= count(f"- {line}\n")

    pieces: list[Redacted] = [b.text(_header(snapshot, findings, collected))]
    labels = ["header"]
    used = count(pieces[0].text)
    findings_text, compact = _findings(findings, room, used, count, left_out)
    if findings:
        pieces.append(b.section(f"## Findings ({len(findings)})", findings_text, "rule findings"))
    else:
        pieces.append(b.text("\n## Findings\nnone: the rules found no problem\n"))
    labels.append("findings")
    used += count(pieces[-1].text)
    if compact:
        left_out(f"{compact} finding(s) shortened to one line (evidence left out)")

    for part in _parts(b, findings, findings_text, dependencies):
        if part is None:
            continue
        label = b.text(part.label).text  # anonymized like the payload (MCP may show it)
        variants = part.build() if room - used >= MIN_PART_TOKENS else []
        sized = [(v, count(v.text)) for v in variants]
        fits = [(v, n) for v, n in sized if used + n <= room and n <= budget * PART_SHARE]
        if not fits:
            left_out(f"{label} (over the token budget)")
            continue
        if fits[0][0] is not sized[0][0] and part.short_note:
            left_out(f"{label}: shortened to {part.short_note}")
        pieces.append(fits[0][0])
        labels.append(label)
        used += fits[0][1]
        if part.obj is not None:
            b.included.append(part.obj)
    payload = _with_footer(b, pieces, cut)
    tokens = count(payload.text)
    while tokens > budget and len(pieces) > 2:  # counts do not add up exactly across part boundaries
        pieces.pop()
        cut.append(f"{labels.pop()} (over the token budget)")
        payload = _with_footer(b, pieces, cut)
        tokens = count(payload.text)
    return ContextPayload(payload, budget_tokens, cut, anonymizer, real_count(payload.text),
                          (counter or default_counter()).name, collected)


def _findings(findings: Sequence[Finding], room: int, used: int, count: Callable[[str], int],
              left_out: Callable[[str], None]) -> tuple[str, int]:
    lines: list[str] = []
    compact = 0
    for i, f in enumerate(findings, 1):
        piece = cp.finding_text(i, f)
        n = count(piece)
        if used + n > room * FINDINGS_SHARE:
            piece = finding_line(i, f)
            n = count(piece)
            compact += 0 if f.caused_by else 1
        if used + n > room and i > 1:
            left_out(f"findings {i}-{len(findings)} of {len(findings)} (over the token budget)")
            break
        lines.append(piece)
        used += n
    return "\n".join(lines), compact


def _with_footer(b: _Builder, pieces: list[Redacted], cut: list[str]) -> Redacted:
    if not cut:
        return concat(pieces)
    over = " (over the token budget)"
    objects = [c[len("object "):-len(over)] for c in cut if c.startswith("object ") and c.endswith(over)]
    lines = [f"- {c}" for c in cut if not (c.startswith("object ") and c.endswith(over))]
    if objects:  # one line for the objects: the list stays short when many are left out
        lines.insert(0, f"- objects{over}: {', '.join(objects)}")
    left_out = "\n".join(lines)
    title = b.text("\n## Left out to fit the budget (ask for these if they matter)\n")
    footer = title.merge(b.text(left_out), b.text("\n"))
    return concat([*pieces, footer])
