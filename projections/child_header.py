"""The child first: who the child is and who is involved, above their chronology.

Worked out from the entries shown in a scope (so a replay or an agency's view never shows a
sibling or an agency it would not), the date of birth, and the scope's alerts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.sealing import ERASED_CHILD
from projections.children import age_at
from projections.chronology import ChronologyEntry
from projections.patterns.alerts import Alert

PRACTICE = "practice"


@dataclass(frozen=True)
class ChildHeader:
    child_ref: str
    date_of_birth: str  # "" when not recorded
    age: str  # on the replay date (today without one)
    siblings: tuple[str, ...]  # children who share entries with this child
    agencies: tuple[str, ...]  # agencies that recorded or received an entry shown
    practice_gaps: tuple[Alert, ...]  # open practice alerts


def child_header(
    child_ref: str,
    born: str | None,
    on_day: str,
    entries: Sequence[ChronologyEntry],
    alerts: Sequence[Alert],
) -> ChildHeader:
    # An erased sibling is no sibling to show (its reference was replaced in the shared entries).
    siblings = sorted({c for e in entries for c in e.child_refs} - {child_ref, ERASED_CHILD})
    agencies = sorted({e.agency for e in entries} | {a for e in entries for a in e.to_agencies})
    return ChildHeader(
        child_ref,
        born or "",
        age_at(born, on_day) if born else "",
        tuple(siblings),
        tuple(agencies),
        tuple(a for a in alerts if a.severity == PRACTICE),
    )
