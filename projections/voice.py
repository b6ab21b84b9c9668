"""The child's voice: what each child said or showed, and how regularly it was heard."""

from __future__ import annotations

from dataclasses import dataclass

from projections.chronology import STAGING
from projections.database import ReadModelDatabase
from projections.sql import Upsert

TABLE = "child_voice"
CREATE = (
    f"""CREATE TABLE IF NOT EXISTS {TABLE} (
        child_ref TEXT NOT NULL, entry_id TEXT NOT NULL, agency TEXT NOT NULL,
        occurred_at TEXT NOT NULL, captured_how TEXT NOT NULL, child_words TEXT NOT NULL,
        PRIMARY KEY (child_ref, entry_id))""",
)
DROP = (f"DROP TABLE IF EXISTS {TABLE}",)
COLUMNS = ("child_ref", "entry_id", "agency", "occurred_at", "captured_how", "child_words")
UPSERT = Upsert(TABLE, COLUMNS, ("child_ref", "entry_id"), rows_are_mostly_new=True)


@dataclass(frozen=True)
class VoiceEntry:
    child_ref: str
    entry_id: str
    agency: str
    occurred_at: str
    captured_how: str
    child_words: str


# A row per child of each voice entry, from the batch's staged entries.
FROM_STAGED = (
    STAGING.select(
        UPSERT,
        "child_ref, entry_id, agency, occurred_at, captured_how, child_words",
        "kind = 'voice'",
    ),
)


def voice_entries(db: ReadModelDatabase, child_ref: str) -> list[VoiceEntry]:
    rows = db.query(
        f"SELECT {', '.join(COLUMNS)} FROM {TABLE} WHERE child_ref = ? ORDER BY occurred_at",
        (child_ref,),
    )
    return [VoiceEntry(*row) for row in rows]


def children_heard_since(db: ReadModelDatabase, since: str) -> set[str]:
    """Children whose voice was recorded on or after `since` (for voice coverage)."""
    rows = db.query(f"SELECT DISTINCT child_ref FROM {TABLE} WHERE occurred_at >= ?", (since,))
    return {row[0] for row in rows}
