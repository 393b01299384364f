"""`kubectl prism ai enable|disable|status|policy`: the opt-in switch, provider and model, and the
privacy policy."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Any

import typer

from kubectl_prism.ai import config
from kubectl_prism.errors import UsageError

app = typer.Typer(
    help="Turn AI explanations on or off and choose the provider and model. AI is off by default; "
    "only redacted context is ever sent, to your own provider account.",
    no_args_is_help=True,
)


class ProviderName(StrEnum):
    anthropic = "anthropic"
    openai = "openai"
    azure_openai = "azure-openai"
    openai_compatible = "openai-compatible"


class StatusFormat(StrEnum):
    text = "text"
    json = "json"


@app.command("enable")
def enable(
    provider: Annotated[
        ProviderName | None,
        typer.Option(
            "--provider",
            "-p",
            help="anthropic, openai, azure-openai or openai-compatible (Ollama, vLLM, "
            "LM Studio). Without it, re-enables the last choice.",
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            help="Model name. Defaults: anthropic claude-sonnet-4-5, openai gpt-5.4-mini, "
            "azure-openai the deployment, openai-compatible llama3.1.",
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url", help="API base URL (openai-compatible; default http://localhost:11434/v1)."
        ),
    ] = None,
    azure_endpoint: Annotated[
        str | None,
        typer.Option(
            "--azure-endpoint", help="Azure OpenAI resource endpoint, e.g. https://myres.openai.azure.com."
        ),
    ] = None,
    azure_deployment: Annotated[
        str | None, typer.Option("--azure-deployment", help="Azure OpenAI deployment name.")
    ] = None,
    api_version: Annotated[
        str | None,
        typer.Option(
            "--api-version", help=f"Azure OpenAI API version (default {config.DEFAULT_AZURE_API_VERSION})."
        ),
    ] = None,
) -> None:
    """Turn AI on: choose the provider and model. A key is needed too (`kubectl prism auth login`)."""
    from kubectl_prism import settings

    if provider is None:
        if any((model, base_url, azure_endpoint, azure_deployment, api_version)):
            raise UsageError("--provider is required with these flags", hint="e.g. --provider anthropic")
        previous = config.load_settings()
        if previous is None:
            raise UsageError("no AI provider chosen yet", hint=f"run `{config.enable_command()}`")
        settings.update_section("ai", enabled=True)
    else:
        table = config.validate_choice(
            provider.value,
            model=model,
            base_url=base_url,
            azure_endpoint=azure_endpoint,
            azure_deployment=azure_deployment,
            api_version=api_version,
        )
        settings.update_section("ai", **table)
    current = config.load_settings()
    assert current is not None
    typer.echo(f"AI enabled: {current.describe()}")
    typer.echo(f"Key: {_key_line(current.provider)}")
    typer.echo(
        "Only redacted context is sent; `kubectl prism context TARGET` shows exactly what. "
        "Turn off with `kubectl prism ai disable`, or for one run with --no-ai."
    )


@app.command("disable")
def disable() -> None:
    """Turn AI off: no request reaches any provider until `ai enable`."""
    from kubectl_prism import settings

    settings.update_section("ai", enabled=False)
    typer.echo("AI disabled: no request will be sent to any provider.")


@app.command("status")
def status(
    output: Annotated[StatusFormat, typer.Option("--output", "-o", help="text or json.")] = StatusFormat.text,
) -> None:
    """Show whether AI is on, the provider and model, and where the key comes from (never the key)."""
    current = config.load_settings()
    doc: dict[str, Any] = {"enabled": bool(current and current.enabled)}
    if current is not None:
        doc.update(
            {
                "provider": current.provider,
                "model": current.model,
                "baseUrl": current.base_url,
                "azureEndpoint": current.azure_endpoint,
                "azureDeployment": current.azure_deployment,
                "apiVersion": current.api_version,
                "key": _key_line(current.provider),
                "timeoutSeconds": current.timeout,
                "maxRetries": current.max_retries,
                "temperature": current.temperature,
                "promptCache": current.prompt_cache,
            }
        )
    if output is StatusFormat.json:
        typer.echo(json.dumps(doc, indent=2))
        return
    if current is None:
        typer.echo(f"AI: disabled (never configured). Turn on with `{config.enable_command()}`.")
        return
    state = "enabled" if current.enabled else "disabled"
    typer.echo(f"AI: {state}")
    typer.echo(f"Provider: {current.provider}")
    typer.echo(f"Model: {current.model}")
    if current.base_url:
        typer.echo(f"Base URL: {current.base_url}")
    if current.azure_endpoint:
        typer.echo(
            f"Azure endpoint: {current.azure_endpoint} (deployment {current.azure_deployment}, "
            f"api-version {current.api_version})"
        )
    typer.echo(f"Key: {doc['key']}")
    typer.echo(f"Limits: {current.timeout:g} s a request (retries included), {current.max_retries} retries, "
               f"{current.max_output_tokens} output tokens")
    cache = "on" if current.prompt_cache else "off"
    temperature = "the model's default" if current.temperature is None else f"{current.temperature:g}"
    typer.echo(f"Temperature: {temperature} (where the model takes one); prompt cache: {cache}")
    if not current.enabled:
        typer.echo("Turn on with `kubectl prism ai enable`.")


@app.command("policy")
def policy() -> None:
    """Print what is sent to an AI provider, what is redacted and how, what is never sent, and where
    keys live: written from the code's own rules (the same text as docs/privacy.md)."""
    from kubectl_prism.ai.policy import privacy_markdown

    typer.echo(privacy_markdown(), nl=False)


def _key_line(provider: str) -> str:
    from kubectl_prism.ai.keys import key_source

    source = key_source(provider)
    if source.startswith("not set") and config.PROVIDERS[provider].needs_key:
        env = config.PROVIDERS[provider].key_env_var
        return f"{source}; run `{config.login_command(provider)}` or set {env}"
    return source
