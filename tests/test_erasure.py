"""Erasure by crypto-shredding: what goes, what stays, and erasing again after a restore."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from consumers.kafka_projector import KafkaProjector
from consumers.relay import Relay
from domain.sealing import ERASED_CHILD
from fullpicture import config
from fullpicture.bootstrap import Wiring
from fullpicture.cli import USER_ERROR, main
from fullpicture.config import Settings, load_settings
from fullpicture.erasure import reapply, shred_child
from projections.child_header import child_header
from projections.chronology import chronology_for
from tests.builders import register_agencies, request
from tests.conftest import in_database, postgres_admin_url
from tests.people import ADMIN, practitioner_of
from tests.test_erasure_byte_sweep import (
    ERASED,
    SIBLING,
    Canaries,
    as_server_superuser,
    erase,
    seed,
)


def entry_ids(wiring: Wiring, child: str) -> list[str]:
    return [row.id for row in chronology_for(wiring.read_models.db, child)]


def test_erasing_one_agencys_part_leaves_the_other_agencies_entries_after_a_rebuild(
    embedded_settings: Settings, wiring_for: Callable[[Settings], Wiring]
) -> None:
    # Given a child with entries from four agencies
    wiring = wiring_for(embedded_settings)
    seed(wiring, Canaries())
    wiring.projection.catch_up()
    # When the police's part of the child's record is erased
    report = shred_child(
        wiring,
        ERASED,
        agency="police-north",
        decision_id="RD-POLICE",
        decided_by="dpo.lee",
        approved_by="caldicott.khan",
    )
    # Then only the police's key and entries go, now and after a rebuild from the store
    assert report.keys_deleted == 1
    kept = ["csc-north:R-1", "health-visiting:D-1", "school-elm:V-1", "csc-north:CD-1"]
    kept += ["csc-north:T-1", "school-elm:S-1"]
    assert sorted(entry_ids(wiring, ERASED)) == sorted(kept)
    wiring.projection.rebuild()
    assert sorted(entry_ids(wiring, ERASED)) == sorted(kept)


def test_an_erased_child_is_not_projected_again_and_its_reference_is_replaced_in_the_siblings(
    embedded_settings: Settings, wiring_for: Callable[[Settings], Wiring]
) -> None:
    wiring = wiring_for(embedded_settings)
    seed(wiring, Canaries())
    wiring.projection.catch_up()
    erase(wiring, ERASED)
    for _ in range(2):  # as cleared, and as rebuilt
        assert entry_ids(wiring, ERASED) == []
        [shared, own] = chronology_for(wiring.read_models.db, SIBLING)
        assert list(shared.child_refs) == [ERASED_CHILD, SIBLING]
        assert child_header(SIBLING, None, "2025-06-30", [shared, own], []).siblings == ()
        wiring.projection.rebuild()


def test_an_erasure_run_again_changes_nothing_and_reports_the_first(
    embedded_settings: Settings, wiring_for: Callable[[Settings], Wiring]
) -> None:
    wiring = wiring_for(embedded_settings)
    seed(wiring, Canaries())
    wiring.projection.catch_up()
    first = erase(wiring, ERASED)
    again = shred_child(
        wiring, ERASED, decision_id=first.decision_id, decided_by="x", approved_by="y"
    )
    assert (first.already_recorded, first.keys_deleted) == (False, 4)
    # its seven rows, and the sibling's row of the shared entry (the reference replaced)
    assert first.read_models_cleared["chronology"] == 8
    assert (again.already_recorded, again.keys_deleted, again.read_models_cleared) == (
        True,
        0,
        {},
    )
    assert (again.decided_by, again.approved_by) == ("dpo.lee", "caldicott.khan")


def test_reapply_deletes_keys_a_restored_key_table_brought_back(
    embedded_settings: Settings,
    wiring_for: Callable[[Settings], Wiring],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given an erased child whose keys came back with a restored copy of the database
    monkeypatch.setenv(config.STATE_DIR, str(embedded_settings.state_dir))
    assert main(["user", "add", ADMIN, "--name", "Administrator", "--role", "administrator"]) == 0
    wiring = wiring_for(embedded_settings)
    seed(wiring, Canaries())
    wiring.projection.catch_up()
    database = embedded_settings.database.sqlite_path
    wiring.close()
    backup = database.with_name("backup.sqlite")
    shutil.copy(database, backup)
    wiring = wiring_for(embedded_settings)
    erase(wiring, ERASED)
    ledger = wiring.partnership.erasures()
    wiring.close()
    restore_keys(backup, database)
    wiring = wiring_for(embedded_settings)
    assert wiring.partnership.child_keys.for_reading(ERASED, "school-elm") is not None
    wiring.close()
    # When the ledger is re-applied
    assert main(["retention", "reapply", "--as", practitioner_of("school-elm")]) == USER_ERROR
    capsys.readouterr()
    assert main(["retention", "reapply", "--as", ADMIN, "--format", "json"]) == 0
    # Then the child's keys are gone again
    [done] = json.loads(capsys.readouterr().out)
    assert (done["child_ref"], done["keys_deleted"]) == (ERASED, 4)
    assert done["decision_id"] == ledger[0].decision_id
    wiring = wiring_for(embedded_settings)
    assert wiring.partnership.child_keys.for_reading(ERASED, "school-elm") is None
    assert wiring.partnership.child_keys.for_reading(SIBLING, "school-elm") is not None


def restore_keys(backup: Path, database: Path) -> None:
    """The key table of an older copy restored into the database."""
    import sqlite3

    connection = sqlite3.connect(database)
    try:
        connection.execute("ATTACH DATABASE ? AS backup", (str(backup),))
        connection.execute(
            "INSERT OR IGNORE INTO child_data_keys SELECT * FROM backup.child_data_keys"
        )
        connection.commit()
    finally:
        connection.close()


@pytest.mark.postgres
@pytest.mark.kafka
def test_a_database_restored_from_before_an_erasure_learns_it_from_the_erasures_topic(
    distributed_settings: Settings,
    wiring_for: Callable[[Settings], Wiring],
    tmp_path: Path,
    restore: Callable[[str, Path], str],
) -> None:
    # Given a backup taken before a child was erased
    wiring = wiring_for(distributed_settings)
    seed(wiring, Canaries())
    Relay(distributed_settings, wiring.partnership, wiring.read_model_database()).run(once=True)
    KafkaProjector(distributed_settings, wiring.read_models).run(once=True)
    url = distributed_settings.database.url
    backup = tmp_path / "backup.sql"
    backup.write_bytes(as_server_superuser("pg_dump", url))
    report = erase(wiring, ERASED)
    # When the database is restored from it and the ledger re-applied
    restored = restore(url, backup)
    settings = load_settings(
        {
            **config.kafka_environ(distributed_settings),
            config.DATABASE_URL: restored,
            config.TOPIC_PREFIX: distributed_settings.topics.prefix,
            config.STATE_DIR: str(tmp_path / "restored"),
        }
    )
    again = wiring_for(settings)
    assert again.partnership.child_keys.for_reading(ERASED, "school-elm") is not None
    assert entry_ids(again, ERASED)  # the backup's read models hold the child
    [done] = reapply(again)
    # Then the restored database forgets the child again and records the erasure
    assert (done.ledger_id, done.keys_deleted) == (report.ledger_id, 4)
    assert again.partnership.child_keys.for_reading(ERASED, "school-elm") is None
    assert entry_ids(again, ERASED) == []
    assert [e.decision_id for e in again.partnership.erasures()] == [report.decision_id]


@pytest.fixture
def restore() -> Iterator[Callable[[str, Path], str]]:
    """Restore a backup into a new database beside the test's, as the server's administrator
    would; dropped at the end of the test."""
    made: list[str] = []

    def restore_into_new(url: str, backup: Path) -> str:
        name = f"{url.rpartition('/')[2]}_restored"
        server = in_database(url, "postgres")
        as_server_superuser("psql", server, "-c", f"CREATE DATABASE {name} TEMPLATE template0")
        made.append(name)
        as_server_superuser("psql", in_database(url, name), "-q", given=backup.read_bytes())
        return in_database(url, name)

    yield restore_into_new
    for name in made:
        drop = f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        as_server_superuser("psql", in_database(postgres_admin_url(), "postgres"), "-c", drop)


def test_a_request_about_siblings_stays_listed_for_the_sibling_when_the_first_child_is_erased(
    embedded_settings: Settings, wiring_for: Callable[[Settings], Wiring]
) -> None:
    wiring = wiring_for(embedded_settings)
    register_agencies(wiring.partnership)
    wiring.partnership.record(request(child_ref=f"{ERASED};{SIBLING}"))
    wiring.projection.catch_up()
    erase(wiring, ERASED)
    listed = "SELECT request_id, child_refs FROM requests"
    for _ in range(2):  # as cleared, and as rebuilt
        rows = wiring.read_models.db.query(listed)
        assert [tuple(r) for r in rows] == [("csc-north:R-1", f'["{ERASED_CHILD}","{SIBLING}"]')]
        wiring.projection.rebuild()
