"""The command line: one clear line per problem, a non-zero exit, and data in table or JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fullpicture import config
from fullpicture.cli import USER_ERROR, main
from tests.people import REVIEWER, practitioner_of, register_people

REGISTER = [
    ["agency", "register", "police-north", "--name", "Northshire Police", "--type", "police"],
    ["agency", "register", "school-elm", "--name", "Elm Primary School", "--type", "education"],
]
SHARE_FLAGS = [
    "record",
    "share",
    "--child",
    "C-0001",
    "--child",
    "C-0002",
    "--agency",
    "police-north",
    "--entry-ref",
    "P-1",
    "--occurred-at",
    "2025-01-03",
    "--summary",
    "Domestic incident.",
    "--to-agencies",
    "school-elm",
    "--channel",
    "verbal",
    "--reason",
    "Support at school.",
    "--lawful-basis",
    "public_task",
    "--consent",
    "not_sought_unsafe",
    "--family-informed",
    "no_unsafe",
]


@pytest.fixture(autouse=True)
def embedded_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(config.STATE_DIR, str(tmp_path / "state"))
    for command in REGISTER:
        assert main(command) == 0
    register_people(main, ["police-north", "school-elm"], ["C-0001", "C-0002"])
    monkeypatch.setenv(config.ACTING_USER, REVIEWER)
    return tmp_path


def test_agencies_are_listed_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["agency", "list", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [a["code"] for a in listed] == ["police-north", "school-elm"]


def test_an_unknown_agency_type_is_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--as", "admin", "agency", "register", "x", "--name", "X", "--type", "circus"])
    assert code == USER_ERROR
    assert "error: type: 'circus' is not one of" in capsys.readouterr().err


def test_a_share_recorded_with_flags_appears_in_both_siblings_chronologies(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([*SHARE_FLAGS, "--as", practitioner_of("police-north")]) == 0
    capsys.readouterr()
    assert main(["chronology", "C-0002", "--format", "json"]) == 0
    [item] = json.loads(capsys.readouterr().out)
    assert {k: item[k] for k in ("id", "kind", "agency", "to_agencies", "child_refs")} == {
        "id": "police-north:P-1",
        "kind": "share",
        "agency": "police-north",
        "to_agencies": ["school-elm"],
        "child_refs": ["C-0001", "C-0002"],
    }


def test_an_entry_can_be_recorded_from_json(tmp_path: Path) -> None:
    entry = {
        "kind": "concern",
        "agency": "school-elm",
        "entry_ref": "S-1",
        "child_ref": "C-0001",
        "occurred_at": "2025-02-01",
        "summary": "Arrived hungry.",
        "concerns": ["neglect"],
    }
    path = tmp_path / "entry.json"
    path.write_text(json.dumps(entry))
    assert main(["--as", practitioner_of("school-elm"), "record", "--json", str(path)]) == 0


def test_a_share_missing_its_lawful_basis_is_refused_with_the_field_named(
    capsys: pytest.CaptureFixture[str],
) -> None:
    flags = [f for f in SHARE_FLAGS if f not in ("--lawful-basis", "public_task")]
    assert main([*flags, "--as", practitioner_of("police-north")]) == USER_ERROR
    err = capsys.readouterr().err
    assert "error: lawful_basis: is required" in err and "nothing was recorded" in err
    assert "Traceback" not in err


def test_a_bad_import_reports_row_and_column_and_records_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "school.csv"
    sheet.write_text(
        "entry_ref,child_ref,kind,occurred_at,agency,summary,concerns\n"
        "S-1,C-0001,concern,2025-02-01,school-elm,Arrived hungry.,neglect\n"
        "S-2,C-0001,concern,2025-02-31,school-elm,Arrived hungry again.,neglect\n"
    )
    assert main(["import", str(sheet), "--as", practitioner_of("school-elm")]) == USER_ERROR
    assert "row 3, column occurred_at" in capsys.readouterr().err
    assert main(["chronology", "C-0001", "--format", "json"]) == USER_ERROR
    assert "'C-0001' has no chronology" in capsys.readouterr().err


def test_a_good_import_says_what_it_recorded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "school.csv"
    sheet.write_text(
        "entry_ref,child_ref,kind,occurred_at,agency,summary\n"
        "S-1,C-0001,concern,2025-02-01,school-elm,Arrived hungry.\n"
    )
    assert (
        main(["import", str(sheet), "--format", "json", "--as", practitioner_of("school-elm")]) == 0
    )
    assert json.loads(capsys.readouterr().out) == [{"rows": 1, "recorded": 1, "unchanged": 0}]


def test_a_missing_file_is_a_user_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "nowhere.csv", "--as", practitioner_of("school-elm")]) == USER_ERROR
    assert "nowhere.csv: no such file" in capsys.readouterr().err


def test_relay_without_kafka_explains_the_setting(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["relay", "--once"]) == USER_ERROR
    assert "FULLPICTURE_KAFKA_BOOTSTRAP" in capsys.readouterr().err


def test_a_partnership_can_extend_a_vocabulary_by_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = tmp_path / "vocabulary.toml"
    extra.write_text('[vocabulary]\nagency_type = ["early_years"]\n')
    monkeypatch.setenv(config.VOCABULARY_FILE, str(extra))
    register = ["agency", "register", "nursery-oak", "--name", "Oak Nursery"]
    assert main(["--as", "admin", *register, "--type", "early_years"]) == 0


def test_distributed_mode_refuses_words_the_published_contract_cannot_carry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = tmp_path / "vocabulary.toml"
    extra.write_text('[vocabulary]\nconcerns = ["county_lines"]\n')
    monkeypatch.setenv(config.VOCABULARY_FILE, str(extra))
    monkeypatch.setenv(config.KAFKA_BOOTSTRAP, "127.0.0.1:1")
    assert main(["agency", "list"]) == USER_ERROR
    assert "new schema version" in capsys.readouterr().err


def test_known_by_an_unknown_agency_is_an_error_not_an_empty_chronology(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([*SHARE_FLAGS, "--as", practitioner_of("police-north")]) == 0
    capsys.readouterr()
    assert main(["chronology", "C-0001", "--known-by", "nobody"]) == USER_ERROR
    assert capsys.readouterr().err == "error: known_by: agency 'nobody' is not registered\n"
