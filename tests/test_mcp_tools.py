"""The MCP tools in-process against the fake API server: scope rules (-A, object namespaces) and the
size cap on big lists and long logs. (The protocol side is in test_mcp_stdio.py.)"""

from __future__ import annotations

import json
from pathlib import Path

from kubectl_prism.mcpserver import analysis
from kubectl_prism.mcpserver.cluster import ServeScope
from kubectl_prism.mcpserver.policy import Policy
from kubectl_prism.mcpserver.results import MAX_RESULT_CHARS
from kubectl_prism.mcpserver.tools import MAX_LIST, Tools
from tests.conftest import FakeKubeFactory

SHOP = Path(__file__).parent / "fakes" / "scenarios" / "shop.yaml"
OPEN = Policy(enabled=True)
CRASHING_POD = "api-7d9c5b8f6-hp4zt"


def _doc(reply: object) -> dict:
    return json.loads(reply.body.text)  # type: ignore[attr-defined]


def test_serve_all_namespaces_lists_everywhere_but_reads_one_object_in_its_namespace(
        fake_kube: FakeKubeFactory, tmp_path: Path) -> None:
    api = fake_kube(SHOP)
    kubeconfig = api.write_kubeconfig(tmp_path / "kc", namespace="shop")
    tools = Tools(ServeScope(kubeconfig=str(kubeconfig), all_namespaces=True))
    pods = _doc(tools.list_resources(OPEN, "pods", None, None, None))
    assert "namespace" not in pods and {p["namespace"] for p in pods["items"]} == {"shop", "kube-system"}
    deploy = _doc(tools.get_resource(OPEN, "deploy", "api", None, None))
    assert deploy["metadata"]["namespace"] == "shop"
    log = tools.logs(OPEN, CRASHING_POD, None, None, True, 2, None)
    assert "no such host" in log.body.text and "shop/api-7d9c5b8f6-hp4zt container api" in log.body.text
    diagnosis = _doc(analysis.diagnose(tools, OPEN, None, None, False, None))
    assert diagnosis["scope"]["namespace"] is None  # the server's -A is the default scope
    explained = _doc(analysis.explain(tools, OPEN, f"pod/{CRASHING_POD}", None, None))
    assert explained["object"]["namespace"] == "shop"


def test_a_big_list_is_one_page_and_fits_the_cap(fake_kube: FakeKubeFactory, tmp_path: Path) -> None:
    objects = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "big"}}]
    objects += [{"apiVersion": "v1", "kind": "ConfigMap",
                 "metadata": {"name": f"settings-{i:04d}", "namespace": "big",
                              "labels": {"app": "settings", "shard": str(i % 7), "team": "platform-tools"}}}
                for i in range(MAX_LIST + 100)]
    api = fake_kube(objects)
    kubeconfig = api.write_kubeconfig(tmp_path / "kc", namespace="big")
    tools = Tools(ServeScope(kubeconfig=str(kubeconfig)))
    reply = tools.list_resources(OPEN, "cm", None, None, None)
    doc = _doc(reply)
    assert len(reply.body) <= MAX_RESULT_CHARS and reply.cut
    assert doc["truncated"]["total"] == f"more than {MAX_LIST}"
    assert doc["truncated"]["shown"] == len(doc["items"]) > 100
    assert "label_selector" in doc["truncated"]["hint"]
    assert api.request_count("/api/v1/namespaces/big/configmaps") == 1  # one page, never the whole list
    narrow = _doc(tools.list_resources(OPEN, "cm", None, "shard=3", None))
    assert "truncated" not in narrow
    assert narrow["count"] == len([i for i in range(MAX_LIST + 100) if i % 7 == 3])


def test_a_long_log_is_shortened_from_the_top(fake_kube: FakeKubeFactory, tmp_path: Path) -> None:
    lines = [f"2026-11-01T09:00:{i % 60:02d}Z INFO request {i} served " + "x" * 120 for i in range(1000)]
    api = fake_kube(SHOP, logs=[{"namespace": "shop", "pod": CRASHING_POD, "container": "api",
                                 "text": "\n".join(lines) + "\n"}])
    kubeconfig = api.write_kubeconfig(tmp_path / "kc", namespace="shop")
    tools = Tools(ServeScope(kubeconfig=str(kubeconfig)))
    reply = tools.logs(OPEN, CRASHING_POD, None, "api", False, 1000, None)
    text = reply.body.text
    assert len(text) <= MAX_RESULT_CHARS and reply.cut
    assert "shortened from 1000 to fit" in text.splitlines()[0]
    assert text.rstrip().endswith(lines[-1])  # the newest lines are the ones kept
