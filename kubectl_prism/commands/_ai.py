"""AI on top of the rule results (docs/ai.md), shared by `diagnose` and `explain`.

The rule-based result is always printed first; an `--ai` that cannot be honoured (AI not enabled, no
key, provider error) is returned as an AIError for the command to raise afterwards (exit 4).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from kubectl_prism.errors import AIError
from kubectl_prism.options import GlobalOptions

if TYPE_CHECKING:
    from kubectl_prism.ai.config import AISettings
    from kubectl_prism.findings import Diagnosis
    from kubectl_prism.snapshot import Snapshot


def resolve(explicit: bool | None) -> tuple[AISettings | None, AIError | None]:
    """AI settings for this run (None: rules only), and the error to raise later for `--ai`."""
    if explicit is False:
        return None, None
    from kubectl_prism.ai.resolve import resolve_ai

    try:
        settings = resolve_ai(explicit)
    except AIError as err:
        return None, err
    if settings is not None:
        # Provider SDKs take about a second to import: import them (and build the client) in the
        # background while the cluster is read. `make_provider` later reuses the warm client.
        from kubectl_prism.ai.providers import prewarm

        prewarm(settings.provider, settings)
        # The token counter loads its 200k-token vocabulary (~0.4 s): also while the cluster is read.
        import threading

        from kubectl_prism.tokens import counter_for

        threading.Thread(target=counter_for, args=(settings.provider, settings.model), daemon=True,
                         name="prism-tokens").start()
    return settings, None


def ai_block(diagnosis: Diagnosis, snapshot: Snapshot, settings: AISettings, anonymize: bool,
             g: GlobalOptions, stream: bool = False, purpose: str = "diagnose") -> dict[str, Any]:
    """The `ai` dict of the document (ai.explain does redaction, budgeting and the provider call).

    What the evidence names beyond the scope (the Service a log cannot reach) is read on demand
    from the same source as the scope."""
    from kubectl_prism.ai.explain import ai_explain
    from kubectl_prism.gather.on_demand import OnDemand

    reader = OnDemand(g)
    try:
        return ai_explain(diagnosis, snapshot, settings=settings, anonymize=anonymize,
                          stream_to=stream_sink(g) if stream else None, purpose=purpose, reader=reader)
    finally:
        reader.close()


def stream_sink(g: GlobalOptions) -> Any:
    """Where streamed model text goes: rendered Markdown on a colour terminal, plain text otherwise."""
    from kubectl_prism.render.console import use_color

    if use_color(g.no_color, sys.stdout):
        from kubectl_prism.render.stream_markdown import MarkdownStream

        return MarkdownStream(sys.stdout)
    return sys.stdout


def quiet(diagnosis: Diagnosis, snapshot: Snapshot, settings: AISettings, anonymize: bool,
          g: GlobalOptions, purpose: str = "diagnose") -> tuple[dict[str, Any] | None, AIError | None]:
    """For documents (json/yaml/markdown): the answer is part of the document."""
    try:
        return ai_block(diagnosis, snapshot, settings, anonymize, g, purpose=purpose), None
    except AIError as err:
        return None, err


def streamed(diagnosis: Diagnosis, snapshot: Snapshot, settings: AISettings, anonymize: bool,
             g: GlobalOptions, purpose: str = "diagnose") -> tuple[dict[str, Any] | None, AIError | None]:
    """For text: the prose streams below the rule findings as it arrives, then the structured steps."""
    from kubectl_prism.commands._output import write
    from kubectl_prism.redact.output import clear_for_output
    from kubectl_prism.render.console import Lines
    from kubectl_prism.render.text import ai_header_lines, ai_lines

    # The answer was written from the redacted payload, and AI output is always redacted, whatever
    # --show-secrets says (docs/redaction.md): these parts are cleared without it.
    write(clear_for_output(settings.describe()).render(ai_header_lines), g)
    try:
        answer = ai_block(diagnosis, snapshot, settings, anonymize, g, stream=True, purpose=purpose)
    except AIError as err:
        return None, err

    def steps(cleared: dict[str, Any]) -> Lines:
        out = Lines()
        ai_lines(out, cleared, streamed=True)
        return out

    write(clear_for_output(answer).render(steps), g)
    return answer, None
