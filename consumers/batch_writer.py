"""Batches stored in a thread of their own, in the order they were read, a few at a time.

A projector reads and decodes the next batch while earlier ones are written: the writing thread
mostly waits for the database, and each of its waits ends only when the interpreter's lock
comes back to it. The contract that keeps this exactly-once: batches are stored in the order
given, and a batch is never stored after one that failed (the runner reads those again from the
positions stored with the rows).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

Batch = TypeVar("Batch")

# Batches handed to the writer and not yet stored. The writer's time per batch (its own CPU, then
# PostgreSQL statement by statement) is longer than reading and decoding one: with one in flight
# the reading thread waited ~45 ms a batch. With two, a one-process rebuild of 187,000 messages
# took 0.3-0.5 s less (five of five alternating pairs, ~7.5 s each); three gained nothing more.
BATCHES_IN_FLIGHT = 2


class NotStored(RuntimeError):
    """A batch left unstored because the one before it failed."""


class BatchWriter(Generic[Batch]):
    """Stores each batch with `store` in one writer thread; `wait_oldest` hands them back in
    order once stored. May be waited on from another thread too (a rebalance listener)."""

    def __init__(
        self,
        store: Callable[[Batch], None],
        in_flight: int = BATCHES_IN_FLIGHT,
        thread_name: str = "batch-writer",
    ) -> None:
        self._store = store
        self.capacity = in_flight
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=thread_name)
        self._waiting: deque[tuple[Batch, Future[None]]] = deque()
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return len(self._waiting)

    @property
    def full(self) -> bool:
        return len(self._waiting) >= self.capacity

    def write(self, batch: Batch) -> None:
        """Queue the batch behind the ones in flight (the caller waits first when `full`)."""
        with self._lock:
            before = self._waiting[-1][1] if self._waiting else None
            self._waiting.append((batch, self._thread.submit(self._write, batch, before)))

    def _write(self, batch: Batch, before: Future[None] | None) -> None:
        if before is not None and before.exception() is not None:
            raise NotStored("the batch before it was not stored")
        self._store(batch)

    def wait_oldest(self) -> Batch | None:
        """The oldest batch in flight once stored (None when there is none). If it failed, its
        error is raised, and every batch after it is dropped once the writer has passed it."""
        with self._lock:
            if not self._waiting:
                return None
            batch, stored = self._waiting.popleft()
            try:
                stored.result()
            except BaseException:
                while self._waiting:
                    self._waiting.popleft()[1].exception()
                raise
            return batch

    def close(self) -> None:
        self._thread.shutdown()
