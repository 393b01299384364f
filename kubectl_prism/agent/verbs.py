"""Which classifier rule handles which kubectl command (`reads`, `writes`), and running one."""

from __future__ import annotations

from kubectl_prism.agent import reads, writes
from kubectl_prism.agent.command import CommandContext, RuleFunc, Verdict, check_flags, check_namespace


def has_rules(command: str) -> bool:
    return command in _RULES


def run_rules(ctx: CommandContext) -> Verdict:
    """The shared checks, then the command's own rule."""
    check_flags(ctx)
    check_namespace(ctx)
    return _RULES[ctx.command](ctx)


_RULES: dict[str, RuleFunc] = {
    "get": reads.get,
    "describe": reads.get,
    "logs": reads.logs,
    "events": reads.events,
    "top pod": reads.top,
    "top node": reads.top,
    "explain": reads.explain,
    "rollout status": reads.rollout_read,
    "rollout history": reads.rollout_read,
    "auth can-i": reads.can_i,
    "auth whoami": reads.plain_read("shows the current user"),
    "api-resources": reads.plain_read("lists the API resources"),
    "api-versions": reads.plain_read("lists the API versions"),
    "apply": writes.apply,
    "replace": writes.replace,
    "delete": writes.delete,
    "patch": writes.patch,
    "scale": writes.scale,
    "set image": writes.set_fields,
    "set resources": writes.set_fields,
    "set env": writes.set_fields,
    "label": writes.label,
    "annotate": writes.label,
    "rollout restart": writes.rollout_write,
    "rollout undo": writes.rollout_write,
    "rollout pause": writes.rollout_write,
    "rollout resume": writes.rollout_write,
    "cordon": writes.node_write,
    "uncordon": writes.node_write,
    "drain": writes.node_write,
}
