"""Python's cycle collector held while large, cycle-free work runs (one helper for every layer).

Recording a batch, reading a long chronology and evaluating alerts each build tens of thousands
of objects that form no reference cycle. Left running, the collector passes over them again and
again (recording 200,000 entries: ~20 % of the import's CPU; a 5,000-entry chronology read: its
slowest reads' extra 10-15 ms), and promotes them to the oldest generation, which makes every
later full collection slower. Nothing piles up while it waits: there are no cycles to find.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Hold the collector for the block. Only the caller that paused it resumes it, so work
    overlapping in other threads leaves it as it found it."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()
