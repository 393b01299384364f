"""Names and API paths: the Kubernetes naming rules per kind, the only path builder, and its guarantees
(no name leaves its namespace or its path segment; Secrets are read as metadata only)."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_prism import apipath
from kubectl_prism.apipath import METADATA, METADATA_LIST, ApiPath, RefusedRequest
from kubectl_prism.errors import ExitCode
from kubectl_prism.kinds import BY_KIND, KINDS, Target, parse_target
from kubectl_prism.names import InvalidName, check_container, check_name, check_namespace

# What attacks a path: traversal, separators, query and fragment starts, encodings, NUL, look-alikes.
HOSTILE = [
    "..", ".", "../../dev/secrets/db-creds", "%2e%2e", "%2e%2e%2fdev", "a/b", "x?y=1", "x#frag", "x%00",
    "x\x00y", "x\ny", "x y", "ѕhop",  # Cyrillic ѕ
    "shop\u200b",  # zero-width space
    "ｓhop",  # fullwidth s
    "SHOP", "-x", "x-", "x_y", "x..y", "", "a" * 254,
]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_are_refused_for_every_kind(name: str) -> None:
    for info in KINDS:
        with pytest.raises(InvalidName):
            apipath.item(info, name, "shop")
    with pytest.raises(InvalidName):
        check_namespace(name)
    with pytest.raises(InvalidName):
        check_container(name)


@pytest.mark.parametrize(("kind", "good", "bad"), [
    ("Namespace", "a" * 63, "a" * 64),  # DNS-1123 label
    ("Namespace", "kube-system", "kube.system"),  # a label has no dots
    ("Service", "api-v2", "2api"),  # DNS-1035: starts with a letter
    ("Service", "a" * 63, "a" * 64),
    ("Pod", "api-7d9c.x2", "api_7d9c"),  # DNS-1123 subdomain: dots allowed
    ("Pod", ".".join(["a" * 63] * 3) + "." + "a" * 61, ".".join(["a" * 63] * 4)),  # 253 / 255
    ("Node", "ip-10-0-0-1.ec2.internal", "ip-10-0-0-1.ec2.internal."),
    ("CronJob", "c" * 52, "c" * 53),  # its Jobs add 11 characters; a Job name is at most 63
    ("Job", "j" * 63, "j" * 64),
    ("ConfigMap", "kube-root-ca.crt", "kube-root-ca..crt"),
    ("Deployment", "0api", "api-"),
])
def test_kind_rules(kind: str, good: str, bad: str) -> None:
    assert check_name(kind, good) == good
    with pytest.raises(InvalidName):
        check_name(kind, bad)


def test_the_error_is_a_usage_error_on_one_line_with_the_name_cut_and_escaped() -> None:
    with pytest.raises(InvalidName) as info:
        check_namespace("bad/ns?x=1")
    assert info.value.exit_code == ExitCode.USAGE
    assert info.value.line() == (
        'invalid namespace "bad/ns?x=1": it must be a DNS-1123 label: at most 63 '
        "lowercase letters, digits and '-', starting and ending with a letter or digit")
    hostile = "x\x1b]0;pwned\x07\n" + "y" * 5000
    with pytest.raises(InvalidName) as info:
        check_name("Pod", hostile)
    line = info.value.line()
    assert "\n" not in line and "\x1b" not in line and "\x07" not in line
    assert f"…\" ({len(hostile)} characters)" in line and len(line) < 450
    assert "invalid pod name" in line


def test_targets_cannot_hold_an_invalid_name() -> None:
    with pytest.raises(InvalidName, match="invalid service name"):
        parse_target("svc/2fast")
    with pytest.raises(InvalidName):
        Target(BY_KIND["Pod"], "../x")
    assert parse_target("deploy/api").name == "api"


def test_paths_are_built_from_validated_names() -> None:
    pod = BY_KIND["Pod"]
    assert apipath.item(pod, "api-0", "shop").path == "/api/v1/namespaces/shop/pods/api-0"
    assert apipath.collection(pod).path == "/api/v1/pods"  # all namespaces
    deployments = apipath.collection(BY_KIND["Deployment"], "shop")
    assert deployments.path == "/apis/apps/v1/namespaces/shop/deployments"
    assert apipath.item(BY_KIND["Node"], "n1", "ignored").path == "/api/v1/nodes/n1"
    log = apipath.pod_log("shop", "api-0", "api", previous=True, tail_lines=10, limit_bytes=100)
    assert log.path == "/api/v1/namespaces/shop/pods/api-0/log"
    assert dict(log.query) == {"container": "api", "previous": "true", "tailLines": "10", "limitBytes": "100"}
    assert apipath.group_version("metrics.k8s.io", "v1beta1").path == "/apis/metrics.k8s.io/v1beta1"
    with pytest.raises(InvalidName):
        apipath.group_version("metrics.k8s.io/../../api", "v1")
    with pytest.raises(InvalidName):
        apipath.pod_log("shop", "api-0", "api&previous=true")
    with pytest.raises(InvalidName):
        apipath.collection(pod, "../dev")


def test_field_selector_values_cannot_start_a_term_of_their_own() -> None:
    selector = apipath.field_selector({"involvedObject.name": "x,involvedObject.namespace=dev"})
    assert selector == "involvedObject.name=x\\,involvedObject.namespace\\=dev"


def test_secrets_are_metadata_only_whoever_asks() -> None:
    secret = BY_KIND["Secret"]
    assert apipath.item(secret, "db-creds", "shop").accept == METADATA
    assert apipath.collection(secret, "shop").accept == METADATA_LIST
    assert apipath.collection(secret).accept == METADATA_LIST
    with pytest.raises(RefusedRequest):
        ApiPath("/api/v1/namespaces/shop/secrets/db", (), "application/json", "secrets", True,
                apipath._KEY)


def test_only_apipath_builds_a_path_and_the_client_sends_nothing_else() -> None:
    from kubectl_prism.gather.http import KubeClient
    from kubectl_prism.gather.kubeconfig import ClusterConnection

    with pytest.raises(TypeError, match=r"only be built by kubectl_prism\.apipath"):
        ApiPath("/api/v1/namespaces/dev/secrets/x", (), METADATA, "secrets", True, object())
    client = KubeClient(ClusterConnection("c", "default", "http://127.0.0.1:9"))
    with pytest.raises(TypeError, match="only an ApiPath"):
        client.get_json("/api/v1/namespaces/dev/secrets/x")  # type: ignore[arg-type]
    assert client.requests == 0


# --- property: whatever the name, the request stays where it was aimed ---------------------------------

# Letters of valid names, plus everything that could bend a path or a query.
_ALPHABET = st.sampled_from([*"abz09-.", "/", "..", "%", "%2e", "%2f", "?", "#", "&", "=", "\x00", "\\",
                             "ѕ", "\u200b", "A", " ", "\n", ";", "~", "_"])
_NAMES = st.lists(_ALPHABET, min_size=0, max_size=12).map("".join) | st.text(max_size=30)


def _as_served(path: ApiPath) -> list[str]:
    """The path segments kube-apiserver routes on: urllib3's normalization, then Go's decoding."""
    import urllib3

    sent = urllib3.util.parse_url("https://h" + path.path).path or ""
    return unquote(sent).split("/")[1:]


@settings(max_examples=400, deadline=None)
@given(name=_NAMES, namespace=_NAMES, kind=st.sampled_from(KINDS))
def test_no_name_leaves_its_namespace_or_its_segment(name: str, namespace: str, kind: object) -> None:
    info = kind
    try:
        path = apipath.item(info, name, namespace)  # type: ignore[arg-type]
    except InvalidName:
        return
    segments = _as_served(path)
    prefix = info.api_prefix.strip("/").split("/")  # type: ignore[attr-defined]
    if info.namespaced:  # type: ignore[attr-defined]
        assert segments == [*prefix, "namespaces", namespace, info.plural, name]  # type: ignore[attr-defined]
    else:
        assert segments == [*prefix, info.plural, name]  # type: ignore[attr-defined]
    if info.kind == "Secret":  # type: ignore[attr-defined]
        assert path.accept == METADATA


@settings(max_examples=300, deadline=None)
@given(pod=_NAMES, container=_NAMES)
def test_no_log_request_leaves_its_pod(pod: str, container: str) -> None:
    try:
        path = apipath.pod_log("shop", pod, container)
    except InvalidName:
        return
    assert _as_served(path) == ["api", "v1", "namespaces", "shop", "pods", pod, "log"]
    assert dict(path.query) == {"container": container}
