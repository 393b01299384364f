"""Agent mode's switches in the config's `[agent]` table: off until `kubectl prism agent enable`.

```toml
[agent]
enabled = true      # `fix` may run (kubectl steps, each confirmed)
terminal = false    # the terminal skill: shell commands the model proposes (each confirmed)
gitops = false      # `fix --repo PATH`: edit manifests in a git repository instead of the cluster
kubectl = "/usr/local/bin/kubectl"   # optional: the kubectl agent steps run (default: PATH)
```

Separate from `[ai]`: turning AI on never turns agent mode on, and the other way round.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from typing import Any

from kubectl_prism.errors import UsageError

SECTION = "agent"
ENABLE_COMMAND = "kubectl prism agent enable"


@dataclass(frozen=True)
class AgentSettings:
    enabled: bool = False
    terminal: bool = False
    gitops: bool = False
    kubectl: str | None = None

    def enable_command(self, *, terminal: bool = False, gitops: bool = False) -> str:
        """The command that turns on what is needed while keeping what is on already."""
        wanted = (("--terminal", terminal or self.terminal), ("--gitops", gitops or self.gitops))
        flags = [flag for flag, on in wanted if on]
        if self.kubectl:
            flags.append(f"--kubectl {self.kubectl}")
        return " ".join([ENABLE_COMMAND, *flags])

    def to_dict(self) -> dict[str, Any]:
        return {"enabled": self.enabled, "terminal": self.terminal, "gitops": self.gitops,
                "kubectl": self.kubectl}


def load_agent_settings() -> AgentSettings:
    from kubectl_prism import settings

    table = settings.section(SECTION)
    values: dict[str, Any] = {}
    for key in ("enabled", "terminal", "gitops"):
        value = table.get(key, False)
        if not isinstance(value, bool):
            raise UsageError(f"[agent] {key} in {settings.config_path()} must be true or false, "
                             f"not {value!r}",
                             hint=f"run `{ENABLE_COMMAND}` or `kubectl prism agent disable` to rewrite it")
        values[key] = value
    kubectl = table.get("kubectl")
    if kubectl is not None and (not isinstance(kubectl, str) or not kubectl.strip()):
        raise UsageError(f"[agent] kubectl in {settings.config_path()} must be a path",
                         hint=f"run `{ENABLE_COMMAND} --kubectl PATH` to set it")
    return AgentSettings(kubectl=kubectl, **values)


def require_agent(*, terminal: bool = False, gitops: bool = False) -> AgentSettings:
    """The settings, when agent mode (and the terminal skill / GitOps, if asked) is on; else exit 2.

    `fix` calls this first: while agent mode is off it refuses with a message naming the command
    that turns it on.
    """
    agent = load_agent_settings()
    if not agent.enabled:
        raise UsageError("agent mode is off: `fix` changes nothing until you turn it on",
                         hint=f"run `{agent.enable_command(terminal=terminal, gitops=gitops)}`")
    if terminal and not agent.terminal:
        raise UsageError("the terminal skill is off: shell commands are refused",
                         hint=f"run `{agent.enable_command(terminal=True, gitops=gitops)}`")
    if gitops and not agent.gitops:
        raise UsageError("GitOps is off: `fix --repo` needs it",
                         hint=f"run `{agent.enable_command(terminal=terminal, gitops=True)}`")
    return agent


def resolve_kubectl(explicit: str | None = None, configured: str | None = None) -> str:
    """The kubectl agent steps run: `--kubectl PATH`, else `[agent] kubectl`, else `kubectl` on PATH.

    Returns an absolute path to an executable file; a clear usage error otherwise.
    """
    for given, where in ((explicit, "--kubectl"), (configured, "[agent] kubectl in the config")):
        if given:
            path = shutil.which(os.path.expanduser(given))
            if path is None:
                raise UsageError(f"{where}: {given} is not an executable file",
                                 hint="give the path to kubectl")
            return os.path.abspath(path)
    found = shutil.which("kubectl")
    if found is None:
        raise UsageError("kubectl was not found on PATH",
                         hint=f"install kubectl, or run `{ENABLE_COMMAND} --kubectl PATH`")
    return os.path.abspath(found)
