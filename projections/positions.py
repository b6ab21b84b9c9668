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

    One statement however many sources a batch has (one per partition, six by default): a
    source moves only from a position before the batch's first, and the sources it did not move
    (applied already, or a racing writer got there first) fail the batch. Each round trip from a
    writer thread also waits for the interpreter's lock: two statements a batch cost ~10 ms each
    while the reading thread decoded, one does half."""
    if not batch:
        return
    values = ", ".join("(?, CAST(? AS BIGINT), CAST(? AS BIGINT))" for _ in batch)
    cursor.execute(
        f"WITH batch (source, first, last) AS (VALUES {values}) "
        f"INSERT INTO {TABLE} (source, position) SELECT source, last FROM batch WHERE true "
        f"ON CONFLICT (source) DO UPDATE SET position = excluded.position "
        f"WHERE {TABLE}.position < (SELECT first FROM batch WHERE batch.source = excluded.source) "
        "RETURNING source",
        [value for source, (first, last) in batch.items() for value in (source, first, last)],
    )
    moved = {str(row[0]) for row in cursor.fetchall()}
    if len(moved) < len(batch):
        stale = sorted(set(batch) - moved)
        raise StalePosition(
            f"{', '.join(stale)}: applied already from "
            f"{', '.join(str(batch[source][0]) for source in stale)} (by this or another consumer)"
        )
