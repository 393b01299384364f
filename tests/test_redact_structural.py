"""Structural rules on Kubernetes objects (docs/redaction.md), table-driven from realistic objects."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from kubectl_prism.redact import redact_object, redact_objects
from kubectl_prism.redact.structural import harmless_env, strip_object


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _pod(env: list[dict[str, Any]], **container: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "api-7d9c5b8f6d-nnhwj",
            "namespace": "shop",
            "uid": "21167eff-e459-4e97-af28-47c1e1ca55de",
            "resourceVersion": "48213",
            "managedFields": [
                {
                    "manager": "kubectl-client-side-apply",
                    "operation": "Update",
                    "fieldsV1": {"f:metadata": {}},
                }
            ],
        },
        "spec": {
            "containers": [
                {"name": "api", "image": "ghcr.io/acme-shop/api@sha256:" + "ab" * 32, "env": env, **container}
            ]
        },
    }


def test_secret_values_never_come_out_but_key_names_do() -> None:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {
            "name": "db-creds",
            "namespace": "shop",
            "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": json.dumps(
                    {"kind": "Secret", "stringData": {"password": "hunter2-prod"}}
                )
            },
        },
        "data": {"password": _b64("hunter2-prod"), "username": _b64("app")},
        "stringData": {"extra": "plain-text-value"},
    }
    out = redact_object(secret)
    doc = json.loads(out.text)
    assert doc["data"] == {k: "[REDACTED:secret-data]" for k in ("extra", "password", "username")}
    assert "stringData" not in doc
    for leak in ("hunter2-prod", _b64("hunter2-prod"), _b64("app"), "plain-text-value"):
        assert leak not in out.text
    assert "last-applied-configuration" not in out.text
    assert out.counts["secret-data"] == 3 and out.counts["last-applied-configuration"] == 1
    assert doc["metadata"]["name"] == "db-creds" and doc["type"] == "Opaque"


def test_secret_in_a_list_is_stripped_too() -> None:
    lst = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "a"},
                "data": {"token": _b64("x" * 30)},
            }
        ],
    }
    out = redact_object(lst)
    assert _b64("x" * 30) not in out.text and out.counts == {"secret-data": 1}


@pytest.mark.parametrize(
    ("name", "value", "kept"),
    [
        ("LOG_LEVEL", "debug", True),
        ("PORT", "8080", True),
        ("NODE_ENV", "production", True),
        ("FEATURE_X_ENABLED", "true", True),
        ("WORKER_TIMEOUT", "30s", True),
        ("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=75.0", True),
        ("REDIS_URL", "redis://cache:6379/0", True),
        ("DB_HOST", "orders-db.shop.svc.cluster.local", True),
        ("KAFKA_BROKERS", "kafka-0:9092,kafka-1:9092", True),
        ("DATABASE_URL", "postgres://app:s3cr3t@db:5432/shop", False),  # user info in the URL
        ("API_URL", "https://api.example.com/v1?token=abc", False),  # query string
        ("DB_PASSWORD", "true", False),  # a secret's name: never, whatever the value
        ("APP_NAME", "orders", False),  # an arbitrary word could be a password
        ("GREETING", "hello world", False),
        ("SESSION_SECRET", "8080", False),
    ],
)
def test_env_values_only_when_clearly_harmless(name: str, value: str, kept: bool) -> None:
    assert harmless_env(name, value) is kept
    out = json.loads(redact_object(_pod([{"name": name, "value": value}])).text)
    env = out["spec"]["containers"][0]["env"][0]
    assert env["name"] == name
    assert (env["value"] == value) is kept
    if not kept:
        assert env["value"] == "[REDACTED:env-value]"


def test_harmless_env_value_is_still_scanned_as_free_text() -> None:
    opts = "-Xmx512m -Djavax.net.ssl.keyStorePassword=Sup3rS3cret!"
    out = json.loads(redact_object(_pod([{"name": "JAVA_OPTS", "value": opts}])).text)
    value = out["spec"]["containers"][0]["env"][0]["value"]
    assert "Sup3rS3cret" not in value and value.startswith("-Xmx512m")


def test_value_from_keeps_only_reference_names() -> None:
    env = [
        {
            "name": "DB_PASSWORD",
            "valueFrom": {
                "secretKeyRef": {"name": "db-creds", "key": "password", "optional": False, "extra": "x"}
            },
        },
        {"name": "POD_IP", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIP"}}},
        {
            "name": "MEM",
            "valueFrom": {"resourceFieldRef": {"containerName": "api", "resource": "limits.memory"}},
        },
    ]
    out = json.loads(
        redact_object(_pod(env, envFrom=[{"secretRef": {"name": "api-keys"}, "prefix": "APP_"}])).text
    )
    container = out["spec"]["containers"][0]
    assert container["env"][0] == {
        "name": "DB_PASSWORD",
        "valueFrom": {"secretKeyRef": {"name": "db-creds", "key": "password", "optional": False}},
    }
    assert container["env"][1]["valueFrom"] == {"fieldRef": {"fieldPath": "status.podIP", "apiVersion": "v1"}}
    assert container["env"][2]["valueFrom"] == {
        "resourceFieldRef": {"resource": "limits.memory", "containerName": "api"}
    }
    assert container["envFrom"] == [{"prefix": "APP_", "secretRef": {"name": "api-keys"}}]


def test_managed_fields_dropped_and_diagnosis_fields_kept() -> None:
    out = json.loads(redact_object(_pod([])).text)
    assert "managedFields" not in out["metadata"]
    assert out["metadata"]["uid"] == "21167eff-e459-4e97-af28-47c1e1ca55de"
    assert out["metadata"]["resourceVersion"] == "48213"
    assert out["spec"]["containers"][0]["image"].endswith("ab" * 32)


def test_workload_templates_and_cronjobs_are_covered() -> None:
    env = [{"name": "STRIPE_KEY", "value": "rk_live_" + "a1B2c3D4" * 4}]
    deploy = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "api"},
        "spec": {"template": {"spec": {"containers": [{"name": "api", "env": env}]}}},
    }
    cron = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "report"},
        "spec": {
            "jobTemplate": {
                "spec": {"template": {"spec": {"initContainers": [{"name": "init", "env": env}]}}}
            }
        },
    }
    out = redact_objects([deploy, cron])
    assert "rk_live_" not in out.text and out.counts["env-value"] == 2


def test_container_args_flag_values_go() -> None:
    pod = _pod(
        [],
        args=["--db-password", "hunter2", "--port", "8080", "--api-key=abc123def456", "--verbose"],
        command=["/bin/app", "--token", "t0k3n-value-123"],
    )
    out = json.loads(redact_object(pod).text)
    c = out["spec"]["containers"][0]
    assert c["args"] == [
        "--db-password",
        "[REDACTED:password]",
        "--port",
        "8080",
        "--api-key=[REDACTED:api-key]",
        "--verbose",
    ]
    assert c["command"] == ["/bin/app", "--token", "[REDACTED:token]"]


KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
- cluster: {server: 'https://10.0.0.1:6443', certificate-authority-data: LS0tLS1CRUdJTiBDRVJU}
  name: prod
users:
- name: ci
  user: {token: abcdefghijklmnopqrstuvwxyz012345}
"""


def test_configmap_kubeconfig_and_docker_config_go_whole() -> None:
    cm = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "ci"},
        "data": {
            "config": KUBECONFIG,
            ".dockerconfigjson": '{"auths":{"r.io":{"auth":"eDp5"}}}',
            "app.properties": "db.password=hunter2\nlog.level=debug",
            "LOG_LEVEL": "debug",
        },
        "binaryData": {"blob": _b64("binary stuff here")},
    }
    out = redact_object(cm)
    doc = json.loads(out.text)
    assert doc["data"]["config"] == "[REDACTED:kubeconfig]"
    assert doc["data"][".dockerconfigjson"] == "[REDACTED:docker-config]"
    assert doc["data"]["app.properties"] == "db.password=[REDACTED:password]\nlog.level=debug"
    assert doc["data"]["LOG_LEVEL"] == "debug"
    assert doc["binaryData"] == {"blob": "<17 bytes>"}
    assert "abcdefghijklmnopqrstuvwxyz012345" not in out.text and "10.0.0.1" not in out.text


def test_kubeconfig_object_keeps_nothing() -> None:
    import yaml

    stripped, counts = strip_object(yaml.safe_load(KUBECONFIG))
    assert stripped == {"apiVersion": "v1", "kind": "Config", "content": "[REDACTED:kubeconfig]"}
    assert counts == {"kubeconfig": 1}


def test_sensitive_keys_anywhere_in_an_object() -> None:
    crd = {
        "apiVersion": "example.io/v1",
        "kind": "Database",
        "metadata": {"name": "orders"},
        "spec": {
            "adminPassword": "pa55word!",
            "passwordSecretRef": {"name": "db"},
            "secretName": "db-tls",
            "tokenExpirationSeconds": 3600,
            "apiKey": "k-123456",
            "automountServiceAccountToken": True,
        },
    }
    doc = json.loads(redact_object(crd).text)["spec"]
    assert doc["adminPassword"] == "[REDACTED:password]" and doc["apiKey"] == "[REDACTED:api-key]"
    assert doc["passwordSecretRef"] == {"name": "db"} and doc["secretName"] == "db-tls"
    assert doc["tokenExpirationSeconds"] == 3600 and doc["automountServiceAccountToken"] is True


def test_input_object_is_not_modified() -> None:
    pod = _pod([{"name": "DB_PASSWORD", "value": "x"}])
    before = json.dumps(pod, sort_keys=True)
    redact_object(pod)
    assert json.dumps(pod, sort_keys=True) == before
