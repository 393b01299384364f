"""The global flags, defined once and added to every command that talks to a cluster.

kubectl passes no flags through to a plugin, so prism parses `--kubeconfig`, `--context`, `-n`, `-A`,
`--snapshot`, `-o`, `--no-color`, `-v`, `--show-secrets` and `--request-timeout` itself. They are
accepted anywhere after the command name, as kubectl users type them
(`kubectl prism diagnose pod/x -n shop -o json`).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    yaml = "yaml"
    markdown = "markdown"


@dataclass(frozen=True)
class GlobalOptions:
    kubeconfig: str | None = None
    context: str | None = None
    namespace: str | None = None
    all_namespaces: bool = False
    snapshot: Path | None = None
    output: OutputFormat = OutputFormat.text
    no_color: bool = False
    verbose: bool = False
    show_secrets: bool = False
    request_timeout: float | None = 30.0  # seconds per API request; None: no limit (`--request-timeout 0`)


DEFAULT_REQUEST_TIMEOUT = "30s"  # kubectl waits forever by default; a plugin that runs in CI may not
def parse_request_timeout(text: str) -> float | None:
    """kubectl's `--request-timeout`: whole seconds ("5"), or a Go duration ("1m30s", "500ms"); 0 = none."""
    from kubectl_prism.timeutil import parse_duration

    hint = "a number of seconds or a duration such as 30s, 1m or 500ms; 0 for none"
    return parse_duration(text, "--request-timeout", hint=hint) or None


_GLOBAL_PARAMS = [
    inspect.Parameter(
        "kubeconfig", inspect.Parameter.KEYWORD_ONLY, default=None,
        annotation=Annotated[str | None, typer.Option(
            "--kubeconfig", help="Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).",
            rich_help_panel="Global flags")],
    ),
    inspect.Parameter(
        "context", inspect.Parameter.KEYWORD_ONLY, default=None,
        annotation=Annotated[str | None, typer.Option(
            "--context", help="The kubeconfig context to use.", rich_help_panel="Global flags")],
    ),
    inspect.Parameter(
        "namespace", inspect.Parameter.KEYWORD_ONLY, default=None,
        annotation=Annotated[str | None, typer.Option(
            "--namespace", "-n", help="Namespace scope (default: the context's namespace).",
            rich_help_panel="Global flags")],
    ),
    inspect.Parameter(
        "all_namespaces", inspect.Parameter.KEYWORD_ONLY, default=False,
        annotation=Annotated[bool, typer.Option(
            "--all-namespaces", "-A", help="Look across all namespaces.", rich_help_panel="Global flags")],
    ),
    inspect.Parameter(
        "snapshot", inspect.Parameter.KEYWORD_ONLY, default=None,
        annotation=Annotated[Path | None, typer.Option(
            "--snapshot", help="Analyze saved files (e.g. `kubectl cluster-info dump` output) offline.",
            rich_help_panel="Global flags")],
    ),
    inspect.Parameter(
        "output", inspect.Parameter.KEYWORD_ONLY, default=OutputFormat.text,
        annotation=Annotated[OutputFormat, typer.Option(
            "--output", "-o", help="Output format.", rich_help_panel="Global flags")],
    ),
    inspect.Parameter(
        "no_color", inspect.Parameter.KEYWORD_ONLY, default=False,
        annotation=Annotated[bool, typer.Option(
            "--no-color", help="Plain output without colour.", rich_help_panel="Global flags")],
    ),
    inspect.Parameter(
        "request_timeout", inspect.Parameter.KEYWORD_ONLY, default=DEFAULT_REQUEST_TIMEOUT,
        annotation=Annotated[str, typer.Option(
            "--request-timeout", metavar="DURATION",
            help="How long one API request may take before it is given up (a gap; the rest goes on), as in "
            "kubectl: 30s, 1m, 500ms, or seconds; 0 = no limit. A whole gather is bounded at 10 times this.",
            rich_help_panel="Global flags")],
    ),
    inspect.Parameter(
        "verbose", inspect.Parameter.KEYWORD_ONLY, default=False,
        annotation=Annotated[bool, typer.Option(
            "--verbose", "-v", help="Show tracebacks and debug details on errors.",
            rich_help_panel="Global flags")],
    ),
    inspect.Parameter(
        "show_secrets", inspect.Parameter.KEYWORD_ONLY, default=False,
        annotation=Annotated[bool, typer.Option(
            "--show-secrets",
            help="Print secret values as they are in the cluster, for this run only (the output says so "
            "first). AI requests and MCP answers stay redacted.",
            rich_help_panel="Global flags")],
    ),
]
_GLOBAL_NAMES = [p.name for p in _GLOBAL_PARAMS]
# The long flag names, e.g. "--kubeconfig" (used by the man page to document them once).
GLOBAL_FLAG_NAMES = frozenset(
    "--" + name.replace("_", "-") for name in _GLOBAL_NAMES
)

F = TypeVar("F", bound=Callable[..., Any])


def with_global_options(func: F) -> F:
    """Append the global flags to a command; the command receives them as `g: GlobalOptions`."""
    # eval_str: commands use `from __future__ import annotations`; typer must see the real Annotated
    # objects (help, option names, Argument vs Option), not strings, in the signature set below.
    sig = inspect.signature(func, eval_str=True)
    own = [p for p in sig.parameters.values() if p.name != "g"]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        values = {name: kwargs.pop(name) for name in _GLOBAL_NAMES}
        values["request_timeout"] = parse_request_timeout(values["request_timeout"])
        g = GlobalOptions(**values)
        if g.namespace and g.all_namespaces:
            from kubectl_prism.errors import UsageError

            raise UsageError("-n/--namespace and -A/--all-namespaces cannot be used together")
        if g.namespace:
            from kubectl_prism.names import check_namespace

            check_namespace(g.namespace)
        return func(*args, g=g, **kwargs)

    wrapper.__signature__ = sig.replace(parameters=own + _GLOBAL_PARAMS)  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


# Command options that several commands share, defined once so their flags and help stay the same.
AiFlag = Annotated[bool | None, typer.Option(
    "--ai/--no-ai", help="Add an AI explanation (default: on when `ai enable` was run).")]
AnonymizeFlag = Annotated[bool, typer.Option(
    "--anonymize", help="With AI: replace names, namespaces, IPs and hosts by placeholders.")]


# --- fleet runs (docs/fleet.md) -------------------------------------------------------------------------

DEFAULT_PARALLEL = 4
DEFAULT_CONTEXT_TIMEOUT = "2m"


@dataclass(frozen=True)
class FleetOptions:
    """`--contexts`, `--all-contexts`, `--parallel`, `--context-timeout`: one run over many contexts."""

    contexts: tuple[str, ...] = ()  # shell globs over the kubeconfig's context names
    all_contexts: bool = False
    parallel: int = DEFAULT_PARALLEL
    context_timeout: float = 120.0  # seconds for one context: credentials, gathering and analysis

    @property
    def requested(self) -> bool:
        return self.all_contexts or bool(self.contexts)


_FLEET_PARAMS = [
    inspect.Parameter(
        "contexts", inspect.Parameter.KEYWORD_ONLY, default=None,
        annotation=Annotated[str | None, typer.Option(
            "--contexts", metavar="PATTERN[,PATTERN...]",
            help="Run over every kubeconfig context matching these shell globs (e.g. 'prod-*,staging-eu').",
            rich_help_panel="Fleet flags")],
    ),
    inspect.Parameter(
        "all_contexts", inspect.Parameter.KEYWORD_ONLY, default=False,
        annotation=Annotated[bool, typer.Option(
            "--all-contexts", help="Run over every context of the kubeconfig.",
            rich_help_panel="Fleet flags")],
    ),
    inspect.Parameter(
        "parallel", inspect.Parameter.KEYWORD_ONLY, default=DEFAULT_PARALLEL,
        annotation=Annotated[int, typer.Option(
            "--parallel", metavar="N", min=1, max=64,
            help="Contexts read at the same time in a fleet run.", rich_help_panel="Fleet flags")],
    ),
    inspect.Parameter(
        "context_timeout", inspect.Parameter.KEYWORD_ONLY, default=DEFAULT_CONTEXT_TIMEOUT,
        annotation=Annotated[str, typer.Option(
            "--context-timeout", metavar="DURATION",
            help="Give up on one context of a fleet run after this long (30s, 2m); it becomes a gap.",
            rich_help_panel="Fleet flags")],
    ),
]
_FLEET_NAMES = [p.name for p in _FLEET_PARAMS]
FLEET_FLAG_NAMES = frozenset("--" + name.replace("_", "-") for name in _FLEET_NAMES)


def with_fleet_options(func: F) -> F:
    """Append the fleet flags to a command; it receives them as `fleet: FleetOptions`.

    Apply it inside `with_global_options` (listed below it), so the global flags still come last.
    """
    sig = inspect.signature(func, eval_str=True)
    own = [p for p in sig.parameters.values() if p.name != "fleet"]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from kubectl_prism.errors import UsageError
        from kubectl_prism.timeutil import parse_duration

        raw = {name: kwargs.pop(name) for name in _FLEET_NAMES}
        patterns = tuple(p.strip() for p in (raw["contexts"] or "").split(",") if p.strip())
        if raw["contexts"] is not None and not patterns:
            raise UsageError("--contexts needs at least one context name or pattern",
                             hint="e.g. --contexts 'prod-*' or --all-contexts")
        if patterns and raw["all_contexts"]:
            raise UsageError("--contexts and --all-contexts cannot be used together")
        timeout = parse_duration(raw["context_timeout"], "--context-timeout")
        if timeout <= 0:
            raise UsageError("--context-timeout must be longer than 0s", hint="e.g. --context-timeout 2m")
        fleet = FleetOptions(patterns, raw["all_contexts"], raw["parallel"], timeout)
        return func(*args, fleet=fleet, **kwargs)

    wrapper.__signature__ = sig.replace(parameters=own + _FLEET_PARAMS)  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]
