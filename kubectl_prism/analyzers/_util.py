"""Helpers analyzers share: owner chains, selectors, container states.

They live in `kubectl_prism/object_graph.py`, below both gather and the analyzers; this module keeps
the names the rule modules import.
"""

from __future__ import annotations

from kubectl_prism.object_graph import (
    condition,
    container_statuses,
    owner_chain,
    pod_is_ready,
    ref,
    selector_matches,
    top_owner_ref,
)

__all__ = [
    "condition",
    "container_statuses",
    "owner_chain",
    "pod_is_ready",
    "ref",
    "selector_matches",
    "top_owner_ref",
]
