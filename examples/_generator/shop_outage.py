"""examples/shop-outage: a kubeadm cluster whose `shop` namespace is having a very bad morning.

Story (all evidence is in the dump): a re-applied Service `db` selects `app: postgres` while the
database pod is labelled `app: postgresql`, so the Service has no endpoints; `api` loses its database,
fails its liveness probe and crash-loops on "Connection refused"; its Service has no ready pods. The
`worker` is OOM-killed at its 128Mi limit, a `web` rollout is stuck on a mistyped image tag, a new
`notifier` references a ConfigMap that does not exist, and the nightly report Job's pod asks for more
memory than any node has. kube-system and the `internal` namespace are healthy.
"""

from __future__ import annotations

from datetime import UTC, datetime

from common import PodPlan, app, available, daemon, kubeadm_control_plane, progressing
from kube import (
    DAEMON_TOLERATIONS,
    Cluster,
    Done,
    NodeRef,
    Running,
    Terminated,
    Waiting,
    container,
    env,
    http_probe,
    log_text,
    managed,
    pod_spec,
    quantity_ki,
    tcp_probe,
)
from objects import event, node, node_conditions, pod, port, series_event, service, template

NOW = datetime(2025, 3, 14, 9, 42, 17, tzinfo=UTC)
DAY = 86400
VERSION = "v1.30.9"
DB_URL = "postgresql://shop:Sh0pDbP4ss!2024@db:5432/shop"
EMPTY_NAMESPACES = ("kube-node-lease", "kube-public")


def build() -> Cluster:
    c = Cluster(now=NOW, seed=20250314, rv=2_184_000)
    cp, w1, w2 = _nodes(c)
    _kube_system(c, cp, [cp, w1, w2])
    service(
        c,
        "default",
        "kubernetes",
        created=41 * DAY,
        cluster_ip="10.96.0.1",
        selector=None,
        ports=[port("https", 443, 6443)],
        labels={"component": "apiserver", "provider": "kubernetes"},
    )
    _database(c, w2)
    _api(c, w1, w2)
    _worker(c, w1, w2)
    _web(c, w1, w2)
    _notifier(c, w1)
    _report(c)
    _internal(c, w1, w2)
    return c


# --- nodes ----------------------------------------------------------------------------------------


def _nodes(c: Cluster) -> tuple[NodeRef, NodeRef, NodeRef]:
    info = {
        "kernel": "5.15.0-131-generic",
        "os": "Ubuntu 22.04.5 LTS",
        "runtime": "containerd://1.7.24",
        "kubelet": VERSION,
    }
    images = [
        ("docker.io/calico/node:v3.28.2", 136812345),
        ("docker.io/calico/cni:v3.28.2", 94534561),
        (f"registry.k8s.io/kube-proxy:{VERSION}", 29058362),
        ("registry.k8s.io/pause:3.9", 321520),
    ]
    refs = []
    for name, ip, prefix, tunnel, cidr, cpu, mem_gib, created in (
        ("k8s-cp-01", "10.20.0.10", "192.168.75.", "192.168.75.0", "192.168.0.0/24", "2", 3.82, 41 * DAY),
        (
            "k8s-worker-01",
            "10.20.0.21",
            "192.168.118.",
            "192.168.118.64",
            "192.168.1.0/24",
            "4",
            7.757,
            41 * DAY,
        ),
        (
            "k8s-worker-02",
            "10.20.0.22",
            "192.168.201.",
            "192.168.201.128",
            "192.168.2.0/24",
            "4",
            7.757,
            19 * DAY,
        ),
    ):
        control = name.startswith("k8s-cp")
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
            "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///var/run/containerd/containerd.sock",
            "node.alpha.kubernetes.io/ttl": "0",
            "projectcalico.org/IPv4Address": f"{ip}/24",
            "projectcalico.org/IPv4IPIPTunnelAddr": tunnel,
            "volumes.kubernetes.io/controller-managed-attach-detach": "true",
        }
        capacity = {
            "cpu": cpu,
            "ephemeral-storage": "101430960Ki",
            "hugepages-1Gi": "0",
            "hugepages-2Mi": "0",
            "memory": quantity_ki(mem_gib),
            "pods": "110",
        }
        allocatable = dict(
            capacity, **{"ephemeral-storage": "93478772582", "memory": quantity_ki(mem_gib - 100 / 1024)}
        )
        calico = {
            "type": "NetworkUnavailable",
            "status": "False",
            "lastHeartbeatTime": c.at(created - 70),
            "lastTransitionTime": c.at(created - 70),
            "reason": "CalicoIsUp",
            "message": "Calico is running on this node",
        }
        conds = node_conditions(c, created=created, extra=[calico])
        taints = (
            [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}] if control else None
        )
        extra_images = (
            []
            if control
            else [("ghcr.io/acme-shop/api:2.14.0", 187263541), ("ghcr.io/acme-shop/worker:2.14.0", 201736612)]
        )
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
                pod_cidr=cidr,
                taints=taints,
                images=images + extra_images,
            )
        )
    return refs[0], refs[1], refs[2]


# --- kube-system ----------------------------------------------------------------------------------


def _kube_system(c: Cluster, cp: NodeRef, nodes: list[NodeRef]) -> None:
    age = 41 * DAY
    for p in kubeadm_control_plane(c, cp, version=VERSION, created=age - 30):
        c.log(
            "kube-system",
            p["metadata"]["name"],
            p["spec"]["containers"][0]["name"],
            f"I{c.klog_time(age - 40)}       1 leaderelection.go:254] attempting to acquire leader lease...\n"
            f"I{c.klog_time(age - 45)}       1 leaderelection.go:268] successfully acquired lease\n",
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
    for p in daemon(
        c,
        "kube-system",
        "kube-proxy",
        proxy,
        nodes,
        created=age - 20,
        states={n.name: [Running(age - 60)] for n in nodes},
    ):
        c.log(
            "kube-system",
            p["metadata"]["name"],
            "kube-proxy",
            f'I{c.klog_time(age - 60)}       1 server_linux.go:69] "Using iptables proxy"\n'
            f'I{c.klog_time(age - 61)}       1 server.go:677] "Successfully retrieved node IP(s)" '
            f'IPs=["{p["status"]["hostIP"]}"]\n'
            f"I{c.klog_time(age - 62)}       1 shared_informer.go:320] "
            "Caches are synced for service config\n",
        )
    cni_done = Done(Terminated(0, "Completed", age - 80, age - 79))
    calico = template(
        {"k8s-app": "calico-node"},
        pod_spec(
            [
                container(
                    "calico-node",
                    "docker.io/calico/node:v3.28.2",
                    env=[
                        env("DATASTORE_TYPE", "kubernetes"),
                        env("CLUSTER_TYPE", "k8s,bgp"),
                        env("CALICO_IPV4POOL_IPIP", "Always"),
                        env("FELIX_IPINIPMTU", "1440"),
                    ],
                    requests={"cpu": "250m"},
                    liveness={
                        "exec": {"command": ["/bin/calico-node", "-felix-live", "-bird-live"]},
                        "initialDelaySeconds": 10,
                        "timeoutSeconds": 10,
                        "periodSeconds": 10,
                        "successThreshold": 1,
                        "failureThreshold": 6,
                    },
                    security={"privileged": True},
                )
            ],
            init=[
                container(
                    "upgrade-ipam",
                    "docker.io/calico/cni:v3.28.2",
                    command=["/opt/cni/bin/calico-ipam", "-upgrade"],
                ),
                container("install-cni", "docker.io/calico/cni:v3.28.2", command=["/opt/cni/bin/install"]),
            ],
            host_network=True,
            service_account="calico-node",
            node_selector={"kubernetes.io/os": "linux"},
            tolerations=DAEMON_TOLERATIONS[:1],
            priority_class="system-node-critical",
            grace=0,
        ),
    )
    for p in daemon(
        c,
        "kube-system",
        "calico-node",
        calico,
        nodes,
        created=age - 25,
        states={n.name: [Running(age - 75)] for n in nodes},
        init=[cni_done, cni_done],
    ):
        c.log(
            "kube-system",
            p["metadata"]["name"],
            "calico-node",
            f"{c.iso_ms(age - 75)[:-1].replace('T', ' ')} [INFO][1] startup/startup.go 432: "
            "Early log level set to info\n"
            f"{c.iso_ms(90)[:-1].replace('T', ' ')} [INFO][67] felix/summary.go 100: "
            "Summarising 11 dataplane "
            "reconciliation loops over 1m3.2s: avg=4ms longest=19ms (resync-filter-v4)\n",
        )
    dns_tmpl = template(
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
            grace=30,
        ),
    )
    dns_tmpl["spec"]["containers"][0]["ports"][0]["protocol"] = "UDP"
    _, pods = app(
        c,
        "kube-system",
        "coredns",
        tmpl=dns_tmpl,
        created=age - 20,
        pod_hash="7db6d8ff4d",
        plans=[
            PodPlan(cp, [Running(age - 90)], age - 100),
            PodPlan(nodes[1], [Running(age - 95)], age - 100),
        ],
        conditions=[
            available(c, True, age - 80),
            progressing(c, "done", "coredns-7db6d8ff4d", age - 20, age - 80),
        ],
        applied=False,
        labels={"k8s-app": "kube-dns"},
    )
    for p in pods:
        c.log(
            "kube-system",
            p["metadata"]["name"],
            "coredns",
            ".:53\n[INFO] plugin/reload: Running configuration SHA512 = "
            "591cf328cccc12bc490481273e738df59329c62c0b729d94e8b61db9961c2fa5f046dd37f1cf888b953814040d180f52594972"
            "691cd6ff41be96639138a43908\n"
            "CoreDNS-1.11.3\nlinux/amd64, go1.21.11, a6338e9\n",
        )
    service(
        c,
        "kube-system",
        "kube-dns",
        created=age - 20,
        cluster_ip="10.96.0.10",
        selector={"k8s-app": "kube-dns"},
        labels={
            "k8s-app": "kube-dns",
            "kubernetes.io/cluster-service": "true",
            "kubernetes.io/name": "CoreDNS",
        },
        annotations={"prometheus.io/port": "9153", "prometheus.io/scrape": "true"},
        ports=[port("dns", 53, 53, protocol="UDP"), port("dns-tcp", 53, 53), port("metrics", 9153, 9153)],
    )
    controllers = template(
        {"k8s-app": "calico-kube-controllers"},
        pod_spec(
            [
                container(
                    "calico-kube-controllers",
                    "docker.io/calico/kube-controllers:v3.28.2",
                    env=[env("ENABLED_CONTROLLERS", "node"), env("DATASTORE_TYPE", "kubernetes")],
                    liveness={
                        "exec": {"command": ["/usr/bin/check-status", "-l"]},
                        "initialDelaySeconds": 10,
                        "timeoutSeconds": 10,
                        "periodSeconds": 10,
                        "successThreshold": 1,
                        "failureThreshold": 6,
                    },
                    readiness={
                        "exec": {"command": ["/usr/bin/check-status", "-r"]},
                        "timeoutSeconds": 1,
                        "periodSeconds": 10,
                        "successThreshold": 1,
                        "failureThreshold": 3,
                    },
                )
            ],
            service_account="calico-kube-controllers",
            node_selector={"kubernetes.io/os": "linux"},
            tolerations=[
                {"key": "CriticalAddonsOnly", "operator": "Exists"},
                {"key": "node-role.kubernetes.io/master", "effect": "NoSchedule"},
                {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"},
            ],
            priority_class="system-cluster-critical",
        ),
    )
    _, pods = app(
        c,
        "kube-system",
        "calico-kube-controllers",
        tmpl=controllers,
        created=age - 25,
        pod_hash="6fb8b7c9f5",
        plans=[PodPlan(cp, [Running(age - 85)], age - 95)],
        conditions=[
            available(c, True, age - 80),
            progressing(c, "done", "calico-kube-controllers-6fb8b7c9f5", age - 25, age - 80),
        ],
        applied=True,
        labels={"k8s-app": "calico-kube-controllers"},
    )
    c.log(
        "kube-system",
        pods[0]["metadata"]["name"],
        "calico-kube-controllers",
        f"{c.iso_ms(age - 85)[:-1].replace('T', ' ')} [INFO][1] main.go 99: Loaded configuration from "
        'environment config=&config.Config{LogLevel:"info", DatastoreType:"kubernetes"}\n',
    )


# --- shop -----------------------------------------------------------------------------------------


def _database(c: Cluster, w2: NodeRef) -> None:
    labels = {
        "app": "postgresql",
        "apps.kubernetes.io/pod-index": "0",
        "controller-revision-hash": "db-5f7d8c9b64",
        "statefulset.kubernetes.io/pod-name": "db-0",
    }
    spec = pod_spec(
        [
            container(
                "postgres",
                "postgres:16.4",
                ports=[("postgres", 5432)],
                env=[
                    env("POSTGRES_DB", "shop"),
                    env("POSTGRES_USER", "shop"),
                    env("POSTGRES_PASSWORD", "Sh0pDbP4ss!2024"),
                    env("PGDATA", "/var/lib/postgresql/data/pgdata"),
                ],
                requests={"cpu": "250m", "memory": "512Mi"},
                limits={"memory": "1Gi"},
                mounts=[{"name": "data", "mountPath": "/var/lib/postgresql/data"}],
                readiness={
                    "exec": {"command": ["pg_isready", "-U", "shop"]},
                    "initialDelaySeconds": 5,
                    "timeoutSeconds": 1,
                    "periodSeconds": 10,
                    "successThreshold": 1,
                    "failureThreshold": 3,
                },
            )
        ],
        volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "data-db-0"}}],
    )
    spec["hostname"] = "db-0"
    spec["subdomain"] = "db"
    sts = {"metadata": {"name": "db", "uid": c.uid()}}
    p = pod(
        c,
        "shop",
        "db-0",
        template(labels, spec),
        created=12 * DAY,
        node=w2,
        states=[Running(12 * DAY - 9)],
        owners=[
            {
                "apiVersion": "apps/v1",
                "kind": "StatefulSet",
                "name": "db",
                "uid": sts["metadata"]["uid"],
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ],
        generate_name="db-",
        managed_by="kube-controller-manager",
    )
    c.log(
        "shop",
        p["metadata"]["name"],
        "postgres",
        log_text(
            "postgres.log",
            start=c.at(12 * DAY - 8).replace("T", " ")[:-1],
            ready=c.at(12 * DAY - 7).replace("T", " ")[:-1],
            reset=c.at(2110).replace("T", " ")[:-1],
        ),
    )
    svc = service(
        c,
        "shop",
        "db",
        created=12 * DAY,
        cluster_ip="10.96.0.12",
        selector={"app": "postgres"},
        ports=[port("postgres", 5432, 5432)],
        labels={"app": "db"},
    )
    # The Service was re-applied 35 minutes ago with the wrong selector: managedFields keep the time.
    svc["metadata"]["annotations"] = {
        "kubectl.kubernetes.io/last-applied-configuration": (
            '{"apiVersion":"v1","kind":"Service","metadata":{"annotations":{},"labels":{"app":"db"},"name":"db",'
            '"namespace":"shop"},"spec":{"ports":[{"name":"postgres","port":5432,"targetPort":5432}],'
            '"selector":{"app":"postgres"}}}\n'
        )
    }
    svc["metadata"]["managedFields"] = [
        managed(
            "kubectl-client-side-apply",
            "v1",
            c.at(2105),
            {
                "metadata": {
                    "annotations": {"kubectl.kubernetes.io/last-applied-configuration": 1},
                    "labels": {"app": 1},
                },
                "spec": {
                    "internalTrafficPolicy": 1,
                    "ports": [{"name": "postgres", "port": 1, "protocol": 1, "targetPort": 1}],
                    "selector": {"app": 1},
                    "sessionAffinity": 1,
                    "type": 1,
                },
            },
        )
    ]


def _api(c: Cluster, w1: NodeRef, w2: NodeRef) -> None:
    tmpl = template(
        {"app": "api"},
        pod_spec(
            [
                container(
                    "api",
                    "ghcr.io/acme-shop/api:2.14.0",
                    ports=[("http", 8080)],
                    env=[
                        env("DATABASE_URL", DB_URL),
                        env("REDIS_URL", "redis://cache:6379/0"),
                        env("LOG_LEVEL", "info"),
                        env("GUNICORN_CMD_ARGS", "--workers=2 --bind=0.0.0.0:8080"),
                    ],
                    requests={"cpu": "100m", "memory": "256Mi"},
                    limits={"memory": "512Mi"},
                    liveness=http_probe("/healthz", "http", delay=10),
                    readiness=http_probe("/ready", "http"),
                )
            ]
        ),
    )
    plans = []
    for i, (n, restarts) in enumerate(((w1, 11), (w2, 10), (w1, 11))):
        term = Terminated(1, "Error", 95 + 20 * i, 92 + 20 * i)
        plans.append(
            PodPlan(
                n,
                [
                    Waiting(
                        "CrashLoopBackOff",
                        "back-off 5m0s restarting failed container=api pod=$POD",
                        restarts=restarts,
                        last=term,
                    )
                ],
                3 * DAY + 400 * i,
                ready_changed=2128 - 3 * i,
            )
        )
    deploy, pods = app(
        c,
        "shop",
        "api",
        tmpl=tmpl,
        created=27 * DAY,
        plans=plans,
        pod_hash="7d9c5b8f6d",
        revision=4,
        generation=4,
        rs_created=3 * DAY + 10,
        conditions=[
            progressing(c, "done", "api-7d9c5b8f6d", 3 * DAY, 3 * DAY - 200),
            available(c, False, 2050),
        ],
    )
    for p in pods:
        name, host = p["metadata"]["name"], p["spec"]["nodeName"]
        ip = p["status"]["podIP"]
        ref = f"{name}_shop({p['metadata']['uid']})"
        fp = "spec.containers{api}"
        event(
            c,
            p,
            "Unhealthy",
            "Liveness probe failed: HTTP probe failed with statuscode: 503",
            first=2140,
            last=2120,
            count=3,
            kind="Warning",
            host=host,
            field_path=fp,
        )
        event(
            c,
            p,
            "Killing",
            "Container api failed liveness probe, will be restarted",
            first=2118,
            last=2118,
            host=host,
            field_path=fp,
        )
        event(
            c,
            p,
            "Unhealthy",
            f'Readiness probe failed: Get "http://{ip}:8080/ready": dial tcp {ip}:8080: '
            "connect: connection refused",
            first=2117,
            last=1290,
            count=7,
            kind="Warning",
            host=host,
            field_path=fp,
        )
        event(
            c,
            p,
            "Pulled",
            'Container image "ghcr.io/acme-shop/api:2.14.0" already present on machine',
            first=2110,
            last=97,
            count=11,
            host=host,
            field_path=fp,
        )
        event(
            c, p, "Created", "Created container api", first=2110, last=97, count=11, host=host, field_path=fp
        )
        event(
            c, p, "Started", "Started container api", first=2109, last=96, count=11, host=host, field_path=fp
        )
        event(
            c,
            p,
            "BackOff",
            f"Back-off restarting failed container api in pod {ref}",
            first=2090,
            last=14,
            count=163,
            kind="Warning",
            host=host,
            field_path=fp,
        )
        start = p["status"]["containerStatuses"][0]["lastState"]["terminated"]["startedAt"]
        stamp = start.replace("T", " ").replace("Z", " +0000")
        c.log("shop", name, "api", log_text("api-crash.log", stamp=stamp, db_url=DB_URL))
    service(
        c,
        "shop",
        "api",
        created=27 * DAY,
        cluster_ip="10.101.87.214",
        selector={"app": "api"},
        ports=[port("http", 80, "http")],
        labels={"app": "api"},
    )
    del deploy


def _worker(c: Cluster, w1: NodeRef, w2: NodeRef) -> None:
    tmpl = template(
        {"app": "worker"},
        pod_spec(
            [
                container(
                    "worker",
                    "ghcr.io/acme-shop/worker:2.14.0",
                    command=["celery"],
                    args=["-A", "shop.tasks", "worker", "--loglevel=INFO", "--concurrency=2"],
                    env=[
                        env("DATABASE_URL", DB_URL),
                        env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
                        env("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
                        env("AWS_DEFAULT_REGION", "eu-central-1"),
                        env("EXPORT_BUCKET", "acme-shop-exports"),
                    ],
                    requests={"cpu": "50m", "memory": "128Mi"},
                    limits={"memory": "128Mi"},
                )
            ]
        ),
    )
    plans = [
        PodPlan(
            n,
            [
                Waiting(
                    "CrashLoopBackOff",
                    "back-off 5m0s restarting failed container=worker pod=$POD",
                    restarts=r,
                    last=Terminated(137, "OOMKilled", 240 + 31 * i, 171 + 29 * i),
                )
            ],
            2 * DAY + 1300 * i,
            ready_changed=3560 - 30 * i,
        )
        for i, (n, r) in enumerate(((w2, 41), (w1, 38)))
    ]
    _, pods = app(
        c,
        "shop",
        "worker",
        tmpl=tmpl,
        created=27 * DAY,
        plans=plans,
        pod_hash="5b6f8d9c47",
        revision=6,
        generation=6,
        rs_created=2 * DAY + 5,
        conditions=[
            progressing(c, "done", "worker-5b6f8d9c47", 2 * DAY, 2 * DAY - 90),
            available(c, False, 2 * DAY - 3000),
        ],
    )
    for i, p in enumerate(pods):
        name, host = p["metadata"]["name"], p["spec"]["nodeName"]
        fp = "spec.containers{worker}"
        event(
            c,
            p,
            "Pulled",
            'Container image "ghcr.io/acme-shop/worker:2.14.0" already present on machine',
            first=3540,
            last=245 + 31 * i,
            count=9,
            host=host,
            field_path=fp,
        )
        event(
            c,
            p,
            "Created",
            "Created container worker",
            first=3540,
            last=245 + 31 * i,
            count=9,
            host=host,
            field_path=fp,
        )
        event(
            c,
            p,
            "Started",
            "Started container worker",
            first=3539,
            last=244 + 31 * i,
            count=9,
            host=host,
            field_path=fp,
        )
        event(
            c,
            p,
            "BackOff",
            f"Back-off restarting failed container worker in pod {name}_shop({p['metadata']['uid']})",
            first=3500,
            last=25 + 7 * i,
            count=97,
            kind="Warning",
            host=host,
            field_path=fp,
        )
        node_obj = next(o for o in c.objects if o["kind"] == "Node" and o["metadata"]["name"] == host)
        event(
            c,
            node_obj,
            "SystemOOM",
            f"System OOM encountered, victim process: celery, pid: {2218734 + 911 * i}",
            first=3300,
            last=172 + 29 * i,
            count=9,
            kind="Warning",
            host=host,
        )
        t0 = p["status"]["containerStatuses"][0]["lastState"]["terminated"]["startedAt"].replace("T", " ")[
            :-1
        ]
        c.log("shop", name, "worker", log_text("worker-oom.log", pod=name, t0=t0))
    del w1, w2


def _web(c: Cluster, w1: NodeRef, w2: NodeRef) -> None:
    def web_tmpl(tag: str) -> dict:
        return template(
            {"app": "web"},
            pod_spec(
                [
                    container(
                        "web",
                        f"ghcr.io/acme-shop/web:{tag}",
                        ports=[("http", 8080)],
                        requests={"cpu": "50m", "memory": "64Mi"},
                        limits={"memory": "128Mi"},
                        readiness=http_probe("/", "http"),
                        liveness=tcp_probe("http", delay=5),
                    )
                ]
            ),
        )

    new = PodPlan(
        w1, [Waiting("ImagePullBackOff", 'Back-off pulling image "ghcr.io/acme-shop/web:v2.41"')], 1510
    )
    old_plans = [
        PodPlan(w2, [Running(6 * DAY - 20)], 6 * DAY),
        PodPlan(w1, [Running(6 * DAY - 35)], 6 * DAY - 15),
    ]
    _, pods = app(
        c,
        "shop",
        "web",
        tmpl=web_tmpl("v2.41"),
        created=27 * DAY,
        plans=[new],
        pod_hash="5c7f9d6b8",
        revision=7,
        generation=7,
        rs_created=1512,
        replicas=2,
        old=("6d4c8b7f9", old_plans, 6 * DAY + 2, web_tmpl("v2.4.0")),
        conditions=[available(c, True, 6 * DAY - 30), progressing(c, "stuck", "web-5c7f9d6b8", 910, 910)],
    )
    bad = pods[-1]
    name, host, fp = bad["metadata"]["name"], bad["spec"]["nodeName"], "spec.containers{web}"
    image = "ghcr.io/acme-shop/web:v2.41"
    series_event(
        c,
        bad,
        "Scheduled",
        f"Successfully assigned shop/{name} to {host}",
        first=1510,
        last=1510,
        count=1,
        kind="Normal",
        action="Binding",
        instance="default-scheduler-k8s-cp-01",
    )
    event(
        c, bad, "Pulling", f'Pulling image "{image}"', first=1509, last=190, count=8, host=host, field_path=fp
    )
    event(
        c,
        bad,
        "Failed",
        f'Failed to pull image "{image}": rpc error: code = NotFound desc = failed to pull and '
        f'unpack image "{image}": failed to resolve reference "{image}": {image}: not found',
        first=1508,
        last=189,
        count=8,
        kind="Warning",
        host=host,
        field_path=fp,
    )
    event(
        c,
        bad,
        "Failed",
        "Error: ErrImagePull",
        first=1508,
        last=189,
        count=8,
        kind="Warning",
        host=host,
        field_path=fp,
    )
    event(
        c,
        bad,
        "BackOff",
        f'Back-off pulling image "{image}"',
        first=1495,
        last=6,
        count=104,
        host=host,
        field_path=fp,
    )
    event(
        c,
        bad,
        "Failed",
        "Error: ImagePullBackOff",
        first=1495,
        last=6,
        count=104,
        kind="Warning",
        host=host,
        field_path=fp,
    )
    c.log_errors[("shop", name, "web")] = (
        f'container "web" in pod "{name}" is waiting to start: trying and failing to pull image'
    )
    for p in pods[:-1]:
        c.log(
            "shop",
            p["metadata"]["name"],
            "web",
            "".join(
                f"{p['status']['hostIP']} - - [{c.at(a).replace('T', ':')[:-1]} +0000] "
                '"GET / HTTP/1.1" 200 4217 "-" "kube-probe/1.30"\n'
                for a in (30, 20, 10)
            ),
        )
    service(
        c,
        "shop",
        "web",
        created=27 * DAY,
        cluster_ip="10.104.33.179",
        selector={"app": "web"},
        ports=[port("http", 80, "http")],
        labels={"app": "web"},
    )
    del w2


def _notifier(c: Cluster, w1: NodeRef) -> None:
    tmpl = template(
        {"app": "notifier"},
        pod_spec(
            [
                container(
                    "notifier",
                    "ghcr.io/acme-shop/notifier:1.3.0",
                    env_from=[{"configMapRef": {"name": "app-config"}}],
                    env=[
                        env("SMTP_HOST", "smtp.eu.mailgun.org"),
                        env("SMTP_USER", "postmaster@mg.acme-shop.example"),
                    ],
                    requests={"cpu": "20m", "memory": "64Mi"},
                    limits={"memory": "128Mi"},
                )
            ]
        ),
    )
    plan = PodPlan(w1, [Waiting("CreateContainerConfigError", 'configmap "app-config" not found')], 1320)
    _, pods = app(
        c,
        "shop",
        "notifier",
        tmpl=tmpl,
        created=1322,
        plans=[plan],
        pod_hash="84f5c6d7b9",
        conditions=[available(c, False, 1322), progressing(c, "stuck", "notifier-84f5c6d7b9", 720, 720)],
    )
    p = pods[0]
    name, host, fp = p["metadata"]["name"], p["spec"]["nodeName"], "spec.containers{notifier}"
    series_event(
        c,
        p,
        "Scheduled",
        f"Successfully assigned shop/{name} to {host}",
        first=1320,
        last=1320,
        count=1,
        kind="Normal",
        action="Binding",
        instance="default-scheduler-k8s-cp-01",
    )
    event(
        c,
        p,
        "Pulled",
        'Container image "ghcr.io/acme-shop/notifier:1.3.0" already present on machine',
        first=1316,
        last=11,
        count=118,
        host=host,
        field_path=fp,
    )
    event(
        c,
        p,
        "Failed",
        'Error: configmap "app-config" not found',
        first=1316,
        last=11,
        count=118,
        kind="Warning",
        host=host,
        field_path=fp,
    )
    c.log_errors[("shop", name, "notifier")] = (
        f'container "notifier" in pod "{name}" is waiting to start: CreateContainerConfigError'
    )


def _report(c: Cluster) -> None:
    scheduled = NOW.replace(minute=0, second=0)
    job_name = f"report-{int(scheduled.timestamp()) // 60}"
    job_uid = c.uid()
    labels = {
        "batch.kubernetes.io/controller-uid": job_uid,
        "batch.kubernetes.io/job-name": job_name,
        "controller-uid": job_uid,
        "job-name": job_name,
    }
    spec = pod_spec(
        [
            container(
                "report",
                "ghcr.io/acme-shop/worker:2.14.0",
                command=["python", "-m", "shop.reports.nightly"],
                env=[env("DATABASE_URL", DB_URL), env("REPORT_WINDOW_DAYS", "30")],
                requests={"cpu": "1", "memory": "12Gi"},
                limits={"memory": "12Gi"},
            )
        ],
        restart="Never",
    )
    age = (NOW - scheduled).total_seconds() - 1
    message = (
        "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
        "2 Insufficient memory. preemption: 0/3 nodes are available: 1 Preemption is not helpful for "
        "scheduling, 2 No preemption victims found for incoming pod."
    )
    job_ref = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "name": job_name,
        "uid": job_uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }
    p = pod(
        c,
        "shop",
        f"{job_name}-{c.suffix()}",
        template(labels, spec),
        created=age,
        node=None,
        states=[],
        owners=[job_ref],
        generate_name=f"{job_name}-",
        unschedulable=message,
        annotations={"batch.kubernetes.io/job-tracking": ""},
    )
    p["metadata"]["finalizers"] = ["batch.kubernetes.io/job-tracking"]
    series_event(
        c,
        p,
        "FailedScheduling",
        message,
        first=age - 1,
        last=44,
        count=9,
        instance="default-scheduler-k8s-cp-01",
    )
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": job_name, "namespace": "shop", "uid": job_uid, "resourceVersion": c.next_rv()},
    }
    event(
        c,
        job,
        "SuccessfulCreate",
        f"Created pod: {p['metadata']['name']}",
        first=age,
        last=age,
        component="job-controller",
    )
    cron = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {
            "name": "nightly-report",
            "namespace": "shop",
            "uid": c.uid(),
            "resourceVersion": c.next_rv(),
        },
    }
    event(
        c,
        cron,
        "SuccessfulCreate",
        f"Created job {job_name}",
        first=age + 1,
        last=age + 1,
        component="cronjob-controller",
    )


def _internal(c: Cluster, w1: NodeRef, w2: NodeRef) -> None:
    tmpl = template(
        {"app": "docs"},
        pod_spec(
            [
                container(
                    "nginx",
                    "nginxinc/nginx-unprivileged:1.27-alpine",
                    ports=[("http", 8080)],
                    requests={"cpu": "10m", "memory": "32Mi"},
                    limits={"memory": "64Mi"},
                    readiness=http_probe("/", "http"),
                )
            ],
            security={"runAsNonRoot": True},
        ),
    )
    _, pods = app(
        c,
        "internal",
        "docs",
        tmpl=tmpl,
        created=33 * DAY,
        pod_hash="66c9d7f5b8",
        plans=[PodPlan(w1, [Running(9 * DAY - 8)], 9 * DAY), PodPlan(w2, [Running(9 * DAY - 6)], 9 * DAY)],
        revision=3,
        generation=3,
        rs_created=9 * DAY + 2,
        conditions=[
            available(c, True, 9 * DAY - 10),
            progressing(c, "done", "docs-66c9d7f5b8", 33 * DAY, 9 * DAY - 10),
        ],
    )
    for p in pods:
        c.log(
            "internal",
            p["metadata"]["name"],
            "nginx",
            "/docker-entrypoint.sh: Configuration complete; ready for start up\n"
            f"{c.at(9 * DAY - 7).replace('-', '/').replace('T', ' ')[:-1]} [notice] 1#1: nginx/1.27.4\n",
        )
    service(
        c,
        "internal",
        "docs",
        created=33 * DAY,
        cluster_ip="10.98.144.61",
        selector={"app": "docs"},
        ports=[port("http", 80, "http")],
        labels={"app": "docs"},
    )
