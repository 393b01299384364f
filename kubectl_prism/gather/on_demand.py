"""One more read after the scope was gathered, when an AI tool asks for something the scope left out.

A scope reads what its analyzers need; an assistant following a lead wants more: a kind the scope
never listed (namespaces, storage classes), the log of a healthy pod, the ReplicaSets of a rollout.
`OnDemand` reads exactly that one thing, from the same source as the scope:

- live: one list or GET with the gather package's raw client (Secrets as metadata only, log tails
  bounded like the scope's: `tailLines` and `limitBytes`), a 403 reported as a gap;
- `--snapshot`: the whole saved folder, loaded once, where a kind the files never held is
  "not gathered" (None), which is not the same as "none exist" (an empty list).

Every object goes through `slim` and every log through `tail_log`, as in the scope.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from kubectl_prism.gather import rules
from kubectl_prism.kinds import KindInfo
from kubectl_prism.snapshot import Gap, KubeObject, LogKey, Snapshot, name_of, namespace_of

if TYPE_CHECKING:
    from kubectl_prism.gather.http import KubeClient
    from kubectl_prism.options import GlobalOptions


class OnDemandForbidden(Exception):
    """RBAC refused the read: carries the gap to report."""

    def __init__(self, gap: Gap) -> None:
        super().__init__(gap.line())
        self.gap = gap


class OnDemand:
    """Reads single kinds, objects and logs for the scope of `g` (lazily connects or loads)."""

    def __init__(self, g: GlobalOptions) -> None:
        self.g = g
        self.live = g.snapshot is None
        self._client: KubeClient | None = None
        self._loaded: Snapshot | None = None
        self._lock = threading.Lock()

    # --- sources --------------------------------------------------------------------------------
    def _saved(self) -> Snapshot:
        with self._lock:
            if self._loaded is None:
                from kubectl_prism.gather.snapshot_files import load_snapshot_path

                assert self.g.snapshot is not None
                self._loaded = load_snapshot_path(self.g.snapshot)
            return self._loaded

    def _kube(self) -> KubeClient:
        with self._lock:
            if self._client is None:
                from kubectl_prism.gather.http import KubeClient
                from kubectl_prism.gather.kubeconfig import resolve_connection

                conn = resolve_connection(self.g.kubeconfig, self.g.context)
                self._client = KubeClient(conn, pool_size=2, request_timeout=self.g.request_timeout)
            return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # --- reads ----------------------------------------------------------------------------------
    def list(self, info: KindInfo, namespace: str | None, label_selector: str | None = None
             ) -> list[KubeObject] | None:
        """The objects of a kind (in `namespace` when namespaced, else all); None: never gathered."""
        ns = namespace if info.namespaced else None
        if not self.live:
            saved = self._saved()
            if info.kind not in saved.objects:
                return None
            return [rules.slim(o) for o in saved.of_kind(info.kind, ns)]
        from kubectl_prism import apipath
        from kubectl_prism.gather.http import ApiError, Forbidden, NotFound

        path = apipath.collection(info, ns, label_selector=label_selector)
        try:
            return self._kube().list(path, transform=lambda item: _fix(info, item))
        except Forbidden:
            raise OnDemandForbidden(Gap(info.resource, ns, "forbidden")) from None
        except NotFound:
            return None  # the kind is not served by this cluster
        except ApiError as err:
            raise OnDemandForbidden(Gap(info.resource, ns, f"error {err.status}")) from None

    def get(self, info: KindInfo, namespace: str | None, name: str) -> KubeObject | None:
        ns = namespace if info.namespaced else None
        if not self.live:
            obj = self._saved().get(info.kind, ns, name)
            return rules.slim(obj) if obj is not None else None
        from kubectl_prism import apipath
        from kubectl_prism.gather.http import ApiError, Forbidden, NotFound

        path = apipath.item(info, name, ns)  # a name that cannot exist is an error, never a request
        try:
            return _fix(info, self._kube().get_json(path))
        except NotFound:
            return None
        except Forbidden:
            raise OnDemandForbidden(Gap(info.resource, ns, "forbidden")) from None
        except ApiError as err:
            raise OnDemandForbidden(Gap(info.resource, ns, f"error {err.status}")) from None

    def log(self, key: LogKey, tail_lines: int = rules.LOG_TAIL_LINES) -> str | None:
        """A container's log tail (bounded like the scope's); None: there is none (or none was saved)."""
        if not self.live:
            text = self._saved().logs.get(key)
            return rules.tail_log(text) if text and text.strip() else None
        from kubectl_prism import apipath
        from kubectl_prism.gather.http import ApiError, Forbidden

        path = apipath.pod_log(key.namespace, key.pod, key.container, previous=key.previous,
                               tail_lines=min(tail_lines, rules.LOG_TAIL_LINES),
                               limit_bytes=rules.LOG_LIMIT_BYTES)
        try:
            text = self._kube().get_text(path)
        except Forbidden:
            raise OnDemandForbidden(Gap("pods/log", key.namespace, "forbidden")) from None
        except ApiError:
            return None  # 400/404: no (previous) instance of that container
        return rules.tail_log(text) if text.strip() else None

    def namespaces_seen(self) -> list[str] | None:
        """The namespaces a saved snapshot has objects in (None live: list namespaces instead)."""
        return None if self.live else self._saved().namespaces()

    def has_logs(self, namespace: str, pod: str) -> bool:
        """Whether a saved snapshot holds any log of the pod (always True live: ask the server)."""
        if self.live:
            return True
        return any(k.namespace == namespace and k.pod == pod for k in self._saved().logs)


def _fix(info: KindInfo, item: dict[str, Any]) -> KubeObject:
    item["kind"] = info.kind
    item["apiVersion"] = info.api_version
    return rules.slim(item)


def owned_by(objs: list[KubeObject], owner: KubeObject) -> list[KubeObject]:
    """The objects whose ownerReferences name `owner` (by uid when both have one, else kind and name)."""
    uid = (owner.get("metadata") or {}).get("uid")
    out = []
    for obj in objs:
        if namespace_of(obj) != namespace_of(owner):
            continue
        for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
            if (uid and ref.get("uid") == uid) or (
                ref.get("kind") == owner.get("kind") and ref.get("name") == name_of(owner)):
                out.append(obj)
                break
    return out
