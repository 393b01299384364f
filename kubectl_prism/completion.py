"""Shell completion and the man page, both generated from the CLI's own command tree.

`kubectl_complete-prism WORD...` is what kubectl (1.26+) runs for `kubectl prism <TAB>`: it prints one
candidate per line and then `:4` (Cobra's "no file completion" directive). The bash, zsh and fish
scripts in `completions/` call the same program, so every shell completes from one source of truth.
`python -m kubectl_prism.completion --write` (`make docs`) regenerates `completions/`, `man/` and
`docs/privacy.md`; a test fails when the committed files are stale.
"""

from __future__ import annotations

import enum
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kubectl_prism import __version__
from kubectl_prism.kinds import BY_KIND, TARGET_KINDS

NO_FILE_COMPLETION = 4
TARGET_COMMANDS = {"diagnose", "explain", "fix", "context"}


@dataclass
class OptionSpec:
    names: list[str]
    help: str
    takes_value: bool
    choices: list[str] = field(default_factory=list)


@dataclass
class CommandSpec:
    name: str
    help: str
    options: list[OptionSpec] = field(default_factory=list)
    arguments: list[str] = field(default_factory=list)
    subcommands: dict[str, CommandSpec] = field(default_factory=dict)


def _choices(param: Any) -> list[str]:
    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [str(member.value) for member in annotation]
    return []


def _spec(name: str, command: Any) -> CommandSpec:
    spec = CommandSpec(name, (command.help or "").strip().split("\n\n")[0].replace("\n", " "))
    for param in command.params:
        if getattr(param, "hidden", False):
            continue
        if param.param_type_name == "argument":
            spec.arguments.append((param.name or "").upper())
            continue
        names = [*param.opts, *param.secondary_opts]
        spec.options.append(OptionSpec(names, (param.help or "").strip(), not param.is_flag, _choices(param)))
    spec.options.append(OptionSpec(["--help", "-h"], "Show help and exit.", False))
    for sub_name, sub in sorted(getattr(command, "commands", {}).items()):
        if not getattr(sub, "hidden", False):
            spec.subcommands[sub_name] = _spec(sub_name, sub)
    return spec


def command_tree() -> CommandSpec:
    import typer.main

    from kubectl_prism.cli import app

    return _spec("prism", typer.main.get_command(app))


def _target_prefixes() -> list[str]:
    return [f"{BY_KIND[k].kind.lower()}/" for k in TARGET_KINDS] + [
        f"{s}/" for k in TARGET_KINDS for s in BY_KIND[k].short_names
    ]


def candidates(words: list[str]) -> list[str]:
    """Completions for the last word, given the words typed after `prism` (the last may be empty)."""
    words = words or [""]
    *done, current = words
    spec = command_tree()
    pending_option: OptionSpec | None = None
    for word in done:
        if pending_option is not None:
            pending_option = None
            continue
        if word in spec.subcommands:
            spec = spec.subcommands[word]
            continue
        option = next((o for o in spec.options if word in o.names), None)
        if option is not None and option.takes_value:
            pending_option = option
    if pending_option is not None:
        return [c for c in pending_option.choices if c.startswith(current)]
    if current.startswith("-"):
        return [n for o in spec.options for n in o.names if n.startswith(current)]
    if spec.subcommands:
        return [n for n in spec.subcommands if n.startswith(current)]
    if spec.name in TARGET_COMMANDS:
        return [p for p in _target_prefixes() if p.startswith(current)]
    return []


def kubectl_complete_main() -> None:
    for candidate in candidates(sys.argv[1:]):
        print(candidate)
    print(f":{NO_FILE_COMPLETION}")


BASH = """# bash completion for kubectl-prism / prism (generated; do not edit)
_prism_complete() {
    local IFS=$'\\n'
    local words=("${COMP_WORDS[@]:1:COMP_CWORD}")
    COMPREPLY=($(kubectl_complete-prism "${words[@]}" 2>/dev/null | grep -v '^:'))
}
complete -F _prism_complete prism kubectl-prism
"""

ZSH = """#compdef prism kubectl-prism
# zsh completion for kubectl-prism / prism (generated; do not edit)
_prism() {
    local -a candidates
    candidates=("${(@f)$(kubectl_complete-prism "${(@)words[2,CURRENT]}" 2>/dev/null | grep -v '^:')}")
    compadd -- $candidates
}
compdef _prism prism kubectl-prism
"""

FISH = """# fish completion for kubectl-prism / prism (generated; do not edit)
function __prism_complete
    set -l words (commandline -opc)[2..-1] (commandline -ct)
    kubectl_complete-prism $words 2>/dev/null | string match -v -r '^:'
end
complete -c prism -f -a '(__prism_complete)'
complete -c kubectl-prism -f -a '(__prism_complete)'
"""

KUBECTL_COMPLETE = """#!/bin/sh
# kubectl (1.26+) runs `kubectl_complete-prism WORD...` for `kubectl prism <TAB>`. `pip install` puts
# this entry point on PATH already; copy this file there if your installation did not.
exec python3 -m kubectl_prism.completion --complete "$@"
"""


def _roff(text: str) -> str:
    return text.replace("\\", "\\\\").replace("-", "\\-").replace("'", "\\(aq")


def _global_options(tree: CommandSpec, names: frozenset[str] | None = None) -> list[OptionSpec]:
    """The flags every cluster command shares (documented once), taken from `diagnose`; `names`: the
    fleet flags instead."""
    from kubectl_prism.options import GLOBAL_FLAG_NAMES

    diagnose = tree.subcommands.get("diagnose")
    wanted = GLOBAL_FLAG_NAMES if names is None else names
    return [o for o in (diagnose.options if diagnose else []) if o.names[0] in wanted]


def _man_examples(path: str) -> list[str]:
    """The command's `Examples:` block of `--help`, as an indented no-fill block."""
    from kubectl_prism.commands.examples import EXAMPLES

    lines = [".RS", ".PP", "Examples:", ".nf"]
    for what, line in EXAMPLES.get(path, []):
        lines.extend([f"  # {_roff(what)}", f"  {_roff(line)}", ""])
    return [*lines[:-1], ".fi", ".RE"] if len(lines) > 4 else []


def man_page(tree: CommandSpec) -> str:
    lines = [
        f'.TH KUBECTL-PRISM 1 "" "kubectl-prism {__version__}" "User Commands"',
        ".SH NAME",
        "kubectl\\-prism \\- " + _roff(tree.help),
        ".SH SYNOPSIS",
        ".B kubectl prism",
        "\\fICOMMAND\\fR [\\fIARGS\\fR] [\\fIFLAGS\\fR]",
        ".SH DESCRIPTION",
        "Gathers scoped cluster context, finds problems with rule\\-based analyzers and, only when you "
        "opt in, sends a redacted version to your own AI provider for explanation. "
        "Also installed as \\fBprism\\fR.",
        ".SH COMMANDS",
    ]

    from kubectl_prism.options import FLEET_FLAG_NAMES

    fleet_options = _global_options(tree, FLEET_FLAG_NAMES)
    global_names = {o.names[0] for o in [*_global_options(tree), *fleet_options]}

    def emit(spec: CommandSpec, path: str) -> None:
        for name, sub in spec.subcommands.items():
            full = f"{path} {name}".strip()
            if sub.subcommands:
                lines.extend([".TP", f"\\fB{_roff(full)}\\fR \\fICOMMAND\\fR", _roff(sub.help or full)])
                lines.extend(_man_examples(full))
                emit(sub, full)
                continue
            args = " ".join(f"[{a}]" for a in sub.arguments)
            lines.extend([".TP", f"\\fB{_roff(full)}\\fR {_roff(args)}".rstrip(), _roff(sub.help or full)])
            for option in sub.options:
                if option.names[0] in global_names:
                    continue
                lines.extend([".RS", ".TP", "\\fB" + _roff(", ".join(option.names)) + "\\fR"])
                choices = f" ({'|'.join(option.choices)})" if option.choices else ""
                lines.extend([_roff(option.help + choices), ".RE"])
            lines.extend(_man_examples(full))

    emit(tree, "")
    lines.append(".SH GLOBAL FLAGS")
    for option in _global_options(tree):
        lines.extend([".TP", "\\fB" + _roff(", ".join(option.names)) + "\\fR", _roff(option.help)])
    lines.append(".SH FLEET FLAGS")
    lines.append("Accepted by diagnose, explain, report and exporter: one run over many kubeconfig contexts.")
    for option in fleet_options:
        lines.extend([".TP", "\\fB" + _roff(", ".join(option.names)) + "\\fR", _roff(option.help)])
    lines.append(".SH RULES")
    lines.append("What \\fBdiagnose\\fR reports (\\fBdiagnose \\-\\-list\\-rules\\fR): rule id, usual "
                 "severity, what it checks.")
    from kubectl_prism.analyzers import all_rules  # generated by `make docs` only: keeps --help fast

    for rule in sorted(all_rules(), key=lambda r: r.id):
        lines.extend([".TP", f"\\fB{_roff(rule.id)}\\fR ({rule.severity.value})", _roff(rule.description)])
    lines.extend([
        ".SH EXIT STATUS",
        ".TP\n0\nran; no finding at or above \\-\\-fail\\-on",
        ".TP\n1\nran; at least one finding at or above \\-\\-fail\\-on",
        ".TP\n2\nusage error (bad flag, bad TARGET, unknown kind)",
        ".TP\n3\ncluster or snapshot access error",
        ".TP\n4\nAI error (disabled, no key, rejected key, rate limit, network)",
        ".TP\n5\nagent stopped (a step was declined, or no person to confirm it)",
        ".TP\n70\ninternal error",
        ".TP\n130\ninterrupted",
        ".SH ENVIRONMENT",
        ".TP\nKUBECONFIG\nkubeconfig files, \\(aq:\\(aq\\-separated, merged as kubectl does",
        ".TP\nANTHROPIC_API_KEY, OPENAI_API_KEY, AZURE_OPENAI_API_KEY",
        "provider keys; they win over the keyring",
        ".TP\nPRISM_CONFIG_DIR, PRISM_STATE_DIR\noverride the configuration and state folders",
        ".SH SEE ALSO",
        "kubectl(1)",
    ])
    return "\n".join(lines) + "\n"


def generated_files(root: Path) -> dict[Path, str]:
    from kubectl_prism.ai.policy import privacy_markdown

    tree = command_tree()
    return {
        root / "completions" / "prism.bash": BASH,
        root / "completions" / "_prism": ZSH,
        root / "completions" / "prism.fish": FISH,
        root / "completions" / "kubectl_complete-prism": KUBECTL_COMPLETE,
        root / "man" / "kubectl-prism.1": man_page(tree),
        root / "docs" / "privacy.md": privacy_markdown(),
    }


def main(argv: list[str]) -> int:
    if argv[:1] == ["--complete"]:
        for candidate in candidates(argv[1:]):
            print(candidate)
        print(f":{NO_FILE_COMPLETION}")
        return 0
    if argv[:1] == ["--write"]:
        root = Path(argv[1]) if len(argv) > 1 else Path.cwd()
        for path, text in generated_files(root).items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            if path.name == "kubectl_complete-prism":
                path.chmod(0o755)
            print(f"wrote {path}")
        return 0
    print("usage: python -m kubectl_prism.completion --write [ROOT] | --complete WORD...", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
