"""Every command's `--help` ends with kubectl-style `Examples:`, each of which the real CLI parser accepts,
and the man page carries the same examples."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.exceptions import TyperException

from kubectl_prism.cli import app
from kubectl_prism.commands.examples import EXAMPLES
from kubectl_prism.completion import _roff

ROOT = Path(__file__).resolve().parent.parent
PREFIX = ["kubectl", "prism"]


def _is_group(command: Any) -> bool:
    return bool(getattr(command, "commands", None))


def _commands(group: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    for name, command in group.commands.items():
        if command.hidden:
            continue
        full = f"{path} {name}".strip()
        yield full, command
        if _is_group(command):
            yield from _commands(command, full)


ROOT_COMMAND = typer.main.get_command(app)  # typer's own (vendored) click command tree
COMMANDS = dict(_commands(ROOT_COMMAND))
ALL_EXAMPLES = [(path, what, line) for path, examples in EXAMPLES.items() for what, line in examples]


def _prism_words(line: str) -> list[str]:
    """The words after `kubectl prism` in a shell line, up to a pipe or a redirection."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    words = list(lexer)
    start = next(i for i in range(len(words)) if words[i:i + 2] == PREFIX) + 2
    end = next((i for i in range(start, len(words)) if words[i] in ("|", ">", ">>", "&&", ";")), len(words))
    return words[start:end]


def _parse(words: list[str]) -> Any:
    """Parse `words` as the real CLI would, down to the command, without running it: every option,
    choice, type and option callback (durations, names) is checked; a bad one raises the CLI's usage
    error."""
    ctx = ROOT_COMMAND.make_context("kubectl prism", list(words))
    command = ROOT_COMMAND
    while _is_group(command):
        # a group parses its own options and keeps the subcommand's words for it
        name, sub, rest = command.resolve_command(ctx, [*ctx._protected_args, *ctx.args])
        assert sub is not None and name is not None
        ctx = sub.make_context(name, rest, parent=ctx)
        command = sub
    assert not ctx.args, f"left over: {ctx.args}"
    return ctx


def test_every_command_and_group_has_examples() -> None:
    assert len(COMMANDS) > 25
    missing = sorted(set(COMMANDS) - set(EXAMPLES))
    assert missing == [], f"add examples for these commands in kubectl_prism/commands/examples.py: {missing}"
    unknown = sorted(set(EXAMPLES) - set(COMMANDS))
    assert unknown == [], f"examples for commands that do not exist: {unknown}"


@pytest.mark.parametrize(("path", "what", "line"), ALL_EXAMPLES,
                         ids=[f"{p}: {w}" for p, w, _ in ALL_EXAMPLES])
def test_example_parses_with_the_real_cli(path: str, what: str, line: str) -> None:
    words = _prism_words(line)
    assert words[:len(path.split())] == path.split(), f"an example of `{path}` runs something else: {line}"
    ctx = _parse(words)
    assert ctx.command is COMMANDS[path] or _is_group(COMMANDS[path])
    assert what and what[0].isupper() and not what.endswith("."), "one short sentence, kubectl style"


@pytest.mark.parametrize("words", [
    ["diagnose", "-o", "xml"],          # not a format
    ["diagnose", "--fail-on", "fatal"],  # not a severity
    ["exporter", "--port", "70000"],     # out of range
    ["diagnose", "--frobnicate"],        # no such flag
    ["version", "extra"],                # no arguments
    ["ai", "enable", "--provider", "bard"],
    ["mcp", "config", "emacs"],
])
def test_the_parser_check_rejects_what_the_cli_rejects(words: list[str]) -> None:
    """The parse above can fail: it is the CLI's own parser with its choices and callbacks."""
    with pytest.raises(TyperException):
        _parse(words)


@pytest.mark.parametrize("path", sorted(EXAMPLES))
def test_help_ends_with_the_examples(path: str, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.cli_helpers import run_main

    monkeypatch.setenv("COLUMNS", "250")
    code, out, _ = run_main(capsys, *path.split(), "--help")
    assert code == 0
    tail = out[out.index("Examples:"):]
    for what, line in EXAMPLES[path]:
        assert f"  # {what}\n" in tail.replace(" \n", "\n") or f"# {what}" in tail
        assert line in tail


def test_man_page_has_the_same_examples() -> None:
    man = (ROOT / "man" / "kubectl-prism.1").read_text()
    for _, what, line in ALL_EXAMPLES:
        assert f"  {_roff(line)}\n" in man
        assert f"  # {_roff(what)}\n" in man
