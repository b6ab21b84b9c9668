"""Who knew what, when: for each significant entry of a chronology, when each agency learned it.

An agency learns an entry when it records it, when the entry is addressed to it, or when the
recording agency passes it on: a share (or written follow-up) naming the entry in `refers_to`,
or, when a share names nothing, the sharing agency's latest significant entry before the share.
This goes one step beyond `projections.knowledge` (recorded or addressed to it), which is what
the "known by" scope shows. Computed from the entries shown in a scope only, so it is as at the
replay date and never says more than the scope does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from projections.chronology import ChronologyEntry

# Entries that carry information between agencies; every other kind is a significant event.
PASSING_ON = ("share", "followup", "request", "response", "decline")


@dataclass(frozen=True)
class Learned:
    """When `agency` learned `entry_id` ("" = not as at the scope's date), and how."""

    agency: str
    entry_id: str
    at: str
    how: str  # "recorded", "received" or ""
    via: str = ""  # the share that told it, when it received it that way


@dataclass(frozen=True)
class KnowledgeView:
    agencies: tuple[str, ...]
    entries: tuple[ChronologyEntry, ...]
    cells: dict[tuple[str, str], Learned]

    def cell(self, agency: str, entry_id: str) -> Learned:
        return self.cells[(agency, entry_id)]


def is_significant(entry: ChronologyEntry) -> bool:
    return entry.kind not in PASSING_ON


def knowledge_view(entries: Sequence[ChronologyEntry]) -> KnowledgeView:
    """Agencies (every recorder or recipient shown) × significant entries."""
    agencies = tuple(
        sorted({e.agency for e in entries} | {a for e in entries for a in e.to_agencies})
    )
    significant = [e for e in entries if is_significant(e)]
    learned: dict[tuple[str, str], Learned] = {}
    for entry in significant:
        learned[(entry.agency, entry.id)] = Learned(
            entry.agency, entry.id, entry.occurred_at, "recorded"
        )
        for agency in entry.to_agencies:
            learned.setdefault(
                (agency, entry.id), Learned(agency, entry.id, entry.occurred_at, "received")
            )
    latest: dict[str, str] = {}  # agency -> its latest significant entry so far
    by_id = {e.id: e for e in significant}
    for entry in entries:  # world-time order
        if is_significant(entry):
            latest[entry.agency] = entry.id
            continue
        if entry.kind not in ("share", "followup"):
            continue
        told = entry.refers_to if entry.refers_to in by_id else latest.get(entry.agency, "")
        for agency in entry.to_agencies if told else ():
            learned.setdefault(
                (agency, told), Learned(agency, told, entry.occurred_at, "received", entry.id)
            )
    cells = {
        (agency, e.id): learned.get((agency, e.id), Learned(agency, e.id, "", ""))
        for agency in agencies
        for e in significant
    }
    return KnowledgeView(agencies, tuple(significant), cells)
