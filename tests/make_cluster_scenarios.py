# ruff: noqa: E501 (scenario descriptions and log lines read best unwrapped)
"""Write the whole-cluster scenarios of issue 13: `python -m tests.make_cluster_scenarios`.

- `healthy-noisy-*`: busy clusters full of resolved noise (a node pool upgrade, rollout event storms, a retried
  Job that succeeded, old back-offs on pods that are healthy now, a volume that moved nodes); they must produce
  no warning or critical finding.
- `two-problems-*`: two independent causes in one cluster, each reported with its own root-cause chain
  (`causedBy` names the right root; each root has none), amid healthy workloads.
"""

from __future__ import annotations

from tests.make_scenarios import (
    claim,
    csi_node_plugin,
    daemonset,
    enforcing,
    limit_range,
    network_policy,
    previous_revision,
    retried_job,
)
from tests.scenario_kit import (
    at,
    base,
    container,
    deployment,
    endpoint_slice,
    endpoints,
    event,
    http_probe,
    ingress,
    ingress_class,
    log,
    meta,
    modern_event,
    node,
    pod,
    pod_spec,
    running,
    service,
    suffix,
    terminated,
    uid,
    waiting,
    write,
)

SHOP = "shop"


def node_agents(nodes: list[str]) -> list:
    """kube-proxy, the Calico node agent and the EBS CSI node plugin on every node, as a managed cluster has."""
    everywhere = [{"operator": "Exists"}]
    return [
        *daemonset("kube-proxy", "kube-system", [container("kube-proxy", "registry.k8s.io/kube-proxy:v1.33.2", port=None)],
                   nodes, tolerations=everywhere, labels={"k8s-app": "kube-proxy"}),
        *daemonset("calico-node", "kube-system", [container("calico-node", "docker.io/calico/node:v3.29.1", port=None,
                                                            readinessProbe={"exec": {"command": ["/bin/calico-node", "-felix-ready"]},
                                                                            "periodSeconds": 10, "timeoutSeconds": 10})],
                   nodes, tolerations=everywhere, labels={"k8s-app": "calico-node"}),
        *csi_node_plugin(everywhere, nodes),
    ]


def coredns(nodes: list[str]) -> list:
    c = container("coredns", "registry.k8s.io/coredns/coredns:v1.11.3", port=53, port_name="dns",
                  readinessProbe=http_probe("/ready", 8181), livenessProbe=http_probe("/health", 8080, delay=60))
    dns = deployment("coredns", "kube-system", [c], [([running()], {"node_name": n}) for n in nodes],
                     labels={"k8s-app": "kube-dns"})
    return [*dns, service("kube-dns", "kube-system", {"k8s-app": "kube-dns"}, port=53, target=53, port_name="dns"),
            endpoints("kube-dns", "kube-system", dns[2:], port=53)]


def pdb(name: str, ns: str, labels: dict, healthy: int, min_available: int) -> dict:
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": meta("PodDisruptionBudget", name, ns, generation=1),
            "spec": {"minAvailable": min_available, "selector": {"matchLabels": labels}},
            "status": {"currentHealthy": healthy, "desiredHealthy": min_available, "expectedPods": healthy,
                       "disruptionsAllowed": max(0, healthy - min_available), "observedGeneration": 1,
                       "conditions": [{"type": "DisruptionAllowed", "status": "True", "reason": "SufficientPods",
                                       "lastTransitionTime": at(20), "message": "", "observedGeneration": 1}]}}


def hpa(name: str, ns: str, current: int, low: int, high: int, utilization: int) -> dict:
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": meta("HorizontalPodAutoscaler", name, ns),
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                     "minReplicas": low, "maxReplicas": high,
                     "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                         "type": "Utilization", "averageUtilization": 70}}}]},
            "status": {"currentReplicas": current, "desiredReplicas": current, "lastScaleTime": at(35),
                       "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {
                           "averageUtilization": utilization, "averageValue": "41m"}}}],
                       "conditions": [
                           {"type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale",
                            "lastTransitionTime": at(600), "message": "recommended size matches current size"},
                           {"type": "ScalingActive", "status": "True", "reason": "ValidMetricFound",
                            "lastTransitionTime": at(600),
                            "message": "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)"},
                           {"type": "ScalingLimited", "status": "False", "reason": "DesiredWithinRange",
                            "lastTransitionTime": at(35), "message": "the desired count is within the acceptable range"}]}}


def pod_metrics(p: dict, container_name: str, cpu: str, memory: str) -> dict:
    return {"apiVersion": "metrics.k8s.io/v1beta1", "kind": "PodMetrics",
            "metadata": {"name": p["metadata"]["name"], "namespace": p["metadata"]["namespace"],
                         "creationTimestamp": at(0)},
            "timestamp": at(0.5), "window": "15s",
            "containers": [{"name": container_name, "usage": {"cpu": cpu, "memory": memory}}]}


def statefulset(name: str, ns: str, containers: list, statuses: list[tuple[list, dict]], claim_name: str) -> list:
    labels = {"app": name}
    spec = pod_spec(containers, volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": claim_name}}])
    sts = {"apiVersion": "apps/v1", "kind": "StatefulSet",
           "metadata": meta("StatefulSet", name, ns, age=60 * 24 * 60, generation=4, labels=labels),
           "spec": {"replicas": len(statuses), "selector": {"matchLabels": labels}, "serviceName": name,
                    "podManagementPolicy": "OrderedReady",
                    "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
                    "template": {"metadata": {"labels": labels}, "spec": pod_spec(containers)}},
           "status": {"replicas": len(statuses), "readyReplicas": len(statuses), "availableReplicas": len(statuses),
                      "currentReplicas": len(statuses), "updatedReplicas": len(statuses), "observedGeneration": 4,
                      "currentRevision": f"{name}-{suffix('rev', name)}", "updateRevision": f"{name}-{suffix('rev', name)}",
                      "collisionCount": 0}}
    pods = [pod(f"{name}-{i}", ns, spec, st, labels={**labels, "statefulset.kubernetes.io/pod-name": f"{name}-{i}"},
                owner=sts, **kw) for i, (st, kw) in enumerate(statuses)]
    return [sts, *pods]


def node_pool_upgrade() -> None:
    """A node pool upgrade that just finished: node-1 drained and rebooted, node-3 joined nine minutes ago."""
    nodes = [node("node-1"), node("node-2"), node("node-3", age=9)]
    names = ["node-1", "node-2", "node-3"]
    agents = node_agents(names)
    calico_3 = next(o for o in agents if o["kind"] == "Pod" and o["metadata"]["name"].startswith("calico-node")
                    and o["spec"]["nodeName"] == "node-3")
    calico_3["metadata"]["creationTimestamp"] = at(8.5)
    calico_3["status"]["containerStatuses"][0]["state"] = {"running": {"startedAt": at(8.4)}}
    web = deployment("web", SHOP, [container("web", "registry.example.com/shop/web:2.14.0",
                                             readinessProbe=http_probe("/ready", 8080))],
                     [([running(started=21)], {"node_name": "node-2", "age": 24}),
                      ([running(started=7)], {"node_name": "node-3", "age": 8}),
                      ([running()], {"node_name": "node-2"})])
    moved, fresh = web[2], web[3]
    node_events = [
        event(nodes[0], "NodeNotSchedulable", "Node node-1 status is now: NodeNotSchedulable", type_="Normal",
              first=31, last=31),
        event(nodes[0], "NodeNotReady", "Node node-1 status is now: NodeNotReady", type_="Normal", first=27, last=27,
              component="node-controller"),
        event(nodes[0], "Rebooted", "Node node-1 has been rebooted, boot id: 9b7e0c1d-4f65-4d7e-9d55-3d1c0c5e2a61",
              first=25, last=25),
        event(nodes[0], "NodeReady", "Node node-1 status is now: NodeReady", type_="Normal", first=22, last=22),
        event(nodes[0], "NodeSchedulable", "Node node-1 status is now: NodeSchedulable", type_="Normal", first=21,
              last=21),
        event(nodes[2], "RegisteredNode", "Node node-3 event: Registered Node node-3 in Controller", type_="Normal",
              first=9, last=9, component="node-controller"),
        event(nodes[2], "Starting", "Starting kubelet.", type_="Normal", first=9, last=9),
        event(nodes[2], "InvalidDiskCapacity", "invalid capacity 0 on image filesystem", first=9, last=9),
        event(nodes[2], "NodeHasSufficientMemory", "Node node-3 status is now: NodeHasSufficientMemory",
              type_="Normal", count=8, first=9, last=9),
        event(nodes[2], "NodeReady", "Node node-3 status is now: NodeReady", type_="Normal", first=8, last=8),
    ]
    resolved = [
        event(calico_3, "Unhealthy", "Readiness probe failed: calico/node is not ready: BIRD is not ready: Error "
              "querying BIRD: unable to connect to BIRDv4 socket: dial unix /var/run/calico/bird.ctl: connect: "
              "connection refused", count=4, first=8.4, last=8, field_path="spec.containers{calico-node}"),
        event(fresh, "FailedCreatePodSandBox", "Failed to create pod sandbox: rpc error: code = Unknown desc = failed "
              "to setup network for sandbox \"4c1f0e\": plugin type=\"calico\" failed (add): stat "
              "/var/lib/calico/nodename: no such file or directory: check that the calico/node container is running "
              "and has mounted /var/lib/calico/", count=2, first=8, last=7.8),
        event(moved, "FailedScheduling", "0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu. "
              "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.", count=3,
              first=24, last=22, component="default-scheduler"),
        event(moved, "Scheduled", f"Successfully assigned shop/{moved['metadata']['name']} to node-2", type_="Normal",
              first=21.5, last=21.5, component="default-scheduler"),
        event(fresh, "Unhealthy", "Readiness probe failed: Get \"http://10.244.3.7:8080/ready\": dial tcp "
              "10.244.3.7:8080: connect: connection refused", count=2, first=7.5, last=7.2,
              field_path="spec.containers{web}"),
        event(web[0], "ScalingReplicaSet", f"Scaled up replica set {web[1]['metadata']['name']} to 3 from 2",
              type_="Normal", first=35, last=35, component="deployment-controller"),
        # The drained pods are gone; their events stay until they expire.
        event({"kind": "Pod", "apiVersion": "v1", "metadata": {"name": f"web-{suffix('gone', 'web')}-x2kq9",
                                                               "namespace": SHOP, "uid": uid("gone", "web"),
                                                               "resourceVersion": "4471"}},
              "Killing", "Stopping container web", type_="Normal", first=30, last=30, field_path="spec.containers{web}"),
    ]
    write("healthy-noisy-node-pool-upgrade",
          "Healthy: a node pool upgrade that just finished: node-1 was drained and rebooted, node-3 joined nine "
          "minutes ago and its network agent came up after a few failed probes; pods rescheduled after waiting; "
          "an autoscaler, a disruption budget and cluster DNS all settled", [
              *base(SHOP, "monitoring", nodes=nodes), *agents, *coredns(["node-1", "node-2"]), *web,
              service("web", SHOP, {"app": "web"}), endpoints("web", SHOP, web[2:]),
              pdb("web", SHOP, {"app": "web"}, healthy=3, min_available=2), hpa("web", SHOP, 3, 3, 10, 41),
              *(pod_metrics(p, "web", "41m", "96Mi") for p in web[2:]),
              *node_events, *resolved,
          ])


def rollout_storm() -> None:
    """A shop that shipped four releases this hour, mostly in the events.k8s.io form, with resolved noise."""
    probe = http_probe("/ready", 8080)
    checkout_c = container("checkout", "registry.example.com/shop/checkout:5.1.0", readinessProbe=probe,
                           limits={"cpu": "1", "memory": "512Mi"})
    checkout = deployment("checkout", SHOP, [checkout_c], [([running(started=11)], {"age": 12}),
                                                           ([running(started=10)], {"age": 11})])
    checkout = previous_revision(checkout, [container("checkout", "registry.example.com/shop/checkout:5.0.3",
                                                      readinessProbe=probe, limits={"cpu": "1", "memory": "512Mi"})],
                                 rolled=12)
    orders = deployment("orders", SHOP, [container("orders", "registry.example.com/shop/orders:3.2.1")],
                        [([running(started=38, restarts=4, last=terminated("Error", 1, finished=38))], {"age": 45})])
    legacy = deployment("legacy-search", SHOP, [container("legacy-search", "registry.example.com/shop/search:1.0.0")],
                        [], replicas=0)
    payments = deployment("payments", SHOP, [container("payments", "registry.example.com/shop/payments:8.2.0")],
                          [([running()], {}), ([running()], {"node_name": "node-2"})])
    storm = []
    for p in checkout[2:4]:
        storm += [
            modern_event(p, "Scheduled", f"Successfully assigned shop/{p['metadata']['name']} to node-1",
                         type_="Normal", first=12, last=12, controller="default-scheduler"),
            modern_event(p, "Pulling", "Pulling image \"registry.example.com/shop/checkout:5.1.0\"", type_="Normal",
                         first=12, last=12),
            modern_event(p, "Pulled", "Successfully pulled image \"registry.example.com/shop/checkout:5.1.0\" in "
                         "3.2s (3.2s including waiting). Image size: 48213344 bytes.", type_="Normal", first=11.9,
                         last=11.9),
            modern_event(p, "Created", "Created container: checkout", type_="Normal", first=11.8, last=11.8),
            modern_event(p, "Started", "Started container checkout", type_="Normal", first=11.8, last=11.8),
            modern_event(p, "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503", count=3,
                         first=11.7, last=11.2),
        ]
    storm += [modern_event(checkout[0], "ScalingReplicaSet", f"Scaled {d} replica set {rs} to {n}", type_="Normal",
                           first=t, last=t, controller="deployment-controller")
              for d, rs, n, t in (("up", checkout[1]["metadata"]["name"], 1, 12),
                                  ("down", checkout[4]["metadata"]["name"], 1, 11.5),
                                  ("up", checkout[1]["metadata"]["name"], 2, 11.5),
                                  ("down", checkout[4]["metadata"]["name"], 0, 11))]
    storm += [
        event(orders[2], "BackOff", "Back-off restarting failed container orders in pod "
              f"{orders[2]['metadata']['name']}", count=6, first=44, last=39, field_path="spec.containers{orders}"),
        modern_event(orders[2], "Pulled", "Container image \"registry.example.com/shop/orders:3.2.1\" already present "
                     "on machine", type_="Normal", count=5, first=45, last=38),
        modern_event(legacy[0], "ScalingReplicaSet", f"Scaled down replica set {legacy[1]['metadata']['name']} to 0 "
                     "from 1", type_="Normal", first=50, last=50, controller="deployment-controller"),
    ]
    orders_log = "\n".join([
        "2026-11-12T09:15:02Z ERROR dial tcp 10.96.12.40:5432: connect: connection refused (db restarting)",
        "2026-11-12T09:15:02Z FATAL cannot open database",
        "2026-11-12T09:22:00Z INFO orders 3.2.1 ready",
        "2026-11-12T09:59:30Z INFO GET /orders/8812 200 14ms",
    ])
    tls = {"apiVersion": "v1", "kind": "Secret", "metadata": meta("Secret", "shop-tls", SHOP), "type": "kubernetes.io/tls",
           "data": {"tls.crt": "LS0tLS1CRUdJTi1QTEFDRUhPTERFUi0tLS0t", "tls.key": "LS0tLS1QTEFDRUhPTERFUi0tLS0t"}}
    web_ingress = ingress("shop", SHOP, "shop.example.com", "checkout")
    web_ingress["spec"]["tls"] = [{"hosts": ["shop.example.com"], "secretName": "shop-tls"}]
    quota = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": meta("ResourceQuota", "compute", SHOP),
             "spec": {"hard": {"requests.cpu": "8", "requests.memory": "16Gi", "pods": "40"}},
             "status": {"hard": {"requests.cpu": "8", "requests.memory": "16Gi", "pods": "40"},
                        "used": {"requests.cpu": "600m", "requests.memory": "768Mi", "pods": "6"}}}
    policies = [
        network_policy("default-deny", SHOP, {}, [], age=60 * 24 * 30),
        network_policy("checkout-from-ingress", SHOP, {"app": "checkout"},
                       [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}]),
        network_policy("payments-from-checkout", SHOP, {"app": "payments"},
                       [{"podSelector": {"matchLabels": {"app": "checkout"}}},
                        {"podSelector": {"matchLabels": {"app": "orders"}}}]),
    ]
    write("healthy-noisy-shop-rollout-storm",
          "Healthy: a shop that shipped this hour: checkout's rollout storm in the events.k8s.io form (pulls, "
          "starts, scaling, start-up readiness failures), orders that crashed while its database restarted 40 "
          "minutes ago and has run since, a retired Deployment at 0 that nothing routes to, a retried migration "
          "Job that succeeded, default-deny NetworkPolicies that allow the real callers, quota at 10%", [
              *base(SHOP, "ingress-nginx"), ingress_class(), *checkout, *orders, *legacy, *payments,
              service("checkout", SHOP, {"app": "checkout"}), endpoint_slice("checkout", SHOP, [(p, True) for p in checkout[2:4]]),
              service("orders", SHOP, {"app": "orders"}), endpoints("orders", SHOP, orders[2:]),
              service("payments", SHOP, {"app": "payments"}), endpoints("payments", SHOP, payments[2:]),
              service("legacy-search", SHOP, {"app": "legacy-search"}), endpoints("legacy-search", SHOP, []),
              tls, web_ingress, quota, *policies, *retried_job(), *storm,
          ], logs=[log(orders[2], "orders", orders_log)])


def data_platform() -> None:
    """Stateful services after a maintenance: a volume that moved nodes, a Job retried, an eviction of a finished
    Job's pod, a JVM with room, a GPU DaemonSet with no GPU nodes, restricted namespaces that comply."""
    nodes = [node("node-1"), node("node-2"), node("node-3")]
    pg_c = container("postgres", "docker.io/library/postgres:16.4", port=5432, port_name="postgres", cpu="500m",
                     memory="1Gi", readinessProbe={"exec": {"command": ["pg_isready", "-U", "app"]}, "periodSeconds": 10},
                     volumeMounts=[{"name": "data", "mountPath": "/var/lib/postgresql/data"}])
    pg = statefulset("postgres", "data", [pg_c], [([running(started=36)], {"node_name": "node-2", "age": 40})],
                     claim_name="data-postgres-0")
    pg_claim = claim("data-postgres-0")
    pg_claim[1]["metadata"]["namespace"] = "data"
    pv = f"pvc-{uid('pv', 'data-postgres-0')}"
    kafka_c = container("consumer", "registry.example.com/data/ledger-consumer-jvm:3.3.0", cpu="500m",
                        limits={"cpu": "2", "memory": "2Gi"}, readinessProbe=http_probe("/actuator/health", 8080, timeout=2))
    consumer = deployment("ledger-consumer", "data", [kafka_c], [([running(started=60 * 5)], {}),
                                                                ([running(started=60 * 5)], {"node_name": "node-3"})])
    gpu = daemonset("nvidia-device-plugin", "kube-system",
                    [container("nvidia-device-plugin-ctr", "nvcr.io/nvidia/k8s-device-plugin:v0.17.0", port=None)], [])
    gpu[0]["spec"]["template"]["spec"]["nodeSelector"] = {"nvidia.com/gpu.present": "true"}
    evicted_spec = {"containers": [container("compact", "registry.example.com/data/compactor:1.2.0", port=None,
                                             memory="256Mi")], "restartPolicy": "Never"}
    compact = {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta("Job", "compact-29383500", "data", age=50),
               "spec": {"backoffLimit": 3, "template": {"metadata": {"labels": {"app": "compact"}}, "spec": evicted_spec}},
               "status": {"startTime": at(50), "completionTime": at(30), "succeeded": 1, "failed": 1,
                          "conditions": [{"type": "Complete", "status": "True", "lastProbeTime": at(30),
                                          "lastTransitionTime": at(30), "reason": "CompletionsReached",
                                          "message": "Reached expected number of succeeded pods"}]}}
    unknown = {"state": {"terminated": terminated("ContainerStatusUnknown", 137, finished=42,
                                                  message="The container could not be located when the pod was terminated")},
               "ready": False, "started": False, "restartCount": 0, "lastState": {}}
    evicted = pod(f"compact-29383500-{suffix('cmp')}", "data", evicted_spec, [unknown], labels={"app": "compact"},
                  owner=compact, age=50, phase="Failed", reason="Evicted", node_name="node-1",
                  message="The node was low on resource: ephemeral-storage. Threshold quantity: 4902142827, available: 3811200Ki.")
    noise = [
        event(pg[1], "FailedAttachVolume", f'Multi-Attach error for volume "{pv}" Volume is already used by pod(s) '
              "postgres-0", count=4, first=40, last=38, component="attachdetach-controller"),
        event(pg[1], "SuccessfulAttachVolume", f'AttachVolume.Attach succeeded for volume "{pv}"', type_="Normal",
              first=37, last=37, component="attachdetach-controller"),
        event(pg[1], "Unhealthy", "Readiness probe failed: /var/run/postgresql:5432 - rejecting connections", count=5,
              first=36.5, last=36, field_path="spec.containers{postgres}"),
        event(evicted, "Evicted", "The node was low on resource: ephemeral-storage.", first=42, last=42),
        event(nodes[0], "EvictionThresholdMet", "Attempting to reclaim ephemeral-storage", first=43, last=42),
        event(nodes[0], "NodeHasNoDiskPressure", "Node node-1 status is now: NodeHasNoDiskPressure", type_="Normal",
              first=39, last=39),
        event(consumer[2], "Unhealthy", "Readiness probe failed: Get \"http://10.244.1.61:8080/actuator/health\": "
              "context deadline exceeded (Client.Timeout exceeded while awaiting headers)", count=2, first=60 * 5,
              last=60 * 5 - 1, field_path="spec.containers{consumer}"),
    ]
    consumer_log = "\n".join([
        "2026-11-12T09:20:11Z WARN [Consumer clientId=ledger-1] Disconnecting from node 2 due to request timeout",
        "2026-11-12T09:20:12Z INFO [Consumer clientId=ledger-1] rebalance complete, 12 partitions assigned",
        "2026-11-12T09:59:40Z INFO committed offsets up to 88123412",
    ])
    write("healthy-noisy-data-platform",
          "Healthy: a data namespace after node maintenance: postgres-0 moved nodes (an old Multi-Attach wait, then "
          "attached), a finished Job's pod evicted for disk while its retry succeeded, a JVM consumer with CPU to "
          "spare and an old request timeout, a GPU device plugin with no GPU nodes yet, restricted Pod Security and "
          "a LimitRange everything fits", [
              *enforcing(base("data", nodes=nodes), "data", "baseline"), *node_agents(["node-1", "node-2", "node-3"]),
              *pg_claim, *pg, service("postgres", "data", {"app": "postgres"}, port=5432, target=5432),
              endpoints("postgres", "data", pg[1:], port=5432), *consumer,
              *(pod_metrics(p, "consumer", "310m", "1200Mi") for p in consumer[2:]), *gpu, compact, evicted,
              limit_range("container-max", "data", container_max={"cpu": "4", "memory": "8Gi"}), *noise,
          ], logs=[log(consumer[2], "consumer", consumer_log)])


def two_problems() -> None:
    """Two independent causes per cluster, each with its own chain, amid healthy workloads."""
    # 1. A NetworkPolicy drops checkout → payments, and a CPU limit starves the ledger JVM (two namespaces).
    payments = deployment("payments", SHOP, [container("payments", "registry.example.com/shop/payments:8.2.0")])
    checkout = deployment("checkout", SHOP, [container("checkout", "registry.example.com/shop/checkout:5.0.3")], [
        ([waiting("CrashLoopBackOff", "back-off 5m0s restarting failed container=checkout", restarts=8,
                  last=terminated("Error", 1, finished=2))], {})])
    probe = http_probe("/actuator/health", 8080)
    ledger_c = container("ledger", "registry.example.com/finance/ledger-spring:4.2.0", cpu="200m",
                         limits={"cpu": "300m", "memory": "1Gi"}, readinessProbe=probe)
    ledger = deployment("ledger", "finance", [ledger_c], [([running(started=30, ready=False)], {})])
    web = deployment("web", SHOP, [container("web", "registry.example.com/shop/web:2.14.0")])
    write("two-problems-networkpolicy-and-cpu-starvation",
          "Two independent problems: a new NetworkPolicy lets only the gateway reach payments, so checkout times out "
          "and crash-loops; and the ledger JVM in finance uses all of its 300m CPU limit, so its readiness probe "
          "times out", [
              *base(SHOP, "finance"), *payments, service("payments", SHOP, {"app": "payments"}),
              endpoints("payments", SHOP, payments[2:]), *checkout, *web, service("web", SHOP, {"app": "web"}),
              endpoints("web", SHOP, web[2:]),
              network_policy("payments-ingress", SHOP, {"app": "payments"},
                             [{"podSelector": {"matchLabels": {"app": "gateway"}}}], age=30),
              event(checkout[2], "BackOff", "Back-off restarting failed container checkout", count=10, first=27, last=1,
                    field_path="spec.containers{checkout}"),
              *ledger, service("ledger", "finance", {"app": "ledger"}),
              endpoints("ledger", "finance", [], not_ready=ledger[2:]), pod_metrics(ledger[2], "ledger", "299m", "700Mi"),
              event(ledger[2], "Unhealthy", "Readiness probe failed: Get \"http://10.244.1.30:8080/actuator/health\": "
                    "context deadline exceeded (Client.Timeout exceeded while awaiting headers)", count=160, first=29,
                    last=0.5, field_path="spec.containers{ledger}"),
          ], expect=[
              {"rule": "networkpolicy-blocks-traffic", "kind": "NetworkPolicy", "name": "payments-ingress",
               "causedBy": None},
              {"rule": "pod-crash-loop", "kind": "Deployment", "name": "checkout",
               "causedBy": "networkpolicy-blocks-traffic"},
              {"rule": "container-cpu-starved", "kind": "Deployment", "namespace": "finance", "name": "ledger",
               "causedBy": None},
              {"rule": "pod-probe-failing", "kind": "Deployment", "namespace": "finance", "name": "ledger",
               "causedBy": "container-cpu-starved"},
          ], logs=[log(checkout[2], "checkout", "2026-11-12T09:58:01Z INFO checkout 5.0.3 starting\n"
                       "2026-11-12T09:58:31Z ERROR payments client: Post \"http://payments:80/v1/authorize\": dial tcp "
                       "10.96.91.45:80: i/o timeout\n2026-11-12T09:58:31Z FATAL cannot reach payments, exiting\n",
                       previous=True)])

    # 2. The CSI node plugin does not tolerate a new pool's taint (a volume cannot attach there), and a Job in a
    #    restricted namespace is refused by Pod Security.
    taint = {"key": "pool", "value": "batch", "effect": "NoSchedule"}
    nodes = [node("node-1"), node("node-2"), node("node-3", taints=[taint], labels={"pool": "batch"}, age=60 * 3)]
    volume = {"name": "scratch", "persistentVolumeClaim": {"claimName": "scratch"}}
    etl = deployment("etl", SHOP, [container("etl", "registry.example.com/data/etl:9.0.1", port=None,
                                             volumeMounts=[{"name": "scratch", "mountPath": "/scratch"}])],
                     [([waiting("ContainerCreating")], {"node_name": "node-3", "age": 25})],
                     spec_extra={"volumes": [volume], "tolerations": [{"key": "pool", "operator": "Equal",
                                                                       "value": "batch", "effect": "NoSchedule"}]})
    pv = f"pvc-{uid('pv', 'scratch')}"
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta("Job", "backup-20261112", "ops", age=20),
           "spec": {"backoffLimit": 4, "template": {"metadata": {"labels": {"app": "backup"}}, "spec": {
               "containers": [container("backup", "registry.example.com/ops/backup:1.4.0", port=None,
                                        securityContext={"privileged": True})], "restartPolicy": "Never"}}},
           "status": {"startTime": at(20)}}
    web2 = deployment("web", SHOP, [container("web", "registry.example.com/shop/web:2.14.0")],
                      [([running()], {}), ([running()], {"node_name": "node-2"})])
    write("two-problems-csi-coverage-and-podsecurity",
          "Two independent problems: the EBS CSI node plugin does not tolerate the new batch pool's taint, so etl on "
          "node-3 cannot attach its volume; and namespace ops enforces Pod Security baseline, which refuses the "
          "privileged backup Job", [
              *enforcing(base(SHOP, "ops", nodes=nodes), "ops", "baseline"),
              *csi_node_plugin(None, ["node-1", "node-2"]), *claim("scratch"), *etl, *web2,
              service("web", SHOP, {"app": "web"}), endpoints("web", SHOP, web2[2:]),
              event(etl[2], "FailedAttachVolume", f'AttachVolume.Attach failed for volume "{pv}" : CSINode node-3 does '
                    "not contain driver ebs.csi.aws.com", count=11, first=25, last=1, component="attachdetach-controller"),
              job,
              event(job, "FailedCreate", 'Error creating: pods "backup-20261112-m4kqz" is forbidden: violates '
                    'PodSecurity "baseline:latest": privileged (container "backup" must not set '
                    "securityContext.privileged=true)", count=5, first=20, last=2, component="job-controller"),
          ], expect=[
              {"rule": "daemonset-coverage-gap", "kind": "DaemonSet", "name": "ebs-csi-node", "causedBy": None,
               "evidence": "node node-3: untolerated taint pool=batch:NoSchedule"},
              {"rule": "pod-volume-mount-failed", "kind": "Deployment", "name": "etl",
               "causedBy": "daemonset-coverage-gap"},
              {"rule": "job-failed", "kind": "Job", "name": "backup-20261112", "causedBy": None,
               "evidence": "violates PodSecurity baseline:latest: privileged"},
          ])

    # 3. Multi-Attach during a rolling update, and an image built for arm64 on amd64 nodes, in one namespace.
    media_volume = {"name": "media", "persistentVolumeClaim": {"claimName": "media"}}
    media = deployment("media", SHOP, [container("media", "registry.example.com/shop/media:2.0.2",
                                                 volumeMounts=[{"name": "media", "mountPath": "/srv/media"}])],
                       [([running()], {"node_name": "node-1"}), ([waiting("ContainerCreating")], {"node_name": "node-2", "age": 9})],
                       replicas=1, spec_extra={"volumes": [media_volume]})
    holder, waiter = media[2], media[3]
    media_pv = f"pvc-{uid('pv', 'media')}"
    message = ('failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create '
               'failed: unable to start container process: exec: "/app/reporter": exec format error: unknown')
    reporter = deployment("reporter", SHOP, [container("reporter", "registry.example.com/shop/reporter:2.0.0", port=None)], [
        ([waiting("CrashLoopBackOff", "back-off 2m40s restarting failed container=reporter", restarts=5,
                  last=terminated("StartError", 128, finished=2, message=message))], {"node_name": "node-2"})])
    write("two-problems-multi-attach-and-wrong-arch",
          "Two independent problems in one namespace: media's rolling update waits on a ReadWriteOnce volume the old "
          "pod holds on another node, and the reporter image was built for another CPU architecture", [
              *base(SHOP), *claim("media"), *media, *reporter,
              event(waiter, "FailedAttachVolume", f'Multi-Attach error for volume "{media_pv}" Volume is already used by '
                    f"pod(s) {holder['metadata']['name']}", count=5, first=9, last=1, component="attachdetach-controller"),
              event(reporter[2], "Failed", f"Error: {message}", count=5, field_path="spec.containers{reporter}"),
          ], expect=[
              {"rule": "pod-volume-mount-failed", "kind": "Deployment", "name": "media", "causedBy": None,
               "evidence": f"the volume is held by pod {holder['metadata']['name']} on node node-1"},
              {"rule": "pod-run-container-error", "kind": "Deployment", "name": "reporter", "causedBy": None,
               "evidence": "exec format error"},
          ])


def main() -> None:
    node_pool_upgrade()
    rollout_storm()
    data_platform()
    two_problems()


if __name__ == "__main__":
    main()
