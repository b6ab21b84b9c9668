"""Tasks as they stand: who owns each, by when, and whether it is done - one row per task.

Rows change as tasks are reassigned and done (the events stay the history); a task past its due
date and not done is overdue, and escalated to its owner's agency's safeguarding leads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.records import EventRecord
from projections.database import Cursor, ReadModelDatabase

TABLE = "tasks"
CREATE = (
    f"""CREATE TABLE IF NOT EXISTS {TABLE} (
        task_id TEXT PRIMARY KEY, child_ref TEXT NOT NULL, about TEXT NOT NULL,
        owner TEXT NOT NULL, owner_agency TEXT NOT NULL, due_by TEXT NOT NULL,
        what TEXT NOT NULL, added_by TEXT NOT NULL, added_at TEXT NOT NULL,
        done_at TEXT NOT NULL, done_by TEXT NOT NULL, outcome TEXT NOT NULL)""",
)
DROP = (f"DROP TABLE IF EXISTS {TABLE}",)
COLUMNS = (
    "task_id",
    "child_ref",
    "about",
    "owner",
    "owner_agency",
    "due_by",
    "what",
    "added_by",
    "added_at",
    "done_at",
    "done_by",
    "outcome",
)

# The only kinds of record `apply` writes (`ReadModels.apply` hands it no others).
KINDS = ("task_added", "task_reassigned", "task_done")


@dataclass(frozen=True)
class TaskStatus:
    task_id: str
    child_ref: str
    about: str
    owner: str
    owner_agency: str
    due_by: str
    what: str
    added_by: str
    added_at: str
    done_at: str
    done_by: str
    outcome: str
    overdue: bool = False

    @property
    def status(self) -> str:
        if self.done_at:
            return "done"
        return "overdue" if self.overdue else "open"


def apply(cursor: Cursor, records: Sequence[EventRecord]) -> None:
    """In the order recorded: a task is added before it is reassigned or done."""
    for r in records:
        kind = r.get("kind")
        if kind == "task_added":
            cursor.execute(
                f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) "
                f"VALUES ({', '.join('?' for _ in COLUMNS)}) ON CONFLICT (task_id) DO NOTHING",
                (
                    r["task_id"],
                    r["child_ref"],
                    r["about"],
                    r["owner"],
                    r["owner_agency"],
                    r["due_by"],
                    r["what"],
                    r["added_by"],
                    r["recorded_at"],
                    "",
                    "",
                    "",
                ),
            )
        elif kind == "task_reassigned":
            cursor.execute(
                f"UPDATE {TABLE} SET owner = ?, owner_agency = ? WHERE task_id = ?",
                (r["owner"], r["owner_agency"], r["task_id"]),
            )
        elif kind == "task_done":
            cursor.execute(
                f"UPDATE {TABLE} SET done_at = ?, done_by = ?, outcome = ? WHERE task_id = ?",
                (r["recorded_at"], r["done_by"], r["outcome"], r["task_id"]),
            )


def task_statuses(db: ReadModelDatabase, today: str) -> list[TaskStatus]:
    """Every task, soonest due first; overdue when its due day is before `today`, not done."""
    rows = db.query(f"SELECT {', '.join(COLUMNS)} FROM {TABLE} ORDER BY due_by, task_id")
    return [
        TaskStatus(*row, overdue=not row[COLUMNS.index("done_at")] and row[5] < today)
        for row in rows
    ]


def overdue_by_agency(db: ReadModelDatabase, today: str) -> dict[str, int]:
    """How many open tasks each agency's people hold past their due day (figures only)."""
    rows = db.query(
        f"SELECT owner_agency, COUNT(*) FROM {TABLE} WHERE done_at = '' AND due_by < ? "
        f"GROUP BY owner_agency ORDER BY owner_agency",
        (today,),
    )
    return {str(agency): int(count) for agency, count in rows}
