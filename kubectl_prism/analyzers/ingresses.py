"""Ingresses: routes to Services, ports, TLS Secrets and IngressClasses that do not exist."""

from __future__ import annotations

from typing import Any

from kubectl_prism.analyzers import Rule, analyzer
from kubectl_prism.analyzers._index import close_name, compact_json, dig, gathered, unique_refs
from kubectl_prism.analyzers._util import ref
from kubectl_prism.findings import Finding, ObjectRef, Remediation, Severity
from kubectl_prism.snapshot import KubeObject, Snapshot, name_of, namespace_of

INGRESS_SERVICE = Rule("ingress-service-missing", Severity.CRITICAL,
                       "Ingress routes to a Service that does not exist")
INGRESS_PORT = Rule("ingress-service-port-missing", Severity.CRITICAL,
                    "Ingress routes to a port (number or name) its Service does not expose")
INGRESS_TLS = Rule("ingress-tls-secret-missing", Severity.WARNING,
                   "Ingress TLS secretName names a Secret that does not exist")
INGRESS_CLASS = Rule("ingress-class-missing", Severity.WARNING,
                     "Ingress names an unknown IngressClass, or none while no default class exists")

DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"


@analyzer("ingresses", INGRESS_SERVICE, INGRESS_PORT, INGRESS_TLS, INGRESS_CLASS)
def analyze_ingresses(snapshot: Snapshot) -> list[Finding]:
    findings: list[Finding] = []
    for ing in snapshot.of_kind("Ingress"):
        findings += _ingress_backends(snapshot, ing)
        if tls := _ingress_tls(snapshot, ing):
            findings.append(tls)
        if cls := _ingress_class(snapshot, ing):
            findings.append(cls)
    return findings


def _backends(ing: KubeObject) -> list[tuple[str, str, dict[str, Any]]]:
    """(JSON-patch path of the backend service, "host/path" for people, backend.service)."""
    out = []
    spec = ing.get("spec") or {}
    if svc := dig(spec, "defaultBackend", "service"):
        out.append(("/spec/defaultBackend/service", "default backend", svc))
    for i, rule in enumerate(spec.get("rules") or []):
        for j, path in enumerate(dig(rule, "http", "paths") or []):
            if svc := dig(path, "backend", "service"):
                where = f"{rule.get('host') or '*'}{path.get('path') or '/'}"
                out.append((f"/spec/rules/{i}/http/paths/{j}/backend/service", where, svc))
    return out


def _port_text(port: dict[str, Any] | None) -> str:
    port = port or {}
    return str(port.get("number") or port.get("name") or "?")


def _ingress_backends(snapshot: Snapshot, ing: KubeObject) -> list[Finding]:
    ns, name = namespace_of(ing), name_of(ing)
    known = gathered(snapshot, "Service", ns)
    missing_ev, missing_ops, missing_refs = [], [], []
    port_ev, port_ops, port_refs = [], [], []
    for path, where, backend in _backends(ing):
        svc_name, port = backend.get("name", ""), backend.get("port") or {}
        svc = snapshot.get("Service", ns, svc_name)
        target = f"{where} → service {svc_name}:{_port_text(port)}"
        if svc is None:
            if not known:
                continue
            missing_refs.append(ObjectRef("Service", svc_name, ns))
            close = close_name(svc_name, sorted(name_of(s) for s in snapshot.of_kind("Service", ns)))
            missing_ev.append(f"{target}: service {svc_name} not found in {ns}"
                              + (f" (did you mean {close}?)" if close else ""))
            if close:
                missing_ops.append({"op": "replace", "path": f"{path}/name", "value": close})
            continue
        svc_ports = dig(svc, "spec", "ports") or []
        if ("number" in port and port["number"] in {p.get("port") for p in svc_ports}) or (
            "name" in port and port["name"] in {p.get("name") for p in svc_ports}
        ) or not port:
            continue
        exposed = ", ".join(f"{p.get('port')}" + (f" ({p['name']})" if p.get("name") else "")
                            for p in svc_ports)
        port_ev.append(f"{target}: service {svc_name} exposes {exposed or 'no ports'}")
        port_refs.append(ref(svc))
        if len(svc_ports) == 1:
            port_ops.append({"op": "replace", "path": f"{path}/port",
                             "value": {"number": svc_ports[0]["port"]}})
    findings = []
    if missing_ev:
        fix = [Remediation("List the Services that exist in the namespace", f"kubectl -n {ns} get services")]
        if len(missing_ops) == len(missing_ev):
            fix.insert(0, Remediation("Route to the existing Service",
                                      f"kubectl -n {ns} patch ingress {name} --type=json "
                                      f"-p '{compact_json(missing_ops)}'"))
        names = ", ".join(sorted({r.name for r in missing_refs}))
        findings.append(Finding(
            INGRESS_SERVICE.id, Severity.CRITICAL, f"Ingress {name} routes to missing Service {names}",
            ref(ing),
            reason="ServiceNotFound", message="Requests for these paths get 503 from the ingress controller.",
            evidence=missing_ev, remediation=fix, related=unique_refs(missing_refs)))
    if port_ev:
        fix = [Remediation("Compare with the Service's ports", f"kubectl -n {ns} get service "
                           f"{port_refs[0].name} -o jsonpath='{{.spec.ports}}'")]
        if len(port_ops) == len(port_ev):
            fix.insert(0, Remediation("Route to the port the Service exposes",
                                      f"kubectl -n {ns} patch ingress {name} --type=json "
                                      f"-p '{compact_json(port_ops)}'"))
        findings.append(Finding(
            INGRESS_PORT.id, Severity.CRITICAL, f"Ingress {name} routes to a port Service "
            f"{port_refs[0].name} does not expose", ref(ing), reason="ServicePortNotFound",
            message="Requests for these paths get 503 from the ingress controller.", evidence=port_ev,
            remediation=fix, related=unique_refs(port_refs)))
    return findings


def _ingress_tls(snapshot: Snapshot, ing: KubeObject) -> Finding | None:
    ns, name = namespace_of(ing), name_of(ing)
    if not gathered(snapshot, "Secret", ns):
        return None
    evidence, missing = [], []
    for i, tls in enumerate(dig(ing, "spec", "tls") or []):
        secret = tls.get("secretName")
        if secret and snapshot.get("Secret", ns, secret) is None:
            hosts = ", ".join(tls.get("hosts") or []) or "all hosts"
            evidence.append(f"spec.tls[{i}].secretName {secret} ({hosts}): Secret not found in {ns}")
            missing.append(secret)
    if not missing:
        return None
    annotations = dig(ing, "metadata", "annotations") or {}
    issuer = next((f"{k}={v}" for k, v in annotations.items() if k.startswith("cert-manager.io/")
                   and k.endswith("issuer")), None)
    fix = [Remediation(f"Create the TLS Secret {missing[0]} in {ns} from the certificate and key files "
                       "(kubectl create secret tls), or point spec.tls[].secretName at an existing one"),
           Remediation("List the TLS Secrets that exist",
                       f"kubectl -n {ns} get secrets --field-selector type=kubernetes.io/tls")]
    if issuer:
        evidence.append(f"annotation {issuer}: cert-manager has not issued the certificate yet")
        fix.insert(0, Remediation(f"See why cert-manager has not issued it (kubectl -n {ns} describe "
                                  f"certificate {missing[0]}); its events on the Ingress tell first",
                                  f"kubectl -n {ns} describe ingress {name}"))
    return Finding(
        INGRESS_TLS.id, Severity.WARNING, f"Ingress {name} uses missing TLS Secret {', '.join(missing)}",
        ref(ing), reason="SecretNotFound",
        message="The ingress controller serves its default (self-signed) certificate for these hosts; "
        "clients see TLS errors.", evidence=evidence, remediation=fix,
        related=[ObjectRef("Secret", s, ns) for s in missing])


def _ingress_class(snapshot: Snapshot, ing: KubeObject) -> Finding | None:
    if not gathered(snapshot, "IngressClass"):
        return None
    ns, name = namespace_of(ing), name_of(ing)
    if (dig(ing, "metadata", "annotations") or {}).get("kubernetes.io/ingress.class"):
        return None  # the legacy annotation: controllers match it without an IngressClass object
    classes = snapshot.of_kind("IngressClass")
    names = sorted(name_of(c) for c in classes)
    defaults = [name_of(c) for c in classes
                if (dig(c, "metadata", "annotations") or {}).get(DEFAULT_CLASS_ANNOTATION) == "true"]
    wanted = dig(ing, "spec", "ingressClassName")
    if wanted in names or (not wanted and defaults):
        return None
    existing = f"IngressClasses: {', '.join(names)}" if names else "no IngressClass exists in the cluster"
    if wanted:
        title = f"Ingress {name} uses IngressClass {wanted}, which does not exist"
        evidence = [f"spec.ingressClassName {wanted}: IngressClass not found", existing]
    else:
        title = f"Ingress {name} has no ingressClassName and the cluster has no default IngressClass"
        evidence = ["spec.ingressClassName is not set and no IngressClass is annotated "
                    f"{DEFAULT_CLASS_ANNOTATION}=true", existing]
    fix = [Remediation("List the installed IngressClasses", "kubectl get ingressclass")]
    if len(names) == 1:
        patch = {"spec": {"ingressClassName": names[0]}}
        fix.insert(0, Remediation(f"Use the installed class {names[0]}",
                                  f"kubectl -n {ns} patch ingress {name} -p '{compact_json(patch)}'"))
    elif not names:
        fix.insert(0, Remediation("Install an ingress controller (e.g. ingress-nginx); it creates its "
                                  "IngressClass"))
    return Finding(INGRESS_CLASS.id, Severity.WARNING, title, ref(ing), reason="IngressClassNotFound",
                   message="No ingress controller picks this Ingress up: its routes are not served.",
                   evidence=evidence, remediation=fix)
