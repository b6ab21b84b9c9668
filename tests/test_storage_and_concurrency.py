"""The embedded store is private to its owner, a wrong cipher key changes nothing, and processes
catching up, rebuilding or recording at the same time never crash."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from eventsourcing.cipher import AESCipher

from fullpicture import config
from fullpicture.bootstrap import Wiring, bootstrap
from fullpicture.cli import USER_ERROR, main
from fullpicture.config import load_settings
from projections.read_models import table_dump
from tests.builders import register_agencies
from tests.conftest import REPO_ROOT
from tests.people import REVIEWER, practitioner_of, register_people

DATABASE = "fullpicture.sqlite"


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_state_directory_and_every_database_file_are_owner_only(tmp_path: Path) -> None:
    state = tmp_path / "state"
    wiring = bootstrap(load_settings({config.STATE_DIR: str(state)}))
    try:
        register_agencies(wiring.partnership)
        wiring.read_models.refresh_alerts()
        files = sorted(p.name for p in state.iterdir())
        assert {DATABASE, f"{DATABASE}-wal", f"{DATABASE}-shm"} <= set(files)
        assert mode_of(state) == 0o700
        assert {name: mode_of(state / name) for name in files} == dict.fromkeys(files, 0o600)
    finally:
        wiring.close()


def test_a_state_directory_made_world_readable_before_is_tightened(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir(mode=0o755)
    (state / DATABASE).touch(mode=0o644)
    wiring = bootstrap(load_settings({config.STATE_DIR: str(state)}))
    try:
        assert wiring.partnership.recorder.max_notification_id() in (None, 0)
    finally:
        wiring.close()
    assert (mode_of(state), mode_of(state / DATABASE)) == (0o700, 0o600)


@pytest.fixture
def encrypted_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    key = AESCipher.create_key(32)
    monkeypatch.setenv(config.STATE_DIR, str(tmp_path / "state"))
    monkeypatch.setenv(config.CIPHER_KEY, key)
    assert main(["agency", "register", "school-elm", "--name", "Elm", "--type", "education"]) == 0
    register_people(main, ["school-elm"], ["C-0001"])
    monkeypatch.setenv(config.ACTING_USER, practitioner_of("school-elm"))
    assert (
        main(
            [
                "record", "concern", "--child", "C-0001", "--agency", "school-elm",
                "--entry-ref", "S-1", "--occurred-at", "2025-03-05", "--summary", "Hungry.",
            ]
        )
        == 0
    )  # fmt: skip
    return tmp_path / "state", key


def snapshot(state: Path, key: str) -> tuple[int, dict[str, object]]:
    # eventsourcing also reads FULLPICTURE_CIPHER_KEY from the environment itself: set it there.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(config.CIPHER_KEY, key)
        wiring = bootstrap(load_settings({config.STATE_DIR: str(state), config.CIPHER_KEY: key}))
        try:
            stored = wiring.partnership.recorder.max_notification_id() or 0
            return stored, table_dump(wiring.read_models.db)
        finally:
            wiring.close()


@pytest.mark.parametrize(
    ("key", "error"),
    [
        (
            AESCipher.create_key(32),
            "error: FULLPICTURE_CIPHER_KEY: the stored events cannot be decrypted with this key "
            "(wrong key, or the store is not encrypted); nothing was changed",
        ),
        (
            None,
            "error: FULLPICTURE_CIPHER_KEY: is not set, but the stored events cannot be read "
            "without a key (encrypted?); nothing was changed",
        ),
    ],
    ids=["wrong key", "missing key"],
)
@pytest.mark.parametrize(
    "command", [["rebuild"], ["project", "--once"], ["--as", REVIEWER, "chronology", "C-0001"]]
)
def test_a_wrong_or_missing_key_is_one_clear_error_and_changes_nothing(
    encrypted_state: tuple[Path, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    key: str | None,
    error: str,
    command: list[str],
) -> None:
    state, right_key = encrypted_state
    before = snapshot(state, right_key)
    if key is None:
        monkeypatch.delenv(config.CIPHER_KEY)
    else:
        monkeypatch.setenv(config.CIPHER_KEY, key)
    capsys.readouterr()
    assert main(command) == USER_ERROR
    assert capsys.readouterr().err.strip() == error
    assert snapshot(state, right_key) == before


def test_with_the_right_key_a_rebuild_gives_the_same_read_models(
    encrypted_state: tuple[Path, str],
) -> None:
    state, key = encrypted_state
    before = snapshot(state, key)
    assert main(["rebuild"]) == 0
    assert snapshot(state, key) == before


def cli(state: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FULLPICTURE_")}
    env |= {config.STATE_DIR: str(state), "PYTHONPATH": str(REPO_ROOT)}
    env[config.ACTING_USER] = practitioner_of("school-elm")
    return subprocess.Popen(
        [sys.executable, "-m", "fullpicture.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(processes: list[subprocess.Popen[str]]) -> list[tuple[int, str]]:
    return [(p.wait(timeout=300), p.communicate()[1]) for p in processes]


@pytest.fixture
def recorded_state(
    tmp_path: Path, wiring_for: Callable[..., Wiring], monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A store holding 3,000 entries (1,500 about C-0001) that the read models have not seen,
    and a practitioner of school-elm and a case reviewer of C-0001."""
    state = tmp_path / "state"
    monkeypatch.setenv(config.STATE_DIR, str(state))
    wiring = wiring_for(load_settings({config.STATE_DIR: str(state)}))
    register_agencies(wiring.partnership)
    register_people(main, ["school-elm"], ["C-0001"])
    rows = [
        (
            None,
            {
                "kind": "concern",
                "agency": "school-elm",
                "entry_ref": f"S-{n}",
                "child_ref": "C-0001" if n % 2 == 0 else f"C-{n % 50:04d}",
                "occurred_at": "2025-03-05",
                "summary": "Arrived hungry.",
                "concerns": "neglect",
            },
        )
        for n in range(3000)
    ]
    wiring.partnership.record_all(rows)
    return state


def expected_read_models(state: Path, tmp_path: Path) -> dict[str, object]:
    copy = tmp_path / "alone"
    copy.mkdir(mode=0o700)
    with sqlite3.connect(state / DATABASE) as source, sqlite3.connect(copy / DATABASE) as target:
        source.backup(target)
    alone = bootstrap(load_settings({config.STATE_DIR: str(copy)}))
    try:
        from consumers.store_feed import rebuild

        rebuild(alone.partnership, alone.read_models)
        return table_dump(alone.read_models.db)
    finally:
        alone.close()


@pytest.mark.parametrize(
    "commands",
    [
        [["project", "--once"], ["project", "--once"]],
        [["rebuild"], ["project", "--once"]],
        [["rebuild"], ["rebuild"]],
    ],
    ids=["two catching up", "rebuild and catch-up", "two rebuilds"],
)
def test_processes_catching_up_or_rebuilding_at_once_take_turns(
    recorded_state: Path, tmp_path: Path, commands: list[list[str]]
) -> None:
    results = finished([cli(recorded_state, *command) for command in commands])
    assert [code for code, _ in results] == [0, 0], results
    assert not any("Traceback" in err for _, err in results)
    wiring = bootstrap(load_settings({config.STATE_DIR: str(recorded_state)}))
    try:
        dump = table_dump(wiring.read_models.db)
    finally:
        wiring.close()
    assert dump == expected_read_models(recorded_state, tmp_path)


def test_two_imports_at_once_both_record(recorded_state: Path, tmp_path: Path) -> None:
    sheets = []
    for name in ("a", "b"):
        sheet = tmp_path / f"{name}.csv"
        sheet.write_text(
            "entry_ref,child_ref,kind,occurred_at,agency,summary\n"
            + "".join(
                f"{name.upper()}-{n},C-0001,concern,2025-03-05,school-elm,Seen.\n"
                for n in range(300)
            )
        )
        sheets.append(sheet)
    results = finished([cli(recorded_state, "import", str(sheet)) for sheet in sheets])
    assert [code for code, _ in results] == [0, 0], results
    wiring = bootstrap(load_settings({config.STATE_DIR: str(recorded_state)}))
    try:
        assert wiring.partnership.find_entry("school-elm:B-299") is not None
        assert wiring.partnership.find_entry("school-elm:A-299") is not None
    finally:
        wiring.close()


@pytest.mark.postgres
def test_two_processes_catching_up_on_postgresql_take_turns(
    postgres_url: str, tmp_path: Path, wiring_for: Callable[..., Wiring]
) -> None:
    settings = load_settings({config.DATABASE_URL: postgres_url, config.STATE_DIR: str(tmp_path)})
    wiring = wiring_for(settings)
    register_agencies(wiring.partnership)
    wiring.partnership.record_all(
        [
            (
                None,
                {
                    "kind": "concern",
                    "agency": "school-elm",
                    "entry_ref": f"S-{n}",
                    "child_ref": f"C-{n % 50:04d}",
                    "occurred_at": "2025-03-05",
                    "summary": "Arrived hungry.",
                },
            )
            for n in range(3000)
        ]
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("FULLPICTURE_")}
    env |= {config.DATABASE_URL: postgres_url, "PYTHONPATH": str(REPO_ROOT)}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "fullpicture.cli", "project", "--once"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = finished(processes)
    assert [code for code, _ in results] == [0, 0], results
    rows = wiring.read_models.db.query("SELECT COUNT(*) FROM chronology")
    assert rows[0][0] == 3000


def test_a_reader_that_stops_early_is_not_a_traceback(recorded_state: Path) -> None:
    # `fullpicture chronology C-0001 | head -1`
    env = {k: v for k, v in os.environ.items() if not k.startswith("FULLPICTURE_")}
    env |= {config.STATE_DIR: str(recorded_state), "PYTHONPATH": str(REPO_ROOT)}
    env[config.ACTING_USER] = REVIEWER
    pipeline = subprocess.run(
        f"{sys.executable} -m fullpicture.cli chronology C-0001 --format json | head -1",
        shell=True,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert pipeline.stdout == "[\n"
    assert pipeline.stderr == ""


def test_preparing_a_database_this_process_has_open_keeps_its_sqlite_locks(
    tmp_path: Path,
) -> None:
    """SQLite's locks are POSIX record locks: closing any descriptor of the file drops them."""
    import sqlite3
    import subprocess
    import sys

    from fullpicture.private_files import prepare_private_database

    state = tmp_path / "state"
    database = state / "fullpicture.sqlite"
    prepare_private_database(database, state)
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO t VALUES (1)")
    prepare_private_database(database, state)  # as a second store of this process would
    other = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], timeout=0, "
            "isolation_level=None); c.execute('BEGIN IMMEDIATE')",
            str(database),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    holder.execute("COMMIT")
    holder.close()
    assert other.returncode != 0 and "database is locked" in other.stderr
