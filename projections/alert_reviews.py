"""Alert reviews: who reviewed which alert, with what outcome and why, in the order recorded."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from domain.records import EventRecord, projected_children
from projections.database import Cursor, ReadModelDatabase
from projections.sql import Upsert, as_json, from_json

TABLE = "alert_reviews"
CREATE = (
    f"""CREATE TABLE IF NOT EXISTS {TABLE} (
        alert_id TEXT NOT NULL, recorded_at TEXT NOT NULL, reviewed_by TEXT NOT NULL,
        child_ref TEXT NOT NULL, pattern TEXT NOT NULL, outcome TEXT NOT NULL,
        reason TEXT NOT NULL, evidence TEXT NOT NULL,
        PRIMARY KEY (alert_id, recorded_at, reviewed_by))""",
)
DROP = (f"DROP TABLE IF EXISTS {TABLE}",)
COLUMNS = (
    "alert_id",
    "recorded_at",
    "reviewed_by",
    "child_ref",
    "pattern",
    "outcome",
    "reason",
    "evidence",
)
UPSERT = Upsert(TABLE, COLUMNS, ("alert_id", "recorded_at", "reviewed_by"))


@dataclass(frozen=True)
class AlertReviewRow:
    alert_id: str
    recorded_at: str
    reviewed_by: str
    child_ref: str
    pattern: str
    outcome: str
    reason: str
    evidence: tuple[str, ...]


# The only kinds of record `apply` writes (`ReadModels.apply` hands it no others).
KINDS = ("alert_review",)


def apply(cursor: Cursor, records: Sequence[EventRecord]) -> None:
    rows = [
        (
            r["alert_id"],
            r["recorded_at"],
            r["reviewed_by"],
            child,
            r["pattern"],
            r["outcome"],
            r["reason"],
            as_json(r["evidence"]),
        )
        for r in records
        if r.get("kind") == "alert_review"
        for child in projected_children(r)
    ]
    if rows:
        cursor.upsert(UPSERT, rows)


def reviews_of(db: ReadModelDatabase, alert_ids: Iterable[str]) -> dict[str, list[AlertReviewRow]]:
    """Each alert's reviews, oldest first (alerts never reviewed are left out)."""
    wanted = sorted(set(alert_ids))
    found: dict[str, list[AlertReviewRow]] = {}
    for first in range(0, len(wanted), 500):
        chunk = wanted[first : first + 500]
        rows = db.query(
            f"SELECT {', '.join(COLUMNS)} FROM {TABLE} "
            f"WHERE alert_id IN ({', '.join('?' for _ in chunk)})",
            chunk,
        )
        for row in rows:
            review = AlertReviewRow(*row[:7], tuple(from_json(row[7])))
            found.setdefault(review.alert_id, []).append(review)
    for reviews in found.values():
        reviews.sort(key=lambda r: (r.recorded_at, r.reviewed_by))
    return found
