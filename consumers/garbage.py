"""Garbage collection tuned for consumers that turn streams of messages into rows."""

from __future__ import annotations

import gc

# Allocations between young-generation collections (Python's default is 700).
YOUNG_COLLECTION_EVERY = 50_000


def collect_less_often() -> None:
    """A batch allocates hundreds of thousands of short-lived objects (messages, records, rows)
    that hold no reference cycles; at the default threshold the cycle collector ran thousands of
    times a batch, about a tenth of a rebuild. What start-up built is frozen out of its scans,
    and young objects are collected every 50,000 allocations instead."""
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, middle, old)


# When batches keep coming, cycles are still collected after this many.
COLLECT_EVERY_BATCHES = 50


class CyclesCollectedWhenIdle:
    """Python's cycle collector, paused while batches flow and run between them.

    A projector allocates millions of short-lived objects that form no cycles (decoded records,
    rows), and the collector passed over each of them: measured in a 100,000-entry rebuild, 1.7 s
    of 8.3 s of CPU at Python's default thresholds, 0.3 s with `collect_less_often`'s, 0.1 s
    paused. Garbage with cycles (the clients' own) waits for the next idle moment, or at most
    `COLLECT_EVERY_BATCHES` batches.
    """

    def __init__(self) -> None:
        self.was_enabled = gc.isenabled()
        self.batches_since = 0
        gc.disable()

    def batch_written(self) -> None:
        self.batches_since += 1
        if self.batches_since >= COLLECT_EVERY_BATCHES:
            self.collect()

    def collect(self) -> None:
        """Collect if anything was done since the last collection (an idle member does nothing)."""
        if self.batches_since and self.was_enabled:
            gc.collect()
        self.batches_since = 0

    def resume(self) -> None:
        if self.was_enabled:
            gc.enable()
