"""Information requests and what became of them: open, answered, declined or overdue.

Requests and replies are kept in separate tables and matched when asked, so a reply that arrives
before its request (different children, different partitions) is still matched.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

from projections.chronology import STAGING
from projections.database import ReadModelDatabase
from projections.dates import days_between
from projections.sql import Upsert, from_json

REQUESTS = "requests"
REPLIES = "request_replies"
CREATE = (
    f"""CREATE TABLE IF NOT EXISTS {REQUESTS} (
        request_id TEXT PRIMARY KEY, agency TEXT NOT NULL, to_agencies TEXT NOT NULL,
        child_refs TEXT NOT NULL, occurred_at TEXT NOT NULL, due_by TEXT NOT NULL,
        summary TEXT NOT NULL, reason TEXT NOT NULL)""",
    f"""CREATE TABLE IF NOT EXISTS {REPLIES} (
        reply_id TEXT PRIMARY KEY, request_id TEXT NOT NULL, kind TEXT NOT NULL,
        agency TEXT NOT NULL, occurred_at TEXT NOT NULL)""",
    f"CREATE INDEX IF NOT EXISTS replies_by_request ON {REPLIES} (request_id)",
)
DROP = (f"DROP TABLE IF EXISTS {REQUESTS}", f"DROP TABLE IF EXISTS {REPLIES}")

REQUEST_COLUMNS = (
    "request_id",
    "agency",
    "to_agencies",
    "child_refs",
    "occurred_at",
    "due_by",
    "summary",
    "reason",
)
REPLY_COLUMNS = ("reply_id", "request_id", "kind", "agency", "occurred_at")
# Written once per entry (from its first child's copy), so rows are new but for replays.
UPSERT_REQUEST = Upsert(REQUESTS, REQUEST_COLUMNS, ("request_id",), rows_are_mostly_new=True)
UPSERT_REPLY = Upsert(REPLIES, REPLY_COLUMNS, ("reply_id",), rows_are_mostly_new=True)


@dataclass(frozen=True)
class RequestStatus:
    request_id: str
    agency: str
    to_agencies: list[str]
    child_refs: list[str]
    occurred_at: str
    due_by: str
    summary: str
    status: str  # open | overdue | answered | declined
    reply_id: str
    replied_at: str
    response_days: int | None


# Written once per entry (from its first child's copy), from the batch's staged entries.
FROM_STAGED = (
    STAGING.select(
        UPSERT_REQUEST,
        "entry_id, agency, to_agencies, child_refs, occurred_at, due_by, summary, reason",
        "first_copy AND kind = 'request'",
    ),
    STAGING.select(
        UPSERT_REPLY,
        "entry_id, refers_to, kind, agency, occurred_at",
        "first_copy AND kind IN ('response', 'decline')",
    ),
)


def request_statuses(
    db: ReadModelDatabase, today: str, child_ref: str | None = None
) -> list[RequestStatus]:
    """Every request as it stood at the end of `today` (replies after it are not counted)."""
    sql = (
        f"SELECT q.request_id, q.agency, q.to_agencies, q.child_refs, q.occurred_at, q.due_by, "
        f"q.summary, r.reply_id, r.kind, r.occurred_at FROM {REQUESTS} q "
        f"LEFT JOIN {REPLIES} r ON r.request_id = q.request_id AND r.occurred_at <= ? "
        f"WHERE q.occurred_at <= ? ORDER BY q.occurred_at, q.request_id, r.occurred_at"
    )
    end_of_today = f"{today[:10]}T23:59:59"
    statuses: dict[str, RequestStatus] = {}
    for row in db.query(sql, (end_of_today, end_of_today)):
        request_id = row[0]
        if request_id in statuses:
            continue  # the earliest reply decides
        children = from_json(row[3])
        if child_ref is not None and child_ref not in children:
            continue
        reply_id, reply_kind, replied_at = row[7] or "", row[8] or "", row[9] or ""
        if reply_id:
            status = "answered" if reply_kind == "response" else "declined"
            days: int | None = days_between(row[4], replied_at)
        else:
            status = "overdue" if today[:10] > row[5] else "open"
            days = None
        statuses[request_id] = RequestStatus(
            request_id,
            row[1],
            from_json(row[2]),
            children,
            row[4],
            row[5],
            row[6],
            status,
            reply_id,
            replied_at,
            days,
        )
    return list(statuses.values())


def overdue_requests(db: ReadModelDatabase, today: str) -> list[RequestStatus]:
    """Requests past their due date with no answer and no recorded decline, oldest first."""
    overdue = [s for s in request_statuses(db, today) if s.status == "overdue"]
    return sorted(overdue, key=lambda s: (s.due_by, s.request_id))


@dataclass(frozen=True)
class AgencyResponseTimes:
    agency: str
    replied: int
    median_days: float
    overdue: int


def response_times_by_agency(db: ReadModelDatabase, today: str) -> list[AgencyResponseTimes]:
    """How quickly each asked agency replies, and how many requests to it are overdue."""
    days: dict[str, list[int]] = {}
    overdue: dict[str, int] = {}
    for status in request_statuses(db, today):
        for agency in status.to_agencies:
            if status.response_days is not None:
                days.setdefault(agency, []).append(status.response_days)
            elif status.status == "overdue":
                overdue[agency] = overdue.get(agency, 0) + 1
    agencies = sorted(set(days) | set(overdue))
    return [
        AgencyResponseTimes(
            a, len(days.get(a, [])), float(median(days[a])) if a in days else 0.0, overdue.get(a, 0)
        )
        for a in agencies
    ]
