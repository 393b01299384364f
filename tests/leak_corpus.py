"""The secret corpus planted in a cluster: every sample of `tests/corpus/secret_samples.py` in its place.

`corpus_scenario()` builds namespace `corpus` (objects and logs in the shared scenario format):
- `log`: one crash-looping pod per sample whose log ends with the sample, so the decisive log line
  of its finding is the sample;
- `event`: Warning events on pod `corpus-events` (fewer than `explain`'s 25, so all are shown);
- `annotation`: annotations of pod `corpus-annotations`; `command`: container args of pod
  `corpus-command`; `env`: env values of that container; `configmap`: ConfigMap `corpus-config`.

`SURFACING` are the samples prism shows (with `--show-secrets`) somewhere: one line each, in a place
its outputs print (env values and ConfigMap data are never printed, redacted or not). The output leak
tests assert that each of them really comes out raw with `--show-secrets`, so "no leak" without it
means something.
"""

from __future__ import annotations

import hashlib
from typing import Any

from tests.corpus.secret_samples import SAMPLES, Sample

NS = "corpus"
# prism reads the logs of the first 20 failing containers of a scope (gather/rules.py): the log
# samples are spread over namespaces of fewer pods than that.
LOGS_PER_NAMESPACE = 16
_T0 = "2026-11-01T09:00:00Z"
_T1 = "2026-11-01T09:40:25Z"
_PRINTED_PLACES = ("log", "event", "annotation", "command")


def _meta(name: str, ns: str = NS, **extra: Any) -> dict[str, Any]:
    uid = hashlib.sha256(name.encode()).hexdigest()
    return {"name": name, "namespace": ns, "resourceVersion": "1", "creationTimestamp": _T0,
            "uid": f"{uid[:8]}-{uid[8:12]}-4{uid[13:16]}-8{uid[17:20]}-{uid[20:32]}", **extra}


def log_namespace(index: int) -> str:
    return f"corpus-logs-{index // LOGS_PER_NAMESPACE}"


def _pod(name: str, *, ns: str = NS, args: list[str] | None = None, env: list[dict[str, Any]] | None = None,
         annotations: dict[str, str] | None = None, crashing: bool = False) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "app", "image": "registry.example.com/corpus/app:1.0"}
    if args:
        container["args"] = args
    if env:
        container["env"] = env
    if crashing:
        state: dict[str, Any] = {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}}
        last: dict[str, Any] = {"terminated": {"exitCode": 1, "reason": "Error", "startedAt": _T0,
                                               "finishedAt": _T1}}
        status = {"name": "app", "ready": False, "started": False, "restartCount": 7, "state": state,
                  "lastState": last, "image": container["image"]}
    else:
        status = {"name": "app", "ready": True, "started": True, "restartCount": 0,
                  "state": {"running": {"startedAt": _T0}}, "lastState": {}, "image": container["image"]}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": _meta(name, ns, annotations=annotations or {}),
        "spec": {"containers": [container], "nodeName": "worker-1", "restartPolicy": "Always"},
        "status": {"phase": "Running", "startTime": _T0, "containerStatuses": [status],
                   "conditions": [{"type": "Ready", "status": "False" if crashing else "True"}]},
    }


def _event(i: int, message: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": _meta(f"corpus-events.{i:04d}"),
        "involvedObject": {"apiVersion": "v1", "kind": "Pod", "namespace": NS, "name": "corpus-events"},
        "reason": "Failed",
        "message": message,
        "type": "Warning",
        "count": 1,
        "firstTimestamp": _T0,
        "lastTimestamp": f"2026-11-01T09:{10 + i:02d}:00Z",
        "source": {"component": "kubelet", "host": "worker-1"},
    }


def _of(place: str) -> list[Sample]:
    return [s for s in SAMPLES if s.place == place]


def corpus_scenario() -> dict[str, Any]:
    objects: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS, "uid": "corpus-ns"},
         "status": {"phase": "Active"}},
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "worker-1", "uid": "corpus-node"},
         "status": {"conditions": [{"type": "Ready", "status": "True"}],
                    "allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110"}}},
    ]
    logs: list[dict[str, Any]] = []
    for i, sample in enumerate(_of("log")):
        ns, name = log_namespace(i), f"corpus-log-{i:02d}"
        objects.append(_pod(name, ns=ns, crashing=True))
        text = f"2026-11-01T09:40:2{i % 10}Z INFO starting\n{sample.text}\n"
        logs += [{"namespace": ns, "pod": name, "container": "app", "previous": previous, "text": text}
                 for previous in (True, False)]
    objects += [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "uid": f"{ns}-ns"},
                 "status": {"phase": "Active"}} for ns in LOG_NAMESPACES]
    objects.append(_pod("corpus-events"))
    objects += [_event(i, s.text) for i, s in enumerate(_of("event"))]
    objects.append(_pod("corpus-annotations", annotations={
        f"corpus.example.com/note-{i:02d}": s.text for i, s in enumerate(_of("annotation"))}))
    objects.append(_pod(
        "corpus-command",
        args=[s.text for s in _of("command")],
        env=[{"name": f"SETTING_{i:02d}", "value": s.text} for i, s in enumerate(_of("env"))],
    ))
    objects.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta("corpus-config"),
                    "data": {f"entry-{i:02d}": s.text for i, s in enumerate(_of("configmap"))}})
    return {"description": "every secret sample of the corpus, planted in its place (tests/leak_corpus.py)",
            "objects": objects, "logs": logs}


def _surfaces(sample: Sample) -> bool:
    """Shown whole in some output: one line, in a place prism prints, and for a log line short enough
    that the finding quotes it whole (analyzers cut a log line at 180 characters)."""
    if sample.place not in _PRINTED_PLACES or "\n" in sample.text:
        return False
    return sample.place != "log" or len(sample.text) <= 170


LOG_NAMESPACES = sorted({log_namespace(i) for i in range(len(_of("log")))})
SEEDED_SAMPLES: dict[str, str] = {f"{s.id}#{i}": s.secret for i, s in enumerate(SAMPLES)}
# These must come out raw with --show-secrets, or the leak tests would prove nothing about them.
SURFACING: dict[str, str] = {f"{s.id}#{i}": s.secret for i, s in enumerate(SAMPLES) if _surfaces(s)}
