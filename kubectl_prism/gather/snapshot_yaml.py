"""YAML snapshot files: a safe loader, and a limit on what aliases may expand to.

The safe loader (libyaml's C one when PyYAML was built with it) builds no Python objects from tags,
and libyaml refuses nesting deeper than 1,000 levels. What it allows is aliases: `*a` is the very
object `&a` names, so a ten-line "billion laughs" file loads in microseconds as a small graph of
shared lists — and then every walk that copies it (trimming, redaction, JSON output) expands it to
hundreds of millions of values. A self-referencing anchor (`&a [*a]`) even loads as a cycle.

So after loading, each document's expanded size is counted without expanding it (each distinct list
or mapping once, remembering its expanded size), which costs time in the number of distinct values.
Aliases may add at most MAX_ALIAS_EXPANSION values to a document — far more than anchors shared
between a few containers ever do — and a cycle is refused. Kubernetes itself never writes aliases
(`kubectl get -o yaml`), so only hand-written files have them, and only those pay for the count.
"""

from __future__ import annotations

from typing import Any

MAX_ALIAS_EXPANSION = 100_000


class YamlRefused(ValueError):
    """A document the loader read but prism will not use; the message says why."""


def load_yaml_documents(text: str) -> list[Any]:
    """Every document of a YAML stream; yaml.YAMLError or YamlRefused when it is not usable."""
    import yaml  # slow to import: only when a YAML file is there

    try:
        docs = list(yaml.load_all(text, Loader=_yaml_loader()))
    except RecursionError:  # the pure-Python composer recurses per level (libyaml stops at 1,000)
        raise YamlRefused("nested too deeply to load") from None
    if "&" in text:  # no anchor, no alias: nothing to count
        for index, doc in enumerate(docs, 1):
            check_aliases(doc, f"document {index}")
    return docs


def check_aliases(doc: Any, name: str) -> None:
    """YamlRefused when aliases make `doc` a cycle or add more than MAX_ALIAS_EXPANSION values."""
    if not isinstance(doc, dict | list):
        return
    distinct = 0  # values held in memory (a shared list or mapping counts once)
    sizes: dict[int, int] = {}  # id of a list or mapping -> its expanded size, once known
    in_progress: set[int] = set()
    stack: list[tuple[Any, bool]] = [(doc, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        children = node.values() if isinstance(node, dict) else node
        if finished:
            size = 1 + sum(sizes[id(c)] if isinstance(c, dict | list) else 1 for c in children)
            sizes[key] = size
            in_progress.discard(key)
            continue
        if key in sizes:
            continue
        if key in in_progress:
            raise YamlRefused(f"{name} refers to itself through a YAML alias")
        in_progress.add(key)
        stack.append((node, True))
        distinct += 1
        for child in children:
            if not isinstance(child, dict | list):
                distinct += 1
            elif id(child) not in sizes:
                stack.append((child, False))
    expanded = sizes[id(doc)]  # as a walk that copies the document sees it
    if expanded - distinct > MAX_ALIAS_EXPANSION:
        raise YamlRefused(f"YAML aliases expand {name} from {distinct:,} to {expanded:,} values "
                          f"(at most {MAX_ALIAS_EXPANSION:,} more are allowed; an alias bomb?)")


_LOADER: Any = None


def _yaml_loader() -> Any:
    """The C safe loader when built, with timestamps kept as the strings the API server sends."""
    global _LOADER
    if _LOADER is None:
        import yaml

        base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        _LOADER = type("SnapshotLoader", (base,), {})
        _LOADER.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)
    return _LOADER
