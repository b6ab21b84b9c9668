"""Chronology rows kept between reads are never older than the read models (SQLite, PostgreSQL)."""

from __future__ import annotations

import pytest

from domain.records import EventRecord
from projections.chronology import chronology_for
from projections.kept_chronologies import KeptChronologies
from projections.read_models import ReadModels
from tests.test_read_models import apply_all, read_models, records  # noqa: F401 - fixtures

SCOPES = [
    {},
    {"as_at": "2025-03-02"},
    {"as_at": "2025-03-05T09:00"},
    {"system_time": "2000-01-01"},
    {"known_by": "school-elm"},
    {"known_by": "health-visiting", "as_at": "2025-04-01"},
    {"period": ("2025-03-02", "2025-03-20")},
]


def test_an_entry_projected_after_the_rows_were_kept_is_shown(
    read_models: ReadModels,  # noqa: F811
    records: list[EventRecord],  # noqa: F811
) -> None:
    # Given a child's chronology read and kept while half the entries were projected
    kept = KeptChronologies()
    half = len(records) // 2
    read_models.apply(records[:half], {"store": (1, half)})
    before = chronology_for(read_models.db, "C-0001", rows_of=kept.rows)
    # When the rest is projected
    read_models.apply(records[half:], {"store": (half + 1, len(records))})
    # Then the next read shows every entry the database holds
    after = chronology_for(read_models.db, "C-0001", rows_of=kept.rows)
    assert after == chronology_for(read_models.db, "C-0001")
    assert len(after) > len(before)


@pytest.mark.parametrize("scope", SCOPES, ids=lambda scope: ",".join(scope) or "full")
def test_each_scope_of_a_kept_chronology_is_the_scope_read_from_the_database(
    read_models: ReadModels,  # noqa: F811
    records: list[EventRecord],  # noqa: F811
    scope: dict[str, object],
) -> None:
    kept = KeptChronologies()
    apply_all(read_models, records)
    for child in ("C-0001", "C-0002"):
        chronology_for(read_models.db, child, rows_of=kept.rows)  # kept
        shown = chronology_for(read_models.db, child, rows_of=kept.rows, **scope)  # type: ignore[arg-type]
        assert shown == chronology_for(read_models.db, child, **scope)  # type: ignore[arg-type]


def test_rows_kept_before_a_rebuild_are_not_shown_after_it(
    read_models: ReadModels,  # noqa: F811
    records: list[EventRecord],  # noqa: F811
) -> None:
    # Given a chronology kept from fully projected read models
    kept = KeptChronologies()
    apply_all(read_models, records)
    chronology_for(read_models.db, "C-0001", rows_of=kept.rows)
    # When the read models are rebuilt and have projected only part of the stream so far
    read_models.reset()
    read_models.apply(records[:3], {"store": (1, 3)})
    # Then a read shows the part projected, not the rows kept before
    shown = chronology_for(read_models.db, "C-0001", rows_of=kept.rows)
    assert shown == chronology_for(read_models.db, "C-0001")


def test_nothing_is_kept_from_read_models_written_without_positions(
    read_models: ReadModels,  # noqa: F811
    records: list[EventRecord],  # noqa: F811
) -> None:
    kept = KeptChronologies()
    read_models.apply(records[:3], {})
    chronology_for(read_models.db, "C-0001", rows_of=kept.rows)
    read_models.apply(records[3:], {})
    shown = chronology_for(read_models.db, "C-0001", rows_of=kept.rows)
    assert shown == chronology_for(read_models.db, "C-0001")


def test_a_child_longer_than_the_row_budget_is_read_each_time(
    read_models: ReadModels,  # noqa: F811
    records: list[EventRecord],  # noqa: F811
) -> None:
    apply_all(read_models, records)
    roomy, tight = KeptChronologies(), KeptChronologies(row_budget=1)
    first, _ = roomy.rows(read_models.db, "C-0001")
    assert roomy.rows(read_models.db, "C-0001")[0] is first
    first, _ = tight.rows(read_models.db, "C-0001")
    assert tight.rows(read_models.db, "C-0001")[0] is not first
