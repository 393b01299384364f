"""The secret corpus: realistic credentials of 30+ types, planted in the places they turn up.

Every sample is a secret value (the substring that must never come out), the text it is planted in,
the place (log line, env value, ConfigMap, annotation, event, command output) and the placeholder
types that are a correct answer. Values are generated from a fixed seed in the real formats (prefix,
alphabet, length), so the corpus is deterministic and nothing here is a live credential.
"""

from __future__ import annotations

import base64
import json
import random
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass

B62 = string.ascii_letters + string.digits
B64 = B62 + "+/"
URLSAFE = B62 + "-_"
HEX = "0123456789abcdef"
UPPER_DIGITS = string.ascii_uppercase + string.digits

PLACES = ("log", "env", "configmap", "annotation", "event", "command")


@dataclass(frozen=True)
class Sample:
    kind: str  # the family, e.g. "aws-access-key"
    secret: str  # must not appear in the output
    text: str  # the line it is planted in
    place: str  # one of PLACES
    types: tuple[str, ...]  # acceptable placeholder types for this sample

    @property
    def id(self) -> str:
        return f"{self.kind}-{self.place}"


class Gen:
    def __init__(self, seed: int = 20261101) -> None:
        self.r = random.Random(seed)

    def s(self, alphabet: str, n: int) -> str:
        return "".join(self.r.choice(alphabet) for _ in range(n))

    def b64_body(self, nbytes: int) -> str:
        return base64.b64encode(self.r.randbytes(nbytes)).decode()

    def pem(self, label: str, nbytes: int, sep: str = "\n") -> str:
        body = self.b64_body(nbytes)
        lines = [body[i:i + 64] for i in range(0, len(body), 64)]
        return sep.join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"])

    def jwt(self) -> str:
        def enc(d: dict) -> str:
            return base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")

        header = enc({"alg": self.r.choice(["RS256", "HS256", "ES256"]), "typ": "JWT",
                      "kid": self.s(URLSAFE, 20)})
        payload = enc({"iss": "https://kubernetes.default.svc.cluster.local",
                       "sub": f"system:serviceaccount:shop:{self.s(string.ascii_lowercase, 6)}",
                       "exp": self.r.randint(1_800_000_000, 1_900_000_000)})
        return f"{header}.{payload}.{self.s(URLSAFE, 86)}"

    def password(self) -> str:
        words = ["Summer", "Winter", "Tr0ub4dor", "Kub3", "Pr0d", "Orders", "Maple"]
        return self.r.choice(words) + self.s(B62, 6) + self.r.choice("!@#%^*") + self.s(string.digits, 3)


# --- per-type generators: (value, [(template, place, types)]) ------------------------------------------
# A template has {s} where the secret goes; several templates per type cover the places.

Template = tuple[str, str, tuple[str, ...]]


def _types(*t: str) -> tuple[str, ...]:
    return t


def catalogue(g: Gen) -> list[tuple[str, Callable[[], str], list[Template]]]:
    any_pwd = _types("password", "url-password", "high-entropy", "env-value", "connection-string")
    return [
        ("private-key-rsa", lambda: g.pem("RSA PRIVATE KEY", 1190), [
            ("{s}", "configmap", _types("private-key")),
            ("tls.key: |\n{s}", "command", _types("private-key")),
            ("loaded key material:\n{s}\n", "log", _types("private-key")),
        ]),
        ("private-key-escaped", lambda: g.pem("PRIVATE KEY", 1216, sep="\\n"), [
            ('{{"type": "service_account", "project_id": "shop-prod", "private_key": "{s}\\n", '
             '"client_email": "ci@shop-prod.iam.gserviceaccount.com"}}', "configmap", _types("private-key")),
            ('level=error msg="bad credentials json" raw="{s}"', "log", _types("private-key")),
            ("{s}", "annotation", _types("private-key")),
        ]),
        ("private-key-ec", lambda: g.pem("EC PRIVATE KEY", 121), [
            ("{s}", "event", _types("private-key")),
            ("ssh: handshake failed; key was\n{s}", "log", _types("private-key")),
            ("$ cat /etc/tls/key.pem\n{s}", "command", _types("private-key")),
        ]),
        ("openssh-key", lambda: g.pem("OPENSSH PRIVATE KEY", 400), [
            ("id_ed25519: |\n{s}", "configmap", _types("private-key")),
            ("{s}", "log", _types("private-key")),
        ]),
        ("certificate", lambda: g.pem("CERTIFICATE", 900), [
            ("ca.crt: |\n{s}", "configmap", _types("certificate")),
            ("{s}", "command", _types("certificate")),
            ("x509: certificate signed by unknown authority, got:\n{s}", "log", _types("certificate")),
            ("{s}", "annotation", _types("certificate")),
            ("webhook caBundle mismatch: {s}", "event", _types("certificate")),
        ]),
        ("kubeconfig-client-key", lambda: base64.b64encode(g.pem("RSA PRIVATE KEY", 600).encode()).decode(), [
            ("    client-key-data: {s}", "command", _types("private-key")),
            ('{{"client-key-data": "{s}"}}', "configmap", _types("private-key")),
            ("{s}", "annotation", _types("private-key")),
        ]),
        ("kubeconfig-client-cert", lambda: base64.b64encode(g.pem("CERTIFICATE", 500).encode()).decode(), [
            ("    client-certificate-data: {s}", "command", _types("certificate")),
            ("    certificate-authority-data: {s}", "configmap", _types("certificate")),
        ]),
        ("jwt", g.jwt, [
            ("Authorization: Bearer {s}", "log", _types("jwt")),
            ('time="2026-11-01T10:00:00Z" level=debug msg="calling API" token={s}', "log", _types("jwt")),
            ("{s}", "env", _types("jwt", "env-value")),
            ("token: {s}", "configmap", _types("jwt")),
            ("Failed to refresh token {s}: 401 Unauthorized", "event", _types("jwt")),
            ('curl -sk -H "Authorization: Bearer {s}" https://10.96.0.1/api', "command", _types("jwt")),
            ("{s}", "annotation", _types("jwt")),
            ('{{"apiVersion":"v1","kind":"Config","users":[{{"name":"ci","user":{{"token":"{s}"}}}}]}}',
             "command", _types("jwt", "kubeconfig")),
            ("id-token: {s}", "configmap", _types("jwt")),
            ("E1101 12:00:00.000000 1 authentication.go:73] Unable to authenticate the request: {s}", "log",
             _types("jwt")),
        ]),
        ("bearer-opaque", lambda: g.s(URLSAFE, 43), [
            ("GET /v1/orders Authorization: Bearer {s} 200 12ms", "log",
             _types("bearer-token", "auth-header")),
            ("proxy: forwarding with header 'Authorization: Bearer {s}'", "event",
             _types("bearer-token", "auth-header")),
            ("curl -H 'authorization: bearer {s}' http://orders:8080/healthz", "command",
             _types("bearer-token", "auth-header")),
        ]),
        ("basic-auth", lambda: base64.b64encode(f"deploy:{g.password()}".encode()).decode(), [
            ("Authorization: Basic {s}", "log", _types("basic-auth", "auth-header")),
            ("upstream request failed, headers={{'Authorization': 'Basic {s}'}}", "log",
             _types("basic-auth", "auth-header")),
            ("curl -H 'Authorization: Basic {s}' https://registry.shop.internal/v2/", "command",
             _types("basic-auth", "auth-header")),
        ]),
        ("aws-access-key", lambda: "AKIA" + g.s(UPPER_DIGITS, 16), [
            ("aws_access_key_id = {s}", "configmap", _types("aws-access-key")),
            ("{s}", "env", _types("aws-access-key", "env-value")),
            ("botocore: credentials found, access key {s}", "log", _types("aws-access-key")),
            ("InvalidClientTokenId: The security token included in the request is invalid ({s})", "event",
             _types("aws-access-key")),
            ("[default]\naws_access_key_id={s}\n", "command", _types("aws-access-key")),
            ("{s}", "annotation", _types("aws-access-key")),
        ]),
        ("aws-session-key", lambda: "ASIA" + g.s(UPPER_DIGITS, 16), [
            ("export AWS_ACCESS_KEY_ID={s}", "command", _types("aws-access-key")),
            ("assumed role, key={s}", "log", _types("aws-access-key")),
        ]),
        ("aws-secret-key", lambda: g.s(B64, 40), [
            ("aws_secret_access_key = {s}", "configmap", _types("aws-secret-key", "secret")),
            ("AWS_SECRET_ACCESS_KEY={s}", "command", _types("aws-secret-key", "secret")),
            ("{s}", "env", _types("aws-secret-key", "env-value")),
            ("aws s3 cp failed: AKIAIOSFODNN7EXAMPLE / {s}", "log", _types("aws-secret-key")),
            ('{{"AccessKeyId": "ASIAXAMPLEXAMPLEXAMP", "SecretAccessKey": "{s}"}}', "log",
             _types("aws-secret-key", "secret")),
            ("aws_secret_access_key: {s}", "annotation", _types("aws-secret-key", "secret")),
        ]),
        ("gcp-api-key", lambda: "AIza" + g.s(URLSAFE, 35), [
            ("GET https://maps.googleapis.com/maps/api/geocode/json?address=x&key={s}", "log",
             _types("gcp-api-key")),
            ("maps.apiKey={s}", "configmap", _types("gcp-api-key")),
            ("{s}", "env", _types("gcp-api-key", "env-value")),
            ("{s}", "annotation", _types("gcp-api-key")),
            ("places client error: API key not valid. key={s}", "event", _types("gcp-api-key")),
        ]),
        ("gcp-oauth-secret", lambda: "GOCSPX-" + g.s(URLSAFE, 28), [
            ('{{"installed": {{"client_id": "1234.apps.googleusercontent.com", "client_secret": "{s}"}}}}',
             "configmap", _types("gcp-oauth-secret")),
            ("oauth2-proxy --client-secret={s}", "command", _types("gcp-oauth-secret")),
            ("{s}", "env", _types("gcp-oauth-secret", "env-value")),
        ]),
        ("gcp-access-token", lambda: "ya29." + g.s(URLSAFE, 120), [
            ("refreshed access token ya29 {s}", "log", _types("gcp-access-token")),
            ("Authorization: Bearer {s}", "command", _types("gcp-access-token")),
        ]),
        ("azure-storage-key", lambda: g.b64_body(64), [
            ("DefaultEndpointsProtocol=https;AccountName=shopstore;AccountKey={s};EndpointSuffix=core.windows.net",
             "configmap", _types("azure-storage-key")),
            ("AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName=x;AccountKey={s}",
             "command", _types("azure-storage-key")),
            ("Endpoint=sb://shop.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;"
             "SharedAccessKey={s}", "log", _types("azure-storage-key")),
            ("{s}", "env", _types("env-value", "high-entropy")),
            ("{s}", "annotation", _types("high-entropy")),
        ]),
        ("azure-sas-token", lambda: g.s(B62, 43) + "%3D", [
            ("GET https://shopstore.blob.core.windows.net/backups/db.tar?sv=2022-11-02&ss=b&srt=o&sp=r"
             "&se=2026-12-01T00:00:00Z&sig={s} 403", "log", _types("azure-sas-token")),
            ("restore from ?sv=2021-08-06&sr=c&sig={s}", "event", _types("azure-sas-token")),
            ("az storage blob download --sas-token 'sv=2022-11-02&sp=r&sig={s}'", "command",
             _types("azure-sas-token")),
        ]),
        ("azure-client-secret", lambda: g.s(URLSAFE, 3) + str(g.r.randint(0, 9)) + "Q~"
         + g.s(URLSAFE + "~.", 34), [
            ("AZURE_CLIENT_SECRET={s}", "command", _types("azure-client-secret", "secret")),
            ("msal: acquiring token with secret {s}", "log", _types("azure-client-secret")),
            ("{s}", "env", _types("azure-client-secret", "env-value")),
        ]),
        ("anthropic-api-key", lambda: "sk-ant-api03-" + g.s(URLSAFE, 93) + "AA", [
            ("ANTHROPIC_API_KEY={s}", "command", _types("anthropic-api-key")),
            ("anthropic.AuthenticationError: invalid x-api-key {s}", "log", _types("anthropic-api-key")),
            ("{s}", "env", _types("anthropic-api-key", "env-value")),
            ("{s}", "annotation", _types("anthropic-api-key")),
            ('anthropic_api_key: "{s}"', "configmap", _types("anthropic-api-key")),
            ("request failed with key {s}", "event", _types("anthropic-api-key")),
        ]),
        ("openai-api-key", lambda: "sk-proj-" + g.s(URLSAFE, 156), [
            ("openai.AuthenticationError: Incorrect API key provided: {s}", "log", _types("openai-api-key")),
            ("OPENAI_API_KEY: {s}", "configmap", _types("openai-api-key")),
            ("{s}", "annotation", _types("openai-api-key")),
            ("{s}", "env", _types("openai-api-key", "env-value")),
        ]),
        ("openai-legacy-key", lambda: "sk-" + g.s(B62, 48), [
            ("export OPENAI_API_KEY={s}", "command", _types("openai-api-key")),
            ("{s}", "env", _types("openai-api-key", "env-value")),
        ]),
        ("github-token", lambda: g.r.choice(["ghp_", "gho_", "ghs_", "ghu_"]) + g.s(B62, 36), [
            ("git clone https://x-access-token:{s}@github.com/shop/api.git", "command",
             _types("github-token", "url-password")),
            ("GITHUB_TOKEN={s}", "command", _types("github-token")),
            ("{s}", "env", _types("github-token", "env-value")),
            ("fatal: could not read from remote with token {s}", "log", _types("github-token")),
            ("{s}", "annotation", _types("github-token")),
        ]),
        ("github-pat", lambda: "github_pat_" + g.s(B62, 22) + "_" + g.s(B62, 59), [
            ("renovate: using token {s}", "log", _types("github-token")),
            ("token: {s}", "configmap", _types("github-token")),
            ("{s}", "event", _types("github-token")),
        ]),
        ("gitlab-token", lambda: "glpat-" + g.s(URLSAFE, 20), [
            ("PRIVATE-TOKEN: {s}", "log", _types("gitlab-token")),
            ("CI_JOB_TOKEN / {s}", "event", _types("gitlab-token")),
            ("{s}", "env", _types("gitlab-token", "env-value")),
            ("git remote set-url origin https://oauth2:{s}@gitlab.com/shop/api.git", "command",
             _types("gitlab-token", "url-password")),
            ("gitlab_token: {s}", "configmap", _types("gitlab-token")),
        ]),
        ("slack-bot-token", lambda: "xoxb-" + g.s(string.digits, 12) + "-" + g.s(string.digits, 13) + "-"
         + g.s(B62, 24), [
            ("slack: posting alert with {s}", "log", _types("slack-token")),
            ("slack_token: {s}", "configmap", _types("slack-token")),
            ("{s}", "annotation", _types("slack-token")),
        ]),
        ("slack-user-token", lambda: "xoxp-" + g.s(string.digits, 12) + "-" + g.s(string.digits, 12) + "-"
         + g.s(string.digits, 13) + "-" + g.s(HEX, 32), [
            ("{s}", "env", _types("slack-token", "env-value")),
            ("invalid_auth for {s}", "event", _types("slack-token")),
            ("curl -H 'Authorization: Bearer {s}' https://slack.com/api/auth.test", "command",
             _types("slack-token")),
        ]),
        ("slack-webhook", lambda: "https://hooks.slack.com/services/T" + g.s(UPPER_DIGITS, 8) + "/B"
         + g.s(UPPER_DIGITS, 10) + "/" + g.s(B62, 24), [
            ("alertmanager: POST {s} failed: 404", "log", _types("slack-webhook")),
            ("slack_api_url: {s}", "configmap", _types("slack-webhook")),
            ("{s}", "annotation", _types("slack-webhook")),
            ("notify: webhook {s} returned 410 gone", "event", _types("slack-webhook")),
        ]),
        ("stripe-key", lambda: g.r.choice(["sk_live_", "rk_live_"]) + g.s(B62, 99), [
            ("stripe.error.AuthenticationError: Invalid API Key provided: {s}", "log", _types("stripe-key")),
            ("STRIPE_SECRET_KEY={s}", "command", _types("stripe-key")),
            ("{s}", "env", _types("stripe-key", "env-value")),
            ("stripe:\n  secret_key: {s}", "configmap", _types("stripe-key")),
            ("{s}", "annotation", _types("stripe-key")),
        ]),
        ("stripe-webhook-secret", lambda: "whsec_" + g.s(B62, 32), [
            ("webhook signature mismatch using {s}", "log", _types("stripe-webhook-secret")),
            ("STRIPE_WEBHOOK_SECRET={s}", "command", _types("stripe-webhook-secret")),
        ]),
        ("sendgrid-api-key", lambda: "SG." + g.s(URLSAFE, 22) + "." + g.s(URLSAFE, 43), [
            ("sendgrid: 401 for key {s}", "log", _types("sendgrid-api-key")),
            ("SENDGRID_API_KEY={s}", "command", _types("sendgrid-api-key")),
            ("{s}", "annotation", _types("sendgrid-api-key")),
            ("{s}", "env", _types("sendgrid-api-key", "env-value")),
        ]),
        ("twilio-api-key", lambda: "SK" + g.s(HEX, 32), [
            ("twilio: authenticating with API key {s}", "log", _types("twilio-api-key")),
            ("TWILIO_API_KEY={s}", "command", _types("twilio-api-key")),
            ("{s}", "env", _types("twilio-api-key", "env-value")),
        ]),
        ("twilio-auth-token", lambda: g.s(HEX, 32), [
            ("TWILIO_AUTH_TOKEN={s}", "command", _types("token")),
            ("twilio.auth_token: {s}", "configmap", _types("token")),
        ]),
        ("npm-token", lambda: "npm_" + g.s(B62, 36), [
            ("//registry.npmjs.org/:_authToken={s}", "configmap", _types("npm-token")),
            ("npm ERR! 403 using token {s}", "log", _types("npm-token")),
            ("{s}", "env", _types("npm-token", "env-value")),
            ("npm config set //npm.pkg.github.com/:_authToken {s}", "command", _types("npm-token")),
        ]),
        ("pypi-token", lambda: "pypi-AgEIcHlwaS5vcmc" + g.s(URLSAFE, 120), [
            ("twine upload -u __token__ -p {s} dist/*", "command", _types("pypi-token")),
            ("password = {s}", "configmap", _types("pypi-token")),
            ("{s}", "env", _types("pypi-token", "env-value")),
        ]),
        ("huggingface-token", lambda: "hf_" + g.s(B62, 34), [
            ("HF_TOKEN={s}", "command", _types("huggingface-token")),
            ("huggingface_hub: 401 with {s}", "log", _types("huggingface-token")),
            ("{s}", "annotation", _types("huggingface-token")),
        ]),
        ("vault-token", lambda: "hvs." + g.s(URLSAFE, 90), [
            ("X-Vault-Token: {s}", "log", _types("vault-token", "auth-header")),
            ("VAULT_TOKEN={s}", "command", _types("vault-token")),
            ("vault: permission denied for token {s}", "event", _types("vault-token")),
            # issue 11: the held-out dump's event that reached every report format raw
            ("Error: failed to reach vault with token {s}", "event", _types("vault-token")),
        ]),
        ("docker-auth", lambda: base64.b64encode(f"robot$ci:{g.s(B62, 32)}".encode()).decode(), [
            ('{{"auths":{{"registry.shop.io":{{"auth":"{s}"}}}}}}', "configmap",
             _types("docker-auth", "docker-config")),
            ('{{"auth": "{s}"}}', "log", _types("docker-auth")),
            ('Failed to pull image: auth config {{"auth":"{s}","email":"ci@shop.io"}}', "event",
             _types("docker-auth")),
        ]),
        ("docker-config-b64", lambda: base64.b64encode(json.dumps(
            {"auths": {"ghcr.io": {"username": "ci", "password": g.s(B62, 20),
                                   "auth": g.b64_body(24)}}}).encode()).decode(), [
            (".dockerconfigjson: {s}", "command", _types("docker-config")),
            ("{s}", "annotation", _types("docker-config")),
            ('{{".dockerconfigjson": "{s}"}}', "configmap", _types("docker-config")),
        ]),
        ("url-password", g.password, [
            ("postgres://orders:{s}@db.shop.svc.cluster.local:5432/orders?sslmode=disable", "log",
             _types("url-password")),
            ("DATABASE_URL=postgresql://app:{s}@10.0.3.17/app", "command", _types("url-password")),
            ("redis://:{s}@redis-master:6379/0", "configmap", _types("url-password")),
            ("amqp://guest:{s}@rabbitmq.shop:5672/", "event", _types("url-password")),
            ("mongodb+srv://admin:{s}@cluster0.mongodb.net/shop", "annotation", _types("url-password")),
            ("dial tcp: https://ops:{s}@registry.shop.io/v2/: i/o timeout", "log", _types("url-password")),
            ("jdbc:mysql://mysql.shop:3306/orders?user=app&password={s}&useSSL=true", "configmap",
             _types("url-password", "password")),
            ("sqlalchemy.exc.OperationalError: (psycopg2) connection to postgresql+psycopg2://app:{s}@pg:5432/"
             "app failed", "log", _types("url-password")),
            ("ftp://backup:{s}@ftp.shop.internal/nightly", "command", _types("url-password")),
            # issue 11: a container argument `explain` printed raw
            ("--redis redis://:{s}@redis-master.shop.svc:6379/0", "command", _types("url-password")),
        ]),
        ("password-kv", g.password, [
            ("DB_PASSWORD={s}", "command", any_pwd),
            ("spring.datasource.password={s}", "configmap", any_pwd),
            ('{{"level":"debug","msg":"connecting","password":"{s}"}}', "log", any_pwd),
            ("  password: {s}", "configmap", any_pwd),
            ("Server=tcp:sql.shop.local,1433;Database=shop;User ID=sa;Password={s};", "log", any_pwd),
            ("host=db user=app password={s} dbname=shop sslmode=require", "event", any_pwd),
            ("mysql -h mysql -u root --password={s} shop", "command", any_pwd),
            ("mysqladmin --user=root --password {s} status", "command", any_pwd),
            ("{s}", "env", _types("env-value")),
            ("-Djavax.net.ssl.keyStorePassword={s} -Xmx512m", "annotation", any_pwd),
            ("REDIS_PASSWORD: '{s}'", "configmap", any_pwd),
            ("login failed for user 'sa' with passwd={s}", "log", any_pwd),
            ("ERROR: password authentication failed (pwd: {s})", "event", any_pwd),
            ("rabbitmq.default_pass = {s}", "configmap", any_pwd),
            ('--set auth.rootPassword={s}', "command", any_pwd),
            ("admin_password => '{s}'", "annotation", any_pwd),
        ]),
        ("secret-kv", lambda: g.s(URLSAFE, 32), [
            ("client_secret={s}", "log", _types("secret", "high-entropy")),
            ("OIDC_CLIENT_SECRET={s}", "command", _types("secret", "high-entropy")),
            ('"clientSecret": "{s}"', "configmap", _types("secret", "high-entropy")),
            ("jwt.secret: {s}", "annotation", _types("secret", "high-entropy")),
            ("SESSION_SECRET={s}", "event", _types("secret", "high-entropy")),
            ("webhook_secret: {s}", "configmap", _types("secret", "high-entropy")),
            ("{s}", "env", _types("env-value", "high-entropy")),
        ]),
        ("token-kv", lambda: g.s(B62, 40), [
            ("?access_token={s}&page=2", "log", _types("token", "high-entropy")),
            ("  token: {s}", "command", _types("token", "high-entropy")),
            ("refresh_token={s}", "configmap", _types("token", "high-entropy")),
            ("X-Auth-Token: {s}", "event", _types("token", "auth-header", "high-entropy")),
            ('{{"access_token":"{s}","token_type":"Bearer","expires_in":3599}}', "log",
             _types("token", "high-entropy")),
            ("vault_token={s}", "annotation", _types("token", "high-entropy")),
            # issue 11: an annotation `explain` printed raw
            ("ci.acme.io/deploy-token={s}", "annotation", _types("token", "high-entropy")),
        ]),
        ("bootstrap-token", lambda: g.s(string.ascii_lowercase + string.digits, 6) + "."
         + g.s(string.ascii_lowercase + string.digits, 16), [
            ("kubeadm join 10.0.0.10:6443 --token {s} --discovery-token-ca-cert-hash sha256:"
             + "ab" * 32, "command", _types("token")),
            ("    token: {s}", "configmap", _types("token")),
        ]),
        ("api-key-kv", lambda: g.s(HEX, 32), [
            ("DATADOG_API_KEY={s}", "command", _types("api-key")),
            ("X-API-Key: {s}", "log", _types("api-key", "auth-header")),
            ('{{"apiKey": "{s}"}}', "configmap", _types("api-key")),
            ("newrelic license_key: {s}", "annotation", _types("api-key")),
            ("GET /v1/export?api_key={s} 200", "event", _types("api-key")),
            ("DD_API_KEY: {s}", "configmap", _types("api-key")),
            ("{s}", "env", _types("env-value")),
        ]),
        ("secret-manifest-b64", lambda: base64.b64encode(g.password().encode()).decode(), [
            ("apiVersion: v1\ndata:\n  password: {s}\nkind: Secret\nmetadata:\n  name: db", "command",
             _types("password")),
            ("  DB_PASS: {s}", "command", _types("password", "high-entropy")),
            ('{{"kind":"Secret","data":{{"admin-password":"{s}"}}}}', "log", _types("password")),
        ]),
        ("kubeconfig-token", lambda: g.s(URLSAFE, 64), [
            ("users:\n- name: admin\n  user:\n    token: {s}\n", "command", _types("token", "high-entropy")),
            ("    token: {s}", "configmap", _types("token", "high-entropy")),
            ("--token={s}", "annotation", _types("token", "high-entropy")),
            ("kubectl --server https://10.0.0.1:6443 --token {s} get pods", "command",
             _types("token", "high-entropy")),
        ]),
        ("high-entropy", lambda: g.s(B62, 40), [
            ("session established: {s}", "log", _types("high-entropy")),
            ("retrying with credential {s}", "event", _types("high-entropy")),
            ("{s}", "annotation", _types("high-entropy")),
            ("Set-Cookie: sid={s}; HttpOnly", "log", _types("high-entropy", "credential")),
            ("{s}", "env", _types("env-value", "high-entropy")),
            ("$ kubectl exec api -- env | grep -i key\nINTERNAL_KEY_MATERIAL {s}", "command",
             _types("high-entropy")),
            ("hmac check failed for payload signed with {s}", "log", _types("high-entropy")),
        ]),
    ]


def generate(seed: int = 20261101) -> list[Sample]:
    g = Gen(seed)
    out: list[Sample] = []
    for kind, make, templates in catalogue(g):
        for template, place, types in templates:
            secret = make()
            out.append(Sample(kind, secret, template.format(s=secret), place, types))
    return out


SAMPLES = generate()


def families() -> set[str]:
    return {s.kind for s in SAMPLES}


def by_place() -> Iterator[tuple[str, list[Sample]]]:
    for place in PLACES:
        yield place, [s for s in SAMPLES if s.place == place]
