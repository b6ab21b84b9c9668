"""A child's chronology with the household around them: the child's own entries and those naming
the adults in the child's household on the replay day, each marked with whom it is about.

Replay applies to the household too: membership is worked out from the changes that had happened
by the day asked (and were recorded by the system time asked), and an agency's view lists only the
adults the agency has heard of (it registered them, recorded a change of a household they are in,
or knows an entry naming them) and the entries it knows. The query layer decides the scope; this
module only applies it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from projections import chronology, households
from projections.chronology import ChronologyEntry
from projections.database import Query, ReadModelDatabase
from projections.households import Member
from projections.patterns.household import ConcernElsewhere, HouseholdFacts
from projections.patterns.timeline import entry_item

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
        chronology.entries_naming_adults(db.query, sorted(present), known_by),
        as_at,
        system_time,
        period,
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


def adults_heard_of(db: ReadModelDatabase, agency: str, adults: Sequence[str]) -> set[str]:
    """Which of these adults an agency has heard of (`_adults_heard_of`)."""
    known = chronology.entries_naming_adults(db.query, adults, agency)
    return _adults_heard_of(db, agency, adults, known) & set(adults)


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


def household_facts(
    db: ReadModelDatabase,
    child_ref: str,
    day: str,
    as_at: str | None = None,
    known_by: str | None = None,
    system_time: str | None = None,
    period: tuple[str, str] | None = None,
    child_named: Callable[[str], bool] = lambda _: False,
) -> HouseholdFacts:
    """What the patterns about adults need, scoped as the household view is: the household's
    stays (the adults an agency has heard of, in its view), and the concerns about other children
    naming an adult of the household on `day`, each other child named only if `child_named`
    says the viewer may see that child (`ANOTHER_CHILD` otherwise)."""
    stays = households.memberships(households.changes_of(db, child_ref), as_at, system_time)
    present = sorted({m.adult_ref for m in households.members_on(stays, day)})
    named = _in_scope(
        chronology.entries_naming_adults(db.query, present, known_by), as_at, system_time, period
    )
    if known_by is not None:
        heard_of = _adults_heard_of(db, known_by, present, named)
        stays = [m for m in stays if m.adult_ref in heard_of]
        present = [a for a in present if a in heard_of]
    elsewhere = _concerns_elsewhere(child_ref, named, set(present), child_named)
    return HouseholdFacts(tuple(stays), elsewhere)


def stored_household_facts(
    query: Query, children: Sequence[str], day: str
) -> dict[str, HouseholdFacts]:
    """The facts of these children's households on `day` (those with a household), for alerts
    kept for many viewers at once: every adult and entry, and another child never named (each
    viewer's list shows an alert only where its scope sees the evidence). Two reads in all."""
    stays = {
        child: households.memberships(changes)
        for child, changes in households.changes_of_children(query, children).items()
    }
    present = {
        child: {m.adult_ref for m in households.members_on(child_stays, day)}
        for child, child_stays in stays.items()
    }
    named = chronology.entries_naming_adults(query, sorted(set().union(*present.values())))
    return {
        child: HouseholdFacts(
            tuple(child_stays),
            _concerns_elsewhere(child, named, present[child], lambda _: False),
        )
        for child, child_stays in stays.items()
    }


def _concerns_elsewhere(
    child_ref: str,
    named: Sequence[ChronologyEntry],
    present: set[str],
    child_named: Callable[[str], bool],
) -> tuple[ConcernElsewhere, ...]:
    """The entries with concerns about other children naming an adult `present`, once for each
    such adult; another child appears as `ANOTHER_CHILD` unless `child_named` says otherwise."""
    elsewhere = []
    for entry in named:
        if child_ref in entry.child_refs or not entry.concerns:
            continue
        about = [a for a in entry.adults if a in present]
        if not about:
            continue
        others = tuple(
            c if child_named(c) else ANOTHER_CHILD for c in entry.child_refs if c != child_ref
        )
        item = entry_item(
            entry.id,
            entry.kind,
            entry.agency,
            entry.to_agencies,
            entry.occurred_at,
            entry.concerns,
            entry.significance,
            entry.summary,
            entry.refers_to,
            entry.channel,
            "",
            entry.consent,
            entry.transfer,
            entry.recorded_at,
        )
        elsewhere += [ConcernElsewhere(a, item, others) for a in about]
    return tuple(elsewhere)
