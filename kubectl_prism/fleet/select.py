"""Which contexts a fleet run covers: shell globs over the kubeconfig's context names."""

from __future__ import annotations

from fnmatch import fnmatchcase

from kubectl_prism.errors import ClusterAccessError, UsageError
from kubectl_prism.options import FleetOptions, GlobalOptions


def check_fleet_flags(g: GlobalOptions, fleet: FleetOptions) -> None:
    """Flags that make no sense with `--contexts` / `--all-contexts` (exit 2)."""
    if g.context:
        raise UsageError("--context names one context; --contexts/--all-contexts name several",
                         hint="use one of them (a single name works as a pattern: --contexts NAME)")
    if g.snapshot is not None:
        raise UsageError("--snapshot analyzes saved files, not kubeconfig contexts",
                         hint="drop --contexts/--all-contexts, or drop --snapshot to read the clusters")


def select_contexts(kubeconfig: str | None, fleet: FleetOptions) -> list[str]:
    """The matching context names in kubeconfig order; exit 3 when the kubeconfig has none that match.

    With `--contexts`, a plain name (no `*`, `?` or `[`) must exist, as with `--context`; a glob may
    match nothing as long as the whole selection matches something.

    Reads the kubeconfig exactly as a single run does (`--kubeconfig`, then `KUBECONFIG` merged, then
    ~/.kube/config, then the pod's service account), without loading any credentials.
    """
    from kubectl_prism.gather.kubeconfig import list_contexts

    contexts, _ = list_contexts(kubeconfig)
    names = [c.name for c in contexts]
    if not names:
        raise ClusterAccessError("the kubeconfig defines no contexts",
                                 hint="pass --kubeconfig FILE or set KUBECONFIG")
    if fleet.all_contexts:
        return names
    shown = ", ".join(names[:20]) + (f", … ({len(names)} in all)" if len(names) > 20 else "")
    # A plain name is a context someone means to read: a typo must not pass silently (as --context).
    missing = [p for p in fleet.contexts if not _is_glob(p) and p not in names]
    if missing:
        raise ClusterAccessError(f'context "{missing[0]}" not found in kubeconfig',
                                 hint=f"available contexts: {shown}")
    chosen = [n for n in names if any(fnmatchcase(n, p) for p in fleet.contexts)]
    if not chosen:
        raise ClusterAccessError(
            f"no context matches --contexts {','.join(fleet.contexts)}", hint=f"available contexts: {shown}")
    return chosen


def _is_glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")
