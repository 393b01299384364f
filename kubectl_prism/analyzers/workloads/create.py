"""Why a controller cannot create its pods: quota, LimitRange, PodSecurity, webhooks, service accounts.

The API server's refusal is in the controller's FailedCreate events and in the ReplicaFailure condition
of ReplicaSets/Deployments. `create_failure` reads it and says what to do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kubectl_prism.analyzers.causes import Want, explaining, finding_on
from kubectl_prism.analyzers.pod_evidence import EventIndex, clip, event_line, event_message, trim
from kubectl_prism.findings import ObjectRef, Remediation
from kubectl_prism.snapshot import KubeObject

_QUOTA = re.compile(r"exceeded quota: ([\w.-]+)(?:, requested: (\S+), used: (\S+), limited: (\S+))?")
_QUOTA_MUST = re.compile(r"failed quota: ([\w.-]+): must specify ([\w.,-]+)")
_SERVICE_ACCOUNT = re.compile(r'serviceaccount "([\w.-]+)" not found')
_POD_SECURITY = re.compile(r'violates PodSecurity "([^"]+)": (.+)')
_WEBHOOK_DENIED = re.compile(r'admission webhook "([^"]+)" denied the request: (.+)')
_WEBHOOK_CALL = re.compile(r'failed calling webhook "([^"]+)": (.+)')
# The LimitRanger admission plugin's refusals; several are joined in "[a, b]" (spaces already squeezed).
_LIMIT_RANGE = re.compile(
    r"(maximum|minimum) ([\w./-]+) usage per (Container|Pod) is (\S+?)"
    r"(?:, but (?:limit|request) is ([^\s,\]]+)|\. No (limit|request) is specified)"
)
_LIMIT_RATIO = re.compile(
    r"([\w./-]+) max limit to request ratio per (Container|Pod) is (\S+), but provided ratio is ([\d.]+)"
)


@dataclass
class CreateFailure:
    """The API server refused to create pods: why, in one line, with the evidence and the fix."""

    reason: str  # "QuotaExceeded", "PodSecurity", "WebhookDenied", "ServiceAccountNotFound", "FailedCreate"
    summary: str  # "exceeded quota compute (requested limits.memory=512Mi, ...)"
    evidence: list[str] = field(default_factory=list)
    remediation: list[Remediation] = field(default_factory=list)
    related: list[ObjectRef] = field(default_factory=list)
    message: str = ""  # the API server's words
    source: ObjectRef | None = None  # the controller whose event/condition carried the message
    webhook: str | None = None  # the admission webhook that denied or failed the request


def create_failure(
    namespace: str, message: str, evidence: list[str] | None = None, source: ObjectRef | None = None
) -> CreateFailure:
    """Classify the API server's refusal in `message` (a FailedCreate event or ReplicaFailure condition)."""
    message = clip(message)
    failure = _classify(namespace, message, evidence)
    failure.message, failure.source = message, source
    if m := (_WEBHOOK_DENIED.search(message) or _WEBHOOK_CALL.search(message)):
        failure.webhook = m.group(1)
    return failure


def _classify(namespace: str, message: str, evidence: list[str] | None) -> CreateFailure:
    ns = namespace
    text = " ".join(message.split())
    evidence = list(evidence or [])
    if m := _QUOTA.search(text):
        quota = m.group(1)
        detail = f" (requested {m.group(2)}, used {m.group(3)}, limited {m.group(4)})" if m.group(2) else ""
        return CreateFailure(
            "QuotaExceeded",
            f"exceeded quota {quota}{detail}",
            evidence,
            [
                Remediation(
                    f"See how much of ResourceQuota {quota} is used",
                    f"kubectl -n {ns} describe resourcequota {quota}",
                ),
                Remediation(
                    f"Raise ResourceQuota {quota}'s hard limits, lower the pods' requests/limits, or free "
                    "capacity by scaling down other workloads in the namespace"
                ),
            ],
            [ObjectRef("ResourceQuota", quota, ns)],
        )
    if m := _QUOTA_MUST.search(text):
        quota, what = m.group(1), m.group(2)
        return CreateFailure(
            "QuotaExceeded",
            f"ResourceQuota {quota} requires {what} to be set",
            evidence,
            [
                Remediation(
                    f"ResourceQuota {quota} tracks {what}: every container must set them (or add a "
                    "LimitRange with defaults)",
                    f"kubectl -n {ns} describe resourcequota {quota}",
                )
            ],
            [ObjectRef("ResourceQuota", quota, ns)],
        )
    if _LIMIT_RANGE.search(text) or _LIMIT_RATIO.search(text):
        return _limit_range(ns, text, evidence)
    if m := _SERVICE_ACCOUNT.search(text):
        sa = m.group(1)
        return CreateFailure(
            "ServiceAccountNotFound",
            f"service account {sa} does not exist",
            evidence,
            [
                Remediation(
                    f"Create the service account {sa} (or fix serviceAccountName in the pod template)",
                    f"kubectl -n {ns} create serviceaccount {sa}",
                )
            ],
            [ObjectRef("ServiceAccount", sa, ns)],
        )
    if m := _POD_SECURITY.search(text):
        level, violations = m.groups()
        # "allowPrivilegeEscalation != false (container ...), unrestricted capabilities (...)" -> the names
        names = re.findall(r"(?:^|\), )([^()]+?) \(", violations) or [trim(violations, 120)]
        return CreateFailure(
            "PodSecurity",
            f"violates PodSecurity {level}: {', '.join(names)}",
            evidence,
            [
                Remediation(
                    f"Make the pod template satisfy the {level} Pod Security Standard "
                    f"({trim(violations, 200)})"
                ),
                Remediation(
                    "See which level the namespace enforces", f"kubectl get namespace {ns} --show-labels"
                ),
            ],
        )
    if m := _WEBHOOK_DENIED.search(text):
        hook, why = m.groups()
        if "validation error:" in why:  # Kyverno/Gatekeeper: the policy's own words come last
            why = why[why.index("validation error:") :]
        return CreateFailure(
            "WebhookDenied",
            f"admission webhook {hook} denied it: {trim(why, 160)}",
            evidence,
            [
                Remediation(
                    f"Change the pod template to satisfy the policy enforced by webhook {hook}: "
                    f"{trim(why, 200)}"
                )
            ],
        )
    if m := _WEBHOOK_CALL.search(text):
        hook, why = m.groups()
        return CreateFailure(
            "WebhookUnavailable",
            f"admission webhook {hook} is unreachable: {trim(why, 140)}",
            evidence,
            [
                Remediation(
                    f"The webhook {hook} does not answer: check its Service and pods, or its failurePolicy",
                    "kubectl get validatingwebhookconfigurations,mutatingwebhookconfigurations",
                )
            ],
        )
    return CreateFailure("FailedCreate", trim(text, 200), evidence)


def _limit_range(ns: str, text: str, evidence: list[str]) -> CreateFailure:
    """Every LimitRange bound the pod breaks: above a maximum, below a minimum, no limit (request) under a
    maximum (minimum) without a default, or a limit too many times its request."""
    said: list[str] = []
    fixes: list[str] = []
    for m in _LIMIT_RANGE.finditer(text):
        bound, resource, scope, allowed, asked, unset = m.groups()
        if asked:
            said.append(f"LimitRange {bound} {resource} per {scope} is {allowed}, the pod asks {asked}")
            fix = f"Bring the {resource} requests/limits within the namespace's LimitRange"
        else:
            said.append(f"LimitRange {bound} {resource} per {scope} is {allowed} and the pod sets no "
                        f"{resource} {unset}")
            most = "at most" if bound == "maximum" else "at least"
            fix = (f"Set a {resource} {unset} on every container ({most} {allowed}), or give the LimitRange "
                   "a default")
        fixes.append(fix)
    for m in _LIMIT_RATIO.finditer(text):
        resource, scope, allowed, ratio = m.groups()
        said.append(f"LimitRange allows a {resource} limit at most {allowed} times the request per {scope}, "
                    f"the pod's is {float(ratio):g}")
        fix = (f"Raise the {resource} request or lower its limit: the limit may be at most {allowed} times "
               "the request")
        fixes.append(fix)
    # One `describe limitrange` is enough however many bounds the pod breaks.
    show = f"kubectl -n {ns} describe limitrange"
    steps = [Remediation(d, show if i == 0 else None) for i, d in enumerate(dict.fromkeys(fixes))]
    return CreateFailure("LimitRange", "; ".join(said), evidence, steps)


def failed_create(events: EventIndex, kind: str, namespace: str, name: str) -> CreateFailure | None:
    """The latest FailedCreate event of a controller, classified."""
    found = events.about(kind, namespace, name, reason="FailedCreate")
    if not found:
        return None
    latest = found[-1]
    return create_failure(
        namespace, event_message(latest), [event_line(latest, 300)], ObjectRef(kind, name, namespace)
    )


def replica_failure_condition(obj: KubeObject) -> dict[str, str] | None:
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "ReplicaFailure" and cond.get("status") == "True":
            return cond
    return None


def admission_want(namespace: str | None, failure: CreateFailure) -> Want | None:
    """Where the quota/webhook finding that explains a refused pod would be reported.

    The quota and webhook analyzers own those root causes; a workload they block is their symptom. Only
    "exceeded quota" is the quota's doing; "must specify limits" is the pod template's.
    """
    if failure.webhook:
        return explaining(f"webhook:{failure.webhook}", ("webhook-service-missing", "webhook-no-endpoints",
                                                          "networkpolicy-blocks-traffic"))
    if m := _QUOTA.search(failure.message):
        return finding_on(("resourcequota-exhausted",), ObjectRef("ResourceQuota", m.group(1), namespace))
    return None
