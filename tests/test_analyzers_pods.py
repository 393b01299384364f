"""Pod analyzers: pod_problem table, evidence helpers, grouping, remediation and the pods-* scenarios."""

from __future__ import annotations

import json
import re
import shlex
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kubectl_prism.analyzers import run_analyzers
from kubectl_prism.analyzers.causes import Link, link, pod_finding
from kubectl_prism.analyzers.images import (
    IMAGE_AMBIGUOUS,
    IMAGE_NETWORK,
    IMAGE_NOT_FOUND,
    IMAGE_RATE_LIMITED,
    IMAGE_UNAUTHORIZED,
    classify_image_error,
    pull_error_summary,
)
from kubectl_prism.analyzers.pod_evidence import (
    decisive_log_line,
    exit_code_meaning,
    parse_config_error,
    scheduler_reasons,
    snapshot_now,
    start_error_cause,
)
from kubectl_prism.analyzers.pod_status import caused_by, pod_problem
from kubectl_prism.analyzers.pods import analyze_pods
from kubectl_prism.analyzers.pods.context import format_memory, parse_quantity
from kubectl_prism.findings import Finding, ObjectRef, Severity
from kubectl_prism.snapshot import LogKey, Snapshot
from tests.cluster_builders import linked

SCENARIOS = Path(__file__).parent / "scenarios"
NOW = "2026-11-28T10:30:00Z"

# --- builders ----------------------------------------------------------------------------------------


def container_status(
    name: str = "app",
    *,
    waiting: str | None = None,
    message: str = "",
    running: bool = False,
    ready: bool = False,
    restarts: int = 0,
    last: tuple[str, int] | None = None,
    terminated: tuple[str, int] | None = None,
    started_at: str = NOW,
    started: bool | None = None,
) -> dict[str, Any]:
    state: dict[str, Any] = {}
    if waiting:
        state["waiting"] = {"reason": waiting, **({"message": message} if message else {})}
    elif running:
        state["running"] = {"startedAt": started_at}
    elif terminated:
        state["terminated"] = {"reason": terminated[0], "exitCode": terminated[1], "message": message}
    status: dict[str, Any] = {
        "name": name,
        "state": state,
        "ready": ready,
        "restartCount": restarts,
        "image": f"example/{name}:1",
        "lastState": {},
    }
    if last:
        status["lastState"] = {
            "terminated": {
                "reason": last[0],
                "exitCode": last[1],
                "finishedAt": NOW,
                "message": message if last[0] == "StartError" else "",
            }
        }
    if started is not None:
        status["started"] = started
    return status


def make_pod(
    name: str = "api-7d9c-x2",
    namespace: str = "shop",
    *,
    statuses: list[dict[str, Any]] | None = None,
    init_statuses: list[dict[str, Any]] | None = None,
    phase: str = "Running",
    containers: list[dict[str, Any]] | None = None,
    init_containers: list[dict[str, Any]] | None = None,
    owner: tuple[str, str] | None = None,
    conditions: list[dict[str, Any]] | None = None,
    status_extra: dict[str, Any] | None = None,
    meta_extra: dict[str, Any] | None = None,
    node: str | None = "worker-1",
    spec_extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    statuses = statuses if statuses is not None else [container_status("app", running=True, ready=True)]
    containers = (
        containers
        or [{"name": s["name"], "image": s["image"]} for s in statuses]
        or [{"name": "app", "image": "example/app:1"}]
    )
    metadata: dict[str, Any] = {
        "name": name,
        "namespace": namespace,
        "uid": f"uid-{name}",
        "creationTimestamp": "2026-11-28T09:00:00Z",
    }
    if owner:
        metadata["ownerReferences"] = [
            {
                "apiVersion": "apps/v1",
                "kind": owner[0],
                "name": owner[1],
                "uid": f"uid-{owner[1]}",
                "controller": True,
            }
        ]
    metadata.update(meta_extra or {})
    spec: dict[str, Any] = {"containers": containers, **({"nodeName": node} if node else {})}
    if init_containers:
        spec["initContainers"] = init_containers
    spec.update(spec_extra or {})
    status: dict[str, Any] = {"phase": phase, "conditions": conditions or []}
    if statuses:
        status["containerStatuses"] = statuses
    if init_statuses:
        status["initContainerStatuses"] = init_statuses
    status.update(status_extra or {})
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec, "status": status}


def deployment_with_pods(
    name: str,
    pods: list[dict[str, Any]],
    namespace: str = "shop",
    replicas: int | None = None,
    available: int = 0,
    conditions: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """A Deployment, its ReplicaSet and the given pods re-parented onto that ReplicaSet."""
    rs_name = f"{name}-5d8f7"
    dep = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "uid": f"uid-{name}"},
        "spec": {
            "replicas": len(pods) if replicas is None else replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": pods[0]["spec"]["containers"] if pods else []},
            },
        },
        "status": {"replicas": len(pods), "availableReplicas": available, "conditions": conditions or []},
    }
    rs = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": rs_name,
            "namespace": namespace,
            "uid": f"uid-{rs_name}",
            "annotations": {"deployment.kubernetes.io/revision": "1"},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "name": name,
                    "uid": f"uid-{name}",
                    "controller": True,
                }
            ],
        },
        "spec": {"replicas": len(pods)},
        "status": {"replicas": len(pods)},
    }
    for pod in pods:
        pod["metadata"]["ownerReferences"] = [
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "name": rs_name,
                "uid": f"uid-{rs_name}",
                "controller": True,
            }
        ]
        pod["metadata"].setdefault("labels", {})["app"] = name
    return [dep, rs, *pods]


def event(
    kind: str,
    name: str,
    reason: str,
    message: str,
    namespace: str = "shop",
    count: int = 1,
    field_path: str | None = None,
) -> dict[str, Any]:
    involved = {"kind": kind, "name": name, "namespace": namespace}
    if field_path:
        involved["fieldPath"] = field_path
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"{name}.{reason.lower()}", "namespace": namespace},
        "involvedObject": involved,
        "reason": reason,
        "message": message,
        "count": count,
        "type": "Warning",
        "lastTimestamp": NOW,
    }


def log_says(finding: Finding, text: str) -> bool:
    """The finding shows `text` as a numbered log line ("log line 3/5: TEXT")."""
    return any(re.fullmatch(r"log line \d+/\d+: (.*)", line) and line.endswith(f": {text}")
               for line in finding.evidence)


def snapshot_of(objects: list[dict[str, Any]], logs: list[dict[str, Any]] | tuple[()] = ()) -> Snapshot:
    snap = Snapshot()
    snap.add_all(objects)
    for log in logs:
        snap.logs[LogKey(log["namespace"], log["pod"], log["container"], bool(log.get("previous")))] = log[
            "text"
        ]
    return snap


# --- scenario helpers (shared with test_analyzers_workloads) -----------------------------------------


def load_snapshot(path: Path) -> tuple[Snapshot, list[dict[str, Any]]]:
    """A scenario file as a Snapshot plus its `expect` entries (yaml.safe_load via tests.scenarios)."""
    from tests.scenarios import load_scenario

    scenario = load_scenario(path)
    return snapshot_of(scenario.objects, scenario.logs), scenario.expect


def finding_text(finding: Finding) -> str:
    return "\n".join([finding.title, finding.message, *finding.evidence])


def matches(finding: Finding, entry: dict[str, Any]) -> bool:
    if finding.id != entry["rule"]:
        return False
    refs = [finding.object, *([finding.owner] if finding.owner else []), *finding.affected]
    if not any(
        (entry.get("kind") in (None, r.kind))
        and (entry.get("name") in (None, r.name))
        and (entry.get("namespace") in (None, r.namespace))
        for r in refs
    ):
        return False
    if "causedBy" in entry and (finding.caused_by or {}).get("rule") != entry["causedBy"]:
        return False
    return entry.get("evidence", "") in finding_text(finding)


def check_expectations(findings: list[Finding], expect: list[dict[str, Any]]) -> None:
    """Every entry is met (`causedBy`: the rule its cause names, null for a root), but `absent: true` ones."""
    for entry in expect:
        if entry.get("absent"):
            found = [f"{f.id} {f.object}" for f in findings if matches(f, entry)]
            assert not found, f"{entry} is marked absent but found: {found}"
        elif not any(matches(f, entry) for f in findings):
            same_rule = [f"{f.object}: {finding_text(f)}" for f in findings if f.id == entry["rule"]]
            pytest.fail(
                f"expected {entry} in findings; same-rule findings: {same_rule or 'none'}; all: "
                f"{[(f.id, str(f.object)) for f in findings]}"
            )


def check_invariants(findings: list[Finding]) -> None:
    """Root-cause rules every scenario must satisfy."""
    index = {(f.id, f.object) for f in findings} | {(f.id, a) for f in findings for a in f.affected}
    for f in findings:
        assert f.evidence, f"{f.id} on {f.object} has no evidence"
        for fix in f.remediation:
            assert fix.description
            if fix.command:
                assert fix.command.startswith("kubectl "), fix.command
                assert "<" not in fix.command and ">" not in fix.command, f"placeholder in {fix.command}"
        if f.caused_by:
            assert f.severity is not Severity.CRITICAL, f"{f.id} on {f.object} is a symptom but critical"
            target = (
                f.caused_by["rule"],
                ObjectRef(
                    f.caused_by["object"]["kind"],
                    f.caused_by["object"]["name"],
                    f.caused_by["object"]["namespace"],
                ),
            )
            assert target in index, f"{f.id} on {f.object} points at a missing finding {f.caused_by}"


def scenario_files(prefix: str) -> list[Path]:
    return sorted(SCENARIOS.glob(f"{prefix}*.yaml"))


# --- pod_problem -------------------------------------------------------------------------------------

NOW_DT = datetime(2026, 11, 28, 10, 30, tzinfo=UTC)

POD_PROBLEMS = [
    ("healthy", make_pod(), None, None),
    (
        "crash loop",
        make_pod(statuses=[container_status(waiting="CrashLoopBackOff", restarts=5, last=("Error", 1))]),
        "pod-crash-loop",
        "exit code 1 (application error)",
    ),
    (
        "oom in back-off",
        make_pod(statuses=[container_status(waiting="CrashLoopBackOff", last=("OOMKilled", 137))]),
        "pod-oom-killed",
        "exit code 137",
    ),
    (
        "oom just now",
        make_pod(statuses=[container_status(terminated=("OOMKilled", 137))]),
        "pod-oom-killed",
        "137",
    ),
    (
        "oom recovered",
        make_pod(statuses=[container_status(running=True, ready=True, restarts=2, last=("OOMKilled", 137))]),
        "pod-oom-killed",
        "OOMKilled",
    ),
    (
        "flapping while running",
        make_pod(statuses=[container_status(running=True, ready=True, restarts=4, last=("Error", 2))]),
        "pod-crash-loop",
        "exit code 2",
    ),
    (
        "node reboot is benign",
        make_pod(statuses=[container_status(running=True, ready=True, restarts=4, last=("Unknown", 255))]),
        None,
        None,
    ),
    (
        "image pull",
        make_pod(statuses=[container_status(waiting="ImagePullBackOff", message="Back-off pulling")]),
        "pod-image-pull",
        "Back-off",
    ),
    (
        "invalid image",
        make_pod(statuses=[container_status(waiting="InvalidImageName")]),
        "pod-image-pull",
        "",
    ),
    (
        "config error",
        make_pod(
            statuses=[container_status(waiting="CreateContainerConfigError", message='secret "db" not found')]
        ),
        "pod-create-config-error",
        'secret "db"',
    ),
    (
        "start error",
        make_pod(
            statuses=[
                container_status(
                    waiting="CrashLoopBackOff",
                    last=("StartError", 128),
                    message='exec: "x": executable file not found in $PATH',
                )
            ]
        ),
        "pod-run-container-error",
        "executable file not found",
    ),
    (
        "run container error",
        make_pod(statuses=[container_status(waiting="RunContainerError", message="boom")]),
        "pod-run-container-error",
        "boom",
    ),
    (
        "init crash",
        make_pod(
            statuses=[container_status(waiting="PodInitializing")],
            init_statuses=[container_status("migrate", waiting="CrashLoopBackOff", last=("Error", 3))],
        ),
        "pod-init-container-failing",
        "exit code 3",
    ),
    (
        "init error, never restarted",
        make_pod(
            statuses=[container_status(waiting="PodInitializing")],
            init_statuses=[container_status("migrate", terminated=("Error", 1))],
        ),
        "pod-init-container-failing",
        "exit code 1",
    ),
    (
        "init image pull names the init container",
        make_pod(
            statuses=[container_status(waiting="PodInitializing")],
            init_statuses=[container_status("setup", waiting="ErrImagePull")],
        ),
        "pod-image-pull",
        "",
    ),
    (
        "init done",
        make_pod(init_statuses=[container_status("migrate", terminated=("Completed", 0))]),
        None,
        None,
    ),
    (
        "sidecar init running is fine",
        make_pod(
            init_statuses=[container_status("proxy", running=True, ready=True)],
            init_containers=[{"name": "proxy", "image": "envoy", "restartPolicy": "Always"}],
        ),
        None,
        None,
    ),
    (
        "unschedulable",
        make_pod(
            statuses=[],
            phase="Pending",
            node=None,
            conditions=[
                {
                    "type": "PodScheduled",
                    "status": "False",
                    "reason": "Unschedulable",
                    "message": "0/3 nodes are available: 3 Insufficient cpu.",
                }
            ],
        ),
        "pod-unschedulable",
        "Insufficient cpu",
    ),
    (
        "evicted",
        make_pod(phase="Failed", status_extra={"reason": "Evicted", "message": "low on resource: memory"}),
        "pod-evicted",
        "low on resource",
    ),
    (
        "rejected by kubelet",
        make_pod(phase="Failed", status_extra={"reason": "OutOfcpu", "message": "no cpu"}),
        "pod-failed",
        "no cpu",
    ),
    (
        "completed",
        make_pod(phase="Succeeded", statuses=[container_status(terminated=("Completed", 0))]),
        None,
        None,
    ),
    (
        "not ready with probe",
        make_pod(
            statuses=[container_status(running=True, ready=False, started=True)],
            containers=[{"name": "app", "image": "a", "readinessProbe": {"httpGet": {}}}],
        ),
        "pod-probe-failing",
        "readiness",
    ),
    (
        "not ready without probe is no verdict",
        make_pod(statuses=[container_status(running=True, ready=False)]),
        None,
        None,
    ),
]


@pytest.mark.parametrize(("case", "pod", "rule", "detail"), POD_PROBLEMS, ids=[c[0] for c in POD_PROBLEMS])
def test_pod_problem(case: str, pod: dict[str, Any], rule: str | None, detail: str | None) -> None:
    problem = pod_problem(pod)
    if rule is None:
        assert problem is None, case
        return
    assert problem is not None and problem.rule_id == rule, case
    assert detail in problem.detail


def test_pod_problem_picks_the_most_decisive_container() -> None:
    pod = make_pod(
        statuses=[
            container_status("sidecar", running=True, ready=False),
            container_status("app", waiting="ImagePullBackOff"),
        ],
        containers=[
            {"name": "sidecar", "image": "s", "readinessProbe": {"tcpSocket": {"port": 1}}},
            {"name": "app", "image": "a"},
        ],
    )
    problem = pod_problem(pod)
    assert problem is not None and (problem.rule_id, problem.container) == ("pod-image-pull", "app")


def test_time_based_problems_need_now() -> None:
    deleted = make_pod(meta_extra={"deletionTimestamp": "2026-11-28T08:00:00Z", "finalizers": ["x.io/keep"]})
    assert pod_problem(deleted) is None
    problem = pod_problem(deleted, NOW_DT)
    assert problem is not None and problem.rule_id == "pod-stuck-terminating"
    assert "x.io/keep" in problem.detail and "2h30m" in problem.detail
    assert pod_problem(make_pod(meta_extra={"deletionTimestamp": "2026-11-28T10:29:00Z"}), NOW_DT) is None

    waiting = make_pod(
        statuses=[container_status(waiting="PodInitializing")],
        init_statuses=[container_status("wait-db", running=True, started_at="2026-11-28T09:00:00Z")],
    )
    assert pod_problem(waiting) is None
    problem = pod_problem(waiting, NOW_DT)
    assert problem is not None and problem.rule_id == "pod-init-container-failing" and problem.init


def test_caused_by_shape() -> None:
    problem = pod_problem(make_pod(statuses=[container_status(waiting="ErrImagePull")]))
    assert problem is not None
    assert caused_by(problem, ObjectRef("Pod", "web-1", "shop")) == {
        "rule": "pod-image-pull",
        "object": {"kind": "Pod", "namespace": "shop", "name": "web-1"},
    }


# --- evidence helpers --------------------------------------------------------------------------------

LOGS = [
    (
        "python traceback",
        'Traceback (most recent call last):\n  File "/app/main.py", line 3, in <module>\n'
        "    connect()\nsqlalchemy.exc.OperationalError: could not connect: Connection refused\n",
        "sqlalchemy.exc.OperationalError: could not connect: Connection refused",
    ),
    (
        "go panic",
        "starting\npanic: runtime error: invalid memory address or nil pointer dereference\ngoroutine 1 "
        "[running]:\nmain.main()\n\t/src/main.go:12 +0x1d\n",
        "panic: runtime error",
    ),
    (
        "java",
        'INFO boot\nException in thread "main" java.io.FileNotFoundException: /etc/app.conf (No such file or '
        "directory)\n\tat java.base/java.io.FileInputStream.open0(Native Method)\n",
        "No such file or directory",
    ),
    (
        "permission",
        'level=info msg=start\nlevel=fatal msg="open /data/db.lock: permission denied"\n',
        "permission denied",
    ),
    (
        "timestamps are stripped",
        "2026-11-28T10:00:00.123Z ERROR bind: address already in use\n",
        "ERROR bind: address already in use",
    ),
    ("nothing telling", "hello\nworld\n", None),
]


@pytest.mark.parametrize(("case", "text", "expected"), LOGS, ids=[c[0] for c in LOGS])
def test_decisive_log_line(case: str, text: str, expected: str | None) -> None:
    line = decisive_log_line(text)
    if expected is None:
        assert line is None
    else:
        assert line is not None and expected in line and not line.startswith("2026")


def test_decisive_log_line_prefers_the_later_text_on_ties() -> None:
    assert decisive_log_line("ERROR old failure\n", "ERROR new failure\n") == "ERROR new failure"


IMAGE_ERRORS = [
    ('failed to resolve reference "ghcr.io/a/b:1": ghcr.io/a/b:1: not found', IMAGE_NOT_FOUND),
    ('manifest unknown: manifest tagged by "v9" is not found', IMAGE_NOT_FOUND),
    (
        "pulling from host registry.x failed with status code [manifests 1]: 401 Unauthorized",
        IMAGE_UNAUTHORIZED,
    ),
    ("failed to authorize: failed to fetch anonymous token: 403 Forbidden", IMAGE_UNAUTHORIZED),
    (
        "pull access denied for acme/x, repository does not exist or may require 'docker login'",
        IMAGE_AMBIGUOUS,
    ),
    ("dial tcp: lookup registry.corp on 10.0.0.2:53: no such host", IMAGE_NETWORK),
    ("toomanyrequests: You have reached your pull rate limit", IMAGE_RATE_LIMITED),
]


@pytest.mark.parametrize(("message", "expected"), IMAGE_ERRORS)
def test_classify_image_error(message: str, expected: str) -> None:
    assert classify_image_error(message) == expected


def test_pull_error_summary_keeps_head_and_reason() -> None:
    message = 'Failed to pull image "x:1": ' + "rpc error: nested " * 30 + "x:1: not found"
    summary = pull_error_summary(message)
    assert (
        summary.startswith("Failed to pull image") and summary.endswith("not found") and len(summary) <= 260
    )


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ('configmap "app-config" not found', {"kind": "ConfigMap", "name": "app-config"}),
        ('secret "db" not found', {"kind": "Secret", "name": "db"}),
        ("couldn't find key DB_PASS in Secret shop/db", {"kind": "Secret", "name": "db", "key": "DB_PASS"}),
        ("couldn't find key url in ConfigMap shop/app", {"kind": "ConfigMap", "name": "app", "key": "url"}),
        ("container has runAsNonRoot and image will run as root", {"problem": "runAsNonRoot"}),
        ("something else", None),
    ],
)
def test_parse_config_error(message: str, expected: dict[str, str] | None) -> None:
    assert parse_config_error(message) == expected


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (1, "application error"),
        (137, "SIGKILL"),
        (143, "SIGTERM"),
        (127, "command not found"),
        (126, "permission"),
        (139, "SIGSEGV"),
        (130, "SIGINT"),
        (42, "application error"),
    ],
)
def test_exit_code_meaning(code: int, words: str) -> None:
    assert words in exit_code_meaning(code)


def test_start_error_cause() -> None:
    message = (
        "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc "
        'create failed: unable to start container process: exec: "/app/run": permission denied: unknown'
    )
    assert start_error_cause(message) == 'exec: "/app/run": permission denied'


def test_scheduler_reasons() -> None:
    message = (
        "0/5 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
        "4 Insufficient memory. preemption: 0/5 nodes are available: 5 No preemption victims found."
    )
    assert scheduler_reasons(message) == [
        (4, "Insufficient memory"),
        (1, "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"),
    ]
    assert scheduler_reasons(
        "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims."
    ) == [(0, "pod has unbound immediate PersistentVolumeClaims")]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("128Mi", 2**27),
        ("1Gi", 2**30),
        ("500m", 0.5),
        ("2", 2.0),
        ("1.5G", 1.5e9),
        ("12Qi", None),
        ("", None),
    ],
)
def test_parse_quantity(value: str, expected: float | None) -> None:
    assert parse_quantity(value) == expected


def test_format_memory() -> None:
    assert format_memory(2**28) == "256Mi" and format_memory(2**31) == "2Gi" and format_memory(1) == "1Mi"


def test_snapshot_now_is_the_newest_timestamp_not_the_clock() -> None:
    snap = snapshot_of(
        [
            make_pod(meta_extra={"deletionTimestamp": "2030-01-01T00:00:00Z"}),
            event("Pod", "x", "BackOff", "m"),
        ]
    )
    assert snapshot_now(snap) == NOW_DT  # deletionTimestamp (future-dated grace) is ignored


# --- grouping and findings ---------------------------------------------------------------------------


def crashing(name: str) -> dict[str, Any]:
    return make_pod(
        name,
        statuses=[container_status("api", waiting="CrashLoopBackOff", restarts=7, last=("Error", 1))],
        containers=[{"name": "api", "image": "example/api:1", "resources": {"limits": {"memory": "128Mi"}}}],
    )


def test_one_finding_per_owner_and_cause() -> None:
    pods = [crashing(f"api-5d8f7-{s}") for s in ("c", "a", "b")]
    objects = deployment_with_pods("api", pods)
    logs = [
        {
            "namespace": "shop",
            "pod": "api-5d8f7-a",
            "container": "api",
            "previous": True,
            "text": "boot\nFATAL: config file /etc/api.yaml: no such file or directory\n",
        }
    ]
    findings = analyze_pods(snapshot_of(objects, logs))
    assert len(findings) == 1
    finding = findings[0]
    assert finding.id == "pod-crash-loop" and finding.severity is Severity.CRITICAL
    assert finding.object == ObjectRef("Pod", "api-5d8f7-a", "shop")
    assert finding.owner == ObjectRef("Deployment", "api", "shop")
    assert [a.name for a in finding.affected] == ["api-5d8f7-a", "api-5d8f7-b", "api-5d8f7-c"]
    assert finding.title.startswith("Deployment api: 3/3 pods in CrashLoopBackOff")
    assert log_says(finding, "FATAL: config file /etc/api.yaml: no such file or directory")
    commands = [r.command for r in finding.remediation]
    assert "kubectl -n shop logs api-5d8f7-a -c api --tail=100 --previous" in commands
    # a symptom of any pod of the group points at the finding's representative pod
    symptom = Finding("service-no-ready-endpoints", Severity.CRITICAL, "t", ObjectRef("Service", "api"),
                      links=[Link(pod_finding([ObjectRef("Pod", "api-5d8f7-c", "shop")]))])
    link([*findings, symptom])
    assert symptom.caused_by == {
        "rule": "pod-crash-loop",
        "object": {"kind": "Pod", "namespace": "shop", "name": "api-5d8f7-a"},
    }


def test_different_problems_of_one_owner_are_separate_findings() -> None:
    pods = [
        crashing("api-5d8f7-a"),
        make_pod("api-5d8f7-b", statuses=[container_status("api", waiting="ErrImagePull")]),
    ]
    ids = sorted(f.id for f in analyze_pods(snapshot_of(deployment_with_pods("api", pods))))
    assert ids == ["pod-crash-loop", "pod-image-pull"]


def test_oom_remediation_doubles_the_limit_on_the_owner() -> None:
    pod = make_pod(
        "worker-5d8f7-a",
        statuses=[container_status("worker", waiting="CrashLoopBackOff", last=("OOMKilled", 137))],
        containers=[
            {
                "name": "worker",
                "image": "w",
                "resources": {"limits": {"memory": "384Mi"}, "requests": {"memory": "128Mi"}},
            }
        ],
    )
    [finding] = analyze_pods(snapshot_of(deployment_with_pods("worker", [pod])))
    assert finding.id == "pod-oom-killed" and "limit 384Mi" in finding.title
    commands = [r.command for r in finding.remediation]
    assert "kubectl -n shop set resources deployment/worker -c worker --limits=memory=768Mi" in commands


def test_naked_pod_gets_no_owner_command() -> None:
    pod = make_pod(
        "oneoff",
        statuses=[container_status("job", waiting="CrashLoopBackOff", last=("OOMKilled", 137))],
        containers=[{"name": "job", "image": "j", "resources": {"limits": {"memory": "1Gi"}}}],
    )
    [finding] = analyze_pods(snapshot_of([pod]))
    assert finding.owner is None and finding.title.startswith("Pod oneoff: OOM-killed")
    assert not any(r.command and "set resources" in r.command for r in finding.remediation)
    assert any("2Gi" in r.description for r in finding.remediation)


def test_liveness_kill_is_named_in_the_crash_finding() -> None:
    pod = crashing("gw-5d8f7-a")
    evs = [
        event("Pod", "gw-5d8f7-a", "Killing", "Container api failed liveness probe, will be restarted"),
        event(
            "Pod", "gw-5d8f7-a", "Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 500"
        ),
    ]
    [finding] = analyze_pods(snapshot_of([*deployment_with_pods("gw", [pod]), *evs]))
    assert "killed by failing liveness probe" in finding.title
    assert any("statuscode: 500" in e for e in finding.evidence)
    patch = next(r.command for r in finding.remediation if r.command and "patch" in r.command)
    assert (
        json.loads(shlex.split(patch)[-1])[0]["path"] == "/spec/template/spec/containers/0/livenessProbe/"
        "failureThreshold"
    )


def test_config_error_names_key_and_referencing_env() -> None:
    pod = make_pod(
        "api-5d8f7-a",
        statuses=[
            container_status(
                "api",
                waiting="CreateContainerConfigError",
                message="couldn't find key DB_PASS in Secret shop/db",
            )
        ],
        containers=[
            {
                "name": "api",
                "image": "a",
                "env": [
                    {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "DB_PASS"}}}
                ],
            }
        ],
    )
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db", "namespace": "shop"},
        "data": {"DB_PASSWORD": "eA=="},
    }
    [finding] = analyze_pods(snapshot_of([*deployment_with_pods("api", [pod]), secret]))
    text = finding_text(finding)
    assert "key DB_PASS of Secret db not found" in finding.title
    assert "env PASSWORD" in text and "did you mean key DB_PASSWORD?" in text
    assert "kubectl -n shop describe secret db" in [r.command for r in finding.remediation]


def test_unschedulable_compares_request_with_nodes() -> None:
    pod = make_pod(
        "big-5d8f7-a",
        statuses=[],
        phase="Pending",
        node=None,
        containers=[{"name": "big", "image": "b", "resources": {"requests": {"cpu": "6"}}}],
        conditions=[
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "message": "0/2 nodes are available: 2 Insufficient cpu.",
            }
        ],
    )
    nodes = [
        {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": f"n{i}"},
            "status": {"allocatable": {"cpu": "4", "memory": "8Gi"}},
        }
        for i in (1, 2)
    ]
    busy = make_pod(
        "other",
        statuses=[container_status(running=True, ready=True)],
        node="n1",
        containers=[{"name": "app", "image": "a", "resources": {"requests": {"cpu": "1500m"}}}],
    )
    [finding] = analyze_pods(snapshot_of([*deployment_with_pods("big", [pod]), *nodes, busy]))
    text = finding_text(finding)
    assert finding.id == "pod-unschedulable" and "pod requests cpu=6" in text
    assert "most free cpu on a node: 4 of 4 allocatable (n2)" in text and "it can never fit" in text
    assert "kubectl -n shop set resources deployment/big -c big --requests=cpu=2" in [
        r.command for r in finding.remediation
    ]


def test_probe_failing_is_critical_only_when_no_replica_serves() -> None:
    def unready(name: str, ready: bool) -> dict[str, Any]:
        return make_pod(
            name,
            statuses=[
                container_status(
                    "web", running=True, ready=ready, started=True, started_at="2026-11-28T09:00:00Z"
                )
            ],
            containers=[
                {
                    "name": "web",
                    "image": "w",
                    "ports": [{"containerPort": 3000}],
                    "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
                }
            ],
        )

    evs = [
        event(
            "Pod",
            "web-5d8f7-a",
            "Unhealthy",
            'Readiness probe failed: Get "http://10.0.0.1:8080/ready": '
            "dial tcp 10.0.0.1:8080: connect: connection refused",
            count=40,
            field_path="spec.containers{web}",
        )
    ]
    partly = analyze_pods(
        snapshot_of(
            [
                *deployment_with_pods("web", [unready("web-5d8f7-a", False), unready("web-5d8f7-b", True)]),
                *evs,
            ]
        )
    )
    assert [f.severity for f in partly] == [Severity.WARNING]
    assert "probe port 8080 is not a containerPort of web (3000)" in partly[0].evidence
    fully = analyze_pods(snapshot_of([*deployment_with_pods("web", [unready("web-5d8f7-a", False)]), *evs]))
    assert [f.severity for f in fully] == [Severity.CRITICAL]


def test_failed_job_pods_are_left_to_the_job_finding() -> None:
    pod = make_pod(
        "migrate-x",
        phase="Failed",
        owner=("Job", "migrate"),
        statuses=[container_status("m", terminated=("Error", 1))],
    )
    assert analyze_pods(snapshot_of([pod])) == []


def test_mirror_pods_have_no_workload_owner() -> None:
    pod = make_pod(
        "etcd-cp-1",
        namespace="kube-system",
        owner=("Node", "cp-1"),
        statuses=[container_status("etcd", waiting="CrashLoopBackOff", last=("Error", 2))],
    )
    [finding] = analyze_pods(snapshot_of([pod]))
    assert finding.owner is None and finding.title.startswith("Pod etcd-cp-1:")


def test_results_do_not_depend_on_the_wall_clock() -> None:
    path = SCENARIOS / "pods-stuck-terminating-finalizer.yaml"
    first = [f.to_dict() for f in run_analyzers(load_snapshot(path)[0])]
    second = [f.to_dict() for f in run_analyzers(load_snapshot(path)[0])]
    assert first == second and any(f["id"] == "pod-stuck-terminating" for f in first)


# --- scenarios ---------------------------------------------------------------------------------------


def test_there_are_enough_scenarios() -> None:
    assert len(scenario_files("pods-")) + len(scenario_files("workloads-")) >= 25
    assert len(scenario_files("healthy-")) >= 2


@pytest.mark.parametrize("path", scenario_files("pods-"), ids=lambda p: p.stem)
def test_pod_scenario(path: Path) -> None:
    snapshot, expect = load_snapshot(path)
    assert expect, f"{path.name} has no expectations"
    findings = run_analyzers(snapshot)
    check_expectations(findings, expect)
    check_invariants(findings)


def test_unresolvable_dependency_names_the_missing_service() -> None:
    snapshot, _ = load_snapshot(SCENARIOS / "pods-init-container-waiting.yaml")
    [finding] = [f for f in analyze_pods(snapshot) if f.id == "pod-init-container-failing"]
    assert log_says(finding, "nc: bad address 'redis'")
    assert ObjectRef("Service", "redis", "shop") in finding.related
    assert any("no Service redis in namespace shop" in r.description for r in finding.remediation)


def service(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {"selector": {"app": name}, "ports": [{"port": 80}]},
    }


def crash_log(pod: str, text: str) -> dict[str, Any]:
    return {"namespace": "shop", "pod": pod, "container": "api", "previous": True, "text": text}


def test_crash_caused_by_a_broken_dependency_points_at_it() -> None:
    objects = [
        *deployment_with_pods("api", [crashing("api-5d8f7-a")]),
        *deployment_with_pods(
            "db",
            [make_pod("db-5d8f7-a", statuses=[container_status("postgres", waiting="ImagePullBackOff")])],
        ),
        service("api"),
        service("db"),
    ]
    logs = [crash_log("api-5d8f7-a", "FATAL: could not connect to db:5432: connection refused\n")]
    findings = {f.id: f for f in linked(snapshot_of(objects, logs), "pods")}
    crash, pull = findings["pod-crash-loop"], findings["pod-image-pull"]
    assert crash.caused_by == {
        "rule": "pod-image-pull",
        "object": {"kind": "Pod", "namespace": "shop", "name": "db-5d8f7-a"},
    }
    assert crash.severity is Severity.WARNING and pull.severity is Severity.CRITICAL
    assert ObjectRef("Service", "db", "shop") in crash.related


def test_mutual_dependencies_stay_root_causes() -> None:
    objects = [
        *deployment_with_pods("api", [crashing("api-5d8f7-a")]),
        *deployment_with_pods("db", [crashing("db-5d8f7-a")]),
        service("api"),
        service("db"),
    ]
    logs = [
        crash_log("api-5d8f7-a", "error: dial tcp db:5432: connect: connection refused\n"),
        crash_log("db-5d8f7-a", "error: dial tcp api:80: connect: connection refused\n"),
    ]
    findings = linked(snapshot_of(objects, logs), "pods")
    assert [(f.severity, f.caused_by) for f in findings] == [(Severity.CRITICAL, None)] * 2
    assert not any("fix that first" in f.message for f in findings)


def test_log_evidence_comes_from_whichever_pod_of_the_group_has_a_log() -> None:
    pods = [crashing(f"api-5d8f7-{s}") for s in ("a", "b")]
    logs = [
        {
            "namespace": "shop",
            "pod": "api-5d8f7-b",
            "container": "api",
            "previous": True,
            "text": "panic: open /config/app.toml: no such file or directory\n",
        }
    ]
    [finding] = analyze_pods(snapshot_of(deployment_with_pods("api", pods), logs))
    assert finding.object.name == "api-5d8f7-a"
    assert log_says(finding, "panic: open /config/app.toml: no such file or directory")


@pytest.mark.parametrize("path", scenario_files("healthy-"), ids=lambda p: p.stem)
def test_healthy_scenario_has_no_warnings(path: Path) -> None:
    snapshot, _ = load_snapshot(path)
    bad = [(f.id, str(f.object), f.title) for f in run_analyzers(snapshot) if f.severity is not Severity.INFO]
    assert bad == []
