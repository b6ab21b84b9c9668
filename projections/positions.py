"""Where each consumer has got to, stored beside the rows it wrote (same transaction).

A source is `store` for the notification log, or `<topic>:<partition>` for Kafka; the position is
the last notification id or offset applied. Moving a position backwards, or applying a batch that
starts at or before the stored position, is refused, so no event is applied twice.
"""

from __future__ import annotations

from collections.abc import Mapping

from projections.database import Cursor

TABLE = "read_model_positions"
CREATE = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    source TEXT PRIMARY KEY,
    position BIGINT NOT NULL
)"""


class StalePosition(RuntimeError):
    """Another consumer already applied this part of the stream; the batch must be dropped."""


def read_position(cursor: Cursor, source: str) -> int | None:
    cursor.execute(f"SELECT position FROM {TABLE} WHERE source = ?", (source,))
    row = cursor.fetchone()
    return None if row is None else int(row[0])


def read_positions(cursor: Cursor, prefix: str = "") -> dict[str, int]:
    cursor.execute(f"SELECT source, position FROM {TABLE} WHERE source LIKE ?", (prefix + "%",))
    return {str(source): int(position) for source, position in cursor.fetchall()}


def advance_positions(cursor: Cursor, batch: Mapping[str, tuple[int, int]]) -> None:
    """Move each source from before `first` to `last`; refuse if `first` was applied already.

    Two statements however many sources a batch has (one per partition, six by default: it took
    twelve, and each round trip in a writer thread waits for the interpreter's lock too). The
    upsert moves a position only forward, so a writer that raced past the check still fails."""
    if not batch:
        return
    sources = list(batch)
    marks = ", ".join("?" for _ in sources)
    cursor.execute(f"SELECT source, position FROM {TABLE} WHERE source IN ({marks})", sources)
    for source, current in cursor.fetchall():
        first = batch[source][0]
        if int(current) >= first:
            raise StalePosition(f"{source}: position {first} was applied already ({current})")
    cursor.execute(
        f"INSERT INTO {TABLE} (source, position) VALUES {', '.join('(?, ?)' for _ in sources)} "
        f"ON CONFLICT (source) DO UPDATE SET position = excluded.position "
        f"WHERE {TABLE}.position < excluded.position RETURNING source",
        [value for source, (_, last) in batch.items() for value in (source, last)],
    )
    moved = {str(row[0]) for row in cursor.fetchall()}
    if len(moved) < len(sources):
        raced = sorted(set(sources) - moved)
        raise StalePosition(f"{', '.join(raced)}: another consumer stored these positions first")
