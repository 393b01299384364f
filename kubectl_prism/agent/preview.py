"""A step's preview, computed by prism from the API server's own answers, never taken from a model.

For a step that changes something:
1. GET each object the step names (`kubectl get TYPE NAME -o yaml`, a read-only step through the
   classifier and the executor, so it is pinned and redacted like every other) and note its
   resourceVersion;
2. run the same argv as a server-side dry run (`--dry-run=server -o yaml`): the object as the server
   would store it, admission webhooks and defaulting included;
3. diff the two, both through the structural redaction for objects (Secret values, env values,
   managedFields and last-applied-configuration are dropped), as a unified diff;
4. for steps that pick objects by a selector, `--all` or a bare type, and for deletes, list the
   objects affected (`-o name` of the dry run).

When the server cannot dry-run the step (a webhook without dry-run support, a command kubectl has no
dry run for), the preview says so: the confirmation then refuses a destructive step and marks a
mutating one "not previewed". `current_versions` re-reads the objects just before a step runs, so the
loop can tell that the cluster moved since the person saw the preview.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from kubectl_prism.agent.classify import classify
from kubectl_prism.agent.decision import Category, Decision, ObjectRef
from kubectl_prism.agent.execute import PreviewUnavailable, StepRefused, preview_step, run_step

PREVIEWED, NOT_PREVIEWED, REFUSED = "previewed", "not previewed", "refused"
MAX_DIFF_LINES = 400
PREVIEW_WORKERS = 4  # kubectl processes of one preview at once (reads, the dry run, the names)
MAX_SELECTED_READS = 20  # objects picked by a selector read for the diff; the rest are listed by name


@dataclass
class Preview:
    status: str  # previewed | not previewed | refused
    diff: str = ""  # redacted unified diff, live object -> server dry run
    affected: list[str] = field(default_factory=list)  # `-o name` of the objects the step changes
    server_said: str = ""  # kubectl's own lines for dry runs without -o (cordon, drain), redacted
    note: str | None = None  # why it could not be previewed, or what the diff cannot show
    resource_versions: dict[str, str | None] = field(default_factory=dict)  # object -> rv at preview

    @property
    def sha256(self) -> str:
        """Hash of what the person was shown (diff, affected objects, server lines, status)."""
        shown = "\0".join([self.status, self.diff, "\n".join(self.affected), self.server_said])
        return hashlib.sha256(shown.encode("utf-8", "surrogatepass")).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "diff": self.diff, "affected": list(self.affected),
                "serverSaid": self.server_said, "note": self.note, "sha256": self.sha256,
                "resourceVersions": dict(self.resource_versions)}


def compute_preview(decision: Decision, *, kubectl: str) -> Preview:
    """The preview of a mutating or destructive step (see the module docstring). The reads and the dry
    runs are independent kubectl runs: they run side by side."""
    if not decision.needs_approval or not decision.runnable:
        raise ValueError("only a runnable mutating or destructive step has a preview")
    deleting = decision.verb == "delete"
    with ThreadPoolExecutor(max_workers=PREVIEW_WORKERS, thread_name_prefix="prism-preview") as pool:
        reads = {str(ref): pool.submit(_read_live, decision, ref, kubectl) for ref in decision.objects}
        dry_run = pool.submit(preview_step, decision, kubectl=kubectl, output="name" if deleting else "yaml")
        names = pool.submit(_names, decision, kubectl) if (
            not deleting and (decision.by_selector or len(decision.objects) != 1)) else None
        live = {name: future.result() for name, future in reads.items()}
        versions = {name: _resource_version(doc) for name, (doc, _) in live.items()}
        try:
            dry = dry_run.result()
        except PreviewUnavailable as err:
            return _unpreviewed(decision, err.message, versions)
        if not dry.ok:
            why = first_error_line(dry.stderr.text) or f"exit {dry.exit_code}"
            return _unpreviewed(decision, why, versions)
        if deleting:
            affected = [ln.split(" ")[0] for ln in dry.stdout.text.splitlines() if ln.strip()]
            return Preview(PREVIEWED, affected=affected, resource_versions=versions,
                           note=None if affected else "the server dry run matched no object")
        preview = Preview(PREVIEWED, resource_versions=versions)
        after = _documents(dry.stdout.text)
        if after is None:  # cordon, uncordon, drain: kubectl's own lines
            preview.server_said = dry.stdout.text.strip()
        else:
            before = {_key(doc): doc for doc, _ in live.values() if doc is not None}
            picked = [d for d in after if _key(d) not in before][:MAX_SELECTED_READS]  # by a selector
            for found, _ in pool.map(lambda doc: _read_live(decision, _ref(doc), kubectl), picked):
                if found is not None:
                    before[_key(found)] = found
            preview.diff, preview.note = _diff(before, after)
        if names is not None:
            preview.affected = names.result()
        return preview


def current_versions(decision: Decision, *, kubectl: str) -> dict[str, str | None]:
    """The resourceVersion of each object the step names, as it is now (None: gone or unreadable)."""
    return {str(ref): _resource_version(_read_live(decision, ref, kubectl)[0]) for ref in decision.objects}


def _unpreviewed(decision: Decision, why: str, versions: dict[str, str | None]) -> Preview:
    status = REFUSED if decision.category is Category.DESTRUCTIVE else NOT_PREVIEWED
    return Preview(status, note=f"the server dry run failed: {why}", resource_versions=versions)


def _read_live(decision: Decision, ref: ObjectRef, kubectl: str) -> tuple[dict[str, Any] | None, str]:
    """The object as it is, redacted YAML parsed back (None when it does not exist or cannot be read)."""
    argv = ["kubectl", "get", ref.resource, ref.name, "-o", "yaml"]
    if ref.namespace:
        argv += ["-n", ref.namespace]
    read = classify(argv, decision.scope)
    if read.category is not Category.READ_ONLY:  # e.g. a Secret: its data is never read
        return None, read.reason
    try:
        result = run_step(read, kubectl=kubectl)
    except StepRefused as err:
        return None, err.message
    docs = _documents(result.stdout.text) if result.ok else None
    return (docs[0] if docs else None), first_error_line(result.stderr.text)


def _names(decision: Decision, kubectl: str) -> list[str]:
    try:
        dry = preview_step(decision, kubectl=kubectl, output="name")
    except StepRefused:
        return []
    return [ln.strip() for ln in dry.stdout.text.splitlines() if ln.strip()] if dry.ok else []


def _documents(text: str) -> list[dict[str, Any]] | None:
    """The objects in kubectl's `-o yaml` output (a List is unpacked); None when it is not YAML objects."""
    import yaml

    # kubectl prints each object of a multi-object write (`label pods -l ...`) as its own YAML document
    # without a `---` between them; its keys are sorted, so every object starts at `apiVersion:`.
    chunks = re.split(r"(?m)^(?=apiVersion:)", text)
    try:
        docs = [d for chunk in chunks for d in yaml.safe_load_all(chunk) if d is not None]
    except yaml.YAMLError:
        return None
    if not docs or not all(isinstance(d, dict) and "kind" in d for d in docs):
        return None
    out: list[dict[str, Any]] = []
    for doc in docs:
        items = doc.get("items")
        if str(doc["kind"]).endswith("List") and isinstance(items, list):
            out.extend(i for i in items if isinstance(i, dict))
        else:
            out.append(doc)
    return out


def _resource_version(doc: dict[str, Any] | None) -> str | None:
    meta = (doc or {}).get("metadata") or {}
    rv = meta.get("resourceVersion")
    return str(rv) if rv is not None else None


def _key(doc: dict[str, Any]) -> tuple[str, str, str]:
    meta = doc.get("metadata") or {}
    return (str(doc.get("kind", "")), str(meta.get("namespace") or ""), str(meta.get("name", "")))


def _ref(doc: dict[str, Any]) -> ObjectRef:
    """How to GET an object kubectl printed: `deployment.apps` NAME in its namespace."""
    kind, namespace, name = _key(doc)
    group = str(doc.get("apiVersion", "")).rpartition("/")[0]
    resource = f"{kind.lower()}.{group}" if group else kind.lower()
    return ObjectRef(resource, name, kind, namespace or None)


def _diff(before: dict[tuple[str, str, str], dict[str, Any]],
          after: list[dict[str, Any]]) -> tuple[str, str | None]:
    """A unified diff per object (live -> server dry run) of the redacted objects; a note when nothing
    shows because the change lies only in redacted values, or because there is no change."""
    from kubectl_prism.redact import redact_object

    def text(doc: dict[str, Any] | None) -> list[str]:
        return [] if doc is None else redact_object(_without_noise(doc), fmt="yaml").text.splitlines()

    lines: list[str] = []
    changed = False
    for doc in after:
        old = before.get(_key(doc))
        kind, _, name = _key(doc)
        label = f"{kind.lower()}/{name}"
        changed = changed or old is None or _without_noise(old) != _without_noise(doc)
        lines += difflib.unified_diff(text(old), text(doc), f"live {label}" if old else "(not there now)",
                                      f"{label} after the step (server dry run)", lineterm="", n=3)
    if not lines:
        return "", ("the change is only in values prism redacts (it cannot show them)" if changed
                    else "the server says this step changes nothing")
    if len(lines) > MAX_DIFF_LINES:
        lines = [*lines[:MAX_DIFF_LINES], f"[diff cut at {MAX_DIFF_LINES} lines]"]
    return "\n".join(lines), None


def _without_noise(doc: dict[str, Any]) -> dict[str, Any]:
    """What the step does, without what the server changes on every write (resourceVersion,
    generation, managedFields) and without null fields: null and absent mean the same to the API, and
    kubectl prints typed objects (a dry run's answer) without them but raw ones (`get`) with them."""
    meta = {k: v for k, v in (doc.get("metadata") or {}).items()
            if k not in ("resourceVersion", "generation", "managedFields")}
    return _no_nulls({**doc, "metadata": meta})


def _no_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _no_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_no_nulls(v) for v in value]
    return value


def first_error_line(text: str) -> str:
    """The line that says what went wrong: kubectl's `error:` line before its warnings."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for line in lines:
        if line.lower().startswith("error"):
            return line
    return next((ln for ln in lines if not ln.startswith("Warning:")), lines[0] if lines else "")
