"""The leak harness: a fake cluster seeded with secrets everywhere, and a check that none got out.

`SEEDED` maps a secret type to a secret value; `leak_scenario()` builds a scenario (the shared YAML
format) that plants every one of them where they turn up in real clusters: Secret `data` and
`stringData`, a docker config Secret, a service-account token, a TLS key, env values, container
args, ConfigMap data (a properties file, an `.npmrc`, a whole kubeconfig, an Azure connection
string), annotations (including `kubectl.kubernetes.io/last-applied-configuration` with the Secret
inside), events and logs (current and previous). `tests/fakes/leak_scenario.yaml` is this scenario
written out (`python -m tests.leak` rewrites it; a test checks it is current).

`assert_no_leak(data)` fails naming the secret type that leaked, in raw, base64 (at any alignment
inside a longer base64 text), base64url, JSON-escaped or URL-encoded form. Use it on whatever went
out: what the fake AI server or an MCP client received, `prism context` output, the audit log.
"""

from __future__ import annotations

import base64
import hashlib
import json
import textwrap
import urllib.parse
from pathlib import Path
from typing import Any

SCENARIO_PATH = Path(__file__).parent / "fakes" / "leak_scenario.yaml"

# Deterministic, realistic-format values; none is a live credential.
_KEY_BODY = (
    "mvHEXXT2ZsiB8Kw9jVWxCIEiRV7urp5W9nQ/3InB9arVrSOuXF1CK35pfCrEWX5jK7MeI85CWcEgS5Gr9q8exOHiytTzPPWWNlePDMB7"
    "6mjX1aa3u7GONDyuc/5aM5ZJgEQ/QOtYAKzuTUmlP/1psi04DOTfAWtMRyhocByky7WuYmpLO2yrwSHDcrw82CQXGuaORD3axcnugXD"
    "Q55sZdtnhCJ9LLIhoXUzryaKtUplWbWGwOacEXJFFJ1mSNfFQxU1GD17p9tPXYok0qudTzK64tqasG46sX57zc7HK4oehxjW6WnUOQ+a"
    "QBpwzFGeRkedMXokzCHeQGpfiFfwvPeLAeDZGkpGUzJ2wpbAOJUGcJ5iCVbL4SMY11BrAoUOEs/MsfKK3io8KGqCUlHzsX0lvgw0e61V"
    "AnmTmv5qhhLZa3qGxZzZp/YCMU4hvGjXJMkfg39VU0WNxajVD1lQcebXuNYgTL0a828mc2m1I9bMrcCn/7HvKTgYB1b4r04dFS+GXMl7"
)
PRIVATE_KEY_PEM = (
    "\n".join(
        ["-----BEGIN RSA PRIVATE KEY-----", *textwrap.wrap(_KEY_BODY, 64), "-----END RSA PRIVATE KEY-----"]
    )
    + "\n"
)

SEEDED: dict[str, str] = {
    "aws-access-key": "AKIAGP8LOP3PE45H42Q8",
    "aws-secret-key": "Z+oFaLgQOk3TSHZLQH3fU4NwxrWO02qQZNESOs9E",
    "jwt": (
        "eyJhbGciOiJSUzI1NiIsImtpZCI6IkRPSWZSenJXU1o2enQ5TjJheHpkNDFtMnNXdl80RVhiQXJDNVVsZlZqR1EifQ."
        "eyJhdWQiOlsiaHR0cHM6Ly9rdWJlcm5ldGVzLmRlZmF1bHQuc3ZjLmNsdXN0ZXIubG9jYWwiXSwiZXhwIjoxODkzNDU2MDAwLCJpc3Mi"
        "OiJodHRwczovL2t1YmVybmV0ZXMuZGVmYXVsdC5zdmMuY2x1c3Rlci5sb2NhbCIsImt1YmVybmV0ZXMuaW8iOnsibmFtZXNwYWNlIjoic2"
        "hvcCIsInNlcnZpY2VhY2NvdW50Ijp7Im5hbWUiOiJhcGkifX0sInN1YiI6InN5c3RlbTpzZXJ2aWNlYWNjb3VudDpzaG9wOmFwaSJ9."
        "o0C-mrcTdWGAodjQxuMTu6sdDppOKf-Tc8HTTtzi_cI20bRz-_wMEDjhjO2rrg9bxcQfkJ9Uc_erNPeC53_WRP"
    ),
    "github-token": "ghp_s0CkVvyFnpTGoFnlD8OdludIlpuYwZnZGrjj",
    "anthropic-api-key": (
        "sk-ant-api03-eguVMekVQ856-4hsHOXTcaaHb-OlV7ypjaBZurFOY77xmk6dcapVlk2o6Po0zZ0-KjBo54C-yiuZWl_"
        "yT8n_tH3bMVjPAAA"
    ),
    "openai-api-key": (
        "sk-proj-MUrTCY4a7iJqx7uDSeHoE8orrWBZ8BJIPMk96x6ghRbC2lmGqhZfeaiId7YPsTFLtMRbM_dIjoSV3SvkiTQfPhk5J-f4N-7gl49"
        "LMp3pkg54WdvBdp7fjONS"
    ),
    "slack-token": "xoxb-960640712150-4826984104072-5DkT5lOeACudHjaIrN7rcVrw",
    "stripe-key": (
        "sk_live_ORi37YXjK5iVj7n4fjXs4Def6W0w28eJtYxHaECgiIJEnZRxcrAwikB9Kj3B4PpquPK9lNA7SnjplwIJx4Ea3SK"
    ),
    "db-password": "Tr0ub4dor-ghZ5ia1E!",
    "gcp-api-key": "AIzaXh_uhLPNatc7_x-2p6xIfLayj8pGHKShoiJ",
    "sendgrid-api-key": "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",
    "npm-token": "npm_NwpYpm9P7W9ZOWI9plSUuBPGtRMkGBqDIoFQ",
    "azure-storage-key": (
        "0+YyIGV6ONPGOGUzy7tZSO27hB/XKfOkgGE6AiZAdrQu9WWClYj5QHvv2ZdeJ8SBtYGvvQvTo5M8jlxX4qljAw=="
    ),
    "kubeconfig-token": "uAXWxJc9HKkanI9m2u2yLsGJxspAfSSN7rQhXpmSjsbQQwxw",
    "registry-password": "3JryfZOWxYUW4W7lVvDbltCEYwLO",
    "api-token": "Jx9VOdnaTPuVDHgDO0PEdoT0WOI0K2XYLCGH80Bz",
    "private-key": _KEY_BODY[64:128],  # one line of the PEM body: any part of the key is a leak
    # The held-out dump of issue 11: an event, a container argument and an annotation that prism's own
    # outputs (report, explain) printed raw.
    "vault-token": "hvs.CAESIJ2qK8fLr0xW4vTn7YbZ1mQe9uHs3GdPa6cVo5NkRj0GGh4KHGh2cy5XcDJ0UnN1b2x0Z3pNVlBkT2Fr",
    "redis-password": "Rd5-pX9qTz2LmW7c",
    "deploy-token": "dt7Hq2mZx9LpW4vR8tYn3KcB",
}
SEEDED_SECRETS: list[str] = list(SEEDED.values())


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _b64_fragments(secret: str) -> list[str]:
    """What base64 of a longer text containing `secret` must contain, for each of the 3 alignments."""
    raw = secret.encode()
    out = []
    for pad in range(3):
        enc = base64.b64encode(b"\0" * pad + raw).decode().rstrip("=")
        skip = (pad * 4 + 2) // 3  # characters that also encode the padding bytes
        keep = (len(enc) - skip) // 4 * 4  # whole groups only: the tail depends on what follows
        fragment = enc[skip : skip + keep - 4] if keep > 4 else ""
        if len(fragment) >= 12:
            out.append(fragment)
    return out


def leak_forms(secret: str) -> dict[str, str]:
    forms = {
        "raw": secret,
        "base64": _b64(secret),
        "base64url": base64.urlsafe_b64encode(secret.encode()).decode().rstrip("="),
        "json-escaped": json.dumps(secret)[1:-1],
        "slash-escaped": json.dumps(secret)[1:-1].replace("/", "\\/"),
        "url-encoded": urllib.parse.quote(secret, safe=""),
    }
    for i, fragment in enumerate(_b64_fragments(secret)):
        forms[f"base64-in-text-{i}"] = fragment
    return forms


def find_leaks(data: bytes | str, seeded: dict[str, str] | None = None) -> list[str]:
    """`type (form)` for every seeded secret found in `data`."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    found = []
    for kind, secret in (seeded or SEEDED).items():
        for form, value in leak_forms(secret).items():
            if value and value in text:
                found.append(f"{kind} ({form})")
                break
    return found


def assert_no_leak(data: bytes | str, seeded: dict[str, str] | None = None) -> None:
    leaks = find_leaks(data, seeded)
    assert not leaks, "seeded secrets leaked: " + ", ".join(leaks)


# --- the scenario --------------------------------------------------------------------------------------

NS = "shop"
_T0 = "2026-11-01T09:00:00Z"
_T1 = "2026-11-01T09:40:25Z"


def _meta(name: str, uid: str, rv: str, **extra: Any) -> dict[str, Any]:
    meta = {"name": name, "namespace": NS, "uid": uid, "resourceVersion": rv, "creationTimestamp": _T0}
    meta.update(extra)
    return meta


def _containers() -> list[dict[str, Any]]:
    s = SEEDED
    return [
        {
            "name": "api",
            "image": "registry.shop.example.com/shop/api:2.14.0",
            "args": [
                "--github-token",
                s["github-token"],
                f"--sendgrid-key={s['sendgrid-api-key']}",
                "--redis",
                f"redis://:{s['redis-password']}@redis-master.shop.svc:6379/0",
            ],
            "env": [
                {"name": "DATABASE_URL", "value": f"postgres://app:{s['db-password']}@db:5432/shop"},
                {"name": "AWS_ACCESS_KEY_ID", "value": s["aws-access-key"]},
                {"name": "AWS_SECRET_ACCESS_KEY", "value": s["aws-secret-key"]},
                {"name": "STRIPE_SECRET_KEY", "value": s["stripe-key"]},
                {"name": "FEATURE_FLAGS", "value": f"checkout=on;token={s['api-token']}"},
                {"name": "LOG_LEVEL", "value": "debug"},
                {
                    "name": "DB_PASSWORD",
                    "valueFrom": {"secretKeyRef": {"name": "db-creds", "key": "password"}},
                },
            ],
            "envFrom": [{"secretRef": {"name": "api-keys"}}],
            "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
            "resources": {"limits": {"memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File",
            "imagePullPolicy": "IfNotPresent",
        }
    ]


def _pod_spec() -> dict[str, Any]:
    return {
        "containers": _containers(),
        "imagePullSecrets": [{"name": "regcred"}],
        "restartPolicy": "Always",
        "serviceAccountName": "api",
        "dnsPolicy": "ClusterFirst",
        "schedulerName": "default-scheduler",
        "terminationGracePeriodSeconds": 30,
    }


def _objects() -> list[dict[str, Any]]:
    s = SEEDED
    db_secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {"name": "db-creds", "namespace": NS},
        "data": {
            "password": _b64(s["db-password"]),
            "url": _b64(f"postgres://app:{s['db-password']}@db:5432/shop"),
        },
    }
    docker_config = json.dumps(
        {
            "auths": {
                "registry.shop.example.com": {
                    "username": "ci",
                    "password": s["registry-password"],
                    "auth": _b64(f"ci:{s['registry-password']}"),
                }
            }
        }
    )
    kubeconfig = textwrap.dedent(f"""\
        apiVersion: v1
        kind: Config
        clusters:
        - name: prod
          cluster:
            server: https://10.0.0.1:6443
        contexts:
        - name: ci@prod
          context: {{cluster: prod, user: ci}}
        current-context: ci@prod
        users:
        - name: ci
          user:
            client-key-data: {_b64(PRIVATE_KEY_PEM)}
            token: {s["kubeconfig-token"]}
        """)
    template_labels = {"app": "api", "pod-template-hash": "6f7c9d8b5"}
    last_applied_deploy = json.dumps(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "api", "namespace": NS},
            "spec": {"template": {"spec": {"containers": _containers()}}},
        }
    )
    return [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": NS,
                "uid": "0b1f7c3e-6a2d-4e59-8f3b-1d2c3e4f5a60",
                "resourceVersion": "101",
                "creationTimestamp": _T0,
                "labels": {"kubernetes.io/metadata.name": NS},
            },
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"},
        },
        {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": "worker-1",
                "uid": "5a0d3c1e-8b7f-4a2e-9c6d-3e2f1a0b9c8d",
                "resourceVersion": "9001",
                "creationTimestamp": _T0,
                "labels": {"kubernetes.io/hostname": "worker-1"},
            },
            "spec": {"podCIDR": "10.244.1.0/24"},
            "status": {
                "capacity": {"cpu": "4", "memory": "16318412Ki", "pods": "110"},
                "allocatable": {"cpu": "3920m", "memory": "15167436Ki", "pods": "110"},
                "conditions": [
                    {
                        "type": "Ready",
                        "status": "True",
                        "reason": "KubeletReady",
                        "message": "kubelet is posting ready status",
                        "lastHeartbeatTime": _T1,
                        "lastTransitionTime": _T0,
                    }
                ],
                "addresses": [
                    {"type": "InternalIP", "address": "10.0.3.17"},
                    {"type": "Hostname", "address": "worker-1"},
                ],
                "nodeInfo": {
                    "machineID": "ec2b1f0a9c8d7e6f5a4b3c2d1e0f9a8b",
                    "systemUUID": "ec2b1f0a-9c8d-7e6f-5a4b-3c2d1e0f9a8b",
                    "bootID": "7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b",
                    "kernelVersion": "6.1.0-26-cloud-amd64",
                    "osImage": "Debian GNU/Linux 12 (bookworm)",
                    "containerRuntimeVersion": "containerd://1.7.22",
                    "kubeletVersion": "v1.31.2",
                    "kubeProxyVersion": "v1.31.2",
                    "operatingSystem": "linux",
                    "architecture": "amd64",
                },
            },
        },
        {
            **db_secret,
            "metadata": _meta(
                "db-creds",
                "6c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
                "2001",
                annotations={"kubectl.kubernetes.io/last-applied-configuration": json.dumps(db_secret)},
            ),
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "Opaque",
            "metadata": _meta("api-keys", "7d2e3f4a-5b6c-4d7e-9f8a-0b1c2d3e4f5a", "2002"),
            "stringData": {
                "OPENAI_API_KEY": s["openai-api-key"],
                "ANTHROPIC_API_KEY": s["anthropic-api-key"],
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "kubernetes.io/dockerconfigjson",
            "metadata": _meta("regcred", "8e3f4a5b-6c7d-4e8f-8a9b-1c2d3e4f5a6b", "2003"),
            "data": {".dockerconfigjson": _b64(docker_config)},
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "kubernetes.io/service-account-token",
            "metadata": _meta(
                "api-token",
                "9f4a5b6c-7d8e-4f9a-9b0c-2d3e4f5a6b7c",
                "2004",
                annotations={
                    "kubernetes.io/service-account.name": "api",
                    "kubernetes.io/service-account.uid": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
                },
            ),
            "data": {"token": _b64(s["jwt"]), "namespace": _b64(NS)},
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "kubernetes.io/tls",
            "metadata": _meta("api-tls", "a05b6c7d-8e9f-4a0b-8c1d-3e4f5a6b7c8d", "2005"),
            "data": {
                "tls.key": _b64(PRIVATE_KEY_PEM),
                "tls.crt": _b64("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"),
            },
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": _meta("app-config", "b16c7d8e-9f0a-4b1c-9d2e-4f5a6b7c8d9e", "2006"),
            "data": {
                "application.properties": (
                    "spring.datasource.url=jdbc:postgresql://db:5432/shop\n"
                    f"spring.datasource.password={s['db-password']}\n"
                    f"openai.api-key={s['openai-api-key']}\n"
                ),
                ".npmrc": f"//registry.npmjs.org/:_authToken={s['npm-token']}\n",
                "LOG_LEVEL": "debug",
            },
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": _meta("ci-kubeconfig", "c27d8e9f-0a1b-4c2d-8e3f-5a6b7c8d9e0f", "2007"),
            "data": {"config": kubeconfig},
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": _meta("storage", "d38e9f0a-1b2c-4d3e-9f4a-6b7c8d9e0f1a", "2008"),
            "data": {
                "AZURE_STORAGE_CONNECTION_STRING": (
                    "DefaultEndpointsProtocol=https;AccountName=shopstore;"
                    f"AccountKey={s['azure-storage-key']};EndpointSuffix=core.windows.net"
                )
            },
        },
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": _meta(
                "api",
                "e49f0a1b-2c3d-4e4f-8a5b-7c8d9e0f1a2b",
                "3001",
                generation=4,
                labels={"app": "api"},
                annotations={
                    "deployment.kubernetes.io/revision": "4",
                    "kubectl.kubernetes.io/last-applied-configuration": last_applied_deploy,
                    "shop.io/slack-token": s["slack-token"],
                    "ci.acme.io/deploy-token": s["deploy-token"],
                },
            ),
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "api"}},
                "template": {"metadata": {"labels": {"app": "api"}}, "spec": _pod_spec()},
                "strategy": {"type": "RollingUpdate"},
            },
            "status": {
                "observedGeneration": 4,
                "replicas": 1,
                "updatedReplicas": 1,
                "unavailableReplicas": 1,
                "conditions": [
                    {
                        "type": "Available",
                        "status": "False",
                        "reason": "MinimumReplicasUnavailable",
                        "message": "Deployment does not have minimum availability.",
                        "lastUpdateTime": _T1,
                        "lastTransitionTime": _T1,
                    }
                ],
            },
        },
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": _meta(
                "api-6f7c9d8b5",
                "f50a1b2c-3d4e-4f5a-9b6c-8d9e0f1a2b3c",
                "3002",
                labels=template_labels,
                ownerReferences=[
                    {
                        "apiVersion": "apps/v1",
                        "kind": "Deployment",
                        "name": "api",
                        "uid": "e49f0a1b-2c3d-4e4f-8a5b-7c8d9e0f1a2b",
                        "controller": True,
                        "blockOwnerDeletion": True,
                    }
                ],
            ),
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": template_labels},
                "template": {"metadata": {"labels": template_labels}, "spec": _pod_spec()},
            },
            "status": {"replicas": 1, "fullyLabeledReplicas": 1, "observedGeneration": 1},
        },
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": _meta(
                "api-6f7c9d8b5-x2x7k",
                "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
                "3003",
                labels=template_labels,
                annotations={"shop.io/maps-key": s["gcp-api-key"]},
                ownerReferences=[
                    {
                        "apiVersion": "apps/v1",
                        "kind": "ReplicaSet",
                        "name": "api-6f7c9d8b5",
                        "uid": "f50a1b2c-3d4e-4f5a-9b6c-8d9e0f1a2b3c",
                        "controller": True,
                        "blockOwnerDeletion": True,
                    }
                ],
            ),
            "spec": {**_pod_spec(), "nodeName": "worker-1"},
            "status": {
                "phase": "Running",
                "hostIP": "10.0.3.17",
                "podIP": "10.244.1.23",
                "startTime": _T0,
                "qosClass": "Burstable",
                "conditions": [
                    {
                        "type": "Ready",
                        "status": "False",
                        "reason": "ContainersNotReady",
                        "message": "containers with unready status: [api]",
                        "lastTransitionTime": _T1,
                    },
                    {"type": "PodScheduled", "status": "True", "lastTransitionTime": _T0},
                ],
                "containerStatuses": [
                    {
                        "name": "api",
                        "ready": False,
                        "started": False,
                        "restartCount": 12,
                        "image": "registry.shop.example.com/shop/api:2.14.0",
                        "imageID": "registry.shop.example.com/shop/api@sha256:"
                        "39d123ecc4917e045c53488a56493e7084b8fd88a9775362cd07f833b1864a8b",
                        "containerID": "containerd://5be8cb5a362af5ef9f8a679aefcc577838c0067edaf49029933365f6914aa90e",
                        "state": {
                            "waiting": {
                                "reason": "CrashLoopBackOff",
                                "message": "back-off 5m0s restarting failed container=api "
                                "pod=api-6f7c9d8b5-x2x7k_shop(0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d)",
                            }
                        },
                        "lastState": {
                            "terminated": {
                                "exitCode": 1,
                                "reason": "Error",
                                "startedAt": "2026-11-01T09:40:22Z",
                                "finishedAt": _T1,
                                "message": "fatal: cannot connect with "
                                f"{s['aws-access-key']}/{s['aws-secret-key']}",
                                "containerID": "containerd://5be8cb5a362af5ef9f8a679aefcc577838c0067edaf49029933365f6914aa90e",
                            }
                        },
                    }
                ],
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": _meta("api", "1b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e", "3004", labels={"app": "api"}),
            "spec": {
                "selector": {"app": "api"},
                "type": "ClusterIP",
                "clusterIP": "10.96.12.34",
                "clusterIPs": ["10.96.12.34"],
                "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
            },
            "status": {"loadBalancer": {}},
        },
        _event(
            "api-6f7c9d8b5-x2x7k.1801",
            "BackOff",
            "Back-off restarting failed container api in pod "
            "api-6f7c9d8b5-x2x7k_shop(0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d)",
            41,
        ),
        _event(
            "api-6f7c9d8b5-x2x7k.1802",
            "Failed",
            f"Error: failed to start container: auth with token {s['jwt']} rejected",
            3,
        ),
        _event(
            "api-6f7c9d8b5-x2x7k.1803",
            "Failed",
            'Failed to pull image "registry.shop.example.com/shop/api:2.14.1": unauthorized: '
            f"login failed for ci with password={s['registry-password']}",
            2,
        ),
        _event(
            "api-6f7c9d8b5-x2x7k.1804",
            "NotifyFailed",
            f"webhook notify failed: invalid x-api-key {s['anthropic-api-key']}",
            1,
        ),
        _event(
            "api-6f7c9d8b5-x2x7k.1805",
            "Failed",
            f"Error: failed to reach vault with token {s['vault-token']}",
            4,
        ),
    ]


def _event(name: str, reason: str, message: str, count: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": _meta(
            name, f"2c3d4e5f-6a7b-4c8d-8e9f-{hashlib.sha256(name.encode()).hexdigest()[:12]}", "4001"
        ),
        "involvedObject": {
            "apiVersion": "v1",
            "kind": "Pod",
            "namespace": NS,
            "name": "api-6f7c9d8b5-x2x7k",
            "uid": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
            "fieldPath": "spec.containers{api}",
        },
        "reason": reason,
        "message": message,
        "type": "Warning",
        "count": count,
        "firstTimestamp": _T0,
        "lastTimestamp": _T1,
        "source": {"component": "kubelet", "host": "worker-1"},
        "reportingComponent": "kubelet",
        "reportingInstance": "worker-1",
    }


def _logs() -> list[dict[str, Any]]:
    s = SEEDED
    previous = (
        "\n".join(
            [
                "2026-11-01T09:40:22Z INFO starting api 2.14.0",
                f"2026-11-01T09:40:22Z DEBUG config DATABASE_URL=postgres://app:{s['db-password']}@db:5432/shop",
                f"2026-11-01T09:40:22Z DEBUG aws credentials {s['aws-access-key']} {s['aws-secret-key']}",
                "2026-11-01T09:40:23Z DEBUG calling https://10.96.0.1/api with "
                f"Authorization: Bearer {s['jwt']}",
                f"2026-11-01T09:40:23Z DEBUG ANTHROPIC_API_KEY={s['anthropic-api-key']}",
                f"2026-11-01T09:40:23Z DEBUG stripe client using {s['stripe-key']}",
                f"2026-11-01T09:40:23Z DEBUG slack: posting with {s['slack-token']}",
                f"2026-11-01T09:40:23Z DEBUG internal api_token={s['api-token']}",
                f"2026-11-01T09:40:24Z DEBUG kubeconfig token: {s['kubeconfig-token']}",
                "2026-11-01T09:40:24Z DEBUG loaded TLS key:",
                PRIVATE_KEY_PEM.rstrip("\n"),
                f"2026-11-01T09:40:24Z DEBUG maps key={s['gcp-api-key']} npm={s['npm-token']}",
                f"2026-11-01T09:40:24Z DEBUG sendgrid {s['sendgrid-api-key']} openai {s['openai-api-key']}",
                "2026-11-01T09:40:25Z ERROR psycopg2.OperationalError: "
                'connection to server at "db" (10.96.0.12), '
                "port 5432 failed: Connection refused",
                f"2026-11-01T09:40:25Z FATAL exiting; storage AccountKey={s['azure-storage-key']}",
            ]
        )
        + "\n"
    )
    current = "2026-11-01T09:45:30Z INFO starting api 2.14.0\n" + (
        f"2026-11-01T09:45:30Z DEBUG git clone https://x-access-token:{s['github-token']}@github.com/shop/cfg.git\n"
    )
    return [
        {
            "namespace": NS,
            "pod": "api-6f7c9d8b5-x2x7k",
            "container": "api",
            "previous": True,
            "text": previous,
        },
        {
            "namespace": NS,
            "pod": "api-6f7c9d8b5-x2x7k",
            "container": "api",
            "previous": False,
            "text": current,
        },
    ]


def leak_scenario() -> dict[str, Any]:
    return {
        "description": "secrets seeded in every place a cluster keeps them (leak harness, tests/leak.py)",
        "objects": _objects(),
        "logs": _logs(),
    }


def render_scenario() -> str:
    import yaml

    header = "# Generated by `python -m tests.leak` from tests/leak.py; do not edit by hand.\n"
    return header + yaml.safe_dump(leak_scenario(), sort_keys=False, width=120, allow_unicode=True)


if __name__ == "__main__":
    SCENARIO_PATH.write_text(render_scenario(), encoding="utf-8")
    print(f"wrote {SCENARIO_PATH}")
