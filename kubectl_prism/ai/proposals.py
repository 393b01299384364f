"""What the model's answer claims and proposes, checked before a person sees it.

- Commands: every command the model proposes is labelled as the AI's, and classified with the agent's
  classifier (`agent.classify`, the same gate agent mode runs steps through) into `read-only`,
  `changes` or `destructive`. A destructive one carries a warning; one the classifier would refuse to
  run (deleting a namespace, `exec`, shell syntax, another namespace) says so. A model that obeyed an
  instruction hidden in a log can propose `kubectl delete namespace shop`: it must not look like a
  rule's fix.
- Evidence: each quote is looked up in the context the model was given (whitespace and quoting
  aside); quotes that are not in it are listed as unverified.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

READ_VERBS = frozenset({"get", "describe", "logs", "top", "events", "explain", "api-resources",
                        "api-versions", "version", "cluster-info", "auth", "wait"})
DESTRUCTIVE_VERBS = frozenset({"delete", "drain", "replace", "taint", "uncordon", "cordon"})
_QUOTED = re.compile(r"[\"“`']([^\"”`']{6,})[\"”`']")
_SPACE = re.compile(r"\s+")


def classify_command(command: str, namespace: str | None) -> dict[str, Any]:
    """`{"source": "ai", "category": ..., "reason": ..., "warning": ...}` for one proposed command."""
    from kubectl_prism.agent.classify import classify
    from kubectl_prism.agent.decision import Category, Scope

    try:
        argv = shlex.split(command)
    except ValueError:
        argv = command.split()
    label: dict[str, Any] = {"source": "ai"}
    if not argv or argv[0] not in ("kubectl", "oc", "k"):
        return {**label, "category": "changes", "reason": "not a kubectl command",
                "warning": "not a kubectl command: prism cannot tell what it does; review it before running"}
    decision = classify(["kubectl", *argv[1:]], Scope(namespace))
    if decision.category is Category.READ_ONLY:
        return {**label, "category": "read-only", "reason": decision.reason}
    if decision.category is Category.MUTATING:
        return {**label, "category": "changes", "reason": decision.reason}
    if decision.category is Category.DESTRUCTIVE:
        return {**label, "category": "destructive", "reason": decision.reason,
                "warning": f"destructive: {decision.reason}"}
    # Rejected: prism would not run it itself. Still say what kind of command it is.
    verb = (decision.verb or "").split(" ")[0]
    if decision.rule == "protected-delete" or verb in DESTRUCTIVE_VERBS:
        category = "destructive"
    elif verb in READ_VERBS:
        category = "read-only"
    else:
        category = "changes"
    prefix = "destructive, and " if category == "destructive" else ""
    return {**label, "category": category, "reason": decision.reason,
            "warning": f"{prefix}prism would refuse to run this itself: {decision.reason}"}


def _normal(text: str) -> str:
    return _SPACE.sub(" ", text.replace("\\n", " ")).strip().strip("\"'`“”").strip().casefold()


def verify_quote(quote: str, context: str) -> bool:
    """Whether a piece of evidence is in the context: as a whole, or every quoted span of it."""
    haystack = _normal(context)
    whole = _normal(quote.removeprefix("log:").removeprefix("event:"))
    if whole and whole in haystack:
        return True
    spans = [_normal(s) for s in _QUOTED.findall(quote)]
    return bool(spans) and all(s in haystack for s in spans)


def label_commands(steps: list[dict[str, Any]], namespace: str | None) -> list[dict[str, Any]]:
    """The remediation steps with each command labelled as the AI's and classified (real names)."""
    return [{**step, **classify_command(str(step["command"]), namespace)} if step.get("command") else step
            for step in steps]


def unverified(evidence: list[str], context: str) -> list[str]:
    """The evidence not found in the context (compare before names are mapped back)."""
    return [e for e in evidence if not verify_quote(str(e), context)]


_FENCE = re.compile(r"```[a-z]*\n(.*?)```", re.DOTALL)
_INLINE = re.compile(r"`((?:kubectl|oc) [^`\n]+)`")


def commands_in(text: str) -> list[str]:
    """The kubectl commands a prose answer proposes: in code blocks, or inline in backticks."""
    found: list[str] = []
    for block in _FENCE.findall(text):
        for line in block.splitlines():
            line = line.strip().removeprefix("$ ").strip()
            if line.startswith(("kubectl ", "oc ")):
                found.append(line)
    found += [m.strip() for m in _INLINE.findall(text)]
    return list(dict.fromkeys(found))
