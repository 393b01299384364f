"""`kubectl prism mcp serve|enable|disable|status|config`: the built-in MCP server (docs/mcp.md)."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Annotated, Any

import typer

from kubectl_prism.errors import UsageError
from kubectl_prism.options import GlobalOptions, with_global_options

app = typer.Typer(
    help="Serve read-only, redacted cluster context to AI assistants over MCP (Claude Code, Cursor, VS Code, "
    "Claude Desktop). Off until `kubectl prism mcp enable`; every tool call goes to the audit log.",
    no_args_is_help=True,
)


class Transport(StrEnum):
    stdio = "stdio"
    http = "http"


class Client(StrEnum):
    claude_code = "claude-code"
    cursor = "cursor"
    claude_desktop = "claude-desktop"
    vscode = "vscode"


class StatusFormat(StrEnum):
    text = "text"
    json = "json"


@app.command("serve")
@with_global_options
def serve(
    g: GlobalOptions,
    transport: Annotated[Transport, typer.Option(
        "--transport", help="stdio (started by the assistant) or streamable HTTP on 127.0.0.1.",
    )] = Transport.stdio,
    port: Annotated[int, typer.Option(
        "--port", min=0, max=65535, help="HTTP port on 127.0.0.1 (0: any free port).")] = 8377,
) -> None:
    """Run the MCP server. stdout is the protocol (stdio); logs go to stderr. Exits 2 while disabled.

    HTTP requires `Authorization: Bearer TOKEN`: PRISM_MCP_TOKEN, else `token` in the [mcp] config,
    else a token generated at start and printed on stderr. Requests from a foreign Origin get 403.
    """
    from kubectl_prism.mcpserver.policy import ENABLE_COMMAND, load_policy

    if g.snapshot is not None:
        raise UsageError("mcp serve reads the live cluster; --snapshot is not supported",
                         hint="use `kubectl prism diagnose --snapshot PATH` for saved files")
    if g.show_secrets:
        raise UsageError("--show-secrets does not apply to the MCP server: its answers are always redacted")
    policy = load_policy()
    if not policy.enabled:
        # Exit 2 (usage): the server is switched off by configuration the user controls, like a flag
        # that is missing; nothing was tried against the cluster (that would be 3).
        raise UsageError(f"MCP server is disabled: run `{ENABLE_COMMAND}`")
    _setup_logging(g.verbose)

    from kubectl_prism.mcpserver.cluster import ServeScope
    from kubectl_prism.mcpserver.server import PrismMCP

    scope = ServeScope(g.kubeconfig, g.context, g.namespace, g.all_namespaces, g.request_timeout)
    _announce(scope, policy, transport)
    server = PrismMCP(scope, transport.value).build()
    if transport is Transport.stdio:
        server.run("stdio")
        return
    from kubectl_prism.mcpserver.http import serve_http
    from kubectl_prism.mcpserver.policy import http_token

    token, generated = http_token()
    serve_http(server, port, token, generated, verbose=g.verbose)


def _setup_logging(verbose: bool) -> None:
    import logging

    # Before the SDK configures its own (rich) logging: ours goes to stderr, plain, one line each.
    logging.basicConfig(stream=sys.stderr, level=logging.INFO if verbose else logging.WARNING,
                        format="kubectl-prism mcp: %(levelname)s %(name)s: %(message)s", force=True)


def _announce(scope: Any, policy: Any, transport: Transport) -> None:
    from kubectl_prism.errors import PrismError
    from kubectl_prism.mcpserver.cluster import kubeconfig_contexts

    try:
        _, current = kubeconfig_contexts(scope.kubeconfig)
        context = scope.context or current or "?"
    except PrismError as err:
        print(f"kubectl-prism mcp: warning: {err.line()}; tools will report it until it is fixed",
              file=sys.stderr)
        context = scope.context or "?"
    print(f"kubectl-prism MCP server ({transport.value}, read-only): default context {context}",
          file=sys.stderr, flush=True)
    if context != "?" and not policy.allows_context(context):
        print(f"kubectl-prism mcp: warning: the default context {context} is not in the allow-list; "
              "tools must name an allowed context", file=sys.stderr, flush=True)


@app.command("enable")
def enable(
    allow_context: Annotated[list[str] | None, typer.Option(
        "--allow-context", help="Only this kube context (repeatable). Default: all contexts.")] = None,
    allow_namespace: Annotated[list[str] | None, typer.Option(
        "--allow-namespace", help="Only this namespace (repeatable). Default: all namespaces.")] = None,
    allow_client: Annotated[list[str] | None, typer.Option(
        "--allow-client", help="Only this MCP client name, e.g. claude-code (repeatable). Default: any.",
    )] = None,
    reset: Annotated[bool, typer.Option(
        "--reset", help="Clear all allow-lists first (back to: everything the kubeconfig allows).")] = False,
) -> None:
    """Turn the MCP server on. Each --allow-* option given replaces that allow-list."""
    from kubectl_prism import settings
    from kubectl_prism.mcpserver.policy import SECTION

    values: dict[str, Any] = {"enabled": True}
    if reset:
        values.update(allow_contexts=None, allow_namespaces=None, allow_clients=None)
    for key, given in (("allow_contexts", allow_context), ("allow_namespaces", allow_namespace),
                       ("allow_clients", allow_client)):
        if given:
            names = list(dict.fromkeys(n.strip() for n in given if n.strip()))
            if not names:
                raise UsageError(f"--{key.removesuffix('s').replace('_', '-')} needs a name")
            values[key] = names
    settings.update_section(SECTION, **values)
    _print_status(StatusFormat.text)
    typer.echo("Register it with your assistant: `kubectl prism mcp config claude-code|cursor|claude-desktop|"
               "vscode`.")


@app.command("disable")
def disable() -> None:
    """Turn the MCP server off: `serve` refuses to start and running servers refuse every call."""
    from kubectl_prism import settings
    from kubectl_prism.mcpserver.policy import SECTION

    settings.update_section(SECTION, enabled=False)
    typer.echo("MCP server disabled: `mcp serve` refuses to start and running servers answer no tool call.")


@app.command("status")
def status(
    output: Annotated[StatusFormat, typer.Option("--output", "-o", help="text or json.")] = StatusFormat.text,
) -> None:
    """Show whether the MCP server is on, its allow-lists, and where the HTTP token comes from."""
    _print_status(output)


def _print_status(output: StatusFormat) -> None:
    from kubectl_prism.audit import audit_path
    from kubectl_prism.mcpserver.policy import ENABLE_COMMAND, load_policy

    policy = load_policy()
    doc = policy.to_dict()
    doc["auditLog"] = str(audit_path())
    if output is StatusFormat.json:
        typer.echo(json.dumps(doc, indent=2))
        return

    def names(values: list[str], everything: str) -> str:
        return ", ".join(values) if values else everything

    typer.echo(f"MCP server: {'enabled' if policy.enabled else 'disabled'}")
    typer.echo(f"Contexts: {names(doc['allowContexts'], 'all in the kubeconfig')}")
    typer.echo(f"Namespaces: {names(doc['allowNamespaces'], 'all')}")
    typer.echo(f"Clients: {names(doc['allowClients'], 'any')}"
               + (" (names as the clients report them)" if doc["allowClients"] else ""))
    typer.echo(f"HTTP token: {doc['httpToken']}")
    typer.echo(f"Audit log: {doc['auditLog']}")
    if not policy.enabled:
        typer.echo(f"Turn on with `{ENABLE_COMMAND}`.")


@app.command("config")
def config(
    client: Annotated[Client, typer.Argument(help="The assistant to register the server with.",
                                             show_default=False)],
    kubeconfig: Annotated[str | None, typer.Option(
        "--kubeconfig", help="Bake this kubeconfig into the command (default: the server's environment).",
    )] = None,
    context: Annotated[str | None, typer.Option(
        "--context", help="Bake this context into the command.")] = None,
    namespace: Annotated[str | None, typer.Option(
        "--namespace", "-n", help="Bake this default namespace into the command.")] = None,
) -> None:
    """Print the snippet (or command) that registers `kubectl-prism mcp serve` with an assistant."""
    from kubectl_prism.mcpserver.clients import executable, serve_args, snippet

    result = snippet(client.value, executable(), serve_args(kubeconfig, context, namespace))
    sys.stdout.write(result.text)
    sys.stdout.flush()
    print(f"# {result.where}", file=sys.stderr)
