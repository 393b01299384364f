"""diagnose, explain and health_summary: the CLI's gatherer and analyzers, behind the MCP allow-lists.

Each builds the same document as `kubectl prism diagnose|explain|report -o json` (without the AI
part), redacts it with `redact_json` and fits it under the size cap. 403s while gathering are gaps
in the document, as on the command line.
"""

from __future__ import annotations

from typing import Any

from kubectl_prism.findings import Diagnosis, Scope
from kubectl_prism.kinds import BY_KIND, Target
from kubectl_prism.mcpserver import results as r
from kubectl_prism.mcpserver.cluster import ToolInputError
from kubectl_prism.mcpserver.policy import Policy
from kubectl_prism.mcpserver.tools import Tools
from kubectl_prism.options import GlobalOptions
from kubectl_prism.snapshot import Snapshot

MAX_SUMMARY_ROWS = 30


def _gather(tools: Tools, policy: Policy, target: Target | None, namespace: str | None,
            all_namespaces: bool, context: str | None) -> Snapshot:
    from kubectl_prism.gather import gather_scope

    ctx = tools.context(policy, context)
    if target is None:
        ns = tools.namespace(policy, ctx, namespace, all_namespaces=all_namespaces)
    elif target.kind == "Namespace":
        policy.check_namespace(target.name)
        ns = None
    elif not target.info.namespaced:
        ns = None  # node/x: cluster-scoped, -n does not apply
    else:
        ns = tools.object_namespace(policy, ctx, namespace, target.info)
    g = GlobalOptions(kubeconfig=tools.scope.kubeconfig, context=ctx, namespace=ns,
                      request_timeout=tools.scope.request_timeout,
                      all_namespaces=target is None and ns is None)
    return gather_scope(g, target)


def _diagnosis(snapshot: Snapshot, target: Target | None) -> Diagnosis:
    from kubectl_prism.analyzers import run_analyzers

    scope = Scope(snapshot.context, snapshot.namespace, str(target) if target else None, snapshot.source)
    return Diagnosis(scope, run_analyzers(snapshot), list(snapshot.gaps))


def diagnose(tools: Tools, policy: Policy, target: str | None, namespace: str | None, all_namespaces: bool,
             context: str | None) -> r.ToolReply:
    parsed = tools.target(target)
    snapshot = _gather(tools, policy, parsed, namespace, all_namespaces, context)
    doc = _diagnosis(snapshot, parsed).to_dict()
    doc.pop("ai", None)
    # Plural resource names as keys: a key named "Secret" reads as a secret to the redactor.
    doc["objects"] = {BY_KIND[k].plural if k in BY_KIND else k.lower(): n
                      for k, n in snapshot.counts().items()}
    findings = doc.pop("findings")
    if not findings:
        doc["note"] = "no rule found a problem in this scope" + (" (see gaps: some things could not be read)"
                                                                 if doc["gaps"] else "")

    def build(shown: Any, truncated: dict[str, Any] | None) -> dict[str, Any]:
        out = {**doc, "findings": list(shown)}
        if truncated:
            out["truncated"] = truncated
        return out

    return r.fit_items(build, findings, r.SUCCESS if findings else r.NO_DATA,
                       hint="diagnose one target (e.g. deploy/api) or one namespace")


def explain(tools: Tools, policy: Policy, target: str, namespace: str | None,
            context: str | None) -> r.ToolReply:
    from kubectl_prism.analyzers import run_analyzers
    from kubectl_prism.explain.model import build_explanation

    parsed = tools.target(target)
    if parsed is None:
        raise ToolInputError("target is required, as KIND/NAME (e.g. pod/api-0, deploy/api)")
    snapshot = _gather(tools, policy, parsed, namespace, False, context)
    doc = build_explanation(snapshot, parsed, run_analyzers(snapshot)).to_dict()
    doc.pop("ai", None)
    return r.json_reply(doc)


def health_summary(tools: Tools, policy: Policy, namespace: str | None, all_namespaces: bool,
                   context: str | None) -> r.ToolReply:
    from kubectl_prism.report.model import build_report

    snapshot = _gather(tools, policy, None, namespace, all_namespaces, context)
    full = build_report(snapshot, _diagnosis(snapshot, None)).to_dict()
    rep = full["report"]

    def first(rows: list[Any], name: str, doc: dict[str, Any]) -> list[Any]:
        if len(rows) > MAX_SUMMARY_ROWS:
            doc.setdefault("shortened", []).append(f"{name}: first {MAX_SUMMARY_ROWS} of {len(rows)}")
        return rows[:MAX_SUMMARY_ROWS]

    doc: dict[str, Any] = {"apiVersion": "prism/v1", "kind": "HealthSummary", "scope": full["scope"]}
    doc["scorecard"] = rep["scorecard"]
    doc["capacity"] = rep["capacity"]
    doc["metricsAvailable"] = rep["metricsAvailable"]
    doc["nodes"] = first(rep["nodes"], "nodes", doc)
    doc["workloadsNotHealthy"] = first([w for w in rep["workloads"] if w["status"] != "healthy"],
                                       "workloadsNotHealthy", doc)
    doc["topRestarts"] = first(rep["topRestarts"], "topRestarts", doc)
    doc["warningEvents"] = first(rep["warningEvents"], "warningEvents", doc)
    findings = [{k: f[k] for k in ("id", "severity", "title", "object")} for f in full["findings"]]
    doc["findings"] = first(findings, "findings", doc)
    doc["gaps"] = full["gaps"]
    doc["next"] = "call diagnose for evidence and remediation of each finding"
    return r.json_reply(doc, hint="pass one namespace")
