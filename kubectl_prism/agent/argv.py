"""Read a kubectl argv the way kubectl (cobra + pflag) reads it: the command, its flags, its arguments.

The rules that matter for safety, all mirrored here:
- Global flags are accepted anywhere: `kubectl -n shop delete ...` == `kubectl delete ... -n shop`.
- A flag that takes a value takes it glued (`-nkube-system`, `-n=kube-system`, `--namespace=x`) or
  from the next token, whatever that token looks like (`-n -A` is namespace "-A").
- Boolean flags take no value unless it is glued with `=` (`--all=false`); shorthands combine
  (`-Aowide` is `-A -o wide`). A few flags have an optional value (`--dry-run`, `--cascade`).
- Anything else that starts with `-` is a flag kubectl would reject; so do we.
Between the command and its subcommand (`kubectl rollout -n shop restart`) only global flags can come.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kubectl_prism.agent.kubectl_flags import COMMAND_FLAGS, COMMANDS, GLOBAL_FLAGS, SUBCOMMANDS, FlagSpec

# Flags whose value is optional in kubectl (pflag's NoOptDefVal): bare, they take no next token.
OPTIONAL_VALUE = frozenset({"dry-run", "validate", "cascade"})
_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})


class Refusal(Exception):
    """The argv cannot be classified as safe: `rule` and `reason` become a rejected Decision."""

    def __init__(self, rule: str, reason: str) -> None:
        super().__init__(reason)
        self.rule = rule
        self.reason = reason


@dataclass(frozen=True)
class Flag:
    name: str  # the long name, whatever spelling was typed
    value: str | None  # None: a bare boolean (true) or an optional-value flag given without one
    typed: str  # the spelling as typed (`-n`, `--namespace`), for messages
    start: int  # index in argv of the flag's first token
    end: int  # index after its last token (start + 2 when the value was the next token)


@dataclass
class ParsedCommand:
    command: str  # "get", "rollout restart"
    flags: list[Flag] = field(default_factory=list)
    args: list[str] = field(default_factory=list)  # positional arguments after the command

    def given(self, name: str) -> list[Flag]:
        return [f for f in self.flags if f.name == name]

    def has(self, name: str) -> bool:
        return any(f.name == name for f in self.flags)

    def value(self, name: str) -> str | None:
        found = self.given(name)
        return found[-1].value if found else None

    def values(self, name: str) -> list[str]:
        return [f.value for f in self.given(name) if f.value is not None]

    def true(self, name: str) -> bool:
        """A boolean flag's value (bare means true)."""
        found = self.given(name)
        return bool(found) and (found[-1].value is None or found[-1].value in _TRUE)


def flag_table(command: str | None) -> dict[str, FlagSpec]:
    table = dict(GLOBAL_FLAGS)
    if command is not None:
        table.update(COMMAND_FLAGS[command])
    return table


def _shorthands(table: dict[str, FlagSpec]) -> dict[str, str]:
    return {short: long for long, (short, _) in table.items() if short}


def _check_bool(flag: str, value: str) -> None:
    if value not in _TRUE | _FALSE:
        raise Refusal("bad-flag-value",
                      f'invalid value "{value}" for boolean flag {flag} (use true or false)')


class _Reader:
    """Reads flags from argv[pos:] with one flag table; collects flags and positional arguments."""

    def __init__(self, argv: tuple[str, ...], table: dict[str, FlagSpec], where: str) -> None:
        self.argv = argv
        self.table = table
        self.short = _shorthands(table)
        self.where = where  # "before the command" / "for `kubectl get`", for messages

    def unknown(self, typed: str) -> Refusal:
        return Refusal("unknown-flag", f"unknown flag {typed} {self.where}")

    def read_flag(self, pos: int, out: list[Flag]) -> int:
        """Parse the flag token at argv[pos] (and its value); return the position after it."""
        token = self.argv[pos]
        if token.startswith("---"):
            raise self.unknown(token)
        if token.startswith("--"):
            name, eq, glued = token[2:].partition("=")
            spec = self.table.get(name)
            if spec is None:
                raise self.unknown(f"--{name}")
            kind = spec[1]
            if kind == "bool":
                if eq:
                    _check_bool(f"--{name}", glued)
                out.append(Flag(name, glued if eq else None, f"--{name}", pos, pos + 1))
                return pos + 1
            if eq:
                out.append(Flag(name, glued, f"--{name}", pos, pos + 1))
                return pos + 1
            if name in OPTIONAL_VALUE:
                out.append(Flag(name, None, f"--{name}", pos, pos + 1))
                return pos + 1
            return self._next_value(name, f"--{name}", pos, out)
        # A group of shorthands: `-A`, `-Aowide`, `-nshop`, `-n=shop`, `-p=true`.
        chars = token[1:]
        i = 0
        while i < len(chars):
            letter = chars[i]
            name = self.short.get(letter)
            if name is None:
                raise self.unknown(f"-{letter}" + (f" (in {token})" if len(chars) > 1 else ""))
            kind = self.table[name][1]
            rest = chars[i + 1:]
            if kind == "bool":
                if rest.startswith("="):
                    _check_bool(f"-{letter}", rest[1:])
                    out.append(Flag(name, rest[1:], f"-{letter}", pos, pos + 1))
                    return pos + 1
                out.append(Flag(name, None, f"-{letter}", pos, pos + 1))
                i += 1
                continue
            if rest:
                out.append(Flag(name, rest[1:] if rest.startswith("=") else rest, f"-{letter}", pos, pos + 1))
                return pos + 1
            if name in OPTIONAL_VALUE:
                out.append(Flag(name, None, f"-{letter}", pos, pos + 1))
                return pos + 1
            return self._next_value(name, f"-{letter}", pos, out)
        return pos + 1

    def _next_value(self, name: str, typed: str, pos: int, out: list[Flag]) -> int:
        if pos + 1 >= len(self.argv):
            raise Refusal("missing-flag-value", f"flag {typed} needs a value")
        out.append(Flag(name, self.argv[pos + 1], typed, pos, pos + 2))
        return pos + 2


def _terminator() -> Refusal:
    return Refusal("unknown-flag", "`--` is not accepted: prism runs kubectl commands, not what follows it")


def _is_flag(token: str) -> bool:
    return token.startswith("-") and token != "-"


def _globals_until_word(argv: tuple[str, ...], pos: int, out: list[Flag], where: str) -> int:
    """Skip global flags from `pos`; return the position of the next word (or len(argv))."""
    reader = _Reader(argv, flag_table(None), where)
    while pos < len(argv) and _is_flag(argv[pos]):
        if argv[pos] == "--":
            raise _terminator()
        pos = reader.read_flag(pos, out)
    return pos


def read_verb(argv: tuple[str, ...], flags: list[Flag]) -> tuple[str, int]:
    """(kubectl command, position after it); global flags before it are appended to `flags`.

    argv[0] is the program. Raises Refusal for unknown or missing commands and for flags before the
    command that are not global.
    """
    pos = _globals_until_word(argv, 1, flags,
                              "before the command (only kubectl's global flags may come first)")
    if pos >= len(argv):
        raise Refusal("unknown-verb", "no kubectl command given")
    verb = argv[pos]
    if verb not in COMMANDS:
        raise Refusal("unknown-verb", f'"{verb}" is not a kubectl command (a plugin or a typo)')
    return verb, pos + 1


def read_subcommand(argv: tuple[str, ...], verb: str, pos: int, flags: list[Flag]) -> tuple[str | None, int]:
    """(subcommand, position after it) for commands that group subcommands, else (None, pos).

    Subcommand aliases are resolved (`top pods` -> `pod`). Raises Refusal when one is needed and missing.
    """
    if verb not in SUBCOMMANDS:
        return None, pos
    if verb == "apply":  # `kubectl apply` runs itself; a subcommand must follow it directly
        word = argv[pos] if pos < len(argv) else None
        return (SUBCOMMANDS[verb][word], pos + 1) if word in SUBCOMMANDS[verb] else (None, pos)
    after = _globals_until_word(argv, pos, flags, f"between `{verb}` and its subcommand")
    word = argv[after] if after < len(argv) else None
    if word is not None and word in SUBCOMMANDS[verb]:
        return SUBCOMMANDS[verb][word], after + 1
    if word is None:
        raise Refusal("unknown-verb", f"`kubectl {verb}` needs a subcommand")
    raise Refusal("unknown-verb", f'"{word}" is not a subcommand of `kubectl {verb}`')


def parse_flags(argv: tuple[str, ...], command: str, pos: int, before: list[Flag]) -> ParsedCommand:
    """Parse argv[pos:] with `command`'s flags (global and its own) into a ParsedCommand."""
    reader = _Reader(argv, flag_table(command), f"for `kubectl {command}`")
    parsed = ParsedCommand(command, list(before))
    while pos < len(argv):
        token = argv[pos]
        if token == "--":
            raise _terminator()
        if _is_flag(token):
            pos = reader.read_flag(pos, parsed.flags)
        else:
            parsed.args.append(token)
            pos += 1
    seen: dict[str, Flag] = {}
    table = reader.table
    for flag in parsed.flags:
        if flag.name in seen and table[flag.name][1] != "array":
            first = seen[flag.name]
            given = " ... ".join(f"{f.typed} {f.value}" if f.value is not None else f.typed
                                 for f in (first, flag))
            raise Refusal("repeated-flag", f"flag {first.typed} is given more than once ({given}): kubectl "
                          "would silently use the last one")
        seen[flag.name] = flag
    return parsed


def is_bool_short(letter: str) -> bool:
    """True when `-letter` is a boolean shorthand for some kubectl command (for the retargeting scan)."""
    for table in (GLOBAL_FLAGS, *COMMAND_FLAGS.values()):
        for _, (short, kind) in table.items():
            if short == letter and kind == "bool":
                return True
    return False
