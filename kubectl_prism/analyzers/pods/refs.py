"""Findings for what a pod references but cannot get: images, ConfigMaps, Secrets and their keys."""

from __future__ import annotations

import difflib
import json
from typing import Any

from kubectl_prism.analyzers._index import gathered
from kubectl_prism.analyzers.images import (
    IMAGE_AMBIGUOUS,
    IMAGE_INVALID,
    IMAGE_NETWORK,
    IMAGE_NOT_FOUND,
    IMAGE_RATE_LIMITED,
    IMAGE_UNAUTHORIZED,
    image_registry,
    pull_error_kind,
    pull_error_summary,
    pull_failures,
)
from kubectl_prism.analyzers.pod_evidence import (
    event_count,
    event_line,
    event_message,
    parse_config_error,
    trim,
)
from kubectl_prism.analyzers.pod_groups import ProblemGroup
from kubectl_prism.analyzers.pods.context import PodContext, container_spec
from kubectl_prism.findings import Finding, ObjectRef, Remediation, Severity
from kubectl_prism.snapshot import KubeObject, name_of


def _gathered(ctx: PodContext, kind: str, namespace: str) -> bool:
    """Whether absence from the snapshot means absence from the cluster (the kind was readable); the same
    test the config-refs analyzer applies, so both agree on what is missing."""
    return gathered(ctx.snapshot, kind, namespace)


# --- images ------------------------------------------------------------------------------------------


def build_image_pull(ctx: PodContext, group: ProblemGroup) -> Finding:
    problem, pod = group.problem, group.pod
    spec = container_spec(pod, problem.container, init=problem.init)
    image = spec.get("image", "")
    failed = pull_failures(ctx.events, pod, group.namespace)
    kind = pull_error_kind(ctx.events, problem, pod, group.namespace)
    evidence = [f"container {problem.container}: state.waiting.reason={problem.reason}", f"image: {image}"]
    if problem.detail and not failed:
        evidence.append(f"message: {pull_error_summary(problem.detail)}")
    for ev in failed[-1:]:
        evidence.append(f"event Failed x{event_count(ev)}: {pull_error_summary(event_message(ev))}")
    remediation: list[Remediation] = []
    related: list[ObjectRef] = []
    registry = image_registry(image)
    if kind in (IMAGE_NOT_FOUND, IMAGE_AMBIGUOUS):
        remediation.append(
            Remediation(
                f"Check that {image} exists in {registry} (repository name and tag are spelled right and "
                "pushed)"
            )
        )
        if fix := _previous_image(ctx, group, image):
            remediation.append(fix)
    if kind in (IMAGE_UNAUTHORIZED, IMAGE_AMBIGUOUS):
        evidence_extra, fixes, refs = _pull_secret_checks(ctx, group, registry)
        evidence += evidence_extra
        remediation += fixes
        related += refs
    if kind == IMAGE_NETWORK:
        remediation.append(
            Remediation(
                f"The node cannot reach {registry}: check DNS, proxy/firewall egress and the registry's TLS "
                "certificate from the node"
            )
        )
    if kind == IMAGE_RATE_LIMITED:
        remediation.append(
            Remediation(
                f"{registry} is rate-limiting pulls: use an authenticated imagePullSecret or a registry "
                "mirror"
            )
        )
    if kind == IMAGE_INVALID:
        remediation.append(Remediation(f"Fix the image reference {image!r} of container {problem.container}"))
    remediation.append(Remediation("See the pull errors", group.kubectl("describe", "pod", name_of(pod))))
    title = group.headline(f"cannot pull image {image} ({kind})")
    message = (
        f"The kubelet cannot pull image {image} for container {problem.container}: {_explain(kind, registry)}"
    )
    return Finding(
        problem.rule_id,
        Severity.CRITICAL,
        title,
        ObjectRef.of(pod),
        reason=problem.reason,
        message=message,
        evidence=evidence,
        remediation=remediation,
        related=related,
    )


def _explain(kind: str, registry: str) -> str:
    return {
        IMAGE_NOT_FOUND: f"the repository or tag does not exist in {registry}.",
        IMAGE_UNAUTHORIZED: f"{registry} refused the credentials (or none were sent).",
        IMAGE_AMBIGUOUS: f"{registry} says the repository does not exist or needs authorization.",
        IMAGE_NETWORK: f"the node cannot reach {registry}.",
        IMAGE_RATE_LIMITED: f"{registry} is rate-limiting pulls.",
        IMAGE_INVALID: "the image reference is not valid.",
    }.get(kind, "see the events for the registry's answer.")


def _previous_image(ctx: PodContext, group: ProblemGroup, image: str) -> Remediation | None:
    """The image the Deployment's previous ReplicaSet ran: a concrete `set image` back to it."""
    owner = group.owner
    if owner is None or owner.kind != "Deployment":
        return None
    container = group.problem.container
    best: tuple[int, str] | None = None
    for rs in ctx.snapshot.of_kind("ReplicaSet", group.namespace):
        meta = rs.get("metadata") or {}
        if not any(
            r.get("name") == owner.name and r.get("kind") == "Deployment"
            for r in meta.get("ownerReferences") or []
        ):
            continue
        revision = int((meta.get("annotations") or {}).get("deployment.kubernetes.io/revision", "0") or 0)
        for c in ((rs.get("spec") or {}).get("template") or {}).get("spec", {}).get("containers") or []:
            newer = best is None or revision > best[0]
            if c.get("name") == container and c.get("image") and c.get("image") != image and newer:
                best = (revision, c["image"])
    if best is None:
        return None
    return Remediation(
        f"Go back to the image the previous revision ran ({best[1]})",
        group.kubectl("set", "image", f"deployment/{owner.name}", f"{container}={best[1]}"),
    )


def _pull_secret_checks(
    ctx: PodContext, group: ProblemGroup, registry: str
) -> tuple[list[str], list[Remediation], list[ObjectRef]]:
    pod, ns = group.pod, group.namespace
    names = [s.get("name") for s in (pod.get("spec") or {}).get("imagePullSecrets") or [] if s.get("name")]
    sa_name = (pod.get("spec") or {}).get("serviceAccountName") or "default"
    evidence: list[str] = []
    fixes: list[Remediation] = []
    refs: list[ObjectRef] = []
    if not names:
        evidence.append(f"pod has no imagePullSecrets (service account {sa_name} adds none)")
        fixes.append(
            Remediation(
                f"Create a docker-registry Secret with credentials for {registry} in namespace {ns} and list "
                f"it in imagePullSecrets of the pod template or of service account {sa_name}"
            )
        )
        return evidence, fixes, refs
    secrets_known = _gathered(ctx, "Secret", ns)
    for secret in names:
        refs.append(ObjectRef("Secret", secret, ns))
        if secrets_known and ctx.snapshot.get("Secret", ns, secret) is None:
            evidence.append(f"imagePullSecret {secret} does not exist in namespace {ns}")
            fixes.append(
                Remediation(
                    f"Create the missing pull secret {secret} (type kubernetes.io/dockerconfigjson) for "
                    f"{registry} in namespace {ns}",
                    "kubectl -n " + ns + " get secrets",
                )
            )
        else:
            evidence.append(f"imagePullSecrets: {secret}")
    if not fixes:
        fixes.append(
            Remediation(
                f"The pull secret(s) {', '.join(names)} exist but {registry} rejects them: check the "
                "credentials and the registry host inside the secret"
            )
        )
    return evidence, fixes, refs


# --- CreateContainerConfigError ----------------------------------------------------------------------


def build_config_error(ctx: PodContext, group: ProblemGroup) -> Finding:
    problem, pod, ns = group.problem, group.pod, group.namespace
    missing = parse_config_error(problem.detail) or {}
    evidence = [
        f"container {problem.container}: state.waiting.reason=CreateContainerConfigError",
        f"message: {trim(problem.detail, 200)}",
    ]
    for ev in ctx.events.about("Pod", ns, name_of(pod), reason="Failed")[-1:]:
        evidence.append(event_line(ev))
    remediation: list[Remediation] = []
    related: list[ObjectRef] = []
    if "kind" in missing:
        kind, name, key = missing["kind"], missing["name"], missing.get("key")
        related.append(ObjectRef(kind, name, ns))
        spec = container_spec(pod, problem.container, init=problem.init)
        uses = _references(spec, kind, name, key)
        if uses:
            evidence.append(f"referenced by {', '.join(uses)} of container {problem.container}")
        plural = "configmaps" if kind == "ConfigMap" else "secrets"
        if key:
            what = f"key {key} of {kind} {name}"
            obj = ctx.snapshot.get(kind, ns, name)
            if obj is not None:
                keys = sorted(set(obj.get("data") or {}) | set(obj.get("binaryData") or {}))
                evidence.append(f"{kind} {name} has keys: {', '.join(keys) or '(none)'}")
                if close := difflib.get_close_matches(key, keys, n=1):
                    evidence.append(f"did you mean key {close[0]}?")
            remediation.append(
                Remediation(
                    f"Add key {key} to {kind} {name}, or fix the key name in the pod template",
                    f"kubectl -n {ns} describe {kind.lower()} {name}",
                )
            )
        else:
            what = f"{kind} {name}"
            existing = [name_of(o) for o in ctx.snapshot.of_kind(kind, ns)]
            if close := difflib.get_close_matches(name, existing, n=1, cutoff=0.6):
                evidence.append(f"{kind} {close[0]} exists in {ns}: a typo in the reference?")
            remediation.append(
                Remediation(
                    f"Create {kind} {name} in namespace {ns} (or fix the name the pod template references)",
                    f"kubectl -n {ns} get {plural}",
                )
            )
        title = group.headline(f"cannot start container {problem.container}: {what} not found")
        message = (
            f"Container {problem.container} cannot be created because {what} does not exist in namespace "
            f"{ns}; the pod stays in CreateContainerConfigError until it does."
        )
        optional = "set `optional: true` on the reference if the app can run without it"
        remediation.append(Remediation(f"Alternatively {optional}"))
    elif missing.get("problem") == "runAsNonRoot":
        title = group.headline(
            f"cannot start container {problem.container}: runAsNonRoot but image runs as root"
        )
        message = (
            "The pod requires runAsNonRoot but the image's user is root (or not numeric), so the kubelet "
            "refuses to start it."
        )
        target = group.template_target()
        patch = json.dumps(
            {"spec": {"template": {"spec": {"securityContext": {"runAsUser": 1000}}}}}, separators=(",", ":")
        )
        remediation.append(
            Remediation(
                "Run as a non-root numeric user (or build the image with a numeric USER)",
                group.kubectl("patch", target, "-p", f"'{patch}'") if target else None,
            )
        )
    else:
        title = group.headline(f"cannot start container {problem.container}: {trim(problem.detail, 120)}")
        message = f"The kubelet cannot build container {problem.container}'s configuration: {problem.detail}"
        remediation.append(Remediation("See the details", group.kubectl("describe", "pod", name_of(pod))))
    return Finding(
        problem.rule_id,
        Severity.CRITICAL,
        title,
        ObjectRef.of(pod),
        reason=problem.reason,
        message=message,
        evidence=evidence,
        remediation=remediation,
        related=related,
    )


def _references(spec: dict[str, Any], kind: str, name: str, key: str | None) -> list[str]:
    """Where a container refers to the ConfigMap/Secret: `env DB_PASSWORD`, `envFrom`."""
    ref_field = "configMapKeyRef" if kind == "ConfigMap" else "secretKeyRef"
    from_field = "configMapRef" if kind == "ConfigMap" else "secretRef"
    uses: list[str] = []
    for env in spec.get("env") or []:
        ref: KubeObject = (env.get("valueFrom") or {}).get(ref_field) or {}
        if ref.get("name") == name and (key is None or ref.get("key") == key):
            uses.append(f"env {env.get('name')}")
    for source in spec.get("envFrom") or []:
        if (source.get(from_field) or {}).get("name") == name:
            uses.append("envFrom")
    return uses
