"""examples/payments-degraded: a GKE cluster dump plus the `kubectl get -o json` files someone added.

Story: the ledger database's StatefulSet asks for StorageClass `fast-ssd`, which this cluster does not
have, so its PVC stays Pending and `ledger-db-0` cannot be scheduled; the `ledger-migrate` Job cannot
resolve `ledger-db` and hits its backoff limit. Node `...-m4rt` ran out of memory: the kubelet evicted
a `fraud-scorer` pod, then went NotReady with MemoryPressure. The public Ingress routes `/refunds` to a
Service that does not exist, and the `checkout` HPA cannot compute CPU utilization because the pods
have no CPU request. Secrets (with values, as `kubectl get secret -o json` gives them) are included so
the loader's stripping can be seen.
"""

from __future__ import annotations

from datetime import UTC, datetime

from common import PodPlan, app, available, daemon, progressing
from extras import (
    claim_template,
    configmap,
    fake_pem,
    hpa,
    ingress,
    ingress_class,
    ingress_path,
    job,
    pvc,
    secret,
    statefulset,
    storage_class,
)
from kube import (
    DAEMON_TOLERATIONS,
    Cluster,
    Done,
    NodeRef,
    Running,
    Terminated,
    condition,
    container,
    env,
    http_probe,
    log_text,
    pod_spec,
)
from objects import event, node, node_conditions, pod, port, series_event, service, template

NOW = datetime(2025, 6, 3, 14, 17, 52, tzinfo=UTC)
DAY = 86400
VERSION = "v1.30.5-gke.1443001"
POOL = "gke-payments-prod-default-pool-4f7b2c1e"
REGISTRY = "europe-west1-docker.pkg.dev/acme-payments-prod/apps"
EMPTY_NAMESPACES = (
    "default",
    "gke-managed-system",
    "gmp-public",
    "gmp-system",
    "kube-node-lease",
    "kube-public",
)
SCORER_EVICTION = (
    "The node was low on resource: memory. Threshold quantity: 100Mi, available: 82164Ki. "
    "Container fraud-scorer was using 1872316Ki, request is 1Gi, has larger consumption of memory. "
)


def build() -> Cluster:
    c = Cluster(now=NOW, seed=20250603, rv=1_733_902_000)
    nodes = _nodes(c)
    _kube_system(c, nodes)
    service(
        c,
        "default",
        "kubernetes",
        created=23 * DAY,
        cluster_ip="34.118.224.1",
        selector=None,
        ports=[port("https", 443, 443)],
        labels={"component": "apiserver", "provider": "kubernetes"},
    )
    _ingress_nginx(c, nodes[1])
    _storage(c)
    _checkout(c, nodes)
    _fraud_scorer(c, nodes)
    _ledger(c)
    _secrets(c)
    return c


def _nodes(c: Cluster) -> list[NodeRef]:
    info = {
        "kernel": "6.1.100+",
        "os": "Container-Optimized OS from Google",
        "runtime": "containerd://1.7.23",
        "kubelet": VERSION,
    }
    images = [
        (f"gke.gcr.io/kube-proxy-amd64:{VERSION}", 30473114),
        ("gke.gcr.io/fluent-bit:v1.8.12-gke.39", 51328441),
        ("gke.gcr.io/gcp-compute-persistent-disk-csi-driver:v1.13.8-gke.0", 24511730),
        ("registry.k8s.io/pause:3.9", 321520),
    ]
    refs = []
    for suffix, ip, ext, prefix, index in (
        ("2k9x", "10.132.0.14", "34.140.61.202", "10.76.0.", 0),
        ("7qzd", "10.132.0.15", "34.77.198.14", "10.76.1.", 1),
        ("m4rt", "10.132.0.16", "35.195.7.233", "10.76.2.", 2),
    ):
        name = f"{POOL}-{suffix}"
        created = 23 * DAY + 60 * index
        labels = {
            "beta.kubernetes.io/arch": "amd64",
            "beta.kubernetes.io/instance-type": "e2-standard-4",
            "beta.kubernetes.io/os": "linux",
            "cloud.google.com/gke-boot-disk": "pd-balanced",
            "cloud.google.com/gke-container-runtime": "containerd",
            "cloud.google.com/gke-cpu-scaling-level": "4",
            "cloud.google.com/gke-logging-variant": "DEFAULT",
            "cloud.google.com/gke-max-pods-per-node": "110",
            "cloud.google.com/gke-nodepool": "default-pool",
            "cloud.google.com/gke-os-distribution": "cos",
            "cloud.google.com/gke-provisioning": "standard",
            "cloud.google.com/gke-stack-type": "IPV4",
            "cloud.google.com/machine-family": "e2",
            "cloud.google.com/private-node": "false",
            "failure-domain.beta.kubernetes.io/region": "europe-west1",
            "failure-domain.beta.kubernetes.io/zone": "europe-west1-b",
            "kubernetes.io/arch": "amd64",
            "kubernetes.io/hostname": name,
            "kubernetes.io/os": "linux",
            "node.kubernetes.io/instance-type": "e2-standard-4",
            "topology.gke.io/zone": "europe-west1-b",
            "topology.kubernetes.io/region": "europe-west1",
            "topology.kubernetes.io/zone": "europe-west1-b",
        }
        notes = {
            "container.googleapis.com/instance_id": str(4839201746193855021 + 7919 * index),
            "csi.volume.kubernetes.io/nodeid": '{"pd.csi.storage.gke.io":"projects/acme-payments-prod/zones/'
            f'europe-west1-b/instances/{name}"}}',
            "node.alpha.kubernetes.io/ttl": "0",
            "node.gke.io/last-applied-node-labels": "cloud.google.com/gke-boot-disk=pd-balanced,"
            "cloud.google.com/gke-nodepool=default-pool",
            "volumes.kubernetes.io/controller-managed-attach-detach": "true",
        }
        capacity = {
            "cpu": "4",
            "ephemeral-storage": "98831908Ki",
            "hugepages-1Gi": "0",
            "hugepages-2Mi": "0",
            "memory": "16393904Ki",
            "pods": "110",
        }
        allocatable = {
            "cpu": "3920m",
            "ephemeral-storage": "47060071478",
            "hugepages-1Gi": "0",
            "hugepages-2Mi": "0",
            "memory": "13219568Ki",
            "pods": "110",
        }
        beat = c.at(40)
        npd = [
            {
                "type": t,
                "status": "False",
                "lastHeartbeatTime": beat,
                "lastTransitionTime": c.at(created - 90),
                "reason": r,
                "message": m,
            }
            for t, r, m in (
                (
                    "FrequentUnregisterNetDevice",
                    "NoFrequentUnregisterNetDevice",
                    "node is functioning properly",
                ),
                ("KernelDeadlock", "KernelHasNoDeadlock", "kernel has no deadlock"),
                ("ReadonlyFilesystem", "FilesystemIsNotReadOnly", "Filesystem is not read-only"),
                ("FrequentKubeletRestart", "NoFrequentKubeletRestart", "kubelet is functioning properly"),
                (
                    "FrequentContainerdRestart",
                    "NoFrequentContainerdRestart",
                    "containerd is functioning properly",
                ),
            )
        ]
        npd.append(
            {
                "type": "NetworkUnavailable",
                "status": "False",
                "lastHeartbeatTime": c.at(created - 60),
                "lastTransitionTime": c.at(created - 60),
                "reason": "RouteCreated",
                "message": "NodeController create implicit route",
            }
        )
        taints = None
        if suffix == "m4rt":
            conds = node_conditions(
                c,
                created=created,
                heartbeat=12,
                pressure="memory",
                extra=npd,
                ready=(
                    "False",
                    "KubeletNotReady",
                    "PLEG is not healthy: pleg was last seen active 3m4.518s ago; threshold is 3m0s",
                    191,
                ),
            )
            taints = [
                {"key": "node.kubernetes.io/memory-pressure", "effect": "NoSchedule"},
                {"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"},
                {"key": "node.kubernetes.io/not-ready", "effect": "NoExecute", "timeAdded": c.at(186)},
            ]
        else:
            conds = node_conditions(c, created=created, extra=npd)
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
                allocatable=allocatable,
                info=info,
                conditions=conds,
                pod_cidr=f"{prefix}0/24",
                provider_id=f"gce://acme-payments-prod/europe-west1-b/{name}",
                taints=taints,
                images=images,
                external_ip=ext,
            )
        )
    sick = refs[2].obj
    event(
        c,
        sick,
        "NodeHasInsufficientMemory",
        f"Node {sick['metadata']['name']} status is now: NodeHasInsufficientMemory",
        first=604,
        last=604,
        host=sick["metadata"]["name"],
    )
    event(
        c,
        sick,
        "EvictionThresholdMet",
        "Attempting to reclaim memory",
        first=601,
        last=233,
        count=6,
        kind="Warning",
        host=sick["metadata"]["name"],
    )
    event(
        c,
        sick,
        "NodeNotReady",
        f"Node {sick['metadata']['name']} status is now: NodeNotReady",
        first=186,
        last=186,
        component="node-controller",
    )
    return refs


def _kube_system(c: Cluster, nodes: list[NodeRef]) -> None:
    age = 23 * DAY
    sick = nodes[2].name
    for n in nodes:
        spec = pod_spec(
            [
                container(
                    "kube-proxy",
                    f"gke.gcr.io/kube-proxy-amd64:{VERSION}",
                    command=[
                        "/bin/sh",
                        "-c",
                        "exec kube-proxy --master=https://34.76.120.91 --kubeconfig=/var/lib/kube-proxy/"
                        "kubeconfig --cluster-cidr=10.76.0.0/14 --oom-score-adj=-998 --v=2 "
                        "--iptables-sync-period=1m "
                        "--iptables-min-sync-period=10s --ipvs-sync-period=1m --ipvs-min-sync-period=10s "
                        "--detect-local-mode=NodeCIDR 1>>/var/log/kube-proxy.log 2>&1",
                    ],
                    requests={"cpu": "100m"},
                    security={"privileged": True},
                )
            ],
            host_network=True,
            tolerations=[
                {"operator": "Exists", "effect": "NoExecute"},
                {"operator": "Exists", "effect": "NoSchedule"},
            ],
            priority_class="system-node-critical",
        )
        config_hash = c.hexs(32)
        node_owner = [
            {
                "apiVersion": "v1",
                "kind": "Node",
                "name": n.name,
                "uid": n.obj["metadata"]["uid"],
                "controller": True,
            }
        ]
        pod(
            c,
            "kube-system",
            f"kube-proxy-{n.name}",
            template({"component": "kube-proxy", "tier": "node"}, spec),
            created=age - 30,
            node=n,
            states=[Running(age - 40)],
            owners=node_owner,
            static=True,
            annotations={
                "kubernetes.io/config.hash": config_hash,
                "kubernetes.io/config.mirror": config_hash,
                "kubernetes.io/config.seen": c.at(age - 30)[:-1] + ".371094610Z",
                "kubernetes.io/config.source": "file",
            },
            host_network=True,
            priority=2000001000,
            node_not_ready=186 if n.name == sick else None,
        )
    fluentbit = template(
        {"component": "fluentbit-gke", "k8s-app": "fluentbit-gke", "kubernetes.io/cluster-service": "true"},
        pod_spec(
            [
                container(
                    "fluentbit",
                    "gke.gcr.io/fluent-bit:v1.8.12-gke.39",
                    requests={"cpu": "50m", "memory": "100Mi"},
                    limits={"memory": "250Mi"},
                    liveness=http_probe("/", 2020, delay=120, period=60, failure=3),
                ),
                container(
                    "fluentbit-gke",
                    "gke.gcr.io/fluent-bit-gke-exporter:v0.29.0-gke.0",
                    command=[
                        "/fluent-bit-gke-exporter",
                        "--kubernetes-separator=_",
                        "--stackdriver-resource-model=k8s",
                    ],
                    requests={"cpu": "5m", "memory": "30Mi"},
                    limits={"memory": "45Mi"},
                ),
            ],
            host_network=True,
            service_account="fluentbit-gke",
            dns="Default",
            grace=120,
            node_selector={"kubernetes.io/os": "linux"},
            tolerations=DAEMON_TOLERATIONS[:1],
            priority_class="system-node-critical",
        ),
    )
    daemon(
        c,
        "kube-system",
        "fluentbit-gke",
        fluentbit,
        nodes,
        created=age - 20,
        states={n.name: [Running(age - 50), Running(age - 50)] for n in nodes},
        not_ready={sick: 186},
    )
    pdcsi = template(
        {"k8s-app": "gcp-compute-persistent-disk-csi-driver"},
        pod_spec(
            [
                container(
                    "csi-driver-registrar",
                    "gke.gcr.io/csi-node-driver-registrar:v2.9.4-gke.6",
                    args=[
                        "--v=5",
                        "--csi-address=/csi/csi.sock",
                        "--kubelet-registration-path=/var/lib/kubelet/plugins/pd.csi.storage.gke.io/csi.sock",
                    ],
                    requests={"cpu": "5m", "memory": "10Mi"},
                ),
                container(
                    "gce-pd-driver",
                    "gke.gcr.io/gcp-compute-persistent-disk-csi-driver:v1.13.8-gke.0",
                    args=["--v=5", "--endpoint=unix:/csi/csi.sock", "--run-controller-service=false"],
                    requests={"cpu": "5m", "memory": "10Mi"},
                    security={"privileged": True},
                ),
            ],
            host_network=True,
            service_account="pdcsi-node-sa",
            node_selector={"kubernetes.io/os": "linux"},
            tolerations=DAEMON_TOLERATIONS[:1],
            priority_class="system-node-critical",
        ),
    )
    daemon(
        c,
        "kube-system",
        "pdcsi-node",
        pdcsi,
        nodes,
        created=age - 20,
        states={n.name: [Running(age - 50), Running(age - 50)] for n in nodes},
        not_ready={sick: 186},
    )
    dns = template(
        {"k8s-app": "kube-dns"},
        pod_spec(
            [
                container(
                    "kubedns",
                    "gke.gcr.io/k8s-dns-kube-dns:1.23.0-gke.9",
                    args=[
                        "--domain=cluster.local.",
                        "--dns-port=10053",
                        "--config-dir=/kube-dns-config",
                        "--v=2",
                    ],
                    ports=[("dns-local", 10053), ("metrics", 10055)],
                    requests={"cpu": "100m", "memory": "70Mi"},
                    limits={"memory": "210Mi"},
                    readiness=http_probe("/readiness", 8081, delay=3, timeout=5),
                ),
                container(
                    "dnsmasq",
                    "gke.gcr.io/k8s-dns-dnsmasq-nanny:1.23.0-gke.9",
                    args=[
                        "-v=2",
                        "-logtostderr",
                        "-configDir=/etc/k8s/dns/dnsmasq-nanny",
                        "-restartDnsmasq=true",
                    ],
                    ports=[("dns", 53), ("dns-tcp", 53)],
                    requests={"cpu": "150m", "memory": "20Mi"},
                ),
                container(
                    "sidecar",
                    "gke.gcr.io/k8s-dns-sidecar:1.23.0-gke.9",
                    args=[
                        "--v=2",
                        "--logtostderr",
                        "--probe=kubedns,127.0.0.1:10053,kubernetes.default.svc.cluster.local,5,SRV",
                    ],
                    ports=[("metrics", 10054)],
                    requests={"cpu": "10m", "memory": "20Mi"},
                ),
            ],
            dns="Default",
            service_account="kube-dns",
            node_selector={"kubernetes.io/os": "linux"},
            tolerations=[
                {"key": "CriticalAddonsOnly", "operator": "Exists"},
                {"key": "components.gke.io/gke-managed-components", "operator": "Exists"},
            ],
            priority_class="system-cluster-critical",
        ),
    )
    _, pods = app(
        c,
        "kube-system",
        "kube-dns",
        tmpl=dns,
        created=age,
        pod_hash="5c44c7b6b6",
        plans=[
            PodPlan(nodes[0], [Running(age - 70)] * 3, age - 80),
            PodPlan(nodes[1], [Running(age - 75)] * 3, age - 80),
        ],
        conditions=[
            available(c, True, age - 60),
            progressing(c, "done", "kube-dns-5c44c7b6b6", age, age - 60),
        ],
        applied=False,
        labels={"addonmanager.kubernetes.io/mode": "Reconcile", "k8s-app": "kube-dns"},
    )
    for p in pods:
        c.log(
            "kube-system",
            p["metadata"]["name"],
            "kubedns",
            f"I{c.klog_time(age - 70)}       1 dns.go:53] Waiting for services and endpoints to be "
            "initialized from apiserver...\n"
            f"I{c.klog_time(age - 69)}       1 server.go:200] Skydns metrics enabled (/metrics:10055)\n",
        )
    service(
        c,
        "kube-system",
        "kube-dns",
        created=age,
        cluster_ip="34.118.224.10",
        selector={"k8s-app": "kube-dns"},
        labels={
            "addonmanager.kubernetes.io/mode": "Reconcile",
            "k8s-app": "kube-dns",
            "kubernetes.io/cluster-service": "true",
            "kubernetes.io/name": "KubeDNS",
        },
        ports=[port("dns", 53, 53, protocol="UDP"), port("dns-tcp", 53, 53)],
    )
    metrics = template(
        {"k8s-app": "metrics-server", "version": "v1.30.3"},
        pod_spec(
            [
                container(
                    "metrics-server",
                    "gke.gcr.io/metrics-server:v0.7.1-gke.23",
                    command=[
                        "/metrics-server",
                        "--metric-resolution=30s",
                        "--kubelet-port=10255",
                        "--deprecated-kubelet-completely-insecure=true",
                        "--kubelet-preferred-address-types=InternalIP,Hostname,InternalDNS,ExternalDNS,ExternalIP",
                    ],
                    ports=[("https", 10250)],
                    requests={"cpu": "48m", "memory": "95Mi"},
                    limits={"cpu": "48m", "memory": "95Mi"},
                )
            ],
            service_account="metrics-server",
            node_selector={"kubernetes.io/os": "linux"},
            priority_class="system-cluster-critical",
        ),
    )
    _, pods = app(
        c,
        "kube-system",
        "metrics-server-v1.30.3",
        tmpl=metrics,
        created=age,
        pod_hash="7c9f66bd8c",
        plans=[PodPlan(nodes[1], [Running(age - 90)], age - 95)],
        conditions=[
            available(c, True, age - 85),
            progressing(c, "done", "metrics-server-v1.30.3-7c9f66bd8c", age, age - 85),
        ],
        applied=False,
        labels={
            "addonmanager.kubernetes.io/mode": "Reconcile",
            "k8s-app": "metrics-server",
            "version": "v1.30.3",
        },
    )
    c.log(
        "kube-system",
        pods[0]["metadata"]["name"],
        "metrics-server",
        f'E{c.klog_time(170)}       1 scraper.go:149] "Failed to scrape node" err="Get \\"http://10.132.0.16:10255/'
        f'metrics/resource\\": context deadline exceeded" node="{sick}"\n'
        f'E{c.klog_time(110)}       1 scraper.go:149] "Failed to scrape node" err="Get \\"http://10.132.0.16:10255/'
        f'metrics/resource\\": context deadline exceeded" node="{sick}"\n',
    )


def _ingress_nginx(c: Cluster, n: NodeRef) -> None:
    labels = {
        "app.kubernetes.io/component": "controller",
        "app.kubernetes.io/instance": "ingress-nginx",
        "app.kubernetes.io/name": "ingress-nginx",
    }
    image = (
        "registry.k8s.io/ingress-nginx/controller:v1.11.3@sha256:"
        "d56f135b6462cfc476447cfe564b83a45e8bb7da2774963b00d12161112270b7"
    )
    tmpl = template(
        labels,
        pod_spec(
            [
                container(
                    "controller",
                    image,
                    args=[
                        "/nginx-ingress-controller",
                        "--publish-service=$(POD_NAMESPACE)/ingress-nginx-controller",
                        "--election-id=ingress-nginx-leader",
                        "--controller-class=k8s.io/ingress-nginx",
                        "--ingress-class=nginx",
                        "--configmap=$(POD_NAMESPACE)/ingress-nginx-controller",
                    ],
                    ports=[("http", 80), ("https", 443), ("webhook", 8443)],
                    requests={"cpu": "100m", "memory": "90Mi"},
                    env=[
                        {
                            "name": "POD_NAME",
                            "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}},
                        },
                        {
                            "name": "POD_NAMESPACE",
                            "valueFrom": {
                                "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}
                            },
                        },
                    ],
                    liveness=http_probe("/healthz", 10254, delay=10, failure=5),
                    readiness=http_probe("/healthz", 10254, delay=10),
                )
            ],
            service_account="ingress-nginx",
            node_selector={"kubernetes.io/os": "linux"},
            grace=300,
        ),
    )
    _, pods = app(
        c,
        "ingress-nginx",
        "ingress-nginx-controller",
        tmpl=tmpl,
        created=20 * DAY,
        pod_hash="6d9d5b7b8c",
        plans=[PodPlan(n, [Running(11 * DAY)], 11 * DAY + 30)],
        revision=2,
        generation=2,
        conditions=[
            available(c, True, 11 * DAY),
            progressing(c, "done", "ingress-nginx-controller-6d9d5b7b8c", 20 * DAY, 11 * DAY),
        ],
        applied=False,
        labels={
            **labels,
            "app.kubernetes.io/managed-by": "Helm",
            "app.kubernetes.io/version": "1.11.3",
            "helm.sh/chart": "ingress-nginx-4.11.3",
        },
    )
    lines = [
        f"W{c.klog_time(a)}       7 controller.go:1110] Error obtaining Endpoints for Service "
        '"payments/refunds-api": no object matching key "payments/refunds-api" in local store\n'
        for a in (2400, 1500, 700, 65)
    ]
    lines.insert(
        0,
        f'I{c.klog_time(2402)}       7 main.go:205] "Creating API client" host="https://34.118.224.1:443"\n',
    )
    c.log("ingress-nginx", pods[0]["metadata"]["name"], "controller", "".join(lines))
    service(
        c,
        "ingress-nginx",
        "ingress-nginx-controller",
        created=20 * DAY,
        cluster_ip="34.118.231.17",
        selector=labels,
        kind="LoadBalancer",
        lb_ip="35.205.114.76",
        labels={**labels, "app.kubernetes.io/managed-by": "Helm"},
        ports=[port("http", 80, "http", node_port=31080), port("https", 443, "https", node_port=31443)],
    )
    ingress_class(
        c,
        "nginx",
        created=20 * DAY,
        controller="k8s.io/ingress-nginx",
        labels={**labels, "app.kubernetes.io/managed-by": "Helm"},
    )


def _storage(c: Cluster) -> None:
    for name, kind, default in (
        ("premium-rwo", "pd-ssd", False),
        ("standard", None, False),
        ("standard-rwo", "pd-balanced", True),
    ):
        if kind:
            storage_class(
                c,
                name,
                created=23 * DAY,
                provisioner="pd.csi.storage.gke.io",
                parameters={"type": kind},
                default=default,
            )
        else:
            storage_class(
                c,
                name,
                created=23 * DAY,
                provisioner="kubernetes.io/gce-pd",
                parameters={"type": "pd-standard"},
                binding="Immediate",
            )


def _checkout(c: Cluster, nodes: list[NodeRef]) -> None:
    tmpl = template(
        {"app": "checkout"},
        pod_spec(
            [
                container(
                    "checkout",
                    f"{REGISTRY}/checkout:3.8.2",
                    ports=[("http", 8080)],
                    env_from=[{"configMapRef": {"name": "checkout-config"}}],
                    env=[
                        {
                            "name": "DATABASE_URL",
                            "valueFrom": {"secretKeyRef": {"name": "checkout-db", "key": "DATABASE_URL"}},
                        },
                        {
                            "name": "PAYMENT_GATEWAY_KEY",
                            "valueFrom": {"secretKeyRef": {"name": "payment-gateway", "key": "api-key"}},
                        },
                    ],
                    requests={"memory": "256Mi"},
                    limits={"memory": "512Mi"},
                    readiness=http_probe("/health/ready", "http"),
                    liveness=http_probe("/health/live", "http", delay=15),
                )
            ]
        ),
    )
    _, pods = app(
        c,
        "payments",
        "checkout",
        tmpl=tmpl,
        created=58 * DAY,
        pod_hash="7f8b9c6d5",
        plans=[
            PodPlan(nodes[0], [Running(DAY + 3400)], DAY + 3410),
            PodPlan(nodes[1], [Running(DAY + 3380)], DAY + 3395),
        ],
        revision=5,
        generation=5,
        rs_created=DAY + 3412,
        conditions=[
            available(c, True, 40 * DAY),
            progressing(c, "done", "checkout-7f8b9c6d5", 58 * DAY, DAY + 3370),
        ],
    )
    bearer = (
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjaGVja291dC1zdmMiLCJzY29wZSI6InBheW1lbnRzOndyaXRlIiwi"
        "aWF0IjoxNzQ4OTU5ODAwfQ.Jx2d3Qm8VbH0wQ4d6u7PZr1sT9kYb5aNfL3eC0gXoUw"
    )
    for p in pods:
        c.log(
            "payments",
            p["metadata"]["name"],
            "checkout",
            "".join(
                f'{{"level":"info","ts":"{c.iso_ms(a)}","msg":"payment authorized",'
                f'"order":"ord_{8812300 + a}",'
                f'"amount_cents":{4200 + a % 900},"latency_ms":{38 + a % 70}}}\n'
                for a in (900, 600, 300)
            )
            + f'{{"level":"debug","ts":"{c.iso_ms(120)}","msg":"gateway request",'
            '"url":"https://api.gateway.example/v2/'
            f'charges","headers":{{"Authorization":"Bearer {bearer}"}}}}\n',
        )
    service(
        c,
        "payments",
        "checkout",
        created=58 * DAY,
        cluster_ip="34.118.236.45",
        selector={"app": "checkout"},
        ports=[port("http", 80, "http")],
        labels={"app": "checkout"},
    )
    missing = f"missing request for cpu in container checkout of Pod {pods[0]['metadata']['name']}"
    autoscaler = hpa(
        c,
        "payments",
        "checkout",
        created=2 * DAY,
        target="checkout",
        min_replicas=2,
        max_replicas=10,
        cpu=70,
        current=2,
        conditions=[
            condition(
                "AbleToScale",
                "True",
                c.at(2 * DAY - 15),
                "SucceededGetScale",
                "the HPA controller was able to get the target's current scale",
            ),
            condition(
                "ScalingActive",
                "False",
                c.at(DAY + 3360),
                "FailedGetResourceMetric",
                f"the HPA was unable to compute the replica count: failed to get cpu utilization: {missing}",
            ),
        ],
    )
    event(
        c,
        autoscaler,
        "FailedGetResourceMetric",
        f"failed to get cpu utilization: {missing}",
        first=3590,
        last=22,
        count=239,
        kind="Warning",
        component="horizontal-pod-autoscaler",
    )
    event(
        c,
        autoscaler,
        "FailedComputeMetricsReplicas",
        "invalid metrics (1 invalid out of 1), first error is: "
        f"failed to get cpu resource metric value: failed to get cpu utilization: {missing}",
        first=3590,
        last=22,
        count=239,
        kind="Warning",
        component="horizontal-pod-autoscaler",
    )
    configmap(
        c,
        "payments",
        "checkout-config",
        created=58 * DAY,
        data={"GATEWAY_URL": "https://api.gateway.example/v2", "LOG_LEVEL": "debug", "FEATURE_3DS": "true"},
    )
    configmap(
        c,
        "payments",
        "kube-root-ca.crt",
        created=58 * DAY,
        data={"ca.crt": fake_pem(c, "CERTIFICATE", 18)},
        annotations={
            "kubernetes.io/description": "Contains a CA bundle that can be used to verify the "
            "kube-apiserver when using internal endpoints such as the internal service IP or "
            "kubernetes.default.svc. No other usage is guaranteed across distributions of "
            "Kubernetes clusters."
        },
    )
    ing = ingress(
        c,
        "payments",
        "payments-public",
        created=40 * DAY,
        class_name="nginx",
        annotations={
            "nginx.ingress.kubernetes.io/proxy-body-size": "8m",
            "nginx.ingress.kubernetes.io/ssl-redirect": "true",
        },
        tls=[{"hosts": ["pay.acme.example"], "secretName": "payments-tls"}],
        rules=[
            {
                "host": "pay.acme.example",
                "http": {
                    "paths": [
                        ingress_path("/refunds", "refunds-api", 8080),
                        ingress_path("/", "checkout", 80),
                    ]
                },
            }
        ],
        lb_ip="35.205.114.76",
    )
    event(
        c,
        ing,
        "Sync",
        "Scheduled for sync",
        first=2405,
        last=2405,
        count=1,
        component="nginx-ingress-controller",
    )


def _fraud_scorer(c: Cluster, nodes: list[NodeRef]) -> None:
    tmpl = template(
        {"app": "fraud-scorer"},
        pod_spec(
            [
                container(
                    "fraud-scorer",
                    f"{REGISTRY}/fraud-scorer:1.12.0",
                    ports=[("grpc", 9000)],
                    env=[
                        env("MODEL_URI", "gs://acme-payments-models/fraud/2025-05-28/model.onnx"),
                        env("CACHE_MAX_ITEMS", "0"),
                    ],
                    requests={"cpu": "500m", "memory": "1Gi"},
                    limits={"memory": "2Gi"},
                    readiness={
                        "grpc": {"port": 9000, "service": ""},
                        "timeoutSeconds": 1,
                        "periodSeconds": 10,
                        "successThreshold": 1,
                        "failureThreshold": 3,
                    },
                )
            ]
        ),
    )
    evicted = PodPlan(
        nodes[2],
        [Done(Terminated(137, "Error", 2 * DAY - 30, 541))],
        2 * DAY,
        phase="Failed",
        reason="Evicted",
        message=SCORER_EVICTION,
        extra_conditions=[
            condition(
                "DisruptionTarget", "True", c.at(543), "TerminationByKubelet", SCORER_EVICTION, probe=True
            )
        ],
    )
    stuck = PodPlan(nodes[2], [Running(2 * DAY - 40)], 2 * DAY - 5, node_not_ready=186)
    fresh = PodPlan(nodes[0], [Running(528)], 540)
    _, pods = app(
        c,
        "payments",
        "fraud-scorer",
        tmpl=tmpl,
        created=30 * DAY,
        pod_hash="6b7d4f9c58",
        plans=[evicted, stuck, fresh],
        revision=9,
        generation=9,
        rs_created=2 * DAY + 2,
        conditions=[
            progressing(c, "done", "fraud-scorer-6b7d4f9c58", 2 * DAY, 2 * DAY - 50),
            available(c, False, 186),
        ],
    )
    gone, on_sick, new = pods
    host, fp = gone["spec"]["nodeName"], "spec.containers{fraud-scorer}"
    event(c, gone, "Evicted", SCORER_EVICTION, first=543, last=543, kind="Warning", host=host)
    event(
        c, gone, "Killing", "Stopping container fraud-scorer", first=543, last=543, host=host, field_path=fp
    )
    c.log_errors[("payments", gone["metadata"]["name"], "fraud-scorer")] = (
        "unable to retrieve container logs for "
        + gone["status"]["containerStatuses"][0]["state"]["terminated"]["containerID"]
    )
    series_event(
        c,
        new,
        "Scheduled",
        f"Successfully assigned payments/{new['metadata']['name']} to {new['spec']['nodeName']}",
        first=539,
        last=539,
        count=1,
        kind="Normal",
        action="Binding",
        instance="gke-scheduler",
    )
    event(
        c,
        new,
        "Pulled",
        f'Container image "{REGISTRY}/fraud-scorer:1.12.0" already present on machine',
        first=531,
        last=531,
        host=new["spec"]["nodeName"],
        field_path=fp,
    )
    event(
        c,
        new,
        "Started",
        "Started container fraud-scorer",
        first=528,
        last=528,
        host=new["spec"]["nodeName"],
        field_path=fp,
    )
    for p, rss in ((on_sick, (1.41, 1.63, 1.79)), (new, (0.62, 0.66, 0.69))):
        c.log(
            "payments",
            p["metadata"]["name"],
            "fraud-scorer",
            "".join(
                f"{c.iso_ms(a)} INFO  scorer: scored batch size=512 p99_ms={31 + i * 4} model_cache_items="
                f"{81234 + i * 9000} rss_gib={r}\n"
                for i, (a, r) in enumerate(zip((900, 600, 400), rss, strict=True))
            ),
        )


def _ledger(c: Cluster) -> None:
    labels = {"app": "ledger-db"}
    spec = pod_spec(
        [
            container(
                "postgres",
                "postgres:16.4",
                ports=[("postgres", 5432)],
                env=[
                    env("POSTGRES_DB", "ledger"),
                    {
                        "name": "POSTGRES_PASSWORD",
                        "valueFrom": {"secretKeyRef": {"name": "ledger-db-credentials", "key": "password"}},
                    },
                ],
                requests={"cpu": "500m", "memory": "1Gi"},
                limits={"memory": "2Gi"},
                mounts=[{"name": "data", "mountPath": "/var/lib/postgresql/data"}],
            )
        ]
    )
    tmpl = template(labels, spec)
    sts = statefulset(
        c,
        "payments",
        "ledger-db",
        created=2580,
        tmpl=tmpl,
        replicas=1,
        ready=0,
        revision="ledger-db-58f4d6c9b7",
        service="ledger-db",
        claim_templates=[claim_template("data", "fast-ssd", "50Gi")],
    )
    claim = pvc(
        c, "payments", "data-ledger-db-0", created=2579, storage_class="fast-ssd", size="50Gi", labels=labels
    )
    event(
        c,
        claim,
        "ProvisioningFailed",
        'storageclass.storage.k8s.io "fast-ssd" not found',
        first=2579,
        last=9,
        count=171,
        kind="Warning",
        component="persistentvolume-controller",
    )
    pod_labels = {
        **labels,
        "apps.kubernetes.io/pod-index": "0",
        "controller-revision-hash": "ledger-db-58f4d6c9b7",
        "statefulset.kubernetes.io/pod-name": "ledger-db-0",
    }
    pod_tmpl = template(
        pod_labels,
        {
            **spec,
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data-ledger-db-0"}}],
            "hostname": "ledger-db",
            "subdomain": "ledger-db",
        },
    )
    message = (
        "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes "
        "are available: 3 Preemption is not helpful for scheduling."
    )
    db = pod(
        c,
        "payments",
        "ledger-db-0",
        pod_tmpl,
        created=2578,
        node=None,
        states=[],
        owners=[
            {
                "apiVersion": "apps/v1",
                "kind": "StatefulSet",
                "name": "ledger-db",
                "uid": sts["metadata"]["uid"],
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ],
        generate_name="ledger-db-",
        unschedulable=message,
    )
    series_event(c, db, "FailedScheduling", message, first=2577, last=57, count=11, instance="gke-scheduler")
    service(
        c,
        "payments",
        "ledger-db",
        created=2580,
        cluster_ip="None",
        selector=labels,
        ports=[port("postgres", 5432, 5432)],
        labels=labels,
    )["spec"]["clusterIPs"] = ["None"]
    _migration(c)


def _migration(c: Cluster) -> None:
    uid = c.uid()
    labels = {
        "batch.kubernetes.io/controller-uid": uid,
        "batch.kubernetes.io/job-name": "ledger-migrate",
        "controller-uid": uid,
        "job-name": "ledger-migrate",
    }
    spec = pod_spec(
        [
            container(
                "flyway",
                "flyway/flyway:10.17",
                args=[
                    "-url=jdbc:postgresql://ledger-db:5432/ledger",
                    "-user=ledger",
                    "-connectRetries=3",
                    "migrate",
                ],
                env=[
                    {
                        "name": "FLYWAY_PASSWORD",
                        "valueFrom": {"secretKeyRef": {"name": "ledger-db-credentials", "key": "password"}},
                    }
                ],
                requests={"cpu": "100m", "memory": "256Mi"},
            )
        ],
        restart="Never",
    )
    created = 2470
    tmpl = template(labels, spec)
    ref = job(
        c,
        "payments",
        "ledger-migrate",
        uid=uid,
        created=created,
        tmpl=tmpl,
        backoff=3,
        failed=4,
        failed_at=1790,
        labels={"app": "ledger-migrate"},
    )
    owners = [
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "name": "ledger-migrate",
            "uid": uid,
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    start = created - 2
    for attempt in range(4):
        ran = 7 + attempt
        p = pod(
            c,
            "payments",
            f"ledger-migrate-{c.suffix()}",
            tmpl,
            created=start,
            node=_node_for(c, attempt),
            states=[Done(Terminated(1, "Error", start - 3, start - 3 - ran))],
            owners=owners,
            generate_name="ledger-migrate-",
            annotations={"batch.kubernetes.io/job-tracking": ""},
        )
        event(
            c,
            ref,
            "SuccessfulCreate",
            f"Created pod: {p['metadata']['name']}",
            first=start,
            last=start,
            component="job-controller",
        )
        c.log("payments", p["metadata"]["name"], "flyway", log_text("flyway.log"))
        start -= ran + 10 * 2**attempt
    event(
        c,
        ref,
        "BackoffLimitExceeded",
        "Job has reached the specified backoff limit",
        first=1790,
        last=1790,
        kind="Warning",
        component="job-controller",
    )


def _node_for(c: Cluster, attempt: int) -> NodeRef:
    healthy = [o for o in c.objects if o["kind"] == "Node" and not o["spec"].get("taints")]
    obj = healthy[attempt % len(healthy)]
    ip = obj["status"]["addresses"][0]["address"]
    prefix = obj["spec"]["podCIDR"].rsplit(".", 1)[0] + "."
    return NodeRef(obj, ip, prefix, next_ip=40 + attempt)


def _secrets(c: Cluster) -> None:
    secret(
        c,
        "payments",
        "checkout-db",
        created=58 * DAY,
        data={"DATABASE_URL": "postgresql://checkout:Xk9mP2vQ7rT4@10.44.0.3:5432/checkout?sslmode=require"},
    )
    secret(
        c,
        "payments",
        "payment-gateway",
        created=58 * DAY,
        applied=True,
        data={
            "api-key": "gw_live_51NzQ2cKx9TbV7yR3mW8pL4sD6fH1jA0eU5oI2",
            "webhook-secret": "whsec_4Yb8Qm2LxT7pZ3nV",
        },
    )
    secret(
        c,
        "payments",
        "ledger-db-credentials",
        created=2600,
        data={"username": "ledger", "password": "L3dg3r!Rotate-me-2025"},
    )
    secret(
        c,
        "payments",
        "payments-tls",
        created=40 * DAY,
        kind="kubernetes.io/tls",
        data={"tls.crt": fake_pem(c, "CERTIFICATE", 20), "tls.key": fake_pem(c, "PRIVATE KEY", 25)},
        labels={"controller.cert-manager.io/fao": "true"},
    )
