"""Services and NetworkPolicies: traffic that cannot reach the pods it is meant for."""

from __future__ import annotations

from typing import Any

from kubectl_prism.analyzers import Rule, analyzer
from kubectl_prism.analyzers._index import (
    Clock,
    clock_of,
    closest_labels,
    compact_json,
    dig,
    duration_text,
    endpoint_slices,
    event_index,
    event_text,
    is_live,
    labels_text,
    pod_index,
    routes_to,
    selector_text,
    workload_ref,
)
from kubectl_prism.analyzers._util import pod_is_ready, ref, selector_matches
from kubectl_prism.analyzers.causes import Link, finding_on, pod_finding, pod_root
from kubectl_prism.analyzers.pod_evidence import clip
from kubectl_prism.analyzers.pod_status import PodProblem, pod_problem
from kubectl_prism.findings import Finding, ObjectRef, Remediation, Severity
from kubectl_prism.snapshot import KubeObject, Snapshot, name_of, namespace_of

NO_PODS = Rule("service-no-matching-pods", Severity.WARNING,
               "Service selector matches no pods (critical when pods with near-identical labels exist)")
NO_READY = Rule("service-no-ready-endpoints", Severity.CRITICAL,
                "Service selects pods but none is ready, by its Endpoints or EndpointSlices (warning when a "
                "pod finding or the NotReady node under stale pod statuses is the root cause)")
TARGET_PORT = Rule("service-target-port-mismatch", Severity.CRITICAL,
                   "Service targetPort matches no containerPort (by number or name) of its pods")
LB_PENDING = Rule("service-loadbalancer-pending", Severity.WARNING,
                  "LoadBalancer Service has had no external address for over 5 minutes")
ROUTED_TO_ZERO = Rule("service-backend-scaled-to-zero", Severity.WARNING,
                      "Service that an Ingress, HTTPRoute or another workload sends traffic to selects a "
                      "Deployment/StatefulSet scaled to 0 (a Service nothing routes to stays info)")
NETPOL_NO_PODS = Rule("networkpolicy-no-matching-pods", Severity.INFO,
                      "NetworkPolicy podSelector matches no pods (warning when it looks like a label typo)")

LB_GRACE_SECONDS = 300
# Pods younger than this may simply still be starting: no "no ready endpoints" finding for them alone.
STARTING_SECONDS = 120


@analyzer("services", NO_PODS, NO_READY, TARGET_PORT, LB_PENDING, ROUTED_TO_ZERO)
def analyze_services(snapshot: Snapshot) -> list[Finding]:
    pods = pod_index(snapshot)
    clock = clock_of(snapshot)
    findings: list[Finding] = []
    for svc in snapshot.of_kind("Service"):
        spec = svc.get("spec") or {}
        if spec.get("type") == "LoadBalancer" and (pending := _lb_pending(snapshot, svc, clock)):
            findings.append(pending)
        selector = spec.get("selector")
        if not selector or spec.get("type") == "ExternalName":
            continue  # endpoints managed by hand (or none needed)
        ns = namespace_of(svc)
        matched = pods.matching(ns, selector)
        if not matched:
            findings.append(_no_pods(snapshot, svc, selector, pods.in_namespace(ns)))
            continue
        live = [p for p in matched if is_live(p)]
        port_finding = _target_ports(snapshot, svc, live or matched)
        if port_finding:
            findings.append(port_finding)
            if port_finding.severity is Severity.CRITICAL:
                continue  # a named port that resolves nowhere already explains the missing endpoints
        if no_ready := _no_ready(snapshot, svc, selector, matched, live, clock):
            findings.append(no_ready)
    return findings


def _no_pods(
    snapshot: Snapshot, svc: KubeObject, selector: dict[str, Any], ns_pods: list[KubeObject]
) -> Finding:
    ns, name = namespace_of(svc), name_of(svc)
    evidence = [f"selector {selector_text(selector)} matches 0 of {len(ns_pods)} pods in {ns}"]
    workload, replicas = _template_owner(snapshot, ns, selector)
    if workload and replicas:
        # The selector is right; the workload has no pods (quota, admission, scheduling...): its finding
        # is the root cause.
        owner = f"{workload.kind.lower()}/{workload.name}"
        return Finding(
            NO_PODS.id, Severity.WARNING,
            f"Service {name} has no pods: {owner} should run {replicas} but has none", ref(svc),
            reason="NoPods",
            evidence=[*evidence, f"{owner} matches the selector with spec.replicas {replicas} and no pods"],
            remediation=[Remediation(f"See why {owner} creates no pods",
                                     f"kubectl -n {ns} describe {workload.kind.lower()} {workload.name}")],
            related=[workload],
            # The workload's own finding says why it has no pods (a quota, a webhook...): point at its cause.
            links=[Link(finding_on(_WORKLOAD_SHORT, workload, through=True, not_info=True))])
    if workload and (routes := routes_to(snapshot, ns, name)):
        kind = workload.kind.lower()
        return Finding(
            ROUTED_TO_ZERO.id, Severity.WARNING,
            f"Service {name} routes to nothing: {kind}/{workload.name} is scaled to 0", ref(svc),
            reason="NoPods",
            message="Requests routed here fail (503 from the ingress or gateway, refused for callers in the "
            "cluster): the only backend is scaled to 0.",
            evidence=[*evidence, f"{kind}/{workload.name} is scaled to 0 (spec.replicas: 0)", *routes[:4]],
            remediation=[
                Remediation(f"Scale {kind}/{workload.name} back up",
                            f"kubectl -n {ns} scale {kind} {workload.name} --replicas=1"),
                Remediation("Or, if it was retired on purpose, remove the routes that still point here",
                            f"kubectl -n {ns} get ingress,services"),
            ],
            related=[workload])
    if workload:
        scaled = workload
        return Finding(
            NO_PODS.id, Severity.INFO, f"Service {name} selects no pods: {scaled.kind.lower()}/{scaled.name} "
            "is scaled to 0", ref(svc), reason="NoPods",
            evidence=[*evidence, f"{scaled.kind.lower()}/{scaled.name} is scaled to 0 (spec.replicas: 0)"],
            remediation=[Remediation(
                f"Scale {scaled.kind.lower()}/{scaled.name} up if the Service should serve traffic",
                f"kubectl -n {ns} scale {scaled.kind.lower()} {scaled.name} --replicas=1")],
            related=[scaled],
        )
    change, matched = closest_labels(selector, ns_pods)
    remediation: list[Remediation] = []
    related: list[ObjectRef] = []
    severity = Severity.WARNING
    title = f"Service {name} selects no pods"
    if change:
        severity = Severity.CRITICAL  # the intended pods exist: traffic to them is black-holed
        related = _unique(workload_ref(snapshot, p) for p in matched)
        owners = ", ".join(f"{r.kind.lower()}/{r.name}" for r in related[:3])
        have = labels_text(change) or "none of the selector's extra labels"
        dropped = [k for k, v in change.items() if v is None]
        evidence.append(f"pods have {have} ({len(matched)} pods: {owners})"
                        + (f"; they carry no label {', '.join(dropped)}" if dropped else ""))
        title = f"Service {name} selects no pods: selector {selector_text(selector)} vs pod labels {have}"
        remediation.append(Remediation(
            f"Point the selector at the pods' labels ({have})",
            f"kubectl -n {ns} patch service {name} -p '{compact_json({'spec': {'selector': change}})}'"))
    else:
        remediation.append(Remediation("Compare the selector with the labels of the pods that should serve "
                                       "it", f"kubectl -n {ns} get pods --show-labels"))
    remediation.append(Remediation("Confirm the Service has no endpoints (its Endpoints line is empty)",
                                   f"kubectl -n {ns} describe service {name}"))
    return Finding(NO_PODS.id, severity, title, ref(svc), reason="NoPods",
                   message="Traffic sent to this Service goes nowhere: no pod carries the selector's labels.",
                   evidence=evidence, remediation=remediation, related=related)


# Workload findings that say why it runs fewer pods than it should.
_WORKLOAD_SHORT = ("deployment-replica-failure", "deployment-unavailable", "deployment-progress-deadline",
                   "statefulset-unavailable")


def _template_owner(
    snapshot: Snapshot, ns: str | None, selector: dict[str, Any]
) -> tuple[ObjectRef | None, int]:
    """The Deployment/StatefulSet whose pod template the selector matches, with its spec.replicas."""
    for kind in ("Deployment", "StatefulSet"):
        for obj in snapshot.of_kind(kind, ns):
            labels = dig(obj, "spec", "template", "metadata", "labels")
            if selector_matches(selector, labels):
                replicas = dig(obj, "spec", "replicas")
                return ref(obj), 1 if replicas is None else int(replicas)
    return None, 0


def _target_ports(snapshot: Snapshot, svc: KubeObject, pods: list[KubeObject]) -> Finding | None:
    ns, name = namespace_of(svc), name_of(svc)
    declared: dict[tuple[int, str], str] = {}  # (containerPort, protocol) -> name
    seen_owners: set[str] = set()
    for pod in pods:
        owner = next((o.get("uid", "") for o in dig(pod, "metadata", "ownerReferences") or []), None)
        if owner:  # replicas of one controller share their containers: read one of them
            if owner in seen_owners:
                continue
            seen_owners.add(owner)
        for container in dig(pod, "spec", "containers") or []:
            for port in container.get("ports") or []:
                if isinstance(port.get("containerPort"), int):
                    declared[(port["containerPort"], port.get("protocol") or "TCP")] = port.get("name") or ""
    names = {n for n in declared.values() if n}
    numbers = {num for num, _ in declared}
    problems: list[str] = []
    bad_ports: list[int] = []
    bad_targets: list[str] = []
    severity = Severity.WARNING
    for sp in dig(svc, "spec", "ports") or []:
        target = sp.get("targetPort", sp.get("port"))
        label = f"port {sp.get('port')}/{sp.get('protocol') or 'TCP'}"
        if isinstance(target, str) and not target.isdigit():
            if target not in names:
                severity = Severity.CRITICAL  # the endpoints controller skips pods that lack the named port
                problems.append(f"{label} targetPort {target}: no container of the {len(pods)} selected pods "
                                f"declares a port named {target}")
                bad_ports.append(sp.get("port"))
                bad_targets.append(str(target))
        elif target is not None and numbers and int(target) not in numbers:
            problems.append(f"{label} targetPort {target} matches no containerPort of the {len(pods)} "
                            "selected pods")
            bad_ports.append(sp.get("port"))
            bad_targets.append(str(target))
    if not problems:
        return None
    exposed = ", ".join(f"{num}/{proto}" + (f" ({pname})" if pname else "")
                        for (num, proto), pname in sorted(declared.items())) or "no ports"
    evidence = [*problems, f"pods declare {exposed}"]
    endpoints = snapshot.get("Endpoints", ns, name)
    if endpoints is not None and not any(s.get("addresses") for s in endpoints.get("subsets") or []):
        evidence.append(f"endpoints {name}: no ready addresses")
    remediation = []
    if len(numbers) == 1:
        (only,) = numbers
        patch = {"spec": {"ports": [{"port": p, "targetPort": only} for p in bad_ports]}}
        remediation.append(Remediation(f"Send the Service's traffic to the port the pods expose ({only})",
                                       f"kubectl -n {ns} patch service {name} -p '{compact_json(patch)}'"))
    else:
        remediation.append(Remediation(
            f"Set spec.ports[].targetPort of Service {name} to one of the pods' ports ({exposed}), or add "
            "the port to the container spec", f"kubectl -n {ns} get service {name} -o yaml"))
    return Finding(
        TARGET_PORT.id, severity,
        f"Service {name} targets port {', '.join(bad_targets)}, which its pods do not expose", ref(svc),
        reason="TargetPortMismatch",
        message="Connections to this port are refused or never reach a pod." if severity is Severity.CRITICAL
        else "The pods do not declare this port; unless the process listens on it anyway, connections fail.",
        evidence=evidence, remediation=remediation,
        related=_unique(workload_ref(snapshot, p) for p in pods),
    )


def _no_ready(
    snapshot: Snapshot, svc: KubeObject, selector: dict[str, Any], matched: list[KubeObject],
    live: list[KubeObject], clock: Clock,
) -> Finding | None:
    ns, name = namespace_of(svc), name_of(svc)
    if dig(svc, "spec", "publishNotReadyAddresses"):
        return None
    if any(pod_is_ready(p) for p in live):
        return None
    endpoints = snapshot.get("Endpoints", ns, name)
    subsets = (endpoints or {}).get("subsets") or []
    if any(s.get("addresses") for s in subsets):
        return None
    slices = endpoint_slices(snapshot, ns, name) if endpoints is None else []
    if any(ready for ready, _ in slices):
        return None
    candidates = sorted(live or matched, key=name_of)
    problems = [(pod, problem) for pod in candidates if (problem := pod_problem(pod, clock.now))]
    if not problems and all((clock.age(dig(p, "metadata", "creationTimestamp")) or 0) < STARTING_SECONDS
                            for p in candidates):
        return None  # a fresh rollout: pods are still starting
    evidence = [f"selector {selector_text(selector)} matches {len(matched)} pods, 0 ready"]
    if endpoints is not None:
        not_ready = sum(len(s.get("notReadyAddresses") or []) for s in subsets)
        evidence.append(f"endpoints {name}: 0 ready addresses, {not_ready} not ready")
    elif slices:
        evidence.append(f"endpointslices of {name}: 0 ready endpoints, {len(slices)} not ready")
    if not live:
        phases = sorted({dig(p, "status", "phase") or "" for p in matched})
        evidence.append(f"all {len(matched)} selected pods have terminated ({', '.join(phases)})")
    for pod, problem in problems[:3]:
        where = f" (container {problem.container})" if problem.container else ""
        detail = f": {problem.detail}" if problem.detail else ""
        evidence.append(f"pod {name_of(pod)}: {problem.reason}{where}{detail}")
    stale = [p for p in candidates if _stale_on_lost_node(snapshot, p)]
    if not problems and stale:
        node = dig(stale[0], "spec", "nodeName")
        evidence.append(f"{len(stale)} pod(s) on node {node} still report ready containers, but the pods are "
                        "not Ready: those statuses are stale, the node stopped reporting")
    if not problems:
        for pod in candidates[:3]:
            cond = next((c for c in dig(pod, "status", "conditions") or [] if c.get("type") == "Ready"), {})
            why = clip(": ".join(x for x in (cond.get("reason"), cond.get("message")) if x))
            evidence.append(f"pod {name_of(pod)}: phase {dig(pod, 'status', 'phase')}, not Ready"
                            + (f" ({why})" if why else ""))
    rep = candidates[0]
    if problems:
        rep, problem = problems[0]
        title, fix = _failing_pods(ns, name, rep, problem)
    else:
        title = f"Service {name} has no ready endpoints: none of its {len(candidates)} pods is ready"
        fix = Remediation("See why the pods are not Ready (readiness probe, startup, node)",
                          f"kubectl -n {ns} describe pod {name_of(rep)}")
    finding = Finding(
        NO_READY.id, Severity.CRITICAL, title, ref(svc),
        reason="NoReadyEndpoints", message="Requests to this Service fail: no pod is ready to receive them.",
        evidence=evidence,
        remediation=[fix, Remediation("Check that endpoints come back (the Endpoints line)",
                                      f"kubectl -n {ns} describe service {name}")],
        related=_unique(workload_ref(snapshot, p) for p in candidates),
        affected=[ref(p) for p in candidates],
    )
    if stale and not problems:
        finding.links = [Link(pod_root([ref(p) for p in stale], ("node-not-ready",)), then=_on_lost_node)]
    if problems:

        def symptom(finding: Finding, _: Finding | None) -> None:
            """The pod finding is the root cause: name the pod it names, as a warning."""
            rep, problem = _representative(problems, finding.caused_by)
            finding.title, finding.remediation[0] = _failing_pods(ns, name, rep, problem)
            finding.severity = Severity.WARNING

        finding.links = [Link(pod_finding(finding.affected), then=symptom)]
    return finding


def _on_lost_node(finding: Finding, node: Finding | None) -> None:
    finding.severity = Severity.WARNING  # the NotReady node is the root cause
    if node is not None:
        finding.title = f"{finding.title}: node {node.object.name} is NotReady"


def _stale_on_lost_node(snapshot: Snapshot, pod: KubeObject) -> bool:
    """Containers that say ready in a pod that is not Ready, on a node that is not Ready: the kubelet stopped
    reporting and the node controller marked the pod NotReady, leaving the container statuses stale."""
    statuses = dig(pod, "status", "containerStatuses") or []
    if not statuses or not all(cs.get("ready") for cs in statuses) or pod_is_ready(pod):
        return False
    node = snapshot.get("Node", None, dig(pod, "spec", "nodeName") or "")
    ready = next((c for c in dig(node, "status", "conditions") or [] if c.get("type") == "Ready"), None)
    return node is not None and (ready or {}).get("status") != "True"


def _failing_pods(ns: str | None, name: str, rep: KubeObject, problem: PodProblem) -> tuple[str, Remediation]:
    title = f"Service {name} has no ready endpoints: its pods are failing ({problem.reason})"
    fix = Remediation(f"Fix the pods first ({problem.rule_id} on pod {name_of(rep)}); the Service gets "
                      "endpoints once they are Ready", f"kubectl -n {ns} describe pod {name_of(rep)}")
    return title, fix


def _representative(
    problems: list[tuple[KubeObject, Any]], caused: dict[str, Any] | None
) -> tuple[KubeObject, Any]:
    """The pod (and problem) the pod finding names; else the first failing pod by name."""
    if caused:
        for pod, problem in problems:
            if problem.rule_id == caused.get("rule") and name_of(pod) == caused["object"].get("name"):
                return pod, problem
        for pod, problem in problems:
            if problem.rule_id == caused.get("rule"):
                return pod, problem
    return problems[0]


def _lb_pending(snapshot: Snapshot, svc: KubeObject, clock: Clock) -> Finding | None:
    if dig(svc, "status", "loadBalancer", "ingress"):
        return None
    age = clock.age(dig(svc, "metadata", "creationTimestamp"))
    if age is None or age < LB_GRACE_SECONDS:
        return None
    ns, name = namespace_of(svc), name_of(svc)
    evidence = [f"type LoadBalancer for {duration_text(age)}; status.loadBalancer.ingress is empty"]
    if cls := dig(svc, "spec", "loadBalancerClass"):
        evidence.append(f"loadBalancerClass {cls}")
    about = event_index(snapshot).about("Service", ns, name)
    warnings = [e for e in about if e.get("type") == "Warning"] or about
    evidence += [event_text(e) for e in warnings[-2:]]
    failed = next((e for e in reversed(about) if e.get("reason") == "SyncLoadBalancerFailed"), None)
    node_port = {"spec": {"type": "NodePort"}}
    return Finding(
        LB_PENDING.id, Severity.WARNING, f"LoadBalancer Service {name} has no external address after "
        f"{duration_text(age)}", ref(svc), reason=failed.get("reason") if failed else "Pending",
        message="No load-balancer controller has provisioned an address; clients outside the cluster cannot "
        "reach it (NodePorts still work).", evidence=evidence,
        remediation=[
            Remediation("Read the load-balancer controller's events",
                        f"kubectl -n {ns} describe service {name}"),
            Remediation("Without a cloud load balancer (kind, bare metal) install one such as MetalLB; or "
                        "expose the Service as NodePort instead",
                        f"kubectl -n {ns} patch service {name} -p '{compact_json(node_port)}'"),
        ],
    )


@analyzer("networkpolicies", NETPOL_NO_PODS)
def analyze_network_policies(snapshot: Snapshot) -> list[Finding]:
    pods = pod_index(snapshot)
    findings = []
    for policy in snapshot.of_kind("NetworkPolicy"):
        ns, name = namespace_of(policy), name_of(policy)
        selector = dig(policy, "spec", "podSelector") or {}
        if not selector.get("matchLabels") and not selector.get("matchExpressions"):
            continue  # `{}` selects every pod in the namespace
        if snapshot.namespace not in (None, ns) or pods.matching(ns, selector):
            continue
        ns_pods = pods.in_namespace(ns)
        change, matched = closest_labels(selector, ns_pods)
        evidence = [f"podSelector {selector_text(selector)} matches 0 of {len(ns_pods)} pods in {ns}"]
        types = ", ".join(dig(policy, "spec", "policyTypes") or ["Ingress"])
        remediation = [Remediation("Compare the selector with the pods' labels",
                                   f"kubectl -n {ns} get pods --show-labels")]
        if change and "matchLabels" in selector:
            evidence.append(f"pods have {labels_text(change)} ({len(matched)} pods)")
            patch = {"spec": {"podSelector": {"matchLabels": change}}}
            remediation.insert(0, Remediation(
                f"Select the pods' labels ({labels_text(change)})",
                f"kubectl -n {ns} patch networkpolicy {name} -p '{compact_json(patch)}'"))
        findings.append(Finding(
            NETPOL_NO_PODS.id, Severity.WARNING if change else Severity.INFO,
            f"NetworkPolicy {name} selects no pods: its {types} rules apply to nothing", ref(policy),
            reason="NoPods", message="The pods this policy was written for are not isolated by it.",
            evidence=evidence, remediation=remediation,
            related=_unique(ObjectRef("Pod", name_of(p), ns) for p in matched[:3]),
        ))
    return findings


def _unique(refs: Any) -> list[ObjectRef]:
    out: list[ObjectRef] = []
    for r in refs:
        if r not in out:
            out.append(r)
    return out
