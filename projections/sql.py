"""Small SQL builders shared by read models (same text for SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson


@dataclass(frozen=True)
class Upsert:
    """Rows written by key, the newest row winning: applying the same event twice leaves one row.

    Read models hand rows to `Cursor.upsert`; each database writes them its fastest way (PostgreSQL
    copies a large batch into a staging table, then upserts it in one statement).
    """

    table: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    rows_are_mostly_new: bool = False
    """Set for rows that are facts never rewritten (a chronology entry): in a unit of work that
    may be run again (`write_batch`), PostgreSQL then copies them straight into the table, and
    upserts them only when a key was there already."""
    on_conflict: str = ""
    """What a row whose key is already there does instead of replacing the stored row (SQL after
    `ON CONFLICT (key)`), e.g. `DO UPDATE SET n = table.n + 1`."""

    def __post_init__(self) -> None:
        if self.columns[: len(self.key)] != self.key:
            raise ValueError(f"{self.table}: the key columns {self.key} must come first")

    @property
    def sql(self) -> str:
        """INSERT … VALUES (?, …) ON CONFLICT DO UPDATE, for one row at a time."""
        placeholders = ", ".join("?" for _ in self.columns)
        return self.from_source(f"VALUES ({placeholders})")

    def from_source(self, source: str) -> str:
        """INSERT … <source> ON CONFLICT DO UPDATE, where source is VALUES or a SELECT."""
        updates = [c for c in self.columns if c not in self.key]
        action = self.on_conflict or (
            "DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in updates)
            if updates
            else "DO NOTHING"
        )
        return (
            f"INSERT INTO {self.table} ({', '.join(self.columns)}) {source} "
            f"ON CONFLICT ({', '.join(self.key)}) {action}"
        )

    def newest_per_key(self, rows: Sequence[Sequence[Any]]) -> list[Sequence[Any]]:
        """One row per key, the last given: what writing the rows one by one would leave."""
        width = len(self.key)  # the key columns come first
        return list({tuple(row[:width]): row for row in rows}.values())


def as_json(values: Any) -> str:
    """A list column's text. orjson: JSON text is most of what a projection writes and reads.
    Lists and tuples go straight in, and the empty list needs no encoding (a rebuild encodes
    three lists per entry)."""
    if not values:
        return "[]"
    if type(values) is not list and type(values) is not tuple:
        values = list(values)
    return orjson.dumps(values).decode()


def from_json(text: str) -> Any:
    return orjson.loads(text)
