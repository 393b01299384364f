"""The bounded-run helper itself: it measures, and it kills what runs away."""

from __future__ import annotations

import sys

from tests.limits import run_limited


def test_a_normal_run_is_measured() -> None:
    result = run_limited(["--help"], seconds=20, rss_mb=300)
    assert result.code == 0, result.describe()
    assert "diagnose" in result.stdout
    assert 5 < result.peak_rss_mb < 300
    assert result.within(20, 300)


def test_a_hung_child_is_killed_at_twice_the_time_limit() -> None:
    result = run_limited(["-c", "import time; time.sleep(60)"], exe=[sys.executable], seconds=0.5)
    assert result.timed_out
    assert result.seconds < 5
    assert not result.within(0.5, 300)


def test_a_growing_child_is_killed_at_twice_the_memory_limit() -> None:
    grow = "import time\nxs = []\nwhile True:\n    xs.append(bytearray(10 * 2**20))\n    time.sleep(0.005)\n"
    result = run_limited(["-c", grow], exe=[sys.executable], seconds=30, rss_mb=50)
    assert result.over_memory, result.describe()
    assert result.peak_rss_mb >= 100
    assert not result.within(30, 50)


def test_stdin_and_large_output_do_not_block() -> None:
    code = "import sys; data = sys.stdin.read(); sys.stdout.write(data * 200000)"
    result = run_limited(["-c", code], exe=[sys.executable], stdin="abcde", seconds=10)
    assert result.code == 0
    assert len(result.stdout) == 1_000_000
