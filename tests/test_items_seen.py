"""What a projector keeps of the children it has seen from offset 0, and when it lets go."""

from __future__ import annotations

from typing import Any

from consumers.items_seen import ItemsSeenFromTheStart
from domain.records import FOR_CHILD


def entry(entry_id: str, child: str, summary: str = "A concern.", **fields: Any) -> dict[str, Any]:
    return {
        "entry_id": entry_id,
        "kind": "concern",
        "agency": "school-elm",
        "occurred_at": "2025-01-02",
        "recorded_at": "2025-01-02T10:00:00",
        "summary": summary,
        "significance": "medium",
        "child_refs": [child],
        FOR_CHILD: child,
        **fields,
    }


def test_a_partition_read_from_the_start_gives_each_child_its_items_newest_copy_winning() -> None:
    seen = ItemsSeenFromTheStart()
    seen.start(0)
    seen.written(0, [entry("e1", "C-1"), entry("e2", "C-1"), entry("e1", "C-1", "Restated.")], 2)
    items = seen.items("C-1")
    assert items is not None
    assert {i.id: i.summary for i in items} == {"e1": "Restated.", "e2": "A concern."}


def test_a_child_of_a_partition_not_read_from_the_start_is_left_to_the_database() -> None:
    seen = ItemsSeenFromTheStart()
    seen.written(3, [entry("e1", "C-3")], 0)  # never started: resumed from a stored position
    assert seen.items("C-3") is None
    assert seen.items("C-unknown") is None


def test_records_without_an_entry_are_not_items() -> None:
    seen = ItemsSeenFromTheStart()
    seen.start(0)
    seen.written(0, [{"event_type": "ChildRegistered", "child_refs": ["C-1"]}], 0)
    assert seen.items("C-1") is None


def test_a_partition_resumed_where_this_process_left_it_is_kept_and_otherwise_forgotten() -> None:
    seen = ItemsSeenFromTheStart()
    seen.start(0)
    seen.written(0, [entry("e1", "C-1")], 41)
    assert seen.keeps(0, 41)  # e.g. after the database was away: nobody else wrote it
    assert seen.items("C-1") is not None
    assert not seen.keeps(0, 57)  # another member went further: this copy is incomplete
    assert seen.items("C-1") is None


def test_a_revoked_partition_is_forgotten() -> None:
    seen = ItemsSeenFromTheStart()
    seen.start(0)
    seen.start(1)
    seen.written(0, [entry("e1", "C-1")], 0)
    seen.written(1, [entry("e2", "C-2")], 0)
    seen.forget(0)
    assert seen.items("C-1") is None
    assert seen.items("C-2") is not None


def test_past_the_limit_nothing_is_kept_for_the_rest_of_the_run() -> None:
    seen = ItemsSeenFromTheStart(limit=2)
    seen.start(0)
    seen.written(0, [entry("e1", "C-1"), entry("e2", "C-1")], 1)
    assert seen.items("C-1") is not None
    seen.written(0, [entry("e3", "C-1")], 2)
    assert seen.items("C-1") is None
    seen.start(1)
    seen.written(1, [entry("e4", "C-2")], 0)
    assert seen.items("C-2") is None
