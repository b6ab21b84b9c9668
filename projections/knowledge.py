"""Knowledge: which agency knew which entry, and from when.

An agency knows an entry it recorded, and an entry addressed to it (a share or follow-up to it, a
request to it, an answer or decline to its request). It knew it from the entry's `occurred_at`:
for its own entries, when it happened in front of it; for the rest, when the share, request or
answer happened. "What did agency X know at T" is every row for X with `known_from` <= T. (The
system clock — what the system held at T — is the chronology's `system_time` replay.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.records import EventRecord, addressed_agencies, projected_children
from projections.database import Cursor, ReadModelDatabase
from projections.sql import Upsert

TABLE = "knowledge"
CREATE = (
    f"""CREATE TABLE IF NOT EXISTS {TABLE} (
        agency TEXT NOT NULL, child_ref TEXT NOT NULL, entry_id TEXT NOT NULL,
        known_from TEXT NOT NULL, how TEXT NOT NULL,
        PRIMARY KEY (agency, child_ref, entry_id))""",
)
DROP = (f"DROP TABLE IF EXISTS {TABLE}",)
COLUMNS = ("agency", "child_ref", "entry_id", "known_from", "how")
UPSERT = Upsert(TABLE, COLUMNS, ("agency", "child_ref", "entry_id"))


@dataclass(frozen=True)
class KnownEntry:
    agency: str
    child_ref: str
    entry_id: str
    known_from: str
    how: str  # recorded | received


def apply(cursor: Cursor, records: Sequence[EventRecord]) -> None:
    rows = []
    for record in records:
        if "entry_id" not in record:
            continue
        for child in projected_children(record):
            rows.append(
                (record["agency"], child, record["entry_id"], record["occurred_at"], "recorded")
            )
            rows.extend(
                (agency, child, record["entry_id"], record["occurred_at"], "received")
                for agency in addressed_agencies(record)
            )
    if rows:
        cursor.upsert(UPSERT, rows)


def known_by(
    db: ReadModelDatabase, agency: str, child_ref: str, at: str | None = None
) -> list[KnownEntry]:
    sql = f"SELECT {', '.join(COLUMNS)} FROM {TABLE} WHERE agency = ? AND child_ref = ?"
    params: list[str] = [agency, child_ref]
    if at is not None:
        sql += " AND known_from <= ?"
        params.append(at)
    return [KnownEntry(*row) for row in db.query(sql + " ORDER BY known_from, entry_id", params)]
