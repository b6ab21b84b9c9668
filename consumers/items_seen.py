"""Each child's pattern items as a projector wrote them, for the partitions it read from the start.

An alert refresh re-reads every entry of each child it evaluates; in a rebuild that read was a
quarter of the projector's time (the whole chronology, fetched back just after it was written).
A projector that has read a partition from offset 0 itself has seen every entry of that
partition's children (a child's messages all share its key, hence its partition), so it keeps
their items and the refresh reads only the others from the database. A partition is forgotten
when it is revoked, when its stored position is not the one kept here (another member wrote it),
and every partition is forgotten once the items kept pass a limit (memory stays bounded; the
refresh then reads from the database as before).
"""

from __future__ import annotations

from collections.abc import Iterable

from domain.records import EventRecord, projected_children
from projections.patterns.timeline import Item, item_of

# About 0.6 KB each: at most ~300 MB in one projector.
ITEMS_KEPT_AT_MOST = 500_000


class ItemsSeenFromTheStart:
    def __init__(self, limit: int = ITEMS_KEPT_AT_MOST) -> None:
        self.limit = limit
        self._children: dict[int, dict[str, dict[str, Item]]] = {}  # partition -> child -> id
        self._last_offset: dict[int, int] = {}
        self._partition_of: dict[str, int] = {}
        self._count = 0
        self._gave_up = False  # the limit was passed: nothing is kept for the rest of the run

    def start(self, partition: int) -> None:
        """The partition is read from offset 0 into read models holding nothing of it."""
        self.forget(partition)
        if not self._gave_up:
            self._children[partition] = {}

    def keeps(self, partition: int, stored_offset: int) -> bool:
        """Whether the items kept for a partition are still whole once it resumes after
        `stored_offset`: only if this process wrote everything up to there."""
        if self._last_offset.get(partition, -1) == stored_offset and partition in self._children:
            return True
        self.forget(partition)
        return False

    def forget(self, partition: int) -> None:
        children = self._children.pop(partition, None)
        self._last_offset.pop(partition, None)
        for child, items in (children or {}).items():
            self._partition_of.pop(child, None)
            self._count -= len(items)

    def written(self, partition: int, records: Iterable[EventRecord], last_offset: int) -> None:
        """Records of one partition were stored, up to `last_offset`."""
        children = self._children.get(partition)
        if children is None:
            return
        for record in records:
            if "entry_id" not in record:
                continue
            item = item_of(record)
            for child in projected_children(record):
                items = children.setdefault(child, {})
                self._partition_of[child] = partition
                self._count += item.id not in items
                items[item.id] = item  # the newest copy wins, as in the table
        self._last_offset[partition] = last_offset
        if self._count > self.limit:
            self._give_up()

    def items(self, child: str) -> list[Item] | None:
        """The child's items, or None when this process has not seen all of them."""
        partition = self._partition_of.get(child)
        if partition is None:
            return None
        return list(self._children[partition][child].values())

    def _give_up(self) -> None:
        for partition in list(self._children):
            self.forget(partition)
        self._gave_up = True
