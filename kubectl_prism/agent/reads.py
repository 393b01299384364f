"""Classifier rules for the commands that only read: get, describe, logs, events, top, explain,
rollout status|history, auth can-i|whoami, api-resources, api-versions."""

from __future__ import annotations

import re

from kubectl_prism.agent.argv import Refusal
from kubectl_prism.agent.command import (
    CommandContext,
    RuleFunc,
    Verdict,
    names,
    no_args,
    no_files,
    resource_args,
    valid_object_name,
)
from kubectl_prism.agent.decision import Category, ObjectRef
from kubectl_prism.agent.resources import ResourceArg


def read_verdict(ctx: CommandContext, what: str, objects: list[ObjectRef] | None = None,
          resources: list[ResourceArg] | None = None) -> Verdict:
    return Verdict(Category.READ_ONLY, "read", f"{what}; read-only, runs without asking (output redacted "
                   "and capped)", objects=objects or [], resources=[r.name for r in resources or []],
                   selector=ctx.selector())


def get(ctx: CommandContext) -> Verdict:
    no_files(ctx)
    types, objects = resource_args(ctx, ctx.parsed.args)
    if not types:
        raise Refusal("missing-target", f"`kubectl {ctx.command}` needs a resource type")
    if ctx.command == "get" and any(t.secret for t in types):
        spelled = ", ".join(t.typed for t in types if t.secret)
        raise Refusal("secret-data", f"`kubectl get` on Secrets ({spelled}) can print their data: use "
                      "`kubectl describe secret NAME` (keys and sizes only)")
    what = names(objects) if objects else ", ".join(t.name for t in types)
    return read_verdict(ctx, f"reads {what} in {ctx.where()}", objects, types)


def logs(ctx: CommandContext) -> Verdict:
    p = ctx.parsed
    tail = p.value("tail")
    if tail is None or not tail.isdigit() or int(tail) <= 0:
        raise Refusal("logs-unbounded", "logs need --tail=N (N > 0): agent steps read a bounded tail")
    args = p.args
    if len(args) > 2 or (not args and not p.value("selector")):
        raise Refusal("bad-arguments", "logs take POD [CONTAINER], TYPE/NAME [CONTAINER] or -l SELECTOR")
    objects: list[ObjectRef] = []
    if args:
        first = args[0]
        _, objects = resource_args(ctx, [first] if "/" in first else ["pods", first])
    if len(args) == 2 and not valid_object_name(args[1]):
        raise Refusal("bad-name", f'"{args[1]}" is not a valid container name')
    what = names(objects) if objects else f"pods matching {p.value('selector')}"
    return read_verdict(ctx, f"reads the last {tail} log lines of {what} in {ctx.where()}", objects)


def events(ctx: CommandContext) -> Verdict:
    p = ctx.parsed
    objects: list[ObjectRef] = []
    target = p.value("for")
    if target is not None:
        if "/" not in target:
            raise Refusal("bad-arguments", "--for takes TYPE/NAME")
        _, objects = resource_args(ctx, [target])
    no_args(ctx)
    of = f" of {names(objects)}" if objects else ""
    return read_verdict(ctx, f"reads events{of} in {ctx.where()}", objects)


def top(ctx: CommandContext) -> Verdict:
    resource = "nodes" if ctx.command == "top node" else "pods"
    args = ctx.parsed.args
    if len(args) > 1:
        raise Refusal("bad-arguments", f"`kubectl {ctx.command}` takes at most one name")
    _, objects = resource_args(ctx, [resource, *args])
    where = "the cluster" if resource == "nodes" else ctx.where()
    what = names(objects) if objects else resource
    return read_verdict(ctx, f"reads CPU and memory use of {what} in {where}", objects)


def explain(ctx: CommandContext) -> Verdict:
    args = ctx.parsed.args
    if len(args) != 1 or not re.match(r"^[A-Za-z0-9][A-Za-z0-9.-]*$", args[0]):
        raise Refusal("bad-arguments", "explain takes one RESOURCE[.FIELD...]")
    return read_verdict(ctx, f"reads the API documentation of {args[0]}")


def rollout_read(ctx: CommandContext) -> Verdict:
    no_files(ctx)
    types, objects = resource_args(ctx, ctx.parsed.args)
    if not types:
        raise Refusal("missing-target", f"`kubectl {ctx.command}` needs TYPE/NAME")
    return read_verdict(ctx, f"reads the {ctx.command.split()[1]} of {names(objects) or types[0].name} in "
                 f"{ctx.where()}", objects, types)


def can_i(ctx: CommandContext) -> Verdict:
    p = ctx.parsed
    if not p.true("list") and not 2 <= len(p.args) <= 3:
        raise Refusal("bad-arguments", "auth can-i takes VERB TYPE[/NAME] or --list")
    for arg in p.args:
        if not re.match(r"^[a-z*][a-z0-9.*/-]*$", arg):
            raise Refusal("bad-arguments", f'"{arg}" is not a verb or resource')
    return read_verdict(ctx, f"checks what the current user may do in {ctx.where()}")


def plain_read(what: str) -> RuleFunc:
    def rule(ctx: CommandContext) -> Verdict:
        no_args(ctx)
        return read_verdict(ctx, what)

    return rule
