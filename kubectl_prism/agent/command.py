"""The parsed command in its scope, and the checks every classifier rule shares.

`CommandContext` is what a per-command rule (`reads`, `writes`) sees; `Verdict` is what it returns.
The shared checks: flags never allowed in an agent step, the namespace against the scope, Secret
data in output, resource and object names, and what may be written.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from kubectl_prism.agent.argv import ParsedCommand, Refusal
from kubectl_prism.agent.decision import Category, ObjectRef, Scope
from kubectl_prism.agent.resources import CATEGORIES, RBAC_GROUP, ResourceArg, resolve, valid_spelling

_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# Object names: DNS subdomains, plus the `:` and `@` of RBAC and some node names; never `/` or `%`.
_OBJECT_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._:@-]*[A-Za-z0-9])?$")
# Output formats that print only names or table columns kubectl chose: safe even for Secrets.
_METADATA_OUTPUTS = frozenset({"", "wide", "name"})
_NEVER_FLAGS = {
    "v": "-v/--v logs requests and their headers",
    "vmodule": "--vmodule changes kubectl's logging",
    "log-flush-frequency": "--log-flush-frequency changes kubectl's logging",
    "profile": "--profile writes a profile file",
    "profile-output": "--profile-output writes a file",
    "insecure-skip-tls-verify-backend": "--insecure-skip-tls-verify-backend skips the kubelet's TLS check",
}


@dataclass
class Verdict:
    category: Category
    rule: str
    reason: str
    objects: list[ObjectRef] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)
    by_selector: bool = False
    selector: str | None = None
    files: list[str] = field(default_factory=list)


class CommandContext:
    """One parsed command in its scope, with the namespace it acts in once `check_namespace` ran."""

    def __init__(self, argv: tuple[str, ...], scope: Scope, parsed: ParsedCommand) -> None:
        self.argv = argv
        self.scope = scope
        self.parsed = parsed
        self.namespace: str | None = scope.namespace or scope.default_namespace
        self.all_namespaces = False

    @property
    def command(self) -> str:
        return self.parsed.command

    def where(self) -> str:
        if self.all_namespaces:
            return "all namespaces"
        return f"namespace {self.namespace}"

    def selector(self) -> str | None:
        parts = [v for v in (self.parsed.value("selector"), self.parsed.value("field-selector")) if v]
        return ",".join(parts) if parts else None

    def chosen_by_selector(self) -> bool:
        p = self.parsed
        return bool(self.selector()) or p.true("all") or self.all_namespaces

    def object_ref(self, arg: ResourceArg, name: str) -> ObjectRef:
        namespaced = arg.namespaced is not False
        return ObjectRef(arg.name, name, arg.type.kind if arg.type else None,
                         self.namespace if namespaced and not self.all_namespaces else None)


RuleFunc = Callable[[CommandContext], Verdict]



# --- checks every command shares -------------------------------------------------------------------


def check_flags(ctx: CommandContext) -> None:
    p = ctx.parsed
    for name, why in _NEVER_FLAGS.items():
        if p.has(name):
            raise Refusal("flag-not-allowed", f"{why}: not allowed in agent steps")
    if p.has("dry-run"):
        raise Refusal("model-dry-run", "--dry-run is chosen by prism for its own preview; a step must not "
                      "set it (--dry-run=none would run for real)")
    if p.has("raw"):
        raise Refusal("raw", "--raw sends a request to any API path, bypassing every resource rule")
    for name in ("follow", "watch", "watch-only"):
        if p.true(name):
            raise Refusal("follow", f"--{name} never ends: agent steps must finish (use --tail for logs)")
    if p.has("kustomize"):
        raise Refusal("file-source", "-k/--kustomize builds manifests with kustomize (remote bases, "
                      "plugins): use -f with a local file")
    if p.true("recursive") and ctx.command != "explain":  # explain --recursive lists fields
        raise Refusal("file-source", "-R/--recursive reads a whole directory: name the manifest files")
    if p.has("patch-file"):
        raise Refusal("file-source", "--patch-file reads a local file: give the patch inline with -p")
    if p.true("local"):
        raise Refusal("flag-not-allowed", "--local edits a local file, not the cluster: not an agent step")
    if p.true("interactive"):
        raise Refusal("flag-not-allowed", "-i/--interactive waits for input: prism asks the questions itself")
    for path in p.values("filename"):
        if "://" in path or path.lower().startswith(("http:", "https:", "ftp:", "git@")):
            raise Refusal("remote-file", f'-f "{path}" is remote: only local manifests can be previewed and '
                          "checked before they run")
        if path == "-" or not path:
            raise Refusal("file-source", "-f - reads from standard input: name a local manifest file")
    fmt = output_format(p)
    if fmt.endswith("-file") or fmt == "templatefile":
        raise Refusal("file-source", f"-o {fmt} reads a template from a local file")


def output_format(p: ParsedCommand) -> str:
    value = p.value("output") or ""
    return value.split("=", 1)[0].strip().lower()


def check_namespace(ctx: CommandContext) -> None:
    p, scope = ctx.parsed, ctx.scope
    given = p.value("namespace")
    if given is not None:
        if not valid_namespace(given):
            raise Refusal("bad-name", f'"{given}" is not a valid namespace name')
        if scope.namespace is not None and given != scope.namespace:
            raise Refusal("other-namespace",
                          f"namespace {given} is outside the scope (namespace {scope.namespace})")
        ctx.namespace = given
    if p.true("all-namespaces"):
        if given is not None:
            raise Refusal("conflicting-flags",
                          "-n and -A together: kubectl ignores -n, so say which one is meant")
        if scope.namespace is not None:
            raise Refusal("all-namespaces",
                          f"-A reaches every namespace; the scope is namespace {scope.namespace}")
        ctx.all_namespaces = True
        ctx.namespace = None


def check_secret_output(ctx: CommandContext, args: list[ResourceArg]) -> None:
    if not any(a.secret for a in args):
        return
    p = ctx.parsed
    fmt = output_format(p)
    if fmt not in _METADATA_OUTPUTS:
        raise Refusal("secret-data", f"-o {fmt} on Secrets prints their data")
    for name in ("template", "sort-by", "custom-columns"):
        if p.has(name):
            raise Refusal("secret-data", f"--{name} on Secrets can read their data")


# --- arguments naming objects ----------------------------------------------------------------------


def valid_namespace(name: str) -> bool:
    return bool(_NAMESPACE.match(name)) and len(name) <= 63


def valid_object_name(name: str) -> bool:
    return bool(_OBJECT_NAME.match(name)) and len(name) <= 253


def resource_args(ctx: CommandContext, args: list[str]) -> tuple[list[ResourceArg], list[ObjectRef]]:
    """Read `TYPE[,TYPE...] [NAME...]` or `TYPE/NAME...` as kubectl does; validate every part."""
    if not args:
        return [], []
    types: list[ResourceArg] = []
    objects: list[ObjectRef] = []
    if any("/" in a for a in args):
        if not all("/" in a for a in args):
            raise Refusal("bad-arguments",
                          "TYPE/NAME and separate NAME arguments are mixed (kubectl rejects it)")
        for arg in args:
            typed, _, name = arg.partition("/")
            rtype = _resource(typed)
            if not valid_object_name(name):
                raise Refusal("bad-name", f'"{name}" in {arg} is not a valid object name')
            types.append(rtype)
            objects.append(ctx.object_ref(rtype, name))
        return types, objects
    types = [_resource(t) for t in args[0].split(",")]
    for name in args[1:]:
        if not valid_object_name(name):
            raise Refusal("bad-name", f'"{name}" is not a valid object name')
    objects = [ctx.object_ref(t, n) for t in types for n in args[1:]]
    return types, objects


def _resource(typed: str) -> ResourceArg:
    if not typed or not valid_spelling(typed) or "," in typed:
        raise Refusal("bad-name", f'"{typed}" is not a resource type')
    return resolve(typed)


def check_writable(ctx: CommandContext, args: list[ResourceArg], what: str) -> None:
    """Writes only to types prism knows, never RBAC, never cluster-scoped from a namespace scope."""
    for arg in args:
        if arg.typed.lower() in CATEGORIES:
            continue
        if arg.type is None:
            raise Refusal("unknown-resource", f'"{arg.typed}" is not a built-in resource type: prism only '
                          f"{what} types it knows")
        if arg.type.group == RBAC_GROUP:
            raise Refusal("rbac-write", f"{arg.type.name} is RBAC: prism never changes who may do what")
        if not arg.type.namespaced and ctx.scope.namespace is not None:
            raise Refusal("cluster-write-from-namespace", f"{arg.type.name} are cluster-scoped; the scope is "
                          f"namespace {ctx.scope.namespace} (run with -A to act on the cluster)")


def no_secret_writes(args: list[ResourceArg], verb: str) -> None:
    if any(a.secret for a in args):
        raise Refusal("secret-write", f"`kubectl {verb}` on a Secret writes its data: prism never handles "
                      "Secret values")


def names(objects: list[ObjectRef]) -> str:
    shown = ", ".join(str(o) for o in objects[:3])
    return shown + (f" and {len(objects) - 3} more" if len(objects) > 3 else "")


def no_args(ctx: CommandContext) -> None:
    if ctx.parsed.args:
        raise Refusal("bad-arguments", f"`kubectl {ctx.command}` takes no arguments")


def no_files(ctx: CommandContext) -> None:
    if ctx.parsed.has("filename"):
        raise Refusal("file-source", f"-f on `kubectl {ctx.command}`: name the objects instead")
