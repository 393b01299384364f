"""The fake API server's object store: objects by kind, resourceVersions, lists, mutations, watch events.

Objects are kept as the JSON dicts a real server returns. Each stored object caches its JSON bytes
(without kind/apiVersion, as list items are sent), so a list of 10,000 pods is a join, not a dumps.
"""

from __future__ import annotations

import base64
import bisect
import copy
import datetime
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from kubectl_prism.kinds import BY_KIND, KINDS, KindInfo
from tests.fakes import kube_auth
from tests.fakes.kube_patch import APPLY, PatchError, apply_patch

Obj = dict[str, Any]
Key = tuple[str, str]  # (namespace or "", name) — etcd key order
_METRICS_GROUP = "metrics.k8s.io"


class ApiError(Exception):
    """An error answer: HTTP status plus the Status body the real server would send."""

    def __init__(self, status: int, body: bytes):
        super().__init__(body.decode(errors="replace"))
        self.status = status
        self.body = body


def _json_default(value: Any) -> str:
    if isinstance(value, datetime.datetime):
        value = value.astimezone(datetime.UTC) if value.tzinfo else value
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, default=_json_default).encode()


class Entry:
    """One stored object and its cached JSON. Never mutated: a change makes a new Entry.

    Built from bytes (loading), the dict is parsed only when something needs it (a selector, a GET of
    the object as a dict), so loading 10,000 pods costs one `dumps` each and listing them is a join.
    """

    __slots__ = ("_item", "_obj", "api_version", "kind")

    def __init__(self, obj: Obj | None, item: bytes | None = None, kind: str = "", api_version: str = ""):
        self._obj = obj
        self._item = item
        self.kind = obj["kind"] if obj else kind
        self.api_version = obj["apiVersion"] if obj else api_version

    @property
    def obj(self) -> Obj:
        if self._obj is None:
            assert self._item is not None
            self._obj = {"kind": self.kind, "apiVersion": self.api_version, **json.loads(self._item)}
        return self._obj

    def item_bytes(self) -> bytes:
        """JSON without kind/apiVersion: how the real server sends list items."""
        if self._item is None:
            self._item = _dumps({k: v for k, v in self.obj.items() if k not in ("kind", "apiVersion")})
        return self._item

    def full_bytes(self) -> bytes:
        head = _dumps({"kind": self.kind, "apiVersion": self.api_version})
        item = self.item_bytes()
        return head[:-1] + b"," + item[1:] if len(item) > 2 else head


@dataclass
class ListPage:
    entries: list[Entry]
    resource_version: str
    continue_token: str
    remaining: int | None

    @property
    def list_meta(self) -> Obj:
        meta: Obj = {"resourceVersion": self.resource_version}
        if self.continue_token:
            meta["continue"] = self.continue_token
        if self.remaining is not None:
            meta["remainingItemCount"] = self.remaining
        return meta


@dataclass
class WatchEvent:
    rv: int
    type: str  # ADDED | MODIFIED | DELETED
    kind: str
    entry: Entry


def _guess_plural(kind: str) -> str:
    lower = kind.lower()
    if lower.endswith("y") and lower[-2:-1] not in "aeiou":
        return lower[:-1] + "ies"
    if lower.endswith(("s", "x", "ch", "sh")):
        return lower + "es"
    return lower + "s"


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _info_for(obj: Obj) -> KindInfo:
    known = BY_KIND.get(obj["kind"])
    if known:
        return known
    group, _, version = obj["apiVersion"].rpartition("/")
    namespaced = bool(obj["metadata"].get("namespace"))
    return KindInfo(obj["kind"], _guess_plural(obj["kind"]), group, version, namespaced)


class Store:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.rv = 1000
        self.extra_kinds: dict[str, KindInfo] = {}
        self._data: dict[str, dict[Key, Entry]] = {}
        self._sorted: dict[str, list[Key]] = {}
        self.events: list[WatchEvent] = []
        self.logs: dict[tuple[str, str, str, bool], str] = {}

    # --- resources --------------------------------------------------------------------------------
    def served(self) -> list[KindInfo]:
        """Every resource the server answers for; metrics.k8s.io only once metrics objects exist."""
        with self.lock:
            out = [k for k in KINDS if k.group != _METRICS_GROUP or self._data.get(k.kind)]
            return out + list(self.extra_kinds.values())

    def resolve(self, group: str, version: str, plural: str) -> KindInfo | None:
        for info in self.served():
            if info.group == group and info.version == version and info.plural == plural:
                return info
        return None

    # --- loading ----------------------------------------------------------------------------------
    def add(self, obj: Obj) -> Entry:
        """Insert or replace an object as given, filling only what a real server always sets."""
        if not obj.get("kind") or not obj.get("apiVersion") or not (obj.get("metadata") or {}).get("name"):
            raise ValueError(f"an object needs kind, apiVersion and metadata.name: {str(obj)[:200]}")
        obj = dict(obj)
        meta = obj["metadata"] = dict(obj["metadata"])
        info = _info_for(obj)
        if info.kind not in BY_KIND:
            self.extra_kinds.setdefault(info.kind, info)
        if info.namespaced:
            meta.setdefault("namespace", "default")
        else:
            meta.pop("namespace", None)
        with self.lock:
            meta.setdefault("uid", str(uuid.uuid5(uuid.NAMESPACE_URL, f"{info.kind}/{meta.get('namespace')}/"
                                                                      f"{meta['name']}")))
            meta.setdefault("creationTimestamp", _now())
            if str(meta.get("resourceVersion", "")).isdigit():
                meta["resourceVersion"] = str(meta["resourceVersion"])  # unquoted in YAML: still a string
                self.rv = max(self.rv, int(meta["resourceVersion"]))
            else:
                self.rv += 1
                meta["resourceVersion"] = str(self.rv)
            # Serializing now both fills the byte cache and detaches the store from the caller's dict.
            item = Entry(obj).item_bytes()
            key = (meta.get("namespace", ""), meta["name"])
            entry = self._put(info.kind, key, Entry(None, item, obj["kind"], obj["apiVersion"]), "ADDED")
        return entry

    def add_log(self, namespace: str, pod: str, container: str, text: str, previous: bool = False) -> None:
        with self.lock:
            self.logs[(namespace, pod, container, previous)] = text

    def _put(self, kind: str, key: Key, entry: Entry, event: str) -> Entry:
        bucket = self._data.setdefault(kind, {})
        if key not in bucket:
            self._sorted.pop(kind, None)
        bucket[key] = entry
        self._record(event, kind, entry)
        return entry

    def _record(self, event: str, kind: str, entry: Entry) -> None:
        # self.rv never decreases, so events stay sorted for bisect even when a loaded object carries
        # an older resourceVersion of its own.
        self.events.append(WatchEvent(self.rv, event, kind, entry))
        self.changed.notify_all()

    def keys(self, kind: str) -> list[Key]:
        """Sorted (namespace, name) keys of a kind (cached until the set of objects changes)."""
        keys = self._sorted.get(kind)
        if keys is None:
            keys = self._sorted[kind] = sorted(self._data.get(kind, {}))
        return keys

    # --- reads ------------------------------------------------------------------------------------
    def get(self, kind: str, namespace: str, name: str) -> Entry | None:
        with self.lock:
            return self._data.get(kind, {}).get((namespace or "", name))

    def all(self, kind: str) -> list[Obj]:
        with self.lock:
            return [self._data[kind][k].obj for k in self.keys(kind)] if kind in self._data else []

    def list(
        self, info: KindInfo, namespace: str, match: Callable[[Obj], bool] | None,
        limit: int = 0, continue_token: str = "",
    ) -> ListPage:
        with self.lock:
            keys = self.keys(info.kind)
            bucket = self._data.get(info.kind, {})
            lo, hi = 0, len(keys)
            if namespace:
                lo = bisect.bisect_left(keys, (namespace, ""))
                hi = bisect.bisect_left(keys, (namespace + "\x00", ""))
            if continue_token:
                lo = max(lo, bisect.bisect_right(keys, _decode_continue(continue_token)))
            out: list[Entry] = []
            more, index = False, lo
            for index in range(lo, hi):
                entry = bucket[keys[index]]
                if match is not None and not match(entry.obj):
                    continue
                if limit and len(out) == limit:
                    more = True
                    break
                out.append(entry)
            token, remaining = "", None
            if more:
                token = _encode_continue(self.rv, _key(out[-1]))
                if match is None:
                    remaining = hi - index
            return ListPage(out, str(self.rv), token, remaining)

    # --- writes -----------------------------------------------------------------------------------
    def _bump(self, obj: Obj) -> None:
        self.rv += 1
        obj["metadata"]["resourceVersion"] = str(self.rv)

    def create(self, info: KindInfo, namespace: str, body: Obj, dry_run: bool) -> Entry:
        if not isinstance(body, dict) or not isinstance(body.get("metadata"), dict):
            raise ApiError(400, kube_auth.bad_request("Object 'metadata' is missing"))
        obj = copy.deepcopy(body)
        obj["kind"], obj["apiVersion"] = info.kind, info.api_version
        meta = obj["metadata"]
        if info.namespaced:
            if meta.get("namespace") and namespace and meta["namespace"] != namespace:
                raise ApiError(400, kube_auth.bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request"))
            meta["namespace"] = namespace or meta.get("namespace") or "default"
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + secrets.token_hex(3)[:5]
        if not meta.get("name"):
            raise ApiError(422, kube_auth.status_body(
                422, "Invalid", f"{info.kind} \"\" is invalid: metadata.name: Required value: name or "
                "generateName is required", {"kind": info.plural}))
        with self.lock:
            if self.get(info.kind, meta.get("namespace", ""), meta["name"]) is not None:
                raise ApiError(409, kube_auth.already_exists(info.group, info.plural, meta["name"]))
            meta["uid"] = str(uuid.uuid4())
            meta["creationTimestamp"] = _now()
            meta.pop("resourceVersion", None)
            if "spec" in obj and info.kind != "Pod":
                meta["generation"] = 1
            if dry_run:
                meta["resourceVersion"] = str(self.rv)
                return Entry(obj)
            self._bump(obj)
            return self._put(info.kind, (meta.get("namespace", ""), meta["name"]), Entry(obj), "ADDED")

    def _existing(self, info: KindInfo, namespace: str, name: str) -> Entry:
        entry = self.get(info.kind, namespace, name)
        if entry is None:
            raise ApiError(404, kube_auth.not_found(info.group, info.plural, name))
        return entry

    def _store_changed(self, info: KindInfo, old: Obj, new: Obj, dry_run: bool) -> tuple[Entry, bool]:
        new["kind"], new["apiVersion"] = info.kind, info.api_version
        for field in ("name", "namespace", "uid", "creationTimestamp"):
            if field in old["metadata"]:
                new.setdefault("metadata", {})[field] = old["metadata"][field]
        if "generation" in old["metadata"] and new.get("spec") != old.get("spec"):
            new["metadata"]["generation"] = old["metadata"]["generation"] + 1
        if new == old or dry_run:
            return Entry(new), False
        self._bump(new)
        key = (new["metadata"].get("namespace", ""), new["metadata"]["name"])
        return self._put(info.kind, key, Entry(new), "MODIFIED"), True

    def patch(self, info: KindInfo, namespace: str, name: str, content_type: str, body: Any,
              dry_run: bool) -> tuple[Entry, bool]:
        """Returns the patched object and whether anything was stored."""
        with self.lock:
            entry = self.get(info.kind, namespace, name)
            if entry is None and content_type == APPLY:
                return self.create(info, namespace, body, dry_run), not dry_run
            entry = self._existing(info, namespace, name)
            try:
                new = apply_patch(content_type, entry.obj, body)
            except PatchError as exc:
                raise ApiError(422, kube_auth.status_body(422, "Invalid", str(exc))) from exc
            return self._store_changed(info, entry.obj, new, dry_run)

    def replace(
        self, info: KindInfo, namespace: str, name: str, body: Obj, dry_run: bool
    ) -> tuple[Entry, bool]:
        with self.lock:
            entry = self._existing(info, namespace, name)
            wanted = str((body.get("metadata") or {}).get("resourceVersion", ""))
            if wanted and wanted != entry.obj["metadata"]["resourceVersion"]:
                message = (f'Operation cannot be fulfilled on {info.resource} "{name}": the object has been '
                           "modified; please apply your changes to the latest version and try again")
                raise ApiError(409, kube_auth.status_body(409, "Conflict", message,
                                                          {"name": name, "kind": info.plural}))
            return self._store_changed(info, entry.obj, copy.deepcopy(body), dry_run)

    def delete(self, info: KindInfo, namespace: str, name: str, dry_run: bool, orphan: bool = False) -> Entry:
        with self.lock:
            entry = self._existing(info, namespace, name)
            if dry_run:
                return entry
            self._remove(info.kind, entry, orphan)
            return entry

    def _remove(self, kind: str, entry: Entry, orphan: bool) -> None:
        meta = entry.obj["metadata"]
        del self._data[kind][(meta.get("namespace", ""), meta["name"])]
        self._sorted.pop(kind, None)
        gone = copy.deepcopy(entry.obj)
        self._bump(gone)
        self._record("DELETED", kind, Entry(gone))
        if orphan:
            return
        # What the garbage collector would do a moment later: remove dependents (Background policy).
        uid = meta.get("uid")
        for dep_kind, bucket in list(self._data.items()):
            for dep in list(bucket.values()):
                owners = dep.obj["metadata"].get("ownerReferences") or []
                if any(o.get("uid") == uid for o in owners):
                    self._remove(dep_kind, dep, orphan=False)

    # --- watch --------------------------------------------------------------------------------------
    def events_after(self, rv: int) -> list[WatchEvent]:
        with self.lock:
            index = bisect.bisect_right(self.events, rv, key=lambda e: e.rv)
            return self.events[index:]


def _key(entry: Entry) -> Key:
    meta = entry.obj["metadata"]
    return meta.get("namespace", ""), meta["name"]


def _encode_continue(rv: int, key: Key) -> str:
    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": f"{key[0]}/{key[1]}\x00"}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_continue(token: str) -> Key:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        ns, _, name = data["start"].rstrip("\x00").partition("/")
        return ns, name
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ApiError(400, kube_auth.bad_request(
            "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)"
        )) from exc


def iter_objects(sources: Iterable[Obj]) -> Iterable[Obj]:
    for obj in sources:
        if obj.get("kind", "").endswith("List") and isinstance(obj.get("items"), list):
            yield from obj["items"]
        else:
            yield obj
