"""The bundled example clusters (examples/), served live by the fake API server.

The examples are `kubectl cluster-info dump` folders; this loads one with prism's own snapshot loader
and serves its objects and container logs, so a test can run a live command (real kubectl, a CI
recipe, agent mode) against the same cluster the README's demo diagnoses offline.
"""

from __future__ import annotations

from pathlib import Path

from tests.fakes.kube_apiserver import FakeKubeAPI

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def example_api(name: str) -> FakeKubeAPI:
    """An unstarted fake API server holding `examples/<name>` (objects and logs, current and previous)."""
    from kubectl_prism.gather.snapshot_files import load_snapshot_path

    snapshot = load_snapshot_path(EXAMPLES / name)
    objects = [obj for objs in snapshot.objects.values() for obj in objs]
    logs = [{"namespace": key.namespace, "pod": key.pod, "container": key.container, "text": text,
             "previous": key.previous} for key, text in snapshot.logs.items()]
    return FakeKubeAPI(objects, logs)
