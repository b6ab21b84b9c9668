"""A batch of sealed events is opened with its keys read in a few queries, not one a child:
a relay's or a rebuild's batch meets hundreds of children."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from domain.application import Partnership
from domain.child_keys import ChildKeys, InMemoryKeyTable, KeyCursor, StoreKeyTable
from domain.records import records_from_notifications
from domain.sealing import SealingMapper
from tests.builders import register_agencies, share

CHILDREN = 40


class CountedTable:
    """A key table, counting the transactions asked of it."""

    def __init__(self, table: StoreKeyTable | InMemoryKeyTable) -> None:
        self.table = table
        self.transactions = 0

    @contextmanager
    def transaction(self) -> Iterator[KeyCursor]:
        self.transactions += 1
        with self.table.transaction() as cursor:
            yield cursor


def test_a_batch_of_many_childrens_events_reads_their_keys_in_a_few_queries(
    embedded_partnership: Partnership,
) -> None:
    # Given entries about 40 children, and a process that holds none of their keys yet
    app = embedded_partnership
    register_agencies(app)
    rows = [
        share(entry_ref=f"P-{n}", child_ref=f"C-{n:04d}", summary=f"Entry {n}.")
        for n in range(1, CHILDREN + 1)
    ]
    app.record_all(list(enumerate(rows, start=1)))
    counted = CountedTable(StoreKeyTable(app.recorder.datastore, "?"))  # type: ignore[attr-defined]
    mapper = app.mapper
    assert isinstance(mapper, SealingMapper)
    mapper.child_keys = ChildKeys(counted)
    # When the whole log is read as a relay reads a batch
    notifications = app.recorder.select_notifications(start=1, limit=1_000)
    records = [record for _, record in records_from_notifications(mapper, notifications)]
    # Then every entry reads whole, from a handful of key-table transactions
    summaries = {r["summary"] for r in records if r.get("entry_id")}
    assert summaries == {f"Entry {n}." for n in range(1, CHILDREN + 1)}
    assert counted.transactions <= 3, counted.transactions


def test_a_batch_keeps_held_keys_it_needs_when_new_ones_push_out_the_oldest() -> None:
    # Given a key store holding at most three keys, holding A, B and C (A the oldest)
    counted = CountedTable(InMemoryKeyTable())
    keys = ChildKeys(counted, kept=3)
    keys.create_table()
    a, b, c, d = (
        ("C-0001", "police-north"),
        ("C-0002", "police-north"),
        ("C-0003", "police-north"),
        ("C-0004", "police-north"),
    )
    keys.prepare([a, b, c, d])
    for pair in (a, b, c):
        keys.fetch([pair])
    # When a batch needs A and D
    keys.fetch([a, d])
    before = counted.transactions
    # Then both are held: B, not A, made room for D
    assert keys.for_reading(*a) is not None and keys.for_reading(*d) is not None
    assert counted.transactions == before
