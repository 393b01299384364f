"""Execute the CI recipes (docs/ci/*.yml, action.yml) the way GitHub Actions and GitLab CI run them.

Not a CI engine: just the part of their semantics the recipes use, so the recipes' own shell text runs
for real against a fake API server and a freshly installed prism:
- GitHub: each `run:` step is `bash --noprofile --norc -eo pipefail` (the runner's `shell: bash`); the
  GITHUB_ENV / GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files; `if: always()`; `uses:` of this repository's
  action (its composite steps run here), of `actions/checkout` and `actions/setup-python` (nothing to
  do on this machine) and of `actions/upload-artifact` (the files must exist; they are collected).
- GitLab: `before_script` and `script` lines run in one shell and stop at the first failing line;
  `artifacts:paths` are collected when `artifacts:when` says so.
`${{ … }}` expressions are looked up in a table the test provides; an expression missing from it fails
the run, so a recipe cannot grow an expression nobody checked.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
NOOP_ACTIONS = ("actions/checkout@", "actions/setup-python@")
PRISM_ACTION = re.compile(r"^[\w.-]+/kubectl-prism@[\w.-]+$")


class UnknownExpression(Exception):
    pass


@dataclass
class StepResult:
    name: str
    code: int
    stdout: str
    stderr: str


@dataclass
class JobResult:
    steps: list[StepResult] = field(default_factory=list)
    summary: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    artifacts: dict[str, Path] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return any(s.code != 0 for s in self.steps)

    def step(self, name_part: str) -> StepResult:
        return next(s for s in self.steps if name_part in s.name)


def substitute(text: str, expressions: Mapping[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        expr = match.group(1)
        if expr not in expressions:
            raise UnknownExpression(f"expression not known to the test: ${{{{ {expr} }}}}")
        return expressions[expr]

    return EXPRESSION.sub(one, text)


class GitHubJob:
    """Runs one job's steps in `workdir` with `env`; `expressions` resolves `${{ … }}`."""

    def __init__(self, workdir: Path, env: Mapping[str, str], expressions: Mapping[str, str]) -> None:
        self.workdir = workdir
        self.env = dict(env)
        self.expressions = dict(expressions)
        self.files = {name: workdir / f".github-{name.lower()}" for name in
                      ("GITHUB_ENV", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY")}
        for path in self.files.values():
            path.write_text("")
        self.env.update({name: str(path) for name, path in self.files.items()})
        self.env.setdefault("RUNNER_TEMP", str(workdir / ".runner-temp"))
        Path(self.env["RUNNER_TEMP"]).mkdir(exist_ok=True)
        self.result = JobResult()

    def run(self, job: Mapping[str, Any], defaults_shell: str | None = None,
            workflow_env: Mapping[str, str] | None = None) -> JobResult:
        self.env.update({k: str(v) for k, v in (workflow_env or {}).items()})
        self.env.update({k: str(v) for k, v in (job.get("env") or {}).items()})
        for step in job["steps"]:
            self._step(step, defaults_shell)
        self.result.summary = self.files["GITHUB_STEP_SUMMARY"].read_text()
        return self.result

    def _step(self, step: Mapping[str, Any], defaults_shell: str | None, *, action_path: Path | None = None,
              inputs: Mapping[str, str] | None = None) -> None:
        condition = str(step.get("if", "success()")).strip()
        if condition.startswith("${{"):
            condition = EXPRESSION.sub(lambda m: m.group(1), condition)
        if condition not in ("success()", "always()"):
            raise UnknownExpression(f"step condition not supported by the test runner: {condition}")
        if condition == "success()" and self.result.failed:
            return
        name = step.get("name") or step.get("id") or step.get("uses") or step["run"].splitlines()[0]
        expressions = dict(self.expressions)
        if action_path is not None:
            expressions["github.action_path"] = str(action_path)
        for key, value in (inputs or {}).items():
            expressions[f"inputs.{key}"] = value
        if "uses" in step:
            self._uses(name, step, expressions)
            return
        shell = step.get("shell") or defaults_shell
        if shell != "bash":
            raise AssertionError(f"step {name!r}: the recipes use `shell: bash`, found {shell!r}")
        env = {**self.env, **{k: substitute(str(v), expressions) for k, v in (step.get("env") or {}).items()}}
        script = substitute(step["run"], expressions)
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                              cwd=self.workdir, env=env, capture_output=True, text=True, timeout=300)
        self.result.steps.append(StepResult(name, done.returncode, done.stdout, done.stderr))
        self._read_env_file()
        if step.get("id"):
            self._read_outputs(step["id"])

    def _uses(self, name: str, step: Mapping[str, Any], expressions: Mapping[str, str]) -> None:
        uses = step["uses"]
        with_ = {k: substitute(str(v), expressions) for k, v in (step.get("with") or {}).items()}
        if uses.startswith(NOOP_ACTIONS):
            self.result.steps.append(StepResult(name, 0, "", ""))
        elif uses.startswith("actions/upload-artifact@"):
            path = self.workdir / with_["path"]
            missing = not path.exists() and with_.get("if-no-files-found", "warn") == "error"
            if path.exists():
                self.result.artifacts[with_["name"]] = path
            self.result.steps.append(StepResult(name, 1 if missing else 0, "", f"no file {path}" if missing
                                                else ""))
        elif PRISM_ACTION.match(uses):
            action = yaml.safe_load((ROOT / "action.yml").read_text())
            inputs = {k: str(v.get("default", "")) for k, v in action.get("inputs", {}).items()}
            inputs.update(with_)
            for inner in action["runs"]["steps"]:
                self._step(inner, None, action_path=ROOT, inputs=inputs)
        else:
            raise AssertionError(f"step {name!r} uses an action the test runner does not know: {uses}")

    def _read_env_file(self) -> None:
        path = self.files["GITHUB_ENV"]
        for line in path.read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep:
                self.env[key] = value
        path.write_text("")

    def _read_outputs(self, step_id: str) -> None:
        path = self.files["GITHUB_OUTPUT"]
        for line in path.read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep:
                self.result.outputs[f"steps.{step_id}.outputs.{key}"] = value
        path.write_text("")


def run_gitlab_job(job: Mapping[str, Any], workdir: Path, env: Mapping[str, str],
                   variables: Mapping[str, str]) -> JobResult:
    """before_script + script in one shell that stops at the first failing line, then artifacts."""
    result = JobResult()
    lines = [*job.get("before_script", []), *job["script"]]
    run_env = {**env, **{k: str(v) for k, v in (job.get("variables") or {}).items()}, **variables}
    script = "set -e\n" + "\n".join(lines)
    done = subprocess.run(["bash", "--noprofile", "--norc", "-c", script], cwd=workdir, env=run_env,
                          capture_output=True, text=True, timeout=300)
    result.steps.append(StepResult("script", done.returncode, done.stdout, done.stderr))
    artifacts = job.get("artifacts") or {}
    when = artifacts.get("when", "on_success")
    if when == "always" or (when == "on_success") == (done.returncode == 0):
        for rel in artifacts.get("paths", []):
            if (workdir / rel).exists():
                result.artifacts[rel] = workdir / rel
    return result


def fresh_env(bin_dirs: list[Path], home: Path, extra: Mapping[str, str]) -> dict[str, str]:
    """A CI runner's environment: only these bin folders and the system ones on PATH."""
    system = [p for p in ("/usr/local/bin", "/usr/bin", "/bin") if Path(p).is_dir()]
    path = ":".join([*map(str, bin_dirs), *system])
    env = {"PATH": path, "HOME": str(home), "LANG": "C.UTF-8", "CI": "true", **extra}
    if shutil.which("bash", path=path) is None:
        raise RuntimeError("bash is needed to run the CI recipes")
    return env
