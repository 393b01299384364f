"""`kubectl prism mcp config CLIENT`: the exact snippet (or command) that registers the server.

The snippet names the installed `kubectl-prism` executable by absolute path — editors start MCP
servers without the user's shell PATH — and runs `mcp serve` over stdio.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from kubectl_prism.errors import UsageError

SERVER_NAME = "kubectl-prism"
CLIENTS = ("claude-code", "cursor", "claude-desktop", "vscode")


@dataclass(frozen=True)
class Snippet:
    text: str  # what goes on stdout: the command to run, or the JSON to merge into the file
    where: str  # one line for stderr: where it goes


def executable() -> Path:
    """The installed `kubectl-prism`: next to the running script, next to this Python, or on PATH."""
    candidates = []
    script = Path(sys.argv[0])
    if script.name.startswith(("kubectl-prism", "prism")):
        candidates.append(Path(os.path.abspath(script)).parent / "kubectl-prism")
    candidates.append(Path(sys.executable).parent / "kubectl-prism")
    found = shutil.which("kubectl-prism")
    if found:
        candidates.append(Path(os.path.abspath(found)))
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return path
    raise UsageError("cannot find the kubectl-prism executable",
                     hint="install it with `pip install kubectl-prism`")


def serve_args(kubeconfig: str | None = None, context: str | None = None,
               namespace: str | None = None) -> list[str]:
    args = ["mcp", "serve"]
    if kubeconfig:
        args += ["--kubeconfig", os.path.abspath(os.path.expanduser(kubeconfig))]
    if context:
        args += ["--context", context]
    if namespace:
        args += ["--namespace", namespace]
    return args


def _json(doc: dict[str, object]) -> str:
    return json.dumps(doc, indent=2) + "\n"


def _desktop_config_path() -> str:
    if sys.platform == "darwin":
        return "~/Library/Application Support/Claude/claude_desktop_config.json"
    if sys.platform == "win32":
        return r"%APPDATA%\Claude\claude_desktop_config.json"
    return "~/.config/Claude/claude_desktop_config.json"


def snippet(client: str, exe: Path, args: list[str]) -> Snippet:
    command = str(exe)
    if client == "claude-code":
        text = shlex.join(["claude", "mcp", "add", "--transport", "stdio", SERVER_NAME, "--", command, *args])
        return Snippet(text + "\n", "run this command (add `--scope user` to use it in every project)")
    entry = {"command": command, "args": args}
    if client == "cursor":
        return Snippet(_json({"mcpServers": {SERVER_NAME: entry}}),
                       "merge into .cursor/mcp.json (this project) or ~/.cursor/mcp.json (all projects)")
    if client == "claude-desktop":
        return Snippet(_json({"mcpServers": {SERVER_NAME: entry}}),
                       f"merge into {_desktop_config_path()} and restart Claude Desktop")
    if client == "vscode":
        return Snippet(_json({"servers": {SERVER_NAME: {"type": "stdio", **entry}}}),
                       "merge into .vscode/mcp.json in your workspace")
    raise UsageError(f'unknown MCP client "{client}"', hint=f"choose one of: {', '.join(CLIENTS)}")
