"""Table-driven tests of the ConfigMap/Secret reference analyzer (analyzers/config_refs.py)."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_prism.analyzers.config_refs import Reference, analyze_config_refs, spec_references
from kubectl_prism.findings import Severity
from kubectl_prism.snapshot import Gap
from tests.cluster_builders import (
    configmap,
    container,
    deployment,
    event,
    obj,
    one_finding,
    pod,
    replicaset,
    secret,
    snap,
)

ENV_CM = {"name": "DB_HOST", "valueFrom": {"configMapKeyRef": {"name": "app-config", "key": "db_host"}}}
ENV_SECRET = {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}
ROOT_CA = configmap("kube-root-ca.crt", data={"ca.crt": "-----BEGIN CERTIFICATE-----"})


def app(
    env: list[dict[str, Any]] | None = None,
    volumes: list[dict[str, Any]] | None = None,
    pull: list[str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [container("api", env=env or [])], **extra}
    if volumes:
        spec["volumes"] = volumes
    if pull:
        spec["imagePullSecrets"] = [{"name": n} for n in pull]
    return spec


def test_spec_references_finds_every_kind_of_reference() -> None:
    spec = app(
        env=[ENV_CM, ENV_SECRET],
        volumes=[
            {"name": "cfg", "configMap": {"name": "nginx-conf"}},
            {"name": "tls", "secret": {"secretName": "tls", "optional": True}},
            {
                "name": "all",
                "projected": {
                    "sources": [{"configMap": {"name": "kube-root-ca.crt"}}, {"secret": {"name": "extra"}}]
                },
            },
        ],
        pull=["regcred"],
    )
    spec["containers"][0]["envFrom"] = [{"configMapRef": {"name": "common"}}]
    refs = list(spec_references(spec))
    assert Reference("ConfigMap", "app-config", "env DB_HOST of container api", key="db_host") in refs
    assert Reference("Secret", "db", "env DB_PASSWORD of container api", key="password") in refs
    assert Reference("ConfigMap", "common", "envFrom of container api") in refs
    assert Reference("Secret", "tls", "volume tls", optional=True) in refs
    assert Reference("Secret", "extra", "volume all") in refs
    assert Reference("Secret", "regcred", "imagePullSecrets", pull=True) in refs


DEP_ENV = deployment("api", containers=[container("api", env=[ENV_CM])])
CASES: list[tuple[str, list[dict[str, Any]], str | None, Severity | None, str]] = [
    (
        "template references a missing ConfigMap",
        [DEP_ENV, ROOT_CA],
        "configmap-ref-missing",
        Severity.WARNING,
        "deployment/api: env DB_HOST of container api",
    ),
    ("ConfigMaps not gathered", [DEP_ENV], None, None, ""),
    ("it exists", [DEP_ENV, configmap("app-config", data={"db_host": "db"})], None, None, ""),
    (
        "key missing",
        [DEP_ENV, configmap("app-config", data={"dbhost": "db"})],
        "configmap-key-missing",
        Severity.WARNING,
        "has no key db_host",
    ),
    (
        "data not gathered: keys unknown",
        [DEP_ENV, obj("ConfigMap", "v1", "app-config", "shop")],
        None,
        None,
        "",
    ),
    (
        "optional",
        [
            deployment(
                "api",
                containers=[
                    container(
                        "api",
                        env=[
                            {
                                "name": "X",
                                "valueFrom": {
                                    "configMapKeyRef": {"name": "app-config", "key": "x", "optional": True}
                                },
                            }
                        ],
                    )
                ],
            ),
            ROOT_CA,
        ],
        None,
        None,
        "",
    ),
    (
        "missing Secret, near name",
        [deployment("api", containers=[container("api", env=[ENV_SECRET])]), secret("db-credentials")],
        "secret-ref-missing",
        Severity.WARNING,
        "Secret db-credentials exists in shop (a typo?)",
    ),
    (
        "pull secret",
        [
            obj("Pod", "v1", "api-0", "shop", spec=app(pull=["regcred"]), status={"phase": "Running"}),
            secret("other"),
        ],
        "image-pull-secret-missing",
        Severity.WARNING,
        "Secret regcred not found",
    ),
    (
        "finished Job",
        [
            obj(
                "Job",
                "batch/v1",
                "migrate",
                "shop",
                spec={"template": {"spec": app(env=[ENV_CM])}},
                status={"conditions": [{"type": "Complete", "status": "True"}]},
            ),
            ROOT_CA,
        ],
        None,
        None,
        "",
    ),
]


@pytest.mark.parametrize(
    ("objects", "rule", "severity", "evidence"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_references(
    objects: list[dict[str, Any]], rule: str | None, severity: Severity | None, evidence: str
) -> None:
    one_finding(analyze_config_refs(snap(*objects)), rule, severity, evidence)


def test_secrets_forbidden_means_no_claim() -> None:
    snapshot = snap(deployment("api", containers=[container("api", env=[ENV_SECRET])]), secret("x"))
    snapshot.gaps.append(Gap("secrets", "shop", "forbidden"))
    assert analyze_config_refs(snapshot) == []


def test_old_replicasets_of_a_deployment_are_not_templates() -> None:
    dep = deployment("api")
    old = replicaset(deployment("api", containers=[container("api", env=[ENV_CM])]))
    old["metadata"]["ownerReferences"] = [{"kind": "Deployment", "name": "api", "controller": True}]
    assert analyze_config_refs(snap(dep, old, ROOT_CA)) == []


def test_missing_volume_configmap_with_stuck_pods_is_critical_and_lists_them() -> None:
    dep = deployment(
        "web", containers=[container("web")], volumes=[{"name": "cfg", "configMap": {"name": "nginx"}}]
    )
    rs = replicaset(dep)
    stuck = [
        pod(
            f"web-5d8f7c9b4-{s}",
            labels={"app": "web"},
            spec=rs["spec"]["template"]["spec"],
            owner=rs,
            state="creating",
        )
        for s in ("a", "b")
    ]
    events = [
        event(
            p,
            "FailedMount",
            'MountVolume.SetUp failed for volume "cfg" : configmap "nginx" not found',
            count=9,
        )
        for p in stuck
    ]
    # ConfigMaps were not gathered (e.g. a cluster-info dump): the kubelet's event is proof enough.
    (finding,) = analyze_config_refs(snap(dep, rs, *stuck, *events))
    assert (finding.id, finding.severity) == ("configmap-ref-missing", Severity.CRITICAL)
    assert (finding.object.kind, finding.object.name) == ("ConfigMap", "nginx")
    assert {r.name for r in finding.affected} == {"web", "web-5d8f7c9b4-a", "web-5d8f7c9b4-b"}
    assert (
        'event FailedMount x9: MountVolume.SetUp failed for volume "cfg" : configmap "nginx" not found'
        in finding.evidence
    )


def test_pods_already_failing_with_create_container_config_error_are_the_pod_analyzers() -> None:
    dep = deployment("api", containers=[container("api", env=[ENV_CM])])
    rs = replicaset(dep)
    failing = pod(
        "api-5d8f7c9b4-a",
        spec=rs["spec"]["template"]["spec"],
        owner=rs,
        state="configerror",
        config_message='configmap "app-config" not found',
    )
    assert analyze_config_refs(snap(dep, rs, failing, ROOT_CA)) == []
    # Another workload that is not failing yet is still reported.
    other = deployment("worker", containers=[container("worker", env=[ENV_CM])])
    (finding,) = analyze_config_refs(snap(dep, rs, failing, other, ROOT_CA))
    assert [r.name for r in finding.affected] == ["worker"]
