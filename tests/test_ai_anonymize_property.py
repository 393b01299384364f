"""`--anonymize` without holes, as a property: for a generated cluster (names, namespace, nodes, IPs,
hosts inside URLs, an AWS account in the context name, an IRSA role and an ECR image), nothing that
identifies it appears in any byte the fake provider received from `diagnose --ai` or a multi-step `ask`
over the live fake API server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubectl_prism.cli import main
from kubectl_prism.redact import Anonymizer, redact_text
from tests import scenario_kit as k
from tests.ai_support import enable_ai, isolate
from tests.fakes.ai_server import FakeAIServer, RecordedRequest, Reply, text, tool
from tests.fakes.kube_apiserver import FakeKubeAPI

# Distinctive names: a hyphen and a digit, so they never occur in prism's own prompt text and are
# never a placeholder (`pod-1`) themselves.
NAME = st.from_regex(r"\A[a-z]{3,7}-[a-z]{2,5}[0-9][a-z0-9]{0,2}\Z")
LABEL = st.from_regex(r"\A[a-z]{3,6}[0-9][a-z0-9]{1,4}\Z").filter(lambda s: not s.startswith("sha"))
OCTET = st.integers(2, 254)
REGION = st.sampled_from(["eu-west-1", "us-east-2", "ap-southeast-1"])
ANSWER = {"root_cause": "the database is unreachable", "evidence": [], "remediation": [], "confidence": "low"}


@dataclass
class Cluster:
    context: str
    objects: list[dict[str, Any]]
    logs: list[dict[str, Any]]
    namespace: str
    app: str
    identifying: list[str]  # every string that must not leave the machine


@st.composite
def clusters(draw: st.DrawFn) -> Cluster:
    names = draw(st.lists(NAME, min_size=7, max_size=7, unique=True))
    ns, app, db, node_name, cluster_name, role, user = names
    tenant, storage, corp = draw(st.lists(LABEL, min_size=3, max_size=3, unique=True))
    account = draw(st.from_regex(r"\A[1-9][0-9]{11}\Z"))
    region = draw(REGION)
    ips = draw(st.lists(st.tuples(OCTET, OCTET, OCTET), min_size=4, max_size=4, unique=True))
    pod_ip, host_ip, db_ip, upstream_ip = (f"10.{a}.{b}.{c}" for a, b, c in ips)
    context = draw(st.sampled_from([
        f"arn:aws:eks:{region}:{account}:cluster/{cluster_name}",
        f"gke_{cluster_name}_{region}_{user}",
        f"{user}@{cluster_name}",
        f"{cluster_name}/{user}:{account}",
    ]))
    mongo = f"cluster0.{tenant}.mongodb.net"
    blob = f"{storage}.blob.core.windows.net"
    internal = f"{db}.{corp}.internal"
    public = f"{storage}-web.{draw(st.sampled_from(['shop', 'se', 'berlin']))}"  # any top-level domain
    image = f"{account}.dkr.ecr.{region}.amazonaws.com/{app}:1.4.2"
    env = [
        {"name": "MONGO_URL", "value": f"mongodb+srv://{mongo}/orders?retryWrites=true"},
        {"name": "INVOICES", "value": f"https://{blob}/invoices"},
        {"name": "DB_HOST", "value": internal},
        {"name": "UPSTREAM", "value": f"http://{upstream_ip}:8080/v1"},
        {"name": "AWS_ROLE_ARN", "value": f"arn:aws:iam::{account}:role/{role}"},
    ]
    crash = k.terminated("Error", 1, finished=2, started=3)
    objects = [
        *k.base(ns, nodes=[k.node(node_name)]),
        *k.deployment(
            app, ns, [k.container("app", image, env=env)],
            pods=[([k.waiting("CrashLoopBackOff", "back-off 5m0s", restarts=9, last=crash)],
                   {"node_name": node_name, "hostIP": host_ip, "podIP": pod_ip})],
        ),
        k.service(db, ns, {"app": db}, port=5432, target=5432),
        k.ingress(f"{app}-public", ns, public, app),
    ]
    for obj in objects:
        if obj["kind"] == "Service":
            obj["spec"]["clusterIP"] = db_ip
        if obj["kind"] == "Pod":
            obj["status"].update(hostIP=host_ip, podIP=pod_ip)
            irsa = f"arn:aws:iam::{account}:role/{role}"
            obj["metadata"]["annotations"] = {"eks.amazonaws.com/role-arn": irsa}
    pod = next(o for o in objects if o["kind"] == "Pod")
    pod_name = pod["metadata"]["name"]
    message = f"Back-off restarting failed container app in pod {pod_name} on {node_name}"
    objects.append(k.event(pod, "BackOff", message, count=9))
    log = (
        f"connecting to {mongo} via mongodb+srv://{mongo}/orders\n"
        f"uploading to https://{blob}/invoices/2026 as arn:aws:iam::{account}:role/{role}\n"
        f"retrying via http://{upstream_ip}:8080/v1 as {user} for https://{public}/checkout\n"
        f"FATAL: could not connect to {internal}:5432 ({db_ip}), {db}.{ns}.svc.cluster.local unreachable "
        f"from {pod_ip} on {node_name} in cluster {cluster_name}\n"
    )
    logs = [k.log(pod, "app", log, previous=True), k.log(pod, "app", log)]
    rs_name = pod["metadata"]["ownerReferences"][0]["name"]
    identifying = [
        context, ns, app, db, node_name, cluster_name, role, account, tenant, storage, corp,
        pod_ip, host_ip, db_ip, upstream_ip, pod_name, rs_name, mongo, blob, internal, public,
        *([user] if user in context else []),  # elsewhere the user is just a word in a log
    ]
    return Cluster(context, objects, logs, ns, app, identifying)


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAIServer]:
    isolate(tmp_path, monkeypatch)
    with FakeAIServer() as s:
        enable_ai(s, monkeypatch)
        yield s


def run(*argv: str) -> int:
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    return int(exc.value.code or 0)


def placeholder(req: RecordedRequest, prefix: str) -> str:
    """A placeholder the model was shown (it answers with those, as a real model would)."""
    match = re.search(rf"\b{prefix}-\d+\b", req.raw.decode())
    assert match, f"no {prefix} placeholder in the request"
    return match.group(0)


def five_steps() -> list[Any]:
    return [
        lambda req: tool("get_logs", {"pod": placeholder(req, "pod"), "previous": True}),
        lambda req: tool("get_resource", {"kind": "pods", "name": placeholder(req, "pod")}),
        Reply(tool_calls=[("list_resources", {"kind": "services"}), ("get_events", {}),
                          ("list_resources", {"kind": "ingresses"})]),
        lambda req: tool("recent_changes", {"target": f"deploy/{placeholder(req, 'deploy')}"}),
        lambda req: tool("explain", {"target": f"deploy/{placeholder(req, 'deploy')}"}),
        text("It cannot reach the database."),
    ]


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cluster=clusters())
def test_no_identifying_name_reaches_the_provider(
    cluster: Cluster, server: FakeAIServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.requests.clear()
    with FakeKubeAPI(cluster.objects, cluster.logs) as kube:
        kubeconfig = kube.write_kubeconfig(tmp_path / "kubeconfig", namespace=cluster.namespace,
                                           context=cluster.context)
        server.enqueue(tool("report_diagnosis", ANSWER))
        code = run("diagnose", f"deploy/{cluster.app}", "--ai", "--anonymize",
                   "--kubeconfig", str(kubeconfig))
        assert code in (0, 1), capsys.readouterr().err
        server.enqueue(*five_steps())
        code = run("ask", f"why does {cluster.app} crash in {cluster.namespace}?", "--anonymize",
                   "--kubeconfig", str(kubeconfig), "--max-steps", "8")
        out = capsys.readouterr().out
        assert code == 0, out
    assert out.count("-> success") == 7, out  # every step read something, so every result was checked
    assert len(server.requests) == 7 and server.pending() == 0
    sent = server.all_bytes().decode()
    assert "context=cluster-1 " in sent  # ask's briefing names the cluster, by its placeholder
    for value in cluster.identifying:
        assert value not in sent, f"{value!r} reached the provider"


# --- the anonymizer alone: many more cases, in milliseconds -----------------------------------------
CONTEXTS = st.builds(
    lambda style, name, user, account, region: style.format(n=name, u=user, a=account, r=region),
    st.sampled_from(["arn:aws:eks:{r}:{a}:cluster/{n}", "gke_{n}_{r}-b_{u}", "{u}@{n}", "{n}/{u}:{a}",
                     "{u}-{n}", "arn:aws-cn:eks:{r}:{a}:cluster/{n}"]),
    NAME, NAME, st.from_regex(r"\A[1-9][0-9]{11}\Z"), REGION,
)
HOSTS = st.builds(
    lambda form, label, other: form.format(x=label, y=other),
    st.sampled_from(["{x}.{y}.mongodb.net", "{x}.blob.core.windows.net", "{x}.{y}.internal",
                     "{x}.privatelink.{y}.azmk8s.io", "{x}.{y}.eu-west-1.rds.amazonaws.com", "{x}.acme.se",
                     "{x}-{y}.herokuapp.com", "{x}.azurecr.io", "{x}"]),
    LABEL, LABEL,
)
WRAPPERS = st.sampled_from(["{h}", "https://{h}/x", "mongodb+srv://u:p@{h}/db?ssl=1", "tcp://{h}:5432.",
                            "({h}:443)", "host={h},", "redis://{h}", "ops@{h}"])


@settings(max_examples=300, deadline=None, derandomize=True)
@given(context=CONTEXTS, host=HOSTS, wrapper=WRAPPERS, filler=st.sampled_from([" ", "\n", " | ", "; "]))
def test_anonymized_text_holds_no_context_part_or_host_and_restores(
    context: str, host: str, wrapper: str, filler: str
) -> None:
    anon = Anonymizer()
    anon.register_context(context)
    if "." not in host:  # a single label is a host only where a URL says so
        wrapper = "https://{h}/x"
    text = filler.join(["context", context, "reaches", wrapper.format(h=host), "and", context.split(":")[0]])
    out = redact_text(text, anonymizer=anon).text
    identifying = [context, host, *re.findall(r"[a-z]{3,7}-[a-z]{2,5}[0-9][a-z0-9]{0,2}|[0-9]{12}", context)]
    for value in identifying:
        assert value not in out, (value, out)
    if "[REDACTED" not in out:
        assert anon.restore(out) == text
