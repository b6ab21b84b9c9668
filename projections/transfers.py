"""Transfer points (assessment, closure, team transfer, step-down) and the partners asked first.

"Ask the wider partnership at critical points": a partner was asked when, in the window before the
transfer point, the transferring agency sent it a request about the child or received a share,
follow-up or answer from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from projections.chronology import STAGING, ChronologyEntry, chronology_for
from projections.database import ReadModelDatabase
from projections.dates import day
from projections.sql import Upsert

TABLE = "transfer_points"
CREATE = (
    f"""CREATE TABLE IF NOT EXISTS {TABLE} (
        child_ref TEXT NOT NULL, entry_id TEXT NOT NULL, agency TEXT NOT NULL,
        transfer TEXT NOT NULL, occurred_at TEXT NOT NULL, summary TEXT NOT NULL,
        PRIMARY KEY (child_ref, entry_id))""",
)
DROP = (f"DROP TABLE IF EXISTS {TABLE}",)
COLUMNS = ("child_ref", "entry_id", "agency", "transfer", "occurred_at", "summary")
UPSERT = Upsert(TABLE, COLUMNS, ("child_ref", "entry_id"), rows_are_mostly_new=True)
DEFAULT_WINDOW_DAYS = 30


@dataclass(frozen=True)
class TransferPoint:
    child_ref: str
    entry_id: str
    agency: str
    transfer: str
    occurred_at: str
    summary: str
    partners_asked: list[str]


# A row per child of each transfer point, from the batch's staged entries.
FROM_STAGED = (
    STAGING.select(
        UPSERT, "child_ref, entry_id, agency, transfer, occurred_at, summary", "kind = 'transfer'"
    ),
)


def transfer_points(
    db: ReadModelDatabase, child_ref: str, window_days: int = DEFAULT_WINDOW_DAYS
) -> list[TransferPoint]:
    rows = db.query(
        f"SELECT {', '.join(COLUMNS)} FROM {TABLE} WHERE child_ref = ? ORDER BY occurred_at",
        (child_ref,),
    )
    chronology = chronology_for(db, child_ref)
    return [
        TransferPoint(*row, partners_asked=partners_asked(chronology, row[2], row[4], window_days))
        for row in rows
    ]


def partners_asked(
    chronology: Sequence[ChronologyEntry], agency: str, at: str, window_days: int
) -> list[str]:
    """Other agencies the transferring agency asked, or heard from, in the window before `at`."""
    start = day(at) - timedelta(days=window_days)
    asked: set[str] = set()
    for entry in chronology:
        if not start <= day(entry.occurred_at) <= day(at):
            continue
        if entry.kind == "request" and entry.agency == agency:
            asked.update(entry.to_agencies)
        elif entry.kind in ("share", "followup", "response") and agency in entry.to_agencies:
            asked.add(entry.agency)
    asked.discard(agency)
    return sorted(asked)
