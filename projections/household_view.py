"""A child's chronology with the household around them: the child's own entries and those naming
the adults in the child's household on the replay day, each marked with whom it is about.

Replay applies to the household too: membership is worked out from the changes that had happened
by the day asked (and were recorded by the system time asked), and an agency's view lists only the
adults the agency has heard of (it registered them, recorded a change of a household they are in,
or knows an entry naming them) and the entries it knows. The query layer decides the scope; this
module only applies it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from projections import chronology, households
from projections.chronology import ChronologyEntry
from projections.database import ReadModelDatabase
from projections.households import Member

ANOTHER_CHILD = "(another child)"


@dataclass(frozen=True)
class HouseholdRead:
    """What the household part of a read shows: the adults, and the merged entries."""

    members: list[Member]
    entries: list[ChronologyEntry]


def with_household(
    db: ReadModelDatabase,
    child_ref: str,
    own: Sequence[ChronologyEntry],
    day: str,
    as_at: str | None = None,
    known_by: str | None = None,
    system_time: str | None = None,
    period: tuple[str, str] | None = None,
    other_children_shown: bool = True,
) -> HouseholdRead:
    """`own` (the child's entries as the scope shows them) merged with the entries naming the
    adults of the household on `day`. Without `other_children_shown`, another child named by an
    adult's entry is shown only as `ANOTHER_CHILD` (a review grant covers its own children)."""
    stays = households.memberships(households.changes_of(db, child_ref), as_at, system_time)
    present = {m.adult_ref: m for m in households.members_on(stays, day)}
    named = _in_scope(
        chronology.entries_naming_adults(db, sorted(present), known_by), as_at, system_time, period
    )
    if known_by is not None:
        heard_of = _adults_heard_of(db, known_by, sorted(present), named)
        present = {ref: m for ref, m in present.items() if ref in heard_of}
    own_ids = {e.id for e in own}
    merged = [replace(e, about=child_ref) for e in own]
    for entry in named:
        about = [a for a in entry.adults if a in present]
        if entry.id in own_ids or not about:
            continue
        children = entry.child_refs
        if not other_children_shown:
            children = tuple(c if c == child_ref else ANOTHER_CHILD for c in children)
        merged.append(
            replace(
                entry,
                child_refs=children,
                about="; ".join(f"{a} ({present[a].relationship})" for a in about),
            )
        )
    merged.sort(key=lambda e: (e.occurred_at, e.recorded_at, e.id))
    return HouseholdRead(sorted(present.values(), key=lambda m: m.from_date), merged)


def _in_scope(
    entries: list[ChronologyEntry],
    as_at: str | None,
    system_time: str | None,
    period: tuple[str, str] | None,
) -> list[ChronologyEntry]:
    """The replay's and review period's limits, as `chronology_for` applies them."""
    return [
        e
        for e in entries
        if (as_at is None or e.occurred_at <= as_at)
        and (system_time is None or e.recorded_at <= system_time)
        and (period is None or period[0] <= e.occurred_at[:10] <= period[1])
    ]


def _adults_heard_of(
    db: ReadModelDatabase, agency: str, adults: Sequence[str], known: Sequence[ChronologyEntry]
) -> set[str]:
    """The adults an agency has heard of: through the entries it knows that name them, the
    adults it registered, and the household changes it recorded."""
    heard = {a for e in known for a in e.adults}
    heard |= households.adults_registered_by(db, agency)
    heard |= {
        c.adult_ref for c in households.changes_about_adults(db, adults) if c.agency == agency
    }
    return heard
