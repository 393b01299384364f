"""The dependencies the evidence names: the Service a log cannot reach, found by name or ClusterIP.

A target scope holds what the target owns and what selects it; the root cause often sits elsewhere:
`connection to server at "db" (10.96.0.12), port 5432 failed` names Service `db`, whose selector
matches no pod. This module reads the text of the findings, log tails and events of the scope, finds
the Services it names (by ClusterIP, `name:port`, `"name"`, `//name`, `@name`, `host=name`,
`name.namespace.svc…`), and gathers each one's Endpoints, the pods its selector matches and — when
it matches none — the pods that carry the selector's keys with other values (the near misses that
show a mislabelled selector). What the scope did not read comes from `gather.on_demand` (live, or
the whole `--snapshot` folder); bounded to a few Services and pods.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from kubectl_prism.findings import Finding
from kubectl_prism.kinds import BY_KIND
from kubectl_prism.object_graph import selector_matches
from kubectl_prism.snapshot import KubeObject, Snapshot, meta, name_of, namespace_of
from kubectl_prism.textcut import head

MAX_SERVICES = 3
MAX_PODS = 5
LOG_LINES = 50
NEAR_LIKENESS = 0.6  # `postgresql` for `postgres` is 0.89; `worker` for it 0.14


@dataclass
class Dependency:
    service: KubeObject
    why: str  # the text that named it, clipped
    endpoints: KubeObject | None = None
    pods: list[KubeObject] = field(default_factory=list)  # what its selector matches
    near: list[KubeObject] = field(default_factory=list)  # same selector keys, other values

    @property
    def name(self) -> str:
        return name_of(self.service)


def evidence_lines(snapshot: Snapshot, findings: Sequence[Finding]) -> list[str]:
    """The text the scope's evidence is made of: findings, log tails, event messages."""
    lines: list[str] = []
    for f in findings:
        lines += [f.title, f.message, *f.evidence]
    for text in snapshot.logs.values():
        lines += text.splitlines()[-LOG_LINES:]
    lines += [str(e.get("message") or e.get("note") or "") for e in snapshot.of_kind("Event")]
    return [line for line in lines if line]


def _cluster_ips(service: KubeObject) -> list[str]:
    spec = service.get("spec") or {}
    ips = [spec.get("clusterIP"), *(spec.get("clusterIPs") or [])]
    return list(dict.fromkeys(ip for ip in ips if ip and ip != "None"))


def _patterns(service: KubeObject) -> list[re.Pattern[str]]:
    name = re.escape(name_of(service))
    ns = re.escape(namespace_of(service) or "")
    out = [
        rf"(?<![\w.-]){name}\.{ns}(?:\.svc(?:\.cluster\.local)?)?(?![\w-])",
        rf"(?:[\"'`]|//|@|host[=: ]+\"?|lookup |server at \"?){name}(?![\w-])(?!\.[a-z])",
        rf"(?<![\w.@/-]){name}:\d{{2,5}}(?!\d)",
    ]
    out += [rf"(?<![\d.]){re.escape(ip)}(?![\d])" for ip in _cluster_ips(service)]
    return [re.compile(p) for p in out]


def named_services(lines: Iterable[str], services: Iterable[KubeObject],
                   exclude: set[str]) -> list[tuple[KubeObject, str]]:
    """The Services (not in `exclude`) the lines name, each with the first line that names it."""
    found: list[tuple[KubeObject, str]] = []
    text = list(lines)
    for service in sorted(services, key=lambda s: -len(name_of(s))):
        name = name_of(service)
        if not name or name in exclude:
            continue
        needles = [name, *_cluster_ips(service)]
        patterns = _patterns(service)
        # the substring test is a cheap prefilter: every pattern holds the name or an IP literally
        hits = [ln.strip() for ln in text
                if any(n in ln for n in needles) and any(p.search(ln) for p in patterns)]
        if hits:
            found.append((service, head(min(hits, key=len), 240)))  # the most to-the-point line
    return found[:MAX_SERVICES]


def _likeness(selector: dict[str, str], pod: KubeObject) -> float:
    labels = meta(pod).get("labels") or {}
    ratios = [SequenceMatcher(None, v, str(labels[k])).ratio() for k, v in selector.items() if k in labels]
    return max(ratios, default=0.0)


def _selector_keys(service: KubeObject) -> dict[str, str]:
    return dict((service.get("spec") or {}).get("selector") or {})


def find_dependencies(snapshot: Snapshot, findings: Sequence[Finding], reader: object | None = None
                      ) -> list[Dependency]:
    """The Services named by the evidence of a target scope, with their endpoints and pods.

    `reader` (a `gather.on_demand.OnDemand`) reads what the scope did not; without it, only the
    scope's own objects are searched (a namespace scope holds them all).
    """
    ns = snapshot.namespace
    if ns is None:
        return []
    from kubectl_prism.gather.on_demand import OnDemand, OnDemandForbidden

    source = reader if isinstance(reader, OnDemand) else None

    def listed(kind: str, selector: str | None = None) -> list[KubeObject]:
        have = snapshot.of_kind(kind, ns)
        if source is None or (snapshot.target is None and kind in snapshot.objects):
            return have
        try:
            more = source.list(BY_KIND[kind], ns, selector) or []
        except OnDemandForbidden:
            return have
        seen = {name_of(o) for o in have}
        return have + [o for o in more if name_of(o) not in seen]

    # Services the target selects are in the context already; the dependency is another one.
    own = {name_of(s) for s in snapshot.of_kind("Service", ns)} if snapshot.target is not None else set()
    hits = named_services(evidence_lines(snapshot, findings), listed("Service"), own)
    if not hits:
        return []
    endpoints = {name_of(e): e for e in listed("Endpoints")}
    out = []
    for service, why in hits:
        selector = _selector_keys(service)
        query = ",".join(sorted(selector)) if selector else None  # pods carrying the keys at all
        candidates = listed("Pod", query) if selector else []
        matched = [p for p in candidates if selector_matches(selector, meta(p).get("labels"))]
        # No match: the pods whose labels come closest to the selector (`postgresql` for `postgres`).
        near = [] if matched else sorted(
            (p for p in candidates if _likeness(selector, p) >= NEAR_LIKENESS),
            key=lambda p: -_likeness(selector, p))
        out.append(Dependency(service, why, endpoints.get(name_of(service)), matched[:MAX_PODS],
                              near[:MAX_PODS]))
    return out
