"""Long-running processes outlive a PostgreSQL restart: when the server drops their connections
the relay and the projectors wait, reconnect and carry on from their stored positions, instead of
exiting (the chaos soak restarts PostgreSQL under them)."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from consumers.kafka_projector import KafkaProjector, wait_until_assigned
from consumers.relay import Relay
from fullpicture.bootstrap import Wiring, read_models_url
from fullpicture.config import Settings
from projections.chronology import chronology_for
from projections.database import open_read_models
from projections.read_models import ReadModels
from tests.builders import register_agencies
from tests.conftest import postgres_admin_url
from tests.test_kafka_relay import expected_messages, published_messages, record_rows

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]


def cut_connections(settings: Settings) -> int:
    """What a server restart does to a database's clients: every session of it ends."""
    name = settings.database.postgres_parts()["dbname"]
    with psycopg.connect(postgres_admin_url(), autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchall()
    return len(rows)


def entry_ids(settings: Settings, child: str) -> set[str]:
    reader = open_read_models(read_models_url(settings))
    try:
        return {entry.id for entry in chronology_for(reader, child)}
    finally:
        reader.close()


def wait_for(condition, seconds: float = 60.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_read_models_reconnect_after_the_server_dropped_the_connection(
    distributed_settings: Settings,
) -> None:
    db = open_read_models(read_models_url(distributed_settings))
    assert db.query("SELECT 1") == [(1,)]
    assert cut_connections(distributed_settings) >= 1
    with pytest.raises(psycopg.OperationalError):
        db.query("SELECT 1")  # the statement in flight fails: nobody pretends it ran
    assert db.query("SELECT 1") == [(1,)]
    db.close()


def test_the_relay_and_a_projector_carry_on_after_the_database_connections_are_cut(
    distributed_settings: Settings,
    wiring_for,  # type: ignore[no-untyped-def]
) -> None:
    wiring: Wiring = wiring_for(distributed_settings)
    register_agencies(wiring.partnership)
    record_rows(wiring, 60)
    stop = threading.Event()
    relay = Relay(distributed_settings, wiring.partnership, wiring.read_model_database())
    models = ReadModels(open_read_models(read_models_url(distributed_settings)))
    projector = KafkaProjector(distributed_settings, models, poll_timeout_ms=100)
    failures: list[BaseException] = []

    def run(target) -> None:  # type: ignore[no-untyped-def]
        try:
            target()
        except BaseException as error:  # noqa: BLE001 - the test reports it
            failures.append(error)

    threads = [
        threading.Thread(
            target=run, args=(lambda: relay.run(should_stop=stop.is_set, poll_seconds=0.1),)
        ),
        threading.Thread(target=run, args=(lambda: projector.run(should_stop=stop.is_set),)),
    ]
    for thread in threads:
        thread.start()
    try:
        wait_until_assigned(projector)
        assert wait_for(
            lambda: published_messages(distributed_settings) == expected_messages(wiring)
        )
        for seed in (8, 9):
            assert cut_connections(distributed_settings) >= 2
            record_rows(wiring, 30, seed=seed)
        assert wait_for(
            lambda: published_messages(distributed_settings) == expected_messages(wiring)
        )
        stored = {
            (child, r["entry_id"]) for r in _entry_records(wiring) for child in r["child_refs"]
        }
        children = {child for child, _ in stored}
        caught_up = wait_for(
            lambda: (
                bool(failures)  # a process that gave up: its error, not a timeout, is the news
                or {(c, e) for c in children for e in entry_ids(distributed_settings, c)} == stored
            ),
            seconds=120,  # a shared machine under load: the group may rebalance on the way
        )
        assert not failures, failures
        assert caught_up
        assert all(thread.is_alive() for thread in threads)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        models.db.close()


def _entry_records(wiring: Wiring) -> list[dict]:  # type: ignore[type-arg]
    return _entry_records_of(wiring.partnership)


@pytest.mark.postgres
def test_a_writer_retrying_while_its_first_attempt_commits_records_the_entries_once(
    postgres_settings: Settings,
) -> None:
    """A writer that lost its connection sends the same entries again, possibly while the first
    attempt is still committing on another connection: both are acknowledged, the store holds
    each entry once."""
    from domain.application import Partnership
    from fullpicture.bootstrap import event_store_env
    from tests.builders import share

    first = Partnership(env=event_store_env(postgres_settings))
    register_agencies(first)
    second = Partnership(env=event_store_env(postgres_settings))
    rows = [(None, share(entry_ref=f"P-{n}")) for n in range(200)]
    ready = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def record(name: str, app: Partnership) -> None:
        ready.wait()
        outcomes[name] = app.record_all(rows)

    threads = [
        threading.Thread(target=record, args=(name, app))
        for name, app in (("first", first), ("second", second))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    try:
        assert set(outcomes) == {"first", "second"}
        wanted = {f"police-north:P-{n}" for n in range(200)}
        for outcome in outcomes.values():
            assert set(outcome.recorded) | set(outcome.unchanged) == wanted  # type: ignore[attr-defined]
        assert sorted(len(o.recorded) for o in outcomes.values()) == [0, 200]  # type: ignore[attr-defined]
        stored = [
            r["entry_id"] for r in _entry_records_of(first) if r["entry_id"].startswith("police")
        ]
        assert sorted(stored) == sorted(wanted)
    finally:
        first.close()
        second.close()


def _entry_records_of(app) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    from domain.records import records_from_notifications

    notifications = app.recorder.select_notifications(start=1, limit=100_000)
    return [r for _, r in records_from_notifications(app.mapper, notifications) if "entry_id" in r]
