"""`kubectl-prism mcp serve --transport http`: 127.0.0.1 only, bearer token, Origin check, a real session."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.fakes.kube_apiserver import FakeKubeAPI
from tests.mcp_harness import EXE, TOOLS, audit_records, server_env, write_mcp_config

SHOP = Path(__file__).parent / "fakes" / "scenarios" / "shop.yaml"
INITIALIZE = {
    "jsonrpc": "2.0", "id": 1, "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {},
               "clientInfo": {"name": "raw-http-test", "version": "1"}},
}
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


class HttpServer:
    def __init__(self, process: subprocess.Popen[str], url: str, token: str, stderr: list[str]) -> None:
        self.process, self.url, self.token, self.stderr = process, url, token, stderr

    @property
    def port(self) -> int:
        return int(self.url.split(":")[2].split("/")[0])

    def post(self, headers: dict[str, str], body: Any = INITIALIZE) -> httpx2.Response:
        return httpx2.post(self.url, headers={**MCP_HEADERS, **headers}, content=json.dumps(body), timeout=10)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mcp-http")


@pytest.fixture(scope="module")
def server(root: Path) -> Iterator[HttpServer]:
    with FakeKubeAPI.from_scenario(SHOP) as api:
        kubeconfig = api.write_kubeconfig(root / "kubeconfig", namespace="shop")
        write_mcp_config(root / "config")
        env = {k: v for k, v in os.environ.items() if k != "PRISM_MCP_TOKEN"} | server_env(root)
        process = subprocess.Popen(
            [str(EXE), "mcp", "serve", "--transport", "http", "--port", "0", "--kubeconfig", str(kubeconfig)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        lines: queue.Queue[str] = queue.Queue()
        seen: list[str] = []
        threading.Thread(target=lambda: [lines.put(line) for line in process.stderr], daemon=True).start()
        url = token = None
        try:
            while url is None or token is None:
                line = lines.get(timeout=30)
                seen.append(line)
                if m := re.search(r"listening on (http://127\.0\.0\.1:\d+/mcp)", line):
                    url = m.group(1)
                if m := re.search(r"Bearer token \(generated for this run\): (\S+)", line):
                    token = m.group(1)
            yield HttpServer(process, url, token, seen)
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_it_listens_on_loopback_with_a_generated_token(server: HttpServer) -> None:
    assert server.url.startswith("http://127.0.0.1:")
    assert len(server.token) >= 32


def test_without_a_token_401(server: HttpServer) -> None:
    response = server.post({})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_with_a_wrong_token_401(server: HttpServer) -> None:
    assert server.post({"Authorization": "Bearer not-the-token"}).status_code == 401
    assert server.post({"Authorization": f"Basic {server.token}"}).status_code == 401


@pytest.mark.parametrize("origin", ["http://evil.example", "https://127.0.0.1", "http://127.0.0.1.evil.example",
                                    "http://localhost@evil.example", "null"])
def test_a_foreign_origin_is_refused_even_with_the_token(server: HttpServer, origin: str) -> None:
    response = server.post({"Authorization": f"Bearer {server.token}", "Origin": origin})
    assert response.status_code == 403 and "is not allowed" in response.text


def test_a_foreign_host_header_is_refused(server: HttpServer) -> None:
    response = server.post({"Authorization": f"Bearer {server.token}", "Host": f"evil.example:{server.port}"})
    assert response.status_code == 403 and "Host is not allowed" in response.text


def test_the_token_and_a_local_origin_are_let_in(server: HttpServer) -> None:
    response = server.post({"Authorization": f"Bearer {server.token}",
                            "Origin": f"http://localhost:{server.port}"})
    assert response.status_code == 200


def test_a_real_client_session_over_http(server: HttpServer, root: Path) -> None:
    from anyio.from_thread import start_blocking_portal
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client
    from mcp_types import Implementation

    async def run() -> tuple[set[str], dict[str, Any], bool]:
        async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {server.token}"},
                                      timeout=httpx2.Timeout(30)) as http:
            transport = streamable_http_client(server.url, http_client=http)
            async with Client(transport, client_info=Implementation(name="http-test", version="1")) as client:
                tools = {t.name for t in (await client.list_tools()).tools}
                result = await client.call_tool("list_resources", {"kind": "pods"})
                return tools, json.loads(result.content[0].text), result.is_error

    with start_blocking_portal() as portal:
        tools, doc, is_error = portal.call(run)
    assert tools == TOOLS
    assert not is_error and doc["count"] == 2 and doc["namespace"] == "shop"
    record = audit_records(root)[-1]
    assert record["tool"] == "list_resources" and record["transport"] == "http"
    assert record["client"] == "http-test"
