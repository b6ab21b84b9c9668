"""Adults and households: who lived with the child when, entries naming adults, the household view
replayed as at a day and as an agency knew it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from domain.application import Partnership
from domain.errors import InvalidEntry
from domain.records import agencies_allowed_to_see, records_from_notifications
from fullpicture import config
from fullpicture.cli import USER_ERROR, main
from tests.builders import register_agencies
from tests.people import REVIEWER, practitioner_of, register_people

SOCIAL_WORKER = practitioner_of("csc-north")
POLICE = practitioner_of("police-north")
SCHOOL = practitioner_of("school-elm")
AGENCIES = (
    ("csc-north", "Northshire Children's Social Care", "social_care"),
    ("police-north", "Northshire Police", "police"),
    ("school-elm", "Elm Primary School", "education"),
)


def run(*argv: str) -> None:
    assert main(list(argv)) == 0, argv


@pytest.fixture
def household(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """C-0001 lives with their mother's partner A-0001 from March to June 2025, then with their
    father A-0002 from July; police recorded concerns about another child naming each adult."""
    monkeypatch.setenv(config.STATE_DIR, str(tmp_path / "state"))
    for code, name, kind in AGENCIES:
        run("agency", "register", code, "--name", name, "--type", kind)
    register_people(main, [code for code, _, _ in AGENCIES], ["C-0001"])
    sw = ("--as", SOCIAL_WORKER)
    run(*sw, "adult", "register", "A-0001", "--nhs-number", "999 000 0034")
    run(*sw, "adult", "register", "A-0002")
    run(*sw, "household", "join", "C-0001", "--adult", "A-0001",
        "--relationship", "partner_of_parent", "--from", "2025-03-01")  # fmt: skip
    run(*sw, "household", "leave", "C-0001", "--adult", "A-0001", "--on", "2025-06-01")
    run(*sw, "household", "join", "C-0001", "--adult", "A-0002",
        "--relationship", "father", "--from", "2025-07-01")  # fmt: skip
    run(*sw, "record", "concern", "--child", "C-0001", "--entry-ref", "S-1",
        "--occurred-at", "2025-02-01", "--summary", "Referral about neglect.")  # fmt: skip
    for ref, adult, day in (("P-1", "A-0001", "2025-04-01"), ("P-2", "A-0002", "2025-07-15")):
        run("--as", POLICE, "record", "concern", "--child", "C-0009", "--adult", adult,
            "--entry-ref", ref, "--occurred-at", day, "--summary", f"Incident naming {adult}.",
            "--concerns", "domestic_abuse")  # fmt: skip
    return tmp_path


def household_view(capsys: pytest.CaptureFixture[str], user: str, *asked: str) -> list[Any]:
    capsys.readouterr()
    run("--as", user, "chronology", "C-0001", "--household", "--format", "json", *asked)
    return list(json.loads(capsys.readouterr().out))


def test_the_household_view_as_at_two_dates_shows_different_adults_and_their_entries(
    household: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spring = household_view(capsys, REVIEWER, "--as-at", "2025-05-15")
    summer = household_view(capsys, REVIEWER, "--as-at", "2025-08-01")
    assert [(e["id"], e["about"]) for e in spring] == [
        ("csc-north:S-1", "C-0001"),
        ("police-north:P-1", "A-0001 (partner_of_parent)"),
    ]
    assert [(e["id"], e["about"]) for e in summer] == [
        ("csc-north:S-1", "C-0001"),
        ("police-north:P-2", "A-0002 (father)"),
    ]


def test_a_reviewer_of_one_child_is_not_told_which_other_child_an_adult_s_entry_is_about(
    household: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    summer = household_view(capsys, REVIEWER, "--as-at", "2025-08-01")
    assert all("C-0009" not in e["child_refs"] for e in summer)


def test_known_by_hides_adults_the_agency_never_heard_of(
    household: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the school knows the child, and nothing about the adults
    run("--as", SCHOOL, "record", "concern", "--child", "C-0001", "--entry-ref", "E-1",
        "--occurred-at", "2025-07-20", "--summary", "Tired in class.")  # fmt: skip
    school = household_view(capsys, SCHOOL, "--as-at", "2025-08-01")
    assert [(e["id"], e["about"]) for e in school] == [("school-elm:E-1", "C-0001")]
    # a reviewer asking what the school knew sees the same
    as_school = household_view(
        capsys, REVIEWER, "--as-at", "2025-08-01", "--known-by", "school-elm"
    )
    assert [e["id"] for e in as_school] == ["school-elm:E-1"]
    # social care heard of the father (it recorded his joining) but knows no entry naming him
    social_care = household_view(capsys, SOCIAL_WORKER, "--as-at", "2025-08-01")
    assert [e["id"] for e in social_care] == ["csc-north:S-1"]


def test_the_household_read_is_in_the_access_log(
    household: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    household_view(capsys, REVIEWER, "--as-at", "2025-08-01")
    run("--as", REVIEWER, "audit", "--child", "C-0001", "--format", "json")
    accesses = json.loads(capsys.readouterr().out)
    assert any("with the household" in a["scope"] for a in accesses)


def test_an_entry_naming_an_unregistered_adult_is_refused_naming_the_field(
    household: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    code = main(["--as", POLICE, "record", "concern", "--child", "C-0009", "--adult",
                 "A-0404", "--entry-ref", "P-9", "--occurred-at", "2025-04-01",
                 "--summary", "x"])  # fmt: skip
    assert code == USER_ERROR
    assert "adults: adult 'A-0404' is not registered" in capsys.readouterr().err


def test_household_changes_are_checked(embedded_partnership: Partnership) -> None:
    app = embedded_partnership
    register_agencies(app)
    app.register_adult("A-0001", "csc-north")
    with pytest.raises(InvalidEntry) as refused:
        app.join_household("C-0001", "A-0001", "lodger", "2099-01-01", "csc-north")
    assert {p.field for p in refused.value.problems} == {"relationship", "from_date"}
    with pytest.raises(InvalidEntry, match="adult_ref"):
        app.join_household("C-0001", "A-0404", "father", "2025-01-01", "csc-north")
    assert app.join_household("C-0001", "A-0001", "father", "2025-01-01", "csc-north") is True
    assert app.join_household("C-0001", "A-0001", "father", "2025-01-01", "csc-north") is False


def test_identifiers_and_households_reach_only_the_recording_agency_s_feed(
    embedded_partnership: Partnership,
) -> None:
    app = embedded_partnership
    register_agencies(app)
    app.register_child("C-0001", "2020-01-01", "csc-north", nhs_number="9990000018")
    app.add_child_alias("C-0001", "school-elm", "UPN-1")
    app.register_adult("A-0001", "csc-north", nhs="9990000034")
    app.join_household("C-0001", "A-0001", "father", "2025-01-01", "csc-north")
    notifications = app.recorder.select_notifications(start=1, limit=100)
    people = {
        r["event_type"]: agencies_allowed_to_see(r)
        for _, r in records_from_notifications(app.mapper, notifications)
        if r["kind"] in ("nhs_number", "alias", "adult", "household_joined")
    }
    assert people == {
        "NhsNumberRecorded": ["csc-north"],
        "ChildAliasRecorded": ["school-elm"],
        "AdultRegistered": ["csc-north"],
        "HouseholdJoined": ["csc-north"],
    }
