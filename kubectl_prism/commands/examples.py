"""The `Examples:` block of every command's `--help`, kubectl style, and of the man page.

One table, keyed by the command's path after `kubectl prism` ("diagnose", "ai enable", "ai" for the
group). `cli.py` attaches each block as the command's epilog; `make docs` writes the same examples into
the man page; a test parses every example with the real CLI parser and fails when a command has none.
Pure data, imported on every start: keep it free of imports.
"""

from __future__ import annotations

# (what it does, the command line as typed in a shell)
Example = tuple[str, str]

EXAMPLES: dict[str, list[Example]] = {
    "diagnose": [
        ("Diagnose one object and what it needs (owners, pods, events, logs)",
         "kubectl prism diagnose deploy/api -n shop"),
        ("A whole namespace; exit 1 when a finding is critical (CI gate)",
         "kubectl prism diagnose -n shop --fail-on critical"),
        ("The whole cluster as a prism/v1 Diagnosis document",
         "kubectl prism diagnose -A -o json"),
        ("Offline, from `kubectl cluster-info dump --output-directory=./dump -A`",
         "kubectl prism diagnose -A --snapshot ./dump"),
        ("Every production cluster of the kubeconfig, four at a time",
         "kubectl prism diagnose -A --contexts 'prod-*' --parallel 4"),
        ("Add the AI's root cause and steps (after `ai enable` and `auth login`)",
         "kubectl prism diagnose pod/api-7d9c-x2 -n shop --ai"),
        ("List every rule: id, severity, what it checks",
         "kubectl prism diagnose --list-rules"),
    ],
    "explain": [
        ("What a Deployment is: owners, spec, status, events, utilization",
         "kubectl prism explain deploy/api -n shop"),
        ("The same object in every prod cluster, as Markdown for a ticket",
         "kubectl prism explain deploy/api -n shop --contexts 'prod-*' -o markdown"),
        ("With an AI explanation, names and IPs anonymized before sending",
         "kubectl prism explain sts/db -n shop --ai --anonymize"),
    ],
    "ask": [
        ("A question about a namespace (needs `ai enable`; the AI can only read)",
         'kubectl prism ask "why is checkout failing?" -n shop'),
        ("About the whole cluster, with at most 4 tool rounds",
         'kubectl prism ask "which nodes are under memory pressure?" -A --max-steps 4'),
    ],
    "report": [
        ("A self-contained HTML health report of the cluster",
         "kubectl prism report -A --out health.html"),
        ("Markdown for a pull request; exit 1 on a critical finding",
         "kubectl prism report -n shop --out health.md --fail-on critical"),
        ("One report over every context, as JSON",
         "kubectl prism report -A --all-contexts --out fleet.json"),
    ],
    "fix": [
        ("Fix what diagnose found in a namespace, one confirmed step at a time",
         "kubectl prism fix -n shop"),
        ("Print the plan only (what CI sees: exit 5 when it holds a change)",
         "kubectl prism fix deploy/api -n shop --plan -o markdown"),
        ("Change the manifests in a git repository instead of the cluster",
         "kubectl prism fix deploy/api -n shop --repo ./gitops"),
    ],
    "context": [
        ("Exactly what an AI provider would receive for a Deployment (redacted)",
         "kubectl prism context deploy/api -n shop"),
        ("The namespace's context as JSON, anonymized, within 2,000 tokens",
         "kubectl prism context -n shop --anonymize --budget 2000 -o json"),
    ],
    "ai": [
        ("Turn AI on with Anthropic, then store the key",
         "kubectl prism ai enable --provider anthropic"),
        ("What is sent to a provider and what never is",
         "kubectl prism ai policy"),
        ("Where AI stands: provider, model, where the key comes from",
         "kubectl prism ai status"),
    ],
    "ai enable": [
        ("Anthropic with its default model",
         "kubectl prism ai enable --provider anthropic"),
        ("A local model through Ollama: nothing leaves the machine",
         "kubectl prism ai enable --provider openai-compatible --base-url http://localhost:11434/v1 "
         "--model llama3.1"),
        ("Azure OpenAI, for data residency",
         "kubectl prism ai enable --provider azure-openai --azure-endpoint https://myres.openai.azure.com "
         "--azure-deployment gpt4o --api-version 2024-10-21"),
        ("Turn AI back on with the last choice",
         "kubectl prism ai enable"),
    ],
    "ai disable": [
        ("Stop every request to any provider",
         "kubectl prism ai disable"),
    ],
    "ai status": [
        ("Provider, model, limits and where the key comes from",
         "kubectl prism ai status"),
        ("The same as JSON, for scripts",
         "kubectl prism ai status -o json"),
    ],
    "ai policy": [
        ("What is sent to a provider, what is redacted and how, what never leaves",
         "kubectl prism ai policy"),
        ("Keep a copy for a security review",
         "kubectl prism ai policy > prism-privacy.md"),
    ],
    "auth": [
        ("Store an Anthropic key in the OS keyring",
         "kubectl prism auth login anthropic"),
        ("Where each provider's key comes from (never the key)",
         "kubectl prism auth status"),
    ],
    "auth login": [
        ("Prompt for the key without echo",
         "kubectl prism auth login anthropic"),
        ("Read the key from a pipe (e.g. a password manager)",
         "pass show openai | kubectl prism auth login openai"),
    ],
    "auth logout": [
        ("Delete the stored OpenAI key from the keyring",
         "kubectl prism auth logout openai"),
    ],
    "auth status": [
        ("Where each key comes from: env, keyring or not set",
         "kubectl prism auth status"),
        ("The same as JSON",
         "kubectl prism auth status -o json"),
    ],
    "agent": [
        ("Turn agent mode on (kubectl steps only)",
         "kubectl prism agent enable"),
        ("What agent mode would do with a command",
         "kubectl prism agent classify -n shop -- kubectl rollout restart deploy/api"),
    ],
    "agent enable": [
        ("Only kubectl steps, each confirmed",
         "kubectl prism agent enable"),
        ("Also shell commands and manifest edits in git repositories",
         "kubectl prism agent enable --terminal --gitops"),
    ],
    "agent disable": [
        ("Turn agent mode off: fix refuses to run",
         "kubectl prism agent disable"),
    ],
    "agent status": [
        ("Whether agent mode and its skills are on",
         "kubectl prism agent status"),
    ],
    "agent classify": [
        ("A mutating step in the shop namespace",
         "kubectl prism agent classify -n shop -- kubectl scale deploy/api --replicas=3"),
        ("Rejected: it reads Secret data",
         "kubectl prism agent classify -n shop -- kubectl get secret db -o yaml"),
        ("The command as one quoted string, answer as JSON",
         "kubectl prism agent classify -n shop -o json 'kubectl delete pod api-7d9c-x2'"),
    ],
    "mcp": [
        ("Turn the MCP server on for one namespace, and register it with Claude Code",
         "kubectl prism mcp enable --allow-namespace shop"),
        ("The command that registers it",
         "kubectl prism mcp config claude-code"),
    ],
    "mcp serve": [
        ("Over stdio, as an assistant starts it",
         "kubectl prism mcp serve"),
        ("Streamable HTTP on 127.0.0.1 with a bearer token",
         "kubectl prism mcp serve --transport http --port 8377"),
    ],
    "mcp enable": [
        ("Everything the kubeconfig allows",
         "kubectl prism mcp enable"),
        ("Only the prod context's shop namespace, only for Claude Code",
         "kubectl prism mcp enable --allow-context prod --allow-namespace shop --allow-client claude-code"),
        ("Clear the allow-lists",
         "kubectl prism mcp enable --reset"),
    ],
    "mcp disable": [
        ("Make `mcp serve` refuse to start",
         "kubectl prism mcp disable"),
    ],
    "mcp status": [
        ("Whether the server is on and its allow-lists",
         "kubectl prism mcp status"),
    ],
    "mcp config": [
        ("The `claude mcp add` command for Claude Code",
         "kubectl prism mcp config claude-code"),
        ("The JSON snippet for Cursor",
         "kubectl prism mcp config cursor"),
    ],
    "exporter": [
        ("Prometheus metrics of the whole cluster on 127.0.0.1:9808, a run every 5 minutes",
         "kubectl prism exporter -A"),
        ("A fleet, scraped from other hosts, every 2 minutes",
         "kubectl prism exporter -A --all-contexts --address 0.0.0.0 --interval 2m"),
    ],
    "audit": [
        ("AI requests, MCP calls and agent steps of the last hour",
         "kubectl prism audit --since 1h"),
        ("Only the agent's executed steps, as JSON",
         "kubectl prism audit --event agent.step -o json"),
    ],
    "version": [
        ("The installed version",
         "kubectl prism version"),
    ],
}


def _escape(text: str) -> str:
    # Help text is rendered as rich markup: a literal `[` would start a tag.
    return text.replace("[", "\\[")


def epilog(path: str) -> str | None:
    """The `Examples:` block for the command at `path`, as the help renderer expects it.

    It starts with a blank line and an unindented header: the renderer dedents the block by its
    common indent, which keeps the examples' two-space indent.
    """
    examples = EXAMPLES.get(path)
    if not examples:
        return None
    blocks = [f"  # {_escape(what)}\n  {_escape(line)}" for what, line in examples]
    return "\nExamples:\n" + "\n\n".join(blocks)


def attach(app: object, path: str = "") -> None:
    """Give every command and group registered on a typer `app` its examples as the help epilog."""
    for info in getattr(app, "registered_commands", []):
        name = info.name or info.callback.__name__.replace("_", "-")
        info.epilog = epilog(f"{path} {name}".strip())
    for group in getattr(app, "registered_groups", []):
        full = f"{path} {group.name}".strip()
        group.epilog = epilog(full)
        attach(group.typer_instance, full)
