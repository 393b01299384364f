"""The read-only tools of `ask`, over the same gatherer, analyzers and redaction as every other path.

Each call's arguments are checked and converted against the tool's schema first (`tool_args`): a bad
value is a tool error naming the argument, which the model can correct. Each tool returns a status
(`success`, `no_data`, `not_gathered`, `forbidden`, `error`) and a `Redacted` body between nonce fences
(`redact.fence`): results go through `redact_json`/`redact_object`/`redact_text` (Secrets as metadata
only). Tools degrade rather than refuse: lists are shortened to what fits and say how many rows were
left out, objects fall back to their status, log lines are clipped. What the scope did not read is
read on demand (`gather.on_demand`: live, or the whole `--snapshot` folder), and what was never
gathered is said to be "not gathered", not "none". Tools stay in the person's scope (`-n NS`, the
context's namespace, or `-A`); nothing here writes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from kubectl_prism.ai import tool_handlers as h
from kubectl_prism.ai import tool_specs as specs
from kubectl_prism.ai.loop import ToolOutput
from kubectl_prism.ai.providers.base import ToolCall
from kubectl_prism.ai.tool_args import ArgumentError, ToolError, check_arguments
from kubectl_prism.ai.tool_rows import event_row, fit_rows, status_line
from kubectl_prism.errors import PrismError, UsageError
from kubectl_prism.gather.on_demand import OnDemand, OnDemandForbidden
from kubectl_prism.kinds import KindInfo, Target, parse_target
from kubectl_prism.names import InvalidName, check_name, check_namespace
from kubectl_prism.options import GlobalOptions
from kubectl_prism.redact import Redacted, fence, new_nonce, redact_json, redact_text
from kubectl_prism.snapshot import KubeObject, Snapshot, meta, name_of, namespace_of

__all__ = ["AskTools", "ToolError", "event_row", "status_line"]

MAX_RESULT_CHARS = 12_000  # about 3,000 tokens: one result may not crowd out the rest of the loop
MAX_ROWS = 200
MAX_EVENTS = 40

Body = Redacted | dict[str, Any] | str


class AskTools:
    """Runs the tools against the cluster (or --snapshot) in scope. Gathers lazily and caches."""

    specs = specs.SPECS

    def __init__(
        self,
        g: GlobalOptions,
        *,
        anonymizer: Any = None,
        max_chars: int = MAX_RESULT_CHARS,
        gather: Callable[[GlobalOptions, Target | None], Snapshot] | None = None,
        nonce: str | None = None,
    ) -> None:
        self.g = g
        self.anonymizer = anonymizer
        self.max_chars = max_chars
        self.nonce = nonce or new_nonce()
        self.reads = OnDemand(g)
        self._gather = gather
        self._scope: Snapshot | None = None
        self._targets: dict[tuple[str | None, str], Snapshot] = {}
        self._handlers: dict[str, Callable[[AskTools, dict[str, Any]], tuple[str, Body]]] = {
            "diagnose": h.diagnose,
            "explain": h.explain,
            "list_resources": h.list_resources,
            "get_resource": h.get_resource,
            "get_events": h.get_events,
            "get_logs": h.get_logs,
            "recent_changes": h.recent_changes,
            "resource_usage": h.resource_usage,
        }

    # --- gathering ------------------------------------------------------------------------------
    def _gather_fn(self) -> Callable[[GlobalOptions, Target | None], Snapshot]:
        if self._gather is None:
            from kubectl_prism.gather import gather_scope

            self._gather = gather_scope
        return self._gather

    def scope(self) -> Snapshot:
        if self._scope is None:
            self._scope = self._gather_fn()(self.g, None)
            self._learn(self._scope)
        return self._scope

    def target_snapshot(self, target: Target, namespace: str | None) -> Snapshot | None:
        """The scope of one target (gathered once); None when the target does not exist."""
        key = (namespace, str(target))
        if key not in self._targets:
            g = (dataclasses.replace(self.g, namespace=namespace, all_namespaces=False)
                 if namespace else self.g)
            try:
                self._targets[key] = self._gather_fn()(g, target)
            except PrismError as err:
                if "not found" in err.message:
                    return None
                raise
            self._learn(self._targets[key])
        return self._targets[key]

    def learn(self, objs: list[KubeObject]) -> None:
        """Objects read on demand get placeholders like the scope's (before anything is sent)."""
        if self.anonymizer is not None:
            self.anonymizer.learn_all(objs)

    def _learn(self, snapshot: Snapshot) -> None:
        if self.anonymizer is not None:
            if snapshot.context:
                self.anonymizer.register_context(snapshot.context)
            self.anonymizer.learn_all(snapshot)

    # --- running --------------------------------------------------------------------------------
    def execute(self, call: ToolCall) -> ToolOutput:
        handler = self._handlers.get(call.name)
        if handler is None:
            return self._out("error", f"there is no tool {call.name!r}; the tools are: "
                             f"{', '.join(self._handlers)}", call.name)
        raw: Any = call.arguments
        if isinstance(raw, dict):
            raw = {k: self._restore(v) for k, v in raw.items()}
        try:
            args, notes = check_arguments(call.name, specs.BY_NAME[call.name].parameters, raw,
                                          aliases={"kind": specs.kind_alias})
            status, body = handler(self, args)
        except (ToolError, ArgumentError) as err:
            message = str(err)  # named by the tool, so the model knows which call to correct
            return self._out("error", message if message.startswith(call.name) else f"{call.name}: {message}",
                             call.name)
        except OnDemandForbidden as err:
            return self._out("forbidden", f"{err.gap.line()} (RBAC); prism reads with the person's own "
                             "credentials. Try another tool or say what could not be checked.", call.name)
        except PrismError as err:
            return self._out("error", f"{call.name}: {err.message}", call.name)
        return self._out(status, body, call.name, notes)

    def _out(self, status: str, body: Body, tool: str, notes: list[str] | None = None) -> ToolOutput:
        if isinstance(body, Redacted):
            content = body
        elif isinstance(body, str):
            content = self.text(body)
        else:
            content = self.json({"status": status, "result": body})
        if notes:
            content = content.merge(self.text("\nnote: " + "; ".join(notes)))
        if len(content) > self.max_chars:
            # The last resort (the tools fit their own results first): cut, and say so.
            note = self.text(f"\n[cut at {self.max_chars:,} of {len(content):,} characters; ask for less]")
            content = self.text(content.text[: self.max_chars - len(note)]).merge(note)
        label = self.text(f"{tool} result")
        return ToolOutput(status, fence(content, self.nonce, label))

    def text(self, text: str) -> Redacted:
        return redact_text(text, anonymizer=self.anonymizer)

    def json(self, value: Any) -> Redacted:
        return redact_json(value, anonymizer=self.anonymizer)

    def fit(self, status: str, head: dict[str, Any], key: str, rows: list[Any], hint: str) -> Redacted:
        """The result document with as many rows as fit, saying how many were left out and why."""
        def build(shown: Any, left_out: int) -> dict[str, Any]:
            doc = {**head, key: list(shown)}
            if left_out:
                doc["left_out"] = f"{left_out} more not shown (result size limit); {hint}"
            return {"status": status, "result": doc}

        body, _ = fit_rows(build, rows, self.json, self.max_chars - 200)
        return body

    def _restore(self, value: Any) -> Any:
        # The model refers to anonymized names; the cluster knows the real ones.
        if self.anonymizer is not None and isinstance(value, str):
            return self.anonymizer.restore(value)
        return value

    # --- scope checks (errors phrased for the model) --------------------------------------------
    def namespace(self, args: dict[str, Any], info: KindInfo | None = None) -> str | None:
        """The namespace to read: the one asked for, if it is inside the person's scope."""
        if info is not None and not info.namespaced:
            return None
        scope = self.scope()
        asked = args.get("namespace") or None
        if asked:
            try:
                check_namespace(asked)
            except InvalidName as err:
                raise ToolError(f"argument namespace: {err.message}") from None
        if self.g.all_namespaces or scope.namespace is None:
            return asked
        if asked and asked != scope.namespace:
            raise ToolError(
                f"namespace {asked} is outside the scope of this question (namespace {scope.namespace}); "
                "leave out the namespace argument. Only the person can widen the scope (-n or -A)."
            )
        return scope.namespace

    def object_name(self, argument: str, kind: str, name: str) -> str:
        """`name` if a `kind` can be called that; else a tool error naming the argument."""
        try:
            return check_name(kind, name)
        except InvalidName as err:
            raise ToolError(f"argument {argument}: {err.message}") from None

    def locate(self, tool: str, info: KindInfo, name: str, ns: str | None) -> str | None:
        """The namespace of an object named without one when the question covers all namespaces: the
        one namespace that holds it (None: none does). Several: a tool error asking for the argument."""
        if ns is not None or not info.namespaced:
            return ns
        holders = (o for o in self.scope().of_kind(info.kind) if name_of(o) == name)
        spaces = sorted({namespace_of(o) or "" for o in holders})
        if len(spaces) > 1:
            raise ToolError(f"{tool}: {info.plural}/{name} exists in namespaces {', '.join(spaces)}; "
                            "pass the namespace argument")
        return spaces[0] if spaces else None

    def kind(self, plural: str) -> KindInfo:
        info = specs.kind_info(plural)
        if info is None:  # the schema check maps every accepted spelling; this is a safety net
            raise ToolError(f"kind {plural!r} is not accepted; use one of {', '.join(specs.KIND_NAMES)}")
        return info

    def target(self, text: str | None) -> Target:
        if not text:
            raise ToolError("target is required, as KIND/NAME (e.g. pod/api-0, deploy/api)")
        kind, _, name = text.partition("/")
        info = specs.kind_info(kind) if name else None
        if info is not None:
            self.object_name("target", info.kind, name.strip())
        try:
            target = Target(info, name.strip()) if info else parse_target(text)
        except UsageError:
            raise ToolError(f"target {text!r} is not KIND/NAME; use e.g. pod/api-0, deploy/api, svc/db "
                            f"(kinds: {', '.join(specs.KIND_NAMES)})") from None
        self.object_name("target", target.kind, target.name)
        return target

    def objects(self, info: KindInfo, ns: str | None, label_selector: str | None = None
                ) -> list[KubeObject] | None:
        """Objects of a kind from the scope when it read the kind, else read on demand; None: not gathered."""
        scope = self.scope()
        # A namespace scope holds only the cluster-scoped objects its pods needed (their nodes, ...):
        # for the whole list of such a kind, read it.
        partial = not info.namespaced and scope.namespace is not None
        if info.kind in scope.objects and not partial:
            return scope.of_kind(info.kind, ns)
        found = self.reads.list(info, ns, label_selector)
        if found is None and info.kind in scope.objects:
            return scope.of_kind(info.kind, ns)
        if found is not None:
            self.learn(found)
        return found

    def find(self, info: KindInfo, ns: str | None, name: str) -> KubeObject | None:
        obj = self.scope().get(info.kind, ns, name)
        if obj is None:
            obj = self.reads.get(info, ns, name)
            if obj is not None:
                self.learn([obj])
        return obj


def owner_of(obj: KubeObject) -> str | None:
    refs = meta(obj).get("ownerReferences") or []
    ref = next((r for r in refs if r.get("controller")), refs[0] if refs else None)
    return f"{ref.get('kind')} {ref.get('name')}" if ref else None


def ref_text(obj: KubeObject) -> str:
    ns = namespace_of(obj)
    return f"{str(obj.get('kind', '')).lower()}/{name_of(obj)}" + (f" in {ns}" if ns else "")

