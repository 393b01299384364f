"""What the classifier says about one kubectl command: the `Decision`, which only the classifier builds.

A `Decision` is also the only thing the executor runs (`kubectl_prism.agent.execute.run_step`), so an
argv that did not go through `classify` cannot reach the cluster. Like `Redacted`, the constructor
takes a module-private key (an `InitVar`: not stored, not copied by `dataclasses.replace`); the
classifier modules (`classify`, `manifests`) build decisions through `_make`, and a test checks that
nothing else does.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import InitVar, dataclass, field
from enum import StrEnum
from typing import Any

_KEY = object()


class Category(StrEnum):
    READ_ONLY = "read-only"  # runs without asking; output redacted and capped
    MUTATING = "mutating"  # asks y/n/e/s/q with a preview
    DESTRUCTIVE = "destructive"  # asks, and the name must be typed back
    REJECTED = "rejected"  # never runs


@dataclass(frozen=True)
class Scope:
    """Where an agent run may act: one namespace, or the whole cluster (`namespace=None`, from `-A`).

    `context` and `kubeconfig` are pinned on every command the executor runs; `default_namespace` is
    the context's namespace, used for namespaced objects of a cluster-wide scope given without `-n`.
    """

    namespace: str | None
    context: str | None = None
    kubeconfig: str | None = None
    default_namespace: str = "default"

    @property
    def cluster_wide(self) -> bool:
        return self.namespace is None

    def describe(self) -> str:
        where = "all namespaces" if self.cluster_wide else f"namespace {self.namespace}"
        return f"{where} of context {self.context}" if self.context else where

    def to_dict(self) -> dict[str, Any]:
        return {"namespace": self.namespace, "context": self.context, "clusterWide": self.cluster_wide}


@dataclass(frozen=True)
class ObjectRef:
    """An object a command names explicitly: `deployment/api` in namespace `shop`."""

    resource: str  # kubectl's canonical resource (`deployments.apps`), or the spelling typed if unknown
    name: str
    kind: str | None  # "Deployment"; None for a type the classifier does not know
    namespace: str | None  # None for cluster-scoped objects

    def __str__(self) -> str:
        return f"{(self.kind or self.resource).lower()}/{self.name}"

    def to_dict(self) -> dict[str, Any]:
        return {"resource": self.resource, "kind": self.kind, "name": self.name, "namespace": self.namespace}


@dataclass(frozen=True, eq=False)
class Decision:
    """The classifier's verdict on one argv. Build with `kubectl_prism.agent.classify.classify`.

    - `category`, `rule` (a stable id of the rule that decided) and `reason` (one line for people).
    - `verb`: `get`, `rollout restart`, `set image`, ... (None when no verb could be read).
    - `namespace`: the namespace the command acts in (None: cluster-scoped, or all namespaces).
    - `objects`: the objects named explicitly; `by_selector`: objects are chosen by `-l`,
      `--field-selector`, `--all`, `-A` or a bare type (`rollout restart deployment`), so the list
      the command touches is only known by asking the server.
    - `files`: local manifests (`-f`) whose objects `manifests.check_manifests` must still inspect;
      `manifest` holds the checked bytes the executor feeds to kubectl instead of the file.
    """

    argv: tuple[str, ...]
    scope: Scope
    category: Category
    rule: str
    reason: str
    _key: InitVar[object]
    verb: str | None = None
    namespace: str | None = None
    all_namespaces: bool = False
    objects: tuple[ObjectRef, ...] = ()
    resources: tuple[str, ...] = ()
    by_selector: bool = False
    selector: str | None = None
    files: tuple[str, ...] = ()
    manifest: bytes | None = field(default=None, repr=False)
    # argv with the `-f FILE` flags taken out, for running with `--filename=-` and `manifest` on stdin.
    argv_without_files: tuple[str, ...] = field(default=(), repr=False)

    def __post_init__(self, _key: object) -> None:
        if _key is not _KEY:
            raise TypeError("Decision can only be built by the classifier: use kubectl_prism.agent.classify")
        if not isinstance(self.category, Category):
            raise TypeError("Decision.category must be a Category")

    # --- for the confirmation and the executor --------------------------------------------------
    @property
    def runnable(self) -> bool:
        """Not rejected, and any `-f` manifest has been checked (and is held as bytes)."""
        return self.category is not Category.REJECTED and (not self.files or self.manifest is not None)

    @property
    def needs_approval(self) -> bool:
        return self.category in (Category.MUTATING, Category.DESTRUCTIVE)

    @property
    def needs_manifest_check(self) -> bool:
        return bool(self.files) and self.manifest is None and self.category is not Category.REJECTED

    @property
    def confirm_word(self) -> str | None:
        """What a person types back to confirm a destructive step.

        The object's name when the command names exactly one object; otherwise (several objects, a
        selector, `--all`) the namespace it acts in, or the context's name for a cluster-wide scope.
        None for steps that are not destructive.
        """
        if self.category is not Category.DESTRUCTIVE:
            return None
        if len(self.objects) == 1 and not self.by_selector:
            return self.objects[0].name
        return self.namespace or self.scope.context or "cluster"

    @property
    def sha256(self) -> str:
        """Hash of the exact argv (NUL-joined) and any checked manifest: what the audit log records."""
        digest = hashlib.sha256("\0".join(self.argv).encode("utf-8", "surrogatepass"))
        if self.manifest is not None:
            digest.update(b"\0manifest\0" + self.manifest)
        return digest.hexdigest()

    @property
    def command_line(self) -> str:
        """The argv as a person would type it (shell-quoted), for showing — never for running."""
        import shlex

        return shlex.join(self.argv)

    def to_dict(self) -> dict[str, Any]:
        return {
            "argv": list(self.argv),
            "sha256": self.sha256,
            "category": str(self.category),
            "rule": self.rule,
            "reason": self.reason,
            "verb": self.verb,
            "namespace": self.namespace,
            "allNamespaces": self.all_namespaces,
            "objects": [o.to_dict() for o in self.objects],
            "resources": list(self.resources),
            "bySelector": self.by_selector,
            "selector": self.selector,
            "files": list(self.files),
            "confirmWord": self.confirm_word,
            "scope": self.scope.to_dict(),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


def _make(argv: tuple[str, ...], scope: Scope, category: Category, rule: str, reason: str,
          **details: Any) -> Decision:
    """For the classifier modules only (`classify`, `manifests`): a test keeps it that way."""
    return Decision(argv, scope, category, rule, reason, _KEY, **details)
