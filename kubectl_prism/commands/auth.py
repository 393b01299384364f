"""`kubectl prism auth login|logout|status`: bring-your-own keys, kept in the OS keyring."""

from __future__ import annotations

import json
import os
import sys
from typing import Annotated

import typer

from kubectl_prism.ai.config import PROVIDER_NAMES, PROVIDERS
from kubectl_prism.commands.ai import ProviderName, StatusFormat

app = typer.Typer(
    help="Store, remove and check AI provider keys. Keys live in the OS keyring (service kubectl-prism) "
    "or in the environment (ANTHROPIC_API_KEY, OPENAI_API_KEY, AZURE_OPENAI_API_KEY), which wins.",
    no_args_is_help=True,
)


@app.command("login")
def login(
    provider: Annotated[
        ProviderName, typer.Argument(help="anthropic, openai, azure-openai or openai-compatible.")
    ],
) -> None:
    """Store an API key in the OS keyring. Prompts without echo; reads one line from stdin when piped."""
    from kubectl_prism.ai.keys import store_key

    name = provider.value
    if sys.stdin.isatty():
        import getpass

        key = getpass.getpass(f"{name} API key (input hidden): ")
    else:
        key = sys.stdin.readline()
    store_key(name, key)
    typer.echo(f"Stored the {name} key in the OS keyring (service kubectl-prism).")
    env = PROVIDERS[name].key_env_var
    if os.environ.get(env):
        typer.echo(f"Note: {env} is set in this environment and takes precedence over the keyring.")


@app.command("logout")
def logout(
    provider: Annotated[
        ProviderName | None, typer.Argument(help="The provider (default: all of them).")
    ] = None,
) -> None:
    """Remove stored keys from the OS keyring."""
    from kubectl_prism.ai.keys import delete_key

    names = [provider.value] if provider else list(PROVIDER_NAMES)
    removals = [delete_key(name) for name in names]
    for removal in removals:
        if removal.removed:
            typer.echo(f"{removal.provider}: removed the stored key")
        elif provider is not None or removal.note != "no stored key":
            typer.echo(f"{removal.provider}: nothing removed ({removal.note})")
    if provider is None and not any(r.removed for r in removals):
        typer.echo("No stored keys.")
    if provider is None:
        typer.echo("Keys set in environment variables are not affected; unset them in your shell.")


@app.command("status")
def status(
    output: Annotated[StatusFormat, typer.Option("--output", "-o", help="text or json.")] = StatusFormat.text,
) -> None:
    """Show where each provider's key comes from (env, keyring, not set), never the key itself."""
    from kubectl_prism.ai.keys import key_source

    sources = {name: key_source(name) for name in PROVIDER_NAMES}
    if output is StatusFormat.json:
        typer.echo(json.dumps(sources, indent=2))
        return
    width = max(len(n) for n in sources)
    for name, source in sources.items():
        typer.echo(f"{name.ljust(width)}  {source}")
