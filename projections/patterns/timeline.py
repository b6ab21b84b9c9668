"""One child's entries made ready for the detectors: corrections applied, nothing after `as_at`.

A correction counts from the day it was recorded (never before the day it restates): until then
the timeline shows the entry as first recorded, so a gap a correction closes (an acronym spelled
out) was open before it. Dates are parsed once per entry; the detectors only look things up.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from operator import itemgetter
from typing import Any, NamedTuple


class Item(NamedTuple):
    """An entry as the detectors see it (immutable; a tuple, as every alert refresh builds one per
    entry of each child it evaluates, and a tuple builds several times faster than a frozen
    dataclass)."""

    id: str
    kind: str
    agency: str
    to_agencies: tuple[str, ...]
    occurred_at: str
    day: date
    moment: datetime
    concerns: tuple[str, ...]
    significance: str
    summary: str
    refers_to: str
    channel: str
    due_by: str
    consent: str
    transfer: str
    recorded_at: str = ""


@dataclass
class Timeline:
    child_ref: str
    as_at: date
    items: list[Item]
    by_kind: dict[str, list[Item]] = field(default_factory=dict)
    by_concern: dict[str, list[Item]] = field(default_factory=dict)
    # Entries referring to each entry; may hold later ones (see `replies`).
    replies_to: dict[str, list[Item]] = field(default_factory=dict)
    corrected: set[str] = field(default_factory=set)
    # The day each correction of the child's entries counts from, applied yet or not.
    corrections_from: list[date] = field(default_factory=list)
    concerned_items: list[Item] = field(default_factory=list)
    source: list[Item] = field(default_factory=list)  # every entry, as given, in order

    def within(self, items: Iterable[Item], days: int, end: date | None = None) -> list[Item]:
        """Items in the `days` before and including `end` (default `as_at`)."""
        last = end or self.as_at
        first = last - timedelta(days=days)
        return [i for i in items if first < i.day <= last]

    def kind(self, *kinds: str) -> list[Item]:
        """The entries of these kinds (of one kind: in time order; of several: kind by kind)."""
        if len(kinds) == 1:
            return list(self.by_kind.get(kinds[0], ()))
        return [i for k in kinds for i in self.by_kind.get(k, ())]

    def concerned(self, circumstances: Collection[str] = ()) -> list[Item]:
        """Entries with a concern; `circumstances` (a move of home or school) are not concerns."""
        if not circumstances:
            return self.concerned_items
        only_circumstances = frozenset(circumstances).issuperset
        return [i for i in self.concerned_items if not only_circumstances(i.concerns)]

    def until(self, day: date) -> Timeline:
        """The same child's timeline as it stood on an earlier day (as `build_timeline` would
        make it), cut from this one unless a correction took effect in between.

        Every list is in time order, so what happened by `day` is a prefix of each: the cut is
        a binary search per list, not a pass over every entry (alert history cuts many)."""
        if any(day < since <= self.as_at for since in self.corrections_from):
            return build_timeline(self.child_ref, self.source, day)

        def cut(items: list[Item]) -> list[Item]:
            return items[: bisect_right(items, day, key=_day)]

        return Timeline(
            self.child_ref,
            day,
            cut(self.items),
            {kind: cut(items) for kind, items in self.by_kind.items()},
            {concern: cut(items) for concern, items in self.by_concern.items()},
            self.replies_to,
            self.corrected,
            self.corrections_from,
            cut(self.concerned_items),
            self.source,
        )


def build_timeline(child_ref: str, items: Iterable[Item], as_at: date) -> Timeline:
    """A child's items, corrections applied (the latest correction of an entry wins), in world-time
    order, up to `as_at`."""
    in_order = sorted(items, key=_ORDER)
    corrections_from = [counts_from(i) for i in in_order if i.kind == "correction"]
    if not corrections_from:  # most children: nothing to apply (an alert refresh builds each)
        shown = [item for item in in_order if item.day <= as_at]
        shown.sort(key=_MOMENT_ORDER)
        return _indexed(Timeline(child_ref, as_at, shown, source=in_order))
    corrections = {
        i.refers_to: i for i in in_order if i.kind == "correction" and counts_from(i) <= as_at
    }
    shown = []
    for item in in_order:
        if item.kind == "correction":
            continue
        correction = corrections.get(item.id)
        if correction is not None:
            item = _corrected(item, correction)
        if item.day <= as_at:
            shown.append(item)
    shown.sort(key=_MOMENT_ORDER)
    return _indexed(
        Timeline(
            child_ref,
            as_at,
            shown,
            corrected=set(corrections),
            corrections_from=corrections_from,
            source=in_order,
        )
    )


def _indexed(timeline: Timeline) -> Timeline:
    """The timeline with its look-ups filled in: by kind, by concern, replies to each entry."""
    by_kind, by_concern = timeline.by_kind, timeline.by_concern
    concerned, replies_to = timeline.concerned_items, timeline.replies_to
    for item in timeline.items:
        kind = item.kind
        if kind in by_kind:
            by_kind[kind].append(item)
        else:
            by_kind[kind] = [item]
        if item.concerns:
            concerned.append(item)
            for concern in item.concerns:
                if concern in by_concern:
                    by_concern[concern].append(item)
                else:
                    by_concern[concern] = [item]
        if item.refers_to:
            replies_to.setdefault(item.refers_to, []).append(item)
    return timeline


def _day(item: Item) -> date:
    return item.day


def counts_from(correction: Item) -> date:
    """The day a correction takes effect: when it was recorded, or the day it restates if later."""
    if not correction.recorded_at:
        return correction.day
    return max(correction.day, date.fromisoformat(correction.recorded_at[:10]))


# Sort keys as item getters (C, not a Python call per item: half of building a timeline was these).
_ORDER = itemgetter(Item._fields.index("occurred_at"), Item._fields.index("id"))
_MOMENT_ORDER = itemgetter(Item._fields.index("moment"), Item._fields.index("id"))


def _corrected(item: Item, correction: Item) -> Item:
    """The entry as its correction restates it: when it happened, what, concerns, significance."""
    return item._replace(
        occurred_at=correction.occurred_at,
        day=correction.day,
        moment=correction.moment,
        summary=correction.summary,
        concerns=correction.concerns,
        significance=correction.significance,
    )


def item_of(record: dict[str, Any]) -> Item:
    """An entry record (a whole event, or the fields a read model keeps) as the detectors see it."""
    get = record.get
    return entry_item(
        record["entry_id"],
        record["kind"],
        record["agency"],
        tuple(get("to_agencies") or ()),
        record["occurred_at"],
        tuple(get("concerns") or ()),
        get("significance") or "",
        get("summary") or "",
        get("refers_to") or "",
        get("channel") or "",
        get("due_by") or "",
        get("consent") or "",
        get("transfer") or "",
        get("recorded_at") or "",
    )


def entry_item(
    entry_id: str,
    kind: str,
    agency: str,
    to_agencies: tuple[str, ...],
    occurred_at: str,
    concerns: tuple[str, ...],
    significance: str,
    summary: str,
    refers_to: str,
    channel: str,
    due_by: str,
    consent: str,
    transfer: str,
    recorded_at: str = "",
) -> Item:
    moment = _from_iso(occurred_at)
    # The tuple made directly, in field order, without `Item.__new__` (a Python call): an alert
    # refresh builds one per entry of every child it evaluates.
    return _new_tuple(
        Item,
        (
            entry_id,
            kind,
            agency,
            to_agencies,
            occurred_at,
            moment.date(),
            moment,
            concerns,
            significance,
            summary,
            refers_to,
            channel,
            due_by,
            consent,
            transfer,
            recorded_at,
        ),
    )


_new_tuple = tuple.__new__
_from_iso = datetime.fromisoformat
