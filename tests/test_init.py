"""`fullpicture init`: a deployment's first administrator and its agencies from a file, checked
whole before anything is written, and harmless to run again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fullpicture import config
from fullpicture.cli import USER_ERROR, main

INIT = ["init", "--administrator", "ada", "--administrator-name", "Ada Administrator"]


@pytest.fixture(autouse=True)
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.STATE_DIR, str(tmp_path / "state"))


def agencies(capsys: pytest.CaptureFixture[str]) -> list[str]:
    capsys.readouterr()
    assert main(["agency", "list", "--format", "json"]) == 0
    return [a["code"] for a in json.loads(capsys.readouterr().out)]


def test_init_registers_the_administrator_then_the_agencies_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listed = tmp_path / "agencies.csv"
    listed.write_text(
        "code,name,type,contact\npolice-north,Northshire Police,police,mash@police.example\n"
        "school-elm,Elm Primary School,education,\n"
    )
    assert main([*INIT, "--agencies", str(listed)]) == 0
    assert main([*INIT, "--agencies", str(listed)]) == 0
    out = capsys.readouterr().out
    assert out.count("first administrator registered: ada") == 1
    assert out.count("already registered: school-elm") == 1
    assert agencies(capsys) == ["police-north", "school-elm"]
    assert main(["--as", "ada", "user", "list", "--format", "json"]) == 0
    [person] = json.loads(capsys.readouterr().out)
    assert (person["user"], person["roles"]) == ("ada", ["administrator"])


def test_a_bad_agencies_file_names_each_row_and_column_and_sets_up_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listed = tmp_path / "agencies.csv"
    listed.write_text(
        "code,name,type\npolice-north,Northshire Police,police\n"
        "school elm,Elm School,educaton\n,Nameless,health\npolice-north,Again,police\n"
    )
    assert main([*INIT, "--agencies", str(listed)]) == USER_ERROR
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"error: {listed}: row 3, column code: 'school elm' is not valid" in err
    assert "row 3, column type: 'educaton' is not one of" in err
    assert "(did you mean 'education'?)" in err
    assert f"error: {listed}: row 4, column code: is required" in err
    assert "row 5, column code: 'police-north' is listed twice" in err
    assert err.rstrip().endswith("error: nothing was set up (4 problem(s))")
    assert agencies(capsys) == []
    assert main(INIT) == 0  # nobody was registered by the refused run
    assert "first administrator registered: ada" in capsys.readouterr().out


def test_an_agencies_file_without_its_columns_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listed = tmp_path / "agencies.csv"
    listed.write_text("agency,title\npolice-north,Northshire Police\n")
    assert main([*INIT, "--agencies", str(listed)]) == USER_ERROR
    assert "missing column(s) code, name, type" in capsys.readouterr().err
