"""One read-model suite, run against SQLite and the real PostgreSQL."""

from __future__ import annotations

import gc
import random
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from domain.application import Partnership
from domain.records import (
    FOR_CHILD,
    EventRecord,
    projected_children,
    records_from_notifications,
)
from fullpicture.tools.synthetic import generate_partnership, record_partnership
from projections import alerts as alerts_module
from projections.alerts import PENDING, PatternContext, refresh_pending, stored_alerts
from projections.chronology import (
    SHOWN_COLUMNS,
    _in_world_time_order,
    children_with_entries,
    chronology_for,
    pattern_items_by_child,
)
from projections.database import ROW_BY_ROW_UPSERT_MAX_ROWS, open_read_models
from projections.followups import followups_pending, verbal_share_statuses
from projections.knowledge import known_by
from projections.partnership import CountBy, shares_by_channel
from projections.patterns.alerts import Alert
from projections.patterns.evaluation import evaluate_child, evaluate_items
from projections.positions import StalePosition
from projections.read_models import ReadModels, table_dump
from projections.requests import overdue_requests, request_statuses, response_times_by_agency
from projections.sql import Upsert
from projections.transfers import transfer_points
from tests.builders import entry, register_agencies, request, share


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def read_models(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ReadModels]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'read-models.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_url")
    models = ReadModels(open_read_models(url), PatternContext(today=lambda: date(2025, 6, 30)))
    yield models
    models.db.close()


def scenario(app: Partnership) -> list[EventRecord]:
    """Two siblings known to four agencies: shares, a request answered late, one unanswered,
    a verbal share never followed up, the child's voice, a correction and a closure."""
    register_agencies(app)
    app.register_child("C-0001", "2019-03-10", "csc-north")
    app.record(
        share(
            entry_ref="P-1",
            child_ref="C-0001;C-0002",
            occurred_at="2025-03-01T22:10",
            channel="phone",
            to_agencies="school-elm;csc-north",
        )
    )
    app.record(
        entry(
            "followup",
            agency="police-north",
            entry_ref="P-2",
            child_ref="C-0001;C-0002",
            occurred_at="2025-03-02",
            refers_to="police-north:P-1",
            channel="secure_email",
        )
    )
    app.record(
        share(
            entry_ref="P-3",
            child_ref="C-0002",
            occurred_at="2025-04-10",
            to_agencies="csc-north",
            channel="verbal",
        )
    )
    app.record(request(entry_ref="R-1", child_ref="C-0001", occurred_at="2025-03-03"))
    app.record(
        entry(
            "response",
            agency="health-visiting",
            entry_ref="H-1",
            child_ref="C-0001",
            occurred_at="2025-03-12",
            refers_to="csc-north:R-1",
        )
    )
    app.record(
        request(
            entry_ref="R-2", child_ref="C-0002", occurred_at="2025-04-01", to_agencies="school-elm"
        )
    )
    app.record(
        entry(
            "voice",
            agency="school-elm",
            entry_ref="V-1",
            child_ref="C-0001",
            occurred_at="2025-03-05",
            child_words="I hide under the bed.",
        )
    )
    app.record(
        entry(
            "voice",
            agency="school-elm",
            entry_ref="V-2",
            child_ref="C-0001",
            occurred_at="2025-05-20",
            child_words="Things are calmer now.",
        )
    )
    app.record(
        entry(
            "concern",
            agency="school-elm",
            entry_ref="S-1",
            child_ref="C-0001",
            occurred_at="2025-03-06",
            summary="Arrived without breakfast.",
            concerns="neglect",
        )
    )
    app.record(
        entry(
            "correction",
            agency="school-elm",
            entry_ref="S-1c",
            child_ref="C-0001",
            occurred_at="2025-03-06",
            refers_to="school-elm:S-1",
            summary="Arrived without breakfast twice that week.",
        )
    )
    app.record(
        entry(
            "transfer",
            agency="csc-north",
            entry_ref="T-1",
            child_ref="C-0001",
            occurred_at="2025-03-20",
            transfer="closure",
        )
    )
    notifications = app.recorder.select_notifications(start=1, limit=1000)
    return [r for _, r in records_from_notifications(app.mapper, notifications)]


@pytest.fixture
def records(embedded_partnership: Partnership) -> list[EventRecord]:
    return scenario(embedded_partnership)


def synthetic_records(app: Partnership, children: int, seed: int) -> list[EventRecord]:
    """A generated partnership recorded through the domain, as the store feed reads it back."""
    record_partnership(app, generate_partnership(children=children, seed=seed))
    notifications = app.recorder.select_notifications(start=1, limit=1_000_000)
    return [r for _, r in records_from_notifications(app.mapper, notifications)]


def apply_all(models: ReadModels, records: list[EventRecord], source: str = "store") -> None:
    models.apply(records, {source: (1, len(records))})


def test_each_sibling_has_the_shared_entries_in_world_time_order(read_models, records) -> None:  # type: ignore[no-untyped-def]
    apply_all(read_models, records)
    older = [e.id for e in chronology_for(read_models.db, "C-0002")]
    assert older == ["police-north:P-1", "police-north:P-2", "csc-north:R-2", "police-north:P-3"]
    assert [c.child_ref for c in children_with_entries(read_models.db)] == ["C-0001", "C-0002"]


def test_an_entry_shows_what_answers_follows_up_and_corrects_it(read_models, records) -> None:  # type: ignore[no-untyped-def]
    apply_all(read_models, records)
    by_id = {e.id: e for e in chronology_for(read_models.db, "C-0001")}
    assert by_id["police-north:P-1"].followed_up_by == ("police-north:P-2",)
    assert by_id["csc-north:R-1"].answered_by == ("health-visiting:H-1",)
    assert by_id["school-elm:S-1"].corrected_by == ("school-elm:S-1c",)


def test_requests_are_answered_open_or_overdue_as_at_a_day(read_models, records) -> None:  # type: ignore[no-untyped-def]
    apply_all(read_models, records)
    statuses = {s.request_id: s for s in request_statuses(read_models.db, "2025-04-03")}
    assert statuses["csc-north:R-1"].status == "answered"
    assert statuses["csc-north:R-1"].response_days == 9
    assert statuses["csc-north:R-2"].status == "open"
    assert [s.request_id for s in overdue_requests(read_models.db, "2025-04-07")] == [
        "csc-north:R-2"
    ]
    early = {s.request_id: s for s in request_statuses(read_models.db, "2025-03-10")}
    assert early["csc-north:R-1"].status == "overdue"
    [health] = [
        t
        for t in response_times_by_agency(read_models.db, "2025-06-30")
        if t.agency == "health-visiting"
    ]
    assert (health.replied, health.median_days) == (1, 9.0)


def test_verbal_shares_wait_for_writing_until_followed_up(read_models, records) -> None:  # type: ignore[no-untyped-def]
    apply_all(read_models, records)
    statuses = {s.share_id: s for s in verbal_share_statuses(read_models.db, "2025-04-11")}
    assert statuses["police-north:P-1"].status == "followed_up"
    assert statuses["police-north:P-1"].days_to_followup == 1
    assert statuses["police-north:P-3"].status == "waiting"
    assert [s.share_id for s in followups_pending(read_models.db, "2025-04-20")] == [
        "police-north:P-3"
    ]
    assert followups_pending(read_models.db, "2025-04-20")[0].status == "overdue"


def test_a_closure_lists_the_partners_asked_in_the_month_before(read_models, records) -> None:  # type: ignore[no-untyped-def]
    apply_all(read_models, records)
    [closure] = transfer_points(read_models.db, "C-0001")
    assert closure.transfer == "closure"
    assert closure.partners_asked == ["health-visiting", "police-north"]


def test_knowledge_records_who_knew_each_entry_and_from_when(read_models, records) -> None:  # type: ignore[no-untyped-def]
    apply_all(read_models, records)
    school = known_by(read_models.db, "school-elm", "C-0002")
    assert [(k.entry_id, k.how) for k in school] == [
        ("police-north:P-1", "received"),
        ("police-north:P-2", "received"),
        ("csc-north:R-2", "received"),
    ]
    assert known_by(read_models.db, "school-elm", "C-0002", at="2025-03-01T23:00:00")[
        0
    ].entry_id == ("police-north:P-1")
    police = known_by(read_models.db, "police-north", "C-0002")
    assert ("police-north:P-1", "recorded") in [(k.entry_id, k.how) for k in police]
    assert all(k.how == "recorded" for k in police if k.entry_id.startswith("police-north:"))


def test_shares_are_counted_by_channel_once_whatever_their_children(read_models, records) -> None:  # type: ignore[no-untyped-def]
    apply_all(read_models, records)
    assert shares_by_channel(read_models.db) == [
        CountBy("phone", "", 1),  # one share about both siblings
        CountBy("verbal", "", 1),
    ]


def test_a_batch_at_or_before_the_stored_position_is_refused(read_models, records) -> None:  # type: ignore[no-untyped-def]
    apply_all(read_models, records)
    with pytest.raises(StalePosition):
        read_models.apply(records[-1:], {"store": (len(records), len(records))})
    assert read_models.position("store") == len(records)


def test_a_batch_from_several_partitions_moves_all_their_positions_or_none(
    read_models, records
) -> None:  # type: ignore[no-untyped-def]
    # Given positions stored for two partitions
    read_models.apply(records[:2], {"events:0": (0, 4), "events:1": (0, 9)})
    # When a batch moves three, one of them from a position applied already
    with pytest.raises(StalePosition, match="events:1"):
        read_models.apply(
            records[2:4], {"events:0": (5, 8), "events:1": (9, 12), "events:2": (0, 3)}
        )
    # Then no position moved, and a batch that follows on from them all is stored
    assert read_models.positions("events:") == {"events:0": 4, "events:1": 9}
    read_models.apply(records[2:4], {"events:0": (5, 8), "events:1": (10, 12), "events:2": (0, 3)})
    assert read_models.positions("events:") == {"events:0": 8, "events:1": 12, "events:2": 3}


def test_applying_the_same_events_again_from_another_source_changes_no_row(
    read_models, records
) -> None:  # type: ignore[no-untyped-def]
    apply_all(read_models, records)
    before = table_dump(read_models.db)
    apply_all(read_models, records, source="events:0")
    assert table_dump(read_models.db) == before


def test_an_entry_arriving_once_per_child_gives_the_same_tables_as_arriving_once(
    read_models, records
) -> None:  # type: ignore[no-untyped-def]
    # Given the scenario as Kafka delivers it: a copy of each entry per child, later children first
    per_child = []
    for record in records:
        children = reversed(record.get("child_refs") or [])
        per_child += [{**record, FOR_CHILD: child} for child in children] or [record]
    assert len(per_child) > len(records)  # some entries are about both siblings
    apply_all(read_models, per_child, source="events:0")
    from_kafka = table_dump(read_models.db)
    # When the same events are applied as the store delivers them, once each
    read_models.reset()
    apply_all(read_models, records)
    # Then every read model holds the same rows
    assert table_dump(read_models.db) == from_kafka


def test_a_reset_and_rebuild_gives_identical_tables(read_models, records) -> None:  # type: ignore[no-untyped-def]
    half = len(records) // 2
    read_models.apply(records[:half], {"store": (1, half)})
    read_models.apply(records[half:], {"store": (half + 1, len(records))})
    before = table_dump(read_models.db)
    read_models.reset()
    assert read_models.position("store") is None
    apply_all(read_models, records)
    assert table_dump(read_models.db) == before


def test_answers_arriving_before_their_request_are_still_matched(read_models, records) -> None:  # type: ignore[no-untyped-def]
    reversed_order = list(reversed(records))
    apply_all(read_models, reversed_order)
    statuses = {s.request_id: s for s in request_statuses(read_models.db, "2025-06-30")}
    assert statuses["csc-north:R-1"].status == "answered"


def test_the_chronology_shows_the_child_s_age_when_the_date_of_birth_is_known(
    read_models,
    records,  # type: ignore[no-untyped-def]
) -> None:
    apply_all(read_models, records)
    ages = {e.id: e.child_age for e in chronology_for(read_models.db, "C-0001")}
    assert ages["police-north:P-1"] == "5 years 11 months"
    assert ages["school-elm:V-2"] == "6 years 2 months"
    assert {e.child_age for e in chronology_for(read_models.db, "C-0002")} == {""}


def test_alerts_kept_current_equal_an_on_demand_evaluation(read_models, records) -> None:  # type: ignore[no-untyped-def]
    half = len(records) // 2
    read_models.apply(records[:half], {"store": (1, half)})
    read_models.apply(records[half:], {"store": (half + 1, len(records))})
    assert read_models.refresh_alerts() == 2  # both siblings were touched
    on_demand = _evaluated(_by_child(records), read_models.patterns)
    assert on_demand, "the scenario should raise some alerts"
    assert stored_alerts(read_models.db) == on_demand
    assert {a.pattern for a in on_demand} >= {"unanswered_request", "no_written_followup"}


def _by_child(records: list[EventRecord]) -> dict[str, list[EventRecord]]:
    """Whole events, grouped by the children they concern."""
    grouped: dict[str, list[EventRecord]] = {}
    for record in records:
        for child in projected_children(record):
            grouped.setdefault(child, []).append(record)
    return grouped


SCENARIO_DAY = date(2025, 6, 30)


def _evaluated(
    grouped: Mapping[str, Sequence[Any]], context: PatternContext, evaluate: Any = evaluate_child
) -> list[Alert]:
    """Every child's alerts on the scenario's day, from whole events (or read-model items)."""
    return [
        alert
        for child, entries in sorted(grouped.items())
        for alert in evaluate(entries, child, date(2025, 6, 30), context.config, context.glossary)
    ]


def test_the_chronology_keeps_every_field_the_pattern_detectors_read(
    read_models: ReadModels, embedded_partnership: Partnership
) -> None:
    records = synthetic_records(embedded_partnership, children=80, seed=7)
    apply_all(read_models, records)
    from_chronology = _evaluated(
        pattern_items_by_child(read_models.db), read_models.patterns, evaluate_items
    )
    assert from_chronology == _evaluated(_by_child(records), read_models.patterns)
    assert len({alert.pattern for alert in from_chronology}) >= 7  # most detectors had a say


def test_read_models_from_an_older_schema_are_rebuilt(read_models, records) -> None:  # type: ignore[no-untyped-def]
    apply_all(read_models, records)
    with read_models.db.transaction() as cursor:
        cursor.execute("UPDATE read_model_schema SET version = 1")
    reopened = ReadModels(read_models.db, read_models.patterns)
    assert reopened.position("store") is None
    assert children_with_entries(reopened.db) == []


def test_a_large_batch_gives_the_same_tables_as_one_event_at_a_time(
    read_models: ReadModels, embedded_partnership: Partnership
) -> None:
    """PostgreSQL copies a batch's new rows straight in, and upserts it in one statement per
    table when a key is there already (here every key twice); the rows must not differ."""
    records = synthetic_records(embedded_partnership, children=12, seed=5)
    assert len(records) > ROW_BY_ROW_UPSERT_MAX_ROWS
    doubled = records + records  # every key twice in one batch: the last row wins
    apply_all(read_models, doubled)
    in_one_batch = table_dump(read_models.db)
    read_models.reset()
    for position, record in enumerate(records, start=1):
        read_models.apply([record], {"store": (position, position)})
    assert table_dump(read_models.db) == in_one_batch


def test_a_large_batch_holding_rows_already_there_is_upserted_not_refused(
    read_models: ReadModels, embedded_partnership: Partnership
) -> None:
    """PostgreSQL copies a large chronology batch straight in; a key already there must fall
    back to the upsert, leaving the same rows as applying the batch once."""
    records = synthetic_records(embedded_partnership, children=12, seed=5)
    half = len(records) // 2
    assert half > ROW_BY_ROW_UPSERT_MAX_ROWS
    apply_all(read_models, records[:half])
    apply_all(read_models, records, source="events:0")  # its first half is already there
    once = table_dump(read_models.db)
    read_models.reset()
    apply_all(read_models, records)
    assert table_dump(read_models.db) == once


def test_a_refresh_with_a_spent_budget_stops_after_one_chunk_and_leaves_the_rest_pending(
    read_models, records
) -> None:  # type: ignore[no-untyped-def]
    apply_all(read_models, records)
    # Given two children pending, refreshed one per chunk with no time to spare
    assert refresh_pending(read_models.db, read_models.patterns, 0.0, chunk=1) == 1
    assert read_models.db.query(f"SELECT child_ref FROM {PENDING}") == [("C-0002",)]
    # Then the next refresh takes the rest, and the alerts equal an on-demand evaluation
    assert refresh_pending(read_models.db, read_models.patterns, 0.0, chunk=1) == 1
    assert refresh_pending(read_models.db, read_models.patterns, 0.0, chunk=1) == 0
    assert stored_alerts(read_models.db) == _evaluated(_by_child(records), read_models.patterns)


@pytest.mark.postgres
def test_two_consumers_refreshing_alerts_at_once_evaluate_different_children(
    postgres_url: str, records: list[EventRecord]
) -> None:
    today = PatternContext(today=lambda: date(2025, 6, 30))
    first, second = (ReadModels(open_read_models(postgres_url), today) for _ in range(2))
    apply_all(first, records)
    with first.db.transaction() as cursor:  # another consumer is evaluating C-0001
        cursor.execute(
            f"SELECT child_ref FROM {PENDING} WHERE child_ref = ? FOR UPDATE", ("C-0001",)
        )
        assert second.refresh_alerts() == 1  # C-0002 only; C-0001 is not waited for
    assert second.refresh_alerts() == 1  # C-0001, now that it is free
    assert second.refresh_alerts() == 0
    assert second.db.query(f"SELECT COUNT(*) FROM {PENDING}") == [(0,)]
    first.db.close()
    second.db.close()


@pytest.mark.postgres
def test_a_refresh_reading_each_next_chunk_ahead_on_a_second_connection_equals_the_plain_one(
    postgres_url: str, records: list[EventRecord]
) -> None:
    models = ReadModels(open_read_models(postgres_url), PatternContext(today=lambda: SCENARIO_DAY))
    apply_all(models, records)
    with models.db.another_connection() as other:
        assert other is not None
        # Two chunks of one child: the second is claimed and read while the first is evaluated
        assert refresh_pending(models.db, models.patterns, chunk=1, reading_ahead=other) == 2
    assert models.db.query(f"SELECT COUNT(*) FROM {PENDING}") == [(0,)]
    assert stored_alerts(models.db) == _evaluated(_by_child(records), models.patterns)
    models.db.close()


@pytest.mark.postgres
def test_a_refresh_reading_ahead_that_fails_keeps_what_it_finished_and_leaves_the_rest_pending(
    postgres_url: str, records: list[EventRecord], monkeypatch: pytest.MonkeyPatch
) -> None:
    models = ReadModels(open_read_models(postgres_url), PatternContext(today=lambda: SCENARIO_DAY))
    apply_all(models, records)
    evaluate = alerts_module.evaluate_items

    def failing_for_the_second_child(items: Any, child: str, *rest: Any) -> list[Alert]:
        if child == "C-0002":
            raise RuntimeError("evaluation failed")
        return evaluate(items, child, *rest)

    monkeypatch.setattr(alerts_module, "evaluate_items", failing_for_the_second_child)
    with models.db.another_connection() as other, pytest.raises(RuntimeError, match="failed"):
        refresh_pending(models.db, models.patterns, chunk=1, reading_ahead=other)
    assert models.db.query(f"SELECT child_ref FROM {PENDING}") == [("C-0002",)]
    monkeypatch.setattr(alerts_module, "evaluate_items", evaluate)
    assert models.refresh_alerts() == 1  # nothing left open on the connection
    assert stored_alerts(models.db) == _evaluated(_by_child(records), models.patterns)
    models.db.close()


def test_an_upsert_keeps_the_last_row_for_each_key_and_wants_its_key_columns_first() -> None:
    upsert = Upsert("voice", ("child_ref", "entry_id", "words"), ("child_ref", "entry_id"))
    rows = [("C-1", "a:1", "first"), ("C-2", "a:1", "other"), ("C-1", "a:1", "second")]
    assert upsert.newest_per_key(rows) == [("C-1", "a:1", "second"), ("C-2", "a:1", "other")]
    with pytest.raises(ValueError, match="key columns"):
        Upsert("voice", ("words", "child_ref"), ("child_ref",))


def test_world_time_order_is_occurred_then_recorded_then_entry_id() -> None:
    # Given every mix of dates, date-times that extend them, and entry ids that prefix each other
    moments = ["2025-03-05", "2025-03-05T09:00:00", "2025-03-05T10:00:00", "2025-03-06"]
    ids = ["school-elm:1", "school-elm:10", "school-elm:2", "police-north:1"]
    names = SHOWN_COLUMNS.split(", ")
    fields = [
        {"occurred_at": o, "recorded_at": r, "entry_id": i}
        for o in moments
        for r in moments
        for i in ids
    ]
    rows = [tuple(row.get(name, "") for name in names) for row in fields]
    random.Random(7).shuffle(rows)
    # Then the chronology's sort key orders them exactly as the three fields in turn would
    occurred, recorded, entry = (names.index(n) for n in ("occurred_at", "recorded_at", "entry_id"))
    expected = sorted(rows, key=lambda row: (row[occurred], row[recorded], row[entry]))
    assert sorted(rows, key=_in_world_time_order) == expected


def test_a_chronology_query_leaves_the_garbage_collector_as_it_found_it(
    read_models, records
) -> None:  # type: ignore[no-untyped-def]
    apply_all(read_models, records)
    assert gc.isenabled()
    assert chronology_for(read_models.db, "C-0001")
    assert gc.isenabled()
    gc.disable()
    try:
        chronology_for(read_models.db, "C-0001")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_first_refresh_of_a_new_day_brings_every_childs_kept_alerts_up_to_the_calendar(
    read_models: ReadModels, records: list[EventRecord]
) -> None:
    # Given the kept alerts refreshed on a day in the spring
    models = read_models
    models.patterns.today = lambda: date(2025, 4, 1)
    apply_all(models, records)
    models.refresh_alerts()
    spring = stored_alerts(models.db)
    assert models.refresh_alerts() == 0  # nothing new the same day
    # When the calendar moves on with no new event
    models.patterns.today = lambda: SCENARIO_DAY
    # Then the first refresh of the new day evaluates every child again, as on demand
    assert models.refresh_alerts() == 2
    assert stored_alerts(models.db) == _evaluated(_by_child(records), models.patterns)
    assert stored_alerts(models.db) != spring
    assert models.refresh_alerts() == 0
