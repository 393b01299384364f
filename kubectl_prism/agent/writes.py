"""Classifier rules for the commands that change the cluster: apply, replace, delete, patch, scale,
set image|resources|env, label, annotate, rollout restart|undo|pause|resume, cordon, uncordon, drain."""

from __future__ import annotations

import json

from kubectl_prism.agent.argv import Refusal
from kubectl_prism.agent.command import (
    CommandContext,
    Verdict,
    check_secret_output,
    check_writable,
    names,
    no_files,
    no_secret_writes,
    resource_args,
)
from kubectl_prism.agent.decision import Category, ObjectRef
from kubectl_prism.agent.reads import read_verdict
from kubectl_prism.agent.resources import PROTECTED_FROM_DELETE, ResourceArg


def _write(ctx: CommandContext, types: list[ResourceArg], objects: list[ObjectRef], action: str, *,
           suffix: str = "", destructive_rule: str | None = None) -> Verdict:
    """A write: destructive when `destructive_rule` says so or when objects are chosen by selector."""
    by_selector = ctx.chosen_by_selector() or (not objects and not ctx.parsed.has("filename"))
    plural = ", ".join(t.type.plural if t.type else t.typed for t in types)
    if objects:
        what = names(objects)
    elif ctx.selector():
        what = f"{plural} matching {ctx.selector()}"
    elif types:
        what = f"all {plural}"
    else:
        what = "the manifest's objects"
    where = ctx.where() if any(t.namespaced is not False for t in types) or not types else "the cluster"
    text = f"{action} {what}{suffix} in {where}"
    details = {"objects": objects, "resources": [t.name for t in types], "selector": ctx.selector()}
    rule = destructive_rule or ("selector-write" if by_selector else None)
    if rule:
        return Verdict(Category.DESTRUCTIVE, rule, f"{text}; asks, and the name must be typed back",
                       by_selector=by_selector, **details)
    return Verdict(Category.MUTATING, "write", f"{text}; asks, with a preview", **details)


def apply(ctx: CommandContext) -> Verdict:
    p = ctx.parsed
    if p.has("prune") or p.true("all") or p.has("prune-allowlist") or p.has("applyset"):
        raise Refusal("apply-prune", "apply --prune/--all deletes every object missing from the manifest")
    return _manifest_write(ctx, "apply-force", "applies")


def replace(ctx: CommandContext) -> Verdict:
    return _manifest_write(ctx, "replace-force", "replaces")


def _manifest_write(ctx: CommandContext, force_rule: str, action: str) -> Verdict:
    p = ctx.parsed
    if p.args:
        raise Refusal("bad-arguments", f"`kubectl {ctx.command}` takes -f FILE, not arguments")
    files = p.values("filename")
    if not files:
        raise Refusal("missing-target", f"`kubectl {ctx.command}` needs -f FILE (a local manifest)")
    if p.has("subresource"):
        raise Refusal("flag-not-allowed", "--subresource is not used in agent steps")
    what = f"the objects of {', '.join(files)} in {ctx.where()}"
    checked = "; the manifest is checked before it can run"
    if p.true("force"):
        return Verdict(Category.DESTRUCTIVE, force_rule, f"{action} {what} with --force (deletes and "
                       f"re-creates them); asks, and the name must be typed back{checked}", files=files)
    if ctx.selector():
        return Verdict(Category.DESTRUCTIVE, "selector-write", f"{action} {what} matching {ctx.selector()}; "
                       f"asks, and the name must be typed back{checked}", files=files, by_selector=True,
                       selector=ctx.selector())
    return Verdict(Category.MUTATING, "write", f"{action} {what}; asks, with a preview{checked}", files=files)


def delete(ctx: CommandContext) -> Verdict:
    p = ctx.parsed
    types, objects = resource_args(ctx, p.args)
    if p.has("filename") and types:
        raise Refusal("bad-arguments", "-f and resource arguments together")
    for t in types:
        if t.type is not None and t.type.name in PROTECTED_FROM_DELETE:
            raise Refusal("protected-delete", f"deleting {t.type.name} takes everything in them along: prism "
                          "never deletes namespaces, nodes, persistent volumes or CRDs")
    check_writable(ctx, types, "deletes")
    check_secret_output(ctx, types)
    if objects and ctx.chosen_by_selector():
        raise Refusal("conflicting-flags", "names together with a selector or --all")
    if not types and not p.has("filename"):
        raise Refusal("missing-target", "delete needs TYPE NAME, TYPE/NAME or -f FILE")
    if types and not objects and not ctx.chosen_by_selector():
        raise Refusal("missing-target", "delete needs names, -l SELECTOR or --all")
    verdict = _write(ctx, types, objects, "deletes", destructive_rule="delete")
    verdict.files = p.values("filename")
    if verdict.files:
        verdict.reason += "; the manifest is checked before it can run"
    return verdict


def patch(ctx: CommandContext) -> Verdict:
    p = ctx.parsed
    no_files(ctx)
    patch = p.value("patch")
    if not patch:
        raise Refusal("missing-target", "patch needs -p PATCH")
    if p.has("subresource") and p.value("subresource") != "scale":
        raise Refusal("flag-not-allowed", "--subresource other than scale is not used in agent steps")
    types, objects = resource_args(ctx, p.args)
    if len(objects) != 1:
        raise Refusal("missing-target", "patch changes one named object: TYPE NAME or TYPE/NAME")
    check_writable(ctx, types, "patches")
    no_secret_writes(types, "patch")
    rule = "scale-to-zero" if _sets_zero_replicas(patch) else None
    return _write(ctx, types, objects, "patches", destructive_rule=rule)


def _sets_zero_replicas(patch: str) -> bool:
    """A patch that sets `replicas` to 0 stops a workload, like `scale --replicas=0`."""
    try:
        doc = json.loads(patch)
    except ValueError:
        import yaml

        try:
            doc = yaml.safe_load(patch)
        except yaml.YAMLError:
            return "replicas" in patch  # unreadable here: kubectl decides; be cautious
    return _zero_replicas(doc)


def _zero_replicas(doc: object) -> bool:
    if isinstance(doc, dict):
        if doc.get("replicas") in (0, "0"):
            return True
        if str(doc.get("path", "")).endswith("/replicas") and doc.get("value") in (0, "0"):
            return True
        return any(_zero_replicas(v) for v in doc.values())
    if isinstance(doc, list):
        return any(_zero_replicas(v) for v in doc)
    return False


def scale(ctx: CommandContext) -> Verdict:
    p = ctx.parsed
    no_files(ctx)
    replicas = p.value("replicas")
    if replicas is None:
        raise Refusal("missing-target", "scale needs --replicas=N")
    if not replicas.isdigit():
        raise Refusal("bad-flag-value", f'--replicas "{replicas}" is not a whole number')
    types, objects = resource_args(ctx, p.args)
    if not types:
        raise Refusal("missing-target", "scale needs TYPE NAME or TYPE/NAME")
    check_writable(ctx, types, "scales")
    no_secret_writes(types, "scale")
    rule = "scale-to-zero" if int(replicas) == 0 else None
    return _write(ctx, types, objects, "scales", suffix=f" to {int(replicas)} replicas",
                  destructive_rule=rule)


def set_fields(ctx: CommandContext) -> Verdict:
    p = ctx.parsed
    no_files(ctx)
    sub = ctx.command.split()[1]
    is_change = (lambda a: "=" in a) if sub == "image" else (lambda a: "=" in a or a.endswith("-"))
    changes = [a for a in p.args if is_change(a)] if sub != "resources" else []
    targets = [a for a in p.args if not (sub != "resources" and is_change(a))]
    types, objects = resource_args(ctx, targets)
    if not types:
        raise Refusal("missing-target", f"set {sub} needs TYPE NAME or TYPE/NAME")
    if sub == "env":
        if p.true("resolve"):
            raise Refusal("secret-data", "set env --resolve prints values from Secrets")
        if p.true("list"):
            check_secret_output(ctx, types)
            what = f"lists the environment of {names(objects) or types[0].name} in {ctx.where()}"
            return read_verdict(ctx, what, objects, types)
        if not (changes or p.has("env") or p.has("from")):
            raise Refusal("missing-target", "set env needs KEY=VALUE, KEY-, -e or --from")
    if sub == "image" and not changes:
        raise Refusal("missing-target", "set image needs CONTAINER=IMAGE")
    if sub == "resources" and not (p.has("limits") or p.has("requests")):
        raise Refusal("missing-target", "set resources needs --limits or --requests")
    check_writable(ctx, types, "changes")
    no_secret_writes(types, f"set {sub}")
    return _write(ctx, types, objects, f"sets the {sub} of")


def label(ctx: CommandContext) -> Verdict:
    p = ctx.parsed
    no_files(ctx)
    changes = [a for a in p.args if "=" in a or a.endswith("-")]
    types, objects = resource_args(ctx, [a for a in p.args if not ("=" in a or a.endswith("-"))])
    if not types:
        raise Refusal("missing-target", f"{ctx.command} needs TYPE NAME or TYPE/NAME")
    check_secret_output(ctx, types)
    noun = "labels" if ctx.command == "label" else "annotations"
    if p.true("list"):
        return read_verdict(ctx, f"lists the {noun} of {names(objects) or types[0].name}", objects, types)
    if not changes:
        raise Refusal("missing-target", f"{ctx.command} needs KEY=VALUE or KEY-")
    check_writable(ctx, types, "changes")
    return _write(ctx, types, objects, f"changes the {noun} of")


def rollout_write(ctx: CommandContext) -> Verdict:
    no_files(ctx)
    types, objects = resource_args(ctx, ctx.parsed.args)
    if not types:
        raise Refusal("missing-target", f"`kubectl {ctx.command}` needs TYPE/NAME")
    check_writable(ctx, types, "changes")
    no_secret_writes(types, ctx.command)
    verb = ctx.command.split()[1]
    action = {"restart": "restarts", "undo": "rolls back", "pause": "pauses", "resume": "resumes"}[verb]
    return _write(ctx, types, objects, action)


def node_write(ctx: CommandContext) -> Verdict:
    types, objects = resource_args(ctx, ["nodes", *ctx.parsed.args])
    check_writable(ctx, types, "changes")
    if not objects and not ctx.chosen_by_selector():
        raise Refusal("missing-target", f"{ctx.command} needs a node name or --selector")
    action = {"cordon": "cordons", "uncordon": "uncordons",
              "drain": "drains (evicts every pod of)"}[ctx.command]
    return _write(ctx, types, objects, action, destructive_rule="drain" if ctx.command == "drain" else None)

