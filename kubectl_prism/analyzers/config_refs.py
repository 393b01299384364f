"""References to ConfigMaps and Secrets (and their keys) that do not exist — checked by name only.

Pods already failing with CreateContainerConfigError (or refused a private image for want of the missing
pull secret) are the pod analyzer's finding; this analyzer reports the references that are not failing
yet (a template the next rollout will break, a running pod whose next restart fails), missing
configMap/secret *volumes* (pods stuck in ContainerCreating, which no container state reports), and image
pull Secrets that do not exist.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from kubectl_prism.analyzers import Rule, analyzer
from kubectl_prism.analyzers._index import (
    clock_of,
    close_name,
    dig,
    event_index,
    event_text,
    gathered,
    is_live,
    pod_templates,
    workload_ref,
)
from kubectl_prism.analyzers._util import ref
from kubectl_prism.analyzers.images import IMAGE_AMBIGUOUS, IMAGE_UNAUTHORIZED, pull_error_kind
from kubectl_prism.analyzers.pod_evidence import EventIndex, event_message, parse_config_error
from kubectl_prism.analyzers.pod_status import pod_problem
from kubectl_prism.findings import Finding, ObjectRef, Remediation, Severity
from kubectl_prism.snapshot import KubeObject, Snapshot, name_of, namespace_of

CONFIGMAP = Rule("configmap-ref-missing", Severity.WARNING,
                 "A pod or workload template references a ConfigMap that does not exist (critical when pods "
                 "are stuck on it)")
SECRET = Rule("secret-ref-missing", Severity.WARNING,
              "A pod or workload template references a Secret that does not exist (critical when pods are "
              "stuck on it)")
KEY = Rule("configmap-key-missing", Severity.WARNING,
           "A pod or workload template reads a key that its ConfigMap does not have")
PULL_SECRET = Rule("image-pull-secret-missing", Severity.WARNING,
                   "imagePullSecrets names a Secret that does not exist: private images cannot be pulled")

# ConfigMaps the control plane puts in every namespace; pods reference them through projected volumes.
_MANAGED = {"kube-root-ca.crt", "openshift-service-ca.crt"}
_CONFIG_ERROR_RULE = "pod-create-config-error"
_IMAGE_PULL_RULE = "pod-image-pull"
_MOUNT_NOT_FOUND = re.compile(r'(configmaps?|secrets?) "([^"]+)" not found', re.IGNORECASE)


@dataclass(frozen=True)
class Reference:
    kind: str  # ConfigMap | Secret
    name: str
    where: str  # "env DB_HOST of container api", "volume config", "imagePullSecrets"
    optional: bool = False
    key: str | None = None
    pull: bool = False  # an imagePullSecrets entry


def spec_references(spec: dict[str, Any]) -> Iterator[Reference]:
    """Every ConfigMap/Secret a PodSpec names."""
    containers = [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]
    for c in containers:
        cname = c.get("name")
        for env in c.get("env") or []:
            for field_name, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
                if sel := dig(env, "valueFrom", field_name):
                    yield Reference(kind, sel.get("name", ""), f"env {env.get('name')} of container {cname}",
                                    bool(sel.get("optional")), sel.get("key"))
        for source in c.get("envFrom") or []:
            for field_name, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
                if sel := source.get(field_name):
                    yield Reference(kind, sel.get("name", ""), f"envFrom of container {cname}",
                                    bool(sel.get("optional")))
    for vol in spec.get("volumes") or []:
        where = f"volume {vol.get('name')}"
        if cm := vol.get("configMap"):
            yield Reference("ConfigMap", cm.get("name", ""), where, bool(cm.get("optional")))
        if secret := vol.get("secret"):
            yield Reference("Secret", secret.get("secretName", ""), where, bool(secret.get("optional")))
        for source in dig(vol, "projected", "sources") or []:
            if cm := source.get("configMap"):
                yield Reference("ConfigMap", cm.get("name", ""), where, bool(cm.get("optional")))
            if secret := source.get("secret"):
                yield Reference("Secret", secret.get("name", ""), where, bool(secret.get("optional")))
    for pull in spec.get("imagePullSecrets") or []:
        yield Reference("Secret", pull.get("name", ""), "imagePullSecrets", pull=True)


@dataclass
class _Missing:
    kind: str
    name: str
    namespace: str | None
    pull: bool = False
    referrers: list[ObjectRef] = field(default_factory=list)
    uses: list[str] = field(default_factory=list)  # "deployment/api: env DB_HOST of container api"
    keys: list[str] = field(default_factory=list)
    stuck: list[KubeObject] = field(default_factory=list)  # pods stuck in ContainerCreating on it
    events: list[KubeObject] = field(default_factory=list)
    covered: set[ObjectRef] = field(default_factory=set)  # referrers the pod analyzer already reports


@analyzer("config-refs", CONFIGMAP, SECRET, KEY, PULL_SECRET)
def analyze_config_refs(snapshot: Snapshot) -> list[Finding]:
    events = event_index(snapshot)
    clock = clock_of(snapshot)
    missing: dict[tuple[str, str, str | None, bool], _Missing] = {}
    key_missing: dict[tuple[str | None, str, str], _Missing] = {}

    def note(referrer: ObjectRef, refr: Reference, ns: str | None) -> _Missing | None:
        if refr.optional or not refr.name or refr.name in _MANAGED:
            return None
        obj = snapshot.get(refr.kind, ns, refr.name)
        if obj is None:
            if not gathered(snapshot, refr.kind, ns):
                return None
            entry = missing.setdefault((refr.kind, refr.name, ns, refr.pull),
                                       _Missing(refr.kind, refr.name, ns, refr.pull))
        elif refr.key and refr.kind == "ConfigMap" and _lacks_key(obj, refr.key):
            entry = key_missing.setdefault((ns, refr.name, refr.key), _Missing("ConfigMap", refr.name, ns))
        else:
            return None
        if referrer not in entry.referrers:
            entry.referrers.append(referrer)
        use = f"{referrer.kind.lower()}/{referrer.name}: {refr.where}"
        if use not in entry.uses:
            entry.uses.append(use)
        if refr.key and refr.key not in entry.keys:
            entry.keys.append(refr.key)
        return entry

    known: dict[tuple[str, str | None], bool] = {}  # gathered(kind, namespace), asked once each

    def reportable(refr: Reference, ns: str | None) -> bool:
        """A dangling reference note() records: a missing key, or a missing object of a gathered kind."""
        if snapshot.get(refr.kind, ns, refr.name) is not None:
            return True
        if (refr.kind, ns) not in known:
            known[(refr.kind, ns)] = gathered(snapshot, refr.kind, ns)
        return known[(refr.kind, ns)]

    # Replicas of one controller share their spec: read the references of one of them.
    owner_suspects: dict[str, list[Reference]] = {}
    for pod in snapshot.of_kind("Pod"):
        if not is_live(pod):
            continue
        ns = namespace_of(pod)
        owners = dig(pod, "metadata", "ownerReferences") or []
        owner = next((o.get("uid") for o in owners if o.get("uid")), None)
        suspects = owner_suspects.get(owner) if owner else None
        if suspects is None:
            # Cheap lookups first: owner chains, pod problems and events only for dangling references.
            suspects = [r for r in spec_references(pod.get("spec") or {}) if _dangling(snapshot, r, ns)]
            if owner:
                owner_suspects[owner] = suspects
        if not suspects:
            continue
        mount_failures = [e for e in events.about("Pod", ns, name_of(pod)) if e.get("reason") == "FailedMount"
                          and _MOUNT_NOT_FOUND.search(event_message(e))]
        if not mount_failures:
            # Without the kubelet's word only references note() records matter (e.g. not a Secret when the
            # snapshot holds no Secrets): skip the owner chain and the pod's problem for the rest.
            suspects = [r for r in suspects if reportable(r, ns)]
            if not suspects:
                continue
        referrer = workload_ref(snapshot, pod)
        problem = pod_problem(pod, clock.now)
        for refr in suspects:
            entry = note(referrer, refr, ns)
            failing = [e for e in mount_failures if f'"{refr.name}" not found' in event_message(e)]
            if failing and not refr.optional and entry is None and refr.name not in _MANAGED \
                    and snapshot.get(refr.kind, ns, refr.name) is None:
                # The kubelet's event proves the object is missing even when the kind was not gathered.
                entry = missing.setdefault((refr.kind, refr.name, ns, False),
                                           _Missing(refr.kind, refr.name, ns))
                if referrer not in entry.referrers:
                    entry.referrers.append(referrer)
                entry.uses.append(f"{referrer.kind.lower()}/{referrer.name}: {refr.where}")
            if entry is None:
                continue
            if failing and dig(pod, "status", "phase") == "Pending":
                entry.stuck.append(pod)
                entry.events.extend(failing[-1:])
            if problem and problem.rule_id == _CONFIG_ERROR_RULE and _names(problem.detail, refr):
                entry.covered.add(referrer)
            elif problem and refr.pull and _pull_refused(events, problem, pod):
                entry.covered.add(referrer)  # the pod finding names the missing pull secret
    for obj, spec in pod_templates(snapshot):
        for refr in spec_references(spec):
            note(ref(obj), refr, namespace_of(obj))

    findings = [f for entry in missing.values() if (f := _missing_finding(snapshot, entry))]
    findings += [f for entry in key_missing.values() if (f := _key_finding(entry))]
    return findings


def _dangling(snapshot: Snapshot, refr: Reference, ns: str | None) -> bool:
    """The reference may be broken: a required object that is not in the snapshot, or a missing key."""
    if refr.optional or not refr.name or refr.name in _MANAGED:
        return False
    obj = snapshot.get(refr.kind, ns, refr.name)
    return obj is None or bool(refr.key and refr.kind == "ConfigMap" and _lacks_key(obj, refr.key))


def _lacks_key(configmap: KubeObject, key: str) -> bool:
    data, binary = configmap.get("data"), configmap.get("binaryData")
    if data is None and binary is None:
        return False  # gathered without data (or empty): cannot tell
    return key not in (data or {}) and key not in (binary or {})


def _pull_refused(events: EventIndex, problem: Any, pod: KubeObject) -> bool:
    """The pod cannot pull its image because the registry wants credentials: the pod analyzer's finding
    for it names the missing imagePullSecret and is the one root cause to report."""
    if problem.rule_id != _IMAGE_PULL_RULE:
        return False
    kind = pull_error_kind(events, problem, pod, namespace_of(pod) or "")
    return kind in (IMAGE_UNAUTHORIZED, IMAGE_AMBIGUOUS)


def _names(detail: str, refr: Reference) -> bool:
    parsed = parse_config_error(detail or "") or {}
    return parsed.get("name") == refr.name or f'"{refr.name}"' in (detail or "")


def _missing_finding(snapshot: Snapshot, entry: _Missing) -> Finding | None:
    referrers = [r for r in entry.referrers if r not in entry.covered]
    if not referrers:
        return None  # every user already fails with CreateContainerConfigError: the pod finding says it all
    ns, name, kind = entry.namespace, entry.name, entry.kind
    uses = [u for u in entry.uses if any(u.startswith(f"{r.kind.lower()}/{r.name}:") for r in referrers)]
    users = ", ".join(f"{r.kind.lower()}/{r.name}" for r in referrers[:3]) + (
        f" and {len(referrers) - 3} more" if len(referrers) > 3 else "")
    evidence = [f"{kind} {name} not found in {ns}", *uses[:5]]
    evidence += [event_text(e, 240) for e in entry.events[:1]]
    existing = sorted(name_of(o) for o in snapshot.of_kind(kind, ns))
    close = close_name(name, existing)
    if close:
        evidence.append(f"{kind} {close} exists in {ns} (a typo?)")
    plural = "configmaps" if kind == "ConfigMap" else "secrets"
    if entry.pull:
        rule, severity = PULL_SECRET, Severity.WARNING
        title = f"Image pull Secret {name} is missing (used by {users})"
        message = "The kubelet pulls without these credentials: images from private registries fail to pull."
        create = Remediation(f"Create the registry credentials Secret {name} in {ns} (kubectl create secret "
                             "docker-registry with the registry's server, user and password), or remove it "
                             "from imagePullSecrets")
    else:
        rule = CONFIGMAP if kind == "ConfigMap" else SECRET
        severity = Severity.CRITICAL if entry.stuck else Severity.WARNING
        if entry.stuck:
            title = (f"{kind} {name} is missing: {len(entry.stuck)} pod(s) stuck in ContainerCreating "
                     f"({users})")
            message = "The kubelet cannot mount the volume, so the pods never start."
        else:
            title = f"{kind} {name} is missing (referenced by {users})"
            message = ("Running pods keep working, but the next pod created from these references fails with "
                       "CreateContainerConfigError or stays in ContainerCreating.")
        keys = f" with the keys {', '.join(entry.keys)}" if entry.keys else ""
        how = "configmap" if kind == "ConfigMap" else "secret generic"
        typo = f" (did you mean {close}?)" if close else ""
        create = Remediation(f"Create {kind} {name} in {ns}{keys} (kubectl create {how} from its manifest or "
                             f"values), or fix the reference{typo}")
    fix = [create, Remediation(f"List the {plural} that exist", f"kubectl -n {ns} get {plural}")]
    return Finding(
        rule.id, severity, title, ObjectRef(kind, name, ns), reason=f"{kind}NotFound", message=message,
        evidence=evidence, remediation=fix, affected=referrers + [ref(p) for p in entry.stuck],
        related=[ObjectRef(kind, close, ns)] if close else [])


def _key_finding(entry: _Missing) -> Finding | None:
    referrers = [r for r in entry.referrers if r not in entry.covered]
    if not referrers:
        return None
    ns, name = entry.namespace, entry.name
    keys = ", ".join(dict.fromkeys(entry.keys))
    users = ", ".join(f"{r.kind.lower()}/{r.name}" for r in referrers[:3])
    return Finding(
        KEY.id, Severity.WARNING, f"ConfigMap {name} has no key {keys} (read by {users})",
        ObjectRef("ConfigMap", name, ns), reason="KeyNotFound",
        message="The next pod that reads this key fails with CreateContainerConfigError.",
        evidence=[f"ConfigMap {name} in {ns} has no key {keys}", *entry.uses[:5]],
        remediation=[Remediation(f"Add the key {keys} to ConfigMap {name}, or fix the key name in the "
                                 "reference"),
                     Remediation("See the keys it has", f"kubectl -n {ns} describe configmap {name}")],
        affected=referrers)
