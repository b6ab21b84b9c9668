"""The alerts read model: every child's current pattern alerts, kept up to date as events arrive.

Each batch marks the children it touched as pending, in the batch's own transaction; the runner
re-evaluates pending children whenever it has caught up (and every few seconds under load). So a
rebuild evaluates each child once, not once per batch, a crash loses no pending child, and once
caught up the table equals an on-demand evaluation on the same day. Time alone changes alerts
(a request becomes overdue, a new adult's joining grows old), so the first refresh on a new day
marks every child pending once: the table is never more than a day behind the calendar.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from domain.collector import no_cycle_collection
from domain.records import EventRecord
from projections.chronology import (
    STAGING,
    pattern_items_by_child,
    pattern_items_from_rows,
    pattern_items_query,
)
from projections.chronology import TABLE as CHRONOLOGY
from projections.database import Cursor, ReadModelDatabase, query_on
from projections.household_view import stored_household_facts
from projections.households import CHANGES as HOUSEHOLD_CHANGES
from projections.patterns.alerts import Alert
from projections.patterns.evaluation import evaluate_items
from projections.patterns.glossary import Glossary, load_glossary
from projections.patterns.settings import PatternConfig, load_pattern_config
from projections.patterns.timeline import Item
from projections.sql import Upsert, as_json, from_json

TABLE = "alerts"
PENDING = "alerts_pending"
# The day the kept alerts were last all marked for evaluation (one row; bookkeeping, like PENDING).
EVALUATION_DAY = "alerts_evaluation_day"
REFRESH_CHUNK = 500
CREATE = (
    f"CREATE TABLE IF NOT EXISTS {PENDING} (child_ref TEXT PRIMARY KEY, version BIGINT NOT NULL)",
    f"""CREATE TABLE IF NOT EXISTS {TABLE} (
        child_ref TEXT NOT NULL, pattern TEXT NOT NULL, position INTEGER NOT NULL,
        as_at TEXT NOT NULL, evidence TEXT NOT NULL, explanation TEXT NOT NULL,
        severity TEXT NOT NULL, id TEXT NOT NULL, first_raised TEXT NOT NULL,
        subject TEXT NOT NULL, PRIMARY KEY (child_ref, pattern, position))""",
    f"CREATE INDEX IF NOT EXISTS alerts_by_pattern ON {TABLE} (pattern)",
    f"CREATE TABLE IF NOT EXISTS {EVALUATION_DAY} (day TEXT NOT NULL)",
)
DROP = (
    f"DROP TABLE IF EXISTS {TABLE}",
    f"DROP TABLE IF EXISTS {PENDING}",
    f"DROP TABLE IF EXISTS {EVALUATION_DAY}",
)
# Each mark bumps the child's version, so a refresh that read an older version leaves it pending.
# One upsert per batch (PostgreSQL copies a large one in), not a statement per child.
MARK_PENDING = Upsert(
    PENDING,
    ("child_ref", "version"),
    ("child_ref",),
    on_conflict=f"DO UPDATE SET version = {PENDING}.version + 1",
)
COLUMNS = (
    "child_ref",
    "pattern",
    "position",
    "as_at",
    "evidence",
    "explanation",
    "severity",
    "id",
    "first_raised",
    "subject",
)


@dataclass
class PatternContext:
    """Thresholds, glossary and the evaluation day used to keep alerts current."""

    config: PatternConfig = field(default_factory=load_pattern_config)
    glossary: Glossary = field(default_factory=load_glossary)
    today: Callable[[], date] = date.today

    @classmethod
    def from_files(
        cls, patterns: Path | None, glossary: Path | None, today: Callable[[], date] = date.today
    ) -> PatternContext:
        return cls(load_pattern_config(patterns), load_glossary(glossary), today)


# The children of the batch's staged entries, noted to be re-evaluated.
FROM_STAGED = (STAGING.select(MARK_PENDING, "DISTINCT child_ref, 1"),)
HOUSEHOLD_CHANGE_KINDS = ("household_joined", "household_left")


def refresh_pending(
    db: ReadModelDatabase,
    context: PatternContext,
    budget_seconds: float | None = None,
    chunk: int = REFRESH_CHUNK,
    reading_ahead: ReadModelDatabase | None = None,
) -> int:
    """Re-evaluate every pending child once, a chunk per transaction; returns children evaluated.

    Only the version evaluated is cleared: a child marked again meanwhile (by another consumer's
    batch) stays pending for the next refresh. Pending rows are claimed for the transaction, so
    two consumers refreshing at once evaluate different children. With a budget, it stops after
    the chunk that spends it and leaves the rest pending: a consumer must get back to its polls,
    or the group's rebalances wait for it while others keep marking children. Without one, a
    second connection to the same database (`reading_ahead`) claims and reads each next chunk
    while the last is evaluated.
    """
    mark_every_child_on_a_new_day(db, context.today().isoformat())
    if budget_seconds is None and reading_ahead is not None:
        return _refresh_reading_ahead((db, reading_ahead), context, chunk)
    deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
    done = 0
    after = ""
    while True:
        with db.transaction() as cursor:
            pending = _claim(cursor, db, after, chunk)
            if not pending:
                return done
            children = [child for child, _ in pending]
            items = pattern_items_by_child(cursor, children, in_database_order=True)
            _replace(cursor, pending, items, context)
        done += len(pending)
        after = pending[-1][0]
        if deadline is not None and time.monotonic() >= deadline:
            return done


def _refresh_reading_ahead(
    connections: tuple[ReadModelDatabase, ReadModelDatabase], context: PatternContext, chunk: int
) -> int:
    """`refresh_pending` on two connections in turn: while one chunk is evaluated, the database
    reads the next one's entries (its reads took ~0.5 s of a 2.5 s refresh of 3,551 children,
    with the interpreter idle). The rows are built here, in the evaluating thread: a reading
    thread building them too held the interpreter's lock from the evaluation, and was slower."""
    done = 0
    with ThreadPoolExecutor(1, thread_name_prefix="alert-refresh-read") as reads:
        current = _ClaimedChunk(connections[0], "", chunk, reads)
        try:
            turn = 0
            while current.pending:
                items = current.items()
                turn = 1 - turn
                following = _ClaimedChunk(connections[turn], current.pending[-1][0], chunk, reads)
                try:
                    _replace(current.cursor, current.pending, items, context)
                    current.end()
                except BaseException:
                    following.end(failed=True)
                    raise
                done += len(current.pending)
                current = following
        except BaseException:
            current.end(failed=True)
            raise
        current.end()
    return done


class _ClaimedChunk:
    """Pending children claimed in a transaction of their own, their entries being read: the
    statement runs in a thread, which only waits for the database."""

    def __init__(
        self, db: ReadModelDatabase, after: str, chunk: int, reads: ThreadPoolExecutor
    ) -> None:
        self._unit: AbstractContextManager[Cursor] | None = db.transaction()
        self.cursor = self._unit.__enter__()
        self._reading: Future[None] | None = None
        try:
            self.pending = _claim(self.cursor, db, after, chunk)
            if self.pending:
                sql, params = pattern_items_query([c for c, _ in self.pending], True)
                self._reading = reads.submit(self.cursor.execute, sql, params)
        except BaseException:
            self.end(failed=True)
            raise

    def items(self) -> dict[str, list[Item]]:
        assert self._reading is not None
        self._reading.result()
        return pattern_items_from_rows(self.cursor.fetchall())

    def end(self, failed: bool = False) -> None:
        """Commit (or, `failed`, roll back) once; never while the thread still uses the cursor."""
        if self._unit is None:
            return
        unit, self._unit = self._unit, None
        if self._reading is not None:
            wait([self._reading])
        if failed:
            unit.__exit__(RuntimeError, RuntimeError("refresh abandoned"), None)
        else:
            unit.__exit__(None, None, None)


def mark_households_pending(
    cursor: Cursor, changes: Sequence[EventRecord], records: Sequence[EventRecord]
) -> None:
    """Note the children the patterns about adults may have changed for: those whose household
    `changes` change, and every child an adult named in a concern among `records` is or was in
    the household of (one read by adult, for the whole batch)."""
    changed = {(r["child_ref"], 1) for r in changes if r.get("kind") in HOUSEHOLD_CHANGE_KINDS}
    if changed:
        cursor.upsert(MARK_PENDING, sorted(changed))
    named = sorted(
        {a for r in records if r.get("adults") and r.get("concerns") for a in r["adults"]}
    )
    if named:
        marks = ", ".join("?" for _ in named)
        cursor.execute(
            MARK_PENDING.from_source(
                f"SELECT DISTINCT child_ref, 1 FROM {HOUSEHOLD_CHANGES} "
                f"WHERE adult_ref IN ({marks})"
            ),
            named,
        )


def mark_every_child_pending(db: ReadModelDatabase) -> None:
    """Every child with an entry noted to be re-evaluated (`fullpicture bench --scale` times the
    evaluation of a whole partnership this way)."""
    with db.transaction() as cursor:
        _mark_every_child(cursor)


def mark_every_child_on_a_new_day(db: ReadModelDatabase, today: str) -> bool:
    """On the first look of a new day, every child marked pending (True). Tables made today
    need none: each child in them was marked by the batch that brought its entries."""
    with db.transaction() as cursor:
        cursor.execute(f"SELECT day FROM {EVALUATION_DAY}")
        stored = cursor.fetchall()
        if stored and str(stored[0][0]) >= today:
            return False
        cursor.execute(f"DELETE FROM {EVALUATION_DAY}")
        cursor.execute(f"INSERT INTO {EVALUATION_DAY} (day) VALUES (?)", (today,))
        if stored:
            _mark_every_child(cursor)
        return bool(stored)


def _mark_every_child(cursor: Cursor) -> None:
    cursor.execute(
        MARK_PENDING.from_source(f"SELECT DISTINCT child_ref, 1 FROM {CHRONOLOGY} WHERE TRUE")
    )


def pending_children(db: ReadModelDatabase) -> int:
    return int(db.query(f"SELECT COUNT(*) FROM {PENDING}")[0][0])


def _claim(cursor: Cursor, db: ReadModelDatabase, after: str, chunk: int) -> list[tuple[str, int]]:
    """The next pending children after `after` and their versions, claimed for the transaction."""
    cursor.execute(
        f"SELECT child_ref, version FROM {PENDING} WHERE child_ref > ? "
        f"ORDER BY child_ref LIMIT {int(chunk)} {db.claim_rows}",
        (after,),
    )
    return [(row[0], int(row[1])) for row in cursor.fetchall()]


def _replace(
    cursor: Cursor,
    pending: list[tuple[str, int]],
    items: dict[str, list[Item]],
    context: PatternContext,
) -> None:
    """Replace these children's alerts with a fresh evaluation of their items, and clear the
    versions evaluated (children in the database's order of child references)."""
    children = [child for child, _ in pending]
    _evaluate(cursor, children, items, context)
    cursor.executemany(f"DELETE FROM {PENDING} WHERE child_ref = ? AND version = ?", pending)


def _evaluate(
    cursor: Cursor, children: list[str], grouped: dict[str, list[Item]], context: PatternContext
) -> None:
    """Replace these children's alerts with a fresh evaluation, the patterns about adults
    included for those with a household."""
    as_at = context.today()
    households = stored_household_facts(query_on(cursor), children, as_at.isoformat())
    rows = []
    with no_cycle_collection():  # a chunk builds ~50,000 items and timelines, and no cycle
        for child in children:
            alerts = evaluate_items(
                grouped.get(child, []),
                child,
                as_at,
                context.config,
                context.glossary,
                None,  # every pattern
                households.get(child),
            )
            rows += [_row(n, alert) for n, alert in enumerate(alerts)]
    placeholders = ", ".join("?" for _ in children)
    cursor.execute(f"DELETE FROM {TABLE} WHERE child_ref IN ({placeholders})", children)
    if rows:
        cursor.executemany(
            f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
            rows,
        )


def _row(position: int, alert: Alert) -> tuple[object, ...]:
    return (
        alert.child_ref,
        alert.pattern,
        position,
        alert.as_at,
        as_json(alert.evidence),
        alert.explanation,
        alert.severity,
        alert.id,
        alert.first_raised,
        alert.subject,
    )


def stored_alert(db: ReadModelDatabase, alert_id: str) -> Alert | None:
    """The alert holding now with this id, if there is one (for a person to review it)."""
    rows = db.query(f"SELECT {', '.join(COLUMNS)} FROM {TABLE} WHERE id = ?", (alert_id,))
    return _alert(rows[0]) if rows else None


def stored_alerts(
    db: ReadModelDatabase, child_ref: str | None = None, pattern: str | None = None
) -> list[Alert]:
    sql = f"SELECT {', '.join(COLUMNS)} FROM {TABLE} WHERE 1 = 1"
    params: list[str] = []
    if child_ref is not None:
        sql += " AND child_ref = ?"
        params.append(child_ref)
    if pattern is not None:
        sql += " AND pattern = ?"
        params.append(pattern)
    rows = db.query(sql + " ORDER BY child_ref, pattern, position", params)
    return [_alert(r) for r in rows]


def _alert(row: Sequence[Any]) -> Alert:
    # Stored alerts are the ones holding now: none is resolved yet.
    return Alert(
        row[1],
        row[0],
        row[3],
        tuple(from_json(row[4])),
        row[5],
        row[6],
        row[7],
        row[8],
        None,
        row[9],
    )
