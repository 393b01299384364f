"""Policies that block work: PodDisruptionBudgets that stop drains, exhausted ResourceQuotas."""

from __future__ import annotations

import re
from typing import Any

from kubectl_prism.analyzers import Rule, analyzer
from kubectl_prism.analyzers._index import (
    Clock,
    clock_of,
    closest_labels,
    compact_json,
    dig,
    event_text,
    is_live,
    labels_text,
    pod_index,
    selector_text,
    squeeze,
)
from kubectl_prism.analyzers._util import owner_chain, pod_is_ready, ref
from kubectl_prism.analyzers.causes import Link, pod_finding
from kubectl_prism.analyzers.pod_evidence import clip, event_message
from kubectl_prism.analyzers.pod_status import pod_problem
from kubectl_prism.findings import Finding, ObjectRef, Remediation, Severity
from kubectl_prism.quantity import parse_quantity
from kubectl_prism.snapshot import KubeObject, Snapshot, name_of, namespace_of

PDB_BLOCKING = Rule("pdb-blocking-disruptions", Severity.WARNING,
                    "PodDisruptionBudget allows 0 disruptions: drains and upgrades hang on its pods")
PDB_NO_PODS = Rule("pdb-no-matching-pods", Severity.INFO,
                   "PodDisruptionBudget selects no pods (warning when it looks like a label typo)")
QUOTA = Rule("resourcequota-exhausted", Severity.WARNING,
             "ResourceQuota is used up for a resource (critical when it is rejecting pods)")

_EXCEEDED = re.compile(r"exceeded quota: ([^,\s]+)")


@analyzer("disruptionbudgets", PDB_BLOCKING, PDB_NO_PODS)
def analyze_pdbs(snapshot: Snapshot) -> list[Finding]:
    pods = pod_index(snapshot)
    clock = clock_of(snapshot)
    findings: list[Finding] = []
    for pdb in snapshot.of_kind("PodDisruptionBudget"):
        ns = namespace_of(pdb)
        status = pdb.get("status") or {}
        if (status.get("disruptionsAllowed") or 0) > 0:
            continue  # evictions are possible, so it protects healthy pods
        selector = dig(pdb, "spec", "selector")
        live = [p for p in pods.matching(ns, selector, empty_matches_all=True) if is_live(p)]
        expected = status.get("expectedPods")
        if not live and not expected:
            if snapshot.namespace in (None, ns) and selector:
                findings.append(_no_pods(pdb, selector, pods.in_namespace(ns)))
            continue
        if status.get("disruptionsAllowed") == 0:
            findings.append(_blocking(snapshot, pdb, live, clock))
    return findings


def _no_pods(pdb: KubeObject, selector: dict[str, Any], ns_pods: list[KubeObject]) -> Finding:
    ns, name = namespace_of(pdb), name_of(pdb)
    change, matched = closest_labels(selector, ns_pods)
    evidence = [f"selector {selector_text(selector)} matches 0 of {len(ns_pods)} pods in {ns}"]
    fix = [Remediation("Compare the selector with the pods' labels",
                       f"kubectl -n {ns} get pods --show-labels")]
    if change and "matchLabels" in selector:
        evidence.append(f"pods have {labels_text(change)} ({len(matched)} pods)")
        patch = {"spec": {"selector": {"matchLabels": change}}}
        fix.insert(0, Remediation(
            f"Select the pods' labels ({labels_text(change)})",
            f"kubectl -n {ns} patch poddisruptionbudget {name} -p '{compact_json(patch)}'"))
    return Finding(
        PDB_NO_PODS.id, Severity.WARNING if change else Severity.INFO,
        f"PodDisruptionBudget {name} selects no pods: it protects nothing", ref(pdb), reason="NoPods",
        message="Voluntary disruptions (drains, upgrades) can take all of the intended pods down at once.",
        evidence=evidence, remediation=fix)


def _blocking(snapshot: Snapshot, pdb: KubeObject, live: list[KubeObject], clock: Clock) -> Finding:
    ns, name = namespace_of(pdb), name_of(pdb)
    spec, status = pdb.get("spec") or {}, pdb.get("status") or {}
    healthy, desired = status.get("currentHealthy"), status.get("desiredHealthy")
    expected = status.get("expectedPods", len(live))
    budget = (f"minAvailable {spec['minAvailable']}" if "minAvailable" in spec
              else f"maxUnavailable {spec.get('maxUnavailable')}")
    evidence = [f"disruptionsAllowed=0, currentHealthy={healthy}, desiredHealthy={desired}, "
                f"expectedPods={expected}",
                f"spec.{budget.replace(' ', ' = ', 1)}"]
    cond = next((c for c in status.get("conditions") or [] if c.get("type") == "DisruptionAllowed"), None)
    if cond and cond.get("reason"):
        evidence.append(f"DisruptionAllowed={cond.get('status')} reason={cond['reason']}")
    unhealthy = sorted((p for p in live if not pod_is_ready(p)), key=name_of)
    links: list[Link] = []
    if isinstance(healthy, int) and isinstance(desired, int) and healthy < desired and unhealthy:
        problems = [(p, prob) for p in unhealthy if (prob := pod_problem(p, clock.now))]
        for pod, problem in problems[:2]:
            detail = f": {problem.detail}" if problem.detail else ""
            evidence.append(f"pod {name_of(pod)}: {problem.reason}{detail}")
        if problems:
            links.append(Link(pod_finding(ref(p) for p in unhealthy)))
        title = (f"PodDisruptionBudget {name} allows no disruptions: it needs {desired} healthy pods and has "
                 f"{healthy}")
        fix = [Remediation("Fix the unhealthy pods; the budget allows evictions again once they are Ready",
                           f"kubectl -n {ns} describe pod {name_of(unhealthy[0])}")]
    else:
        title = f"PodDisruptionBudget {name} can never allow an eviction ({budget} with {expected} pods)"
        patch = {"spec": {"minAvailable": None, "maxUnavailable": 1}}
        fix = [Remediation("Allow one pod at a time to be evicted (or run more replicas than minAvailable)",
                           f"kubectl -n {ns} patch poddisruptionbudget {name} -p '{compact_json(patch)}'")]
    return Finding(
        PDB_BLOCKING.id, Severity.WARNING, title, ref(pdb), reason="InsufficientPods",
        message="kubectl drain, node upgrades and autoscaler scale-downs wait forever on these pods.",
        evidence=evidence, remediation=fix, affected=[ref(p) for p in (unhealthy or live)], links=links)


# --- ResourceQuota -------------------------------------------------------------------------------------


@analyzer("quotas", QUOTA)
def analyze_quotas(snapshot: Snapshot) -> list[Finding]:
    rejected = _rejections(snapshot)
    return [f for quota in snapshot.of_kind("ResourceQuota")
            if (f := _quota(snapshot, quota, rejected.get((namespace_of(quota), name_of(quota)), [])))]


# (the controller refused its pods, its words as evidence, when): from a FailedCreate event or, once the
# events have expired, from the ReplicaFailure condition a ReplicaSet or Deployment keeps.
_Rejection = tuple[ObjectRef, str, str]


def _rejections(snapshot: Snapshot) -> dict[tuple[str | None, str], list[_Rejection]]:
    rejected: dict[tuple[str | None, str], list[_Rejection]] = {}
    for ev in snapshot.of_kind("Event"):
        if ev.get("reason") == "FailedCreate" and (m := _EXCEEDED.search(event_message(ev))):
            involved = ev.get("involvedObject") or ev.get("regarding") or {}
            ns = involved.get("namespace") or namespace_of(ev)
            who = ObjectRef(involved.get("kind", ""), involved.get("name", ""), ns)
            when = ev.get("lastTimestamp") or ""
            rejected.setdefault((ns, m.group(1)), []).append((who, event_text(ev, 260), when))
    for kind in ("ReplicaSet", "Deployment"):
        for obj in snapshot.of_kind(kind):
            for cond in dig(obj, "status", "conditions") or []:
                if cond.get("type") == "ReplicaFailure" and cond.get("status") == "True" \
                        and (m := _EXCEEDED.search(clip(cond.get("message") or ""))):
                    ns, who = namespace_of(obj), ref(obj)
                    known = rejected.setdefault((ns, m.group(1)), [])
                    if not any(r[0] == who for r in known):
                        line = f"condition ReplicaFailure=True: {squeeze(cond.get('message') or '', 260)}"
                        known.append((who, line, cond.get("lastTransitionTime") or ""))
    return rejected


def _quota(snapshot: Snapshot, quota: KubeObject, events: list[_Rejection]) -> Finding | None:
    ns, name = namespace_of(quota), name_of(quota)
    hard = dig(quota, "status", "hard") or dig(quota, "spec", "hard") or {}
    used = dig(quota, "status", "used") or {}
    full = []
    for resource, limit in hard.items():
        limit_value, used_value = parse_quantity(limit), parse_quantity(used.get(resource))
        if limit_value is None or used_value is None:
            continue
        # A hard limit of 0 forbids the resource on purpose; only report it when it rejects something.
        if used_value >= limit_value and (limit_value > 0 or events):
            full.append(resource)
    if not full and not events:
        return None
    evidence = [f"{r} used {used.get(r)} of {hard.get(r)}" for r in full]
    rejected: list[ObjectRef] = []
    for who, line, _ in sorted(events, key=lambda r: r[2], reverse=True):
        if who not in rejected:
            rejected.append(who)
            evidence.append(f"{who.kind.lower()}/{who.name}: {line}")
    owners = _owners(snapshot, rejected)
    resources = ", ".join(full) or "its limits"
    if events:
        title = (f"ResourceQuota {name} is exhausted ({resources}): {len(owners or rejected)} workload(s) "
                 "cannot create pods")
    else:
        title = f"ResourceQuota {name} is used up ({resources}): the next pod will be rejected"
    raised = {r: doubled for r in full if (doubled := _double(str(hard[r])))}
    fix = [Remediation("See the quota's usage", f"kubectl -n {ns} describe resourcequota {name}")]
    if raised:
        fix.insert(0, Remediation(
            f"Raise the quota (e.g. {labels_text(dict(raised))}) if the namespace may use more",
            f"kubectl -n {ns} patch resourcequota {name} -p '{compact_json({'spec': {'hard': raised}})}'"))
    fix.append(Remediation("Or lower the requests/limits or replicas of the workloads in the namespace, or "
                           "delete finished pods and unused objects counted by the quota"))
    return Finding(
        QUOTA.id, Severity.CRITICAL if events else Severity.WARNING, title, ref(quota),
        reason="FailedCreate" if events else "QuotaExhausted",
        message="Pods (or other objects) over the quota are rejected at admission; workloads stay below "
        "their desired replicas.", evidence=evidence, remediation=fix, affected=rejected + owners)


def _owners(snapshot: Snapshot, refs: list[ObjectRef]) -> list[ObjectRef]:
    out: list[ObjectRef] = []
    for r in refs:
        obj = snapshot.get(r.kind, r.namespace, r.name)
        for parent in owner_chain(snapshot, obj) if obj else []:
            if ref(parent) not in out:
                out.append(ref(parent))
    return out


def _double(quantity: str) -> str | None:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([A-Za-z]*)", quantity)
    if not m:
        return None
    number = float(m.group(1)) * 2
    text = str(int(number)) if number.is_integer() else f"{number:g}"
    return text + m.group(2)
