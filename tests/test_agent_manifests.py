"""`-f` steps: the classifier sees the manifest's objects before the step may run."""

from __future__ import annotations

import pytest

from kubectl_prism.agent import Category, Scope, check_manifests, classify_command_line

SHOP = Scope("shop", "kind-dev")
CLUSTER = Scope(None, "kind-dev", default_namespace="default")

DEPLOY = b"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop   # keep
spec:
  replicas: 2
"""
CONFIGMAP = b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app-config}\ndata: {a: b}\n"


def _checked(line: str, files: dict[str, bytes], scope: Scope = SHOP):
    decision = classify_command_line(line, scope)
    assert decision.needs_manifest_check and not decision.runnable
    return check_manifests(decision, files)


def test_a_checked_manifest_names_its_objects_and_holds_the_exact_bytes() -> None:
    d = _checked("kubectl apply -f deploy.yaml -f cm.yaml", {"deploy.yaml": DEPLOY, "cm.yaml": CONFIGMAP})
    assert d.category is Category.MUTATING and d.runnable
    assert [o.to_dict() for o in d.objects] == [
        {"resource": "deployments.apps", "kind": "Deployment", "name": "api", "namespace": "shop"},
        {"resource": "configmaps", "kind": "ConfigMap", "name": "app-config", "namespace": "shop"},
    ]
    assert d.manifest == DEPLOY + b"\n---\n" + CONFIGMAP  # comments and all: what runs is what was checked
    assert d.argv_without_files == ("kubectl", "apply")
    assert "deployment/api" in d.reason


def test_a_single_object_is_the_name_typed_back_for_a_destructive_manifest_step() -> None:
    d = _checked("kubectl replace --force -f deploy.yaml", {"deploy.yaml": DEPLOY})
    assert d.category is Category.DESTRUCTIVE and d.confirm_word == "api"


def test_a_list_document_is_read_item_by_item() -> None:
    doc = b"apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n"
    assert [str(o) for o in _checked("kubectl apply -f l.yaml", {"l.yaml": doc}).objects] == ["configmap/a"]


@pytest.mark.parametrize(("doc", "scope", "rule"), [
    (b"apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: hunter2}\n", SHOP,
     "secret-write"),
    (b"apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: x}\n", SHOP,
     "rbac-write"),
    (b"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: x}\n", CLUSTER,
     "rbac-write"),
    (b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: kube-system}\n", SHOP,
     "other-namespace"),
    (b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: team-b}\n", CLUSTER,
     "other-namespace"),
    (b"apiVersion: v1\nkind: Namespace\nmetadata: {name: evil}\n", SHOP, "cluster-write-from-namespace"),
    (b"apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: fast}\n", SHOP,
     "cluster-write-from-namespace"),
    (b"apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n", SHOP, "unknown-resource"),
    (b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ../x}\n", SHOP, "bad-name"),
    (b"apiVersion: v1\nkind: ConfigMap\nmetadata: {namespace: shop}\n", SHOP, "bad-name"),
    (b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: Shop}\n", SHOP, "bad-name"),
    (b"kind: ConfigMap\nmetadata: {name: a}\n", SHOP, "manifest-unreadable"),
    (b"- just\n- a list\n", SHOP, "manifest-unreadable"),
    (b"a: [unclosed\n", SHOP, "manifest-unreadable"),
    (b"\xff\xfe not utf-8", SHOP, "manifest-unreadable"),
    (b"", SHOP, "manifest-unreadable"),
    (b"[" * 5000 + b"]" * 5000, SHOP, "manifest-unreadable"),
    (CONFIGMAP + b"---\n" + b"apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n", SHOP, "secret-write"),
])
def test_what_a_manifest_may_not_hold(doc: bytes, scope: Scope, rule: str) -> None:
    d = _checked("kubectl apply -f x.yaml", {"x.yaml": doc}, scope)
    assert (d.category, d.rule) == (Category.REJECTED, rule), d.reason
    assert d.manifest is None and not d.runnable


def test_deleting_through_a_manifest_follows_the_delete_rules() -> None:
    secret = b"apiVersion: v1\nkind: Secret\nmetadata: {name: old}\n"
    assert _checked("kubectl delete -f s.yaml", {"s.yaml": secret}).category is Category.DESTRUCTIVE
    ns = b"apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n"
    assert _checked("kubectl delete -f ns.yaml", {"ns.yaml": ns}, CLUSTER).rule == "protected-delete"


def test_size_and_count_are_bounded() -> None:
    big = b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {a: '" + b"x" * 2_000_000 + b"'}\n"
    assert _checked("kubectl apply -f x.yaml", {"x.yaml": big}).rule == "manifest-unreadable"
    many = b"---\n".join(b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c%d}\n" % i for i in range(300))
    assert _checked("kubectl apply -f x.yaml", {"x.yaml": many}).rule == "manifest-unreadable"


def test_contents_must_match_the_steps_files() -> None:
    decision = classify_command_line("kubectl apply -f a.yaml", SHOP)
    with pytest.raises(ValueError):
        check_manifests(decision, {"b.yaml": CONFIGMAP})
    with pytest.raises(ValueError):  # nothing to check on a step without -f
        check_manifests(classify_command_line("kubectl get pods", SHOP), {})
