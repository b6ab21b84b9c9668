"""Small SQL builders shared by read models (same text for SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson


@dataclass(frozen=True)
class Upsert:
    """Rows written by key, the newest row winning: applying the same event twice leaves one row.

    Read models hand rows to `Cursor.upsert`, or select them from staged rows (`Staging.select`);
    each database writes them its fastest way (PostgreSQL: one statement for many rows).
    """

    table: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    rows_are_mostly_new: bool = False
    """Set for rows that are facts never rewritten (a chronology entry): in a unit of work that
    may be run again (`write_batch`), PostgreSQL then inserts them straight into the
    table, and upserts them only when a key was there already."""
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


@dataclass(frozen=True)
class Staging:
    """A table of a connection's own that a unit of work fills in one go and reads back in SQL,
    empty again once the unit ends (each database makes it its way: `stage`)."""

    table: str
    columns: tuple[str, ...]
    types: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.columns) != len(self.types):
            raise ValueError(f"{self.table}: a type for each column")

    def definition(self, suffix: str = "") -> str:
        typed = zip(self.columns, self.types, strict=True)
        columns = ", ".join(f"{column} {kind} NOT NULL" for column, kind in typed)
        return f"CREATE TEMPORARY TABLE IF NOT EXISTS {self.table} ({columns}){suffix}"

    def select(self, upsert: Upsert, columns: str, where: str = "TRUE") -> FromStaged:
        """An upsert of `columns` (in the upsert's order) from the staged rows `where` holds."""
        return FromStaged(upsert, f"SELECT {columns} FROM {self.table} WHERE {where}")


@dataclass(frozen=True)
class FromStaged:
    """Rows upserted from staged rows (`Staging.select`), one per key at most."""

    upsert: Upsert
    source: str

    @property
    def sql(self) -> str:
        return self.upsert.from_source(self.source)

    @property
    def insert_sql(self) -> str:
        """A plain INSERT: what rows that are mostly new cost least as, where a key already
        there may fail the unit of work (see `Upsert.rows_are_mostly_new`)."""
        return f"INSERT INTO {self.upsert.table} ({', '.join(self.upsert.columns)}) {self.source}"


def literals(values: Sequence[str]) -> str:
    """Constant words (a vocabulary's) as SQL literals, for statements sent without parameters."""
    if any(not v.replace("_", "").isalnum() for v in values):
        raise ValueError(f"not a plain word: {values}")
    return ", ".join(f"'{v}'" for v in values)


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
