"""The consistent identifier: NHS numbers checked by their modulus-11 digit, one number one child,
agencies' own ids, and imports that name children by either (all or nothing, row named).

NHS numbers here start 999: a range never issued to a person (used for testing only)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from domain.application import EntriesRejected, Partnership
from domain.errors import DomainError, InvalidEntry
from domain.identifiers import InvalidNhsNumber, check_digit, nhs_number
from domain.spreadsheet import parse_chronology_csv
from fullpicture import config
from fullpicture.bootstrap import event_store_env
from fullpicture.cli import USER_ERROR, main
from fullpicture.config import Settings, load_settings
from tests.builders import register_agencies, stored_count
from tests.people import practitioner_of, register_people

SCHOOL = practitioner_of("school-elm")
SOCIAL_WORKER = practitioner_of("csc-north")


def test_a_valid_nhs_number_is_accepted_with_or_without_spaces() -> None:
    assert nhs_number("nhs_number", "999 000 0018") == "9990000018"
    assert nhs_number("nhs_number", "9990000026") == "9990000026"


def test_a_wrong_check_digit_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidNhsNumber) as refused:
        nhs_number("nhs_number", "999 000 0019")
    assert refused.value.field == "nhs_number"
    assert "check digit" in refused.value.message


@pytest.mark.parametrize("wrong", ["999000001", "99900000181", "999-000-0018", "", "abcdefghij"])
def test_anything_but_ten_digits_is_refused(wrong: str) -> None:
    with pytest.raises(InvalidNhsNumber, match="10 digits"):
        nhs_number("nhs_number", wrong)


def test_a_number_whose_check_digit_would_be_10_is_never_valid() -> None:
    # Given nine digits whose weighted sum leaves a remainder of 1 (11 - 1 = 10)
    first_nine = next(f"999{n:06d}" for n in range(1000) if check_digit(f"999{n:06d}") is None)
    for last in "0123456789":
        with pytest.raises(InvalidNhsNumber, match="would be 10"):
            nhs_number("nhs_number", first_nine + last)


def test_one_nhs_number_is_one_child(embedded_partnership: Partnership) -> None:
    app = embedded_partnership
    register_agencies(app)
    app.register_child("C-0001", "2020-01-01", "csc-north", nhs_number="999 000 0018")
    with pytest.raises(InvalidEntry) as refused:
        app.register_child("C-0002", "2020-02-01", "csc-north", nhs_number="9990000018")
    [problem] = refused.value.problems
    assert problem.field == "nhs_number"
    assert "C-0001" not in str(problem)  # never says whose number it is
    with pytest.raises(InvalidEntry, match="carries another NHS number"):
        app.register_child("C-0001", "", "csc-north", nhs_number="9990000026")
    assert app.register_child("C-0001", "", "csc-north", nhs_number="999 000 0018") is False


def test_two_registrations_of_one_nhs_number_at_once_give_the_domain_error_naming_it(
    embedded_settings: Settings, clock: Callable[[], datetime]
) -> None:
    """Both check the number is free; the other process saves first, and this one's save is
    refused by the store: the answer is the error naming `nhs_number`, not the store's."""
    first = Partnership(env=event_store_env(embedded_settings), now=clock)
    other = Partnership(env=event_store_env(embedded_settings), now=clock)
    register_agencies(first)
    checked = first.nhs_number_to_save
    races = iter([True])

    def the_other_saves_first(*args: str) -> list:  # type: ignore[type-arg]
        to_save = checked(*args)
        if next(races, False):
            other.register_child("C-0002", "2020-02-01", "csc-north", nhs_number="9990000018")
        return to_save

    first.nhs_number_to_save = the_other_saves_first  # type: ignore[method-assign]
    try:
        with pytest.raises(InvalidEntry) as refused:
            first.register_child("C-0001", "2020-01-01", "csc-north", nhs_number="9990000018")
        [problem] = refused.value.problems
        assert problem.field == "nhs_number"
        assert not first.knows_child("C-0001")  # nothing half-written
    finally:
        first.close()
        other.close()


def test_a_child_registered_by_nhs_number_alone_is_told_why_a_birth_date_cannot_follow(
    embedded_partnership: Partnership,
) -> None:
    app = embedded_partnership
    register_agencies(app)
    app.register_child("C-0001", "", "csc-north", nhs_number="9990000018")
    with pytest.raises(DomainError) as refused:
        app.register_child("C-0001", "2020-01-01", "csc-north")
    assert refused.value.field == "date_of_birth"
    assert "registered without a date of birth" in str(refused.value)


def children_with_ids(app: Partnership) -> None:
    register_agencies(app)
    app.register_child("C-0001", "2020-01-01", "csc-north", nhs_number="9990000018")
    app.register_child("C-0002", "2021-01-01", "csc-north", nhs_number="9990000026")
    app.add_child_alias("C-0001", "school-elm", "UPN-1")
    app.add_child_alias("C-0002", "school-elm", "UPN-2")
    # a pupil number the school (wrongly) gave two children
    app.add_child_alias("C-0001", "school-elm", "UPN-9")
    app.add_child_alias("C-0002", "school-elm", "UPN-9")


def test_an_import_naming_children_only_by_local_ids_and_nhs_numbers_records_each_row_against_the_right_child(  # noqa: E501
    embedded_partnership: Partnership,
) -> None:
    app = embedded_partnership
    children_with_ids(app)
    rows = parse_chronology_csv(
        "entry_ref,nhs_number,local_id,agency,kind,occurred_at,summary\n"
        "S-1,,UPN-1,school-elm,concern,2025-03-01,Arrived hungry.\n"
        "S-2,999 000 0026,,school-elm,concern,2025-03-02,Arrived late.\n"
        "S-3,9990000018,UPN-1,school-elm,concern,2025-03-03,Bruise seen.\n"
        "S-4,,UPN-2,school-elm,concern,2025-03-04,Withdrawn.\n"
    )
    app.record_all(rows)
    recorded = {ref: app.find_entry(f"school-elm:{ref}") for ref in ("S-1", "S-2", "S-3", "S-4")}
    assert {ref: e.child_refs for ref, e in recorded.items() if e} == {
        "S-1": ("C-0001",),
        "S-2": ("C-0002",),
        "S-3": ("C-0001",),
        "S-4": ("C-0002",),
    }


@pytest.mark.parametrize(
    ("cells", "field", "words"),
    [
        (",UPN-404", "local_id", "has no child with this id"),
        ("9990000034,", "nhs_number", "no child carries"),
        (",UPN-9", "local_id", "2 children"),
        ("9990000026,UPN-1", "local_id", "another child"),
        ("9990000019,", "nhs_number", "check digit"),
    ],
)
def test_an_unknown_or_ambiguous_id_refuses_the_file_naming_the_row(
    embedded_partnership: Partnership, cells: str, field: str, words: str
) -> None:
    app = embedded_partnership
    children_with_ids(app)
    before = stored_count(app)
    rows = parse_chronology_csv(
        "entry_ref,nhs_number,local_id,agency,kind,occurred_at,summary\n"
        "S-1,,UPN-1,school-elm,concern,2025-03-01,Arrived hungry.\n"
        f"S-2,{cells},school-elm,concern,2025-03-02,Arrived late.\n"
    )
    with pytest.raises(EntriesRejected) as rejected:
        app.record_all(rows)
    [problem] = rejected.value.problems
    assert (problem.row, problem.column) == (3, field)
    assert words in problem.message
    assert stored_count(app) == before  # nothing written, not even row 2


def test_a_row_whose_child_ref_and_nhs_number_disagree_is_refused(
    embedded_partnership: Partnership,
) -> None:
    app = embedded_partnership
    children_with_ids(app)
    rows = parse_chronology_csv(
        "entry_ref,child_ref,nhs_number,agency,kind,occurred_at,summary\n"
        "S-1,C-0002,9990000018,school-elm,concern,2025-03-01,Arrived hungry.\n"
    )
    with pytest.raises(EntriesRejected, match="row 2, column child_ref"):
        app.record_all(rows)


def test_a_spreadsheet_naming_no_child_at_all_is_refused_at_its_header() -> None:
    with pytest.raises(EntriesRejected, match="child_ref: required column is missing"):
        parse_chronology_csv("entry_ref,agency,kind,occurred_at,summary\n")


def test_a_json_entry_may_name_its_child_by_nhs_number(embedded_partnership: Partnership) -> None:
    app = embedded_partnership
    children_with_ids(app)
    outcome = app.record(
        {
            "kind": "concern",
            "agency": "csc-north",
            "entry_ref": "J-1",
            "nhs_number": "999 000 0026",
            "occurred_at": "2025-03-05",
            "summary": "Home visit.",
        },
        lists_as_text=False,
    )
    assert outcome.recorded == ["csc-north:J-1"]
    entry = app.find_entry("csc-north:J-1")
    assert entry is not None and entry.child_refs == ("C-0002",)


@pytest.fixture
def cli_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(config.STATE_DIR, str(tmp_path / "state"))
    for code, name, kind in (
        ("school-elm", "Elm Primary School", "education"),
        ("csc-north", "Northshire Children's Social Care", "social_care"),
    ):
        assert main(["agency", "register", code, "--name", name, "--type", kind]) == 0
    register_people(main, ["school-elm", "csc-north"], ["C-0001"])
    return tmp_path


def test_the_cli_registers_an_nhs_number_and_aliases_and_imports_by_them(
    cli_state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sw = ["--as", SOCIAL_WORKER]
    assert main([*sw, "child", "register", "C-0001", "--nhs-number", "999 000 0018"]) == 0
    assert main(["--as", SCHOOL, "child", "alias", "add", "C-0001", "--local-id", "UPN-1"]) == 0
    sheet = cli_state / "school.csv"
    sheet.write_text(
        "entry_ref,local_id,nhs_number,agency,kind,occurred_at,summary\n"
        "S-1,UPN-1,,school-elm,concern,2025-03-01,Arrived hungry.\n"
        "S-2,,999 000 0018,school-elm,concern,2025-03-02,Arrived late.\n"
    )
    assert main(["--as", SCHOOL, "import", str(sheet)]) == 0
    capsys.readouterr()
    assert main(["--as", SCHOOL, "chronology", "C-0001", "--format", "json"]) == 0
    assert [e["id"] for e in json.loads(capsys.readouterr().out)] == [
        "school-elm:S-1",
        "school-elm:S-2",
    ]
    # the school sees the NHS number and its own id; social care sees no school's id
    assert main(["--as", SCHOOL, "child", "alias", "list", "C-0001", "--format", "json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["nhs_number"] == "9990000018"
    assert [a["local_id"] for a in listed["aliases"]] == ["UPN-1"]
    assert main([*sw, "child", "alias", "list", "C-0001", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["aliases"] == []


def test_the_cli_refuses_a_wrong_nhs_number_naming_the_field(
    cli_state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--as", SOCIAL_WORKER, "child", "register", "C-0001", "--nhs-number", "123"])
    assert code == USER_ERROR
    assert "nhs_number" in capsys.readouterr().err


def test_a_child_s_identifiers_are_outside_an_agency_that_does_not_know_the_child(
    cli_state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["--as", SOCIAL_WORKER, "child", "register", "C-0001", "--nhs-number", "9990000018"])
        == 0
    )
    capsys.readouterr()
    assert main(["--as", SCHOOL, "child", "alias", "list", "C-0001"]) == USER_ERROR
    assert "outside your scope" in capsys.readouterr().err


@pytest.fixture(params=["embedded", "postgres"])
def two_processes(
    request: pytest.FixtureRequest, embedded_settings: Settings, clock: Callable[[], datetime]
) -> Iterator[tuple[Partnership, Partnership]]:
    """Two recording processes on one store (each its own Partnership), SQLite or PostgreSQL."""
    settings = embedded_settings
    if request.param == "postgres":
        settings = load_settings({config.DATABASE_URL: request.getfixturevalue("postgres_url")})
    first = Partnership(env=event_store_env(settings), now=clock)
    second = Partnership(env=event_store_env(settings), now=clock)
    yield first, second
    first.close()
    second.close()


def test_what_another_process_recorded_is_known_before_a_number_or_an_id_is_used(
    two_processes: tuple[Partnership, Partnership],
) -> None:
    first, second = two_processes
    register_agencies(first)
    # the second process has looked at the identifiers already: nothing yet
    assert second.identifier_directory().person_of_number == {}
    first.register_child("C-0001", "2020-01-01", "csc-north", nhs_number="9990000018")
    first.add_child_alias("C-0001", "school-elm", "UPN-1")
    with pytest.raises(InvalidEntry, match="nhs_number: is recorded already for another person"):
        second.register_child("C-0002", "2020-01-01", "csc-north", nhs_number="9990000018")
    rows = parse_chronology_csv(
        "entry_ref,local_id,agency,kind,occurred_at,summary\n"
        "S-1,UPN-1,school-elm,concern,2025-03-01,Arrived hungry.\n"
    )
    assert second.record_all(rows).recorded == ["school-elm:S-1"]
    entry = first.find_entry("school-elm:S-1")
    assert entry is not None and entry.child_refs == ("C-0001",)
