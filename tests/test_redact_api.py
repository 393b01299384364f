"""The public API of kubectl_prism.redact: the Redacted type's guard, combining, and anonymization."""

from __future__ import annotations

import dataclasses
import json

import pytest

from kubectl_prism.redact import Anonymizer, Redacted, concat, redact_json, redact_object, redact_text


def test_redacted_cannot_be_built_outside_the_package() -> None:
    with pytest.raises(TypeError):
        Redacted("raw secret")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Redacted("raw secret", {})  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Redacted("raw secret", {}, object())
    with pytest.raises((TypeError, ValueError)):
        dataclasses.replace(redact_text("ok"), text="password=hunter2")


def test_redacted_is_immutable() -> None:
    r = redact_text("token=abcdef123456")
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.text = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        r.counts["token"] = 5  # type: ignore[index]


def test_merge_and_concat_add_counts_and_redact_the_separator() -> None:
    a = redact_text("password=hunter2")
    b = redact_text("Authorization: Bearer abcdefghijklmnop123456")
    merged = a.merge(b, sep="\n")
    assert merged.text == a.text + "\n" + b.text
    assert merged.counts == {"password": 1, "bearer-token": 1}
    assert (a + b).text == a.text + b.text
    sneaky = concat([a, b], sep=" token=s3cr3tValue99 ")
    assert "s3cr3tValue99" not in sneaky.text and sneaky.counts["token"] == 1
    with pytest.raises(TypeError):
        concat([a, "raw"])  # type: ignore[list-item]


def test_tail_cuts_after_redaction_and_recounts() -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0." + "s" * 300
    r = redact_text("line 1 password=hunter2\nline 2\nAuthorization: Bearer " + jwt + "\n")
    tail = r.tail(1, max_line=30)
    assert tail.text.startswith("Authorization: Bearer [REDACT") and tail.text.endswith(" …")
    assert "hunter2" not in tail.text and tail.counts == {}
    assert r.tail(3).counts == {"password": 1, "jwt": 1}


def test_sha256_and_size_are_of_the_text() -> None:
    import hashlib

    r = redact_text("héllo")
    assert r.sha256() == hashlib.sha256("héllo".encode()).hexdigest()
    assert len(r.encode()) == 6


def test_redact_json_scans_keys_values_and_sequences() -> None:
    out = redact_json(
        {
            "password": "hunter2",
            "note": "AKIAIOSFODNN7EXAMPLE",
            "args": ["--token", "tk-9f8e7d6c"],
            "n": 3,
            "ok": True,
            "nested": [{"api_key": 123456}],
        }
    )
    doc = json.loads(out.text)
    assert doc == {
        "password": "[REDACTED:password]",
        "note": "[REDACTED:aws-access-key]",
        "args": ["--token", "[REDACTED:token]"],
        "n": 3,
        "ok": True,
        "nested": [{"api_key": "[REDACTED:api-key]"}],
    }
    assert out.counts == {"api-key": 1, "aws-access-key": 1, "password": 1, "token": 1}
    assert redact_json({"a": 1}, fmt="yaml").text == "a: 1\n"


# --- anonymization ---------------------------------------------------------------------------------


def _pod() -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "api-7d9c5b8f6d-nnhwj",
            "namespace": "shop",
            "ownerReferences": [{"kind": "ReplicaSet", "name": "api-7d9c5b8f6d"}],
        },
        "spec": {"nodeName": "k8s-worker-02", "containers": [{"name": "app", "image": "nginx:1.27"}]},
        "status": {"podIP": "192.168.201.12", "hostIP": "10.20.0.22"},
    }


def test_anonymizer_gives_stable_placeholders_and_restores_answers() -> None:
    anon = Anonymizer()
    anon.learn(_pod())
    text = (
        "pod api-7d9c5b8f6d-nnhwj in shop on k8s-worker-02 (192.168.201.12) cannot reach "
        "db.prod.internal; replicaset api-7d9c5b8f6d; kube-system and default stay"
    )
    out = redact_text(text, anonymizer=anon).text
    for real in (
        "api-7d9c5b8f6d-nnhwj",
        "shop",
        "k8s-worker-02",
        "192.168.201.12",
        "db.prod.internal",
        "api-7d9c5b8f6d",
    ):
        assert real not in out
    assert "pod-1" in out and "ns-1" in out and "node-1" in out and "ip-1" in out and "host-1" in out
    assert "rs-1" in out and "kube-system" in out and "default" in out
    assert redact_text(text, anonymizer=anon).text == out  # stable within one request
    answer = "Restart pod-1 in ns-1: `kubectl -n ns-1 delete pod pod-1` (node node-1, ip-1)."
    assert anon.restore(answer) == (
        "Restart api-7d9c5b8f6d-nnhwj in shop: `kubectl -n shop delete pod "
        "api-7d9c5b8f6d-nnhwj` (node k8s-worker-02, 192.168.201.12)."
    )
    assert anon.restore("pod-99 and deploy-3 are unknown") == "pod-99 and deploy-3 are unknown"


def test_anonymizer_keeps_public_registries_and_kubernetes_names() -> None:
    anon = Anonymizer()
    text = (
        "image ghcr.io/acme/api:1.0 from registry.k8s.io, label kubernetes.io/hostname, "
        "svc api.shop.svc.cluster.local, 127.0.0.1 and 0.0.0.0, time 12:30:45, version 1.31.2"
    )
    out = redact_text(text, anonymizer=anon).text
    assert out == text  # nothing learnt, nothing identifying by itself
    out2 = redact_text("registry.acme-corp.com/team/api and 10.0.0.1 and fd00::12:1", anonymizer=anon).text
    assert out2 == "host-1/team/api and ip-1 and ip-2"


def test_hosts_inside_urls_lose_the_customer_part_and_keep_the_provider() -> None:
    anon = Anonymizer()
    text = (
        "mongodb+srv://shop:[REDACTED:url-password]@cluster0.ab1cd.mongodb.net/orders and "
        "https://ordersprod.blob.core.windows.net/invoices, cache redis://redis-master:6379, "
        "db postgres://db.corp.internal:5432/x, image 123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1.4, "
        "public https://sts.amazonaws.com and https://registry.k8s.io/v2 stay"
    )
    out = redact_text(text, anonymizer=anon).text
    assert out == (
        "mongodb+srv://shop:[REDACTED:url-password]@host-1.mongodb.net/orders and "
        "https://host-2.blob.core.windows.net/invoices, cache redis://host-3:6379, "
        "db postgres://host-4:5432/x, image account-1.dkr.ecr.eu-west-1.amazonaws.com/api:1.4, "
        "public https://sts.amazonaws.com and https://registry.k8s.io/v2 stay"
    )
    assert anon.restore(out) == text


@pytest.mark.parametrize(
    ("context", "parts"),
    [
        ("arn:aws:eks:eu-west-1:123456789012:cluster/prod-shop", ["123456789012", "prod-shop"]),
        ("gke_acme-prod-4711_europe-west1-b_shop", ["acme-prod-4711", "shop"]),
        ("ops-admin@prod-shop", ["ops-admin", "prod-shop"]),
        ("default/api-prod-acme-com:6443/kube:admin", ["api-prod-acme-com"]),
    ],
)
def test_context_names_with_colons_and_slashes_are_anonymized_whole_and_in_parts(
    context: str, parts: list[str]
) -> None:
    anon = Anonymizer()
    anon.register_context(context)
    text = f"context={context}; " + " ".join(f"[{p}]" for p in parts)
    text += " role arn:aws:iam::123456789012:role/shop-s3-writer"
    out = redact_text(text, anonymizer=anon).text
    assert out.startswith("context=cluster-1; ")
    for value in (context, *parts, "123456789012", "shop-s3-writer"):
        assert value not in out
    assert "arn:aws:iam::account-" in out and ":role/role-1" in out  # what it is stays readable
    assert anon.restore(out) == text


def test_hosts_objects_name_are_learnt_whatever_their_top_level_domain() -> None:
    anon = Anonymizer()
    anon.learn_all([
        {"kind": "Ingress", "metadata": {"name": "web", "namespace": "shop"},
         "spec": {"rules": [{"host": "orders.shop"}], "tls": [{"hosts": ["*.acme.berlin"]}]},
         "status": {"loadBalancer": {"ingress": [{"hostname": "k8s-ab12cd.elb.eu-west-1.amazonaws.com"}]}}},
        {"kind": "Service", "metadata": {"name": "db", "namespace": "shop"},
         "spec": {"type": "ExternalName", "externalName": "pg.acme.berlin"}},
        {"kind": "HTTPRoute", "metadata": {"name": "r", "namespace": "shop"},
         "spec": {"hostnames": ["m.acme.ch"]}},
    ])
    text = ("serving orders.shop and acme.berlin via pg.acme.berlin, m.acme.ch, "
            "k8s-ab12cd.elb.eu-west-1.amazonaws.com")
    out = redact_text(text, anonymizer=anon).text
    for host in ("orders.shop", "acme.berlin", "m.acme.ch", "k8s-ab12cd"):
        assert host not in out
    assert ".elb.eu-west-1.amazonaws.com" in out and anon.restore(out) == text


def test_redact_object_with_anonymizer_anonymizes_values_and_keys() -> None:
    anon = Anonymizer()
    anon.learn(_pod())
    out = redact_object(_pod(), anonymizer=anon)
    assert "api-7d9c5b8f6d-nnhwj" not in out.text and "192.168.201.12" not in out.text
    doc = json.loads(out.text)
    assert doc["metadata"]["name"] == "pod-1" and doc["metadata"]["namespace"] == "ns-1"
    assert doc["spec"]["containers"][0]["image"] == "nginx:1.27"


# --- key-value syntaxes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DB_PASSWORD=hunter2", "DB_PASSWORD=[REDACTED:password]"),
        ("level=info password=hunter2 user=bob", "level=info password=[REDACTED:password] user=bob"),
        ("GET /x?access_token=abc123def&page=2", "GET /x?access_token=[REDACTED:token]&page=2"),
        ('{"clientSecret": "s3cr3t-value", "id": 1}', '{"clientSecret": "[REDACTED:secret]", "id": 1}'),
        ('{"password":"with \\"quote\\" inside"}', '{"password":"[REDACTED:password]"}'),
        ("  password: correct horse battery staple  # prod", "  password: [REDACTED:password]  # prod"),
        (
            "db:\n  password: |\n    line one\n    line two\n  user: app",
            "db:\n  password: [REDACTED:password]\n  user: app",
        ),
        ("X-Api-Key: 5f3e2a1b", "X-Api-Key: [REDACTED:api-key]"),
        ('secret := "abc123"', 'secret := "[REDACTED:secret]"'),
        ("'api_key' => 'k-42-x'", "'api_key' => '[REDACTED:api-key]'"),
        ("mysql --password hunter2 -h db", "mysql --password [REDACTED:password] -h db"),
        ("run.sh --client-secret=abc123", "run.sh --client-secret=[REDACTED:secret]"),
        # not secrets: references, settings, counters, prose, placeholders
        ("secretName: db-tls", "secretName: db-tls"),
        ("password_min_length=12 max_tokens=4096", "password_min_length=12 max_tokens=4096"),
        (
            "failed to fetch anonymous token: unexpected status",
            "failed to fetch anonymous token: unexpected status",
        ),
        (
            "password=${DB_PASSWORD} token=<none> secret=*** auth=true",
            "password=${DB_PASSWORD} token=<none> secret=*** auth=true",
        ),
        (
            "UPDATE users SET password_hash = $1 WHERE id = $2",
            "UPDATE users SET password_hash = $1 WHERE id = $2",
        ),
        (
            "DB_PASSWORD:  <set to the key 'password' in secret 'db'>",
            "DB_PASSWORD:  <set to the key 'password' in secret 'db'>",
        ),
    ],
)
def test_key_value_syntaxes(text: str, expected: str) -> None:
    assert redact_text(text).text == expected


def test_digest_exemption_needs_the_algorithms_length() -> None:
    """`SHA256:` before a run protects it only when the run is SHA-256 sized (found by hypothesis)."""
    secret = "wSNMnIqMSBKX80SrQRG7wRBZ1Wmgw6DEWOMGXWUSrPs+cOeHJd2KHzcrqnVkWlVHO4ElDg8562qZoev0VxIsVA=="
    assert secret not in redact_text(f"SHA256:\n{secret} ").text
    digest = "sha256:" + "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    fingerprint = "SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8"
    line = f"image ghcr.io/acme/api@{digest} host key {fingerprint}"
    assert redact_text(line).text == line


@pytest.mark.parametrize(
    ("line", "redacted"),
    [
        ("user typed the password Tr0ub4dor-3xx into the form", True),
        ("why does ask fail? my password is hunter2isgood99", True),
        ("the password is wrong", False),
        ("password mysecret123 is wrong", True),
        ("password reset failed for user bob", False),
        ("password changed 2 times", False),
        ('FATAL: password authentication failed for user "app"', False),
    ],
)
def test_password_in_prose(line: str, redacted: bool) -> None:
    out = redact_text(line).text
    assert ("[REDACTED:password]" in out) is redacted, out


def test_a_pem_header_cut_short_does_not_swallow_the_next_lines_key() -> None:
    """Found by test_redact_properties: a bare `-----BEGIN -----` took `token` of the next line into the
    PEM placeholder, and the token's value then went out without its key."""
    out = redact_text("-----BEGIN -----\n    token: b36jeu.oui0rtwc36niwftk\n").text
    assert "b36jeu.oui0rtwc36niwftk" not in out and "token: [REDACTED:" in out
    cut = redact_text('key: "-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEA\\nabcd"').text
    assert "MIIE" not in cut and "abcd" not in cut
