"""Knowledge: which agency knew which entry, and from when.

An agency knows an entry it recorded, and an entry addressed to it (a share or follow-up to it, a
request to it, an answer or decline to its request). It knew it from the entry's `occurred_at`:
for its own entries, when it happened in front of it; for the rest, when the share, request or
answer happened. "What did agency X know at T" is every entry known to X with `known_from` <= T.
(The system clock — what the system held at T — is the chronology's `system_time` replay.)

Knowledge is read from the chronology, not stored beside it: a chronology row already says who
recorded the entry and to whom it was addressed, and a stored copy (one row per agency, child and
entry) was a third of the rows a rebuild wrote.
"""

from __future__ import annotations

from dataclasses import dataclass

from projections import chronology
from projections.database import ReadModelDatabase


@dataclass(frozen=True)
class KnownEntry:
    agency: str
    child_ref: str
    entry_id: str
    known_from: str
    how: str  # recorded | received


def known_by(
    db: ReadModelDatabase, agency: str, child_ref: str, at: str | None = None
) -> list[KnownEntry]:
    """Entries about the child that the agency recorded or was sent, in the order it learnt them."""
    sql = (
        f"SELECT entry_id, occurred_at, agency, to_agencies FROM {chronology.TABLE} "
        "WHERE child_ref = ?"
    )
    params: list[str] = [child_ref]
    if at is not None:
        sql += " AND occurred_at <= ?"
        params.append(at)
    known = [
        KnownEntry(agency, child_ref, entry_id, occurred_at, how)
        for entry_id, occurred_at, recorder, to_agencies in db.query(sql, params)
        if (how := chronology.how_known(agency, recorder, to_agencies))
    ]
    return sorted(known, key=lambda k: (k.known_from, k.entry_id))
