"""Every read model together: create, apply a batch with its positions, rebuild from nothing.

A batch's rows and its consumer positions are written in one transaction (exactly-once effects).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from domain.records import EventRecord
from projections import (
    alert_reviews,
    alerts,
    children,
    chronology,
    followups,
    households,
    identifiers,
    positions,
    requests,
    tasks,
    transfers,
    voice,
)
from projections.alerts import PatternContext
from projections.database import Cursor, ReadModelDatabase

log = logging.getLogger(__name__)

# Each read model module offers CREATE and DROP (tuples of statements). Those kept from entries
# fill their rows from the batch's staged entries (FROM_STAGED, statements); the others are
# written from their records (KINDS, and apply(cursor, records)).
FROM_ENTRIES = (chronology, requests, followups, voice, transfers)
FROM_RECORDS = (children, alert_reviews, tasks, identifiers, households)
READ_MODELS = (*FROM_RECORDS, *FROM_ENTRIES)
RECORD_KINDS = frozenset(kind for model in FROM_RECORDS for kind in model.KINDS)
# Alerts are derived from the rows above, so they are refreshed after them (and built with them);
# each batch notes the children its entries concern.
ALL_TABLES = (*READ_MODELS, alerts)
FROM_STAGED = tuple(s for model in (*FROM_ENTRIES, alerts) for s in model.FROM_STAGED)


# Raise when any read-model table changes shape: older tables are then dropped and rebuilt
# from the beginning of the stream, which every read model supports.
SCHEMA_VERSION = 12
# Tables older versions kept, dropped on the way to this one (4: knowledge is read from the
# chronology; 5: the chronology keeps four detail fields instead of each whole event; 6: alerts
# keep their id, the day first raised and their subject, and alert reviews are kept; 7: the
# chronology keeps when the agency recorded each entry; 8: the chronology keeps what a disclosure
# states: lawful basis, family informed, reason; 10: the chronology keeps an acknowledgement's
# outcome, and tasks are kept; 11: the chronology keeps the adults each entry names, and NHS
# numbers, agencies' own ids, adults and household changes are kept; 12: the alerts include the
# patterns about adults, and the chronology's rows naming adults are indexed).
RETIRED_TABLES = ("knowledge",)
VERSION_TABLE = "read_model_schema"


class ReadModels:
    def __init__(self, db: ReadModelDatabase, patterns: PatternContext | None = None) -> None:
        self.db = db
        self.patterns = patterns or PatternContext()
        with db.exclusive_work():  # PostgreSQL's CREATE TABLE IF NOT EXISTS races another's
            self.create()
        db.prepare(chronology.STAGING)

    def create(self) -> None:
        if self._stored_version() not in (None, SCHEMA_VERSION):
            log.warning("read models are from an older version: rebuilding from the beginning")
            self._drop()
        with self.db.transaction() as cursor:
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (version INTEGER NOT NULL)")
            cursor.execute(f"DELETE FROM {VERSION_TABLE}")
            cursor.execute(f"INSERT INTO {VERSION_TABLE} (version) VALUES (?)", (SCHEMA_VERSION,))
            cursor.execute(positions.CREATE)
            for model in ALL_TABLES:
                for statement in model.CREATE:
                    cursor.execute(statement)

    def apply(
        self, records: Sequence[EventRecord], batch_positions: Mapping[str, tuple[int, int]]
    ) -> None:
        """Apply records and advance each source from `first` to `last`, atomically."""
        # Picked out once, not once per read model (they are few: children's details, reviews).
        kept = [r for r in records if r.get("kind") in RECORD_KINDS]

        staged = chronology.staged_rows(records)

        def write(cursor: Cursor) -> None:
            positions.advance_positions(cursor, batch_positions)
            if staged:
                cursor.stage(chronology.STAGING, staged)
                cursor.upsert_staged(FROM_STAGED)
            for model in FROM_RECORDS:
                model.apply(cursor, [r for r in kept if r.get("kind") in model.KINDS])
            alerts.mark_households_pending(cursor, kept, records)

        self.db.write_batch(write)

    def refresh_alerts(self, budget_seconds: float | None = None) -> int:
        """Re-evaluate the patterns for every child touched since the last refresh (with a
        budget, for about that long: the rest stay pending for the next refresh). Without one,
        more than a chunk is read ahead on a second connection (`alerts.refresh_pending`)."""
        if budget_seconds is not None or alerts.pending_children(self.db) <= alerts.REFRESH_CHUNK:
            return alerts.refresh_pending(self.db, self.patterns, budget_seconds)
        with self.db.another_connection() as other:
            return alerts.refresh_pending(self.db, self.patterns, reading_ahead=other)

    def position(self, source: str) -> int | None:
        with self.db.transaction() as cursor:
            return positions.read_position(cursor, source)

    def positions(self, prefix: str = "") -> dict[str, int]:
        with self.db.transaction() as cursor:
            return positions.read_positions(cursor, prefix)

    def reset(self) -> None:
        """Drop every read model and every position, ready for a rebuild from the beginning."""
        self._drop()
        self.create()

    def _drop(self) -> None:
        with self.db.transaction() as cursor:
            for model in ALL_TABLES:
                for statement in model.DROP:
                    cursor.execute(statement)
            for table in (*RETIRED_TABLES, positions.TABLE):
                cursor.execute(f"DROP TABLE IF EXISTS {table}")

    def _stored_version(self) -> int | None:
        """The schema version the tables were made with; 1 for tables from before versioning."""
        try:
            rows = self.db.query(f"SELECT version FROM {VERSION_TABLE}")
        except Exception:  # noqa: BLE001 - no version table: new database, or version 1
            return 1 if self._has_positions() else None
        return int(rows[0][0]) if rows else None

    def _has_positions(self) -> bool:
        try:
            self.db.query(f"SELECT 1 FROM {positions.TABLE} LIMIT 1")
        except Exception:  # noqa: BLE001 - no positions table: a new database
            return False
        return True


def table_names() -> list[str]:
    """Every read-model table (not the bookkeeping of which children wait for re-evaluation,
    nor of the day they were last all marked)."""
    tables = [
        statement.split()[5]
        for model in ALL_TABLES
        for statement in model.CREATE
        if statement.lstrip().startswith("CREATE TABLE")
    ]
    return [table for table in tables if table not in (alerts.PENDING, alerts.EVALUATION_DAY)]


def table_dump(db: ReadModelDatabase) -> dict[str, list[tuple[object, ...]]]:
    """Every read-model table's rows, sorted: two dumps are equal when the read models are."""
    return {table: sorted(db.query(f"SELECT * FROM {table}")) for table in table_names()}
