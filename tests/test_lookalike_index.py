"""The look-alike child check on PostgreSQL asks the store's index of child keys for the keys a
batch holds, so a fresh importer does not read the whole log first (it took 5 s at 100,000
entries and 14 s at 200,000); a store older than the index is read once to fill it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import psycopg
import pytest

from domain import child_directory
from domain.application import EntriesRejected, Partnership
from fullpicture.bootstrap import RECORDER_TOPIC, event_store_env
from fullpicture.config import Settings
from fullpicture.event_store import LOOKALIKE_INDEX_FILLED_TABLE, LOOKALIKE_INDEX_TABLE
from tests.builders import register_agencies, share

pytestmark = pytest.mark.postgres


@pytest.fixture
def partnerships(
    postgres_settings: Settings, clock: Callable[[], datetime]
) -> Iterator[Callable[..., Partnership]]:
    """New partnerships on one PostgreSQL store, as separate processes would open it."""
    opened: list[Partnership] = []

    def open_one(**env_options: Any) -> Partnership:
        app = Partnership(env=event_store_env(postgres_settings, **env_options), now=clock)
        opened.append(app)
        return app

    yield open_one
    for app in opened:
        app.close()


def refuse_reading_the_log(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_log_reading(*_: Any, **__: Any) -> Any:
        raise AssertionError("the notification log was read")

    monkeypatch.setattr(child_directory, "notifications", no_log_reading)


def index_rows(settings: Settings, table: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(settings.database.url) as connection:
        return connection.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()


def test_a_fresh_importer_refuses_a_look_alike_child_without_reading_the_log(
    partnerships: Callable[..., Partnership],
    postgres_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a child recorded by one importer (the store's index is kept in the same transaction)
    first = partnerships()
    register_agencies(first)
    first.record(share(child_ref="C-0052"))
    first.register_child("C-0077", "2020-01-01", "csc-north")
    assert index_rows(postgres_settings, LOOKALIKE_INDEX_TABLE) == [
        ("c-0052", "C-0052"),
        ("c-0077", "C-0077"),
    ]
    # When a fresh importer records entries about look-alikes of both, never reading the log
    refuse_reading_the_log(monkeypatch)
    fresh = partnerships()
    rows = [
        (2, share(entry_ref="P-2", child_ref="c-0052")),
        (3, share(entry_ref="P-3", child_ref="c-0077")),
    ]
    with pytest.raises(EntriesRejected) as rejected:
        fresh.record_all(rows)
    # Then each row is refused, naming the child it looks like, and nothing is written
    problems = {problem.row: problem.message for problem in rejected.value.problems}
    assert "looks like 'C-0052'" in problems[2] and "looks like 'C-0077'" in problems[3]
    assert len(index_rows(postgres_settings, LOOKALIKE_INDEX_TABLE)) == 2
    # And the same child under its own reference is still accepted
    assert fresh.record(share(entry_ref="P-4", child_ref="C-0052")).recorded == ["police-north:P-4"]


def test_the_first_reference_with_a_key_keeps_it_within_one_batch(
    partnerships: Callable[..., Partnership], postgres_settings: Settings
) -> None:
    app = partnerships()
    register_agencies(app)
    app.record_all([(1, share(entry_ref="P-1", child_ref="C-0100;C-0101"))])
    assert index_rows(postgres_settings, LOOKALIKE_INDEX_TABLE) == [
        ("c-0100", "C-0100"),
        ("c-0101", "C-0101"),
    ]


def test_a_store_older_than_the_index_is_read_once_to_fill_it(
    partnerships: Callable[..., Partnership],
    postgres_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given children recorded by a recorder that keeps no index (as before it existed)
    older = partnerships(recorder_topic=RECORDER_TOPIC)
    register_agencies(older)
    older.record(share(child_ref="C-0300"))
    assert index_rows(postgres_settings, LOOKALIKE_INDEX_TABLE) == []
    # When an importer with the index first checks a batch
    upgraded = partnerships()
    with pytest.raises(EntriesRejected):
        upgraded.record(share(entry_ref="P-2", child_ref="c-0300"))
    # Then it read the log once and filled the index, marked filled through what it read
    assert index_rows(postgres_settings, LOOKALIKE_INDEX_TABLE) == [("c-0300", "C-0300")]
    [(through,)] = index_rows(postgres_settings, LOOKALIKE_INDEX_FILLED_TABLE)
    assert through == upgraded.recorder.max_notification_id() and through >= 1
    # And the next importer does not read the log at all
    refuse_reading_the_log(monkeypatch)
    with pytest.raises(EntriesRejected):
        partnerships().record(share(entry_ref="P-3", child_ref="c-0300"))
