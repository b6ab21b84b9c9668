"""One child's entries made ready for the detectors: corrections applied, nothing after `as_at`.

Dates are parsed once per entry; the detectors only look things up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from domain.records import EventRecord

CORRECTED_FIELDS = ("occurred_at", "summary", "concerns", "significance")


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


def build_timeline(child_ref: str, records: Iterable[EventRecord], as_at: date) -> Timeline:
    entries = sorted((r for r in records if "entry_id" in r), key=_order)
    corrections = {r["refers_to"]: r for r in entries if r["kind"] == "correction"}
    items = []
    for record in entries:
        if record["kind"] == "correction":
            continue
        correction = corrections.get(record["entry_id"])
        if correction is not None:
            record = {**record, **{f: correction[f] for f in CORRECTED_FIELDS}}
        item = _item(record)
        if item.day <= as_at:
            items.append(item)
    items.sort(key=lambda i: (i.moment, i.id))
    timeline = Timeline(child_ref, as_at, items)
    for item in items:
        timeline.by_kind.setdefault(item.kind, []).append(item)
        for concern in item.concerns:
            timeline.by_concern.setdefault(concern, []).append(item)
        if item.refers_to:
            timeline.replies_to.setdefault(item.refers_to, []).append(item)
    return timeline


def _order(record: EventRecord) -> tuple[str, str]:
    return (record["occurred_at"], record["entry_id"])


def _item(record: dict[str, Any]) -> Item:
    occurred = record["occurred_at"]
    moment = datetime.fromisoformat(occurred)
    get = record.get
    return Item(  # positional, in field order
        record["entry_id"],
        record["kind"],
        record["agency"],
        tuple(get("to_agencies") or ()),
        occurred,
        moment.date(),
        moment,
        tuple(get("concerns") or ()),
        get("significance", ""),
        get("summary", ""),
        get("refers_to", ""),
        get("channel", ""),
        get("due_by", ""),
        get("consent", ""),
        get("transfer", ""),
    )
