"""Reading an event store's notification log a page at a time: the one way through it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from eventsourcing.persistence import Notification


def notifications(
    recorder: Any, page_size: int, start: int = 1, topics: Sequence[str] = ()
) -> Iterator[Notification]:
    """Every notification from `start` on (only those of `topics`, if given), oldest first,
    `page_size` per query, so no read holds the whole log at once."""
    while True:
        page = recorder.select_notifications(start=start, limit=page_size, topics=topics)
        yield from page
        if len(page) < page_size:
            return
        start = page[-1].id + 1
