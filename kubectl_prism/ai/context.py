"""The explain context as one call for every path that sends or shows it: `diagnose|explain --ai`, the
report summary and `kubectl prism context`, so what `context` prints is what a provider receives.

Budgets are in input tokens of the whole request, counted the way the configured provider counts
them (`tokens.counter_for`): a target (one pod, one Deployment) at most 4,000, a namespace or the
cluster at most 6,000. The system prompt, the report tool's schema and the task are counted first;
the cluster context gets the rest. A `context_tokens` set in the `[ai]` config is the context budget
instead.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from kubectl_prism.findings import Finding
from kubectl_prism.snapshot import Snapshot

if TYPE_CHECKING:
    from kubectl_prism.ai.config import AISettings
    from kubectl_prism.ai.payload import ContextPayload
    from kubectl_prism.tokens import Counter

TARGET_INPUT_TOKENS = 4_000
SCOPE_INPUT_TOKENS = 6_000
FRAMING_TOKENS = 40  # roles, message and tool wrappers around the text (a provider's own overhead)


def prompt_tokens(counter: Counter) -> int:
    """What every explain request carries besides the cluster context."""
    from kubectl_prism.ai.prompts import EXPLAIN_SYSTEM, EXPLAIN_TASK, REPORT_TOOL

    tool = json.dumps({"name": REPORT_TOOL.name, "description": REPORT_TOOL.description,
                       "input_schema": REPORT_TOOL.parameters})
    return sum(counter.count(t) for t in (EXPLAIN_SYSTEM.text, EXPLAIN_TASK.text, tool)) + FRAMING_TOKENS


def input_budget(snapshot: Snapshot) -> int:
    namespace_target = snapshot.target is not None and snapshot.target.kind == "Namespace"
    return TARGET_INPUT_TOKENS if snapshot.target is not None and not namespace_target else SCOPE_INPUT_TOKENS


def configured_context_tokens(settings: AISettings | None) -> int | None:
    """`context_tokens` when the person set it, None when it is the default."""
    if settings is None:
        return None
    from dataclasses import fields

    default = next(f.default for f in fields(settings) if f.name == "context_tokens")
    return settings.context_tokens if settings.context_tokens != default else None


def explain_context(snapshot: Snapshot, findings: list[Finding], *, settings: AISettings | None = None,
                    anonymize: bool = False, reader: object | None = None,
                    budget_tokens: int | None = None) -> ContextPayload:
    """The context `ai_explain` sends, with the dependencies the evidence names (read via `reader`)."""
    from kubectl_prism.ai.dependencies import find_dependencies
    from kubectl_prism.ai.payload import build_context
    from kubectl_prism.tokens import counter_for

    counter = counter_for(settings.provider if settings else None, settings.model if settings else None)
    if budget_tokens is None:
        budget_tokens = configured_context_tokens(settings) or input_budget(snapshot) - prompt_tokens(counter)
    dependencies = find_dependencies(snapshot, findings, reader)
    return build_context(snapshot, findings, anonymize=anonymize, budget_tokens=budget_tokens,
                         dependencies=dependencies, counter=counter)
