"""The access log is hash-chained: `fullpicture audit verify` recomputes the chain and names the
first access changed or removed behind the application's back (TRUST.md, "The access log")."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from domain.access_log import ACCESS_CHAIN, AccessLog
from fullpicture import config
from fullpicture.bootstrap import ACCESS_LOG_FILE, ACCESS_LOG_STORE, Wiring, open_event_store
from fullpicture.cli import main
from fullpicture.config import Settings, load_settings
from tests.conftest import in_database, postgres_owner_url


def record_accesses(log: AccessLog, children: list[str]) -> None:
    for child in children:
        log.record(user="rev1", role="case_reviewer", child_refs=[child], view="chronology")


def verify(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["audit", "verify"])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture
def embedded_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv(config.STATE_DIR, str(tmp_path / "state"))
    return load_settings({config.STATE_DIR: str(tmp_path / "state")})


def test_every_access_links_to_the_one_before_and_the_chain_verifies(
    embedded_state: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    log = open_event_store(ACCESS_LOG_STORE, embedded_state)
    record_accesses(log, ["C-0001", "C-0002", "C-0003"])
    events = [log.mapper.to_domain_event(e) for e in log.recorder.select_events(ACCESS_CHAIN)]
    log.close()
    assert [e.originator_version for e in events] == [1, 2, 3]
    assert events[0].previous_hash == ""
    assert [e.previous_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert verify(capsys) == (0, "access log holds: 3 chained accesses, every link matches\n")


def test_two_processes_recording_at_once_keep_one_chain(embedded_state: Settings) -> None:
    # Given two processes' access logs on the same store, each having seen the chain's end
    first = open_event_store(ACCESS_LOG_STORE, embedded_state)
    second = open_event_store(ACCESS_LOG_STORE, embedded_state)
    record_accesses(first, ["C-0001"])
    record_accesses(second, ["C-0002"])
    # When they take turns, each with an out-of-date idea of where the chain ends
    for n in range(3, 9):
        record_accesses(first if n % 2 else second, [f"C-000{n}"])
    # Then every access is in one unbroken chain
    check = first.verify()
    assert (check.checked, check.broken) == (8, None)
    assert len(list(first.accesses())) == 8
    first.close()
    second.close()


def embedded_rows(settings: Settings) -> sqlite3.Connection:
    return sqlite3.connect(settings.database.sqlite_path.with_name(ACCESS_LOG_FILE))


def test_an_access_changed_in_the_embedded_file_is_named_and_verify_exits_1(
    embedded_state: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    log = open_event_store(ACCESS_LOG_STORE, embedded_state)
    record_accesses(log, ["C-0001", "C-0002", "C-0003", "C-0004"])
    log.close()
    with embedded_rows(embedded_state) as rows:
        rows.execute(
            "UPDATE stored_events SET state = CAST(replace(state, 'rev1', 'rev2') AS BLOB) "
            "WHERE originator_version = 2"
        )
    code, said = verify(capsys)
    assert code == 1
    assert "access log broken at access 2: (recorded " in said
    assert "it was changed after it was recorded (1 accesses before it hold)" in said


def test_an_access_removed_from_the_embedded_file_is_named(
    embedded_state: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    log = open_event_store(ACCESS_LOG_STORE, embedded_state)
    record_accesses(log, ["C-0001", "C-0002", "C-0003"])
    log.close()
    with embedded_rows(embedded_state) as rows:
        rows.execute("DELETE FROM stored_events WHERE originator_version = 2")
    assert verify(capsys) == (
        1,
        "access log broken at access 2: is missing (removed from the store) "
        "(1 accesses before it hold)\n",
    )


@pytest.mark.postgres
def test_an_access_altered_by_the_owner_role_makes_audit_verify_exit_1_naming_it(
    postgres_settings: Settings,
    wiring_for: Callable[[Settings], Wiring],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given accesses recorded by the application on PostgreSQL, and a verified chain
    log = wiring_for(postgres_settings).access_log
    record_accesses(log, ["C-0001", "C-0002", "C-0003"])
    monkeypatch.setenv(config.DATABASE_URL, postgres_settings.database.url)
    monkeypatch.setenv(config.STATE_DIR, str(postgres_settings.state_dir))
    assert verify(capsys)[0] == 0
    # When the owner role (which the application never connects as) rewrites the third access
    database = postgres_settings.database.postgres_parts()["dbname"]
    with psycopg.connect(in_database(postgres_owner_url(), database)) as owner:
        changed = owner.execute(
            "UPDATE accesslog_events SET state = convert_to(replace(convert_from(state, 'UTF8'), "
            "'C-0003', 'C-0009'), 'UTF8') WHERE originator_version = 3"
        )
        assert changed.rowcount == 1
    # Then `audit verify` exits 1 and names it
    code, said = verify(capsys)
    assert code == 1
    assert said.startswith("access log broken at access 3: (recorded ")
    assert "does not match its hash" in said


@pytest.mark.postgres
def test_processes_recording_at_the_same_moment_on_postgresql_keep_one_chain(
    postgres_settings: Settings,
) -> None:
    # Given three processes' access logs on one PostgreSQL store
    logs = [open_event_store(ACCESS_LOG_STORE, postgres_settings) for _ in range(3)]
    try:
        # When each records 30 accesses at the same time as the others
        with ThreadPoolExecutor(max_workers=3) as pool:
            list(
                pool.map(
                    lambda pair: record_accesses(
                        pair[1], [f"C-{pair[0]}{n:03}" for n in range(30)]
                    ),
                    enumerate(logs),
                )
            )
        # Then all 90 are in one unbroken chain
        check = logs[0].verify()
        assert (check.checked, check.broken) == (90, None)
    finally:
        for log in logs:
            log.close()
