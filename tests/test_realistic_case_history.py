"""A realistic multi-agency case history, imported as agencies keep their chronologies.

Five agencies' spreadsheets (UK dates, every kind, every field each kind carries — requests made by
phone or at a strategy meeting, answers stating their lawful basis or not, written follow-ups that
state their own decision or inherit the share's, a closure with its reason) are imported through
the command line as each agency's practitioner. Every row is recorded; the merged chronology, what
the school knew when, and the patterns over it are asserted entry by entry.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from domain.spreadsheet import COLUMNS
from fullpicture import config
from fullpicture.cli import main
from tests.people import ADMIN, REVIEWER, approve_review, practitioner_of

CHILD, SIBLING = "C-7001", "C-7002"
AGENCIES = {
    "csc-north": ("North Children's Social Care", "social_care"),
    "police-north": ("North Police", "police"),
    "school-elm": ("Elm Primary School", "education"),
    "gp-willow": ("Willow Surgery", "health"),
    "housing-east": ("East Housing", "housing"),
}

# Each agency's sheet, in the order they are imported (answers after the requests they answer).
# Columns not given in a row are empty, as in a spreadsheet.
SHEETS: dict[str, list[dict[str, str]]] = {
    "csc-north": [
        {
            "entry_ref": "CSC-1",
            "child_ref": f"{CHILD};{SIBLING}",
            "kind": "request",
            "occurred_at": "03/02/2025 09:30",
            "recorded_at": "03/02/2025 10:05",
            "practitioner": "Social worker, duty team, 01632 960001",
            "to_agencies": "school-elm",
            "channel": "secure_email",
            "summary": "Asked the school how the children have presented since January.",
            "concerns": "neglect",
            "reason": "Assessing the children's needs after the police referral.",
            "due_by": "10/02/2025",
        },
        {
            "entry_ref": "CSC-2",
            "child_ref": CHILD,
            "kind": "request",
            "occurred_at": "03/02/2025 14:00",
            "to_agencies": "gp-willow",
            "channel": "meeting",
            "summary": "Asked the surgery at the strategy meeting for the child's health history.",
            "reason": "Strategy discussion after a domestic incident.",
            "due_by": "07/02/2025",
        },
        {
            "entry_ref": "CSC-3",
            "child_ref": CHILD,
            "kind": "request",
            "occurred_at": "04/02/2025",
            "to_agencies": "housing-east",
            "channel": "phone",
            "summary": "Asked housing whether the family's tenancy is at risk.",
            "reason": "The mother said they may have to leave the flat.",
            "due_by": "11/02/2025",
        },
        {
            "entry_ref": "CSC-4",
            "child_ref": CHILD,
            "kind": "transfer",
            "occurred_at": "03/02/2025",
            "summary": "Child and family assessment started.",
            "transfer": "assessment",
            "reason": "Referral from the police after a domestic incident.",
        },
        {
            "entry_ref": "CSC-5",
            "child_ref": CHILD,
            "kind": "consent",
            "occurred_at": "05/02/2025",
            "summary": "Decided to share with partners without the mother's consent.",
            "consent": "refused",
            "lawful_basis": "public_task",
            "reason": "The mother refused; the children may be at risk of harm.",
        },
        {
            "entry_ref": "CSC-6",
            "child_ref": CHILD,
            "kind": "correction",
            "occurred_at": "03/02/2025 09:30",
            "refers_to": "csc-north:CSC-1",
            "summary": "Asked the school how the children have presented since December.",
        },
        {
            "entry_ref": "CSC-7",
            "child_ref": CHILD,
            "kind": "action",
            "occurred_at": "10/02/2025",
            "summary": "The social worker will visit weekly; contact the duty team.",
        },
        {
            "entry_ref": "CSC-8",
            "child_ref": CHILD,
            "kind": "transfer",
            "occurred_at": "28/03/2025",
            "recorded_at": "31/03/2025",
            "summary": "Case closed to children's social care; stepped down to early help.",
            "transfer": "closure",
            "reason": "The family is working with early help; no further incidents since February.",
        },
    ],
    "police-north": [
        {
            "entry_ref": "POL-1",
            "child_ref": f"{CHILD};{SIBLING}",
            "kind": "concern",
            "occurred_at": "01/02/2025 22:40",
            "practitioner": "Police constable, public protection unit",
            "summary": "Police attended a domestic incident at home; both children were present.",
            "concerns": "domestic_abuse",
            "significance": "high",
        },
        {
            "entry_ref": "POL-2",
            "child_ref": f"{CHILD};{SIBLING}",
            "kind": "share",
            "occurred_at": "02/02/2025 08:15",
            "to_agencies": "school-elm;csc-north",
            "channel": "verbal",
            "summary": "Told the school and social care of last night's incident.",
            "concerns": "domestic_abuse",
            "significance": "high",
            "lawful_basis": "public_task",
            "consent": "not_sought_unsafe",
            "family_informed": "no_unsafe",
            "reason": "So the school can support the children today.",
        },
        {
            "entry_ref": "POL-3",
            "child_ref": f"{CHILD};{SIBLING}",
            "kind": "followup",
            "occurred_at": "03/02/2025",
            "refers_to": "police-north:POL-2",
            "channel": "secure_email",
            "summary": "Written confirmation of the incident shared by phone.",
        },
        {
            "entry_ref": "POL-4",
            "child_ref": CHILD,
            "kind": "request",
            "occurred_at": "04/02/2025",
            "to_agencies": "gp-willow",
            "channel": "secure_email",
            "summary": "Asked the surgery for the child's recent attendances.",
            "reason": "Building the picture for the strategy discussion.",
            "due_by": "11/02/2025",
        },
        {
            "entry_ref": "POL-5",
            "child_ref": CHILD,
            "kind": "concern",
            "occurred_at": "20/02/2025",
            "summary": "A second incident at home; the mother's partner was arrested.",
            "concerns": "domestic_abuse",
            "significance": "high",
        },
        {
            "entry_ref": "POL-6",
            "child_ref": CHILD,
            "kind": "share",
            "occurred_at": "21/02/2025",
            "to_agencies": "school-elm",
            "channel": "phone",
            "summary": "Told the school of the second incident and the arrest.",
            "concerns": "domestic_abuse",
            "lawful_basis": "public_task",
            "consent": "not_sought_unsafe",
            "family_informed": "no_unsafe",
            "reason": "So the school can watch for changes in the child.",
        },
    ],
    "school-elm": [
        {
            "entry_ref": "SCH-1",
            "child_ref": CHILD,
            "kind": "concern",
            "occurred_at": "05/02/2025",
            "practitioner": "Designated safeguarding lead",
            "summary": "The child came to school hungry and in yesterday's clothes.",
            "concerns": "neglect",
        },
        {
            "entry_ref": "SCH-2",
            "child_ref": CHILD,
            "kind": "voice",
            "occurred_at": "06/02/2025",
            "child_words": "I don't like it when they shout at night.",
            "captured_how": "direct_words",
        },
        {
            "entry_ref": "SCH-3",
            "child_ref": CHILD,
            "kind": "response",
            "occurred_at": "07/02/2025",
            "refers_to": "csc-north:CSC-1",
            "channel": "secure_email",
            "summary": "Attendance 82% since December; late twice a week.",
            "concerns": "education_attendance",
            "lawful_basis": "public_task",
            "consent": "not_needed",
            "family_informed": "yes",
        },
        {
            "entry_ref": "SCH-4",
            "child_ref": CHILD,
            "kind": "share",
            "occurred_at": "12/02/2025 15:30",
            "to_agencies": "csc-north",
            "channel": "meeting",
            "summary": "Told social care what the child said about shouting at night.",
            "concerns": "domestic_abuse",
            "lawful_basis": "public_task",
            "consent": "given",
            "family_informed": "yes",
            "reason": "Social care is assessing the family.",
        },
        {
            "entry_ref": "SCH-5",
            "child_ref": CHILD,
            "kind": "followup",
            "occurred_at": "13/02/2025",
            "refers_to": "school-elm:SCH-4",
            "channel": "letter",
            "summary": "Letter confirming what was shared at the meeting.",
            "lawful_basis": "legal_obligation",
            "consent": "given",
            "family_informed": "yes",
        },
        {
            "entry_ref": "SCH-6",
            "child_ref": CHILD,
            "kind": "concern",
            "occurred_at": "24/02/2025",
            "summary": "The child said there was another argument at home at the weekend.",
            "concerns": "domestic_abuse",
        },
    ],
    "gp-willow": [
        {
            "entry_ref": "GP-1",
            "child_ref": CHILD,
            "kind": "concern",
            "occurred_at": "14/01/2025",
            "summary": "The child was not brought to the asthma review.",
            "concerns": "missed_health_appointment",
        },
        {
            "entry_ref": "GP-2",
            "child_ref": CHILD,
            "kind": "decline",
            "occurred_at": "06/02/2025 11:00",
            "refers_to": "csc-north:CSC-2",
            "channel": "phone",
            "summary": "Declined to pass on the full record.",
            "reason": "The full record needs the parent's consent; a summary will follow.",
        },
        {
            "entry_ref": "GP-3",
            "child_ref": CHILD,
            "kind": "response",
            "occurred_at": "10/02/2025",
            "refers_to": "police-north:POL-4",
            "channel": "letter",
            "summary": "Two attendances for asthma since October; no injuries seen.",
        },
        {
            "entry_ref": "GP-4",
            "child_ref": CHILD,
            "kind": "concern",
            "occurred_at": "11/03/2025",
            "summary": "The child was not brought to the rearranged asthma review.",
            "concerns": "missed_health_appointment",
        },
    ],
    "housing-east": [
        {
            "entry_ref": "HOU-1",
            "child_ref": CHILD,
            "kind": "concern",
            "occurred_at": "01/03/2025",
            "summary": "The family moved to temporary accommodation.",
            "concerns": "change_of_address",
            "significance": "low",
        },
    ],
}


def cli(*argv: str) -> int:
    return main(list(argv))


def read_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    capsys.readouterr()
    assert cli(*argv, "--format", "json") == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def write_sheet(path: Path, rows: list[dict[str, str]]) -> Path:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "agency": path.stem})
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


@pytest.fixture
def imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> dict[str, tuple[dict[str, Any], str]]:
    """Each agency's sheet imported by its own practitioner: (the import's summary, its stderr)."""
    monkeypatch.setenv(config.STATE_DIR, str(tmp_path / "state"))
    assert (
        cli("user", "add", ADMIN, "--name", "Synthetic Administrator", "--role", "administrator")
        == 0
    )
    for code, (name, agency_type) in AGENCIES.items():
        assert (
            cli("--as", ADMIN, "agency", "register", code, "--name", name, "--type", agency_type)
            == 0
        )
    register_people_of_agencies()
    outcomes = {}
    for agency, rows in SHEETS.items():
        sheet = write_sheet(tmp_path / f"{agency}.csv", rows)
        capsys.readouterr()
        assert cli("--as", practitioner_of(agency), "import", str(sheet), "--format", "json") == 0
        printed = capsys.readouterr()
        [summary] = json.loads(printed.out)
        outcomes[agency] = (summary, printed.err)
    return outcomes


def register_people_of_agencies() -> None:
    """A practitioner per agency, and the review grant over both children."""
    for agency in AGENCIES:
        person = practitioner_of(agency)
        assert cli("--as", ADMIN, "user", "add", person, "--name", f"Worker at {agency}",
                   "--agency", agency, "--role", "practitioner") == 0  # fmt: skip
    assert cli("--as", ADMIN, "user", "add", REVIEWER, "--name", "Synthetic Reviewer", "--role",
               "case_reviewer") == 0  # fmt: skip
    assert cli("--as", ADMIN, "review", "grant", "CSPR-SYNTH", "--reviewer", REVIEWER,
               "--child", CHILD, "--child", SIBLING, "--from", "2024-01-01", "--to", "2025-12-31",
               "--expires", "2999-12-31") == 0  # fmt: skip
    approve_review(main, "CSPR-SYNTH", proposed_by=ADMIN)


def test_every_row_of_every_agency_s_sheet_is_recorded(
    imported: dict[str, tuple[dict[str, Any], str]],
) -> None:
    for agency, rows in SHEETS.items():
        summary, _ = imported[agency]
        assert summary == {"rows": len(rows), "recorded": len(rows), "unchanged": 0}, agency


def test_an_answer_without_a_lawful_basis_is_kept_with_a_warning_naming_its_row(
    imported: dict[str, tuple[dict[str, Any], str]],
) -> None:
    warnings = [line for line in imported["gp-willow"][1].splitlines() if "warning" in line]
    assert warnings == [
        "warning: row 4, column lawful_basis: not recorded: an answer is a disclosure, so record "
        'the lawful basis it was shared on; it is kept and shown as "lawful basis not recorded"'
    ]
    assert all(
        "warning" not in err for agency, (_, err) in imported.items() if agency != "gp-willow"
    )


# (id, kind, occurred_at, agency_recorded_at, to_agencies, channel, lawful basis, its status,
#  consent, family informed, transfer, reason) of every entry about the child, in world time.
EXPECTED_CHRONOLOGY = [
    ("gp-willow:GP-1", "concern", "2025-01-14", "", [], "", "", "", "", "", "", ""),
    ("police-north:POL-1", "concern", "2025-02-01T22:40:00", "", [], "", "", "", "", "", "", ""),
    ("police-north:POL-2", "share", "2025-02-02T08:15:00", "", ["school-elm", "csc-north"],
     "verbal", "public_task", "recorded", "not_sought_unsafe", "no_unsafe", "",
     "So the school can support the children today."),
    ("csc-north:CSC-4", "transfer", "2025-02-03", "", [], "", "", "", "", "", "assessment",
     "Referral from the police after a domestic incident."),
    ("police-north:POL-3", "followup", "2025-02-03", "", ["school-elm", "csc-north"],
     "secure_email", "public_task", "inherited", "not_sought_unsafe", "no_unsafe", "", ""),
    ("csc-north:CSC-1", "request", "2025-02-03T09:30:00", "2025-02-03T10:05:00", ["school-elm"],
     "secure_email", "", "", "", "", "",
     "Assessing the children's needs after the police referral."),
    ("csc-north:CSC-6", "correction", "2025-02-03T09:30:00", "", ["school-elm"], "", "", "", "", "",
     "", ""),
    ("csc-north:CSC-2", "request", "2025-02-03T14:00:00", "", ["gp-willow"], "meeting", "", "", "",
     "", "", "Strategy discussion after a domestic incident."),
    ("csc-north:CSC-3", "request", "2025-02-04", "", ["housing-east"], "phone", "", "", "", "", "",
     "The mother said they may have to leave the flat."),
    ("police-north:POL-4", "request", "2025-02-04", "", ["gp-willow"], "secure_email", "", "", "",
     "", "", "Building the picture for the strategy discussion."),
    ("csc-north:CSC-5", "consent", "2025-02-05", "", [], "", "public_task", "", "refused", "", "",
     "The mother refused; the children may be at risk of harm."),
    ("school-elm:SCH-1", "concern", "2025-02-05", "", [], "", "", "", "", "", "", ""),
    ("school-elm:SCH-2", "voice", "2025-02-06", "", [], "", "", "", "", "", "", ""),
    ("gp-willow:GP-2", "decline", "2025-02-06T11:00:00", "", ["csc-north"], "phone", "", "", "",
     "", "",
     "The full record needs the parent's consent; a summary will follow."),
    ("school-elm:SCH-3", "response", "2025-02-07", "", ["csc-north"], "secure_email",
     "public_task", "recorded", "not_needed", "yes", "", ""),
    ("csc-north:CSC-7", "action", "2025-02-10", "", [], "", "", "", "", "", "", ""),
    ("gp-willow:GP-3", "response", "2025-02-10", "", ["police-north"], "letter", "",
     "not recorded", "", "", "", ""),
    ("school-elm:SCH-4", "share", "2025-02-12T15:30:00", "", ["csc-north"], "meeting",
     "public_task", "recorded", "given", "yes", "", "Social care is assessing the family."),
    ("school-elm:SCH-5", "followup", "2025-02-13", "", ["csc-north"], "letter", "legal_obligation",
     "recorded", "given", "yes", "", ""),
    ("police-north:POL-5", "concern", "2025-02-20", "", [], "", "", "", "", "", "", ""),
    ("police-north:POL-6", "share", "2025-02-21", "", ["school-elm"], "phone", "public_task",
     "recorded", "not_sought_unsafe", "no_unsafe", "",
     "So the school can watch for changes in the child."),
    ("school-elm:SCH-6", "concern", "2025-02-24", "", [], "", "", "", "", "", "", ""),
    ("housing-east:HOU-1", "concern", "2025-03-01", "", [], "", "", "", "", "", "", ""),
    ("gp-willow:GP-4", "concern", "2025-03-11", "", [], "", "", "", "", "", "", ""),
    ("csc-north:CSC-8", "transfer", "2025-03-28", "2025-03-31", [], "", "", "", "", "", "closure",
     "The family is working with early help; no further incidents since February."),
]  # fmt: skip
SHOWN = ("id", "kind", "occurred_at", "agency_recorded_at", "to_agencies", "channel",
         "lawful_basis", "lawful_basis_status", "consent", "family_informed", "transfer",
         "reason")  # fmt: skip


def shown(entries: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [tuple(entry[name] for name in SHOWN) for entry in entries]


def test_the_merged_chronology_holds_every_entry_with_what_its_kind_carries(
    imported: object, capsys: pytest.CaptureFixture[str]
) -> None:
    entries = read_json(capsys, "--as", REVIEWER, "chronology", CHILD)
    assert shown(entries) == EXPECTED_CHRONOLOGY
    by_id = {e["id"]: e for e in entries}
    assert by_id["police-north:POL-3"]["inherited"] == [
        "lawful_basis",
        "consent",
        "family_informed",
    ]
    assert by_id["school-elm:SCH-5"]["inherited"] == []
    assert by_id["csc-north:CSC-1"]["answered_by"] == ["school-elm:SCH-3"]
    assert by_id["csc-north:CSC-1"]["corrected_by"] == ["csc-north:CSC-6"]
    assert by_id["csc-north:CSC-2"]["answered_by"] == ["gp-willow:GP-2"]
    assert by_id["police-north:POL-2"]["followed_up_by"] == ["police-north:POL-3"]
    assert by_id["school-elm:SCH-2"]["summary"] == "I don't like it when they shout at night."
    assert by_id["police-north:POL-1"]["child_refs"] == [CHILD, SIBLING]


def test_the_chronology_as_csv_says_which_lawful_basis_is_not_recorded_or_inherited(
    imported: object, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert cli("--as", REVIEWER, "chronology", CHILD, "--format", "csv") == 0
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    assert (
        rows["gp-willow:GP-3"]["lawful_basis"],
        rows["gp-willow:GP-3"]["lawful_basis_status"],
    ) == (
        "",
        "not recorded",
    )
    assert rows["police-north:POL-3"]["lawful_basis_status"] == "inherited"
    assert rows["csc-north:CSC-8"]["reason"].startswith("The family is working with early help")


def test_the_review_pack_shows_the_gap_and_the_inherited_decision(
    imported: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack = tmp_path / "pack.csv"
    assert cli("--as", REVIEWER, "export", CHILD, "--format", "csv", "--out", str(pack)) == 0
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(pack.read_text(encoding="utf-8")))}
    assert rows["gp-willow:GP-3"]["lawful_basis"] == "lawful basis not recorded"
    assert rows["police-north:POL-3"]["lawful_basis"] == (
        "public_task (inherited from police-north:POL-2)"
    )
    assert rows["school-elm:SCH-5"]["lawful_basis"] == "legal_obligation"
    assert rows["csc-north:CSC-2"]["channel"] == "meeting"
    page = tmp_path / "pack.html"
    assert cli("--as", REVIEWER, "export", CHILD, "--format", "html", "--out", str(page)) == 0
    html = page.read_text(encoding="utf-8")
    assert "by letter; lawful basis not recorded" in html
    assert "lawful basis: public task (inherited from the share)" in html
    assert "closure; why: The family is working with early help" in html


# What the school knew on 22 February: its own entries, what was addressed to it (the police's
# shares and follow-up, social care's request and its correction), and nothing else.
SCHOOL_KNEW_BY_22_FEBRUARY = [
    "police-north:POL-2",
    "police-north:POL-3",
    "csc-north:CSC-1",
    "csc-north:CSC-6",
    "school-elm:SCH-1",
    "school-elm:SCH-2",
    "school-elm:SCH-3",
    "school-elm:SCH-4",
    "school-elm:SCH-5",
    "police-north:POL-6",
]


def test_what_the_school_knew_on_a_day_is_replayed_entry_by_entry(
    imported: object, capsys: pytest.CaptureFixture[str]
) -> None:
    entries = read_json(capsys, "--as", REVIEWER, "chronology", CHILD, "--known-by",
                        "school-elm", "--as-at", "2025-02-22")  # fmt: skip
    assert [e["id"] for e in entries] == SCHOOL_KNEW_BY_22_FEBRUARY
    inherited = next(e for e in entries if e["id"] == "police-north:POL-3")
    assert (inherited["lawful_basis"], inherited["lawful_basis_status"]) == (
        "public_task",
        "inherited",
    )


# The patterns over the history as at the end of March, each with its evidence. Eleven concerns
# (a request or answer carries its concern categories too; the move is a circumstance) against
# none before; domestic abuse six times; four agencies with concerns and none told by all (social
# care heard from the police and the school, never from the surgery, whose answer went to the
# police); the request to housing never answered; the police's phone call of 21 February never
# confirmed in writing; social care assessing with no child's voice known to it (the school
# heard the child on 6 February and passed information on only on the 12th, so the closure is
# not flagged for it) and closing with nothing from a partner in the 30 days before; two missed
# asthma reviews. The surgery's answer without a lawful basis still answers the police's request.
# Nobody acknowledged anything in writing: the police's written follow-up, the school's written
# answer and follow-up and the surgery's answer are each unacknowledged after five working days.
CONCERNS = ("gp-willow:GP-1", "police-north:POL-1", "police-north:POL-2", "csc-north:CSC-1",
            "school-elm:SCH-1", "school-elm:SCH-3", "school-elm:SCH-4", "police-north:POL-5",
            "police-north:POL-6", "school-elm:SCH-6", "gp-willow:GP-4")  # fmt: skip
EXPECTED_PATTERNS = {
    ("escalation", CONCERNS),
    ("fragmented_picture", CONCERNS),
    ("recurring_concern", ("police-north:POL-1", "police-north:POL-2", "school-elm:SCH-4",
                           "police-north:POL-5", "police-north:POL-6", "school-elm:SCH-6")),
    ("unanswered_request", ("csc-north:CSC-3",)),
    ("no_written_followup", ("police-north:POL-6",)),
    ("voice_absent", ("csc-north:CSC-4",)),
    ("closed_without_partnership_check", ("csc-north:CSC-8",)),
    ("was_not_brought", ("gp-willow:GP-1", "gp-willow:GP-4")),
    ("share_not_acknowledged", ("police-north:POL-3",)),
    ("share_not_acknowledged", ("school-elm:SCH-3",)),
    ("share_not_acknowledged", ("gp-willow:GP-3",)),
    ("share_not_acknowledged", ("school-elm:SCH-5",)),
}  # fmt: skip


def test_the_patterns_over_the_history_are_those_its_entries_show(
    imported: object, capsys: pytest.CaptureFixture[str]
) -> None:
    alerts = read_json(capsys, "--as", REVIEWER, "patterns", "--child", CHILD, "--as-at",
                       "2025-03-31")  # fmt: skip
    assert {(a["pattern"], tuple(a["evidence"])) for a in alerts} == EXPECTED_PATTERNS
