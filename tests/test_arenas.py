"""The process keeps to two C heaps (kubectl_prism/arenas.py), however many threads allocate at once."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

# Threads calling malloc through ctypes run without the interpreter's lock, so they really allocate at
# the same time: glibc then gives them heaps of their own. malloc_stats() lists the heaps on stderr.
_SCRIPT = textwrap.dedent("""
    import ctypes, sys, threading
    from kubectl_prism.arenas import limit_malloc_arenas
    if sys.argv[1] == "limit":
        assert limit_malloc_arenas()
    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    start = threading.Barrier(8)

    def churn():
        start.wait()
        for _ in range(20_000):
            libc.free(libc.malloc(4096))

    threads = [threading.Thread(target=churn) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    libc.malloc_stats()
""")

glibc = pytest.mark.skipif(not hasattr(os, "confstr") or not os.confstr("CS_GNU_LIBC_VERSION"),
                           reason="glibc's malloc arenas: other C libraries have none to limit")


def _heaps(mode: str) -> int:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    done = subprocess.run([sys.executable, "-c", _SCRIPT, mode], capture_output=True, text=True, env=env,
                          timeout=60, check=True)
    return sum(1 for line in done.stderr.splitlines() if line.startswith("Arena "))


@glibc
def test_threads_allocating_at_once_share_two_heaps() -> None:
    assert _heaps("free") > 2  # the test can tell: left alone, glibc makes more
    assert _heaps("limit") <= 2


@glibc
def test_an_arena_count_set_by_the_user_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    from kubectl_prism.arenas import limit_malloc_arenas

    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas() is False
