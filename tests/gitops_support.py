"""A real git repository (with a local bare repository as its `origin`) holding shop manifests: a plain
file and a kustomize base with a prod overlay, for the GitOps tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

BASE_DEPLOYMENT = """\
# The API of the shop. Owned by team checkout.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  labels:
    app: api  # selected by the Service
spec:
  replicas: 2
  selector:
    matchLabels:
      app: api
  template:
    metadata:
      labels:
        app: api
    spec:
      containers:
        - name: api
          image: "registry.example.com/shop/api:1.4.2"   # pinned on purpose
          ports:
            - containerPort: 8080
        - name: log-shipper
          image: fluent/fluent-bit:3.1.9
"""

OVERLAY_KUSTOMIZATION = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: shop
resources:
  - ../../base
patches:
  - path: replicas.yaml
"""

OVERLAY_PATCH = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 2 # prod runs two
"""

SERVICE = """\
---
# Shop frontend service
apiVersion: v1
kind: Service
metadata:
  name: api
  namespace: shop
spec:
  selector:
    app: api
  ports:
  - port: 80
    targetPort: 8080
"""


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def make_repo(tmp: Path, *, kustomize: bool = True) -> tuple[Path, Path]:
    """(work tree, bare origin); `main` is pushed and is the origin's default branch."""
    bare = tmp / "origin.git"
    work = tmp / "gitops"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True)
    git(work, "config", "user.name", "Pat Person")
    git(work, "config", "user.email", "pat@example.com")
    git(work, "config", "commit.gpgsign", "false")
    files = {"apps/service.yaml": SERVICE, ".github/workflows/deploy.yaml": "on: push\n"}
    if kustomize:
        files |= {"base/deployment.yaml": BASE_DEPLOYMENT,
                  "base/kustomization.yaml": "resources:\n  - deployment.yaml\n",
                  "overlays/prod/kustomization.yaml": OVERLAY_KUSTOMIZATION,
                  "overlays/prod/replicas.yaml": OVERLAY_PATCH}
    for rel, text in files.items():
        path = work / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "shop manifests")
    git(work, "remote", "add", "origin", str(bare))
    git(work, "push", "-q", "-u", "origin", "main")
    git(work, "remote", "set-head", "origin", "main")
    return work, bare
