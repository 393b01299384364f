"""Pod analyzers: one finding per root cause, grouped by the pods' top owner
(docs/findings.md, docs/architecture.md#an-analyzer-rule).

The groups come from the index (pod_groups.py): pods with the same namespace, top owner, rule and container
are one finding whose object is the first pod by name, whose owner is the top owner and whose `affected`
lists every pod. Workload, Service, webhook and budget findings that only echo a pod problem point here.

Pod findings are symptoms themselves (warnings with caused_by, linked by causes.py after every rule ran)
when another finding explains them: a crash that names a Service whose pods are broken or whose
selector/port is wrong, a pod Pending on a claim that cannot bind or on cordoned nodes only, an eviction by
a node under pressure, a pod stuck on a dead node.
"""

from __future__ import annotations

from collections.abc import Callable

from kubectl_prism.analyzers import Rule, analyzer
from kubectl_prism.analyzers._index import pod_index
from kubectl_prism.analyzers.causes import Link, Want, finding_on, pod_finding, pod_root
from kubectl_prism.analyzers.pod_evidence import EventIndex, snapshot_now
from kubectl_prism.analyzers.pod_groups import ProblemGroup, problem_groups
from kubectl_prism.analyzers.pod_status import (
    CONFIG_ERROR,
    CRASH_LOOP,
    EVICTED,
    FAILED,
    IMAGE_PULL,
    INIT_FAILING,
    LIVENESS_RESTARTS,
    OOM_KILLED,
    PROBE_FAILING,
    RUN_ERROR,
    STUCK_TERMINATING,
    UNSCHEDULABLE,
)
from kubectl_prism.analyzers.pods.containers import (
    build_crash_loop,
    build_init_failing,
    build_oom_killed,
    build_run_error,
)
from kubectl_prism.analyzers.pods.context import PodContext
from kubectl_prism.analyzers.pods.lifecycle import (
    build_evicted,
    build_failed,
    build_liveness_restarts,
    build_probe_failing,
    build_stuck_terminating,
)
from kubectl_prism.analyzers.pods.refs import build_config_error, build_image_pull
from kubectl_prism.analyzers.pods.scheduling import build_unschedulable
from kubectl_prism.findings import Finding, ObjectRef, Severity
from kubectl_prism.snapshot import Snapshot, name_of, namespace_of

RULES = (
    Rule(
        CRASH_LOOP,
        Severity.CRITICAL,
        "Container keeps crashing (CrashLoopBackOff): last exit reason, exit code meaning, the decisive log "
        "line (an error signature over the generic last words) with its line number",
    ),
    Rule(OOM_KILLED, Severity.CRITICAL, "Container was OOM-killed: memory limit and a doubled limit to try"),
    Rule(
        IMAGE_PULL,
        Severity.CRITICAL,
        "Image cannot be pulled (ImagePullBackOff/ErrImagePull): not found vs unauthorized vs unreachable",
    ),
    Rule(
        CONFIG_ERROR,
        Severity.CRITICAL,
        "CreateContainerConfigError: the missing ConfigMap/Secret or key, and who references it",
    ),
    Rule(
        RUN_ERROR,
        Severity.CRITICAL,
        "Container cannot start (RunContainerError/StartError): executable not found in $PATH, exec format "
        "error against the node's CPU architecture",
    ),
    Rule(
        INIT_FAILING,
        Severity.CRITICAL,
        "Init container crashes, fails or never finishes: the pod never starts",
    ),
    Rule(
        UNSCHEDULABLE,
        Severity.CRITICAL,
        "Pod Pending: the scheduler's reason (resources, taints, selector/affinity, unbound PVC, zones) "
        "checked against the nodes",
    ),
    Rule(
        EVICTED, Severity.WARNING, "Pod evicted by the kubelet under node pressure, with the greedy container"
    ),
    Rule(
        FAILED,
        Severity.WARNING,
        "Pod failed for good (rejected by the kubelet or a non-restarting container)",
    ),
    Rule(
        LIVENESS_RESTARTS,
        Severity.WARNING,
        "Container restarted by a failing liveness probe although it exits cleanly (0/Completed), even when "
        "Running now: restarts, probe failures, the probe's port and path against the container's",
    ),
    Rule(
        PROBE_FAILING, Severity.WARNING, "Container running but not ready: the failing probe and its message"
    ),
    Rule(
        STUCK_TERMINATING,
        Severity.WARNING,
        "Pod stuck Terminating: finalizers or an unreachable node, and how to clear it",
    ),
)

Builder = Callable[[PodContext, ProblemGroup], Finding]
_BUILDERS: dict[str, Builder] = {
    CRASH_LOOP: build_crash_loop,
    OOM_KILLED: build_oom_killed,
    IMAGE_PULL: build_image_pull,
    CONFIG_ERROR: build_config_error,
    RUN_ERROR: build_run_error,
    INIT_FAILING: build_init_failing,
    UNSCHEDULABLE: build_unschedulable,
    EVICTED: build_evicted,
    FAILED: build_failed,
    LIVENESS_RESTARTS: build_liveness_restarts,
    PROBE_FAILING: build_probe_failing,
    STUCK_TERMINATING: build_stuck_terminating,
}

@analyzer("pods", *RULES)
def analyze_pods(snapshot: Snapshot) -> list[Finding]:
    """One finding per pod problem and top owner."""
    now = snapshot_now(snapshot)
    ctx = PodContext(snapshot, EventIndex.of(snapshot), now)
    findings: list[Finding] = []
    for group in problem_groups(snapshot, now):
        finding = _BUILDERS[group.problem.rule_id](ctx, group)
        finding.owner = group.owner
        finding.affected = group.refs
        finding.links = _links(ctx, finding)
        findings.append(finding)
    return findings


def _links(ctx: PodContext, finding: Finding) -> list[Link]:
    """Where the root cause of a pod finding may be reported (resolved by the linking pass)."""
    pods = finding.affected or [finding.object]
    # An app timing out on a Service whose traffic a NetworkPolicy drops is that policy's symptom.
    blocked = Link(Want((("networkpolicy-blocks-traffic",),), pods=frozenset(pods)),
                   then=_symptom("A NetworkPolicy drops its traffic"))
    # A container whose probes time out under a CPU limit too low for it is that limit's symptom.
    starved = Link(Want((("container-cpu-starved",),), pods=frozenset(pods)),
                   then=_symptom("Its CPU limit starves it"))
    if finding.id in (CRASH_LOOP, INIT_FAILING):
        return [blocked, starved, *_dependency_links(ctx.snapshot, finding)]
    if finding.id in (PROBE_FAILING, LIVENESS_RESTARTS):
        return [blocked, starved]
    if finding.id == UNSCHEDULABLE and finding.severity is Severity.WARNING:  # PVC/cordon-only reasons
        links = [Link(finding_on(_CLAIM_RULES, rel)) for rel in finding.related
                 if rel.kind == "PersistentVolumeClaim"]
        if any(rel.kind == "Node" for rel in finding.related):  # cordons
            links += [Link(pod_root(pods, ("node-cordoned",))), Link(None, then=_nothing_else_reports)]
        return links
    if finding.id == EVICTED:
        return [Link(pod_root(pods, _EVICTING_RULES))]
    if finding.id == STUCK_TERMINATING:
        node = next((r for r in finding.related if r.kind == "Node"), None)
        return [Link(Want(_DEAD_NODE_TIERS, object=node))] if node else []
    return []


# Storage findings about a claim, node findings that list the pods the kubelet evicted from their node, and
# the node findings that leave a pod stuck Terminating there (NotReady before a missing pod network).
_CLAIM_RULES = ("pvc-pending", "pvc-storageclass-missing", "pvc-lost")
_EVICTING_RULES = ("node-memory-pressure", "node-disk-pressure", "node-pid-pressure", "node-not-ready")
_DEAD_NODE_TIERS = (("node-not-ready",), ("node-network-unavailable",))
_SERVICE_RULES = ("service-loadbalancer-pending", "service-no-matching-pods", "service-target-port-mismatch",
                  "service-no-ready-endpoints")


def _nothing_else_reports(finding: Finding, _: Finding | None) -> None:
    finding.severity = Severity.CRITICAL  # nothing else reports the cordons


def _dependency_links(snapshot: Snapshot, finding: Finding) -> list[Link]:
    """A crash that names a Service whose own pods are broken (or which is broken itself) is a symptom."""
    own = set(finding.affected)
    links: list[Link] = []
    for related in finding.related:
        if related.kind != "Service":
            continue
        service = snapshot.get("Service", related.namespace, related.name)
        selector = ((service or {}).get("spec") or {}).get("selector")
        # The pod index, not a scan of every pod: a big cluster has many crashes that name a Service.
        backends = [ref for p in pod_index(snapshot).matching(related.namespace, selector)
                    if (ref := ObjectRef("Pod", name_of(p), namespace_of(p))) not in own]
        why = f"Service {related.name}'s own pods are failing"
        links.append(Link(pod_finding(backends), then=_symptom(why), mutual=True))
        if service is not None:
            links.append(Link(finding_on(_SERVICE_RULES, related, through=True, not_info=True),
                              then=_symptom(f"Service {related.name} itself is broken"), mutual=True))
    return links


def _symptom(why: str) -> Callable[[Finding, Finding | None], None]:
    def then(finding: Finding, _: Finding | None) -> None:
        finding.severity = Severity.WARNING
        end = "" if finding.message.rstrip().endswith((".", "!", "?")) else "."
        rule = (finding.caused_by or {}).get("rule")
        finding.message = f"{finding.message.rstrip()}{end} {why} ({rule}); fix that first."

    return then
