"""The first administrator registers themselves only onto a chronology holding nothing but
agencies: removing the people's store (`people.sqlite`) does not open that door again."""

from __future__ import annotations

from pathlib import Path

import pytest

from fullpicture import config
from fullpicture.bootstrap import DIRECTORY_FILE, Wiring
from fullpicture.cli import main
from fullpicture.config import load_settings


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    state = tmp_path / "state"
    monkeypatch.setenv(config.STATE_DIR, str(state))
    return state


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def partnership_with_a_child(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["init", "--administrator", "admin1"], capsys)[0] == 0
    agency = ["agency", "register", "school-elm", "--name", "Elm Primary", "--type", "education"]
    assert run([*agency, "--as", "admin1"], capsys)[0] == 0
    add = ["user", "add", "teacher1", "--name", "Tess Teacher", "--role", "practitioner"]
    assert run([*add, "--agency", "school-elm", "--as", "admin1"], capsys)[0] == 0
    child = ["child", "register", "C-0001", "--date-of-birth", "2018-04-01"]
    assert run([*child, "--as", "teacher1"], capsys)[0] == 0


def test_with_the_people_store_removed_nobody_can_register_as_the_first_administrator(
    state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a partnership whose chronology holds a child, and its people's store deleted
    partnership_with_a_child(capsys)
    (state_dir / DIRECTORY_FILE).unlink()
    # When someone registers themselves as the first administrator (by `user add` or `init`)
    add = ["user", "add", "mallory", "--name", "Mal Lory", "--role", "administrator"]
    code, said = run(add, capsys)
    # Then it is refused, saying why, and nobody is registered
    assert code == 2
    assert "the chronology holds entries" in said
    assert "restore it from a backup" in said
    assert run(["init", "--administrator", "mallory"], capsys)[0] == 2
    agency = ["agency", "register", "police-x", "--name", "X", "--type", "police"]
    assert run(agency, capsys)[0] == 2
    wiring = Wiring(load_settings())
    try:
        assert not wiring.directory.anyone_registered()
    finally:
        wiring.close()


def test_agencies_registered_before_anyone_leave_the_first_door_open(
    state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a new partnership holding agencies only
    agency = ["agency", "register", "school-elm", "--name", "Elm Primary", "--type", "education"]
    assert run(agency, capsys)[0] == 0
    # When the first administrator registers themselves, Then they are registered
    add = ["user", "add", "admin1", "--name", "Ada Admin", "--role", "administrator"]
    assert run(add, capsys)[0] == 0
    assert "admin1" in run(["user", "list", "--as", "admin1"], capsys)[1]
