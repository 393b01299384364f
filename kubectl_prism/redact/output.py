"""What prism prints: the one door between a result model and stdout, stderr or a file.

Every command builds a result model (a Diagnosis, an Explanation, a HealthReport, audit records, ...)
and hands it to `clear_for_output`, which runs the AI payload's pipeline over all of it (see
`walk.scrub_model`) and returns a `Cleared` model. A renderer draws from the cleared model through
`Cleared.render`, which gives an `Output`; the writers (`commands/_output.py`) take nothing else.
Only this module builds either type (a module-private key, as for `Redacted`), so a new output path
cannot print a model that did not pass here.

`--show-secrets` (`show_secrets=True`) skips the pipeline for one run: the model goes through as it is
and both types carry `unredacted=True`, which the writers and the document renderers turn into a
banner that comes first (`BANNER`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import InitVar, dataclass
from types import MappingProxyType
from typing import Generic, TypeVar

from kubectl_prism.redact.detectors import scrub
from kubectl_prism.redact.result import Redacted
from kubectl_prism.redact.walk import scrub_model

T = TypeVar("T")
R = TypeVar("R")
_KEY = object()

BANNER = ("UNREDACTED (--show-secrets): secret values are shown as they are in the cluster; "
          "do not share this output")
# The field that comes first in a JSON or YAML document that was not redacted.
BANNER_FIELD = "unredacted"


def _check_key(key: object, what: str) -> None:
    if key is not _KEY:
        raise TypeError(f"{what} can only be built by kubectl_prism.redact.output: use clear_for_output")


@dataclass(frozen=True, eq=False)
class Output(Generic[R]):
    """Rendered output (a document string, or text lines for a terminal) that may be written."""

    content: R
    unredacted: bool
    _key: InitVar[object]
    # Bytes that must reach a file or pipe exactly as they are (the AI payload, whose SHA-256 the
    # audit log records): control characters are made visible only on a terminal.
    exact: bool = False

    def __post_init__(self, _key: object) -> None:
        _check_key(_key, "Output")


@dataclass(frozen=True, eq=False)
class Cleared(Generic[T]):
    """A result model cleared for output: every string in it passed the redaction pipeline, or the
    person asked for raw values for this run (`unredacted`). `counts`: what was redacted, by type."""

    value: T
    counts: Mapping[str, int]
    unredacted: bool
    _key: InitVar[object]

    def __post_init__(self, _key: object) -> None:
        _check_key(_key, "Cleared")
        object.__setattr__(self, "counts", MappingProxyType(dict(self.counts)))

    def render(self, renderer: Callable[[T], R]) -> Output[R]:
        """Draw the output from the cleared model (and from nothing else)."""
        return Output(renderer(self.value), self.unredacted, _KEY)

    @property
    def banner(self) -> str | None:
        """The banner a document renderer puts first, or None when the model was redacted."""
        return BANNER if self.unredacted else None


def clear_for_output(value: T, *, show_secrets: bool = False) -> Cleared[T]:
    """Redact a result model for printing; with `show_secrets`, pass it through marked unredacted."""
    if show_secrets:
        return Cleared(value, {}, True, _KEY)
    clean, counts = scrub_model(value)
    return Cleared(clean, counts, False, _KEY)


def redacted_output(text: str) -> Output[str]:
    """Text that is printed whatever `--show-secrets` says (a summary line, a warning): redacted."""
    return Output(scrub(text)[0], False, _KEY)


def clear_error_line(line: str) -> str:
    """An error line (it may echo a name, a server message or a file's content), redacted.

    Error lines are redacted even with `--show-secrets`: they are one line on stderr that ends up in
    CI logs, and nothing in them is needed raw to act on the error.
    """
    return scrub(line)[0]


def payload_output(payload: Redacted, *, newline: bool = False) -> Output[str]:
    """An AI payload as it is sent (`context`): redacted already, and never shown raw. `newline`: end
    it with one, unless it has one."""
    text = payload.text
    if newline and not text.endswith("\n"):
        text += "\n"
    return Output(text, False, _KEY, exact=True)
