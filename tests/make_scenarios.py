"""Write the issue-13 scenarios (tests/scenarios/*.yaml) from Python: `python -m tests.make_scenarios`.

Each family has a broken cluster and one where the rule must stay silent (a `healthy-*` scenario, which the
corpus checks for no warning or critical finding, or a broken one whose expectations name another rule).
"""

from __future__ import annotations

from tests.scenario_kit import (
    base,
    container,
    deployment,
    endpoints,
    event,
    log,
    service,
    terminated,
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
          "Healthy: old certificate errors in the log of a pod that reloaded its certificate, never restarted",
          [*base(SHOP), *web, service("web", SHOP, {"app": "web"}),
           endpoints("web", SHOP, [web[2]])],
          logs=[log(web[2], "web", noisy)])


def main() -> None:
    decisive_log_line()


if __name__ == "__main__":
    main()
