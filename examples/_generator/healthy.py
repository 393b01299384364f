"""examples/healthy: a two-node kind cluster where everything is fine (what "nothing wrong" looks like)."""

from __future__ import annotations

from datetime import UTC, datetime

from common import PodPlan, app, available, daemon, kubeadm_control_plane, progressing
from kube import Cluster, NodeRef, Running, container, env, http_probe, pod_spec, tcp_probe
from objects import node, node_conditions, port, service, template

NOW = datetime(2025, 2, 20, 16, 5, 41, tzinfo=UTC)
DAY = 86400
VERSION = "v1.30.6"
EMPTY_NAMESPACES = ("kube-node-lease", "kube-public")


def build() -> Cluster:
    c = Cluster(now=NOW, seed=20250220, rv=48_000)
    cp, worker = _nodes(c)
    age = 6 * DAY
    for p in kubeadm_control_plane(c, cp, version=VERSION, created=age - 20, pod_cidr="10.244.0.0/16"):
        c.log(
            "kube-system",
            p["metadata"]["name"],
            p["spec"]["containers"][0]["name"],
            f"I{c.klog_time(age - 25)}       1 serving.go:380] Generated self-signed cert in-memory\n",
        )
    proxy = template(
        {"k8s-app": "kube-proxy"},
        pod_spec(
            [
                container(
                    "kube-proxy",
                    f"registry.k8s.io/kube-proxy:{VERSION}",
                    command=[
                        "/usr/local/bin/kube-proxy",
                        "--config=/var/lib/kube-proxy/config.conf",
                        "--hostname-override=$(NODE_NAME)",
                    ],
                    env=[
                        {
                            "name": "NODE_NAME",
                            "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}},
                        }
                    ],
                    security={"privileged": True},
                )
            ],
            host_network=True,
            service_account="kube-proxy",
            node_selector={"kubernetes.io/os": "linux"},
            tolerations=[{"operator": "Exists"}],
            priority_class="system-node-critical",
        ),
    )
    daemon(
        c,
        "kube-system",
        "kube-proxy",
        proxy,
        [cp, worker],
        created=age - 15,
        states={n.name: [Running(age - 30)] for n in (cp, worker)},
    )
    kindnet = template(
        {"app": "kindnet", "k8s-app": "kindnet", "tier": "node"},
        pod_spec(
            [
                container(
                    "kindnet-cni",
                    "docker.io/kindest/kindnetd:v20241007-36f62932",
                    env=[
                        {
                            "name": "HOST_IP",
                            "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.hostIP"}},
                        },
                        env("POD_SUBNET", "10.244.0.0/16"),
                    ],
                    requests={"cpu": "100m", "memory": "50Mi"},
                    limits={"cpu": "100m", "memory": "50Mi"},
                    security={"capabilities": {"add": ["NET_RAW", "NET_ADMIN"]}, "privileged": False},
                )
            ],
            host_network=True,
            service_account="kindnet",
            node_selector={"kubernetes.io/os": "linux"},
            tolerations=[{"operator": "Exists"}],
        ),
    )
    for p in daemon(
        c,
        "kube-system",
        "kindnet",
        kindnet,
        [cp, worker],
        created=age - 15,
        states={n.name: [Running(age - 28)] for n in (cp, worker)},
        priority=0,
    ):
        c.log(
            "kube-system",
            p["metadata"]["name"],
            "kindnet-cni",
            f"I{c.klog_time(60)}       1 main.go:297] Handling node with IPs: "
            f"map[{p['status']['hostIP']}:{{}}]\n"
            f"I{c.klog_time(59)}       1 main.go:301] handling current node\n",
        )
    dns = template(
        {"k8s-app": "kube-dns"},
        pod_spec(
            [
                container(
                    "coredns",
                    "registry.k8s.io/coredns/coredns:v1.11.3",
                    args=["-conf", "/etc/coredns/Corefile"],
                    ports=[("dns", 53), ("dns-tcp", 53), ("metrics", 9153)],
                    requests={"cpu": "100m", "memory": "70Mi"},
                    limits={"memory": "170Mi"},
                    liveness=http_probe("/health", 8080, delay=60, timeout=5, failure=5),
                    readiness=http_probe("/ready", 8181),
                )
            ],
            dns="Default",
            service_account="coredns",
            node_selector={"kubernetes.io/os": "linux"},
            tolerations=[
                {"key": "CriticalAddonsOnly", "operator": "Exists"},
                {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"},
            ],
            priority_class="system-cluster-critical",
        ),
    )
    dns["spec"]["containers"][0]["ports"][0]["protocol"] = "UDP"
    _, pods = app(
        c,
        "kube-system",
        "coredns",
        tmpl=dns,
        created=age - 15,
        pod_hash="7c65d6cfc9",
        plans=[PodPlan(cp, [Running(age - 26)], age - 27), PodPlan(cp, [Running(age - 26)], age - 27)],
        conditions=[
            available(c, True, age - 25),
            progressing(c, "done", "coredns-7c65d6cfc9", age - 15, age - 25),
        ],
        applied=False,
        labels={"k8s-app": "kube-dns"},
    )
    for p in pods:
        c.log(
            "kube-system",
            p["metadata"]["name"],
            "coredns",
            ".:53\nCoreDNS-1.11.3\nlinux/amd64, go1.21.11, a6338e9\n",
        )
    service(
        c,
        "kube-system",
        "kube-dns",
        created=age - 15,
        cluster_ip="10.96.0.10",
        selector={"k8s-app": "kube-dns"},
        labels={
            "k8s-app": "kube-dns",
            "kubernetes.io/cluster-service": "true",
            "kubernetes.io/name": "CoreDNS",
        },
        ports=[port("dns", 53, 53, protocol="UDP"), port("dns-tcp", 53, 53), port("metrics", 9153, 9153)],
    )
    service(
        c,
        "default",
        "kubernetes",
        created=age - 20,
        cluster_ip="10.96.0.1",
        selector=None,
        ports=[port("https", 443, 6443)],
        labels={"component": "apiserver", "provider": "kubernetes"},
    )
    storage = template(
        {"app": "local-path-provisioner"},
        pod_spec(
            [
                container(
                    "local-path-provisioner",
                    "docker.io/kindest/local-path-provisioner:v20241007-36f62932",
                    command=[
                        "local-path-provisioner",
                        "--debug",
                        "start",
                        "--helper-image",
                        "docker.io/kindest/local-path-helper:v20241007-36f62932",
                        "--config",
                        "/etc/config/config.json",
                    ],
                    env=[
                        {
                            "name": "POD_NAMESPACE",
                            "valueFrom": {
                                "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}
                            },
                        }
                    ],
                )
            ],
            service_account="local-path-provisioner-service-account",
            node_selector={"kubernetes.io/os": "linux"},
            tolerations=[
                {"key": "node-role.kubernetes.io/control-plane", "operator": "Equal", "effect": "NoSchedule"}
            ],
        ),
    )
    app(
        c,
        "local-path-storage",
        "local-path-provisioner",
        tmpl=storage,
        created=age - 15,
        pod_hash="57c5987fd4",
        plans=[PodPlan(cp, [Running(age - 26)], age - 27)],
        applied=True,
        conditions=[
            available(c, True, age - 25),
            progressing(c, "done", "local-path-provisioner-57c5987fd4", age - 15, age - 25),
        ],
    )
    _demo(c, worker)
    return c


def _nodes(c: Cluster) -> tuple[NodeRef, NodeRef]:
    info = {
        "kernel": "6.8.0-52-generic",
        "os": "Debian GNU/Linux 12 (bookworm)",
        "runtime": "containerd://1.7.18",
        "kubelet": VERSION,
    }
    refs = []
    for name, ip, prefix, cidr in (
        ("demo-control-plane", "172.18.0.3", "10.244.0.", "10.244.0.0/24"),
        ("demo-worker", "172.18.0.2", "10.244.1.", "10.244.1.0/24"),
    ):
        control = name.endswith("control-plane")
        labels = {
            "beta.kubernetes.io/arch": "amd64",
            "beta.kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
            "kubernetes.io/hostname": name,
            "kubernetes.io/os": "linux",
        }
        if control:
            labels |= {
                "node-role.kubernetes.io/control-plane": "",
                "node.kubernetes.io/exclude-from-external-load-balancers": "",
            }
        notes = {
            "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///run/containerd/containerd.sock",
            "node.alpha.kubernetes.io/ttl": "0",
            "volumes.kubernetes.io/controller-managed-attach-detach": "true",
        }
        capacity = {
            "cpu": "8",
            "ephemeral-storage": "479079112Ki",
            "hugepages-1Gi": "0",
            "hugepages-2Mi": "0",
            "memory": "32554232Ki",
            "pods": "110",
        }
        created = 6 * DAY + (40 if control else 0)
        refs.append(
            node(
                c,
                name,
                ip=ip,
                pod_prefix=prefix,
                created=created,
                labels=labels,
                annotations=notes,
                capacity=capacity,
                allocatable=dict(capacity),
                info=info,
                conditions=node_conditions(c, created=created),
                pod_cidr=cidr,
                provider_id=f"kind://docker/demo/{name}",
                taints=[{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]
                if control
                else None,
                images=[
                    (f"registry.k8s.io/kube-proxy:{VERSION}", 92808290),
                    ("docker.io/kindest/kindnetd:v20241007-36f62932", 38600298),
                ],
            )
        )
    return refs[0], refs[1]


def _demo(c: Cluster, worker: NodeRef) -> None:
    hello = template(
        {"app": "hello"},
        pod_spec(
            [
                container(
                    "nginx",
                    "nginx:1.27.3",
                    ports=[("http", 80)],
                    requests={"cpu": "50m", "memory": "64Mi"},
                    limits={"memory": "128Mi"},
                    readiness=http_probe("/", "http"),
                    liveness=tcp_probe("http", delay=5),
                )
            ]
        ),
    )
    _, pods = app(
        c,
        "demo",
        "hello",
        tmpl=hello,
        created=5 * DAY,
        pod_hash="6b9d8c7f5d",
        plans=[
            PodPlan(worker, [Running(5 * DAY - 12)], 5 * DAY - 1),
            PodPlan(worker, [Running(5 * DAY - 13)], 5 * DAY - 1),
        ],
        conditions=[
            available(c, True, 5 * DAY - 14),
            progressing(c, "done", "hello-6b9d8c7f5d", 5 * DAY, 5 * DAY - 14),
        ],
    )
    for p in pods:
        c.log(
            "demo",
            p["metadata"]["name"],
            "nginx",
            "/docker-entrypoint.sh: Configuration complete; ready for start up\n"
            + "".join(
                f'10.244.1.1 - - [{c.at(a).replace("T", ":")[:-1]} +0000] "GET / HTTP/1.1" 200 615 "-" '
                '"kube-probe/1.30" "-"\n'
                for a in (25, 15, 5)
            ),
        )
    service(
        c,
        "demo",
        "hello",
        created=5 * DAY,
        cluster_ip="10.96.118.4",
        selector={"app": "hello"},
        ports=[port("http", 80, "http")],
        labels={"app": "hello"},
    )
    redis = template(
        {"app": "redis"},
        pod_spec(
            [
                container(
                    "redis",
                    "redis:7.4.2-alpine",
                    ports=[("redis", 6379)],
                    requests={"cpu": "50m", "memory": "64Mi"},
                    limits={"cpu": "250m", "memory": "256Mi"},
                    readiness=tcp_probe("redis"),
                    liveness=tcp_probe("redis", delay=10),
                )
            ]
        ),
    )
    _, pods = app(
        c,
        "demo",
        "redis",
        tmpl=redis,
        created=5 * DAY,
        pod_hash="5d4f8b9c76",
        plans=[PodPlan(worker, [Running(5 * DAY - 9)], 5 * DAY - 1)],
        conditions=[
            available(c, True, 5 * DAY - 10),
            progressing(c, "done", "redis-5d4f8b9c76", 5 * DAY, 5 * DAY - 10),
        ],
    )
    c.log(
        "demo",
        pods[0]["metadata"]["name"],
        "redis",
        "1:C 15 Feb 2025 16:05:53.112 * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo\n"
        "1:M 15 Feb 2025 16:05:53.113 * Server initialized\n1:M 15 Feb 2025 16:05:53.113 * Ready to accept "
        "connections tcp\n",
    )
    service(
        c,
        "demo",
        "redis",
        created=5 * DAY,
        cluster_ip="10.96.201.37",
        selector={"app": "redis"},
        ports=[port("redis", 6379, "redis")],
        labels={"app": "redis"},
    )
