"""Partnership-wide figures for analysts, on pseudonymous references only."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from projections import chronology, voice
from projections.database import ReadModelDatabase
from projections.dates import day
from projections.followups import verbal_share_statuses
from projections.sql import from_json


@dataclass(frozen=True)
class CountBy:
    key: str
    group: str
    count: int


def entries_by_agency_and_month(db: ReadModelDatabase) -> list[CountBy]:
    """Distinct entries each agency recorded, per month of occurrence."""
    rows = db.query(
        f"SELECT agency, SUBSTR(occurred_at, 1, 7), COUNT(DISTINCT entry_id) "
        f"FROM {chronology.TABLE} GROUP BY agency, SUBSTR(occurred_at, 1, 7) ORDER BY 2, 1"
    )
    return [CountBy(r[0], r[1], int(r[2])) for r in rows]


def concerns_by_category(db: ReadModelDatabase) -> list[CountBy]:
    """How often each concern category was recorded (each entry once)."""
    rows = db.query(
        f"SELECT DISTINCT entry_id, concerns FROM {chronology.TABLE} WHERE concerns <> '[]'"
    )
    counts = Counter(c for _, concerns in rows for c in from_json(concerns))
    return [CountBy(category, "", n) for category, n in counts.most_common()]


def shares_by_channel(db: ReadModelDatabase) -> list[CountBy]:
    """How many shares went by each channel (each share once, whatever its children)."""
    rows = db.query(
        f"SELECT channel, COUNT(DISTINCT entry_id) FROM {chronology.TABLE} WHERE kind = 'share' "
        "GROUP BY channel ORDER BY 2 DESC, 1"
    )
    return [CountBy(r[0], "", int(r[1])) for r in rows]


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def percent(self) -> float:
        return 100.0 * self.numerator / self.denominator if self.denominator else 0.0


def written_followup_rate(db: ReadModelDatabase, today: str) -> Rate:
    """Verbal shares older than the follow-up window that were followed up in writing."""
    statuses = [s for s in verbal_share_statuses(db, today) if s.status != "waiting"]
    return Rate(sum(s.status == "followed_up" for s in statuses), len(statuses))


def voice_coverage(db: ReadModelDatabase, today: str, days: int = 90) -> Rate:
    """Children with entries in the last `days` whose voice was recorded in that time."""
    since = (day(today) - timedelta(days=days)).isoformat()
    active = {
        r[0]
        for r in db.query(
            f"SELECT DISTINCT child_ref FROM {chronology.TABLE} WHERE occurred_at >= ?", (since,)
        )
    }
    heard = voice.children_heard_since(db, since) & active
    return Rate(len(heard), len(active))


def chronology_version(db: ReadModelDatabase) -> tuple[object, ...]:
    """What changes whenever the chronology does (a row more, a later recording): cheap enough
    to ask on every read of figures kept from it."""
    return tuple(db.query(f"SELECT COUNT(*), MAX(recorded_at) FROM {chronology.TABLE}")[0])
