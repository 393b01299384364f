"""The JSON schemas of `ask`'s read-only tools: what the model sees, and what its calls are checked against.

Values that are known are enums (`kind` lists the plural names; `po`, `Pod` or `deployment.apps` are
accepted too and mapped onto them by `kind_alias`). Descriptions say what each tool returns when the
answer is big, so the model is not surprised by a shortened result.
"""

from __future__ import annotations

from kubectl_prism.ai.providers.base import ToolSpec
from kubectl_prism.kinds import KINDS, KindInfo

MAX_TAIL = 200
DEFAULT_TAIL = 60

# Every kind prism reads, but the metrics API's (its "pods"/"nodes" would shadow the core kinds).
READABLE_KINDS: tuple[KindInfo, ...] = tuple(k for k in KINDS if k.group != "metrics.k8s.io")
KIND_NAMES: tuple[str, ...] = tuple(k.plural for k in READABLE_KINDS)
_ALIASES: dict[str, KindInfo] = {}
for _info in READABLE_KINDS:
    for _alias in (_info.kind.lower(), _info.plural, _info.plural.removesuffix("s"), *_info.short_names,
                   f"{_info.plural}.{_info.group}", f"{_info.kind.lower()}.{_info.group}"):
        _ALIASES.setdefault(_alias, _info)


def kind_info(text: str) -> KindInfo | None:
    """kubectl's spellings of a kind (`po`, `Pod`, `pods`, `deployments.apps`), or None."""
    return _ALIASES.get(text.strip().lower())


def kind_alias(text: str) -> str | None:
    info = kind_info(text)
    return info.plural if info else None


_KIND = {"type": "string", "enum": list(KIND_NAMES), "description": "The kind, as kubectl's plural name"}
_NS = {"type": "string", "description": "Namespace (default: the namespace of the question's scope)"}
_TARGET = {"type": "string", "description": "KIND/NAME, e.g. pod/api-0, deploy/api, svc/db"}

SPECS: tuple[ToolSpec, ...] = (
    ToolSpec(
        "diagnose",
        "Run prism's rule-based analyzers on the scope or on one target. Returns one line per finding "
        "(severity, rule, object, and what caused it); call explain on an object for evidence and fixes.",
        {"type": "object", "properties": {"target": _TARGET, "namespace": _NS}},
    ),
    ToolSpec(
        "explain",
        "Findings with evidence and remediation, status, conditions and warning events of one object.",
        {"type": "object", "required": ["target"], "properties": {"target": _TARGET, "namespace": _NS}},
    ),
    ToolSpec(
        "list_resources",
        "List objects of one kind with a one-line status each. Says `not_gathered` when the kind was not "
        "read (which is not the same as none existing).",
        {
            "type": "object",
            "required": ["kind"],
            "properties": {
                "kind": _KIND,
                "namespace": _NS,
                "label_selector": {
                    "type": "string",
                    "description": "kubectl -l syntax: app=api,tier!=web, env in (prod,stage), !canary",
                },
            },
        },
    ),
    ToolSpec(
        "get_resource",
        "Get one object, trimmed to what diagnosis needs (Secrets: metadata only; values are never "
        "available). A large object comes back as its status with a note.",
        {
            "type": "object",
            "required": ["kind", "name"],
            "properties": {"kind": _KIND, "name": {"type": "string"}, "namespace": _NS},
        },
    ),
    ToolSpec(
        "get_events",
        "Recent events, warnings first then newest first; optionally only about one object or only warnings.",
        {
            "type": "object",
            "properties": {"namespace": _NS, "target": _TARGET, "warnings_only": {"type": "boolean"}},
        },
    ),
    ToolSpec(
        "get_logs",
        "The tail of a container's log, any pod in scope. previous=true: the instance before the last "
        "restart. Lines longer than 400 characters are clipped (said in the line).",
        {
            "type": "object",
            "required": ["pod"],
            "properties": {
                "pod": {"type": "string"},
                "namespace": _NS,
                "container": {"type": "string", "description": "Default: the pod's first container"},
                "previous": {"type": "boolean"},
                "tail_lines": {"type": "integer", "minimum": 1, "maximum": MAX_TAIL,
                               "description": f"Lines from the end (default {DEFAULT_TAIL})"},
            },
        },
    ),
    ToolSpec(
        "recent_changes",
        "What changed recently: rollout history of Deployments (revisions, images, the pod template diff "
        "between the last two revisions) and the objects written most recently (who, when).",
        {"type": "object", "properties": {"target": _TARGET, "namespace": _NS}},
    ),
    ToolSpec(
        "resource_usage",
        "CPU/memory requests, limits and live usage (if metrics-server runs).",
        {
            "type": "object",
            "properties": {"kind": {"type": "string", "enum": ["pods", "nodes"]}, "namespace": _NS},
        },
    ),
)

BY_NAME: dict[str, ToolSpec] = {s.name: s for s in SPECS}
