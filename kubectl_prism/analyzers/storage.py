"""PersistentVolumeClaims that never bind, lost volumes, and pods stuck mounting or attaching volumes."""

from __future__ import annotations

import re

from kubectl_prism.analyzers import Rule, analyzer
from kubectl_prism.analyzers._index import (
    Clock,
    clock_of,
    compact_json,
    dig,
    duration_text,
    event_index,
    event_text,
    gathered,
    is_live,
    workload_ref,
)
from kubectl_prism.analyzers._util import pod_is_ready, ref
from kubectl_prism.analyzers.causes import Link, Want
from kubectl_prism.analyzers.pod_evidence import event_message
from kubectl_prism.findings import Finding, ObjectRef, Remediation, Severity
from kubectl_prism.snapshot import KubeObject, Snapshot, name_of, namespace_of

PVC_PENDING = Rule("pvc-pending", Severity.CRITICAL,
                   "PersistentVolumeClaim stays Pending: provisioning fails, no default StorageClass, or no "
                   "matching PersistentVolume")
PVC_CLASS = Rule("pvc-storageclass-missing", Severity.CRITICAL,
                 "PersistentVolumeClaim names a StorageClass that does not exist")
PVC_LOST = Rule("pvc-lost", Severity.CRITICAL, "PersistentVolumeClaim is Lost: its PersistentVolume is gone")
MOUNT_FAILED = Rule("pod-volume-mount-failed", Severity.CRITICAL,
                    "Pod stuck in ContainerCreating because a volume cannot be attached or mounted; "
                    "Multi-Attach names the pod and node holding a ReadWriteOnce volume")

DEFAULT_CLASS_ANNOTATIONS = ("storageclass.kubernetes.io/is-default-class",
                             "storageclass.beta.kubernetes.io/is-default-class")
PENDING_GRACE_SECONDS = 300
_CLASS_NOT_FOUND = re.compile(r'storageclass\.storage\.k8s\.io "([^"]+)" not found')
_NO_CLASS = re.compile(r"no storage class is set|no persistent volumes available for this claim")
# Mount failures that are someone else's finding (config_refs) or kubelet start-up noise.
_NOT_OURS = re.compile(r'(?:configmaps?|secrets?) "[^"]+" not found|not registered', re.IGNORECASE)
_VOLUME = re.compile(r'volume "([^"]+)"|unmounted volumes=\[([^\],]+)')
# Generic kubelet summaries: a more specific event of the same pod says more.
_GENERIC = re.compile(r"timed out waiting for the condition|Unable to attach or mount volumes", re.IGNORECASE)


@analyzer("storage", PVC_PENDING, PVC_CLASS, PVC_LOST, MOUNT_FAILED)
def analyze_storage(snapshot: Snapshot) -> list[Finding]:
    clock = clock_of(snapshot)
    users: dict[tuple[str | None, str], list[KubeObject]] = {}
    for pod in snapshot.of_kind("Pod"):
        if is_live(pod):
            for volume in dig(pod, "spec", "volumes") or []:
                if claim := dig(volume, "persistentVolumeClaim", "claimName"):
                    users.setdefault((namespace_of(pod), claim), []).append(pod)
    findings: list[Finding] = []
    for pvc in snapshot.of_kind("PersistentVolumeClaim"):
        phase = dig(pvc, "status", "phase")
        pods = sorted(users.get((namespace_of(pvc), name_of(pvc)), []), key=name_of)
        if phase == "Lost":
            findings.append(_lost(snapshot, pvc, pods))
        elif phase == "Pending" and (pending := _pending(snapshot, pvc, pods, clock)):
            findings.append(pending)
    findings += _mount_failures(snapshot, clock)
    return findings


def _default_classes(snapshot: Snapshot) -> list[str]:
    return [name_of(sc) for sc in snapshot.of_kind("StorageClass")
            if any((dig(sc, "metadata", "annotations") or {}).get(a) == "true"
                   for a in DEFAULT_CLASS_ANNOTATIONS)]


def _pending(
    snapshot: Snapshot, pvc: KubeObject, pods: list[KubeObject], clock: Clock
) -> Finding | None:
    ns, name = namespace_of(pvc), name_of(pvc)
    class_name = dig(pvc, "spec", "storageClassName")  # None: the default class; "": static PVs only
    evs = event_index(snapshot).about("PersistentVolumeClaim", ns, name)
    classes = {name_of(sc): sc for sc in snapshot.of_kind("StorageClass")}
    pod_refs = [ref(p) for p in pods]
    used_by = (f"used by {len(pods)} pod(s): {', '.join(p.name for p in pod_refs[:3])}" if pods
               else "no pod uses it")
    severity = Severity.CRITICAL if pods else Severity.WARNING

    not_found = next((e for e in reversed(evs) if _CLASS_NOT_FOUND.search(event_message(e))), None)
    if class_name and (not_found or (gathered(snapshot, "StorageClass") and class_name not in classes)):
        return _class_missing(pvc, class_name, sorted(classes), not_found, pod_refs, used_by)

    sc = classes.get(class_name or "") if class_name else None
    waits = (sc and dig(sc, "volumeBindingMode") == "WaitForFirstConsumer") or any(
        e.get("reason") == "WaitForFirstConsumer" for e in evs)
    if waits and not any(dig(p, "spec", "nodeName") for p in pods):
        return None  # normal: the volume is provisioned where the first consumer is scheduled
    shown = {None: "not set", "": '"" (static PersistentVolumes only)'}.get(class_name, class_name)
    base = [f"status.phase=Pending; storageClassName {shown}", used_by]
    fix_describe = Remediation("Read the claim's events",
                               f"kubectl -n {ns} describe persistentvolumeclaim {name}")

    if failed := [e for e in evs if e.get("reason") == "ProvisioningFailed"]:
        provisioner = dig(sc, "provisioner") if sc else None
        evidence = [event_text(failed[-1], 240), *base]
        if provisioner:
            evidence.append(f"StorageClass {class_name} provisioner {provisioner}")
        return Finding(
            PVC_PENDING.id, Severity.CRITICAL,
            f"PersistentVolumeClaim {name} is Pending: provisioning failed", ref(pvc),
            reason="ProvisioningFailed", message=event_message(failed[-1]), evidence=evidence,
            remediation=[fix_describe, Remediation(
                "Fix what the provisioner reports (quota, zone, parameters of the StorageClass, CSI driver "
                "credentials); the claim binds on the next retry")],
            affected=pod_refs, related=[ObjectRef("StorageClass", class_name)] if class_name else [])

    no_class = next((e for e in reversed(evs) if _NO_CLASS.search(event_message(e))), None)
    no_default = gathered(snapshot, "StorageClass") and not _default_classes(snapshot)
    if class_name is None and (no_class or no_default):
        listed = f" (classes: {', '.join(sorted(classes))})" if classes else ""
        evidence = [event_text(no_class)] if no_class else []
        evidence += [*base, f"no StorageClass is marked default{listed}"]
        fix = [Remediation("List the StorageClasses", "kubectl get storageclass")]
        if len(classes) == 1:
            (only,) = classes
            patch = {"metadata": {"annotations": {DEFAULT_CLASS_ANNOTATIONS[0]: "true"}}}
            fix.insert(0, Remediation(f"Make {only} the default StorageClass",
                                      f"kubectl patch storageclass {only} -p '{compact_json(patch)}'"))
        else:
            fix.insert(0, Remediation("Mark one StorageClass as default (annotation "
                                      f"{DEFAULT_CLASS_ANNOTATIONS[0]}=true), or recreate the claim with "
                                      "spec.storageClassName set"))
        return Finding(
            PVC_PENDING.id, severity, f"PersistentVolumeClaim {name} is Pending: no storage class set and no "
            "default StorageClass", ref(pvc), reason="NoDefaultStorageClass",
            message="Nothing provisions a volume for a claim without a class when the cluster has no "
            "default.",
            evidence=evidence, remediation=fix, affected=pod_refs)

    if class_name == "" and no_class:
        return Finding(
            PVC_PENDING.id, severity, f"PersistentVolumeClaim {name} is Pending: no PersistentVolume matches",
            ref(pvc), reason="FailedBinding",
            message='storageClassName "" binds only to pre-created PersistentVolumes; none matches the '
            "claim's size, access modes and selector.", evidence=[event_text(no_class), *base],
            remediation=[Remediation("Compare the available PersistentVolumes with the claim",
                                     "kubectl get persistentvolume"), fix_describe],
            affected=pod_refs)

    age = clock.age(dig(pvc, "metadata", "creationTimestamp"))
    if age is None or age < PENDING_GRACE_SECONDS:
        return None
    external = [e for e in evs if e.get("reason") == "ExternalProvisioning"]
    evidence = [f"Pending for {duration_text(age)}", *base] + [event_text(e) for e in (external or evs)[-2:]]
    if not evs:
        evidence.append("no events about the claim")
    fix = [fix_describe]
    if external:
        fix.append(Remediation("The external provisioner never answered: check that its CSI controller pods "
                               "run and that the driver is registered (kubectl get csidrivers)",
                               "kubectl get storageclass"))
    return Finding(
        PVC_PENDING.id, severity, f"PersistentVolumeClaim {name} has been Pending for {duration_text(age)}",
        ref(pvc), reason="Pending", message="No volume has been bound to the claim.", evidence=evidence,
        remediation=fix, affected=pod_refs)


def _class_missing(
    pvc: KubeObject, class_name: str, classes: list[str], event: KubeObject | None, pod_refs: list[ObjectRef],
    used_by: str,
) -> Finding:
    name = name_of(pvc)
    evidence = [event_text(event)] if event else []
    evidence += [f"storageClassName {class_name}: StorageClass not found",
                 f"StorageClasses: {', '.join(classes)}" if classes else "no StorageClass listed", used_by]
    return Finding(
        PVC_CLASS.id, Severity.CRITICAL,
        f"PersistentVolumeClaim {name} uses StorageClass {class_name}, which does not exist", ref(pvc),
        reason="ProvisioningFailed",
        message="No volume can be provisioned for the claim; pods using it stay Pending.", evidence=evidence,
        remediation=[
            Remediation("List the StorageClasses that exist", "kubectl get storageclass"),
            Remediation(f"storageClassName is immutable: create StorageClass {class_name}, or recreate the "
                        "claim (and the StatefulSet volumeClaimTemplate or manifest it came from) with an "
                        "existing class"),
        ],
        affected=pod_refs, related=[ObjectRef("StorageClass", class_name)])


def _lost(snapshot: Snapshot, pvc: KubeObject, pods: list[KubeObject]) -> Finding:
    name = name_of(pvc)
    volume = dig(pvc, "spec", "volumeName") or ""
    evidence = [f"status.phase=Lost; spec.volumeName {volume or '(none)'}"]
    gone = gathered(snapshot, "PersistentVolume") and snapshot.get("PersistentVolume", None, volume) is None
    if volume and gone:
        evidence.append(f"PersistentVolume {volume} not found")
    if pods:
        evidence.append(f"used by {len(pods)} pod(s): {', '.join(name_of(p) for p in pods[:3])}")
    fix = [Remediation("The data of the claim is not reachable: restore the PersistentVolume from a backup "
                       "or snapshot, then recreate the claim bound to it (spec.volumeName)")]
    if volume:
        fix.insert(0, Remediation(f"Check whether PersistentVolume {volume} still exists",
                                  "kubectl get persistentvolume"))
    shown = f" {volume}" if volume else ""
    return Finding(PVC_LOST.id, Severity.CRITICAL,
                   f"PersistentVolumeClaim {name} is Lost: its volume{shown} is gone", ref(pvc),
                   reason="ClaimLost",
                   message="The PersistentVolume bound to this claim was deleted or is no longer reachable.",
                   evidence=evidence, remediation=fix, affected=[ref(p) for p in pods],
                   related=[ObjectRef("PersistentVolume", volume)] if volume else [])


def _mount_failures(snapshot: Snapshot, clock: Clock) -> list[Finding]:
    claims_by_volume = {dig(p, "spec", "volumeName"): p for p in snapshot.of_kind("PersistentVolumeClaim")
                        if dig(p, "spec", "volumeName")}
    groups: dict[tuple[ObjectRef, str], list[tuple[KubeObject, KubeObject]]] = {}
    for pod in snapshot.of_kind("Pod"):
        if dig(pod, "status", "phase") != "Pending" or pod_is_ready(pod) or not dig(pod, "spec", "nodeName"):
            continue
        mount = [e for e in event_index(snapshot).about("Pod", namespace_of(pod), name_of(pod))
                 if e.get("reason") in ("FailedMount", "FailedAttachVolume")]
        specific = [e for e in mount if not _GENERIC.search(event_message(e))]
        if specific and all(_NOT_OURS.search(event_message(e)) for e in specific):
            continue  # the generic "timed out" summary is explained by a missing ConfigMap/Secret
        evs = [e for e in mount if not _NOT_OURS.search(event_message(e))]
        if not evs:
            continue
        # The most telling event: attach errors first, then specific over generic, then the newest.
        _, best = max(enumerate(evs), key=lambda ie: (ie[1].get("reason") == "FailedAttachVolume",
                                                      not _GENERIC.search(event_message(ie[1])), ie[0]))
        match = _VOLUME.search(event_message(best))
        volume = (match.group(1) or match.group(2)).strip() if match else ""
        groups.setdefault((workload_ref(snapshot, pod), volume), []).append((pod, best))
    findings = []
    for (owner, volume), members in groups.items():
        members.sort(key=lambda m: name_of(m[0]))
        pod, event = members[0]
        ns = namespace_of(pod)
        message = event_message(event)
        age = clock.age(dig(pod, "metadata", "creationTimestamp"))
        evidence = [event_text(event, 260),
                    f"pod {name_of(pod)} Pending in ContainerCreating on node {dig(pod, 'spec', 'nodeName')}"
                    + (f" for {duration_text(age)}" if age is not None else "")]
        if len(members) > 1:
            evidence.append(f"{len(members)} pods of {owner.kind.lower()}/{owner.name} are stuck the same "
                            "way")
        related = _claim_refs(pod, volume, claims_by_volume)
        fix = _mount_fix(ns, name_of(pod), message)
        if "Multi-Attach" in message:
            holders = _holders(snapshot, pod, message, related)
            evidence += [f"the volume is held by pod {name_of(h)} on node {dig(h, 'spec', 'nodeName')}; "
                         f"{name_of(pod)} waits on node {dig(pod, 'spec', 'nodeName')}" for h in holders[:2]]
            fix = _multi_attach_fix(snapshot, ns, owner, holders) + fix
            related += [ref(h) for h in holders[:2]]
        what = "attach" if event.get("reason") == "FailedAttachVolume" else "mount"
        findings.append(Finding(
            MOUNT_FAILED.id, Severity.CRITICAL,
            f"Pod {name_of(pod)} cannot {what} volume {volume or '(unknown)'}"
            + (f" ({len(members)} pods of {owner.kind.lower()}/{owner.name})" if len(members) > 1 else ""),
            ref(pod), reason=event.get("reason") or "FailedMount", message=message, evidence=evidence,
            remediation=fix, owner=owner if owner.kind != "Pod" else None,
            affected=[ref(p) for p, _ in members], related=related,
            # A CSI node plugin missing from the node is the root cause ("CSINode … does not contain driver").
            links=[Link(Want((("daemonset-coverage-gap",),), pods=frozenset(ref(p) for p, _ in members)),
                        then=_symptom)]))
    return findings


def _symptom(finding: Finding, _: Finding | None) -> None:
    finding.severity = Severity.WARNING


_USED_BY = re.compile(r"already used by pods? ?\(?s?\)? ?([\w.,\s-]{1,2000})")


def _holders(snapshot: Snapshot, pod: KubeObject, message: str, claims: list[ObjectRef]) -> list[KubeObject]:
    """The pods holding a ReadWriteOnce volume on another node: named in the Multi-Attach error ("Volume is
    already used by pod(s) a, b"), else the other live pods using the same claim."""
    ns, node = namespace_of(pod), dig(pod, "spec", "nodeName")
    if m := _USED_BY.search(message):
        names = [n.strip() for n in m.group(1).split(",") if n.strip()]
        named = [p for n in names if (p := snapshot.get("Pod", ns, n.split()[0])) is not None]
        if named:
            return named
    wanted = {c.name for c in claims}
    return [p for p in snapshot.of_kind("Pod", ns)
            if p is not pod and is_live(p) and dig(p, "spec", "nodeName") not in (None, node)
            and any(dig(v, "persistentVolumeClaim", "claimName") in wanted
                    for v in dig(p, "spec", "volumes") or [])]


def _multi_attach_fix(
    snapshot: Snapshot, ns: str | None, owner: ObjectRef, holders: list[KubeObject]
) -> list[Remediation]:
    """A rolling update starts the new pod before the old one lets go of the volume: Recreate stops the old
    pod first. An old pod stuck on a lost node has to be removed."""
    fix: list[Remediation] = []
    dep = snapshot.get("Deployment", ns, owner.name) if owner.kind == "Deployment" else None
    if dep is not None and dig(dep, "spec", "strategy", "type") in (None, "RollingUpdate"):
        patch = {"spec": {"strategy": {"type": "Recreate", "rollingUpdate": None}}}
        fix.append(Remediation(
            f"Deployment {owner.name} rolls out with RollingUpdate: its new pod needs the ReadWriteOnce "
            "volume the old one still holds. Use the Recreate strategy",
            f"kubectl -n {ns} patch deployment {owner.name} -p '{compact_json(patch)}'"))
    for holder in holders[:1]:
        fix.append(Remediation(
            f"Or free the volume now: delete the pod holding it ({name_of(holder)} on node "
            f"{dig(holder, 'spec', 'nodeName')}); if its node is gone, the attachment is released about 6 "
            "minutes after the pod is deleted", f"kubectl -n {ns} delete pod {name_of(holder)}"))
    return fix


def _claim_refs(pod: KubeObject, volume: str, claims_by_volume: dict[str, KubeObject]) -> list[ObjectRef]:
    if volume in claims_by_volume:
        return [ref(claims_by_volume[volume])]
    for vol in dig(pod, "spec", "volumes") or []:
        if vol.get("name") == volume and (claim := dig(vol, "persistentVolumeClaim", "claimName")):
            return [ObjectRef("PersistentVolumeClaim", claim, namespace_of(pod))]
    return []


def _mount_fix(ns: str | None, pod: str, message: str) -> list[Remediation]:
    fix = [Remediation("Read the pod's volume events", f"kubectl -n {ns} describe pod {pod}")]
    if "Multi-Attach" in message:
        fix.insert(0, Remediation(
            "The ReadWriteOnce volume is still attached to another node: make sure the pod that used it "
            "there is gone (it detaches about 6 minutes after a node failure); if that node no longer "
            "exists, delete its VolumeAttachment (kubectl get volumeattachments)",
            f"kubectl -n {ns} get pods -o wide"))
    elif re.search(r"permission denied|access denied", message, re.IGNORECASE):
        fix.insert(0, Remediation("The storage backend refused access: check the export/permissions on the "
                                  "server and the pod's fsGroup/runAsUser"))
    elif re.search(r"no such file or directory|not found|does not exist", message, re.IGNORECASE):
        fix.insert(0, Remediation("The volume source (host path, NFS export, disk or CSI volume) does not "
                                  "exist on the node or backend: fix the path/ID in the volume spec"))
    else:
        fix.insert(0, Remediation("Check the CSI driver's node pods on that node and the storage backend"))
    return fix
