"""What waits for an agency or a person: incoming items to acknowledge, tasks, priority alerts.

Read by the notifier (which counts them, never shows them) and, through the query layer, by the
"My work" page. An incoming item is an entry addressed to the agency by another one.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.drafts import ACKNOWLEDGED_KINDS
from domain.vocabulary import SPOKEN_CHANNELS
from projections import alerts, chronology, tasks
from projections.database import ReadModelDatabase
from projections.sql import from_json


@dataclass(frozen=True)
class IncomingItem:
    entry_id: str
    kind: str
    sender: str
    occurred_at: str
    recorded_at: str
    child_refs: tuple[str, ...]
    channel: str
    acknowledged: bool  # by the agency it reached

    @property
    def to_acknowledge(self) -> bool:
        """What `share_not_acknowledged` asks to be acknowledged: a written share, follow-up
        or answer (a spoken one is acknowledged through its written follow-up)."""
        return (
            self.kind in ACKNOWLEDGED_KINDS
            and self.channel not in SPOKEN_CHANNELS
            and not self.acknowledged
        )


def incoming_for(db: ReadModelDatabase, agency: str) -> list[IncomingItem]:
    """Every entry another agency addressed to `agency`, newest first, each once."""
    known_by, params = chronology.known_by_filter(agency)
    rows = db.query(
        f"SELECT entry_id, kind, agency, occurred_at, recorded_at, child_refs, channel "
        f"FROM {chronology.TABLE} WHERE agency <> ? AND {known_by}",
        [agency, *params],
    )
    acknowledged = {
        r[0]
        for r in db.query(
            f"SELECT DISTINCT refers_to FROM {chronology.TABLE} "
            f"WHERE kind = 'acknowledgement' AND agency = ?",
            (agency,),
        )
    }
    found = {
        r[0]: IncomingItem(
            r[0], r[1], r[2], r[3], r[4], tuple(from_json(r[5])), r[6], r[0] in acknowledged
        )
        for r in rows
    }
    return sorted(found.values(), key=lambda i: (i.recorded_at, i.entry_id), reverse=True)


def open_tasks_of(db: ReadModelDatabase, owner: str, today: str) -> list[str]:
    """The ids of the tasks a person owns and has not done."""
    return [t.task_id for t in tasks.task_statuses(db, today) if t.owner == owner and not t.done_at]


def overdue_tasks_of_agency(db: ReadModelDatabase, agency: str, today: str) -> list[str]:
    return [
        t.task_id for t in tasks.task_statuses(db, today) if t.owner_agency == agency and t.overdue
    ]


def priority_alerts_for(db: ReadModelDatabase, agency: str) -> list[str]:
    """The ids of priority alerts about children the agency knows."""
    known = {c.child_ref for c in chronology.children_known_by(db, agency)}
    rows = db.query(f"SELECT child_ref, id FROM {alerts.TABLE} WHERE severity = 'priority'")
    return sorted({alert_id for child, alert_id in rows if child in known})
