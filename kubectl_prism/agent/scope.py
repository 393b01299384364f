"""The `Scope` of an agent run from the command line's global flags, the way kubectl reads them.

`-A` gives the whole cluster; `-n NS` a namespace; neither gives the context's namespace. The context
is resolved to its name now (`--context`, else the kubeconfig's current context), so every step runs
against that one even if someone switches contexts while the run is going on.
"""

from __future__ import annotations

import os

from kubectl_prism.agent.decision import Scope
from kubectl_prism.errors import ClusterAccessError
from kubectl_prism.options import GlobalOptions


def resolve_scope(g: GlobalOptions, *, strict: bool = True) -> Scope:
    """The scope for `g`. With `strict=False` (for `agent classify`, which runs nothing) a missing or
    unreadable kubeconfig is not an error: the namespace is then `-n` or `default`."""
    from kubectl_prism.gather.kubeconfig import list_contexts

    kubeconfig = os.path.abspath(os.path.expanduser(g.kubeconfig)) if g.kubeconfig else None
    try:
        contexts, current = list_contexts(g.kubeconfig)
    except ClusterAccessError:
        if strict:
            raise
        contexts, current = [], None
    name = g.context or current
    by_name = {c.name: c for c in contexts}
    if strict and (name is None or name not in by_name):
        available = ", ".join(by_name) or "none"
        what = f'context "{name}" not found in the kubeconfig' if name else "no current context is set"
        raise ClusterAccessError(what, hint=f"pass --context NAME; available contexts: {available}")
    default_ns = (by_name[name].namespace if name in by_name else None) or _pod_namespace(name) or "default"
    namespace = None if g.all_namespaces else (g.namespace or default_ns)
    return Scope(namespace, context=name, kubeconfig=kubeconfig, default_namespace=default_ns)


def _pod_namespace(context: str | None) -> str | None:
    """Inside a pod without a kubeconfig kubectl uses the service account's namespace."""
    from kubectl_prism.gather import kubeconfig

    if context != kubeconfig.IN_CLUSTER_CONTEXT:
        return None
    return kubeconfig._in_cluster_namespace()
