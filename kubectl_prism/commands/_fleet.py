"""The fleet side of `diagnose` and `explain` (`--contexts`, `--all-contexts`), and what `report`'s
fleet side (commands/report.py) shares with them: the fleet's output and its exit code.

Each reads as the single-context command does — select, gather and analyze (fleet/jobs.py), render,
write — and ends with the fleet's exit code: 3 when no context could be read, else 1 when a finding
anywhere is at or above `--fail-on`, else 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kubectl_prism.errors import ClusterAccessError, FindingsAtOrAboveThreshold, UsageError
from kubectl_prism.options import FleetOptions, GlobalOptions, OutputFormat

if TYPE_CHECKING:

    from kubectl_prism.findings import Severity
    from kubectl_prism.fleet.model import Fleet
    from kubectl_prism.kinds import Target
    from kubectl_prism.redact.output import Output
    from kubectl_prism.render.console import Lines


def check_no_ai(ai: bool | None) -> None:
    """AI explains one context at a time: an explicit --ai with a fleet run is a usage error."""
    if ai:
        raise UsageError("--ai explains one context at a time; fleet runs are rule-based",
                         hint="drop --ai, or pick one context with --context NAME")


def diagnose_fleet(g: GlobalOptions, fleet: FleetOptions, target: Target | None, fail_on: Severity | None,
                   ai: bool | None) -> None:
    from kubectl_prism.commands._output import progress, write
    from kubectl_prism.fleet.jobs import diagnose_job, run_fleet

    check_no_ai(ai)
    with progress("Reading the fleet…", g):
        result = run_fleet(g, fleet, "FleetDiagnosis", diagnose_job(g, target), target)
    write(render_fleet(result, g, "diagnose"), g)
    finish(result, fail_on)


def explain_fleet(g: GlobalOptions, fleet: FleetOptions, target: Target, ai: bool | None) -> None:
    from kubectl_prism.commands._output import progress, write
    from kubectl_prism.fleet.jobs import explain_job, run_fleet

    check_no_ai(ai)
    with progress("Reading the fleet…", g):
        result = run_fleet(g, fleet, "FleetExplanation", explain_job(g, target), target)
    write(render_fleet(result, g, "explain"), g)
    finish(result, None)


def render_fleet(result: Fleet[Any], g: GlobalOptions, command: str) -> Output[str | Lines]:
    """The fleet's output for `-o`, drawn from the cleared fleet (the one door out, redact/output.py)."""
    from kubectl_prism.commands._output import clear

    cleared = clear(result, g)
    if g.output in (OutputFormat.json, OutputFormat.yaml):
        from kubectl_prism.render.structured import structured_output

        return structured_output(cleared, g.output.value)
    if g.output is OutputFormat.markdown:
        from kubectl_prism.render import fleet_markdown

        markdown = fleet_markdown.diagnosis_fleet_markdown if command == "diagnose" else \
            fleet_markdown.explanation_fleet_markdown
        return cleared.render(markdown)
    from kubectl_prism.render import fleet_text

    lines = fleet_text.diagnosis_fleet_lines if command == "diagnose" else fleet_text.explanation_fleet_lines
    return cleared.render(lines)


def finish(result: Fleet[Any], fail_on: Severity | None) -> None:
    """The fleet's exit code, after its output was written."""
    if not result.read:
        reasons = ", ".join(dict.fromkeys(i.status for i in result.items))
        raise ClusterAccessError(f"no context of the fleet could be read ({reasons})",
                                 hint="see the table above; check each context with kubectl --context NAME")
    count = result.fails(fail_on)
    if count and fail_on is not None:
        raise FindingsAtOrAboveThreshold(
            f"{count} finding{'s' if count != 1 else ''} at or above --fail-on {fail_on.value} "
            "across the fleet")
