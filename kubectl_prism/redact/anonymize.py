"""Optional anonymization (`--anonymize`): stable placeholders for names, namespaces, IPs, hosts.

One `Anonymizer` lives for one request: the same name always becomes the same placeholder
(`api-7d9c-x2` -> `pod-1` everywhere), and `restore()` maps the AI answer back before it is shown.
Names are learnt from the objects (`learn`); IPs and hostnames are found in any text.
Kubernetes' own names (`default`, `kube-system`, public registries, `*.k8s.io`) stay as they are:
they identify nothing and the model needs them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from kubectl_prism.redact.domains import is_public, tenant_split

_PREFIX = {
    "Namespace": "ns", "Pod": "pod", "Deployment": "deploy", "ReplicaSet": "rs", "StatefulSet": "sts",
    "DaemonSet": "ds", "Job": "job", "CronJob": "cronjob", "Service": "svc", "Ingress": "ing",
    "ConfigMap": "cm", "Secret": "secret", "PersistentVolumeClaim": "pvc", "PersistentVolume": "pv",
    "Node": "node", "ServiceAccount": "sa", "HorizontalPodAutoscaler": "hpa",
    "PodDisruptionBudget": "pdb", "NetworkPolicy": "netpol", "Endpoints": "svc",
    "StorageClass": "sc", "IngressClass": "ingclass", "ResourceQuota": "quota", "LimitRange": "limits",
}
_KEEP = frozenset({
    "default", "kube-system", "kube-public", "kube-node-lease", "kubernetes", "localhost",
    "standard", "local-path", "nginx", "kube-root-ca.crt",
})
_TLDS = (
    "com|net|org|io|dev|app|cloud|local|internal|lan|corp|intra|home|ai|co|us|eu|de|uk|fr|nl|jp|info|"
    "biz|tech|site|online|example|test|invalid|aws|gcp|azure"
)
_IPV4 = re.compile(
    r"(?<![0-9.])(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(?!\.?\d)"
)
_H = r"[0-9a-fA-F]{1,4}"
_IPV6 = re.compile(
    rf"(?<![0-9A-Za-z:])(?:(?:{_H}:){{7}}{_H}|(?:{_H}(?::{_H}){{0,6}})?::(?:{_H}(?::{_H}){{0,6}})?)"
    r"(?![0-9A-Za-z:])"
)
_LABEL = r"[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?"
# A host: labels under a known top-level domain, or three labels or more under a country's (`db.acme.se`;
# two are too often a file, `main.py`).
_HOST = re.compile(
    rf"(?<![A-Za-z0-9.\-])(?:(?:{_LABEL}\.)+(?:{_TLDS})|(?:{_LABEL}\.){{2,}}[a-z]{{2}})(?![A-Za-z0-9\-])"
    r"(?!\.[a-z])"
)
# `scheme://[user@]host`: a host whatever its top-level domain, or a single label (`redis-master`).
_URL_HOST = re.compile(r"(?i)(?<![A-Za-z0-9+.\-])([a-z][a-z0-9+.\-]{0,20}://(?:[^\s/@?#]{0,200}@)?)"
                       r"([A-Za-z0-9][A-Za-z0-9.\-]{0,252})")
# An Amazon Resource Name: the account id and the resource's own name identify; the rest says what it is.
_ARN = re.compile(r"\barn:(aws[a-z\-]{0,10}):([a-z0-9\-]{0,40}):([a-z0-9\-]{0,30}):(\d{12})?:"
                  r"([A-Za-z0-9_+=,.@/:\-]{0,511}[A-Za-z0-9_+=@/\-])")
_ARN_RESOURCE = re.compile(r"([A-Za-z0-9\-]{1,40})([/:])(.+)")
_ARN_PREFIX = {"cluster": "cluster", "role": "role", "user": "user"}
_ARN_TYPES = frozenset({
    "role", "user", "group", "policy", "instance-profile", "oidc-provider", "cluster", "nodegroup",
    "fargateprofile", "addon", "secret", "function", "table", "db", "instance", "key", "alias",
    "parameter", "repository", "topic", "certificate", "loadbalancer", "targetgroup", "vpc", "subnet",
    "security-group", "stack", "log-group", "task", "service", "task-definition", "natgateway", "volume",
})
_GKE = re.compile(r"gke_([a-z][a-z0-9\-]{4,61}[a-z0-9])_([a-z0-9\-]+)_(.+)")
# Parts of a context name that say nothing about whose cluster it is.
_GENERIC_CONTEXT_PARTS = frozenset({
    "admin", "kube", "user", "cluster", "context", "http", "https", "default",
})
_WORD_RUN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")
_JOINERS = re.compile(r"([._])")
_KEEP_IPS = frozenset({"0.0.0.0", "127.0.0.1", "255.255.255.255", "::", "::1"})


def _hosts_of(obj: dict[str, Any]) -> list[str]:
    """The host names an Ingress, a Service or a Gateway route names in its spec or status."""
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    status = obj.get("status") if isinstance(obj.get("status"), dict) else {}
    hosts = [r.get("host") for r in spec.get("rules") or [] if isinstance(r, dict)]
    hosts += [h for t in spec.get("tls") or [] if isinstance(t, dict) for h in t.get("hosts") or []]
    hosts += [spec.get("externalName"), *(spec.get("hostnames") or [])]
    hosts += [i.get("hostname") for i in (status.get("loadBalancer") or {}).get("ingress") or []
              if isinstance(i, dict)]
    return [h for h in hosts if isinstance(h, str) and h]


class Anonymizer:
    """Maps identifying names to stable placeholders for one request, and back."""

    def __init__(self) -> None:
        self._forward: dict[str, str] = {}
        self._reverse: dict[str, str] = {}
        self._numbers: dict[str, int] = {}
        self._compound: re.Pattern[str] | None = None  # registered values that are not one word
        self._compound_values: list[str] = []

    # --- learning -------------------------------------------------------------------------------
    def register(self, value: str, prefix: str) -> str:
        """The placeholder for `value` (created on first sight)."""
        if not value or value in _KEEP:
            return value
        known = self._forward.get(value)
        if known is not None:
            return known
        n = self._numbers.get(prefix, 0) + 1
        self._numbers[prefix] = n
        alias = f"{prefix}-{n}"
        self._forward[value] = alias
        self._reverse[alias] = value
        if not _WORD_RUN.fullmatch(value):  # `user@cluster`, an ARN: the word lookup would not see it whole
            self._compound_values.append(value)
            self._compound = None
        return alias

    def register_context(self, context: str) -> None:
        """A kubeconfig context name (often an ARN, `gke_PROJECT_ZONE_CLUSTER` or `user@cluster`), and
        the parts of it that identify: account, project, cluster and user names."""
        if not context:
            return
        self.register(context, "cluster")
        arn = _ARN.fullmatch(context)
        gke = _GKE.fullmatch(context)
        if arn:
            self._arn(arn)
        elif gke:
            self.register(gke.group(1), "project")
            self.register(gke.group(3), "cluster")
        else:
            for part in re.split(r"[@:/]", context):
                if len(part) == 12 and part.isdigit():
                    self.register(part, "account")
                elif len(part) >= 3 and not part.isdigit() and part.lower() not in _GENERIC_CONTEXT_PARTS:
                    self.register(part, "cluster")

    def learn(self, obj: dict[str, Any]) -> None:
        """Register the names an object carries: its own, its namespace, node, owners, IPs."""
        meta = obj.get("metadata") or {}
        kind = obj.get("kind", "")
        if meta.get("namespace"):
            self.register(meta["namespace"], "ns")
        if meta.get("name"):
            self.register(meta["name"], "ns" if kind == "Namespace" else _PREFIX.get(kind, "obj"))
        for owner in meta.get("ownerReferences") or []:
            if owner.get("name"):
                self.register(owner["name"], _PREFIX.get(owner.get("kind", ""), "obj"))
        spec = obj.get("spec") or {}
        if isinstance(spec, dict) and spec.get("nodeName"):
            self.register(spec["nodeName"], "node")
        ref = obj.get("involvedObject") or obj.get("regarding") or {}
        if ref.get("name"):
            self.register(ref["name"], _PREFIX.get(ref.get("kind", ""), "obj"))
            if ref.get("namespace"):
                self.register(ref["namespace"], "ns")
        for host in _hosts_of(obj):  # whatever their top-level domain (`orders.shop`, `acme.se`)
            host = host.removeprefix("*.")
            if "." in host and not _IPV4.fullmatch(host):
                self._host(host)

    def learn_all(self, objs: Iterable[dict[str, Any]]) -> None:
        for obj in objs:
            self.learn(obj)

    # --- applying -------------------------------------------------------------------------------
    def _name(self, m: re.Match[str]) -> str:
        """A word of the text: known as a whole, or made of known names joined by dots/underscores
        (`api.shop.svc`, kubelet's `pod_namespace(uid)`)."""
        run = m.group(0)
        alias = self._forward.get(run)
        if alias is not None:
            return alias
        if "." not in run and "_" not in run:
            return run
        return "".join(self._forward.get(part, part) for part in _JOINERS.split(run))

    def apply(self, text: str) -> str:
        if not text:
            return text
        if self._compound_values:
            if self._compound is None:
                longest_first = sorted(self._compound_values, key=len, reverse=True)
                self._compound = re.compile("|".join(map(re.escape, longest_first)))
            text = self._compound.sub(lambda m: self._forward[m.group(0)], text)
        if "arn:" in text:
            text = _ARN.sub(self._arn, text)
        if self._forward:
            # a dictionary lookup per word: scales to clusters with thousands of names
            text = _WORD_RUN.sub(self._name, text)
        text = _IPV4.sub(lambda m: self._ip(m.group(0)), text)
        if "::" in text or text.count(":") >= 7:
            text = _IPV6.sub(lambda m: self._ip(m.group(0)), text)
        if "://" in text:
            text = _URL_HOST.sub(self._url, text)
        if "." in text:
            text = _HOST.sub(lambda m: self._host(m.group(0)), text)
        return text

    def _placeholder(self, value: str, prefix: str) -> str:
        """The placeholder of a value that may already hold placeholders (`svc-1.corp.internal`): the
        real value is registered, so the answer restores in one pass."""
        if value in self._reverse:
            return value
        return self.register(self.restore(value), prefix)

    def _arn(self, m: re.Match[str]) -> str:
        partition, service, region, account, resource = m.groups()
        account = self._placeholder(account, "account") if account else ""
        typed = _ARN_RESOURCE.fullmatch(resource)
        if typed and typed.group(1) in _ARN_TYPES:
            kind, sep, name = typed.groups()
            resource = f"{kind}{sep}{self._placeholder(name, _ARN_PREFIX.get(kind, 'resource'))}"
        elif resource not in _ARN_TYPES:  # an S3 bucket, or a type we do not know: all of it is a name
            resource = self._placeholder(resource, "resource")
        return f"arn:{partition}:{service}:{region}:{account}:{resource}"

    def _url(self, m: re.Match[str]) -> str:
        scheme, host = m.group(1), m.group(2)
        bare = host.rstrip(".")  # the end of a sentence
        if bare in self._reverse or bare.lower() in _KEEP or _IPV4.fullmatch(bare):
            return m.group(0)
        alias = self._host(bare) if "." in bare else self._placeholder(bare, "host")
        return scheme + alias + host[len(bare):]

    def _ip(self, ip: str) -> str:
        if ip in _KEEP_IPS or ip.count(":") == 1:
            return ip
        if ":" in ip and ip.replace(":", "").isdigit():  # a time like 12::30, not an address
            return ip
        return self.register(ip, "ip")

    def _host(self, host: str) -> str:
        if is_public(host) or host in self._reverse:
            return host
        real = self.restore(host)
        split = tenant_split(real)
        if split is None:
            return self.register(real, "host")
        customer, provider = split
        if not customer:  # the provider's own endpoint (`sts.amazonaws.com`)
            return host
        prefix = "account" if len(customer) == 12 and customer.isdigit() else "host"
        return f"{self._placeholder(customer, prefix)}.{provider}"

    # --- restoring ------------------------------------------------------------------------------
    def restore(self, text: str) -> str:
        """Map placeholders in an answer back to the real names."""
        if not self._reverse:
            return text
        return re.sub(
            r"(?<![A-Za-z0-9_\-])[a-z]+-\d+(?![0-9A-Za-z_])",
            lambda m: self._reverse.get(m.group(0), m.group(0)),
            text,
        )

    @property
    def mapping(self) -> dict[str, str]:
        """placeholder -> real name (for local display only; never sent anywhere)."""
        return dict(self._reverse)

    def __len__(self) -> int:
        return len(self._forward)
