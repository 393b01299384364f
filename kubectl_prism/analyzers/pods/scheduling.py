"""Findings for Pending pods the scheduler cannot place: its reasons, checked against the nodes."""

from __future__ import annotations

import json
import re
from typing import Any

from kubectl_prism.analyzers.pod_evidence import (
    cordon_only,
    event_line,
    event_message,
    scheduler_reasons,
    trim,
)
from kubectl_prism.analyzers.pod_groups import ProblemGroup
from kubectl_prism.analyzers.pod_status import UNSCHEDULABLE
from kubectl_prism.analyzers.pods.context import (
    PodContext,
    format_quantity,
    parse_quantity,
    pod_requests,
)
from kubectl_prism.findings import Finding, ObjectRef, Remediation, Severity
from kubectl_prism.snapshot import KubeObject, name_of

_INSUFFICIENT = re.compile(r"Insufficient (\S+)")


def build_unschedulable(ctx: PodContext, group: ProblemGroup) -> Finding:
    pod, ns = group.pod, group.namespace
    events = ctx.events.about("Pod", ns, name_of(pod), reason="FailedScheduling")
    message = event_message(events[-1]) if events else group.problem.detail
    reasons = scheduler_reasons(message)
    evidence = [f"PodScheduled=False Unschedulable: {trim(group.problem.detail, 240)}"]
    if events:
        evidence.append(event_line(events[-1], 240))
    remediation: list[Remediation] = []
    related: list[ObjectRef] = []
    checks = _Checks(ctx, group)
    for _, reason in reasons:
        checks.explain(reason)
    evidence += checks.evidence
    remediation += checks.remediation
    related += checks.related
    remediation.append(
        Remediation("See the scheduler's full message", group.kubectl("describe", "pod", name_of(pod)))
    )
    short = ", ".join(f"{n} {r}" if n else r for n, r in reasons[:3]) or trim(message, 120)
    title = group.headline(f"Pending: unschedulable ({trim(short, 160)})")
    text = f"The scheduler cannot place the pod on any node: {trim(message, 400)}" + (
        f" {checks.summary}" if checks.summary else ""
    )
    # A claim that cannot bind is the storage finding's root cause, cordoned nodes are the node finding's;
    # this pod is their symptom (the pod analyzer links it, or makes it critical again when it cannot).
    severity = Severity.WARNING if checks.pvc_only(reasons) or cordon_only(reasons) else Severity.CRITICAL
    return Finding(
        UNSCHEDULABLE,
        severity,
        title,
        ObjectRef.of(pod),
        reason="FailedScheduling",
        message=text,
        evidence=evidence,
        remediation=remediation,
        related=related,
    )


class _Checks:
    """Turns each scheduler reason into facts from the snapshot and concrete next steps."""

    def __init__(self, ctx: PodContext, group: ProblemGroup) -> None:
        self.ctx, self.group, self.pod = ctx, group, group.pod
        self.nodes = ctx.snapshot.of_kind("Node")
        self.evidence: list[str] = []
        self.remediation: list[Remediation] = []
        self.related: list[ObjectRef] = []
        self.summary = ""
        self._seen: set[str] = set()

    def pvc_only(self, reasons: list[tuple[int, str]]) -> bool:
        return bool(reasons) and all("PersistentVolumeClaim" in r for _, r in reasons)

    def explain(self, reason: str) -> None:
        if m := _INSUFFICIENT.search(reason):
            self._insufficient(m.group(1))
        elif "taint" in reason:
            self._once("taint", self._taints)
        elif "volume node affinity conflict" in reason:
            self._once("volume", self._volume_affinity)
        elif (
            "affinity/selector" in reason or "node affinity" in reason or "didn't match Pod's node" in reason
        ):
            self._once("selector", self._selector)
        elif "PersistentVolumeClaim" in reason:
            self._once("pvc", self._pvcs)
        elif "unschedulable" in reason:
            self._once("cordon", self._cordoned)
        elif "Too many pods" in reason:
            self._once(
                "pods",
                lambda: self.remediation.append(
                    Remediation(
                        "The nodes reached their pod limit (max pods): add nodes or raise the kubelet's "
                        "maxPods"
                    )
                ),
            )
        elif "anti-affinity" in reason or "pod affinity" in reason:
            self._once(
                "podaffinity",
                lambda: self.remediation.append(
                    Remediation(
                        "Pod (anti-)affinity rules leave no eligible node: relax them (preferred instead of "
                        "required) or add nodes/zones"
                    )
                ),
            )
        elif "free ports" in reason:
            self._once(
                "ports",
                lambda: self.remediation.append(
                    Remediation(
                        "The requested hostPort is taken on every node: drop hostPort or use a Service"
                    )
                ),
            )

    def _once(self, key: str, fn: Any) -> None:
        if key not in self._seen:
            self._seen.add(key)
            fn()

    def _insufficient(self, resource: str) -> None:
        if resource in self._seen:
            return
        self._seen.add(resource)
        wanted = pod_requests(self.pod, resource)
        if not wanted:
            return
        best: tuple[float, float, str] | None = None  # (free, allocatable, node)
        for node in self.nodes:
            alloc = parse_quantity(((node.get("status") or {}).get("allocatable") or {}).get(resource))
            if alloc is None:
                continue
            used = self.ctx.node_requests(resource).get(name_of(node), 0.0)
            free = alloc - used
            if best is None or free > best[0]:
                best = (free, alloc, name_of(node))

        def fmt(value: float) -> str:
            return format_quantity(resource, value, human=True)

        self.evidence.append(f"pod requests {resource}={fmt(wanted)}")
        largest = max(
            (
                parse_quantity(((n.get("status") or {}).get("allocatable") or {}).get(resource)) or 0
                for n in self.nodes
            ),
            default=0,
        )
        if best is not None:
            self.evidence.append(
                f"most free {resource} on a node: {fmt(max(best[0], 0))} of {fmt(best[1])} allocatable "
                f"({best[2]})"
            )
        container = _largest_container(self.pod, resource)
        target = self.group.template_target()
        if largest and wanted > largest:
            self.summary += (
                f" The pod requests {fmt(wanted)} {resource} but the largest node only has {fmt(largest)} "
                "allocatable: it can never fit."
            )
            if target and container:
                self.remediation.append(
                    Remediation(
                        f"Lower the {resource} request below what a node offers (e.g. half the largest "
                        "node's allocatable) or add bigger nodes",
                        self.group.kubectl(
                            "set",
                            "resources",
                            target,
                            "-c",
                            container,
                            f"--requests={resource}={format_quantity(resource, largest / 2)}",
                        ),
                    )
                )
                return
        self.remediation.append(
            Remediation(
                f"The nodes are full for {resource} (see Allocated resources per node): add capacity (scale "
                "the node pool) or lower the requests of this or other workloads",
                "kubectl describe nodes",
            )
        )

    def _taints(self) -> None:
        tolerations = (self.pod.get("spec") or {}).get("tolerations") or []
        untolerated: list[tuple[str, dict[str, Any]]] = []
        for node in self.nodes:
            for taint in (node.get("spec") or {}).get("taints") or []:
                if taint.get("effect") in ("NoSchedule", "NoExecute") and not _tolerates(tolerations, taint):
                    untolerated.append((name_of(node), taint))
        for node, taint in untolerated[:3]:
            self.evidence.append(f"node {node} has taint {_taint_str(taint)} (not tolerated)")
        app_taints = [
            t
            for _, t in untolerated
            if not t.get("key", "").startswith("node.kubernetes.io/")
            and t.get("key") != "node-role.kubernetes.io/control-plane"
        ]
        target = self.group.template_target()
        template_tolerations = bool(
            (self.pod.get("spec") or {}).get("tolerations")
            and any(not str(t.get("key", "")).startswith("node.kubernetes.io/") for t in tolerations)
        )
        if app_taints and target and not template_tolerations:
            taint = app_taints[0]
            toleration = {
                "key": taint.get("key"),
                "operator": "Equal" if taint.get("value") else "Exists",
                "effect": taint.get("effect"),
            }
            if taint.get("value"):
                toleration["value"] = taint["value"]
            patch = json.dumps(
                {"spec": {"template": {"spec": {"tolerations": [toleration]}}}}, separators=(",", ":")
            )
            self.remediation.append(
                Remediation(
                    f"If the pod is meant to run on the tainted nodes, tolerate {_taint_str(taint)}",
                    self.group.kubectl("patch", target, "-p", f"'{patch}'"),
                )
            )
        else:
            self.remediation.append(
                Remediation(
                    "Add a matching toleration to the pod template or schedule onto untainted nodes",
                    "kubectl get nodes -o custom-columns=NAME:.metadata.name,TAINTS:.spec.taints",
                )
            )

    def _selector(self) -> None:
        spec = self.pod.get("spec") or {}
        selector = spec.get("nodeSelector") or {}
        for key, value in sorted(selector.items()):
            matching = [
                name_of(n)
                for n in self.nodes
                if ((n.get("metadata") or {}).get("labels") or {}).get(key) == value
            ]
            self.evidence.append(
                f"nodeSelector {key}={value} matches {len(matching)} of {len(self.nodes)} nodes"
                if self.nodes
                else f"nodeSelector {key}={value}"
            )
        required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
            "requiredDuringSchedulingIgnoredDuringExecution"
        ) or {}
        for term in (required.get("nodeSelectorTerms") or [])[:2]:
            for expr in term.get("matchExpressions") or []:
                self.evidence.append(
                    f"required node affinity: {expr.get('key')} {expr.get('operator')} "
                    f"{expr.get('values') or ''}".rstrip()
                )
        keys = ",".join(sorted(selector)) or ",".join(
            sorted(
                {
                    e.get("key", "")
                    for t in required.get("nodeSelectorTerms") or []
                    for e in t.get("matchExpressions") or []
                }
            )
        )
        self.remediation.append(
            Remediation(
                "Label the nodes that should run this pod, or fix the nodeSelector/affinity in the pod "
                "template",
                f"kubectl get nodes -L {keys}" if keys else "kubectl get nodes --show-labels",
            )
        )

    def _pvcs(self) -> None:
        ns = self.group.namespace
        for claim in _claims(self.pod):
            pvc = self.ctx.snapshot.get("PersistentVolumeClaim", ns, claim)
            self.related.append(ObjectRef("PersistentVolumeClaim", claim, ns))
            if pvc is None:
                self.evidence.append(f"PersistentVolumeClaim {claim} not found")
                continue
            phase = (pvc.get("status") or {}).get("phase", "")
            if phase != "Bound":
                sc = (pvc.get("spec") or {}).get("storageClassName") or "(default)"
                self.evidence.append(
                    f"PersistentVolumeClaim {claim} is {phase or 'not bound'} (storageClassName {sc})"
                )
                self.remediation.append(
                    Remediation(
                        f"See why claim {claim} does not bind", self.group.kubectl("describe", "pvc", claim)
                    )
                )

    def _volume_affinity(self) -> None:
        ns = self.group.namespace
        for claim in _claims(self.pod):
            pvc = self.ctx.snapshot.get("PersistentVolumeClaim", ns, claim)
            volume = ((pvc or {}).get("spec") or {}).get("volumeName")
            pv = self.ctx.snapshot.get("PersistentVolume", None, volume) if volume else None
            if pv is None:
                continue
            self.related.append(ObjectRef("PersistentVolume", volume, None))
            terms = (((pv.get("spec") or {}).get("nodeAffinity") or {}).get("required") or {}).get(
                "nodeSelectorTerms"
            ) or []
            for term in terms[:1]:
                for expr in term.get("matchExpressions") or []:
                    key, values = expr.get("key", ""), expr.get("values") or []
                    self.evidence.append(
                        f"PersistentVolume {volume} (claim {claim}) requires nodes with {key} "
                        f"{expr.get('operator')} [{', '.join(values)}]"
                    )
                    have = sorted(
                        {
                            ((n.get("metadata") or {}).get("labels") or {}).get(key, "(unset)")
                            for n in self.nodes
                        }
                    )
                    if have:
                        self.evidence.append(f"nodes have {key}: {', '.join(have)}")
        self.remediation.append(
            Remediation(
                "The volume lives in a zone/node where the pod cannot run: make nodes available there, or "
                "use a StorageClass with volumeBindingMode: WaitForFirstConsumer for new claims"
            )
        )

    def _cordoned(self) -> None:
        cordoned = [name_of(n) for n in self.nodes if (n.get("spec") or {}).get("unschedulable")]
        for node in cordoned[:3]:
            self.evidence.append(f"node {node} is cordoned (spec.unschedulable=true)")
            self.related.append(ObjectRef("Node", node))
        if cordoned:
            self.remediation.append(
                Remediation(
                    f"Uncordon {cordoned[0]} once its maintenance is done", f"kubectl uncordon {cordoned[0]}"
                )
            )


def _claims(pod: KubeObject) -> list[str]:
    return [
        v["persistentVolumeClaim"]["claimName"]
        for v in (pod.get("spec") or {}).get("volumes") or []
        if (v.get("persistentVolumeClaim") or {}).get("claimName")
    ]


def _largest_container(pod: KubeObject, resource: str) -> str | None:
    best: tuple[float, str] | None = None
    for c in (pod.get("spec") or {}).get("containers") or []:
        value = parse_quantity(((c.get("resources") or {}).get("requests") or {}).get(resource)) or 0
        if best is None or value > best[0]:
            best = (value, c.get("name", ""))
    return best[1] if best and best[0] else None


def _tolerates(tolerations: list[dict[str, Any]], taint: dict[str, Any]) -> bool:
    for tol in tolerations:
        if tol.get("effect") and tol.get("effect") != taint.get("effect"):
            continue
        if not tol.get("key") and tol.get("operator") == "Exists":
            return True
        if tol.get("key") != taint.get("key"):
            continue
        if tol.get("operator") == "Exists" or tol.get("value", "") == taint.get("value", ""):
            return True
    return False


def _taint_str(taint: dict[str, Any]) -> str:
    value = f"={taint['value']}" if taint.get("value") else ""
    return f"{taint.get('key')}{value}:{taint.get('effect')}"
