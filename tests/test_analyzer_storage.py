"""Table-driven tests of the storage analyzer (kubectl_prism/analyzers/storage.py)."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_prism.analyzers.storage import analyze_storage
from kubectl_prism.findings import Severity
from tests.cluster_builders import container, event, linked, obj, one_finding, pod, snap


def pvc(name: str = "data", phase: str = "Pending", age: float = 30, **spec: Any) -> dict[str, Any]:
    claim = obj(
        "PersistentVolumeClaim",
        "v1",
        name,
        "shop",
        spec={"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}, **spec},
        status={"phase": phase},
    )
    claim["metadata"]["creationTimestamp"] = pod("x", age=age)["metadata"]["creationTimestamp"]
    return claim


def storageclass(name: str, default: bool = False, binding: str = "Immediate") -> dict[str, Any]:
    annotations = {"storageclass.kubernetes.io/is-default-class": "true"} if default else {}
    return obj(
        "StorageClass",
        "storage.k8s.io/v1",
        name,
        provisioner="ebs.csi.aws.com",
        volumeBindingMode=binding,
        metadata={"annotations": annotations},
    )


def user(claim: str = "data", node: str | None = "node-1", state: str = "creating") -> dict[str, Any]:
    spec = {
        "containers": [container("db")],
        "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": claim}}],
    }
    return pod("db-0", labels={"app": "db"}, spec=spec, node=node, state=state)


CLAIM = pvc(storageClassName="fast")
CASES: list[tuple[str, list[dict[str, Any]], str | None, Severity | None, str]] = [
    (
        "class missing, from the event",
        [CLAIM, event(CLAIM, "ProvisioningFailed", 'storageclass.storage.k8s.io "fast" not found', count=12)],
        "pvc-storageclass-missing",
        Severity.CRITICAL,
        "event ProvisioningFailed x12: storageclass.storage.k8s.io",
    ),
    (
        "class missing, from the StorageClass list",
        [CLAIM, storageclass("standard", default=True)],
        "pvc-storageclass-missing",
        Severity.CRITICAL,
        "StorageClasses: standard",
    ),
    (
        "class list not gathered: only the age speaks",
        [CLAIM],
        "pvc-pending",
        Severity.WARNING,
        "Pending for 30m",
    ),
    (
        "no class and no default",
        [pvc(), storageclass("local-path"), user()],
        "pvc-pending",
        Severity.CRITICAL,
        "no StorageClass is marked default (classes: local-path)",
    ),
    ("no class, default exists, young", [pvc(age=1), storageclass("gp3", default=True)], None, None, ""),
    (
        "static binding finds no PV",
        [
            pvc(storageClassName=""),
            event(
                pvc(),
                "FailedBinding",
                "no persistent volumes available for this claim and no storage class is set",
                type_="Normal",
            ),
        ],
        "pvc-pending",
        Severity.WARNING,
        'storageClassName "" (static PersistentVolumes only)',
    ),
    (
        "WaitForFirstConsumer without consumer",
        [pvc(storageClassName="local", age=600), storageclass("local", binding="WaitForFirstConsumer")],
        None,
        None,
        "",
    ),
    (
        "WaitForFirstConsumer, consumer not scheduled yet",
        [
            pvc(storageClassName="local", age=600),
            storageclass("local", binding="WaitForFirstConsumer"),
            user(node=None),
        ],
        None,
        None,
        "",
    ),
    (
        "provisioning fails for a scheduled consumer",
        [
            pvc(storageClassName="gp3"),
            storageclass("gp3", binding="WaitForFirstConsumer"),
            user(),
            event(
                pvc(),
                "ProvisioningFailed",
                'failed to provision volume with StorageClass "gp3": rpc error: code = '
                "ResourceExhausted desc = "
                + "x" * 300
                + " VolumeLimitExceeded: maximum number of volumes reached",
            ),
        ],
        "pvc-pending",
        Severity.CRITICAL,
        "VolumeLimitExceeded: maximum number of volumes reached",
    ),
    (
        "external provisioner silent",
        [
            pvc(storageClassName="gp3", age=20),
            storageclass("gp3"),
            event(
                pvc(),
                "ExternalProvisioning",
                "Waiting for a volume to be created either by the external provisioner "
                "'ebs.csi.aws.com' or manually by the system administrator.",
                type_="Normal",
                count=80,
            ),
        ],
        "pvc-pending",
        Severity.WARNING,
        "ExternalProvisioning x80",
    ),
    (
        "lost",
        [
            pvc(phase="Lost", storageClassName="gp3", volumeName="pvc-123"),
            obj("PersistentVolume", "v1", "pvc-999", spec={}),
        ],
        "pvc-lost",
        Severity.CRITICAL,
        "PersistentVolume pvc-123 not found",
    ),
    ("bound", [pvc(phase="Bound", storageClassName="gp3")], None, None, ""),
]


@pytest.mark.parametrize(
    ("objects", "rule", "severity", "evidence"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_claims(
    objects: list[dict[str, Any]], rule: str | None, severity: Severity | None, evidence: str
) -> None:
    one_finding(analyze_storage(snap(*objects)), rule, severity, evidence)


def test_claim_without_default_class_suggests_making_the_only_class_default() -> None:
    (finding,) = analyze_storage(snap(pvc(), storageclass("local-path"), user()))
    assert (
        "kubectl patch storageclass local-path -p "
        '\'{"metadata":{"annotations":{"storageclass.kubernetes.io/is-default-class":"true"}}}\''
        in [r.command for r in finding.remediation]
    )
    assert [r.name for r in finding.affected] == ["db-0"]


def test_pod_pending_on_the_claim_points_at_it() -> None:
    pending = user(node=None, state="running")
    pending["status"] = {"phase": "Pending", "conditions": [{
        "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
        "message": "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: "
                   "0/3 nodes are available: 3 Preemption is not helpful for scheduling."}]}
    findings = linked(snap(CLAIM, storageclass("standard"), pending))
    (pod_finding,) = [f for f in findings if f.id == "pod-unschedulable"]
    assert pod_finding.caused_by == {
        "rule": "pvc-storageclass-missing",
        "object": {"kind": "PersistentVolumeClaim", "namespace": "shop", "name": "data"},
    }


# --- mount and attach failures --------------------------------------------------------------------------


def mounting(name: str, owner: dict[str, Any] | None = None) -> dict[str, Any]:
    spec = {
        "containers": [container("web")],
        "volumes": [{"name": "media", "persistentVolumeClaim": {"claimName": "media"}}],
    }
    return pod(name, labels={"app": "web"}, spec=spec, state="creating", owner=owner, age=20)


RS = obj("ReplicaSet", "apps/v1", "web-6f7d", "shop", spec={}, status={})


@pytest.mark.parametrize(
    ("messages", "expected_volume", "advice"),
    [
        (
            [
                (
                    "FailedAttachVolume",
                    'Multi-Attach error for volume "pvc-42" Volume is already exclusively attached to '
                    "one node and can't be attached to another",
                )
            ],
            "pvc-42",
            "still attached to another node",
        ),
        (
            [
                (
                    "FailedMount",
                    "Unable to attach or mount volumes: unmounted volumes=[media], "
                    "unattached volumes=[media]: timed out waiting for the condition",
                ),
                (
                    "FailedMount",
                    'MountVolume.SetUp failed for volume "media" : mount failed: exit status 32 Output: '
                    "mount.nfs: access denied by server while mounting 10.0.5.20:/exports",
                ),
            ],
            "media",
            "refused access",
        ),
    ],
    ids=["multi-attach", "specific message wins over the generic one"],
)
def test_mount_failures_are_one_finding_per_workload(
    messages: list[tuple[str, str]], expected_volume: str, advice: str
) -> None:
    pods = [mounting("web-6f7d-b", RS), mounting("web-6f7d-a", RS)]
    events = [event(p, reason, message) for p in pods for reason, message in messages]
    (finding,) = analyze_storage(snap(RS, *pods, *events))
    assert finding.id == "pod-volume-mount-failed"
    assert finding.object.name == "web-6f7d-a"
    assert finding.owner is not None and finding.owner.name == "web-6f7d"
    assert {r.name for r in finding.affected} == {"web-6f7d-a", "web-6f7d-b"}
    assert expected_volume in finding.title
    assert any(advice in r.description for r in finding.remediation)


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("creating", 'MountVolume.SetUp failed for volume "cfg" : configmap "app-config" not found'),
        (
            "creating",
            'MountVolume.SetUp failed for volume "kube-api-access-x" : object "shop"/"kube-root-ca.crt" not '
            "registered",
        ),
        ("running", 'MountVolume.SetUp failed for volume "media" : mount failed: exit status 32'),
    ],
    ids=["missing configmap is the config analyzer's", "kubelet start-up noise", "pod recovered"],
)
def test_mount_failures_not_reported_here(state: str, message: str) -> None:
    p = pod("web-1", state=state)
    generic = event(p, "FailedMount", "Unable to attach or mount volumes: unmounted volumes=[cfg], "
                    "unattached volumes=[], failed to process volumes=[]: timed out waiting for the "
                    "condition")
    assert analyze_storage(snap(p, event(p, "FailedMount", message), generic)) == []
