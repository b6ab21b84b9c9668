"""Every read model together: create, apply a batch with its positions, rebuild from nothing.

A batch's rows and its consumer positions are written in one transaction (exactly-once effects).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from domain.records import EventRecord
from projections import (
    children,
    chronology,
    followups,
    knowledge,
    positions,
    requests,
    transfers,
    voice,
)
from projections.database import ReadModelDatabase

# Each read model module offers CREATE and DROP (tuples of statements) and apply(cursor, records).
READ_MODELS = (children, chronology, requests, followups, voice, transfers, knowledge)


class ReadModels:
    def __init__(self, db: ReadModelDatabase) -> None:
        self.db = db
        self.create()

    def create(self) -> None:
        with self.db.transaction() as cursor:
            cursor.execute(positions.CREATE)
            for model in READ_MODELS:
                for statement in model.CREATE:
                    cursor.execute(statement)

    def apply(
        self, records: Sequence[EventRecord], batch_positions: Mapping[str, tuple[int, int]]
    ) -> None:
        """Apply records and advance each source from `first` to `last`, atomically."""
        with self.db.transaction() as cursor:
            positions.advance_positions(cursor, batch_positions)
            for model in READ_MODELS:
                model.apply(cursor, records)

    def position(self, source: str) -> int | None:
        with self.db.transaction() as cursor:
            return positions.read_position(cursor, source)

    def positions(self, prefix: str = "") -> dict[str, int]:
        with self.db.transaction() as cursor:
            return positions.read_positions(cursor, prefix)

    def reset(self) -> None:
        """Drop every read model and every position, ready for a rebuild from the beginning."""
        with self.db.transaction() as cursor:
            for model in READ_MODELS:
                for statement in model.DROP:
                    cursor.execute(statement)
            cursor.execute(f"DROP TABLE IF EXISTS {positions.TABLE}")
        self.create()


def table_dump(db: ReadModelDatabase) -> dict[str, list[tuple[object, ...]]]:
    """Every read-model table's rows, sorted: two dumps are equal when the read models are."""
    tables = [
        statement.split()[5]
        for model in READ_MODELS
        for statement in model.CREATE
        if statement.lstrip().startswith("CREATE TABLE")
    ]
    return {table: sorted(db.query(f"SELECT * FROM {table}")) for table in tables}
