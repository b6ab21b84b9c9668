"""Entries stored before authors were recorded read back with the author unknown and not imported
for a review, in SQLite and in PostgreSQL, through the store and into the chronology."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest

from domain.application import Partnership, RecordingOutcome
from domain.drafts import AUTHORSHIP_FIELDS, Authorship
from domain.entries import ENTRY_EVENTS
from domain.records import EventRecord, records_from_notifications
from fullpicture.bootstrap import event_store_env
from fullpicture.config import Settings
from tests.builders import AGENCIES, record_every_kind, stored_before_sealing
from tests.test_disclosures import chronology


def stored_entries(app: Partnership) -> dict[str, EventRecord]:
    notifications = app.recorder.select_notifications(start=1, limit=1000)
    return {
        r["entry_id"]: r
        for _, r in records_from_notifications(app.mapper, notifications)
        if "entry_id" in r
    }


# Events stored before authors were recorded, in each store -------------------------------------


def store_without_author(app: Partnership, entry_id: str) -> str:
    """A copy of a stored entry in the shape the version before authors stored it, under a new
    reference: what a store written before this version holds. Returns the copy's entry id."""
    agency, _, ref = entry_id.partition(":")
    [stored] = app.recorder.select_events(app.find_entry_uuid(entry_id))
    state = stored_before_sealing(app, stored)
    for name in AUTHORSHIP_FIELDS:
        del state[name]
    state["class_version"] -= 1
    state["entry_ref"] = f"{ref}-OLD"
    copy_id = f"{agency}:{ref}-OLD"
    old = replace(
        stored, state=json.dumps(state).encode(), originator_id=app.find_entry_uuid(copy_id)
    )
    app.recorder.insert_events([old])
    return copy_id


class AsSamPatel:
    """The partnership as a registered person records into it."""

    def __init__(self, app: Partnership) -> None:
        self._app = app

    def record(self, data: dict[str, Any], **options: Any) -> RecordingOutcome:
        return self._app.record(data, author=Authorship("sam.patel"), **options)


def assert_old_events_read_with_the_author_unknown(settings: Settings, app: Partnership) -> None:
    for code, (name, agency_type) in AGENCIES.items():
        app.register_agency(code, name, agency_type)
    record_every_kind(AsSamPatel(app))  # type: ignore[arg-type]
    made = stored_entries(app)
    assert {r["kind"] for r in made.values()} == set(ENTRY_EVENTS)
    assert all(r["recorded_by"] == "sam.patel" for r in made.values())
    copies = {entry_id: store_without_author(app, entry_id) for entry_id in made}
    records = stored_entries(app)
    for copy_id in copies.values():
        loaded = app.find_entry(copy_id)
        assert loaded is not None and loaded.recorded_by == "", copy_id
        assert (records[copy_id]["recorded_by"], records[copy_id]["imported_for_review"]) == (
            "",
            "",
        ), copy_id
    shown = chronology(settings, app)
    old_voice = copies["school-elm:VOICE-1"]
    assert shown[old_voice].recorded_by_shown() == "unknown"
    assert shown["school-elm:VOICE-1"].recorded_by_shown() == "sam.patel"


def test_entries_stored_before_authors_were_recorded_read_with_the_author_unknown_in_sqlite(
    embedded_settings: Settings, clock: Callable[[], datetime]
) -> None:
    app = Partnership(env=event_store_env(embedded_settings), now=clock)
    try:
        assert_old_events_read_with_the_author_unknown(embedded_settings, app)
    finally:
        app.close()


@pytest.mark.postgres
def test_entries_stored_before_authors_were_recorded_read_with_the_author_unknown_in_postgresql(
    postgres_settings: Settings, clock: Callable[[], datetime]
) -> None:
    app = Partnership(env=event_store_env(postgres_settings), now=clock)
    try:
        assert_old_events_read_with_the_author_unknown(postgres_settings, app)
    finally:
        app.close()
