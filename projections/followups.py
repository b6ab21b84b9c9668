"""Verbal shares and their written follow-ups ("share verbally, then follow up in writing")."""

from __future__ import annotations

from dataclasses import dataclass

from domain.vocabulary import SPOKEN_CHANNELS
from projections.chronology import STAGING
from projections.database import ReadModelDatabase
from projections.dates import days_between
from projections.sql import Upsert, from_json, literals

SHARES = "verbal_shares"
FOLLOWUPS = "written_followups"
CREATE = (
    f"""CREATE TABLE IF NOT EXISTS {SHARES} (
        share_id TEXT PRIMARY KEY, agency TEXT NOT NULL, to_agencies TEXT NOT NULL,
        child_refs TEXT NOT NULL, channel TEXT NOT NULL, occurred_at TEXT NOT NULL,
        summary TEXT NOT NULL)""",
    f"""CREATE TABLE IF NOT EXISTS {FOLLOWUPS} (
        followup_id TEXT PRIMARY KEY, share_id TEXT NOT NULL, occurred_at TEXT NOT NULL)""",
    f"CREATE INDEX IF NOT EXISTS followups_by_share ON {FOLLOWUPS} (share_id)",
)
DROP = (f"DROP TABLE IF EXISTS {SHARES}", f"DROP TABLE IF EXISTS {FOLLOWUPS}")
UPSERT_SHARE = Upsert(
    SHARES,
    ("share_id", "agency", "to_agencies", "child_refs", "channel", "occurred_at", "summary"),
    ("share_id",),
    rows_are_mostly_new=True,
)
UPSERT_FOLLOWUP = Upsert(
    FOLLOWUPS,
    ("followup_id", "share_id", "occurred_at"),
    ("followup_id",),
    rows_are_mostly_new=True,
)
DEFAULT_WITHIN_DAYS = 2


@dataclass(frozen=True)
class VerbalShareStatus:
    share_id: str
    agency: str
    to_agencies: list[str]
    child_refs: list[str]
    channel: str
    occurred_at: str
    summary: str
    status: str  # followed_up | waiting | overdue
    followup_id: str
    followed_up_at: str
    days_to_followup: int | None


# Written once per entry (from its first child's copy), from the batch's staged entries.
FROM_STAGED = (
    STAGING.select(
        UPSERT_SHARE,
        "entry_id, agency, to_agencies, child_refs, channel, occurred_at, summary",
        f"first_copy AND kind = 'share' AND channel IN ({literals(SPOKEN_CHANNELS)})",
    ),
    STAGING.select(
        UPSERT_FOLLOWUP, "entry_id, refers_to, occurred_at", "first_copy AND kind = 'followup'"
    ),
)


def verbal_share_statuses(
    db: ReadModelDatabase, today: str, within_days: int = DEFAULT_WITHIN_DAYS
) -> list[VerbalShareStatus]:
    """Every verbal share up to `today`, with its first written follow-up by then, if any."""
    end_of_today = f"{today[:10]}T23:59:59"
    sql = (
        f"SELECT s.share_id, s.agency, s.to_agencies, s.child_refs, s.channel, s.occurred_at, "
        f"s.summary, f.followup_id, f.occurred_at FROM {SHARES} s "
        f"LEFT JOIN {FOLLOWUPS} f ON f.share_id = s.share_id AND f.occurred_at <= ? "
        f"WHERE s.occurred_at <= ? ORDER BY s.occurred_at, s.share_id, f.occurred_at"
    )
    statuses: dict[str, VerbalShareStatus] = {}
    for row in db.query(sql, (end_of_today, end_of_today)):
        if row[0] in statuses:
            continue
        followup_id, followed_up_at = row[7] or "", row[8] or ""
        if followup_id:
            status, days = "followed_up", days_between(row[5], followed_up_at)
        else:
            late = days_between(row[5], today) > within_days
            status, days = ("overdue" if late else "waiting"), None
        statuses[row[0]] = VerbalShareStatus(
            row[0],
            row[1],
            from_json(row[2]),
            from_json(row[3]),
            row[4],
            row[5],
            row[6],
            status,
            followup_id,
            followed_up_at,
            days,
        )
    return list(statuses.values())


def followups_pending(db: ReadModelDatabase, today: str) -> list[VerbalShareStatus]:
    """Verbal shares still waiting for writing, oldest first."""
    return [s for s in verbal_share_statuses(db, today) if s.status != "followed_up"]
