"""Children's dates of birth, so a chronology can say how old the child was at each entry."""

from __future__ import annotations

from collections.abc import Sequence

from domain.records import EventRecord
from projections.database import Cursor, ReadModelDatabase
from projections.dates import day
from projections.sql import Upsert

TABLE = "child_details"
CREATE = (
    f"""CREATE TABLE IF NOT EXISTS {TABLE} (
        child_ref TEXT PRIMARY KEY, date_of_birth TEXT NOT NULL)""",
)
DROP = (f"DROP TABLE IF EXISTS {TABLE}",)
UPSERT = Upsert(TABLE, ("child_ref", "date_of_birth"), ("child_ref",))


# The only kinds of record `apply` writes (`ReadModels.apply` hands it no others).
KINDS = ("child",)


def apply(cursor: Cursor, records: Sequence[EventRecord]) -> None:
    rows = [(r["child_ref"], r["date_of_birth"]) for r in records if r.get("kind") == "child"]
    if rows:
        cursor.upsert(UPSERT, rows)


def date_of_birth(db: ReadModelDatabase, child_ref: str) -> str | None:
    rows = db.query(f"SELECT date_of_birth FROM {TABLE} WHERE child_ref = ?", (child_ref,))
    return rows[0][0] if rows else None


def dates_of_birth(db: ReadModelDatabase) -> dict[str, str]:
    """Every child's date of birth where one was recorded."""
    return {r[0]: r[1] for r in db.query(f"SELECT child_ref, date_of_birth FROM {TABLE}")}


def age_at(born: str, when: str) -> str:
    """Age in plain words: '3 months', '4 years 2 months'; empty before birth."""
    birth, then = day(born), day(when)
    if then < birth:
        return ""
    months = (then.year - birth.year) * 12 + then.month - birth.month
    if then.day < birth.day:
        months -= 1
    years, months = divmod(months, 12)
    if years == 0:
        return _plural(months, "month") if months else _plural((then - birth).days // 7, "week")
    return _plural(years, "year") + (f" {_plural(months, 'month')}" if months else "")


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}{'' if count == 1 else 's'}"
