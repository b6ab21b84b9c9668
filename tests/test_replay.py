"""Replaying a chronology: as at a day, as known by an agency, as the system held it."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from domain import clock
from domain.clock import SettableClock
from fullpicture import config
from fullpicture.cli import main
from tests.people import REVIEWER, practitioner_of, register_people

AGENCIES = [
    ("police-north", "Northshire Police", "police"),
    ("school-elm", "Elm Primary School", "education"),
    ("health-visiting", "Community Health Visiting", "health"),
    ("csc-north", "Northshire Children's Social Care", "social_care"),
]
# Two siblings; recorded_at is when each entry reached the store: the system clock is set to it
# (the entries do not carry it: nobody may).
ENTRIES = [
    {
        "kind": "concern",
        "agency": "school-elm",
        "entry_ref": "S-1",
        "child_ref": ["C-0001", "C-0002"],
        "occurred_at": "2025-02-03T09:00",
        "recorded_at": "2025-02-03T12:00",
        "summary": "Both children arrived late and hungry.",
        "concerns": "neglect",
    },
    {
        "kind": "share",
        "agency": "police-north",
        "entry_ref": "P-1",
        "child_ref": ["C-0001", "C-0002"],
        "occurred_at": "2025-02-10T23:30",
        "recorded_at": "2025-02-11T08:00",
        "summary": "Domestic incident at home.",
        "to_agencies": "school-elm",
        "channel": "phone",
        "reason": "Support in school.",
        "lawful_basis": "public_task",
        "consent": "not_sought_unsafe",
        "family_informed": "no_unsafe",
        "concerns": "domestic_abuse",
    },
    {
        "kind": "request",
        "agency": "csc-north",
        "entry_ref": "R-1",
        "child_ref": "C-0002",
        "occurred_at": "2025-02-12",
        "recorded_at": "2025-02-12T10:00",
        "summary": "Asked the health visitor for contact history.",
        "to_agencies": "health-visiting",
        "reason": "Assessment after the incident.",
    },
    {
        "kind": "response",
        "agency": "health-visiting",
        "entry_ref": "H-1",
        "child_ref": "C-0002",
        "occurred_at": "2025-02-14",
        "recorded_at": "2025-02-20T16:00",
        "summary": "Two missed checks.",
        "refers_to": "csc-north:R-1",
    },
    {
        "kind": "concern",
        "agency": "health-visiting",
        "entry_ref": "H-2",
        "child_ref": "C-0002",
        "occurred_at": "2025-01-20",
        "recorded_at": "2025-02-25T09:00",
        "summary": "Missed developmental check (recorded late).",
        "concerns": "missed_health_appointment",
    },
]


@pytest.fixture(autouse=True)
def partnership(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.STATE_DIR, str(tmp_path / "state"))
    system_clock = SettableClock(datetime(2025, 2, 1, 9, 0))
    monkeypatch.setattr(clock, "now", system_clock)
    for code, name, agency_type in AGENCIES:
        assert main(["agency", "register", code, "--name", name, "--type", agency_type]) == 0
    register_people(main, [code for code, _, _ in AGENCIES], ["C-0001", "C-0002"])
    monkeypatch.setenv(config.ACTING_USER, REVIEWER)
    assert (
        main(
            [
                "--as",
                practitioner_of("health-visiting"),
                "child",
                "register",
                "C-0002",
                "--date-of-birth",
                "2024-11-20",
                "--agency",
                "health-visiting",
            ]
        )
        == 0
    )
    sheet = tmp_path / "entries.json"
    for entry in ENTRIES:
        system_clock.set(datetime.fromisoformat(entry["recorded_at"]))
        sheet.write_text(json.dumps({k: v for k, v in entry.items() if k != "recorded_at"}))
        assert main(["--as", practitioner_of(entry["agency"]), "record", "--json", str(sheet)]) == 0


def chronology(capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    capsys.readouterr()
    assert main(["chronology", *args, "--format", "json"]) == 0
    return [item["id"] for item in json.loads(capsys.readouterr().out)]


def test_the_full_chronology_is_in_world_time_order(capsys) -> None:  # type: ignore[no-untyped-def]
    assert chronology(capsys, "C-0002") == [
        "health-visiting:H-2",
        "school-elm:S-1",
        "police-north:P-1",
        "csc-north:R-1",
        "health-visiting:H-1",
    ]


def test_as_at_a_day_includes_everything_that_happened_by_its_end(capsys) -> None:  # type: ignore[no-untyped-def]
    assert chronology(capsys, "C-0002", "--as-at", "2025-02-10") == [
        "health-visiting:H-2",
        "school-elm:S-1",
        "police-north:P-1",
    ]
    assert chronology(capsys, "C-0002", "--as-at", "2025-02-09") == [
        "health-visiting:H-2",
        "school-elm:S-1",
    ]


def test_known_by_shows_own_entries_and_those_addressed_to_the_agency(capsys) -> None:  # type: ignore[no-untyped-def]
    assert chronology(capsys, "C-0001", "--known-by", "school-elm") == [
        "school-elm:S-1",
        "police-north:P-1",
    ]
    assert chronology(capsys, "C-0002", "--known-by", "csc-north") == [
        "csc-north:R-1",
        "health-visiting:H-1",
    ]
    assert chronology(capsys, "C-0002", "--known-by", "health-visiting") == [
        "health-visiting:H-2",
        "csc-north:R-1",
        "health-visiting:H-1",
    ]


def test_known_by_and_as_at_together_answer_what_an_agency_knew_then(capsys) -> None:  # type: ignore[no-untyped-def]
    assert chronology(capsys, "C-0002", "--known-by", "csc-north", "--as-at", "2025-02-13") == [
        "csc-north:R-1",
    ]


def test_system_time_shows_only_what_had_been_recorded(capsys) -> None:  # type: ignore[no-untyped-def]
    assert chronology(capsys, "C-0002", "--system-time", "2025-02-20T15:59:59") == [
        "school-elm:S-1",
        "police-north:P-1",
        "csc-north:R-1",
    ]
    assert chronology(capsys, "C-0002", "--system-time", "2025-02-25") == [
        "health-visiting:H-2",
        "school-elm:S-1",
        "police-north:P-1",
        "csc-north:R-1",
        "health-visiting:H-1",
    ]


def test_the_chronology_exports_as_csv(capsys) -> None:  # type: ignore[no-untyped-def]
    capsys.readouterr()
    assert main(["chronology", "C-0001", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("occurred_at,id,kind,agency")
    assert len(lines) == 3


def test_a_bad_as_at_date_is_a_clear_error(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["chronology", "C-0001", "--as-at", "last tuesday"]) == 2
    assert "--as-at" in capsys.readouterr().err


def test_rebuild_drops_and_rebuilds_every_read_model_with_a_rate(capsys) -> None:  # type: ignore[no-untyped-def]
    before = chronology(capsys, "C-0002")
    capsys.readouterr()
    assert main(["rebuild"]) == 0
    captured = capsys.readouterr()
    assert "events/s" in captured.out and "rebuilding from the store" in captured.err
    assert chronology(capsys, "C-0002") == before


def test_each_entry_shows_the_child_s_age_once_the_date_of_birth_is_known(capsys) -> None:  # type: ignore[no-untyped-def]
    capsys.readouterr()
    assert main(["chronology", "C-0002", "--format", "json"]) == 0
    ages = {item["id"]: item["child_age"] for item in json.loads(capsys.readouterr().out)}
    assert ages["health-visiting:H-2"] == "2 months"
    assert ages["police-north:P-1"] == "2 months"


def test_patterns_as_at_a_date_are_listed_as_json(capsys) -> None:  # type: ignore[no-untyped-def]
    capsys.readouterr()
    args = ["patterns", "--child", "C-0001", "--as-at", "2025-02-20", "--format", "json"]
    assert main(args) == 0
    alerts = json.loads(capsys.readouterr().out)
    assert [(a["pattern"], a["evidence"]) for a in alerts] == [
        ("no_written_followup", ["police-north:P-1"])
    ]
    assert set(alerts[0]) == {
        "pattern",
        "child_ref",
        "as_at",
        "evidence",
        "explanation",
        "severity",
        "id",
        "first_raised",
        "resolved_at",
    }
    assert main(["patterns", "--child", "C-0001", "--as-at", "2025-02-11", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_patterns_can_be_narrowed_to_one_pattern(capsys) -> None:  # type: ignore[no-untyped-def]
    capsys.readouterr()
    assert (
        main(
            [
                "patterns",
                "--as-at",
                "2025-03-01",
                "--pattern",
                "unanswered_request",
                "--format",
                "json",
            ]
        )
        == 0
    )
    alerts = json.loads(capsys.readouterr().out)
    assert {a["pattern"] for a in alerts} <= {"unanswered_request"}
