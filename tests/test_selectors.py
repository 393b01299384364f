"""kubectl's label selector syntax, parsed and matched as the API server does."""

from __future__ import annotations

import pytest

from kubectl_prism.selectors import SelectorError, parse_selector

LABELS = {"app": "api", "tier": "web", "replicas": "3", "example.com/team": "shop"}


@pytest.mark.parametrize(("text", "matches"), [
    ("", True),
    ("app=api", True),
    ("app==api", True),
    ("app = api", True),
    ("app!=api", False),
    ("app!=db", True),
    ("missing!=x", True),  # != also matches objects without the key
    ("app in (api,db)", True),
    ("app in ( db , web )", False),
    ("app notin (db)", True),
    ("missing notin (x)", True),
    ("tier", True),
    ("!tier", False),
    ("!missing", True),
    ("example.com/team=shop", True),
    ("replicas>2", True),
    ("replicas<3", False),
    ("app>2", False),  # not an integer
    ("app=api,tier in (web),!canary", True),
    ("app=api,tier=db", False),
])
def test_matches(text: str, matches: bool) -> None:
    assert parse_selector(text).matches(LABELS) is matches


@pytest.mark.parametrize("text", ["app in (a", "app)", "=x", "app=a b", "a,,b", "app in ()", "app=>3",
                                  "-bad=1", "app notin x"])
def test_rejected(text: str) -> None:
    with pytest.raises(SelectorError):
        parse_selector(text)
