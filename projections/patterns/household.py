"""The two patterns about the adults around a child (DOMAIN.md), as small pure functions.

- `new_adult_in_household`: an adult joined the household of a child with a concern in the year
  before, or a practice gap open on the day they joined; raised while the adult stays, for
  `recent_days` after the joining.
- `adult_known_elsewhere`: an adult in the household on the evaluation date is named in a concern
  about another child (within `lookback_days`).

Their facts (`HouseholdFacts`) come already scoped from the query layer: only the adults the viewer
has heard of, only entries the viewer may see, and another child named only where the viewer knows
that child (`ANOTHER_CHILD` otherwise), so an explanation can never reveal a child outside it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from domain.households import JOINED, LEFT
from domain.records import EventRecord
from projections.households import HouseholdChange, Member, members_on, memberships
from projections.patterns.alerts import Alert
from projections.patterns.detectors import _agencies, _alert, _when, _words
from projections.patterns.timeline import Item, Timeline, item_of

Settings = dict[str, Any]


@dataclass(frozen=True)
class ConcernElsewhere:
    """An entry with concerns about other children that names an adult of the household;
    `children` are those children as the viewer may see them named."""

    adult_ref: str
    item: Item
    children: tuple[str, ...]


@dataclass(frozen=True)
class HouseholdFacts:
    stays: Sequence[Member] = ()
    concerns_elsewhere: Sequence[ConcernElsewhere] = field(default_factory=tuple)


GapsOpenOn = Callable[[date], Sequence[Item]]


def new_adult_in_household(
    t: Timeline, facts: HouseholdFacts, s: Settings, gaps_open_on: GapsOpenOn
) -> list[Alert]:
    alerts = []
    for stay in members_on(facts.stays, t.as_at.isoformat()):
        joined = date.fromisoformat(stay.from_date)
        if (t.as_at - joined).days > s["recent_days"]:
            continue
        since = joined - timedelta(days=s["concern_window_days"])
        before = [i for i in t.concerned_items if since < i.day <= joined]
        gaps = [g for g in gaps_open_on(joined) if g not in before]
        if not before and not gaps:
            continue
        categories = sorted({_words(c) for i in before for c in i.concerns})
        said = []
        if before:
            said.append(
                f"in the year before, {len(before)} {'entry' if len(before) == 1 else 'entries'} "
                f"recorded concerns about the child ({', '.join(categories)})"
            )
        if gaps:
            said.append(
                f"{len(gaps)} {'entry' if len(gaps) == 1 else 'entries'} of open practice gaps"
            )
        text = (
            f"{stay.adult_ref} ({_words(stay.relationship)}) joined the household on "
            f"{_when(joined)}; {'; '.join(said)}, from {_agencies([*before, *gaps])}."
        )
        alerts.append(
            _alert(
                "new_adult_in_household",
                t,
                [*before, *gaps],
                "concern",
                text,
                subject=f"{stay.adult_ref}:{stay.from_date}",
                since=joined,
            )
        )
    return alerts


def adult_known_elsewhere(
    t: Timeline, facts: HouseholdFacts, s: Settings, _: GapsOpenOn
) -> list[Alert]:
    present = {m.adult_ref: m for m in members_on(facts.stays, t.as_at.isoformat())}
    alerts = []
    for adult, stay in sorted(present.items()):
        earliest = t.as_at - timedelta(days=s["lookback_days"])
        named = [
            c
            for c in facts.concerns_elsewhere
            if c.adult_ref == adult and earliest < c.item.day <= t.as_at
        ]
        if not named:
            continue
        items = [c.item for c in named]
        children = sorted({child for c in named for child in c.children})
        categories = sorted({_words(x) for i in items for x in i.concerns})
        text = (
            f"{adult} ({_words(stay.relationship)}), in the household since "
            f"{_when(date.fromisoformat(stay.from_date))}, is named in {len(items)} "
            f"{'concern' if len(items) == 1 else 'concerns'} about {', '.join(children)} "
            f"({', '.join(categories)}), recorded by {_agencies(items)}."
        )
        joined = date.fromisoformat(stay.from_date)
        since = max(joined, min(i.day for i in items))
        alerts.append(
            _alert("adult_known_elsewhere", t, items, "priority", text, subject=adult, since=since)
        )
    return alerts


HOUSEHOLD_PATTERNS = {
    detector.__name__: detector for detector in (new_adult_in_household, adult_known_elsewhere)
}


def household_facts_by_child(records: Iterable[EventRecord]) -> dict[str, HouseholdFacts]:
    """Every child's household facts from event records, seen whole (every child named): for
    measuring the detectors on a synthetic partnership, where nobody's scope applies."""
    changes: dict[str, list[HouseholdChange]] = {}
    naming: list[tuple[Item, tuple[str, ...], tuple[str, ...]]] = []
    for record in records:
        kind = record.get("kind")
        if kind in ("household_joined", "household_left"):
            change = HouseholdChange(
                record.get("from_date") or record.get("on_date") or "",
                JOINED if kind == "household_joined" else LEFT,
                record["child_ref"],
                record["adult_ref"],
                record.get("relationship") or "",
                record["agency"],
                record["recorded_at"],
            )
            changes.setdefault(change.child_ref, []).append(change)
        elif "entry_id" in record and record.get("adults") and record.get("concerns"):
            naming.append((item_of(record), tuple(record["child_refs"]), tuple(record["adults"])))
    facts = {}
    for child, recorded in changes.items():
        stays = memberships(recorded)
        adults = {m.adult_ref for m in stays}
        elsewhere = tuple(
            ConcernElsewhere(adult, item, tuple(c for c in children if c != child))
            for item, children, named in naming
            if child not in children
            for adult in named
            if adult in adults
        )
        facts[child] = HouseholdFacts(tuple(stays), elsewhere)
    return facts
