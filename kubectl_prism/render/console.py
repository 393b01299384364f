"""Terminal output for people: colour only on a real terminal, never wrapped mid-command.

Text output is a list of `Line`s (indent + styled segments). On a TTY the segments get colours; when
stdout is piped, with `--no-color`, with `NO_COLOR` set or `TERM=dumb` the very same lines are written
as plain ASCII text — no escape codes, no box drawing — so `grep` and CI logs see stable output.
Lines are never wrapped by prism (the terminal soft-wraps): a remediation command stays one line that
can be copied.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from kubectl_prism.findings import ObjectRef, Severity
from kubectl_prism.kinds import BY_KIND
from kubectl_prism.printable import printable

SEVERITY_STYLE = {
    Severity.CRITICAL: "bold red",
    Severity.WARNING: "bold yellow",
    Severity.INFO: "bold cyan",
}

Segment = tuple[str, str | None]
DIM = "dim"


@dataclass
class Line:
    indent: int = 0
    segments: list[Segment] = field(default_factory=list)

    @property
    def plain(self) -> str:
        return " " * self.indent + "".join(text for text, _ in self.segments)


class Lines(list[Line]):
    """A small builder: `out.add("  ", ("CRITICAL", "bold red"), " title")`."""

    def add(self, *parts: str | Segment, indent: int = 0) -> None:
        segs = [(p, None) if isinstance(p, str) else p for p in parts]
        self.append(Line(indent, segs))

    def blank(self) -> None:
        if self and self[-1].segments:
            self.append(Line())

    def text(self) -> str:
        return "\n".join(line.plain for line in self) + "\n"


def use_color(no_color: bool, stream: IO[str] | None = None) -> bool:
    stream = stream if stream is not None else sys.stdout
    if no_color or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def print_lines(lines: Iterable[Line], no_color: bool, stream: IO[str] | None = None) -> None:
    """Print lines; text from the cluster is made `printable` here, the last step before a terminal."""
    stream = stream if stream is not None else sys.stdout
    lines = list(lines)
    if not use_color(no_color, stream):
        stream.write(printable("".join(line.plain + "\n" for line in lines)))
        stream.flush()
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(file=stream, force_terminal=True, soft_wrap=True, highlight=False, markup=False,
                      emoji=False)
    for line in lines:
        segments = [(printable(text), style) for text, style in line.segments]
        console.print(Text.assemble(" " * line.indent, *segments))


def table_lines(headers: tuple[str, ...], rows: list[list[Segment]], indent: int = 0) -> Lines:
    """Columns aligned with spaces like `kubectl get` (no box drawing); the last column is not padded."""
    widths = [max([len(h)] + [len(row[i][0]) for row in rows]) for i, h in enumerate(headers)]
    out = Lines()

    def line(cells: list[Segment]) -> None:
        segs: list[str | Segment] = []
        for i, (value, style) in enumerate(cells):
            segs.append((value, style))
            if i < len(cells) - 1:
                segs.append(" " * (widths[i] - len(value) + 3))
        out.add(*segs, indent=indent)

    line([(h, "bold") for h in headers])
    for row in rows:
        line(row)
    return out


# --- shared wording ------------------------------------------------------------------------------

def kind_name(ref: ObjectRef | dict[str, Any]) -> str:
    """kubectl's `kind/name` spelling: `deployment/api`."""
    kind, name = (ref.kind, ref.name) if isinstance(ref, ObjectRef) else (ref.get("kind"), ref.get("name"))
    return f"{(kind or '').lower()}/{name}"


def ref_text(ref: ObjectRef | dict[str, Any], home_namespace: str | None = None) -> str:
    """`pod/x` when it lives in `home_namespace` (or is cluster-scoped), else `pod/x in other-ns`."""
    namespace = ref.namespace if isinstance(ref, ObjectRef) else ref.get("namespace")
    if not namespace or namespace == home_namespace:
        return kind_name(ref)
    return f"{kind_name(ref)} in {namespace}"


def plural(kind: str, count: int) -> str:
    info = BY_KIND.get(kind)
    if count == 1:
        return kind.lower()
    return info.plural if info else kind.lower() + "s"


# Kinds people look for first in "checked ..." counts; everything else follows alphabetically.
_COUNT_ORDER = ("Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Service",
                "Ingress", "PersistentVolumeClaim", "Node")


_MAIN = frozenset(_COUNT_ORDER) - {"ReplicaSet"}
# Live usage samples, not objects that were checked.
_MEASUREMENTS = ("PodMetrics", "NodeMetrics")


def counts_phrase(counts: dict[str, int], with_events: bool = True, main_only: bool = False) -> str:
    """`12 pods, 4 deployments, ...`; `main_only` keeps the kinds people count (pods, workloads, nodes...)."""
    order = {kind: i for i, kind in enumerate(_COUNT_ORDER)}
    kinds = sorted((k for k, n in counts.items()
                    if n and (with_events or k != "Event") and k not in _MEASUREMENTS),
                   key=lambda k: (order.get(k, len(order)), k))
    if main_only and any(k in _MAIN for k in kinds):
        kinds = [k for k in kinds if k in _MAIN]
    return ", ".join(f"{counts[k]} {plural(k, counts[k])}" for k in kinds)


def scope_phrase(scope: dict[str, Any]) -> str:
    """`namespace shop`, `all namespaces`, `deployment/api in namespace shop`, `node/worker-1`."""
    target, namespace = scope.get("target"), scope.get("namespace")
    if target:
        return f"{target} in namespace {namespace}" if namespace else str(target)
    return f"namespace {namespace}" if namespace else "all namespaces"


def source_phrase(scope: dict[str, Any]) -> str:
    parts = []
    if scope.get("context"):
        parts.append(f"context {scope['context']}")
    parts.append("live cluster" if scope.get("source") == "live" else "snapshot")
    return ", ".join(parts)
