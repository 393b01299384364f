"""Where prism keeps its configuration (TOML) and state (audit log)
(docs/architecture.md#files-and-places).

`PRISM_CONFIG_DIR` and `PRISM_STATE_DIR` override the platform folders; tests use them.
The config holds switches and choices only (AI provider and model, agent and MCP switches,
allow-lists) — never a key: keys live in the environment or the OS keyring.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from kubectl_prism.errors import UsageError
from kubectl_prism.files import atomic_write

APP_NAME = "kubectl-prism"


def config_dir() -> Path:
    override = os.environ.get("PRISM_CONFIG_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME))


def state_dir() -> Path:
    override = os.environ.get("PRISM_STATE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_state_dir(APP_NAME))


def config_path() -> Path:
    return config_dir() / "config.toml"


def load_config() -> dict[str, Any]:
    path = config_path()
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except (tomllib.TOMLDecodeError, OSError) as err:
        raise UsageError(f"cannot read config {path}: {err}", hint="fix or delete the file") from err
    except UnicodeDecodeError:  # tomllib reads UTF-8 only
        raise UsageError(f"cannot read config {path}: it is not UTF-8 text",
                         hint="fix or delete the file") from None


def save_config(config: dict[str, Any]) -> None:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, dump_toml(config), mode=0o600)


def update_section(section: str, **values: Any) -> dict[str, Any]:
    """Set keys of one `[section]` (a value of None removes the key) and save."""
    config = load_config()
    table = _table(config, section)
    for key, value in values.items():
        if value is None:
            table.pop(key, None)
        else:
            table[key] = value
    config[section] = table
    save_config(config)
    return table


def section(name: str) -> dict[str, Any]:
    return _table(load_config(), name)


def _table(config: dict[str, Any], name: str) -> dict[str, Any]:
    value = config.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise UsageError(f"{name} in {config_path()} is a {type(value).__name__}, not a [{name}] table",
                         hint=f"fix the file, or delete that line and run the `{name}` commands again")
    return dict(value)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def dump_toml(config: dict[str, Any]) -> str:
    """Write the small subset of TOML prism's config uses: top-level tables of scalars and lists."""
    lines: list[str] = []
    for key, value in config.items():
        if not isinstance(value, dict):
            lines.append(f"{key} = {_toml_value(value)}")
    for key, value in config.items():
        if isinstance(value, dict):
            lines.append(f"\n[{key}]")
            lines.extend(f"{k} = {_toml_value(v)}" for k, v in value.items() if not isinstance(v, dict))
    return "\n".join(lines).lstrip("\n") + "\n"
