"""The leak harness itself: the seeded scenario is current and loadable, and leaks are found in
every form a secret can take on the way out."""

from __future__ import annotations

import base64
import json
import urllib.parse

import pytest

from tests.leak import SCENARIO_PATH, SEEDED, SEEDED_SECRETS, assert_no_leak, find_leaks, render_scenario
from tests.scenarios import load_scenario


def test_scenario_file_is_generated_from_leak_py() -> None:
    assert SCENARIO_PATH.read_text(encoding="utf-8") == render_scenario(), "run `python -m tests.leak`"


def test_scenario_plants_secrets_in_every_place() -> None:
    sc = load_scenario(SCENARIO_PATH)
    kinds = {o["kind"] for o in sc.objects}
    assert kinds >= {"Secret", "ConfigMap", "Deployment", "ReplicaSet", "Pod", "Event", "Service", "Node"}
    secrets = sc.objects_of("Secret")
    assert any("stringData" in s for s in secrets)
    assert {s.get("type") for s in secrets} >= {
        "kubernetes.io/dockerconfigjson",
        "kubernetes.io/tls",
        "kubernetes.io/service-account-token",
        "Opaque",
    }
    annotations = json.dumps([o["metadata"].get("annotations", {}) for o in sc.objects])
    assert "last-applied-configuration" in annotations
    assert any(log["previous"] for log in sc.logs) and any(not log["previous"] for log in sc.logs)
    assert len(SEEDED_SECRETS) == len(SEEDED) >= 15


@pytest.mark.parametrize("kind", sorted(SEEDED))
def test_every_form_of_a_secret_is_found(kind: str) -> None:
    secret = SEEDED[kind]
    forms = {
        "raw": f"before {secret} after",
        "base64": base64.b64encode(secret.encode()).decode(),
        "base64url": base64.urlsafe_b64encode(secret.encode()).decode(),
        "json": json.dumps({"x": secret}),
        "url": "https://x/?q=" + urllib.parse.quote(secret, safe=""),
        "bytes": secret.encode(),
    }
    for pad in ("", "a", "ab"):  # inside a longer base64 text, at each of the three alignments
        forms[f"in-b64-{len(pad)}"] = base64.b64encode(f"{pad}user: {secret}\nmore".encode()).decode()
    for name, data in forms.items():
        leaks = find_leaks(data)
        assert len(leaks) == 1 and leaks[0].startswith(f"{kind} ("), (name, leaks)
        with pytest.raises(AssertionError, match=kind):
            assert_no_leak(data)


def test_clean_text_passes() -> None:
    assert_no_leak("[REDACTED:jwt] and ordinary text, sha256:" + "ab" * 32)
    assert find_leaks(b"") == []


def test_scenario_plants_the_held_out_dump_secrets_of_issue_11() -> None:
    """The leaks the issue found in prism's own outputs: an event (reports), a redis URL in container
    args and a deploy-token annotation (explain)."""
    sc = load_scenario(SCENARIO_PATH)
    deploy = next(o for o in sc.objects_of("Deployment") if o["metadata"]["name"] == "api")
    assert deploy["metadata"]["annotations"]["ci.acme.io/deploy-token"] == SEEDED["deploy-token"]
    args = deploy["spec"]["template"]["spec"]["containers"][0]["args"]
    assert any(SEEDED["redis-password"] in a and a.startswith("redis://:") for a in args)
    messages = [e["message"] for e in sc.objects_of("Event")]
    assert f"Error: failed to reach vault with token {SEEDED['vault-token']}" in messages


def test_corpus_scenario_plants_every_sample_in_its_place() -> None:
    from tests.corpus.secret_samples import PLACES, SAMPLES
    from tests.leak_corpus import (
        LOG_NAMESPACES,
        LOGS_PER_NAMESPACE,
        SEEDED_SAMPLES,
        SURFACING,
        corpus_scenario,
    )

    sc = corpus_scenario()
    planted = json.dumps(sc["objects"]) + json.dumps(sc["logs"])
    assert len(SEEDED_SAMPLES) == len(SAMPLES)
    assert [k for k, v in SEEDED_SAMPLES.items() if not find_leaks(planted, {k: v})] == []
    assert {s.place for s in SAMPLES} == set(PLACES)
    assert set(SURFACING) < set(SEEDED_SAMPLES) and len(SURFACING) >= 100
    pods_per_ns: dict[str, int] = {}
    for log in sc["logs"]:
        pods_per_ns[log["namespace"]] = pods_per_ns.get(log["namespace"], 0) + (not log["previous"])
    assert sorted(pods_per_ns) == LOG_NAMESPACES and max(pods_per_ns.values()) <= LOGS_PER_NAMESPACE
