"""Tests of the lookups the cluster analyzers share (kubectl_prism/analyzers/_index.py)."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_prism.analyzers._index import (
    close_name,
    closest_labels,
    gathered,
    pod_index,
    pods_by_owner,
    selector_text,
    squeeze,
)
from kubectl_prism.findings import ObjectRef
from kubectl_prism.snapshot import Gap, Snapshot
from tests.cluster_builders import configmap, container, deployment, pod, replicaset, snap

PODS = [
    pod("api-1", labels={"app": "api", "tier": "web"}),
    pod("api-2", labels={"app": "api", "tier": "web"}),
    pod("db-0", labels={"app": "db"}),
    pod("other-ns", ns="ops", labels={"app": "api"}),
]


@pytest.mark.parametrize(
    ("selector", "empty_matches_all", "expected"),
    [
        ({"app": "api"}, False, ["api-1", "api-2"]),
        ({"app": "api", "tier": "db"}, False, []),
        ({"matchLabels": {"app": "api"}}, False, ["api-1", "api-2"]),
        (
            {"matchExpressions": [{"key": "app", "operator": "In", "values": ["api", "db"]}]},
            False,
            ["api-1", "api-2", "db-0"],
        ),
        ({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}, False, ["db-0"]),
        ({}, False, []),
        ({}, True, ["api-1", "api-2", "db-0"]),
        (None, True, []),
    ],
    ids=[
        "map",
        "map mismatch",
        "matchLabels",
        "In",
        "DoesNotExist",
        "service {} selects none",
        "label selector {} selects all",
        "no selector",
    ],
)
def test_pod_index_matching(
    selector: dict[str, Any] | None, empty_matches_all: bool, expected: list[str]
) -> None:
    index = pod_index(snap(*PODS))
    found = index.matching("shop", selector, empty_matches_all=empty_matches_all)
    assert sorted(p["metadata"]["name"] for p in found) == expected


@pytest.mark.parametrize(
    ("selector", "change", "count"),
    [
        ({"app": "api-server"}, {"app": "api"}, 2),
        ({"app": "api", "tier": "frontend"}, {"tier": "web"}, 2),
        ({"name": "api"}, {"name": None, "app": "api"}, 2),
        ({"zone": "eu"}, {}, 0),
    ],
    ids=["value typo", "one of two labels", "key typo", "nothing alike"],
)
def test_closest_labels(selector: dict[str, str], change: dict[str, str | None], count: int) -> None:
    got, matched = closest_labels(selector, PODS[:3])
    assert got == change
    assert len(matched) == count


def test_selector_text() -> None:
    assert selector_text({"app": "api", "tier": "web"}) == "app=api,tier=web"
    assert (
        selector_text(
            {
                "matchLabels": {"app": "api"},
                "matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["dev"]}],
            }
        )
        == "app=api,env NotIn (dev)"
    )


@pytest.mark.parametrize(
    ("name", "candidates", "expected"),
    [
        ("web-svc", ["web", "db"], "web"),
        ("web-frontend", ["frontend", "backend"], "frontend"),
        ("api", ["api-v1", "api-v2"], None),
        ("zzz", ["web"], None),
    ],
)
def test_close_name(name: str, candidates: list[str], expected: str | None) -> None:
    assert close_name(name, candidates) == expected


def test_squeeze_keeps_both_ends() -> None:
    text = "failed to provision volume: " + "x " * 300 + "api error UnauthorizedOperation: not authorized"
    out = squeeze(text, 120)
    assert len(out) <= 120
    assert out.startswith("failed to provision volume:")
    assert out.endswith("UnauthorizedOperation: not authorized")
    assert squeeze("short\n  text") == "short text"


def test_gathered() -> None:
    snapshot = snap(configmap("a"))
    assert gathered(snapshot, "ConfigMap", "shop")
    assert not gathered(snapshot, "Secret", "shop")  # never listed
    snapshot.gaps.append(Gap("configmaps", "shop", "forbidden"))
    assert not gathered(snapshot, "ConfigMap", "shop")
    assert gathered(snapshot, "ConfigMap", "ops")
    scoped = Snapshot(namespace="shop")
    scoped.add(configmap("a"))
    assert not gathered(scoped, "ConfigMap", "ops")  # outside the gathered namespace


def test_shared_indexes_follow_the_snapshot() -> None:
    snapshot = snap(*PODS[:1])
    first = pod_index(snapshot)
    assert pod_index(snapshot) is first
    snapshot.add(pod("api-9", labels={"app": "api"}))
    assert len(pod_index(snapshot).matching("shop", {"app": "api"})) == 2


def test_snapshot_lookups_by_name_follow_added_objects_of_any_kind() -> None:
    snapshot = snap(configmap("a"))
    assert snapshot.get("ConfigMap", "shop", "a") is not None and snapshot.get("Pod", "shop", "api-9") is None
    snapshot.add(pod("api-9"))
    snapshot.add(configmap("b"))
    assert snapshot.get("Pod", "shop", "api-9") is not None
    assert snapshot.get("ConfigMap", "shop", "b") is not None
    assert snapshot.get("ConfigMap", "ops", "a") is None and snapshot.get("Secret", "shop", "a") is None


def test_pods_by_owner_maps_each_pod_to_its_top_owner() -> None:
    dep = deployment("web", containers=[container("web")])
    rs = replicaset(dep)
    owned = pod("web-1", spec=rs["spec"]["template"]["spec"], owner=rs)
    bare = pod("debug")
    owners = pods_by_owner(snap(dep, rs, owned, bare))
    assert owners[ObjectRef("Deployment", "web", "shop")] == [ObjectRef("Pod", "web-1", "shop")]
    assert ObjectRef("Pod", "debug", "shop") not in {p for pods in owners.values() for p in pods}
