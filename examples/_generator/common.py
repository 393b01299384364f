"""Pieces the example clusters share: Deployments with ReplicaSets and pods, conditions, control plane."""

from __future__ import annotations

from dataclasses import dataclass

from kube import Cluster, NodeRef, Obj, Running, State, condition, container, owner, pod_spec
from objects import daemon_pod_template, daemonset, deployment, deployment_status, pod, replicaset, template


@dataclass
class PodPlan:
    node: NodeRef | None
    states: list[State]
    created: float
    unschedulable: str | None = None
    node_not_ready: float | None = None
    phase: str | None = None
    reason: str | None = None
    message: str | None = None
    extra_conditions: list[Obj] | None = None
    ready_changed: float | None = None


def available(c: Cluster, ok: bool, since: float) -> Obj:
    if ok:
        return condition(
            "Available",
            "True",
            c.at(since),
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.",
            update=c.at(since),
        )
    return condition(
        "Available",
        "False",
        c.at(since),
        "MinimumReplicasUnavailable",
        "Deployment does not have minimum availability.",
        update=c.at(since),
    )


def progressing(c: Cluster, how: str, rs_name: str, since: float, updated: float | None = None) -> Obj:
    update = c.at(updated if updated is not None else since)
    if how == "done":
        return condition(
            "Progressing",
            "True",
            c.at(since),
            "NewReplicaSetAvailable",
            f'ReplicaSet "{rs_name}" has successfully progressed.',
            update=update,
        )
    if how == "progressing":
        return condition(
            "Progressing",
            "True",
            c.at(since),
            "ReplicaSetUpdated",
            f'ReplicaSet "{rs_name}" is progressing.',
            update=update,
        )
    return condition(
        "Progressing",
        "False",
        c.at(since),
        "ProgressDeadlineExceeded",
        f'ReplicaSet "{rs_name}" has timed out progressing.',
        update=update,
    )


def is_ready(plan: PodPlan) -> bool:
    return (
        plan.node_not_ready is None
        and plan.node is not None
        and plan.phase not in ("Failed",)
        and all(isinstance(s, Running) and s.ready for s in plan.states)
    )


def app(
    c: Cluster,
    ns: str,
    name: str,
    *,
    tmpl: Obj,
    created: float,
    plans: list[PodPlan],
    pod_hash: str,
    conditions: list[Obj],
    revision: int = 1,
    generation: int = 1,
    rs_created: float | None = None,
    old: tuple[str, list[PodPlan], float, Obj] | None = None,
    replicas: int | None = None,
    applied: bool = True,
    labels: Obj | None = None,
) -> tuple[Obj, list[Obj]]:
    """A Deployment, its current ReplicaSet (and an older one still running `old` pods) and their pods."""
    live = [p for p in plans if p.phase != "Failed"]
    old_live = old[1] if old else []
    replicas = replicas if replicas is not None else len(live)
    ready_new = sum(is_ready(p) for p in live)
    ready_old = sum(is_ready(p) for p in old_live)
    status = deployment_status(
        replicas=replicas,
        updated=len(live),
        ready=ready_new + ready_old,
        available=ready_new + ready_old,
        conditions=conditions,
        observed=generation,
        total=len(live) + len(old_live),
    )
    deploy = deployment(
        c,
        ns,
        name,
        replicas=replicas,
        tmpl=tmpl,
        created=created,
        generation=generation,
        status=status,
        revision=revision,
        applied=applied,
        labels=labels,
    )
    pods: list[Obj] = []
    if old:
        old_hash, old_plans, old_created, old_template = old
        old_rs, old_tmpl = replicaset(
            c,
            deploy,
            old_hash,
            replicas=len(old_plans),
            created=old_created,
            revision=revision - 1,
            ready=ready_old,
            available=ready_old,
            observed=generation,
            tmpl=old_template,
        )
        pods += _pods(c, ns, old_rs, old_tmpl, old_plans)
    rs, pod_tmpl = replicaset(
        c,
        deploy,
        pod_hash,
        replicas=len(live),
        created=rs_created or created,
        revision=revision,
        ready=ready_new,
        available=ready_new,
        observed=generation,
    )
    pods += _pods(c, ns, rs, pod_tmpl, plans)
    return deploy, pods


def _pods(c: Cluster, ns: str, rs: Obj, tmpl: Obj, plans: list[PodPlan]) -> list[Obj]:
    out = []
    base = rs["metadata"]["name"]
    for plan in plans:
        out.append(
            pod(
                c,
                ns,
                f"{base}-{c.suffix()}",
                tmpl,
                created=plan.created,
                node=plan.node,
                states=plan.states,
                owners=owner("ReplicaSet", rs),
                generate_name=f"{base}-",
                unschedulable=plan.unschedulable,
                node_not_ready=plan.node_not_ready,
                phase=plan.phase,
                reason=plan.reason,
                message=plan.message,
                extra_conditions=plan.extra_conditions,
                managed_by="kube-controller-manager",
                ready_changed=plan.ready_changed,
            )
        )
    return out


def daemon(
    c: Cluster,
    ns: str,
    name: str,
    tmpl: Obj,
    nodes: list[NodeRef],
    *,
    created: float,
    states: dict[str, list[State]],
    not_ready: dict[str, float] | None = None,
    priority: int = 2000001000,
    init: list[State] | None = None,
) -> list[Obj]:
    not_ready = not_ready or {}
    ready = sum(
        1
        for n in nodes
        if n.name not in not_ready and all(isinstance(s, Running) and s.ready for s in states[n.name])
    )
    ds = daemonset(c, ns, name, tmpl=tmpl, created=created, nodes=len(nodes), ready=ready)
    revision = c.suffix(10)[:9]
    pods = []
    for n in nodes:
        ptmpl = daemon_pod_template(ds, n, revision)
        pods.append(
            pod(
                c,
                ns,
                f"{name}-{c.suffix()}",
                ptmpl,
                created=created - 60,
                node=n,
                states=states[n.name],
                init_states=init,
                owners=owner("DaemonSet", ds),
                generate_name=f"{name}-",
                node_not_ready=not_ready.get(n.name),
                host_network=ptmpl["spec"].get("hostNetwork", False),
                priority=priority,
            )
        )
    return pods


def kubeadm_control_plane(
    c: Cluster,
    node: NodeRef,
    *,
    version: str,
    created: float,
    etcd_version: str = "3.5.15-0",
    pod_cidr: str = "192.168.0.0/16",
) -> list[Obj]:
    """The four static pods kubeadm runs on a control-plane node, as their mirror pods appear in the API."""
    ip = node.ip
    specs = {
        "etcd": (
            f"registry.k8s.io/etcd:{etcd_version}",
            [
                "etcd",
                f"--advertise-client-urls=https://{ip}:2379",
                "--data-dir=/var/lib/etcd",
                f"--listen-client-urls=https://127.0.0.1:2379,https://{ip}:2379",
                f"--name={node.name}",
            ],
            {"cpu": "100m", "memory": "100Mi"},
            2381,
            "/health?exclude=NOSPACE&serializable=true",
        ),
        "kube-apiserver": (
            f"registry.k8s.io/kube-apiserver:{version}",
            [
                "kube-apiserver",
                f"--advertise-address={ip}",
                "--allow-privileged=true",
                "--authorization-mode=Node,RBAC",
                "--client-ca-file=/etc/kubernetes/pki/ca.crt",
                "--enable-admission-plugins=NodeRestriction",
                "--etcd-servers=https://127.0.0.1:2379",
                "--secure-port=6443",
                "--service-cluster-ip-range=10.96.0.0/12",
                "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt",
                "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key",
            ],
            {"cpu": "250m"},
            6443,
            "/livez",
        ),
        "kube-controller-manager": (
            f"registry.k8s.io/kube-controller-manager:{version}",
            [
                "kube-controller-manager",
                "--allocate-node-cidrs=true",
                "--authentication-kubeconfig=/etc/kubernetes/controller-manager.conf",
                "--bind-address=127.0.0.1",
                f"--cluster-cidr={pod_cidr}",
                "--cluster-name=kubernetes",
                "--controllers=*,bootstrapsigner,tokencleaner",
                "--leader-elect=true",
                "--service-cluster-ip-range=10.96.0.0/12",
                "--use-service-account-credentials=true",
            ],
            {"cpu": "200m"},
            10257,
            "/healthz",
        ),
        "kube-scheduler": (
            f"registry.k8s.io/kube-scheduler:{version}",
            [
                "kube-scheduler",
                "--authentication-kubeconfig=/etc/kubernetes/scheduler.conf",
                "--bind-address=127.0.0.1",
                "--kubeconfig=/etc/kubernetes/scheduler.conf",
                "--leader-elect=true",
            ],
            {"cpu": "100m"},
            10259,
            "/healthz",
        ),
    }
    pods = []
    for component, (image, command, requests, probe_port, probe_path) in specs.items():
        scheme = "HTTP" if component == "etcd" else "HTTPS"
        host = "127.0.0.1" if component != "kube-apiserver" else ip
        probe = {
            "httpGet": {"path": probe_path, "port": probe_port, "host": host, "scheme": scheme},
            "initialDelaySeconds": 10,
            "timeoutSeconds": 15,
            "periodSeconds": 10,
            "successThreshold": 1,
            "failureThreshold": 8,
        }
        ct = container(
            component,
            image,
            command=command,
            requests=requests,
            mounts=[{"name": "k8s-certs", "readOnly": True, "mountPath": "/etc/kubernetes/pki"}],
            liveness=probe,
        )
        spec = pod_spec(
            [ct],
            volumes=[
                {
                    "name": "k8s-certs",
                    "hostPath": {"path": "/etc/kubernetes/pki", "type": "DirectoryOrCreate"},
                }
            ],
            host_network=True,
            security={"seccompProfile": {"type": "RuntimeDefault"}},
            tolerations=[{"operator": "Exists", "effect": "NoExecute"}],
            priority_class="system-node-critical",
        )
        config_hash = c.hexs(32)
        notes = {
            "kubernetes.io/config.hash": config_hash,
            "kubernetes.io/config.mirror": config_hash,
            "kubernetes.io/config.seen": c.at(created)[:-1] + f".{c.rng.randint(10**8, 10**9 - 1)}Z",
            "kubernetes.io/config.source": "file",
        }
        if component == "kube-apiserver":
            notes["kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint"] = f"{ip}:6443"
        if component == "etcd":
            notes["kubeadm.kubernetes.io/etcd.advertise-client-urls"] = f"https://{ip}:2379"
        tmpl = template({"component": component, "tier": "control-plane"}, spec)
        node_owner = [
            {
                "apiVersion": "v1",
                "kind": "Node",
                "name": node.name,
                "uid": node.obj["metadata"]["uid"],
                "controller": True,
            }
        ]
        pods.append(
            pod(
                c,
                "kube-system",
                f"{component}-{node.name}",
                tmpl,
                created=created,
                node=node,
                states=[Running(created - 5)],
                owners=node_owner,
                annotations=notes,
                host_network=True,
                priority=2000001000,
                static=True,
            )
        )
    return pods
