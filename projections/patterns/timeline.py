"""One child's entries made ready for the detectors: corrections applied, nothing after `as_at`.

Dates are parsed once per entry; the detectors only look things up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
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


@dataclass
class Timeline:
    child_ref: str
    as_at: date
    items: list[Item]
    by_kind: dict[str, list[Item]] = field(default_factory=dict)
    by_concern: dict[str, list[Item]] = field(default_factory=dict)
    replies_to: dict[str, list[Item]] = field(default_factory=dict)

    def within(self, items: Iterable[Item], days: int, end: date | None = None) -> list[Item]:
        """Items in the `days` before and including `end` (default `as_at`)."""
        last = end or self.as_at
        first = last - timedelta(days=days)
        return [i for i in items if first < i.day <= last]

    def kind(self, *kinds: str) -> list[Item]:
        return [i for k in kinds for i in self.by_kind.get(k, [])]

    def concerned(self) -> list[Item]:
        return [i for i in self.items if i.concerns]


def build_timeline(child_ref: str, items: Iterable[Item], as_at: date) -> Timeline:
    """A child's items, corrections applied (the latest correction of an entry wins), in world-time
    order, up to `as_at`."""
    in_order = sorted(items, key=_order)
    corrections = {i.refers_to: i for i in in_order if i.kind == "correction"}
    shown = []
    for item in in_order:
        if item.kind == "correction":
            continue
        correction = corrections.get(item.id)
        if correction is not None:
            item = _corrected(item, correction)
        if item.day <= as_at:
            shown.append(item)
    shown.sort(key=lambda i: (i.moment, i.id))
    timeline = Timeline(child_ref, as_at, shown)
    for item in shown:
        timeline.by_kind.setdefault(item.kind, []).append(item)
        for concern in item.concerns:
            timeline.by_concern.setdefault(concern, []).append(item)
        if item.refers_to:
            timeline.replies_to.setdefault(item.refers_to, []).append(item)
    return timeline


def _order(item: Item) -> tuple[str, str]:
    return (item.occurred_at, item.id)


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
) -> Item:
    moment = datetime.fromisoformat(occurred_at)
    return Item(  # positional, in field order
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
    )
