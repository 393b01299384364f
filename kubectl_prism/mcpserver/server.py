"""The `MCPServer`: tool and prompt registration, the policy gate, and the audit middleware.

Imported only by `mcp serve` (it loads the MCP SDK). No `from __future__ import annotations` here:
the SDK reads the tool signatures' real `Annotated` types to build each input schema.

Every tool call goes through `_run`: the policy is re-read (enabled, client allow-list), the tool
runs on a worker thread (the raw client and gatherer block), and whatever it returns or raises
becomes a `CallToolResult` built from a `Redacted` body. The audit middleware wraps `tools/call`
itself, so a call the SDK rejects before the tool runs (bad arguments, unknown tool) is logged too.
"""

import contextlib
import contextvars
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import Field

from kubectl_prism import __version__
from kubectl_prism.errors import PrismError
from kubectl_prism.gather.http import ApiError
from kubectl_prism.mcpserver import analysis
from kubectl_prism.mcpserver import results as r
from kubectl_prism.mcpserver.cluster import ServeScope, ToolInputError
from kubectl_prism.mcpserver.policy import Policy, Refused, load_policy
from kubectl_prism.mcpserver.tools import DEFAULT_TAIL, MAX_TAIL, Tools

log = logging.getLogger("kubectl_prism.mcp")

INSTRUCTIONS = (
    "Read-only Kubernetes context from kubectl-prism. Start with diagnose (rule-based findings with "
    "evidence and remediation) or health_summary, then drill down with explain, events, logs, "
    "list_resources and get_resource. Everything is redacted (secrets become [REDACTED:type]) and "
    "capped; Secret values are never available. Nothing here changes the cluster: propose commands "
    "for the user to review and run."
)
READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True,
                            open_world_hint=False)

Namespace = Annotated[str | None, Field(
    description="Namespace (default: the server's -n, else the kube context's namespace)")]
KubeContext = Annotated[str | None, Field(
    description="kubeconfig context (default: the server's --context, else the current one); "
    "see list_contexts")]
Kind = Annotated[str, Field(
    description="kubectl kind name: pods, deploy, sts, ds, rs, jobs, cronjobs, svc, ing, pvc, pv, nodes, ns, "
    "cm, secrets (metadata only), events, hpa, pdb, netpol, sa, quota, ...")]
TargetArg = Annotated[str, Field(description="KIND/NAME, e.g. pod/api-0, deploy/api, sts/db, node/worker-1")]
ObjectName = Annotated[str, Field(description="Object name")]
AllNamespaces = Annotated[bool, Field(description="Look across all namespaces (ignored with a target)")]


@dataclass
class CallNote:
    """What a tool call's wrapper tells the audit middleware (a per-call context variable)."""

    status: str | None = None
    redactions: dict[str, int] = field(default_factory=dict)
    cut: bool = False


_NOTE: contextvars.ContextVar[CallNote | None] = contextvars.ContextVar("prism_mcp_call", default=None)


def client_name(ctx: Any) -> str | None:
    """`clientInfo.name` from `initialize` (or the 2026 request envelope); None if not sent."""
    params = getattr(getattr(ctx, "session", None), "client_params", None)
    info = getattr(params, "client_info", None)
    return getattr(info, "name", None) or None


def to_call_result(result: r.ToolReply) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=result.body.text)], is_error=result.is_error)


class PrismMCP:
    """Holds the tools and builds the `MCPServer` around them."""

    def __init__(self, scope: ServeScope, transport: str = "stdio") -> None:
        self.tools = Tools(scope)
        self.transport = transport

    async def _run(self, ctx: Context, work: Callable[[Policy], r.ToolReply]) -> CallToolResult:
        try:
            policy = load_policy()
            policy.check_enabled()
            policy.check_client(client_name(ctx.request_context))
            result = await anyio.to_thread.run_sync(work, policy)
        except Refused as err:
            result = r.error_reply(str(err), r.REFUSED)
        except ToolInputError as err:
            result = r.error_reply(str(err))
        except PrismError as err:  # cluster access (401, TLS, unreachable), bad kubeconfig, unreadable config
            result = r.error_reply(err.line())
        except ApiError as err:  # an answer a tool did not expect (5xx, 429, ...)
            result = r.error_reply(f"the API request failed: {err.describe()}")
        except Exception as err:
            # The exception's text may quote cluster data: it stays in the server's log.
            log.exception("tool failed")
            result = r.error_reply(f"internal error in kubectl-prism ({type(err).__name__}); "
                                   "details are in the MCP server's log")
        note = _NOTE.get()
        if note is not None:
            note.status, note.redactions, note.cut = result.status, dict(result.redactions), result.cut
        return to_call_result(result)

    def build(self) -> MCPServer:
        server = MCPServer("kubectl-prism", title="kubectl-prism", version=__version__,
                           instructions=INSTRUCTIONS, log_level="WARNING")
        server.middleware.append(self._audit)
        self._register_tools(server)
        _register_prompts(server)
        return server

    # --- tools ------------------------------------------------------------------------------------
    def _register_tools(self, server: MCPServer) -> None:
        t = self.tools
        tool = server.tool

        @tool(description="List the kubeconfig contexts this server may read (names and default namespaces).",
              annotations=READ_ONLY)
        async def list_contexts(ctx: Context) -> CallToolResult:
            return await self._run(ctx, lambda p: t.list_contexts(p))

        @tool(description="List the namespaces of the cluster (only those in the MCP allow-list, if any).",
              annotations=READ_ONLY)
        async def list_namespaces(ctx: Context, context: KubeContext = None) -> CallToolResult:
            return await self._run(ctx, lambda p: t.list_namespaces(p, context))

        @tool(description="List objects of one kind with a one-line status each (like `kubectl get`). "
              "Secrets: names and metadata only. At most 500 objects; narrow with namespace or "
              "label_selector.",
              annotations=READ_ONLY)
        async def list_resources(ctx: Context, kind: Kind, namespace: Namespace = None,
                                 label_selector: Annotated[str | None, Field(
                                     description="Label selector, e.g. app=api,tier!=cache")] = None,
                                 context: KubeContext = None) -> CallToolResult:
            return await self._run(ctx, lambda p: t.list_resources(p, kind, namespace, label_selector,
                                                                   context))

        @tool(description="Get one object as JSON, redacted: env values, Secret data, managedFields and "
              "last-applied-configuration are removed; Secrets are metadata only.", annotations=READ_ONLY)
        async def get_resource(ctx: Context, kind: Kind, name: ObjectName, namespace: Namespace = None,
                               context: KubeContext = None) -> CallToolResult:
            return await self._run(ctx, lambda p: t.get_resource(p, kind, name, namespace, context))

        @tool(description="Events of a namespace, newest first; with kind and/or name only those about that "
              "object (e.g. kind=pod, name=api-0).", annotations=READ_ONLY)
        async def events(ctx: Context, namespace: Namespace = None,
                         kind: Annotated[str | None, Field(description="Kind of the involved object")] = None,
                         name: Annotated[str | None, Field(description="Name of the involved object")] = None,
                         context: KubeContext = None) -> CallToolResult:
            return await self._run(ctx, lambda p: t.events(p, namespace, kind, name, context))

        @tool(description="The tail of a container's log, redacted. previous=true reads the crashed instance "
              "(after a restart).", annotations=READ_ONLY)
        async def logs(ctx: Context, pod: Annotated[str, Field(description="Pod name")],
                       namespace: Namespace = None,
                       container: Annotated[str | None, Field(
                           description="Container (default: the pod's default container)")] = None,
                       previous: Annotated[bool, Field(
                           description="The previous (crashed) instance")] = False,
                       tail_lines: Annotated[int, Field(description="Lines from the end", ge=1,
                                                        le=MAX_TAIL)] = DEFAULT_TAIL,
                       context: KubeContext = None) -> CallToolResult:
            return await self._run(ctx, lambda p: t.logs(p, pod, namespace, container, previous, tail_lines,
                                                         context))

        @tool(description="Run kubectl-prism's rule-based analyzers on one target, a namespace or the "
              "cluster. Returns findings (rule id, severity, evidence, remediation commands) and gaps "
              "(what RBAC did not let it read).", annotations=READ_ONLY)
        async def diagnose(ctx: Context,
                           target: Annotated[str | None, Field(
                               description="KIND/NAME to diagnose (default: the whole namespace)")] = None,
                           namespace: Namespace = None, all_namespaces: AllNamespaces = False,
                           context: KubeContext = None) -> CallToolResult:
            return await self._run(ctx, lambda p: analysis.diagnose(t, p, target, namespace, all_namespaces,
                                                                    context))

        @tool(description="Explain one object: owner chain, spec highlights, status and conditions, its "
              "pods, related objects, recent events, findings and resource utilization.",
              annotations=READ_ONLY)
        async def explain(ctx: Context, target: TargetArg, namespace: Namespace = None,
                          context: KubeContext = None) -> CallToolResult:
            return await self._run(ctx, lambda p: analysis.explain(t, p, target, namespace, context))

        @tool(description="Health scorecard of a namespace (or the cluster with all_namespaces): workloads "
              "healthy/degraded/failing, nodes, pods, capacity, restarts, warning events, findings.",
              annotations=READ_ONLY)
        async def health_summary(ctx: Context, namespace: Namespace = None,
                                 all_namespaces: AllNamespaces = False,
                                 context: KubeContext = None) -> CallToolResult:
            return await self._run(ctx, lambda p: analysis.health_summary(t, p, namespace, all_namespaces,
                                                                          context))

    # --- audit ------------------------------------------------------------------------------------
    async def _audit(self, ctx: Any, call_next: Callable[[Any], Any]) -> Any:
        """Record every `tools/call` (what, who, how big, which hash, what was redacted), never a payload."""
        if ctx.method != "tools/call":
            return await call_next(ctx)
        note = CallNote()
        token = _NOTE.set(note)
        started = time.monotonic()
        try:
            result = await call_next(ctx)
        except Exception:
            with contextlib.suppress(PrismError):  # the original failure is the one to report
                _record(ctx, note, None, started, self.transport)
            raise
        finally:
            _NOTE.reset(token)
        try:
            _record(ctx, note, result, started, self.transport)
        except PrismError as err:
            # Fail closed: a call that cannot be audited returns nothing from the cluster.
            log.error("%s", err.line())
            return to_call_result(r.error_reply(f"{err.line()}; refusing to return results that cannot be "
                                                "audited")).model_dump(by_alias=True, mode="json",
                                                                       exclude_none=True)
        return result


def _record(ctx: Any, note: CallNote, result: Any, started: float, transport: str) -> None:
    import hashlib

    from kubectl_prism.audit import MCP_CALL, record

    params = ctx.params if isinstance(ctx.params, dict) else {}
    args = params.get("arguments") if isinstance(params.get("arguments"), dict) else {}
    texts = []
    is_error = True
    if isinstance(result, dict):
        is_error = bool(result.get("isError"))
        texts = [c.get("text", "") for c in result.get("content") or [] if isinstance(c, dict)]
    payload = "".join(texts).encode("utf-8", "surrogatepass")
    if note.status is not None:
        outcome = note.status
    elif result is None:
        outcome = "protocol-error"
    else:
        outcome = "rejected-by-sdk" if is_error else "success"  # bad arguments or an unknown tool
    record(
        MCP_CALL,
        transport=transport,
        client=client_name(ctx),
        tool=str(params.get("name") or "?"),
        args={str(k)[:64]: _short(v) for k, v in list(args.items())[:20] if v is not None},
        outcome=outcome,
        is_error=is_error,
        bytes=len(payload),
        sha256=hashlib.sha256(payload).hexdigest(),
        redactions=dict(note.redactions),
        cut=note.cut or None,
        duration_ms=round((time.monotonic() - started) * 1000),
    )


def _short(value: Any) -> Any:
    if isinstance(value, str):
        return value if len(value) <= 200 else value[:200] + "…"
    if isinstance(value, bool | int | float):
        return value
    return _short(str(value))


# --- prompts -------------------------------------------------------------------------------------------

_SAFETY = ("Use only the kubectl-prism tools (they are read-only and redacted). Do not guess values that "
           "were redacted. End with the root cause, the evidence for it, and the fix as exact commands for "
           "the user to review and run; say what you could not check (gaps).")


def _register_prompts(server: MCPServer) -> None:
    @server.prompt(description="Find out why a pod is unhealthy and how to fix it.")
    def troubleshoot_pod(pod: Annotated[str, Field(description="Pod name")],
                         namespace: Annotated[str, Field(description="Namespace of the pod")]) -> str:
        return (
            f"Troubleshoot the Kubernetes pod {pod!r} in namespace {namespace!r}.\n"
            f"1. Call diagnose with target=pod/{pod} and namespace={namespace!r}.\n"
            f"2. Call explain with the same target for its status, conditions, owner and events.\n"
            f"3. If a container restarted or failed, call logs with previous=true, then the current log.\n"
            f"4. Follow references (ConfigMaps, Secrets by name, PVCs, Services, nodes) with get_resource "
            f"or events when the findings point at them.\n{_SAFETY}"
        )

    @server.prompt(description="Review a namespace's health and explain what is broken, most severe first.")
    def troubleshoot_namespace(namespace: Annotated[str, Field(description="Namespace")]) -> str:
        return (
            f"Troubleshoot the Kubernetes namespace {namespace!r}.\n"
            f"1. Call health_summary with namespace={namespace!r}.\n"
            f"2. Call diagnose with namespace={namespace!r}; group findings that share a root cause.\n"
            f"3. For the most severe ones, call explain on the object and logs/events as needed.\n{_SAFETY}"
        )
