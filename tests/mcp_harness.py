"""Harness for the MCP tests (no tests of its own): `kubectl-prism mcp serve` as a subprocess, driven by
the MCP SDK's own client, usable from ordinary (sync) tests.

`McpSession` runs the SDK `Client` over stdio inside an anyio blocking portal (a loop on a helper
thread), so one server subprocess can serve a whole test module. The server's stderr goes to a file
the tests can read (and check for leaks).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

from kubectl_prism.settings import dump_toml
from tests.cli_helpers import EXE
from tests.fakes.kube_apiserver import FakeKubeAPI

CLIENT_NAME = "prism-tests"
TOOLS = {"list_contexts", "list_namespaces", "list_resources", "get_resource", "events", "logs", "diagnose",
         "explain", "health_summary"}


def write_mcp_config(config_dir: Path, **mcp: Any) -> None:
    """Replace the `[mcp]` section the server reads on every call (enabled=True unless given)."""
    config_dir.mkdir(parents=True, exist_ok=True)
    table = {"enabled": True, **{k: v for k, v in mcp.items() if v is not None}}
    (config_dir / "config.toml").write_text(dump_toml({"mcp": table}), encoding="utf-8")


def two_context_kubeconfig(api: FakeKubeAPI, path: Path, namespace: str = "shop") -> Path:
    """A kubeconfig with context `fake` (admin token, current) and `dev` (the scenario's dev-token)."""
    admin = yaml.safe_load(api.write_kubeconfig(path.with_suffix(".admin"), namespace=namespace).read_text())
    dev_path = api.write_kubeconfig(path.with_suffix(".dev"), token="dev-token", namespace=namespace,
                                    context="dev", user="dev-user")
    dev = yaml.safe_load(dev_path.read_text())
    for key in ("clusters", "contexts", "users"):
        admin[key] += dev[key]
    path.write_text(yaml.safe_dump(admin, sort_keys=False), encoding="utf-8")
    path.chmod(0o600)
    return path


def server_env(root: Path) -> dict[str, str]:
    return {"PRISM_CONFIG_DIR": str(root / "config"), "PRISM_STATE_DIR": str(root / "state")}


def audit_records(root: Path) -> list[dict[str, Any]]:
    path = root / "state" / "audit.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


class McpSession:
    """One stdio MCP server subprocess and an SDK client session to it."""

    def __init__(self, args: list[str], env: dict[str, str], errlog: Path, client_name: str = CLIENT_NAME):
        self.args = args
        self.env = env
        self.errlog_path = errlog
        self.client_name = client_name
        self.received: list[str] = []  # every result, as JSON, in the order the client got them

    def __enter__(self) -> McpSession:
        from anyio.from_thread import start_blocking_portal
        from mcp import Client
        from mcp.client.stdio import StdioServerParameters, stdio_client
        from mcp_types import Implementation

        self._errlog = self.errlog_path.open("w", encoding="utf-8")
        self._portal_cm = start_blocking_portal()
        self.portal = self._portal_cm.__enter__()
        params = StdioServerParameters(command=str(EXE), args=self.args, env=self.env)
        client = Client(stdio_client(params, errlog=self._errlog), read_timeout_seconds=60,
                        client_info=Implementation(name=self.client_name, version="1.0"))
        self._client_cm = self.portal.wrap_async_context_manager(client)
        try:
            self.client = self._client_cm.__enter__()
        except BaseException:
            self._portal_cm.__exit__(*sys.exc_info())
            self._errlog.close()
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            self._client_cm.__exit__(None, None, None)
        finally:
            self._portal_cm.__exit__(None, None, None)
            self._errlog.close()

    def stderr(self) -> str:
        return self.errlog_path.read_text(encoding="utf-8", errors="replace")

    # --- calls ------------------------------------------------------------------------------------
    def call(self, tool: str, args: dict[str, Any] | None = None) -> Any:
        result = self.portal.call(self.client.call_tool, tool, args or {})
        self.received.append(result.model_dump_json())
        return result

    def call_json(self, tool: str, args: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        """(result, its one text block parsed as JSON)."""
        result = self.call(tool, args)
        assert len(result.content) == 1 and result.content[0].type == "text", result
        return result, json.loads(result.content[0].text)

    def text(self, result: Any) -> str:
        return "".join(block.text for block in result.content)

    def list_tools(self) -> Any:
        result = self.portal.call(self.client.list_tools)
        self.received.append(result.model_dump_json())
        return result

    def list_prompts(self) -> Any:
        return self.portal.call(self.client.list_prompts)

    def get_prompt(self, name: str, args: dict[str, str]) -> Any:
        result = self.portal.call(self.client.get_prompt, name, args)
        self.received.append(result.model_dump_json())
        return result
