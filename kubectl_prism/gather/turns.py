"""What a fleet run asks of a gather so that few contexts hold their data at once (fleet/run.py).

A single run passes nothing and gathers as fast as it can. A fleet run passes its context's `Turns`:
the gather asks `before_lists()` before its first round of lists (a context may read ahead only while
few others do) and the client asks `before_decode(size)` before it turns answers into objects (one
context at a time holds decoded objects). Each returns the seconds it waited: time spent waiting for
other contexts is not the gather's own, so its run deadline moves by as much.
"""

from __future__ import annotations

from typing import Protocol


class Turns(Protocol):
    def before_lists(self) -> float: ...

    def before_decode(self, size: int) -> float: ...
