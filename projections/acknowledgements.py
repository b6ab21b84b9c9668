"""How quickly each agency acknowledges what it receives: figures only, no child named."""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

from projections import chronology
from projections.database import ReadModelDatabase
from projections.dates import days_between


@dataclass(frozen=True)
class AgencyAcknowledgementTimes:
    agency: str
    acknowledged: int  # shares, follow-ups and answers it acknowledged
    median_days: float  # calendar days from receiving one to acknowledging it


def acknowledgement_times_by_agency(db: ReadModelDatabase) -> list[AgencyAcknowledgementTimes]:
    """Each acknowledging agency's count and median time to acknowledge (each entry once)."""
    rows = db.query(
        f"SELECT DISTINCT a.entry_id, a.agency, t.occurred_at, a.occurred_at "
        f"FROM {chronology.TABLE} a JOIN {chronology.TABLE} t "
        f"ON t.child_ref = a.child_ref AND t.entry_id = a.refers_to "
        f"WHERE a.kind = 'acknowledgement'"
    )
    days: dict[str, list[int]] = {}
    for _, agency, received, acknowledged in rows:
        days.setdefault(agency, []).append(max(0, days_between(received, acknowledged)))
    return [
        AgencyAcknowledgementTimes(agency, len(found), float(median(found)))
        for agency, found in sorted(days.items())
    ]
