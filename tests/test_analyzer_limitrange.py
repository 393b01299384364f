"""LimitRange refusals read from the API server's words (workloads/create.py): every bound, both ways."""

from __future__ import annotations

import pytest

from kubectl_prism.analyzers.workloads.create import create_failure

FORBIDDEN = 'Error creating: pods "api-7d9c5b6f4-w9r4t" is forbidden: '


@pytest.mark.parametrize(("words", "summary"), [
    ("maximum memory usage per Container is 1Gi, but limit is 2Gi",
     "LimitRange maximum memory per Container is 1Gi, the pod asks 2Gi"),
    ("maximum cpu usage per Pod is 4, but limit is 6",
     "LimitRange maximum cpu per Pod is 4, the pod asks 6"),
    ("minimum memory usage per Container is 64Mi, but request is 32Mi",
     "LimitRange minimum memory per Container is 64Mi, the pod asks 32Mi"),
    ("minimum cpu usage per Container is 100m, but limit is 50m",
     "LimitRange minimum cpu per Container is 100m, the pod asks 50m"),
    ("maximum cpu usage per Container is 2.  No limit is specified",
     "LimitRange maximum cpu per Container is 2 and the pod sets no cpu limit"),
    ("minimum ephemeral-storage usage per Container is 1Gi.  No request is specified",
     "LimitRange minimum ephemeral-storage per Container is 1Gi and the pod sets no ephemeral-storage "
     "request"),
    ("cpu max limit to request ratio per Container is 4, but provided ratio is 10.000000",
     "LimitRange allows a cpu limit at most 4 times the request per Container, the pod's is 10"),
    ("memory max limit to request ratio per Pod is 1.5, but provided ratio is 2.500000",
     "LimitRange allows a memory limit at most 1.5 times the request per Pod, the pod's is 2.5"),
])
def test_each_bound_is_named_with_what_the_pod_asks(words: str, summary: str) -> None:
    failure = create_failure("shop", FORBIDDEN + words)
    assert failure.reason == "LimitRange"
    assert failure.summary == summary
    assert failure.remediation[0].command == "kubectl -n shop describe limitrange"


def test_several_bounds_broken_at_once_are_all_named_with_one_command() -> None:
    words = ("[maximum cpu usage per Container is 2.  No limit is specified, maximum memory usage per "
             "Container is 4Gi.  No limit is specified, maximum cpu usage per Pod is 8, but limit is 16]")
    failure = create_failure("analytics", FORBIDDEN + words)
    assert failure.summary.split("; ") == [
        "LimitRange maximum cpu per Container is 2 and the pod sets no cpu limit",
        "LimitRange maximum memory per Container is 4Gi and the pod sets no memory limit",
        "LimitRange maximum cpu per Pod is 8, the pod asks 16",
    ]
    commands = [r.command for r in failure.remediation if r.command]
    assert commands == ["kubectl -n analytics describe limitrange"]
    assert "Set a memory limit on every container (at most 4Gi)" in failure.remediation[1].description


def test_quota_words_are_not_taken_for_a_limit_range() -> None:
    failure = create_failure("shop", FORBIDDEN + "exceeded quota: compute, requested: limits.cpu=4, used: "
                             "limits.cpu=6, limited: limits.cpu=8")
    assert failure.reason == "QuotaExceeded"
