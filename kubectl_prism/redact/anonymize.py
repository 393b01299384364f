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
_PUBLIC_DOMAINS = (
    "k8s.io", "kubernetes.io", "docker.io", "docker.com", "ghcr.io", "quay.io", "gcr.io", "github.com",
    "githubusercontent.com", "golang.org", "google.com", "googleapis.com", "amazonaws.com",
    "azurecr.io", "mcr.microsoft.com", "microsoft.com", "python.org", "pypi.org", "npmjs.org",
    "example.com", "helm.sh", "istio.io", "cert-manager.io", "prometheus.io", "grafana.com",
    "cluster.local", "svc", "x-k8s.io", "opencontainers.org", "apache.org", "spring.io",
)
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
_HOST = re.compile(
    rf"(?<![A-Za-z0-9.\-@/])(?:[a-z0-9](?:[a-z0-9\-]{{0,61}}[a-z0-9])?\.)+(?:{_TLDS})(?![A-Za-z0-9\-])"
    r"(?!\.[a-z])"
)
_WORD_RUN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")
_JOINERS = re.compile(r"([._])")
_KEEP_IPS = frozenset({"0.0.0.0", "127.0.0.1", "255.255.255.255", "::", "::1"})


class Anonymizer:
    """Maps identifying names to stable placeholders for one request, and back."""

    def __init__(self) -> None:
        self._forward: dict[str, str] = {}
        self._reverse: dict[str, str] = {}
        self._numbers: dict[str, int] = {}

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
        return alias

    def register_context(self, context: str) -> None:
        """A kubeconfig context name (often an ARN or `user@cluster`), and the parts that identify."""
        self.register(context, "cluster")

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
        if self._forward:
            # a dictionary lookup per word: scales to clusters with thousands of names
            text = _WORD_RUN.sub(self._name, text)
        text = _IPV4.sub(lambda m: self._ip(m.group(0)), text)
        if "::" in text or text.count(":") >= 7:
            text = _IPV6.sub(lambda m: self._ip(m.group(0)), text)
        if "." in text:
            text = _HOST.sub(lambda m: self._host(m.group(0)), text)
        return text

    def _ip(self, ip: str) -> str:
        if ip in _KEEP_IPS or ip.count(":") == 1:
            return ip
        if ":" in ip and ip.replace(":", "").isdigit():  # a time like 12::30, not an address
            return ip
        return self.register(ip, "ip")

    def _host(self, host: str) -> str:
        lowered = host.lower()
        if any(lowered == d or lowered.endswith("." + d) for d in _PUBLIC_DOMAINS):
            return host
        return self.register(host, "host")

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
