"""Who may see and do what, through the command line: every role against every view and action.

A small partnership: C-0001 is known to police-north (it recorded a share) and to school-elm (the
share was addressed to it); C-0002 only to health-visiting. The case reviewer's grant covers
C-0002 for 2025. Allowed reads show data; refusals are one line naming what is wrong (exit 2),
never an empty result.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fullpicture import config
from fullpicture.cli import USER_ERROR, main
from tests.builders import AGENCIES, entry, share
from tests.people import SECOND_ADMIN, approve_review

PRACTITIONER, LEAD, REVIEWER, ANALYST, ADMIN = "pat", "lee", "rev", "ann", "adm"
ROLES = {
    PRACTITIONER: ["--agency", "police-north", "--role", "practitioner"],
    LEAD: ["--agency", "police-north", "--role", "safeguarding_lead"],
    REVIEWER: ["--role", "case_reviewer"],
    ANALYST: ["--role", "analyst"],
}


# The police share's written follow-up is overdue (two days) by then.
AS_AT = "2025-03-10"


def cli(*argv: str) -> int:
    return main(list(argv))


def record(user: str, data: dict[str, object], tmp: Path) -> int:
    path = tmp / f"{data['agency']}-{data['entry_ref']}.json"
    path.write_text(json.dumps(data))
    return cli("--as", user, "record", "--json", str(path))


@pytest.fixture(autouse=True)
def partnership(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(config.STATE_DIR, str(tmp_path / "state"))
    assert cli("user", "add", ADMIN, "--name", "Ada Administrator", "--role", "administrator") == 0
    for code, (name, agency_type) in AGENCIES.items():
        assert (
            cli("--as", ADMIN, "agency", "register", code, "--name", name, "--type", agency_type)
            == 0
        )
    for user, flags in ROLES.items():
        assert cli("--as", ADMIN, "user", "add", user, "--name", f"{user} Example", *flags) == 0
    for agency in ("health-visiting", "school-elm"):
        who = f"{agency}-worker"
        assert (
            cli(
                "--as",
                ADMIN,
                "user",
                "add",
                who,
                "--name",
                "Worker",
                "--agency",
                agency,
                "--role",
                "practitioner",
            )
            == 0
        )
    assert record(PRACTITIONER, share(entry_ref="P-1", child_ref="C-0001"), tmp_path) == 0
    health = entry(
        "concern",
        agency="health-visiting",
        entry_ref="H-1",
        child_ref="C-0002",
        occurred_at="2025-04-01",
        concerns="neglect",
    )
    assert record("health-visiting-worker", health, tmp_path) == 0
    late = entry(
        "concern",
        agency="health-visiting",
        entry_ref="H-2",
        child_ref="C-0002",
        occurred_at="2026-02-01",
        concerns="neglect",
    )
    assert record("health-visiting-worker", late, tmp_path) == 0
    assert (
        cli(
            "--as",
            ADMIN,
            "review",
            "grant",
            "CSPR-1",
            "--reviewer",
            REVIEWER,
            "--child",
            "C-0002",
            "--from",
            "2025-01-01",
            "--to",
            "2025-12-31",
            "--expires",
            "2999-12-31",
        )
        == 0
    )
    approve_review(main, "CSPR-1", proposed_by=ADMIN)
    return tmp_path


def read_json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    capsys.readouterr()
    assert cli(*argv, "--format", "json") == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    capsys.readouterr()
    assert cli(*argv) == USER_ERROR
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err
    return err


def ids(items: object) -> list[str]:
    return [item["id"] for item in items]  # type: ignore[attr-defined, index]


# Naming yourself ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["chronology", "C-0001"],
        ["patterns"],
        ["patterns", "--child", "C-0001"],
        ["export", "C-0001", "--out", "x.csv"],
        ["audit"],
        ["record", "concern"],
        ["import", "x.csv"],
        ["user", "list"],
        ["review", "list"],
    ],
)
def test_a_command_on_child_data_without_a_person_says_how_to_name_yourself(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert "--as USER" in refused(capsys, *argv)


def test_an_unregistered_person_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert "'nobody' is not a registered person" in refused(
        capsys, "--as", "nobody", "chronology", "C-0001"
    )


# Chronology --------------------------------------------------------------------------------------


def test_a_practitioner_reads_their_agency_s_known_by_view(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert ids(read_json(capsys, "--as", PRACTITIONER, "chronology", "C-0001")) == [
        "police-north:P-1"
    ]
    assert ids(read_json(capsys, "--as", "school-elm-worker", "chronology", "C-0001")) == [
        "police-north:P-1"
    ]


def test_a_practitioner_cannot_widen_their_view_to_another_agency(
    capsys: pytest.CaptureFixture[str],
) -> None:
    err = refused(capsys, "--as", PRACTITIONER, "chronology", "C-0001", "--known-by", "school-elm")
    assert "known_by" in err and "police-north" in err


def test_a_practitioner_cannot_open_a_child_their_agency_does_not_know(
    capsys: pytest.CaptureFixture[str],
) -> None:
    err = refused(capsys, "--as", PRACTITIONER, "chronology", "C-0002")
    assert "C-0002 is outside your scope" in err and "--purpose" in err


def test_a_practitioner_replays_as_at_within_their_view(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert read_json(capsys, "--as", LEAD, "chronology", "C-0001", "--as-at", "2025-02-01") == []
    assert ids(
        read_json(capsys, "--as", LEAD, "chronology", "C-0001", "--as-at", "2025-03-01")
    ) == ["police-north:P-1"]


def test_a_case_reviewer_sees_the_full_chronology_of_a_granted_child_within_the_period(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert ids(read_json(capsys, "--as", REVIEWER, "chronology", "C-0002")) == [
        "health-visiting:H-1"
    ]
    assert ids(
        read_json(capsys, "--as", REVIEWER, "chronology", "C-0002", "--known-by", "health-visiting")
    ) == ["health-visiting:H-1"]
    assert "outside your scope" in refused(capsys, "--as", REVIEWER, "chronology", "C-0001")


@pytest.mark.parametrize("user", [ANALYST, ADMIN])
def test_analysts_and_administrators_open_a_chronology_only_by_break_glass(
    user: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "--purpose" in refused(capsys, "--as", user, "chronology", "C-0001")
    shown = read_json(
        capsys, "--as", user, "chronology", "C-0001", "--purpose", "strategy meeting today"
    )
    assert ids(shown) == ["police-north:P-1"]


def test_break_glass_lets_a_practitioner_see_another_agency_s_child(
    capsys: pytest.CaptureFixture[str],
) -> None:
    shown = read_json(
        capsys, "--as", PRACTITIONER, "chronology", "C-0002", "--purpose", "child found at night"
    )
    assert ids(shown) == ["health-visiting:H-1", "health-visiting:H-2"]


# Patterns ----------------------------------------------------------------------------------------


def test_patterns_for_a_child_follow_the_chronology_s_scope(
    capsys: pytest.CaptureFixture[str],
) -> None:
    alerts = read_json(
        capsys, "--as", PRACTITIONER, "patterns", "--child", "C-0001", "--as-at", AS_AT
    )
    assert [(a["pattern"], a["evidence"]) for a in alerts] == [  # type: ignore[index]
        ("no_written_followup", ["police-north:P-1"])
    ]
    assert "outside your scope" in refused(
        capsys, "--as", PRACTITIONER, "patterns", "--child", "C-0002"
    )
    assert "outside your scope" in refused(capsys, "--as", ANALYST, "patterns", "--child", "C-0001")


def test_the_alert_list_is_scoped_to_each_role(capsys: pytest.CaptureFixture[str]) -> None:
    analyst = read_json(capsys, "--as", ANALYST, "patterns", "--as-at", AS_AT)
    assert {a["child_ref"] for a in analyst} == {"C-0001"}  # type: ignore[index]
    assert all(a["evidence"] == [] for a in analyst)  # type: ignore[index]
    practitioner = read_json(capsys, "--as", PRACTITIONER, "patterns", "--as-at", AS_AT)
    assert [a["evidence"] for a in practitioner] == [["police-north:P-1"]]  # type: ignore[index]
    assert read_json(capsys, "--as", "health-visiting-worker", "patterns", "--as-at", AS_AT) == []
    assert read_json(capsys, "--as", REVIEWER, "patterns", "--as-at", AS_AT) == []
    assert "administrator sees no child data" in refused(capsys, "--as", ADMIN, "patterns")


# Exports -----------------------------------------------------------------------------------------


def test_an_export_holds_only_the_scope_and_says_which(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "pack.html"
    args = ["export", "C-0002", "--format", "html", "--out", str(out)]
    assert cli("--as", REVIEWER, *args) == 0
    text = out.read_text()
    assert "health-visiting:H-1" in text and "health-visiting:H-2" not in text
    assert "review period 01/01/2025 to 31/12/2025" in text
    assert "outside your scope" in refused(capsys, "--as", PRACTITIONER, *args)
    csv_out = tmp_path / "pack.csv"
    assert cli("--as", "school-elm-worker", "export", "C-0001", "--out", str(csv_out)) == 0
    assert csv_out.read_text().count("police-north:P-1") == 1


# Recording ---------------------------------------------------------------------------------------


def test_a_practitioner_records_only_as_their_own_agency(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    theirs = entry("concern", agency="school-elm", entry_ref="X-1")
    path = tmp_path / "x.json"
    path.write_text(json.dumps(theirs))
    err = refused(capsys, "--as", PRACTITIONER, "record", "--json", str(path))
    assert "agency: you record as police-north only, not as school-elm" in err
    own = {k: v for k, v in entry("concern", entry_ref="X-2").items() if k != "agency"}
    path.write_text(json.dumps(own))
    assert cli("--as", PRACTITIONER, "record", "--json", str(path)) == 0
    assert "police-north:X-2" in ids(
        read_json(capsys, "--as", PRACTITIONER, "chronology", "C-0001")
    )


def test_only_the_recording_agency_may_correct_its_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    correction = entry(
        "correction", agency="school-elm", entry_ref="S-9", refers_to="police-north:P-1"
    )
    path = tmp_path / "c.json"
    path.write_text(json.dumps(correction))
    err = refused(capsys, "--as", "school-elm-worker", "record", "--json", str(path))
    assert "refers_to" in err and "another agency" in err


@pytest.mark.parametrize("user", [REVIEWER, ANALYST, ADMIN])
def test_people_who_do_not_act_for_an_agency_record_nothing(
    user: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "x.json"
    path.write_text(json.dumps(entry("concern", entry_ref="X-3")))
    assert "may not record" in refused(capsys, "--as", user, "record", "--json", str(path))


def sheet(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "sheet.csv"
    header = "entry_ref,child_ref,kind,occurred_at,agency,summary,concerns"
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def test_a_case_reviewer_imports_agency_chronologies_of_their_review_s_children(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    granted = sheet(tmp_path, "S-5,C-0002,concern,2025-05-01,school-elm,Came in hungry.,neglect")
    assert cli("--as", REVIEWER, "import", str(granted)) == 0
    assert "school-elm:S-5" in ids(read_json(capsys, "--as", REVIEWER, "chronology", "C-0002"))
    imports = read_json(capsys, "--as", ADMIN, "audit", "--user", REVIEWER)
    assert [(a["view"], a["child_refs"]) for a in imports] == [  # type: ignore[index]
        ("import", ["C-0002"]),
        ("chronology", ["C-0002"]),
    ]
    other = sheet(tmp_path, "S-6,C-0001,concern,2025-05-01,school-elm,Came in hungry.,neglect")
    assert "row 2, column child_ref" in refused(capsys, "--as", REVIEWER, "import", str(other))


def test_a_practitioner_s_import_names_the_row_recorded_as_another_agency(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = sheet(
        tmp_path,
        "P-7,C-0001,concern,2025-05-01,police-north,Seen out late.,",
        "S-7,C-0001,concern,2025-05-01,school-elm,Came in hungry.,neglect",
    )
    assert "row 3, column agency" in refused(capsys, "--as", PRACTITIONER, "import", str(rows))
    assert ids(read_json(capsys, "--as", PRACTITIONER, "chronology", "C-0001")) == [
        "police-north:P-1"
    ]


# The access log ----------------------------------------------------------------------------------


@pytest.mark.parametrize("user", [PRACTITIONER, ANALYST])
def test_the_access_log_is_refused_to_practitioners_and_analysts(
    user: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "access log is for" in refused(capsys, "--as", user, "audit")


def test_each_reader_of_the_access_log_sees_their_part(capsys: pytest.CaptureFixture[str]) -> None:
    read_json(capsys, "--as", PRACTITIONER, "chronology", "C-0001")
    read_json(capsys, "--as", REVIEWER, "chronology", "C-0002")
    read_json(capsys, "--as", ANALYST, "chronology", "C-0002", "--purpose", "checking a referral")
    # The review grant's proposal and approval (naming C-0002) come first.
    granted = [ADMIN, SECOND_ADMIN]
    everyone = read_json(capsys, "--as", ADMIN, "audit")
    assert [a["user"] for a in everyone] == [*granted, PRACTITIONER, REVIEWER, ANALYST]  # type: ignore[index]
    lead = read_json(capsys, "--as", LEAD, "audit")
    assert [a["user"] for a in lead] == [PRACTITIONER]  # type: ignore[index]
    reviewer = read_json(capsys, "--as", REVIEWER, "audit")
    assert [a["user"] for a in reviewer] == [*granted, REVIEWER, ANALYST]  # type: ignore[index]


# Managing people ---------------------------------------------------------------------------------


def test_a_safeguarding_lead_adds_practitioners_of_their_own_agency_only(
    capsys: pytest.CaptureFixture[str],
) -> None:
    add = ["user", "add", "new", "--name", "New Starter", "--role", "practitioner"]
    assert cli("--as", LEAD, *add, "--agency", "police-north") == 0
    assert "only an administrator" in refused(
        capsys,
        "--as",
        LEAD,
        "user",
        "add",
        "new2",
        "--name",
        "N",
        "--agency",
        "school-elm",
        "--role",
        "practitioner",
    )
    assert "only an administrator" in refused(
        capsys, "--as", LEAD, "user", "grant", "new", "--role", "analyst"
    )
    assert "only an administrator" in refused(
        capsys,
        "--as",
        PRACTITIONER,
        "user",
        "add",
        "new3",
        "--name",
        "N",
        "--agency",
        "police-north",
        "--role",
        "practitioner",
    )


def test_an_administrator_belongs_to_no_agency_and_practitioners_need_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert "administrator belongs to no agency" in refused(
        capsys,
        "--as",
        ADMIN,
        "user",
        "add",
        "a2",
        "--name",
        "A",
        "--agency",
        "school-elm",
        "--role",
        "administrator",
    )
    assert "needs an agency" in refused(
        capsys, "--as", ADMIN, "user", "add", "p2", "--name", "P", "--role", "practitioner"
    )


def test_once_anyone_is_registered_agencies_are_registered_by_an_administrator(
    capsys: pytest.CaptureFixture[str],
) -> None:
    register = ["agency", "register", "youth-justice", "--name", "Youth Justice", "--type", "other"]
    assert "--as USER" in refused(capsys, *register)
    assert "only an administrator" in refused(capsys, "--as", LEAD, *register)
    assert cli("--as", ADMIN, *register) == 0


def test_revoking_a_role_takes_effect_on_the_next_request(
    capsys: pytest.CaptureFixture[str],
) -> None:
    read_json(capsys, "--as", PRACTITIONER, "chronology", "C-0001")
    assert cli("--as", ADMIN, "user", "revoke", PRACTITIONER, "--role", "practitioner") == 0
    assert "outside your scope" in refused(capsys, "--as", PRACTITIONER, "chronology", "C-0001")
    listed = read_json(capsys, "--as", ADMIN, "user", "list")
    assert {p["user"]: p["roles"] for p in listed}[PRACTITIONER] == []  # type: ignore[index]


def test_a_withdrawn_review_grant_takes_effect_on_the_next_request(
    capsys: pytest.CaptureFixture[str],
) -> None:
    read_json(capsys, "--as", REVIEWER, "chronology", "C-0002")
    assert cli("--as", ADMIN, "review", "withdraw", "CSPR-1", "--reviewer", REVIEWER) == 0
    assert "outside your scope" in refused(capsys, "--as", REVIEWER, "chronology", "C-0002")
    [grant] = read_json(capsys, "--as", ADMIN, "review", "list")  # type: ignore[misc]
    assert grant["withdrawn"] is True


# Triage ------------------------------------------------------------------------------------------


def current_alert(capsys: pytest.CaptureFixture[str], user: str) -> dict[str, object]:
    [alert] = read_json(capsys, "--as", user, "patterns")  # type: ignore[misc]
    return alert  # type: ignore[no-any-return]


def test_an_analyst_records_a_review_of_an_alert_and_its_triage_is_shown(
    capsys: pytest.CaptureFixture[str],
) -> None:
    alert = current_alert(capsys, ANALYST)
    reviewed = read_json(
        capsys,
        "--as",
        ANALYST,
        "alert",
        "review",
        str(alert["id"]),
        "--outcome",
        "dismissed",
        "--reason",
        "Followed up by phone; writing is on its way.",
    )
    assert reviewed[0]["reviewed_by"] == ANALYST  # type: ignore[index]
    seen = current_alert(capsys, PRACTITIONER)
    assert seen["triage"]["state"] == "dismissed"  # type: ignore[index]
    [history] = seen["triage"]["history"]  # type: ignore[index]
    assert (history["reviewed_by"], history["reason"]) == (
        ANALYST,
        "Followed up by phone; writing is on its way.",
    )


def test_an_alert_outside_a_person_s_scope_is_not_theirs_to_review(
    capsys: pytest.CaptureFixture[str],
) -> None:
    alert_id = str(current_alert(capsys, ANALYST)["id"])
    review = ["alert", "review", alert_id, "--outcome", "noted", "--reason", "Seen."]
    assert "outside your scope" in refused(capsys, "--as", "health-visiting-worker", *review)
    assert "administrator sees no child data" in refused(capsys, "--as", ADMIN, *review)
    assert "not an alert holding now" in refused(
        capsys, "--as", ANALYST, "alert", "review", "A-none", "--outcome", "noted", "--reason", "x"
    )
    assert cli("--as", PRACTITIONER, *review) == 0
