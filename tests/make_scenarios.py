# ruff: noqa: E501 (scenario descriptions and log lines read best unwrapped)
"""Write the issue-13 scenarios (tests/scenarios/*.yaml) from Python: `python -m tests.make_scenarios`.

Each family has a broken cluster and one where the rule must stay silent (a `healthy-*` scenario, which the
corpus checks for no warning or critical finding, or a broken one whose expectations name another rule).
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime

from tests.scenario_kit import (
    NOW,
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


def decisive_log_line() -> None:
    orders = deployment("orders", SHOP, [container("orders", "registry.example.com/shop/orders:3.2.0")], [
        ([waiting("CrashLoopBackOff", "back-off 2m40s restarting failed container=orders", restarts=6,
                  last=terminated("Error", 1, finished=3))], {}),
    ])
    crashing = orders[2]
    text = "\n".join([
        "2026-11-12T09:56:58Z INFO starting orders 3.2.0",
        "2026-11-12T09:56:58Z INFO connecting to payments-gateway.example.com:443",
        "2026-11-12T09:56:59Z ERROR tls handshake with payments-gateway.example.com:443: x509: "
        "certificate has expired or is not yet valid: current time 2026-11-12T09:56:59Z is after "
        "2026-11-11T23:59:59Z",
        "2026-11-12T09:56:59Z INFO retry budget exhausted",
        "2026-11-12T09:57:00Z FATAL exiting: upstream unavailable",
    ])
    write("logs-x509-expired-before-fatal",
          "A certificate error two lines above the generic FATAL line is the decisive log line", [
              *base(SHOP), *orders, service("orders", SHOP, {"app": "orders"}),
              event(crashing, "BackOff", "Back-off restarting failed container orders in pod "
                    f"{crashing['metadata']['name']}", count=14, field_path="spec.containers{orders}"),
          ], expect=[
              {"rule": "pod-crash-loop", "kind": "Deployment", "name": "orders",
               "evidence": "log line 3/5: ERROR tls handshake"},
              {"rule": "pod-crash-loop", "kind": "Deployment", "name": "orders",
               "evidence": "log line 5/5: FATAL exiting: upstream unavailable"},
          ], logs=[log(crashing, "orders", text, previous=True)])

    web = deployment("web", SHOP, [container("web", "registry.example.com/shop/web:1.9.4")])
    noisy = "\n".join([
        "2026-11-12T08:00:01Z ERROR x509: certificate has expired or is not yet valid",
        "2026-11-12T08:00:02Z WARN tls: bad certificate from upstream, retrying",
        "2026-11-12T08:01:00Z INFO certificate reloaded from /etc/tls (not after 2027-02-10)",
        "2026-11-12T09:59:00Z INFO GET /healthz 200",
    ])
    write("healthy-cert-rotated-log-noise",
          "Healthy: old certificate errors in the log of a pod that reloaded its certificate",
          [*base(SHOP), *web, service("web", SHOP, {"app": "web"}),
           endpoints("web", SHOP, [web[2]])],
          logs=[log(web[2], "web", noisy)])


def routes_to_nothing() -> None:
    def scaled_down(name: str) -> list:
        return deployment(name, SHOP, [container(name, f"registry.example.com/shop/{name}:2.1.0")], [],
                          replicas=0)

    web = deployment("storefront", SHOP, [container("storefront", "registry.example.com/shop/storefront:4.0.2",
                                                    env=[{"name": "SEARCH_URL", "value": "http://search:80"}])])
    write("net-ingress-to-scaled-down-deployment",
          "Routes to nothing: an Ingress and the storefront still send traffic to search, scaled to 0", [
              *base(SHOP), ingress_class(), *scaled_down("search"), service("search", SHOP, {"app": "search"}),
              endpoints("search", SHOP, []), ingress("search", SHOP, "search.shop.example.com", "search"),
              *web, service("storefront", SHOP, {"app": "storefront"}), endpoints("storefront", SHOP, [web[2]]),
          ], expect=[{"rule": "service-backend-scaled-to-zero", "kind": "Service", "name": "search",
                      "evidence": "Ingress search routes search.shop.example.com/ → service search"},
                     {"rule": "service-backend-scaled-to-zero", "kind": "Service", "name": "search",
                      "evidence": "deployment/storefront calls it: env SEARCH_URL"}])
    write("healthy-scaled-down-nothing-routes",
          "Healthy: a retired Deployment scaled to 0 keeps its Service, and nothing routes to it any more", [
              *base(SHOP), *scaled_down("legacy-search"),
              service("legacy-search", SHOP, {"app": "legacy-search"}), endpoints("legacy-search", SHOP, []),
              *web[:2], *web[2:], service("storefront", SHOP, {"app": "storefront"}),
              endpoints("storefront", SHOP, [web[2]]),
          ])


def stale_statuses_on_lost_node() -> None:
    lost = node("node-2", ready="Unknown", heartbeat=12)
    pods = [([running(ready=True)], {"node_name": "node-2", "ready": False, "ready_reason": "NodeNotReady"}),
            ([running(ready=True)], {"node_name": "node-2", "ready": False, "ready_reason": "NodeNotReady"})]
    cart = deployment("cart", SHOP, [container("cart", "registry.example.com/shop/cart:5.3.1")], pods)
    write("nodes-lost-node-stale-ready-statuses",
          "Both cart pods sit on a node that stopped reporting: their containers still say ready, the pods "
          "are not Ready, and the Service has no endpoints because of the node", [
              *base(SHOP, nodes=[node("node-1"), lost]), *cart, service("cart", SHOP, {"app": "cart"}),
              endpoints("cart", SHOP, [], not_ready=cart[2:]),
          ], expect=[{"rule": "node-not-ready", "kind": "Node", "name": "node-2"},
                     {"rule": "service-no-ready-endpoints", "kind": "Service", "name": "cart",
                      "evidence": "still report ready containers, but the pods are not Ready"}])
    fine = deployment("cart", SHOP, [container("cart", "registry.example.com/shop/cart:5.3.1")],
                      [([running()], {"node_name": "node-1"}), ([running()], {"node_name": "node-2"})])
    write("healthy-node-rejoined-after-reboot",
          "Healthy: node-2 rebooted and rejoined an hour ago; its pods restarted once and are ready again", [
              *base(SHOP, nodes=[node("node-1"), node("node-2", age=60 * 24 * 30)]), *fine,
              service("cart", SHOP, {"app": "cart"}), endpoints("cart", SHOP, fine[2:]),
              event(node("node-2"), "NodeNotReady", "Node node-2 status is now: NodeNotReady", type_="Normal",
                    first=70, last=70, component="node-controller"),
              event(node("node-2"), "Rebooted", "Node node-2 has been rebooted, boot id: 5d1c", first=66,
                    last=66),
              event(node("node-2"), "NodeReady", "Node node-2 status is now: NodeReady", type_="Normal",
                    first=64, last=64),
          ])


def endpoint_slices() -> None:
    pods = [([running(ready=False)], {}), ([running(ready=False)], {})]
    api = deployment("api", SHOP, [container("api", "registry.example.com/shop/api:7.0.0",
                                             readinessProbe=http_probe("/ready", 8080))], pods)
    unready = [event(p, "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503",
                     count=40, field_path="spec.containers{api}") for p in api[2:]]
    write("net-endpointslices-no-ready-endpoints",
          "Only EndpointSlices (no Endpoints object): every endpoint of Service api is not ready", [
              *base(SHOP), *api, service("api", SHOP, {"app": "api"}),
              endpoint_slice("api", SHOP, [(p, False) for p in api[2:]]), *unready,
          ], expect=[{"rule": "service-no-ready-endpoints", "kind": "Service", "name": "api",
                      "evidence": "endpointslices of api: 0 ready endpoints, 2 not ready"},
                     {"rule": "pod-probe-failing", "kind": "Deployment", "name": "api"}])
    ok = deployment("api", SHOP, [container("api", "registry.example.com/shop/api:7.0.0")],
                    [([running()], {}), ([running()], {})])
    write("healthy-endpointslices-only",
          "Healthy: a cluster that publishes EndpointSlices only (no Endpoints objects), all endpoints ready", [
              *base(SHOP), *ok, service("api", SHOP, {"app": "api"}),
              endpoint_slice("api", SHOP, [(p, True) for p in ok[2:]]),
          ])


def liveness_restarts() -> None:
    def worker(last_finished: float, started: float) -> list:
        c = container("worker", "registry.example.com/shop/worker:2.4.0",
                      livenessProbe=http_probe("/healthz", 9090, period=10, failures=3))
        st = running(started=started, restarts=7, last=terminated("Completed", 0, finished=last_finished,
                                                                   started=last_finished + 6))
        return deployment("worker", SHOP, [c], [([st], {})])

    broken = worker(last_finished=4, started=4)
    pod = broken[2]
    write("pods-liveness-restarts-exit-zero",
          "Restarts without a crash: the kubelet keeps killing worker for a liveness probe on a port it does "
          "not listen on; it exits 0 each time and is Running at the moment of the snapshot", [
              *base(SHOP), *broken,
              event(pod, "Unhealthy", "Liveness probe failed: Get \"http://10.244.1.20:9090/healthz\": dial tcp "
                    "10.244.1.20:9090: connect: connection refused", count=21, first=40, last=4,
                    field_path="spec.containers{worker}"),
              event(pod, "Killing", "Container worker failed liveness probe, will be restarted", count=7,
                    type_="Normal", first=38, last=4, field_path="spec.containers{worker}"),
          ], expect=[{"rule": "pod-liveness-restarts", "kind": "Deployment", "name": "worker",
                      "evidence": "restartCount=7"},
                     {"rule": "pod-liveness-restarts", "kind": "Deployment", "name": "worker",
                      "evidence": "probe port 9090 is not a containerPort of worker (8080)"},
                     {"rule": "pod-liveness-restarts", "kind": "Deployment", "name": "worker",
                      "evidence": "21 liveness probe failures recorded"}])
    old = worker(last_finished=60 * 24 * 3, started=60 * 24 * 3)
    write("healthy-old-restarts-after-node-reboot",
          "Healthy: worker restarted 7 times three days ago (a node reboot and an old back-off); it has run "
          "cleanly since", [
              *base(SHOP), *old,
              event(old[2], "BackOff", "Back-off restarting failed container worker", count=4, first=60 * 24 * 3,
                    last=60 * 24 * 3, field_path="spec.containers{worker}"),
          ])


def claim(name: str, mode: str = "ReadWriteOnce", volume: str = "") -> list:
    pv_name = volume or f"pvc-{uid('pv', name)}"
    pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
           "metadata": meta("PersistentVolumeClaim", name, SHOP, finalizers=["kubernetes.io/pvc-protection"]),
           "spec": {"accessModes": [mode], "resources": {"requests": {"storage": "10Gi"}},
                    "storageClassName": "gp3", "volumeMode": "Filesystem", "volumeName": pv_name},
           "status": {"phase": "Bound", "accessModes": [mode], "capacity": {"storage": "10Gi"}}}
    sc = {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
          "metadata": meta("StorageClass", "gp3", annotations={"storageclass.kubernetes.io/is-default-class": "true"}),
          "provisioner": "ebs.csi.aws.com", "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer"}
    return [sc, pvc]


def multi_attach() -> None:
    volume = {"name": "media", "persistentVolumeClaim": {"claimName": "media"}}
    c = container("media", "registry.example.com/shop/media:2.0.1", volumeMounts=[{"name": "media", "mountPath": "/srv/media"}])
    pods = [([running()], {"node_name": "node-1"}),
            ([waiting("ContainerCreating")], {"node_name": "node-2", "age": 14})]
    media = deployment("media", SHOP, [c], pods, replicas=2, spec_extra={"volumes": [volume]})
    holder, waiter = media[2], media[3]
    pv = f"pvc-{uid('pv', 'media')}"
    write("storage-multi-attach-rolling-update",
          "Multi-Attach: the second media pod on node-2 waits for a ReadWriteOnce volume the first one holds on node-1", [
              *base(SHOP), *claim("media"), *media,
              event(waiter, "FailedAttachVolume", f'Multi-Attach error for volume "{pv}" Volume is already used by '
                    f"pod(s) {holder['metadata']['name']}", count=6, first=14, last=1,
                    component="attachdetach-controller"),
          ], expect=[{"rule": "pod-volume-mount-failed", "kind": "Deployment", "name": "media",
                      "evidence": f"the volume is held by pod {holder['metadata']['name']} on node node-1"}])
    shared = container("media", "registry.example.com/shop/media:2.0.1", volumeMounts=[{"name": "media", "mountPath": "/srv/media"}])
    fine = deployment("media", SHOP, [shared], [([running()], {"node_name": "node-1"}), ([running()], {"node_name": "node-2"})],
                      spec_extra={"volumes": [volume]})
    write("healthy-rwx-volume-on-two-nodes",
          "Healthy: a ReadWriteMany volume used by pods on two nodes; an old attach event from the first rollout",
          [*base(SHOP), *claim("media", mode="ReadWriteMany"), *fine,
           event(fine[3], "SuccessfulAttachVolume", f'AttachVolume.Attach succeeded for volume "{pv}"',
                 type_="Normal", first=60 * 24, last=60 * 24, component="attachdetach-controller")])


def exec_format_error() -> None:
    c = container("reporter", "registry.example.com/shop/reporter:1.0.0-arm64", port=None)
    message = ('failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create '
               'failed: unable to start container process: exec: "/usr/local/bin/reporter": exec format error: unknown')
    st = waiting("CrashLoopBackOff", "back-off 5m0s restarting failed container=reporter", restarts=9,
                 last=terminated("StartError", 128, finished=2, message=message))
    reporter = deployment("reporter", SHOP, [c], [([st], {"node_name": "node-1"})])
    write("pods-exec-format-error-wrong-arch",
          "exec format error: the reporter image was built for arm64 and the amd64 node cannot run it", [
              *base(SHOP), *reporter,
              event(reporter[2], "Failed", f"Error: {message}", count=9, field_path="spec.containers{reporter}"),
          ], expect=[{"rule": "pod-run-container-error", "kind": "Deployment", "name": "reporter",
                      "evidence": "node node-1 is amd64; image registry.example.com/shop/reporter:1.0.0-arm64"}])
    mixed = [node("node-1"), node("node-2", arch="arm64")]
    fine = deployment("reporter", SHOP, [container("reporter", "registry.example.com/shop/reporter:1.0.1", port=None)],
                      [([running()], {"node_name": "node-2"})])
    write("healthy-mixed-arch-multiarch-image",
          "Healthy: a multi-arch image runs on the arm64 node of a mixed cluster; the failed arm64-only build was "
          "rolled back an hour ago", [
              *base(SHOP, nodes=mixed), *fine,
              event(fine[0], "ScalingReplicaSet", "Scaled down replica set reporter-7f9c to 0 from 1",
                    type_="Normal", first=62, last=62, component="deployment-controller"),
          ])


def modern_events() -> None:
    c = container("billing", "registry.example.com/shop/billing:6.1.0")
    billing = deployment("billing", SHOP, [c], [
        ([waiting("CrashLoopBackOff", "back-off 5m0s restarting failed container=billing", restarts=14,
                  last=terminated("Error", 2, finished=3))], {})])
    pod = billing[2]
    text = "loading config\nerror: invalid value for --ledger-url: parse \"ledger:xyz\": invalid port\n"
    write("pods-crashloop-events-k8s-io-form",
          "Events only in the events.k8s.io/v1 form (regarding, note, series, eventTime; no first or last "
          "timestamps): billing crash-loops", [
              *base(SHOP), *billing,
              modern_event(pod, "BackOff", "Back-off restarting failed container billing in pod "
                           f"{pod['metadata']['name']}", count=31, first=45, last=1),
              modern_event(pod, "Started", "Started container billing", type_="Normal", count=15, first=45,
                           last=4),
          ], expect=[{"rule": "pod-crash-loop", "kind": "Deployment", "name": "billing",
                      "evidence": "event BackOff x31"},
                     {"rule": "pod-crash-loop", "kind": "Deployment", "name": "billing",
                      "evidence": "invalid value for --ledger-url"}],
          logs=[log(pod, "billing", text, previous=True)])
    fine = deployment("billing", SHOP, [c])
    write("healthy-events-k8s-io-rollout-storm",
          "Healthy: a finished rollout's event storm in the events.k8s.io/v1 form (pulls, starts, scaling, one "
          "readiness failure during start-up)", [
              *base(SHOP), *fine,
              modern_event(fine[0], "ScalingReplicaSet", "Scaled up replica set billing-5d9 to 1", type_="Normal",
                           first=50, last=50, controller="deployment-controller"),
              modern_event(fine[2], "Pulled", "Successfully pulled image registry.example.com/shop/billing:6.1.0",
                           type_="Normal", first=49, last=49),
              modern_event(fine[2], "Unhealthy", "Readiness probe failed: Get \"http://10.244.1.9:8080/ready\": "
                           "connect: connection refused", count=3, first=49, last=48),
              modern_event(fine[2], "Started", "Started container billing", type_="Normal", first=49, last=49),
          ])


def retried_job() -> list:
    """A Job that failed twice, then succeeded: Complete, with its two failed pods and their back-off."""
    job = {"apiVersion": "batch/v1", "kind": "Job",
           "metadata": meta("Job", "migrate-0142", SHOP, age=55, labels={"app": "migrate"}),
           "spec": {"backoffLimit": 6, "completions": 1, "parallelism": 1,
                    "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": uid("Job", SHOP, "migrate-0142")}},
                    "template": {"metadata": {"labels": {"app": "migrate"}},
                                 "spec": {"containers": [container("migrate", "registry.example.com/shop/migrate:0142", port=None)],
                                          "restartPolicy": "Never"}}},
           "status": {"startTime": at(55), "completionTime": at(41), "succeeded": 1, "failed": 2, "ready": 0,
                      "terminating": 0, "uncountedTerminatedPods": {},
                      "conditions": [{"type": "SuccessCriteriaMet", "status": "True", "lastProbeTime": at(41),
                                      "lastTransitionTime": at(41), "reason": "CompletionsReached",
                                      "message": "Reached expected number of succeeded pods"},
                                     {"type": "Complete", "status": "True", "lastProbeTime": at(41),
                                      "lastTransitionTime": at(41), "reason": "CompletionsReached",
                                      "message": "Reached expected number of succeeded pods"}]}}
    spec = {"containers": job["spec"]["template"]["spec"]["containers"], "restartPolicy": "Never"}
    pods = []
    for i, (code, reason, finished) in enumerate(((1, "Error", 52), (1, "Error", 47), (0, "Completed", 41))):
        st = {"state": {"terminated": terminated(reason, code, finished=finished)}, "ready": False,
              "started": False, "restartCount": 0, "lastState": {}}
        pods.append(pod(f"migrate-0142-{suffix('job', str(i))}", SHOP, spec, [st], labels={"app": "migrate"},
                        owner=job, age=55 - 5 * i, phase="Succeeded" if code == 0 else "Failed"))
    return [job, *pods,
            event(pods[0], "BackOff", "Back-off restarting failed container migrate", first=50, last=48),
            event(job, "Completed", "Job completed", type_="Normal", first=41, last=41, component="job-controller")]


def also() -> None:
    """Resolved noise stays quiet; two independent problems are two findings, each with its own cause."""
    web = deployment("web", SHOP, [container("web", "registry.example.com/shop/web:1.9.4")],
                     [([running(restarts=2, last=terminated("Error", 1, finished=60 * 6))], {})])
    write("healthy-retried-job-and-rollout-noise",
          "Healthy: a migration Job that failed twice then succeeded, a web pod with two restarts six hours ago, "
          "and the rollout's events", [
              *base(SHOP), *retried_job(), *web, service("web", SHOP, {"app": "web"}),
              endpoints("web", SHOP, [web[2]]),
              event(web[0], "ScalingReplicaSet", "Scaled up replica set web-6b8 to 1", type_="Normal", first=60 * 6,
                    last=60 * 6, component="deployment-controller"),
          ])

    # x509 crash loop in shop + a lost node holding cart's pods, in one cluster: two findings, two chains.
    orders = deployment("orders", SHOP, [container("orders", "registry.example.com/shop/orders:3.2.0")], [
        ([waiting("CrashLoopBackOff", "back-off 2m40s restarting failed container=orders", restarts=6,
                  last=terminated("Error", 1, finished=3))], {"node_name": "node-1"})])
    lost = node("node-2", ready="Unknown", heartbeat=12)
    cart = deployment("cart", SHOP, [container("cart", "registry.example.com/shop/cart:5.3.1")], [
        ([running()], {"node_name": "node-2", "ready": False}), ([running()], {"node_name": "node-2", "ready": False})])
    write("two-problems-cert-crash-and-lost-node",
          "Two independent problems: orders crash-loops on an expired certificate, and node-2 stopped reporting "
          "with both cart pods on it", [
              *base(SHOP, nodes=[node("node-1"), lost]), *orders, service("orders", SHOP, {"app": "orders"}),
              *cart, service("cart", SHOP, {"app": "cart"}), endpoints("cart", SHOP, [], not_ready=cart[2:]),
          ], expect=[
              {"rule": "pod-crash-loop", "kind": "Deployment", "name": "orders", "evidence": "x509: certificate has expired"},
              {"rule": "node-not-ready", "kind": "Node", "name": "node-2"},
              {"rule": "deployment-unavailable", "kind": "Deployment", "name": "cart", "evidence": "replicas: 0/2"},
          ], logs=[log(orders[2], "orders", "starting\nERROR dial payments:443: x509: certificate has expired or is "
                       "not yet valid\nFATAL exiting: upstream unavailable\n", previous=True)])

    # Routes to nothing + restarts without a crash, in two namespaces.
    search = deployment("search", SHOP, [container("search", "registry.example.com/shop/search:2.1.0")], [], replicas=0)
    probe = http_probe("/healthz", 9090)
    worker = deployment("worker", "jobs", [container("worker", "registry.example.com/jobs/worker:2.4.0",
                                                     livenessProbe=probe)], [
        ([running(started=3, restarts=9, last=terminated("Completed", 0, finished=3))], {})])
    write("two-problems-route-to-nothing-and-liveness-restarts",
          "Two independent problems: the search Ingress routes to a Deployment scaled to 0, and worker in "
          "namespace jobs is restarted by its liveness probe without ever crashing", [
              *base(SHOP, "jobs"), ingress_class(), *search, service("search", SHOP, {"app": "search"}),
              endpoints("search", SHOP, []), ingress("search", SHOP, "search.shop.example.com", "search"), *worker,
              event(worker[2], "Killing", "Container worker failed liveness probe, will be restarted", count=9,
                    type_="Normal", first=90, last=3, field_path="spec.containers{worker}"),
          ], expect=[
              {"rule": "service-backend-scaled-to-zero", "kind": "Service", "namespace": SHOP, "name": "search"},
              {"rule": "pod-liveness-restarts", "kind": "Deployment", "namespace": "jobs", "name": "worker"},
          ])


def network_policy(name: str, ns: str, selector: dict, ingress_from: list | None = None, port: int = 8080,
                   age: float = 25, egress: list | None = None) -> dict:
    spec: dict = {"podSelector": {"matchLabels": selector}, "policyTypes": ["Ingress"]}
    if ingress_from is not None:
        spec["ingress"] = [{"from": ingress_from, "ports": [{"port": port, "protocol": "TCP"}]}]
    if egress is not None:
        spec["policyTypes"] = ["Egress"]
        spec["egress"] = egress
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": meta("NetworkPolicy", name, ns, age=age, generation=1), "spec": spec}


def netpol_blocked() -> None:
    payments = deployment("payments", SHOP, [container("payments", "registry.example.com/shop/payments:8.2.0")])
    checkout = deployment("checkout", SHOP, [container("checkout", "registry.example.com/shop/checkout:5.0.3")], [
        ([waiting("CrashLoopBackOff", "back-off 5m0s restarting failed container=checkout", restarts=9,
                  last=terminated("Error", 1, finished=2))], {})])
    text = "\n".join([
        "2026-11-12T09:57:01Z INFO checkout 5.0.3 starting",
        "2026-11-12T09:57:31Z ERROR payments client: Post \"http://payments:80/v1/authorize\": dial tcp "
        "10.96.91.45:80: i/o timeout",
        "2026-11-12T09:57:31Z FATAL cannot reach payments, exiting",
    ])
    policy = network_policy("payments-ingress", SHOP, {"app": "payments"},
                            [{"podSelector": {"matchLabels": {"app": "gateway"}}}], age=25)
    write("net-networkpolicy-blocks-traffic",
          "A NetworkPolicy created 25 minutes ago lets only the gateway reach payments: checkout times out "
          "calling it and crash-loops, although payments has ready endpoints", [
              *base(SHOP), *payments, service("payments", SHOP, {"app": "payments"}),
              endpoints("payments", SHOP, [payments[2]]), *checkout, policy,
              event(checkout[2], "BackOff", "Back-off restarting failed container checkout", count=12, first=23,
                    last=1, field_path="spec.containers{checkout}"),
          ], expect=[
              {"rule": "networkpolicy-blocks-traffic", "kind": "NetworkPolicy", "name": "payments-ingress",
               "evidence": "allows no rule for deployment/checkout on port 8080"},
              {"rule": "networkpolicy-blocks-traffic", "kind": "NetworkPolicy", "name": "payments-ingress",
               "evidence": "errors began 2026-11-12T09:37:00Z, 2m after it"},
              {"rule": "pod-crash-loop", "kind": "Deployment", "name": "checkout",
               "evidence": "i/o timeout"},
          ], logs=[log(checkout[2], "checkout", text, previous=True)])
    allowed = network_policy("payments-ingress", SHOP, {"app": "payments"},
                             [{"podSelector": {"matchLabels": {"app": "checkout"}}},
                              {"podSelector": {"matchLabels": {"app": "gateway"}}}], age=60 * 24)
    fine = deployment("checkout", SHOP, [container("checkout", "registry.example.com/shop/checkout:5.0.3")])
    write("healthy-networkpolicy-allows-callers",
          "Healthy: a default-deny namespace whose policy allows checkout and the gateway into payments; "
          "checkout logged one timeout while payments restarted yesterday", [
              *base(SHOP), *payments, service("payments", SHOP, {"app": "payments"}),
              endpoints("payments", SHOP, [payments[2]]), *fine, allowed,
              network_policy("default-deny", SHOP, {}, [], age=60 * 24 * 7),
          ], logs=[log(fine[2], "checkout", "2026-11-11T08:00:00Z WARN payments: i/o timeout, retrying\n"
                       "2026-11-11T08:00:05Z INFO payments reachable again\n")])



def webhook_behind_policy(ingress_rules: list, age: float) -> list:
    """Kyverno's admission controller, ready, behind a NetworkPolicy in its namespace with `ingress_rules`."""
    ns = "kyverno"
    kyverno = deployment("kyverno-admission-controller", ns, [
        container("kyverno", "ghcr.io/kyverno/kyverno:v1.13.2", port=9443, port_name="https")],
        labels={"app.kubernetes.io/component": "admission-controller", "app.kubernetes.io/part-of": "kyverno"})
    svc = service("kyverno-svc", ns, {"app.kubernetes.io/component": "admission-controller"}, port=443,
                  target="https", port_name="https")
    config = {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
              "metadata": meta("ValidatingWebhookConfiguration", "kyverno-resource-validating-webhook-cfg"),
              "webhooks": [{"name": "validate.kyverno.svc-fail", "admissionReviewVersions": ["v1"],
                            "clientConfig": {"service": {"namespace": ns, "name": "kyverno-svc",
                                                         "path": "/validate/fail", "port": 443}},
                            "failurePolicy": "Fail", "matchPolicy": "Equivalent", "sideEffects": "NoneOnDryRun",
                            "timeoutSeconds": 10, "namespaceSelector": {}, "objectSelector": {},
                            "rules": [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"],
                                       "resources": ["pods"], "scope": "*"}]}]}
    policy = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
              "metadata": meta("NetworkPolicy", "kyverno-lockdown", ns, age=age, generation=1),
              "spec": {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": ingress_rules}}
    return [*kyverno, svc, endpoints("kyverno-svc", ns, kyverno[2:], port=9443), config, policy]


def netpol_blocks_webhook() -> None:
    """A NetworkPolicy that keeps the API server from an admission webhook; and a webhook that times out with
    the API server let in (something else is slow)."""
    def web(first: float) -> list:
        dep = deployment("web", SHOP, [container("web", "registry.example.com/shop/web:2.15.0")], [], replicas=2)
        return [*dep, event(dep[1], "FailedCreate", "Error creating: Internal error occurred: failed calling webhook "
                            '"validate.kyverno.svc-fail": failed to call webhook: Post "https://kyverno-svc.kyverno.svc'
                            ':443/validate/fail?timeout=10s": context deadline exceeded', count=14, first=first, last=1,
                            component="replicaset-controller")]
    same_namespace = [{"from": [{"podSelector": {}}]}]
    write("net-networkpolicy-blocks-admission-webhook",
          "A NetworkPolicy created 35 minutes ago admits only pods of its own namespace into kyverno: the API server "
          "(not a pod) times out calling the webhook, so web's ReplicaSet cannot create pods", [
              *base(SHOP, "kyverno"), *webhook_behind_policy(same_namespace, age=35), *web(first=33),
          ], expect=[
              {"rule": "networkpolicy-blocks-traffic", "kind": "NetworkPolicy", "name": "kyverno-lockdown",
               "causedBy": None, "evidence": "admits nothing from outside the pod network on port 9443"},
              {"rule": "networkpolicy-blocks-traffic", "kind": "NetworkPolicy", "name": "kyverno-lockdown",
               "evidence": "webhook calls began timing out 2026-11-12T09:27:00Z, 2m after it"},
              {"rule": "deployment-replica-failure", "kind": "Deployment", "name": "web",
               "causedBy": "networkpolicy-blocks-traffic"},
          ])
    api_server_too = [{"from": [{"podSelector": {}}]},
                      {"from": [{"ipBlock": {"cidr": "10.0.0.0/24"}}], "ports": [{"port": 9443, "protocol": "TCP"}]}]
    write("workloads-webhook-timeout-not-networkpolicy",
          "The kyverno webhook times out although its NetworkPolicy lets the control plane's addresses in: the "
          "policy is not the cause, and web's refusal is reported on its own", [
              *base(SHOP, "kyverno"), *webhook_behind_policy(api_server_too, age=60 * 24 * 20), *web(first=20),
          ], expect=[
              {"rule": "deployment-replica-failure", "kind": "Deployment", "name": "web", "causedBy": None,
               "evidence": "admission webhook validate.kyverno.svc-fail is unreachable"},
              {"rule": "networkpolicy-blocks-traffic", "absent": True},
          ])



def cluster_dns() -> list:
    dns_c = container("coredns", "registry.k8s.io/coredns/coredns:v1.11.3", port=53, port_name="dns")
    dns = deployment("coredns", "kube-system", [dns_c], [([running()], {}), ([running()], {"node_name": "node-2"})],
                     labels={"k8s-app": "kube-dns"})
    return [*dns, service("kube-dns", "kube-system", {"k8s-app": "kube-dns"}, port=53, target=53, port_name="dns"),
            endpoints("kube-dns", "kube-system", dns[2:], port=53)]


def netpol_egress_dns() -> None:
    """A default-deny egress policy that allows the app's own calls but forgot DNS; and one that allows it."""
    payments = deployment("payments", SHOP, [container("payments", "registry.example.com/shop/payments:8.2.0")])
    to_payments = {"to": [{"podSelector": {"matchLabels": {"app": "payments"}}}], "ports": [{"port": 8080, "protocol": "TCP"}]}
    deny = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": meta("NetworkPolicy", "egress-lockdown", SHOP, age=18, generation=1),
            "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [to_payments]}}
    checkout = deployment("checkout", SHOP, [container("checkout", "registry.example.com/shop/checkout:5.0.3")], [
        ([waiting("CrashLoopBackOff", "back-off 2m40s restarting failed container=checkout", restarts=5,
                  last=terminated("Error", 1, finished=1))], {})])
    text = "\n".join([
        "2026-11-12T09:58:40Z INFO checkout 5.0.3 starting",
        '2026-11-12T09:58:50Z ERROR payments client: Post "http://payments:80/v1/authorize": dial tcp: lookup '
        "payments on 10.96.0.10:53: read udp 10.244.1.23:53211->10.96.0.10:53: i/o timeout",
        "2026-11-12T09:58:50Z FATAL cannot reach payments, exiting",
    ])
    write("net-networkpolicy-egress-blocks-dns",
          "A default-deny egress NetworkPolicy created 18 minutes ago lets shop's pods reach payments but not the "
          "cluster DNS: checkout's lookup of payments times out and it crash-loops", [
              *base(SHOP), *cluster_dns(), *payments, service("payments", SHOP, {"app": "payments"}),
              endpoints("payments", SHOP, payments[2:]), *checkout, deny,
              event(checkout[2], "BackOff", "Back-off restarting failed container checkout", count=8, first=16, last=1,
                    field_path="spec.containers{checkout}"),
          ], expect=[
              {"rule": "networkpolicy-blocks-traffic", "kind": "NetworkPolicy", "name": "egress-lockdown",
               "causedBy": None, "evidence": "the name lookup timed out: the cluster DNS did not answer"},
              {"rule": "networkpolicy-blocks-traffic", "kind": "NetworkPolicy", "name": "egress-lockdown",
               "evidence": "NetworkPolicy egress-lockdown (Egress) selects the source pods and allows no rule for "
                           "deployment/checkout on port 53"},
              {"rule": "pod-crash-loop", "kind": "Deployment", "name": "checkout",
               "causedBy": "networkpolicy-blocks-traffic"},
          ], logs=[log(checkout[2], "checkout", text, previous=True)])
    with_dns = copy.deepcopy(deny)
    with_dns["spec"]["egress"].append({"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                                               "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                                       "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]})
    with_dns["metadata"]["creationTimestamp"] = at(60 * 24 * 3)
    fine = deployment("checkout", SHOP, [container("checkout", "registry.example.com/shop/checkout:5.0.3")])
    write("healthy-default-deny-egress-with-dns",
          "Healthy: a default-deny egress policy that allows payments and the cluster DNS; checkout logged one DNS "
          "timeout while CoreDNS restarted", [
              *base(SHOP), *cluster_dns(), *payments, service("payments", SHOP, {"app": "payments"}),
              endpoints("payments", SHOP, payments[2:]), *fine, with_dns,
          ], logs=[log(fine[2], "checkout", "2026-11-12T08:10:00Z WARN lookup payments on 10.96.0.10:53: read udp "
                       "10.244.1.23:40111->10.96.0.10:53: i/o timeout, retrying\n2026-11-12T08:10:02Z INFO payments "
                       "reachable\n")])


def evicted_status_unknown() -> None:
    c = container("cache", "registry.example.com/shop/cache:3.1.0", memory="256Mi")
    unknown = {"state": {"terminated": terminated("ContainerStatusUnknown", 137, finished=20,
                                                  message="The container could not be located when the pod was terminated")},
               "ready": False, "started": False, "restartCount": 0, "lastState": {}}
    cache = deployment("cache", SHOP, [c], [
        ([unknown], {"phase": "Failed", "node_name": "node-1", "age": 60,
                     "reason": "Evicted",
                     "message": "The node was low on resource: memory. Threshold quantity: 100Mi, available: 91Mi. "
                                "Container cache was using 1843Mi, request is 256Mi, has larger consumption of memory."}),
        ([running(started=19)], {"node_name": "node-2", "age": 19}),
    ], replicas=1)
    write("pods-evicted-container-status-unknown",
          "An evicted pod whose container status is ContainerStatusUnknown (exit 137): it is an eviction for "
          "memory, not an OOM kill or a crash", [*base(SHOP), *cache], expect=[
              {"rule": "pod-evicted", "kind": "Deployment", "name": "cache",
               "evidence": "container cache used 1843Mi with a request of 256Mi"}])
    job_spec_pod = {"containers": [c], "restartPolicy": "Never"}
    job = {"apiVersion": "batch/v1", "kind": "Job",
           "metadata": meta("Job", "report-nightly", SHOP, age=300),
           "spec": {"backoffLimit": 3, "template": {"metadata": {"labels": {"app": "report"}}, "spec": job_spec_pod}},
           "status": {"startTime": at(300), "completionTime": at(200), "succeeded": 1, "failed": 1,
                      "conditions": [{"type": "Complete", "status": "True", "lastProbeTime": at(200),
                                      "lastTransitionTime": at(200), "reason": "CompletionsReached",
                                      "message": "Reached expected number of succeeded pods"}]}}
    evicted_job_pod = pod("report-nightly-" + suffix("rn"), SHOP, job_spec_pod, [unknown], labels={"app": "report"},
                          owner=job, age=300, phase="Failed", reason="Evicted",
                          message="The node was low on resource: memory.")
    write("healthy-evicted-pod-of-finished-job",
          "Healthy: a Job's pod was evicted (ContainerStatusUnknown) and its retry succeeded", [
              *base(SHOP), job, evicted_job_pod])


def enforcing(objects: list, namespace_name: str, level: str) -> list:
    """`objects` with the Namespace `namespace_name` labelled to enforce Pod Security `level`."""
    for obj in objects:
        if obj["kind"] == "Namespace" and obj["metadata"]["name"] == namespace_name:
            obj["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] = level
            obj["metadata"]["labels"]["pod-security.kubernetes.io/enforce-version"] = "latest"
    return objects


def admission() -> None:
    ns_restricted = "batch"
    c = container("backup", "registry.example.com/ops/backup:1.4.0", port=None)
    job = {"apiVersion": "batch/v1", "kind": "Job",
           "metadata": meta("Job", "backup-20261112", ns_restricted, age=30),
           "spec": {"backoffLimit": 4, "template": {"metadata": {"labels": {"app": "backup"}},
                                                    "spec": {"containers": [c], "restartPolicy": "Never"}}},
           "status": {"startTime": at(30)}}
    violations = ('allowPrivilegeEscalation != false (container "backup" must set securityContext.allowPrivilegeEscalation=false), '
                  'unrestricted capabilities (container "backup" must set securityContext.capabilities.drop=["ALL"]), '
                  'runAsNonRoot != true (pod or container "backup" must set securityContext.runAsNonRoot=true), '
                  'seccompProfile (pod or container "backup" must set securityContext.seccompProfile.type to '
                  '"RuntimeDefault" or "Localhost")')
    limits = {"apiVersion": "v1", "kind": "LimitRange", "metadata": meta("LimitRange", "container-bounds", SHOP),
              "spec": {"limits": [{"type": "Container", "min": {"memory": "64Mi", "cpu": "50m"},
                                   "max": {"memory": "2Gi", "cpu": "2"},
                                   "default": {"memory": "256Mi", "cpu": "500m"},
                                   "defaultRequest": {"memory": "128Mi", "cpu": "100m"}}]}}
    api = deployment("api", SHOP, [container("api", "registry.example.com/shop/api:7.1.0", memory="32Mi")], [],
                     replicas=2)
    write("workloads-job-podsecurity-and-limitrange-minimum",
          "Admission refusals: a Job in a namespace enforcing PodSecurity restricted, and a Deployment whose "
          "memory request is below the LimitRange minimum", [
              *enforcing(base(SHOP, "batch"), "batch", "restricted"), limits, *api,
              event(api[1], "FailedCreate", f'Error creating: pods "{api[1]["metadata"]["name"]}-x7k2p" is forbidden: '
                    "minimum memory usage per Container is 64Mi, but request is 32Mi", count=17,
                    component="replicaset-controller"),
              job,
              event(job, "FailedCreate", 'Error creating: pods "backup-20261112-q8zlc" is forbidden: violates '
                    f'PodSecurity "restricted:latest": {violations}', count=6, component="job-controller"),
          ], expect=[
              {"rule": "job-failed", "kind": "Job", "name": "backup-20261112",
               "evidence": "violates PodSecurity restricted:latest: allowPrivilegeEscalation != false, unrestricted "
                           "capabilities, runAsNonRoot != true, seccompProfile"},
              {"rule": "deployment-replica-failure", "kind": "Deployment", "name": "api",
               "evidence": "LimitRange minimum memory per Container is 64Mi, the pod asks 32Mi"},
          ])
    ok = deployment("api", SHOP, [container("api", "registry.example.com/shop/api:7.1.0", memory="128Mi")])
    write("healthy-podsecurity-and-limitrange-compliant",
          "Healthy: a namespace enforcing PodSecurity baseline with a LimitRange; the Deployment complies, and "
          "an old refusal from before its requests were fixed has been resolved", [
              *enforcing(base(SHOP), SHOP, "baseline"), limits, *ok,
              event(ok[1], "SuccessfulCreate", f'Created pod: {ok[2]["metadata"]["name"]}', type_="Normal",
                    first=60 * 3, last=60 * 3, component="replicaset-controller"),
          ])


def cpu_starvation() -> None:
    probe = http_probe("/actuator/health", 8080, period=10, timeout=1, failures=3)

    def ledger(cpu_limit: str, ready: bool) -> list:
        c = container("ledger", "registry.example.com/finance/ledger-spring:4.2.0", cpu="200m",
                      limits={"cpu": cpu_limit, "memory": "1Gi"}, readinessProbe=probe, livenessProbe=probe)
        return deployment("ledger", SHOP, [c], [([running(started=40, ready=ready)], {}),
                                                 ([running(started=40, ready=ready)], {})])

    starved = ledger("250m", ready=False)
    usage = [{"apiVersion": "metrics.k8s.io/v1beta1", "kind": "PodMetrics",
              "metadata": {"name": p["metadata"]["name"], "namespace": SHOP, "creationTimestamp": at(0)},
              "timestamp": at(0.5), "window": "15s",
              "containers": [{"name": "ledger", "usage": {"cpu": "249m", "memory": "612Mi"}}]} for p in starved[2:]]
    timeouts = [event(p, "Unhealthy", "Readiness probe failed: Get \"http://10.244.1.30:8080/actuator/health\": "
                      "context deadline exceeded (Client.Timeout exceeded while awaiting headers)", count=55,
                      first=38, last=1, field_path="spec.containers{ledger}") for p in starved[2:]]
    write("pods-cpu-starved-jvm-probe-timeouts",
          "CPU starvation: a Spring (JVM) service with a 250m CPU limit uses all of it; its probes time out "
          "and neither replica is ready", [
              *base(SHOP), *starved, service("ledger", SHOP, {"app": "ledger"}),
              endpoints("ledger", SHOP, [], not_ready=starved[2:]), *usage, *timeouts,
          ], expect=[
              {"rule": "container-cpu-starved", "kind": "Deployment", "name": "ledger",
               "evidence": "cpu usage 249m of a 250m limit (metrics.k8s.io): throttled at the limit"},
              {"rule": "container-cpu-starved", "kind": "Deployment", "name": "ledger",
               "evidence": "log: 2026-11-12T09:59:10Z WARN HikariPool-1 - Thread starvation"},
              {"rule": "pod-probe-failing", "kind": "Deployment", "name": "ledger"},
          ], logs=[log(p, "ledger", "2026-11-12T09:59:10Z WARN HikariPool-1 - Thread starvation or "
                       "clock leap detected (housekeeper delta=1m2s).\n") for p in starved[2:]])
    roomy = ledger("2", ready=True)
    write("healthy-jvm-with-room-and-startup-blips",
          "Healthy: the same service with a 2-CPU limit; two readiness timeouts during start-up 40 minutes ago", [
              *base(SHOP), *roomy, service("ledger", SHOP, {"app": "ledger"}),
              endpoints("ledger", SHOP, roomy[2:]),
              event(roomy[2], "Unhealthy", "Readiness probe failed: Get \"http://10.244.1.30:8080/actuator/health\": "
                    "context deadline exceeded", count=2, first=40, last=39, field_path="spec.containers{ledger}"),
          ])



def previous_revision(objects: list, old_containers: list, rolled: float) -> list:
    """`objects` (deployment()'s Deployment, ReplicaSet, pods) rolled out `rolled` minutes ago from a revision
    whose ReplicaSet, now scaled to 0, ran `old_containers`."""
    dep, rs = objects[0], objects[1]
    name, ns = dep["metadata"]["name"], dep["metadata"]["namespace"]
    old_hash = suffix("rs-old", ns, name, n=10)[:9].replace("b", "5")
    labels = {**rs["spec"]["selector"]["matchLabels"], "pod-template-hash": old_hash}
    old = copy.deepcopy(rs)
    old["metadata"] = meta("ReplicaSet", f"{name}-{old_hash}", ns, age=dep_age(dep), generation=2, labels=labels,
                           annotations={**rs["metadata"]["annotations"], "deployment.kubernetes.io/revision": "1"},
                           ownerReferences=rs["metadata"]["ownerReferences"])
    old["spec"].update(replicas=0, selector={"matchLabels": labels})
    old["spec"]["template"] = {"metadata": {"labels": labels},
                               "spec": {**rs["spec"]["template"]["spec"], "containers": old_containers}}
    old["status"] = {"replicas": 0, "observedGeneration": 2}
    for obj in (dep, rs):
        obj["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "2"
    rs["metadata"]["creationTimestamp"] = at(rolled)
    dep["metadata"]["generation"] = 2
    dep["status"]["observedGeneration"] = 2
    return [*objects, old,
            event(dep, "ScalingReplicaSet", f"Scaled up replica set {rs['metadata']['name']} to "
                  f"{rs['spec']['replicas']}", type_="Normal", first=rolled, last=rolled,
                  component="deployment-controller"),
            event(dep, "ScalingReplicaSet", f"Scaled down replica set {old['metadata']['name']} to 0 from "
                  f"{rs['spec']['replicas']}", type_="Normal", first=rolled - 1, last=rolled - 1,
                  component="deployment-controller")]


def dep_age(dep: dict) -> float:
    created = dep["metadata"]["creationTimestamp"]
    return (NOW - datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)).total_seconds() / 60


def cpu_limit_lowered() -> None:
    """A rollout that lowered a Node.js API's CPU limit; and probe timeouts with CPU to spare (not starvation)."""
    probe = http_probe("/healthz", 3000, period=10, timeout=1, failures=3)

    def rates_container(cpu_limit: str) -> dict:
        return container("rates", "registry.example.com/fx/rates-api:2.8.0", port=3000, cpu="100m",
                         limits={"cpu": cpu_limit, "memory": "512Mi"}, livenessProbe=probe)

    killed = terminated("Error", 143, finished=2, started=6)
    rates = deployment("rates", "fx", [rates_container("100m")], [
        ([running(started=2, restarts=7, last=killed)], {"age": 48}),
        ([running(started=1, restarts=6, last=killed)], {"age": 47}),
    ])
    text = "\n".join([
        "2026-11-12T09:58:02Z INFO rates-api 2.8.0 listening on :3000",
        "2026-11-12T09:58:03Z INFO loading 1,840 currency pairs",
        "2026-11-12T09:58:09Z WARN event loop blocked for 2350ms (gc 410ms)",
        "2026-11-12T09:58:21Z WARN event loop blocked for 4120ms",
        "2026-11-12T09:58:30Z INFO SIGTERM received, closing server",
    ])
    pods = rates[2:]
    write("pods-cpu-limit-lowered-liveness-kills",
          "CPU starvation: the last rollout of rates cut its CPU limit from 1 to 100m; its event loop blocks, the "
          "liveness probe times out and the kubelet keeps restarting it (exit 143); no metrics-server", [
              *base("fx"), *previous_revision(rates, [rates_container("1")], rolled=48),
              service("rates", "fx", {"app": "rates"}, target=3000), endpoints("rates", "fx", pods, port=3000),
              *(event(p, "Unhealthy", f'Liveness probe failed: Get "http://{p["status"]["podIP"]}:3000/healthz": '
                      "context deadline exceeded (Client.Timeout exceeded while awaiting headers)", count=21,
                      first=46, last=2, field_path="spec.containers{rates}") for p in pods),
              *(event(p, "Killing", "Container rates failed liveness probe, will be restarted", count=7,
                      type_="Normal", first=45, last=2, field_path="spec.containers{rates}") for p in pods),
          ], expect=[
              {"rule": "container-cpu-starved", "kind": "Deployment", "name": "rates",
               "evidence": "the last rollout lowered the CPU limit from 1 to 100m"},
              {"rule": "container-cpu-starved", "kind": "Deployment", "name": "rates",
               "evidence": "log: 2026-11-12T09:58:21Z WARN event loop blocked for 4120ms"},
              {"rule": "pod-crash-loop", "kind": "Deployment", "name": "rates",
               "causedBy": "container-cpu-starved"},
          ], logs=[log(p, "rates", text, previous=True) for p in pods])

    # Readiness timeouts under a CPU limit that is far from used: the backend is slow, not the CPU.
    check = http_probe("/ready", 8080, period=10, timeout=2, failures=3)
    quotes = deployment("quotes", "fx", [container("quotes", "registry.example.com/fx/quotes:1.4.2", cpu="250m",
                                                   limits={"cpu": "1", "memory": "512Mi"}, readinessProbe=check)],
                        [([running(started=30, ready=False)], {})])
    usage = {"apiVersion": "metrics.k8s.io/v1beta1", "kind": "PodMetrics",
             "metadata": {"name": quotes[2]["metadata"]["name"], "namespace": "fx", "creationTimestamp": at(0)},
             "timestamp": at(0.5), "window": "15s",
             "containers": [{"name": "quotes", "usage": {"cpu": "42m", "memory": "180Mi"}}]}
    write("pods-readiness-timeouts-cpu-to-spare",
          "Readiness probe timeouts while quotes uses 42m of a 1-CPU limit: not CPU starvation (the probe waits "
          "on a slow backend)", [
              *base("fx"), *quotes, service("quotes", "fx", {"app": "quotes"}),
              endpoints("quotes", "fx", [], not_ready=quotes[2:]), usage,
              event(quotes[2], "Unhealthy", f'Readiness probe failed: Get "http://{quotes[2]["status"]["podIP"]}:8080'
                    '/ready": context deadline exceeded (Client.Timeout exceeded while awaiting headers)', count=170,
                    first=29, last=0.5, field_path="spec.containers{quotes}"),
          ], expect=[
              {"rule": "pod-probe-failing", "kind": "Deployment", "name": "quotes", "causedBy": None},
              {"rule": "container-cpu-starved", "absent": True},
          ], logs=[log(quotes[2], "quotes", "2026-11-12T09:59:50Z WARN upstream ecb-feed slow: 2.8s\n")])



def limit_range(name: str, ns: str, container_max: dict | None = None, pod_max: dict | None = None,
                ratio: dict | None = None) -> dict:
    limits: list = []
    if container_max or ratio:
        item: dict = {"type": "Container"}
        if container_max:
            item["max"] = container_max
        if ratio:
            item["maxLimitRequestRatio"] = ratio
        limits.append(item)
    if pod_max:
        limits.append({"type": "Pod", "max": pod_max})
    return {"apiVersion": "v1", "kind": "LimitRange", "metadata": meta("LimitRange", name, ns, age=60 * 24 * 90),
            "spec": {"limits": limits}}


def limit_range_maximum() -> None:
    """LimitRange maximums refused both ways: a limit above the maximum, and no limit under a maximum with no
    default (the API server cannot tell how much the container may use); and a limit-to-request ratio."""
    ns = "analytics"
    bounds = limit_range("container-max", ns, container_max={"cpu": "2", "memory": "4Gi"}, ratio={"cpu": "4"})
    driver = deployment("spark-driver", ns, [container("driver", "registry.example.com/data/spark:3.5.3", cpu="1",
                                                       memory="2Gi", limits={"cpu": "4", "memory": "4Gi"})],
                        [], replicas=1)
    exporter_spec = {"containers": [container("export", "registry.example.com/data/exporter:2.0.1", port=None,
                                              cpu="250m", memory="512Mi")], "restartPolicy": "OnFailure"}
    job = {"apiVersion": "batch/v1", "kind": "Job",
           "metadata": meta("Job", "export-29383560", ns, age=35, labels={"app": "export"}),
           "spec": {"backoffLimit": 6, "completions": 1, "parallelism": 1,
                    "template": {"metadata": {"labels": {"app": "export"}}, "spec": exporter_spec}},
           "status": {"startTime": at(35), "active": 0, "ready": 0, "terminating": 0, "uncountedTerminatedPods": {}}}
    tuner = deployment("tuner", ns, [container("tuner", "registry.example.com/data/tuner:0.9.0", cpu="100m",
                                               limits={"cpu": "1", "memory": "256Mi"})], [], replicas=1)
    rs_event = "Error creating: pods \"{}-{}\" is forbidden: {}"
    write("workloads-limitrange-maximum-both-ways",
          "LimitRange maximums: spark-driver's CPU limit of 4 is above the maximum of 2, the export Job sets no "
          "limits under a maximum without defaults, and tuner's CPU limit is 10 times its request (at most 4)", [
              *base(ns), bounds, *driver, job, *tuner,
              event(driver[1], "FailedCreate", rs_event.format(driver[1]["metadata"]["name"], "q2vxl",
                    "maximum cpu usage per Container is 2, but limit is 4"), count=16, first=40, last=1,
                    component="replicaset-controller"),
              event(job, "FailedCreate", rs_event.format("export-29383560", "7wbjm",
                    "[maximum cpu usage per Container is 2.  No limit is specified, maximum memory usage per "
                    "Container is 4Gi.  No limit is specified]"), count=9, first=35, last=2,
                    component="job-controller"),
              event(tuner[1], "FailedCreate", rs_event.format(tuner[1]["metadata"]["name"], "h8dzc",
                    "cpu max limit to request ratio per Container is 4, but provided ratio is 10.000000"),
                    count=12, first=30, last=1, component="replicaset-controller"),
          ], expect=[
              {"rule": "deployment-replica-failure", "kind": "Deployment", "name": "spark-driver",
               "evidence": "LimitRange maximum cpu per Container is 2, the pod asks 4"},
              {"rule": "job-failed", "kind": "Job", "name": "export-29383560",
               "evidence": "LimitRange maximum cpu per Container is 2 and the pod sets no cpu limit"},
              {"rule": "job-failed", "kind": "Job", "name": "export-29383560",
               "evidence": "LimitRange maximum memory per Container is 4Gi and the pod sets no memory limit"},
              {"rule": "deployment-replica-failure", "kind": "Deployment", "name": "tuner",
               "evidence": "LimitRange allows a cpu limit at most 4 times the request per Container, the pod's is 10"},
          ])

    # A Pod maximum (the sum of its containers) refuses a StatefulSet's pod; a Deployment exactly at the maximum
    # is admitted.
    pod_bounds = limit_range("pod-max", "search", pod_max={"memory": "8Gi"})
    es_spec = pod_spec([container("elasticsearch", "docker.elastic.co/elasticsearch/elasticsearch:8.15.3", port=9200,
                                  cpu="1", memory="8Gi", limits={"memory": "8Gi"}),
                        container("exporter", "quay.io/prometheuscommunity/elasticsearch-exporter:v1.8.0", port=9114,
                                  cpu="50m", memory="64Mi", limits={"memory": "128Mi"})])
    es = {"apiVersion": "apps/v1", "kind": "StatefulSet",
          "metadata": meta("StatefulSet", "es", "search", age=60 * 24 * 20, generation=3, labels={"app": "es"}),
          "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "es"}}, "serviceName": "es",
                   "podManagementPolicy": "OrderedReady",
                   "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
                   "template": {"metadata": {"labels": {"app": "es"}}, "spec": es_spec}},
          "status": {"replicas": 0, "availableReplicas": 0, "currentReplicas": 0, "updatedReplicas": 0,
                     "observedGeneration": 3, "collisionCount": 0}}
    kibana = deployment("kibana", "search", [container("kibana", "docker.elastic.co/kibana/kibana:8.15.3", port=5601,
                                                       cpu="500m", memory="2Gi", limits={"memory": "8Gi"})])
    write("workloads-statefulset-limitrange-pod-maximum",
          "A LimitRange Pod maximum of 8Gi memory refuses es-0, whose two containers' limits add up to 8Gi + 128Mi; "
          "kibana at exactly 8Gi runs", [
              *base("search"), pod_bounds, es, *kibana, service("es", "search", {"app": "es"}, target=9200),
              event(es, "FailedCreate", 'create Pod es-0 in StatefulSet es failed error: pods "es-0" is forbidden: '
                    "maximum memory usage per Pod is 8Gi, but limit is 8724152320", count=25, first=50, last=1,
                    component="statefulset-controller"),
          ], expect=[
              {"rule": "statefulset-unavailable", "kind": "StatefulSet", "name": "es",
               "evidence": "LimitRange maximum memory per Pod is 8Gi, the pod asks 8724152320"},
              {"rule": "deployment-replica-failure", "name": "kibana", "absent": True},
          ])


def daemonset(name: str, ns: str, containers: list, nodes: list[str], tolerations: list | None = None,
              labels: dict | None = None) -> list:
    labels = labels or {"app": name}
    spec = pod_spec(containers, tolerations=tolerations or [])
    ds = {"apiVersion": "apps/v1", "kind": "DaemonSet",
          "metadata": meta("DaemonSet", name, ns, generation=1, labels=labels),
          "spec": {"selector": {"matchLabels": labels},
                   "template": {"metadata": {"labels": labels}, "spec": spec},
                   "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}}},
          "status": {"currentNumberScheduled": len(nodes), "desiredNumberScheduled": len(nodes),
                     "numberAvailable": len(nodes), "numberMisscheduled": 0, "numberReady": len(nodes),
                     "observedGeneration": 1, "updatedNumberScheduled": len(nodes)}}
    pods = [pod(f"{name}-{suffix('ds', name, n)}", ns, spec, [running() for _ in containers], labels=labels,
                owner=ds, node_name=n) for n in nodes]
    return [ds, *pods]


def csi_node_plugin(tolerations: list | None, nodes: list[str]) -> list:
    return daemonset("ebs-csi-node", "kube-system", [
        container("ebs-plugin", "public.ecr.aws/ebs-csi-driver/aws-ebs-csi-driver:v1.37.0", port=None),
        container("node-driver-registrar", "public.ecr.aws/eks-distro/kubernetes-csi/node-driver-registrar:v2.12.0",
                  port=None)], nodes, tolerations=tolerations)


def daemonset_coverage() -> None:
    batch_taint = {"key": "dedicated", "value": "batch", "effect": "NoSchedule"}
    nodes = [node("node-1"), node("node-2", taints=[batch_taint], labels={"dedicated": "batch"})]
    volume = {"name": "scratch", "persistentVolumeClaim": {"claimName": "scratch"}}
    c = container("etl", "registry.example.com/data/etl:9.0.1", port=None,
                  volumeMounts=[{"name": "scratch", "mountPath": "/scratch"}])
    etl = deployment("etl", SHOP, [c], [([waiting("ContainerCreating")], {"node_name": "node-2", "age": 20})],
                     spec_extra={"volumes": [volume], "tolerations": [{"key": "dedicated", "operator": "Equal",
                                                                       "value": "batch", "effect": "NoSchedule"}]})
    pv = f"pvc-{uid('pv', 'scratch')}"
    write("workloads-csi-node-plugin-missing-on-tainted-node",
          "DaemonSet coverage: the EBS CSI node plugin does not tolerate node-2's dedicated=batch taint, so the etl "
          "pod there cannot attach its volume (CSINode node-2 does not contain driver ebs.csi.aws.com)", [
              *base(SHOP, nodes=nodes), *csi_node_plugin(None, ["node-1"]), *claim("scratch"), *etl,
              event(etl[2], "FailedAttachVolume", f'AttachVolume.Attach failed for volume "{pv}" : CSINode node-2 '
                    "does not contain driver ebs.csi.aws.com", count=9, first=20, last=1,
                    component="attachdetach-controller"),
          ], expect=[
              {"rule": "daemonset-coverage-gap", "kind": "DaemonSet", "name": "ebs-csi-node",
               "evidence": "node node-2: untolerated taint dedicated=batch:NoSchedule"},
              {"rule": "daemonset-coverage-gap", "kind": "DaemonSet", "name": "ebs-csi-node",
               "evidence": "CSINode node-2 does not contain driver ebs.csi.aws.com"},
              {"rule": "pod-volume-mount-failed", "kind": "Deployment", "name": "etl"},
          ])
    gpu_taint = {"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}
    gpu_nodes = [node("node-1"), node("node-2", taints=[gpu_taint])]
    shipper = daemonset("log-shipper", "kube-system", [container("fluent-bit", "cr.fluentbit.io/fluent/fluent-bit:3.2",
                                                                 port=None)], ["node-1"])
    write("healthy-daemonsets-by-design",
          "Healthy: the CSI node plugin tolerates every taint and runs on both nodes; a log shipper stays off the "
          "tainted GPU node by design", [
              *base(SHOP, nodes=gpu_nodes), *csi_node_plugin([{"operator": "Exists"}], ["node-1", "node-2"]), *shipper,
          ])



def network_agent_coverage() -> None:
    """The CNI DaemonSet misses a new node pool's taint: the node never gets a pod network and stays NotReady;
    and a Linux-only CNI that stays off a Windows node by its OS selector (by design)."""
    gpu_taint = {"key": "workload", "value": "gpu", "effect": "NoSchedule"}
    fresh = node("node-3", ready="False", taints=[gpu_taint], labels={"workload": "gpu"}, age=40, heartbeat=0.3)
    ready = next(c for c in fresh["status"]["conditions"] if c["type"] == "Ready")
    ready.update(lastTransitionTime=at(40), message="container runtime network not ready: NetworkReady=false "
                 "reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized")
    fresh["spec"]["taints"].append({"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule", "timeAdded": at(40)})
    system = [{"key": "CriticalAddonsOnly", "operator": "Exists"},
              {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"}]
    calico = daemonset("calico-node", "kube-system", [container("calico-node", "docker.io/calico/node:v3.29.1", port=None)],
                       ["node-1", "node-2"], tolerations=system, labels={"k8s-app": "calico-node"})
    proxy = daemonset("kube-proxy", "kube-system", [container("kube-proxy", "registry.k8s.io/kube-proxy:v1.33.2", port=None)],
                      ["node-1", "node-2", "node-3"], tolerations=[{"operator": "Exists"}], labels={"k8s-app": "kube-proxy"})
    write("nodes-cni-daemonset-misses-tainted-pool",
          "DaemonSet coverage: calico-node does not tolerate the new GPU pool's workload=gpu taint, so node-3 never "
          "gets a pod network (cni plugin not initialized) and stays NotReady", [
              *base(SHOP, nodes=[node("node-1"), node("node-2"), fresh]), *calico, *proxy,
              event(fresh, "NodeNotReady", "Node node-3 status is now: NodeNotReady", type_="Normal", first=40,
                    last=40, component="node-controller"),
          ], expect=[
              {"rule": "daemonset-coverage-gap", "kind": "DaemonSet", "name": "calico-node", "causedBy": None,
               "evidence": "node node-3: untolerated taint workload=gpu:NoSchedule"},
              {"rule": "daemonset-coverage-gap", "kind": "DaemonSet", "name": "calico-node",
               "evidence": "node node-3: Ready=False: container runtime network not ready"},
              {"rule": "node-not-ready", "kind": "Node", "name": "node-3", "causedBy": "daemonset-coverage-gap"},
          ])
    windows = node("node-win-1", labels={"kubernetes.io/os": "windows"})
    windows["status"]["nodeInfo"].update(operatingSystem="windows", osImage="Windows Server 2022 Datacenter")
    linux_only = daemonset("calico-node", "kube-system", [container("calico-node", "docker.io/calico/node:v3.29.1",
                                                                    port=None)],
                           ["node-1", "node-2"], tolerations=[{"operator": "Exists"}], labels={"k8s-app": "calico-node"})
    linux_only[0]["spec"]["template"]["spec"]["nodeSelector"] = {"kubernetes.io/os": "linux"}
    on_windows = daemonset("calico-node-windows", "kube-system",
                           [container("felix", "docker.io/calico/windows:v3.29.1", port=None)], ["node-win-1"],
                           tolerations=[{"operator": "Exists"}], labels={"k8s-app": "calico-node-windows"})
    on_windows[0]["spec"]["template"]["spec"]["nodeSelector"] = {"kubernetes.io/os": "windows"}
    iis = deployment("legacy-portal", SHOP, [container("iis", "mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022", port=80)],
                     [([running()], {"node_name": "node-win-1"})], spec_extra={"nodeSelector": {"kubernetes.io/os": "windows"}})
    write("healthy-linux-cni-off-windows-node",
          "Healthy: the Linux calico-node DaemonSet stays off the Windows node by its OS selector, where the Windows "
          "Calico agent runs; the Windows workload is up", [
              *base(SHOP, nodes=[node("node-1"), node("node-2"), windows]), *linux_only, *on_windows, *iis,
              service("legacy-portal", SHOP, {"app": "legacy-portal"}, target=80),
              endpoints("legacy-portal", SHOP, iis[2:], port=80),
          ])


def main() -> None:
    daemonset_coverage()
    network_agent_coverage()
    cpu_starvation()
    cpu_limit_lowered()
    limit_range_maximum()
    admission()
    evicted_status_unknown()
    netpol_blocked()
    netpol_blocks_webhook()
    netpol_egress_dns()
    also()
    modern_events()
    exec_format_error()
    multi_attach()
    liveness_restarts()
    decisive_log_line()
    routes_to_nothing()
    stale_statuses_on_lost_node()
    endpoint_slices()


if __name__ == "__main__":
    main()
