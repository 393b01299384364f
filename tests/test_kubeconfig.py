"""Kubeconfig resolution like kubectl: files, KUBECONFIG merging, contexts, namespaces, in-cluster, auth."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_prism.errors import ClusterAccessError
from kubectl_prism.gather import gather_scope, kubeconfig, resolve_namespace
from kubectl_prism.gather.http import KubeClient
from kubectl_prism.gather.kubeconfig import KubeContext, list_contexts, resolve_connection
from kubectl_prism.options import GlobalOptions

SHOP = Path(__file__).parent / "fakes" / "scenarios" / "shop.yaml"


def config(
    contexts: list[tuple[str, str, str | None]],
    current: str | None = None,
    server: str = "https://10.0.0.1:6443",
    cluster_extra: dict[str, Any] | None = None,
    user: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A kubeconfig with one cluster and user per context: (context, cluster, namespace)."""
    doc: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": cl, "cluster": {"server": server, **(cluster_extra or {})}} for _, cl, _ in contexts
        ],
        "users": [
            {"name": f"{name}-user", "user": user or {"token": f"{name}-token"}} for name, _, _ in contexts
        ],
        "contexts": [
            {
                "name": name,
                "context": {"cluster": cl, "user": f"{name}-user", **({"namespace": ns} if ns else {})},
            }
            for name, cl, ns in contexts
        ],
    }
    if current:
        doc["current-context"] = current
    return doc


def write(path: Path, doc: Any) -> Path:
    path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc), encoding="utf-8")
    return path


def fake_config(api: Any, path: Path, **user_or_cluster: Any) -> Path:
    """A kubeconfig for the fake server with custom cluster fields / user entry."""
    cluster = {"server": api.url, "certificate-authority-data": base64.b64encode(api.ca_pem).decode()}
    cluster.update(user_or_cluster.pop("cluster", {}))
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "fake",
        "clusters": [{"name": "fake", "cluster": cluster}],
        "users": [{"name": "u", "user": user_or_cluster.pop("user", {"token": "admin-token"})}],
        "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "u", "namespace": "shop"}}],
    }
    return write(path, doc)


# --- which file, which context ------------------------------------------------------------------


def test_explicit_kubeconfig_context_and_default_namespace(tmp_path: Path) -> None:
    path = write(tmp_path / "kc", config([("dev", "c1", "shop"), ("prod", "c2", None)], current="dev"))
    conn = resolve_connection(str(path))
    assert (conn.context, conn.namespace, conn.server) == ("dev", "shop", "https://10.0.0.1:6443")
    assert conn.auth_header() == "Bearer dev-token"
    other = resolve_connection(str(path), "prod")
    assert (other.context, other.namespace) == ("prod", "default")
    assert other.auth_header() == "Bearer prod-token"


def test_a_changed_kubeconfig_is_read_again_and_an_unchanged_one_is_parsed_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A fleet run resolves every context from the same file, and the exporter does so every interval.
    path = write(tmp_path / "kc", config([("dev", "c1", "shop"), ("prod", "c2", None)], current="dev"))
    parses: list[str] = []
    real_parse = kubeconfig._parse_yaml

    def counting_parse(p: Path, text: str) -> Any:
        parses.append(str(p))
        return real_parse(p, text)

    monkeypatch.setattr(kubeconfig, "_parse_yaml", counting_parse)
    assert resolve_connection(str(path), "dev").server == "https://10.0.0.1:6443"
    assert resolve_connection(str(path), "prod").auth_header() == "Bearer prod-token"
    assert parses == [str(path)]

    write(path, config([("dev", "c1", "shop")], current="dev", server="https://10.9.9.9:6443",
                       user={"token": "rotated"}))
    conn = resolve_connection(str(path), "dev")
    assert (conn.server, conn.auth_header()) == ("https://10.9.9.9:6443", "Bearer rotated")
    with pytest.raises(ClusterAccessError, match='context "prod" not found'):
        resolve_connection(str(path), "prod")
    write(path, "clusters: [\n")  # broken now: said so on every read, never served from memory
    for _ in range(2):
        with pytest.raises(ClusterAccessError, match="not valid YAML"):
            resolve_connection(str(path), "dev")


def test_anchors_shared_between_kubeconfig_entries_still_load(tmp_path: Path) -> None:
    path = write(tmp_path / "kc", """
clusters:
- {name: c1, cluster: &cluster {server: "https://10.0.0.1:6443"}}
- {name: c2, cluster: *cluster}
users: [{name: u, user: {token: shared-token}}]
contexts:
- {name: one, context: {cluster: c1, user: u}}
- {name: two, context: {cluster: c2, user: u}}
current-context: one
""")
    conn = resolve_connection(str(path), "two")
    assert (conn.server, conn.auth_header()) == ("https://10.0.0.1:6443", "Bearer shared-token")


def test_resolve_namespace_follows_flags_then_context(tmp_path: Path) -> None:
    path = write(tmp_path / "kc", config([("dev", "c1", "shop")], current="dev"))
    assert resolve_namespace(GlobalOptions(kubeconfig=str(path))) == "shop"
    assert resolve_namespace(GlobalOptions(kubeconfig=str(path), namespace="other")) == "other"
    assert resolve_namespace(GlobalOptions(kubeconfig=str(path), all_namespaces=True)) is None
    assert resolve_namespace(GlobalOptions(snapshot=tmp_path)) is None


def test_kubeconfig_env_merges_files_first_one_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = write(
        tmp_path / "a", config([("shared", "c-a", "from-a"), ("only-a", "c-a", None)])
    )  # no current
    second = config(
        [("shared", "c-b", "from-b"), ("only-b", "c-b", "b-ns")],
        current="only-b",
        server="https://10.9.9.9:6443",
    )
    third = config([("x", "c-x", None)], current="x")
    missing = tmp_path / "does-not-exist"
    monkeypatch.setenv(
        "KUBECONFIG", f"{first}:{missing}:{write(tmp_path / 'b', second)}:{write(tmp_path / 'c', third)}"
    )
    conn = resolve_connection()
    # current-context: the first file that sets one (b, not c); its entries resolve across files
    assert (conn.context, conn.namespace, conn.server) == ("only-b", "b-ns", "https://10.9.9.9:6443")
    shared = resolve_connection(None, "shared")
    assert shared.namespace == "from-a"  # the first file to define a context name wins
    assert shared.auth_header() == "Bearer shared-token"
    assert resolve_connection(None, "only-a").namespace == "default"


def test_list_contexts_merges_like_resolving_and_shows_no_servers_or_users(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = write(tmp_path / "a", config([("shared", "c-a", "from-a"), ("only-a", "c-a", None)]))
    second = write(tmp_path / "b", config([("shared", "c-b", "from-b"), ("only-b", "c-b", "b-ns")],
                                          current="only-b"))
    monkeypatch.setenv("KUBECONFIG", f"{first}:{tmp_path / 'absent'}:{second}")
    contexts, current = list_contexts()
    assert current == "only-b"
    assert contexts == [KubeContext("shared", "from-a"), KubeContext("only-a", "default"),
                        KubeContext("only-b", "b-ns")]
    # --kubeconfig alone, as for every command; a malformed file is the same clear error
    assert list_contexts(str(first)) == ([KubeContext("shared", "from-a"), KubeContext("only-a", "default")],
                                         None)
    with pytest.raises(ClusterAccessError, match="is not valid YAML"):
        list_contexts(str(write(tmp_path / "bad", "contexts: [\n")))


def test_list_contexts_in_a_pod_without_kubeconfig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sa = tmp_path / "sa"
    sa.mkdir()
    (sa / "token").write_text("t")
    monkeypatch.setattr(kubeconfig, "SERVICEACCOUNT_DIR", sa)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    assert list_contexts() == ([KubeContext("in-cluster", None)], "in-cluster")
    (sa / "token").unlink()
    assert list_contexts() == ([], None)


def test_explicit_flag_beats_kubeconfig_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "KUBECONFIG", str(write(tmp_path / "env", config([("env", "c", None)], current="env")))
    )
    flag = write(tmp_path / "flag", config([("flag", "c", "ns1")], current="flag"))
    assert resolve_connection(str(flag)).context == "flag"


def test_home_kube_config_is_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".kube").mkdir()
    write(tmp_path / ".kube" / "config", config([("home", "c", "homens")], current="home"))
    assert resolve_connection().namespace == "homens"


# --- errors: one line that says what to do -----------------------------------------------------


def error_of(*args: Any) -> str:
    with pytest.raises(ClusterAccessError) as info:
        resolve_connection(*args)
    assert info.value.exit_code == 3
    line = info.value.line()
    assert "\n" not in line
    return line


def test_missing_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    line = error_of(str(tmp_path / "nope"))
    assert "kubeconfig" in line and "nope" in line and "does not exist" in line
    line = error_of()
    assert (
        "no kubeconfig found" in line and str(tmp_path / ".kube" / "config") in line and "--snapshot" in line
    )
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "a") + ":" + str(tmp_path / "b"))
    assert "no kubeconfig found" in error_of()
    empty = write(tmp_path / "empty", "")
    assert f"kubeconfig {empty} holds no clusters or contexts" in error_of(str(empty))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("clusters: [\n  - name: x\n  bad", "is not valid YAML (line"),
        ("- just\n- a list\n", "expected a mapping"),
        ("contexts:\n- context: {cluster: c}\n", "needs a name"),
    ],
)
def test_malformed_kubeconfig_names_the_file(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path / "broken-config", text)
    line = error_of(str(path))
    assert expected in line and str(path) in line


def test_unknown_context_lists_the_available_ones(tmp_path: Path) -> None:
    path = write(tmp_path / "kc", config([("dev", "c1", None), ("prod", "c2", None)], current="dev"))
    line = error_of(str(path), "staging")
    assert 'context "staging" not found' in line and "available contexts: dev, prod" in line


def test_no_current_context(tmp_path: Path) -> None:
    path = write(tmp_path / "kc", config([("dev", "c1", None)]))
    line = error_of(str(path))
    assert "no current context" in line and "--context" in line and "dev" in line


def test_context_pointing_at_a_missing_cluster(tmp_path: Path) -> None:
    doc = config([("dev", "c1", None)], current="dev")
    doc["contexts"][0]["context"]["cluster"] = "gone"
    line = error_of(str(write(tmp_path / "kc", doc)))
    assert 'cluster "gone"' in line


def test_unreadable_certificate_files(tmp_path: Path) -> None:
    doc = config(
        [("dev", "c1", None)],
        current="dev",
        user={
            "client-certificate": str(tmp_path / "missing.crt"),
            "client-key": str(tmp_path / "missing.key"),
        },
    )
    line = error_of(str(write(tmp_path / "kc", doc)))
    assert "missing.crt" in line and "dev" in line
    ca = tmp_path / "ca.crt"
    ca.write_text("not a certificate")
    ca.chmod(0)
    doc = config([("dev", "c1", None)], current="dev", cluster_extra={"certificate-authority": str(ca)})
    path = write(tmp_path / "kc2", doc)
    if ca.stat().st_mode & stat.S_IRUSR or _is_root():
        # root reads anything: the unreadable-file check cannot fire, the bad PEM check must
        ca.chmod(0o600)
        with pytest.raises(ClusterAccessError) as info:
            KubeClient(resolve_connection(str(path)))
        assert "certificate-authority" in info.value.line() and str(ca) in info.value.line()
    else:
        assert str(ca) in error_of(str(path))


def _is_root() -> bool:
    import os

    return os.geteuid() == 0


# --- in-cluster ------------------------------------------------------------------------------


def service_account(tmp_path: Path, api: Any, namespace: str | None = "shop") -> Path:
    sa = tmp_path / "serviceaccount"
    sa.mkdir()
    (sa / "token").write_text("admin-token")
    (sa / "ca.crt").write_bytes(api.ca_pem)
    if namespace:
        (sa / "namespace").write_text(namespace)
    return sa


def test_in_cluster_config_when_no_kubeconfig_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_kube: Any
) -> None:
    api = fake_kube(SHOP)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(kubeconfig, "SERVICEACCOUNT_DIR", service_account(tmp_path, api))
    host, port = api.address.rsplit(":", 1)
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", host)
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", port)
    conn = resolve_connection()
    assert (conn.context, conn.namespace, conn.server, conn.in_cluster) == (
        "in-cluster",
        "shop",
        api.url,
        True,
    )
    snapshot = gather_scope(GlobalOptions(), None)
    assert snapshot.namespace == "shop" and snapshot.context == "in-cluster"
    assert {p["metadata"]["name"] for p in snapshot.of_kind("Pod")} == {
        "api-7d9c5b8f6-x2kqp",
        "api-7d9c5b8f6-hp4zt",
    }
    assert {r.user for r in api.requests} == {"admin"}
    monkeypatch.setenv("POD_NAMESPACE", "kube-system")  # client-go reads it before the file
    assert resolve_connection().namespace == "kube-system"


def test_kubeconfig_wins_over_in_cluster_and_no_token_file_means_no_in_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_kube: Any
) -> None:
    api = fake_kube(SHOP)
    sa = service_account(tmp_path, api, namespace=None)
    monkeypatch.setattr(kubeconfig, "SERVICEACCOUNT_DIR", sa)
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "1")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_connection(str(api.kubeconfig)).context == "fake"
    assert resolve_connection().namespace == "default"  # no namespace file
    (sa / "token").unlink()
    assert "no kubeconfig found" in error_of()


# --- credentials and TLS settings, end to end against the fake server ----------------------------


def exec_plugin(tmp_path: Path, token: str, expired: bool = False, fail: bool = False) -> tuple[Path, Path]:
    calls = tmp_path / "plugin-calls"
    status: dict[str, Any] = {"token": token}
    if expired:
        status["expirationTimestamp"] = "2020-01-01T00:00:00Z"
    cred = json.dumps(
        {"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential", "status": status}
    )
    script = tmp_path / "credential-plugin"
    body = (
        "echo 'error: your login expired, run my-cloud login' >&2\nexit 1\n" if fail else f"echo '{cred}'\n"
    )
    script.write_text(f"#!/bin/sh\necho call >> '{calls}'\n{body}")
    script.chmod(0o755)
    return script, calls


def exec_user(script: Path) -> dict[str, Any]:
    """A kubeconfig user whose credential comes from `script` (client-go's exec plugin protocol)."""
    return {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": str(script),
                     "interactiveMode": "Never"}}


def test_exec_credential_plugin_and_its_refresh_hook(tmp_path: Path, fake_kube: Any) -> None:
    api = fake_kube(SHOP)
    script, calls = exec_plugin(tmp_path, "admin-token", expired=True)
    path = fake_config(api, tmp_path / "kc", user=exec_user(script))
    snapshot = gather_scope(GlobalOptions(kubeconfig=str(path)), None)
    assert snapshot.of_kind("Pod") and not [g for g in snapshot.gaps if g.reason == "forbidden"]
    # an expired credential is fetched again through the loader's refresh hook, request after request
    assert len(calls.read_text().splitlines()) > 2


def test_credentials_without_expiry_are_read_once_per_gather(
    tmp_path: Path, fake_kube: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kubernetes.client.configuration as client_configuration

    api = fake_kube(SHOP)
    script, calls = exec_plugin(tmp_path, "admin-token")
    path = fake_config(api, tmp_path / "kc", user=exec_user(script))
    # The loader's refresh hook re-applies its settings, scanning the environment for proxies each
    # time: with nothing to refresh, it must not run before every request.
    scans: list[int] = []
    real = client_configuration.getproxies
    monkeypatch.setattr(client_configuration, "getproxies", lambda: scans.append(1) or real())
    snapshot = gather_scope(GlobalOptions(kubeconfig=str(path)), None)
    assert len(scans) <= 3
    assert snapshot.of_kind("Pod") and not [g for g in snapshot.gaps if g.reason == "forbidden"]
    # no expiry: the plugin ran once, and every request carried its token
    assert len(calls.read_text().splitlines()) == 1
    assert len(api.requests) > 5 and {r.user for r in api.requests} == {"admin"}


def test_failing_exec_plugin_is_one_clear_line(tmp_path: Path, fake_kube: Any) -> None:
    api = fake_kube(SHOP)
    script, _ = exec_plugin(tmp_path, "", fail=True)
    path = fake_config(api, tmp_path / "kc", user=exec_user(script))
    line = error_of(str(path))
    assert 'credential plugin of user "u" failed' in line and "your login expired" in line


def test_insecure_skip_tls_verify_and_tls_server_name(tmp_path: Path, fake_kube: Any) -> None:
    api = fake_kube(SHOP)
    insecure = write(
        tmp_path / "insecure",
        {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": "x",
            "clusters": [{"name": "x", "cluster": {"server": api.url, "insecure-skip-tls-verify": True}}],
            "users": [{"name": "u", "user": {"token": "admin-token"}}],
            "contexts": [{"name": "x", "context": {"cluster": "x", "user": "u", "namespace": "shop"}}],
        },
    )
    conn = resolve_connection(str(insecure))
    assert conn.verify is False
    assert gather_scope(GlobalOptions(kubeconfig=str(insecure)), None).of_kind("Pod")
    # the certificate is for 127.0.0.1 and localhost: tls-server-name picks the name checked
    good = fake_config(api, tmp_path / "sni-good", cluster={"tls-server-name": "localhost"})
    assert gather_scope(GlobalOptions(kubeconfig=str(good)), None).of_kind("Pod")
    bad = fake_config(api, tmp_path / "sni-bad", cluster={"tls-server-name": "api.example.com"})
    with pytest.raises(ClusterAccessError) as info:
        gather_scope(GlobalOptions(kubeconfig=str(bad)), None)
    assert "TLS verification" in info.value.line()


def test_proxy_environment_never_applies_to_loopback(
    tmp_path: Path, fake_kube: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = fake_kube(SHOP)
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # nothing listens there
    assert gather_scope(GlobalOptions(kubeconfig=str(api.kubeconfig), namespace="shop"), None).of_kind("Pod")
