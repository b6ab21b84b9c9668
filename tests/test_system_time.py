"""System time is FullPicture's own: nothing a user types moves an entry in a system-time replay.

`recorded_at` is stamped when the entry reaches the store. What an agency says about when it
recorded something is kept apart as `agency_recorded_at`, shown, and never replayed by.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from domain import clock
from domain.clock import SettableClock
from fullpicture import config
from fullpicture.cli import USER_ERROR, main
from tests.people import REVIEWER, practitioner_of, register_people

STORED_AT = datetime(2025, 6, 30, 12, 0, 0)
CONCERN = {
    "kind": "concern",
    "agency": "school-elm",
    "entry_ref": "S-1",
    "child_ref": ["C-0001"],
    "occurred_at": "2024-01-10",
    "summary": "Arrived hungry.",
}


@pytest.fixture(autouse=True)
def partnership(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.STATE_DIR, str(tmp_path / "state"))
    monkeypatch.setattr(clock, "now", SettableClock(STORED_AT))
    assert main(["agency", "register", "school-elm", "--name", "Elm", "--type", "education"]) == 0
    register_people(main, ["school-elm"], ["C-0001"])
    monkeypatch.setenv(config.ACTING_USER, practitioner_of("school-elm"))


def replayed_ids(capsys: pytest.CaptureFixture[str], system_time: str) -> list[str]:
    capsys.readouterr()
    assert (
        main(
            ["--as", REVIEWER, "chronology", "C-0001", "--system-time", system_time]
            + ["--format", "json"]
        )
        == 0
    )
    return [entry["id"] for entry in json.loads(capsys.readouterr().out)]


def json_file(tmp_path: Path, data: dict[str, object]) -> str:
    path = tmp_path / "entry.json"
    path.write_text(json.dumps(data))
    return str(path)


@pytest.mark.parametrize("typed", ["2024-01-10", "2099-01-01", "2025-06-30T11:59:59"])
def test_a_recorded_at_typed_into_json_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], typed: str
) -> None:
    assert main(["record", "--json", json_file(tmp_path, {**CONCERN, "recorded_at": typed})]) == 2
    assert "recorded_at: is stamped by FullPicture" in capsys.readouterr().err


def test_record_has_no_recorded_at_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as refused:
        main(["record", "concern", "--recorded-at", "2024-01-10"])
    assert refused.value.code == USER_ERROR
    assert "unrecognized arguments: --recorded-at" in capsys.readouterr().err


def test_the_agency_s_own_time_is_kept_and_shown_but_never_replayed_by(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    given = {**CONCERN, "agency_recorded_at": "2024-01-11T09:30"}
    assert main(["record", "--json", json_file(tmp_path, given)]) == 0
    assert replayed_ids(capsys, "2025-06-30T11:59:59") == []
    assert replayed_ids(capsys, "2025-06-30T12:00:00") == ["school-elm:S-1"]
    capsys.readouterr()
    assert main(["--as", REVIEWER, "chronology", "C-0001", "--format", "json"]) == 0
    [shown] = json.loads(capsys.readouterr().out)
    assert (shown["recorded_at"], shown["agency_recorded_at"]) == (
        "2025-06-30T12:00:00",
        "2024-01-11T09:30:00",
    )


def test_an_imported_recorded_at_column_is_the_agency_s_time_not_the_system_s(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "school.csv"
    sheet.write_text(
        "entry_ref,child_ref,kind,occurred_at,recorded_at,agency,summary\n"
        "S-1,C-0001,concern,10/01/2024,11/01/2024 09:30,school-elm,Arrived hungry.\n"
    )
    assert main(["import", str(sheet)]) == 0
    assert replayed_ids(capsys, "2024-12-31") == []
    assert replayed_ids(capsys, "2025-06-30T12:00:00") == ["school-elm:S-1"]
    capsys.readouterr()
    assert main(["--as", REVIEWER, "chronology", "C-0001", "--format", "json"]) == 0
    [shown] = json.loads(capsys.readouterr().out)
    assert (shown["occurred_at"], shown["agency_recorded_at"]) == (
        "2024-01-10",
        "2024-01-11T09:30:00",
    )


def test_an_entry_dated_in_the_future_cannot_hide_from_every_replay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    late = {**CONCERN, "occurred_at": "2099-01-01", "agency_recorded_at": "2099-01-01"}
    assert main(["record", "--json", json_file(tmp_path, late)]) == USER_ERROR
    err = capsys.readouterr().err
    assert "occurred_at: 2099-01-01 is in the future" in err
    assert "agency_recorded_at: 2099-01-01 is in the future" in err
