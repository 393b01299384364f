"""The privacy policy, written from the code's own rule tables: `docs/privacy.md` and `ai policy`.

Every list below is read from the table the code runs on — providers and key variables (`ai.config`,
`ai.keys`), token shapes (`redact.tokens`), secret key words (`redact.keys`), dropped annotations and
harmless env names (`redact.structural`) — so the text cannot drift from what the code does. Only the
one-line descriptions are written here; a placeholder type without one stops `make docs` (and the test
that checks `docs/privacy.md` is current), so a new detector cannot go undocumented.
"""

from __future__ import annotations

# What each placeholder type stands for. Keys are the `[REDACTED:<type>]` names the detectors emit.
PLACEHOLDERS: dict[str, str] = {
    # structural rules (redact/structural.py)
    "secret-data": "a value of a Secret's `data`/`stringData` (its key names stay)",
    "env-value": "a container env `value` that is not clearly harmless",
    "last-applied-configuration": "an annotation holding a whole applied object (it can embed a Secret)",
    "kubeconfig": "a kubeconfig held in a ConfigMap or an object (the whole of it)",
    "docker-config": "a docker config (`.dockerconfigjson`, `{\"auths\": ...}`), also base64-encoded",
    # blocks (redact/detectors.py)
    "private-key": "a PEM private key (also JSON-escaped, base64-encoded, or a kubeconfig `client-key-data`)",
    "certificate": "a PEM certificate (also a kubeconfig `client-certificate-data` / "
                   "`certificate-authority-data`)",
    "pem-block": "any other PEM block",
    "jwt": "a JSON Web Token, including service account tokens (also without its signature)",
    "slack-webhook": "a Slack incoming-webhook URL",
    # context (redact/detectors.py, redact/keyvalue.py)
    "url-password": "the password in a URL or DSN (`postgres://user:PASSWORD@host`)",
    "auth-header": "the value of an `Authorization` header",
    "bearer-token": "a `Bearer` token",
    "basic-auth": "`Basic` credentials, or base64 of `user:password`",
    "api-key": "an `api-key` header, or a value under a key such as `api_key`, `accessKey`, `licenseKey`",
    "azure-storage-key": "an Azure storage `AccountKey=` / `SharedAccessKey=` in a connection string",
    "azure-sas-token": "an Azure shared access signature (`sig=`)",
    "docker-auth": "the `auth` field of a docker config",
    "password": "a value under a key such as `password`, `passwd`, `pwd`, `passphrase`",
    "secret": "a value under a key such as `secret`, `client_secret`, `secret_key`",
    "token": "a value under a key such as `token`, `access_token`, `refresh_token`",
    "credential": "a value under a key such as `credentials`, `auth`, `cookie`, `session_id`",
    "signature": "a value under a key such as `signature`, `sig`, `hmac`",
    "connection-string": "a value under a key such as `connection_string`, `connstr`",
    # tokens (redact/tokens.py)
    "high-entropy": "a long random-looking token with no known shape (length, alphabet and entropy)",
    "aws-secret-key": "a 40-character AWS secret access key next to an AWS key or setting",
    "anthropic-api-key": "an Anthropic API key",
    "openai-api-key": "an OpenAI API key (project, service account, admin)",
    "stripe-key": "a Stripe secret or restricted key",
    "stripe-webhook-secret": "a Stripe webhook signing secret",
    "github-token": "a GitHub token (personal, OAuth, app, refresh, fine-grained)",
    "gitlab-token": "a GitLab token (personal, deploy, runner, CI job, ...)",
    "slack-token": "a Slack bot, user or app token",
    "twilio-api-key": "a Twilio API key",
    "npm-token": "an npm access token",
    "pypi-token": "a PyPI upload token",
    "huggingface-token": "a Hugging Face token",
    "digitalocean-token": "a DigitalOcean token",
    "shopify-token": "a Shopify access token",
    "age-secret-key": "an age encryption secret key",
    "aws-access-key": "an AWS access key id",
    "gcp-api-key": "a Google API key",
    "gcp-oauth-secret": "a Google OAuth client secret",
    "gcp-refresh-token": "a Google OAuth refresh token",
    "gcp-access-token": "a Google OAuth access token",
    "sendgrid-api-key": "a SendGrid API key",
    "vault-token": "a HashiCorp Vault token",
    "azure-client-secret": "an Azure AD (Entra) client secret",
}

# Where each provider's requests go (the SDK's default host, or what `ai enable` was given).
_DESTINATIONS = {
    "anthropic": "Anthropic's API (`api.anthropic.com`)",
    "openai": "OpenAI's API (`api.openai.com`)",
    "azure-openai": "your Azure OpenAI resource (`--azure-endpoint`), for data residency",
    "openai-compatible": "the `--base-url` you gave (default `{base_url}`): a local server keeps "
                         "everything on the machine",
}


def _escape_cell(text: str) -> str:
    return text.replace("|", "\\|")


def _token_rows() -> list[tuple[str, str]]:
    from kubectl_prism.redact import tokens

    rows = [(kind, pattern) for kind, pattern in tokens._PREFIXED]
    rows += [(kind, pattern) for kind, _, pattern in tokens._DOTTED]
    return rows


def placeholder_types() -> list[str]:
    """Every placeholder type the rule tables name (the block and context stages are covered by
    PLACEHOLDERS itself and by the corpus test)."""
    from kubectl_prism.redact import keys, tokens

    found = {kind for kind, _ in _token_rows()}
    found |= set(keys._SENSITIVE_WORDS.values()) | set(keys._SENSITIVE_PAIRS.values())
    found |= set(tokens._KEY_TYPES.values())
    return sorted(found)


def privacy_markdown() -> str:
    """The privacy policy as Markdown: `docs/privacy.md` and the output of `kubectl prism ai policy`."""
    from kubectl_prism.ai import config
    from kubectl_prism.ai.keys import KEYRING_SERVICE
    from kubectl_prism.redact import keys, structural

    missing = [kind for kind in placeholder_types() if kind not in PLACEHOLDERS]
    if missing:
        raise KeyError(f"placeholder types without a description in ai/policy.py: {missing}")

    out: list[str] = [
        "# Privacy: what prism sends, and what it never sends",
        "",
        "<!-- Generated from the code's rule tables by `make docs` (kubectl_prism/ai/policy.py); "
        "do not edit. `kubectl prism ai policy` prints the same text. -->",
        "",
        "Nothing leaves your machine unless you turn it on: AI with `kubectl prism ai enable` and a key, "
        "the MCP server with `kubectl prism mcp enable`. Rule-based diagnosis, reports, `explain`, `fix` "
        "without AI and the exporter send nothing to anyone but your cluster's API server, and read only "
        "what your RBAC allows.",
        "",
        "## What a provider receives",
        "",
        "Only the redacted context of the command: rule findings, the objects in scope after the "
        "structural rules below, events and log tails after the free-text detectors, each piece of "
        "cluster text fenced and marked as data. `kubectl prism context TARGET` prints exactly that "
        "payload with counts of what was redacted; `--anonymize` also replaces names, namespaces, IPs "
        "and hostnames with stable placeholders and maps the answer back on your side.",
        "Every request is written to the local audit log (`kubectl prism audit`): provider, model, size, "
        "SHA-256 of the payload and redaction counts — never the payload's secrets.",
        "",
        "| provider | requests go to | SDK | key from | default model |",
        "|---|---|---|---|---|",
    ]
    for name, info in config.PROVIDERS.items():
        where = _DESTINATIONS[name].format(base_url=config.DEFAULT_COMPATIBLE_BASE_URL)
        key = f"`{info.key_env_var}`, then the keyring" + ("" if info.needs_key else " (optional)")
        model = f"`{info.default_model}`" if info.default_model else "the deployment's"
        out.append(f"| {name} | {where} | `{info.sdk}` | {key} | {model} |")
    out += [
        "",
        "A custom base URL never receives a stored OpenAI key. MCP clients get the same redacted "
        "context through read-only tools, and every call is audited.",
        "",
        "## What is never sent",
        "",
        "- **Secret values.** Secrets are requested from the API server as metadata only "
        "(`PartialObjectMetadata`): their values never reach prism's memory, so they cannot leave it. "
        "A Secret that arrives with data anyway (a snapshot file) keeps only its key names.",
        "- **Kubeconfig contents**, client certificates, client keys and tokens; a kubeconfig or docker "
        "config found in a ConfigMap or an object is dropped whole.",
        "- **`metadata.managedFields`**, and these annotations, which can hold a whole applied object: "
        + ", ".join(f"`{a}`" for a in structural._DROPPED_ANNOTATIONS) + ".",
        "- **Container env values**, unless clearly harmless: booleans, numbers, durations, sizes, log "
        "levels and environment names, addresses without credentials under `*_HOST`/`*_URL`-style names, "
        "and values under these well-known settings: "
        + ", ".join(f"`{n}`" for n in sorted(structural._SAFE_ENV_NAMES)) + ". "
        "`valueFrom` and `envFrom` keep only the names of what they reference.",
        "- **`--show-secrets`** shows raw values to you at your terminal for one run; it never applies to "
        "AI requests or MCP answers (`context` and `mcp serve` refuse it).",
        "",
        "## What is redacted, and how",
        "",
        "Every output prism writes — AI requests, MCP answers, `diagnose`/`explain`/`ask` output in every "
        "format, report files, `context`, `audit` and error lines — passes one redaction pipeline. A "
        "secret becomes a typed placeholder `[REDACTED:<type>]`; names, namespaces, images, IPs and exit "
        "codes stay, so the diagnosis reads the same. ConfigMap values, logs, events, annotations, "
        "container args and AI answers echoed back are scanned as free text.",
        "",
        "| placeholder type | what it replaces |",
        "|---|---|",
    ]
    out += [f"| `{kind}` | {_escape_cell(text)} |" for kind, text in PLACEHOLDERS.items()]
    out += [
        "",
        "### Token shapes",
        "",
        "Known credential formats, matched wherever they appear (the exact patterns the code runs):",
        "",
        "| placeholder type | pattern |",
        "|---|---|",
    ]
    out += [f"| `{kind}` | `{_escape_cell(pattern)}` |" for kind, pattern in _token_rows()]
    out += [
        "",
        "### Keys that name a secret",
        "",
        "A value under a key whose words include one of these is a secret, in any syntax (`KEY=value`, "
        "`key: value`, JSON, query strings, headers, `--key value` flags): "
        + ", ".join(f"`{w}`" for w in sorted(keys._SENSITIVE_WORDS)) + "; and these pairs of words: "
        + ", ".join(f"`{a}_{b}`" for a, b in sorted(keys._SENSITIVE_PAIRS)) + ".",
        "A key that goes on with one of these words names a reference, a setting or a counter and keeps "
        "its value (`secretName`, `token_ttl`, `password_min_length`): "
        + ", ".join(f"`{w}`" for w in sorted(keys._BENIGN_WORDS)) + ".",
        "",
        "## Where keys live",
        "",
        "- The environment variable first ("
        + ", ".join(f"`{info.key_env_var}`" for info in config.PROVIDERS.values()) + "), then the OS "
        f"keyring under the service name `{KEYRING_SERVICE}` (`kubectl prism auth login PROVIDER`).",
        "- There is no plaintext key file. Keyring backends that store keys in files (`keyrings.alt`) are "
        "refused; a machine without a keyring is told which environment variable to set.",
        "- `kubectl prism auth status` says where each key comes from without printing it; `auth logout` "
        "deletes the stored key. The config file holds choices only, never a key.",
        "",
    ]
    return "\n".join(out)
