"""The directory's people and review grants as last read, so that the query layer's question on
every request ("who is this, and what may they see?") costs one indexed query when nothing
changed."""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

from domain.people import PersonView, ReviewGrantView

# Past this many new events since the last read, the kept views are all read again rather than
# sorted out one by one.
FORGET_ALL_AFTER = 1000

NOT_KEPT: Any = object()


class KeptViews:
    """People and review grants as last read, with the store's newest event id when they were
    read. Before every answer the store is asked for its newest id (one indexed query); the
    views of whatever changed since are forgotten and read again, so a role revoked or a grant
    withdrawn a moment ago, in this process or any other, counts on the very next request.
    Event ids are given in commit order (the store locks the table to write), so reading on
    from the last id misses nothing."""

    def __init__(self, review_grant_topic: str) -> None:
        self._review_grant_topic = review_grant_topic
        self.position = 0
        self.people: dict[UUID, PersonView | None] = {}
        self.reviews: tuple[ReviewGrantView, ...] | None = None
        self._lock = threading.Lock()

    def catch_up(self, recorder: Any) -> int:
        """Forget what changed since the last read; the newest event id, for `keep_*`."""
        newest = recorder.max_notification_id() or 0
        with self._lock:
            if newest == self.position:
                return newest
            kept = self.people or self.reviews is not None
            if kept and self.position < newest <= self.position + FORGET_ALL_AFTER:
                for notification in recorder.select_notifications(
                    start=self.position + 1, limit=newest - self.position, stop=newest
                ):
                    self.people.pop(notification.originator_id, None)
                    if notification.topic.startswith(self._review_grant_topic):
                        self.reviews = None
            else:
                self.people, self.reviews = {}, None
            self.position = newest
            return newest

    def keep_person(self, position: int, key: UUID, view: PersonView | None) -> None:
        """Keep a view read after `catch_up` returned `position`, unless the store has moved on
        since (another thread caught up meanwhile: the view may be older than its news)."""
        with self._lock:
            if position == self.position:
                self.people[key] = view

    def keep_reviews(self, position: int, grants: tuple[ReviewGrantView, ...]) -> None:
        with self._lock:
            if position == self.position:
                self.reviews = grants
