"""Which host names identify someone, for `--anonymize`.

Three sorts of host:
- public ones identify nobody and the model needs them (`registry.k8s.io`, `ghcr.io`): kept;
- hosts under a cloud provider's domain belong to one customer (`cluster0.ab1cd.mongodb.net`,
  `ordersprod.blob.core.windows.net`, `123456789012.dkr.ecr.eu-west-1.amazonaws.com`): the labels
  naming the customer are replaced and the provider's part is kept (`host-1.blob.core.windows.net`),
  so the model still knows it is Azure Blob storage or ECR;
- every other host is the customer's own: replaced whole.
"""

from __future__ import annotations

import re

PUBLIC_DOMAINS = (
    "k8s.io", "kubernetes.io", "docker.io", "docker.com", "ghcr.io", "quay.io", "gcr.io", "github.com",
    "githubusercontent.com", "golang.org", "google.com", "googleapis.com", "mcr.microsoft.com",
    "microsoft.com", "python.org", "pypi.org", "npmjs.org", "example.com", "helm.sh", "istio.io",
    "cert-manager.io", "prometheus.io", "grafana.com", "cluster.local", "svc", "x-k8s.io",
    "opencontainers.org", "apache.org", "spring.io",
)
# Provider domains whose subdomains are one customer's.
TENANT_DOMAINS = (
    "amazonaws.com", "amazonaws.com.cn", "cloudfront.net", "mongodb.net", "windows.net", "azure.com",
    "azurecr.io", "azurewebsites.net", "cloudapp.net", "azure-api.net", "azureedge.net", "azmk8s.io",
    "herokuapp.com", "appspot.com", "run.app", "cloudfunctions.net", "firebaseio.com", "web.app",
    "pkg.dev", "googleusercontent.com", "supabase.co", "redis-cloud.com", "redislabs.com",
    "confluent.cloud", "snowflakecomputing.com", "elastic-cloud.com", "digitaloceanspaces.com",
    "ondigitalocean.app", "upstash.io", "neon.tech", "aivencloud.com", "cockroachlabs.cloud",
    "oraclecloud.com", "vercel.app", "netlify.app", "fly.dev",
)
# Labels of provider hosts that name a service, not a customer (kept so the model knows the service).
_SERVICE_LABELS = frozenset({
    "blob", "core", "file", "queue", "table", "dfs", "web", "database", "vault", "documents", "servicebus",
    "dkr", "ecr", "s3", "rds", "elb", "sts", "eks", "sqs", "sns", "es", "cache", "elasticache", "kafka",
    "dynamodb", "secretsmanager", "ssm", "logs", "monitoring", "execute-api", "lambda-url", "hcp",
    "privatelink", "azconfig", "redis", "postgres", "mysql", "docker", "s3-website", "dualstack",
    "fips", "internal", "compute",
})
# AWS (`eu-west-1`, `us-gov-west-1`), Azure (`westeurope`, `eastus2`) and GCP (`europe-west1`) regions.
_REGION = re.compile(
    r"[a-z]{2}(?:-gov)?-[a-z]+-\d|(?:north|south|east|west|central)[a-z]*\d?|"
    r"(?:europe|asia|us|northamerica|southamerica|australia|me|africa)-[a-z]+\d"
)


def is_public(host: str) -> bool:
    lowered = host.lower()
    return any(lowered == d or lowered.endswith("." + d) for d in PUBLIC_DOMAINS)


def tenant_split(host: str) -> tuple[str, str] | None:
    """(customer labels, provider labels) of a host under a provider domain; None for other hosts.

    `ordersprod.blob.core.windows.net` -> (`ordersprod`, `blob.core.windows.net`); the customer part is
    empty for the provider's own endpoints (`s3.eu-west-1.amazonaws.com`)."""
    lowered = host.lower()
    domain = next((d for d in TENANT_DOMAINS if lowered.endswith("." + d)), None)
    if domain is None:
        return None
    labels = host[: -len(domain) - 1].split(".")
    keep = len(labels)
    while keep > 1 and _generic(labels[keep - 1].lower()):
        keep -= 1
    if keep == 1 and labels[0].lower() in _SERVICE_LABELS:  # only a region-like first label could be a name
        keep = 0
    return ".".join(labels[:keep]), ".".join([*labels[keep:], host[-len(domain):]])


def _generic(label: str) -> bool:
    return label in _SERVICE_LABELS or _REGION.fullmatch(label) is not None
