"""What changed recently, from what the API server records: "it broke right after the re-apply".

- Rollout history of a Deployment: its ReplicaSets by `deployment.kubernetes.io/revision`, with when
  each was created, its images and replicas, and the pod template diff between the newest two
  revisions (computed over the *redacted* templates: an env value never shows in a diff).
- Recent writes: objects by the newest `managedFields` time (who wrote them, with which operation),
  or their creation time, newest first.
- `collected_at`: when the data was read — now for a live cluster; for a snapshot the newest
  timestamp it holds — so "35 minutes before collection" can be said of a saved cluster too.

Pure functions of objects; nothing here reads a cluster.
"""

from __future__ import annotations

import difflib
from datetime import UTC, datetime
from typing import Any

from kubectl_prism.redact import Anonymizer, redact_object
from kubectl_prism.snapshot import KubeObject, Snapshot, meta, name_of, namespace_of
from kubectl_prism.timeutil import event_time, human_age, parse_time

REVISION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE = "kubernetes.io/change-cause"
MAX_DIFF_LINES = 60


# Controllers write status and bookkeeping all the time: their writes are not the change a person made.
_CONTROLLERS = ("kube-controller-manager", "kube-scheduler", "kubelet", "k3s", "cloud-controller-manager")


def last_write(obj: KubeObject) -> tuple[str, str, str]:
    """(time, manager, operation) of the newest write by a person or a deploy tool (not a controller's
    status update), or (creationTimestamp, "", "created")."""
    writes = [w for w in meta(obj).get("managedFields") or []
              if isinstance(w, dict) and w.get("time") and w.get("subresource") != "status"
              and not str(w.get("manager") or "").startswith(_CONTROLLERS)]
    if writes:
        newest = max(writes, key=lambda w: str(w["time"]))
        return str(newest["time"]), str(newest.get("manager") or ""), str(newest.get("operation") or "")
    return str(meta(obj).get("creationTimestamp") or ""), "", "created"


def collected_at(snapshot: Snapshot) -> tuple[datetime, str]:
    """When the data was read, and how that is known."""
    if snapshot.source == "live":
        return datetime.now(UTC), "read live"
    newest: datetime | None = None
    for obj in snapshot:
        m = meta(obj)
        stamps = [event_time(obj)] if obj.get("kind") == "Event" else [m.get("creationTimestamp")]
        stamps += [w.get("time") for w in m.get("managedFields") or [] if isinstance(w, dict)]
        stamps += [c.get("lastTransitionTime") for c in (obj.get("status") or {}).get("conditions") or []
                   if isinstance(c, dict)]
        for stamp in stamps:
            parsed = parse_time(stamp)
            if parsed is not None and (newest is None or parsed > newest):
                newest = parsed
    if newest is None:
        return datetime.now(UTC), "snapshot without timestamps; ages are from now"
    return newest, "snapshot: its newest timestamp"


def ago(stamp: str, reference: datetime) -> str:
    parsed = parse_time(stamp)
    if parsed is None:
        return "?"
    age = human_age((reference - parsed).total_seconds())
    return f"{stamp} ({age} before collection)"


def _revision(rs: KubeObject) -> int:
    try:
        return int((meta(rs).get("annotations") or {}).get(REVISION, "0"))
    except ValueError:
        return 0


def _template(rs: KubeObject) -> dict[str, Any]:
    template = dict(((rs.get("spec") or {}).get("template")) or {})
    labels = dict(((template.get("metadata") or {}).get("labels")) or {})
    labels.pop("pod-template-hash", None)  # differs on every revision by construction
    template["metadata"] = {**(template.get("metadata") or {}), "labels": labels}
    return template


def _images(rs: KubeObject) -> list[str]:
    spec = ((rs.get("spec") or {}).get("template") or {}).get("spec") or {}
    return [str(c.get("image")) for c in spec.get("containers") or [] if c.get("image")]


def rollout_history(deployment: KubeObject, replica_sets: list[KubeObject], reference: datetime,
                    anonymizer: Anonymizer | None = None) -> dict[str, Any]:
    """Revisions of one Deployment (newest first) and the template diff between the newest two."""
    revisions = sorted(replica_sets, key=_revision, reverse=True)
    rows = []
    for rs in revisions:
        status = rs.get("status") or {}
        row = {
            "revision": _revision(rs),
            "replicaSet": name_of(rs),
            "created": ago(str(meta(rs).get("creationTimestamp") or ""), reference),
            "images": _images(rs),
            "replicas": f"{status.get('readyReplicas', 0)}/{(rs.get('spec') or {}).get('replicas', 0)} ready",
        }
        cause = (meta(rs).get("annotations") or {}).get(CHANGE_CAUSE)
        if cause:
            row["changeCause"] = cause
        rows.append(row)
    doc: dict[str, Any] = {"deployment": name_of(deployment), "namespace": namespace_of(deployment),
                           "revisions": rows}
    if len(revisions) >= 2:
        doc["templateDiff"] = template_diff(revisions[1], revisions[0], anonymizer)
    elif revisions:
        doc["templateDiff"] = "only one revision is kept: nothing to compare"
    else:
        doc["templateDiff"] = "no ReplicaSets of this Deployment were found"
    return doc


def template_diff(older: KubeObject, newer: KubeObject, anonymizer: Anonymizer | None = None) -> str:
    """A unified diff of two ReplicaSets' pod templates, each redacted first."""
    def text(rs: KubeObject) -> list[str]:
        template = _template(rs)
        pod = {"kind": "Pod", "metadata": template.get("metadata") or {}, "spec": template.get("spec") or {}}
        return redact_object(pod, anonymizer=anonymizer, fmt="yaml").text.splitlines()

    diff = list(difflib.unified_diff(text(older), text(newer), f"revision {_revision(older)}",
                                     f"revision {_revision(newer)}", lineterm="", n=2))
    if len(diff) > MAX_DIFF_LINES:
        diff = [*diff[:MAX_DIFF_LINES], f"... ({len(diff) - MAX_DIFF_LINES} more diff lines not shown)"]
    hidden = _changed_env(older, newer)
    if hidden:
        # A changed secret looks the same once redacted: say which values changed, never what to.
        diff.append("redacted env values that differ between the revisions: " + ", ".join(hidden))
    return "\n".join(diff) if diff else "the pod templates of the two revisions are the same"


def _changed_env(older: KubeObject, newer: KubeObject) -> list[str]:
    def env(rs: KubeObject) -> dict[str, Any]:
        spec = _template(rs).get("spec") or {}
        return {f"{c.get('name')}/{e.get('name')}": e.get("value")
                for c in spec.get("containers") or [] for e in c.get("env") or [] if "value" in e}

    before, after = env(older), env(newer)
    return sorted(k for k in before.keys() & after.keys() if before[k] != after[k])


def recent_writes(objs: list[KubeObject], reference: datetime, limit: int = 15) -> list[dict[str, Any]]:
    """The objects written most recently (newest first), each with who wrote it and how long ago."""
    rows = []
    for obj in objs:
        if obj.get("kind") in ("Event", "Pod", "PodMetrics", "NodeMetrics", "Endpoints"):
            continue  # written all the time by controllers: no news
        when, manager, operation = last_write(obj)
        if not when:
            continue
        row = {"object": f"{str(obj.get('kind', '')).lower()}/{name_of(obj)}",
               "written": ago(when, reference), "operation": operation}
        if namespace_of(obj):
            row["namespace"] = namespace_of(obj)
        if manager:
            row["by"] = manager
        rows.append((when, row))
    rows.sort(key=lambda r: r[0], reverse=True)
    return [row for _, row in rows[:limit]]
