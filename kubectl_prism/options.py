"""The global flags of DESIGN §2, defined once and added to every command that talks to a cluster.

kubectl passes no flags through to a plugin, so prism parses `--kubeconfig`, `--context`, `-n`, `-A`,
`--snapshot`, `-o`, `--no-color`, `-v`, `--show-secrets` and `--request-timeout` itself. They are
accepted anywhere after the command name, as kubectl users type them
(`kubectl prism diagnose pod/x -n shop -o json`).
"""

from __future__ import annotations

import functools
import inspect
import re
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
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_request_timeout(text: str) -> float | None:
    """kubectl's `--request-timeout`: whole seconds ("5"), or a Go duration ("1m30s", "500ms"); 0 = none."""
    from kubectl_prism.errors import UsageError
    from kubectl_prism.printable import shown

    value = text.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        parts = _DURATION_PART.findall(value)
        if not parts or "".join(n + u for n, u in parts) != value:
            raise UsageError(f"invalid --request-timeout {shown(value, 40)}",
                             hint="a number of seconds or a duration such as 30s, 1m or 500ms; 0 for none")
        seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in parts)
    return seconds or None


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
