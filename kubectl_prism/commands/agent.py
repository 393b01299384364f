"""`kubectl prism agent enable|disable|status|classify`: agent mode's switch, and the classifier's view."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from kubectl_prism.errors import UsageError
from kubectl_prism.options import GlobalOptions, OutputFormat, with_global_options

app = typer.Typer(
    help="Agent mode: `kubectl prism fix` carries out remediations one confirmed step at a time. Off until "
    "`kubectl prism agent enable`; separate from `ai enable`.",
    no_args_is_help=True,
)


@app.command("enable")
@with_global_options
def enable(
    g: GlobalOptions,
    terminal: Annotated[bool, typer.Option(
        "--terminal", help="Also let the model propose shell commands (curl, nslookup, helm status), each "
        "shown verbatim and confirmed.")] = False,
    gitops: Annotated[bool, typer.Option(
        "--gitops", help="Also allow `fix --repo PATH`: edit manifests in a git repository, commit on a "
        "branch, push only after a second yes.")] = False,
    kubectl: Annotated[str | None, typer.Option(
        "--kubectl", help="The kubectl agent steps run (default: kubectl on PATH).",
        show_default=False)] = None,
) -> None:
    """Turn agent mode on, with exactly the extra skills given (the others are turned off)."""
    from kubectl_prism import settings
    from kubectl_prism.agent.settings import SECTION, load_agent_settings, resolve_kubectl

    path = resolve_kubectl(kubectl) if kubectl else None
    current = load_agent_settings()
    settings.update_section(SECTION, enabled=True, terminal=terminal, gitops=gitops,
                            kubectl=path or current.kubectl)
    _print_status(g)


@app.command("disable")
def disable() -> None:
    """Turn agent mode off: `fix` refuses to run, and no skill stays on."""
    from kubectl_prism import settings
    from kubectl_prism.agent.settings import SECTION
    from kubectl_prism.commands._output import echo

    settings.update_section(SECTION, enabled=False, terminal=False, gitops=False)
    echo("Agent mode disabled: `kubectl prism fix` refuses to run.")


@app.command("status")
@with_global_options
def status(g: GlobalOptions) -> None:
    """Show whether agent mode, the terminal skill and GitOps are on, and which kubectl steps run."""
    _print_status(g)


def _print_status(g: GlobalOptions) -> None:
    from kubectl_prism.agent.settings import load_agent_settings, resolve_kubectl
    from kubectl_prism.audit import audit_path
    from kubectl_prism.commands._output import clear, write
    from kubectl_prism.render.agent import status_lines

    _text_or_json(g, "agent status")
    agent = load_agent_settings()
    try:
        kubectl: str | None = resolve_kubectl(configured=agent.kubectl)
        problem = None
    except UsageError as err:
        kubectl, problem = None, err.line()
    doc = {**agent.to_dict(), "resolvedKubectl": kubectl, "kubectlProblem": problem,
           "auditLog": str(audit_path()), "enableCommand": agent.enable_command()}
    cleared = clear(doc, g)
    if g.output is OutputFormat.json:
        write(cleared.render(lambda d: _json(d, cleared.banner)), g)
    else:
        write(cleared.render(status_lines), g)


@app.command("classify", context_settings={"allow_interspersed_args": False})
@with_global_options
def classify(
    g: GlobalOptions,
    command: Annotated[list[str] | None, typer.Argument(
        help="The kubectl command, after `--` (or as one quoted string).", show_default=False,
        metavar="-- kubectl ARGS...")] = None,
) -> None:
    """Show what agent mode would do with a kubectl command: read-only, mutating, destructive or rejected.

    The scope is `-n`, `-A` or the context's namespace, as for `fix`. Exit 0 for every decision (a
    rejection is an answer too), 2 for usage errors. Prism's own flags go before `--`.
    """
    from kubectl_prism.agent import classify as run_classify
    from kubectl_prism.agent import classify_command_line
    from kubectl_prism.agent.scope import resolve_scope
    from kubectl_prism.commands._output import clear, write
    from kubectl_prism.render.agent import decision_lines

    _text_or_json(g, "agent classify")
    if g.snapshot is not None:
        raise UsageError("agent classify does not read a snapshot", hint="drop --snapshot")
    if not command:
        raise UsageError("no command to classify",
                         hint="e.g. kubectl prism agent classify -- kubectl get pods")
    scope = resolve_scope(g, strict=False)
    if len(command) == 1 and " " in command[0].strip():
        decision = classify_command_line(command[0], scope)  # `classify -- "kubectl get pods | sh"`
    else:
        decision = run_classify(command, scope)
    doc = {**decision.to_dict(), "commandLine": decision.command_line, "scopeText": scope.describe()}
    cleared = clear(doc, g)
    if g.output is OutputFormat.json:
        write(cleared.render(lambda d: _json(d, cleared.banner)), g)
    else:
        write(cleared.render(decision_lines), g)


def _text_or_json(g: GlobalOptions, command: str) -> None:
    if g.output not in (OutputFormat.text, OutputFormat.json):
        raise UsageError(f"-o {g.output.value} is not supported by {command}", hint="use -o text or -o json")


def _json(doc: dict[str, object], banner: str | None) -> str:
    from kubectl_prism.redact.output import BANNER_FIELD

    head = {BANNER_FIELD: banner} if banner else {}
    return json.dumps({**head, **doc}, indent=2) + "\n"
