"""deploy/ (kustomize) and the Dockerfile: they render with the real kubectl, the RBAC is read-only,
names no Secrets and matches what prism gathers, every pod is hardened, the alerts use real metrics,
the Dockerfile lints (hadolint) and parses (BuildKit's parser), and the wheel installs and runs.

No Docker engine runs on these machines: the image itself is not built here.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_prism.exporter.metrics import PrismCollector
from kubectl_prism.findings import Diagnosis, Finding, ObjectRef, Scope, Severity
from kubectl_prism.gather.live import CLUSTER_KINDS, NAMESPACED_KINDS
from kubectl_prism.kinds import BY_KIND
from kubectl_prism.redact.output import clear_for_output

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
READ_VERBS = {"get", "list"}


@cache
def rendered(path: str) -> list[dict[str, Any]]:
    result = subprocess.run([str(BIN / "kubectl"), "kustomize", str(DEPLOY / path)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def of_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


def gathered_resources() -> set[tuple[str, str]]:
    """(API group, resource) of everything live gathering reads, but Secrets; and pods/log."""
    kinds = [*NAMESPACED_KINDS, *CLUSTER_KINDS, "PodMetrics", "NodeMetrics"]
    wanted = {(BY_KIND[k].group, BY_KIND[k].plural) for k in kinds if k != "Secret"}
    return wanted | {("", "pods/log")}


@pytest.mark.parametrize("variant", ["", "exporter"])
def test_kustomize_renders_with_the_real_kubectl(variant: str) -> None:
    docs = rendered(variant)
    kinds = sorted(d["kind"] for d in docs)
    assert {"Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding"} <= set(kinds)
    assert ("CronJob" in kinds) == (variant == "")
    assert ("Deployment" in kinds) == (variant == "exporter")
    for doc in docs:
        if doc["kind"] not in ("Namespace", "ClusterRole", "ClusterRoleBinding"):
            assert doc["metadata"]["namespace"] == "kubectl-prism", doc["metadata"]


@pytest.mark.parametrize("variant", ["", "exporter"])
def test_every_rbac_rule_is_read_only_and_names_no_secrets(variant: str) -> None:
    docs = rendered(variant)
    roles = of_kind(docs, "ClusterRole") + of_kind(docs, "Role")
    assert roles
    assert not of_kind(docs, "RoleBinding") or all(
        b["roleRef"]["name"] in {r["metadata"]["name"] for r in roles} for b in of_kind(docs, "RoleBinding"))
    for role in roles:
        assert not role.get("aggregationRule"), "an aggregated role takes rules from elsewhere"
        for rule in role["rules"]:
            assert set(rule["verbs"]) <= READ_VERBS, rule
            assert "*" not in rule.get("apiGroups", []) and "*" not in rule.get("resources", []), rule
            assert not rule.get("nonResourceURLs"), rule
            for resource in rule.get("resources", []):
                assert resource.split("/")[0] != "secrets", rule


def test_the_cluster_role_grants_exactly_what_prism_gathers() -> None:
    """Adding a kind to the gatherer without the role (or the reverse) fails here, not in a cluster."""
    (role,) = of_kind(rendered(""), "ClusterRole")
    granted = {(group, resource) for rule in role["rules"] for group in rule["apiGroups"]
               for resource in rule["resources"]}
    assert granted == gathered_resources()


def test_the_binding_gives_the_role_to_the_pods_service_account() -> None:
    for variant in ("", "exporter"):
        docs = rendered(variant)
        (binding,) = of_kind(docs, "ClusterRoleBinding")
        (role,) = of_kind(docs, "ClusterRole")
        (account,) = of_kind(docs, "ServiceAccount")
        assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                      "name": role["metadata"]["name"]}
        assert binding["subjects"] == [{"kind": "ServiceAccount", "name": account["metadata"]["name"],
                                        "namespace": account["metadata"]["namespace"]}]
        for spec in pod_specs(docs):
            assert spec["serviceAccountName"] == account["metadata"]["name"]


def pod_specs(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    specs = [d["spec"]["jobTemplate"]["spec"]["template"]["spec"] for d in of_kind(docs, "CronJob")]
    return specs + [d["spec"]["template"]["spec"] for d in of_kind(docs, "Deployment")]


@pytest.mark.parametrize("variant", ["", "exporter"])
def test_every_pod_is_hardened(variant: str) -> None:
    specs = pod_specs(rendered(variant))
    assert specs
    for spec in specs:
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True and pod["runAsUser"] > 0
        assert pod["seccompProfile"] == {"type": "RuntimeDefault"}
        assert not spec.get("hostNetwork") and not spec.get("hostPID") and not spec.get("hostIPC")
        for container in spec["containers"]:
            sc = container["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False
            assert sc["readOnlyRootFilesystem"] is True
            assert sc["capabilities"] == {"drop": ["ALL"]}
            assert not sc.get("privileged")
            resources = container["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"])
            assert {"cpu", "memory"} <= set(resources["limits"])
            mounts = {m["mountPath"] for m in container["volumeMounts"]}
            assert "/tmp" in mounts  # the only writable place besides the reports volume
            env = {e["name"]: e["value"] for e in container.get("env", [])}
            assert env["PRISM_STATE_DIR"].startswith("/tmp/")


def test_the_cronjob_writes_the_report_and_prints_json() -> None:
    (cron,) = of_kind(rendered(""), "CronJob")
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    (container,) = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    args = container["args"]
    assert args[:2] == ["report", "-A"] and "-o" in args and args[args.index("-o") + 1] == "json"
    out = args[args.index("--out") + 1]
    assert out.startswith("/reports/") and "/reports" in {m["mountPath"] for m in container["volumeMounts"]}


def test_the_exporter_listens_where_prometheus_scrapes_it() -> None:
    docs = rendered("exporter")
    (deployment,) = of_kind(docs, "Deployment")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    args = container["args"]
    assert args[0] == "exporter" and args[args.index("--address") + 1] == "0.0.0.0"
    port = int(args[args.index("--port") + 1])
    assert container["ports"] == [{"name": "metrics", "containerPort": port}]
    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"
    (service,) = of_kind(docs, "Service")
    (monitor,) = of_kind(docs, "ServiceMonitor")
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    assert monitor["spec"]["endpoints"][0]["port"] == service["spec"]["ports"][0]["name"]


def test_the_alert_rules_use_metrics_the_exporter_serves() -> None:
    import re

    collector = PrismCollector()
    finding = Finding("pod-crash-loop", Severity.CRITICAL, "t", ObjectRef("Pod", "p", "ns"),
                      owner=ObjectRef("Deployment", "d", "ns"))
    diagnosis = Diagnosis(Scope("c", None, None, "live"), [finding])
    collector.record("c", clear_for_output(diagnosis), {"Pod": 1}, 0, 1.0)
    served = {s.name for family in collector.collect() for s in family.samples}
    labels = {k for family in collector.collect() for s in family.samples for k in s.labels}
    (rule_doc,) = of_kind(rendered("exporter"), "PrometheusRule")
    rules = [r for group in rule_doc["spec"]["groups"] for r in group["rules"]]
    assert any('severity="critical"' in r["expr"] and "prism_findings" in r["expr"] for r in rules)
    for rule in rules:
        used = set(re.findall(r"\bprism_[a-z_]+", rule["expr"]))
        assert used and used <= served, (rule["alert"], used - served)
        for label in re.findall(r"\$labels\.(\w+)", str(rule.get("annotations"))):
            assert label in labels, (rule["alert"], label)


# --- the image ------------------------------------------------------------------------------------

def test_the_dockerfile_passes_hadolint() -> None:
    result = subprocess.run([str(BIN / "hadolint"), "--no-color", str(ROOT / "Dockerfile")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_dockerfile_builds_a_non_root_image_from_the_wheel() -> None:
    import dockerfile

    commands = dockerfile.parse_file(str(ROOT / "Dockerfile"))
    stages = [i for i, c in enumerate(commands) if c.cmd == "FROM"]
    assert len(stages) == 2
    final = commands[stages[-1]:]
    assert commands[stages[-1]].value[0] == "${PYTHON_IMAGE}"
    base = next(c for c in commands if c.cmd == "ARG").value[0]
    assert base.startswith("PYTHON_IMAGE=python:3.") and "-slim" in base
    user = [c for c in final if c.cmd == "USER"]
    assert user and user[-1].value[0].split(":")[0].isdigit() and user[-1].value[0].split(":")[0] != "0"
    entry = next(c for c in final if c.cmd == "ENTRYPOINT")
    assert entry.json and entry.value == ("kubectl-prism",)
    install = " ".join(c.value[0] for c in final if c.cmd == "RUN")
    assert "pip install --no-index" in install and "/wheels/kubectl_prism-" in install
    assert not [c for c in commands if c.cmd == "ADD"]
    env = " ".join(" ".join(c.value) for c in final if c.cmd == "ENV")
    assert "PYTHONDONTWRITEBYTECODE" in env and "PRISM_STATE_DIR /tmp/" in env.replace("=", " ")
    copied = [c.value for c in commands if c.cmd == "COPY"]
    assert copied == [("pyproject.toml", "README.md", "./"), ("kubectl_prism", "./kubectl_prism")]
    assert (ROOT / ".dockerignore").read_text().splitlines()[1] == "*"


def test_the_wheel_installs_into_a_fresh_venv_and_runs(tmp_path: Path) -> None:
    """What the image's build does, without Docker: build the wheel, install it, run it."""
    wheels = tmp_path / "wheels"
    build = subprocess.run([str(BIN / "pip"), "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                            str(wheels), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    (wheel,) = wheels.glob("kubectl_prism-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        meta = next(zf.read(n).decode() for n in names if n.endswith(".dist-info/METADATA"))
        entry_points = next(zf.read(n).decode() for n in names
                            if n.endswith(".dist-info/entry_points.txt"))
    assert {"kubectl_prism/fleet/run.py", "kubectl_prism/exporter/metrics.py",
            "kubectl_prism/fleet/jobs.py"} <= names
    assert not [n for n in names if n.startswith("tests/")]
    assert "Requires-Dist: prometheus-client" in meta
    assert "kubectl-prism = kubectl_prism.cli:main" in entry_points
    # A fresh venv; the dependencies come from this one (no index needed), prism from the wheel.
    fresh = tmp_path / "venv"
    venv.create(fresh, with_pip=True)  # ensurepip: pip from the standard library, offline
    install = subprocess.run([str(fresh / "bin" / "python"), "-m", "pip", "install", "--no-deps",
                              "--no-index", "-q", str(wheel)], capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr
    # Only now: with this venv's packages in sight, pip would uninstall the editable prism from it.
    site = Path(sysconfig.get_paths(vars={"base": str(fresh), "platbase": str(fresh)})["purelib"])
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    # Run from elsewhere: from the repository, `python -c` would import the source tree instead.
    run = subprocess.run([str(fresh / "bin" / "kubectl-prism"), "version"], capture_output=True, text=True,
                         timeout=60, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    where = subprocess.run([str(fresh / "bin" / "python"), "-c",
                            "import kubectl_prism; print(kubectl_prism.__file__)"],
                           capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert where.stdout.strip().startswith(str(site)), where.stdout + where.stderr
