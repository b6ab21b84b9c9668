"""Acknowledgements: a recipient says what it did with a share, follow-up or answer, the sender
alone is told, and a written one left unacknowledged is a practice gap until acknowledged."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from domain.application import EntriesRejected, Partnership
from domain.clock import add_working_days
from domain.records import agencies_allowed_to_see, records_from_notifications
from fullpicture import config
from fullpicture.cli import USER_ERROR, main
from projections.patterns.evaluation import evaluate_child
from projections.patterns.glossary import load_glossary
from projections.patterns.settings import load_pattern_config
from tests.builders import AGENCIES, entry, register_agencies, request, share, stored_count
from tests.test_patterns import rec

MONDAY = date(2025, 6, 30)


@pytest.fixture
def app(embedded_partnership: Partnership) -> Partnership:
    register_agencies(embedded_partnership)
    return embedded_partnership


def acknowledgement(**overrides: Any) -> dict[str, Any]:
    fields = {
        "entry_ref": "ACK-1",
        "refers_to": "police-north:P-100",
        "outcome": "action_planned",
        "summary": "Read by the safeguarding lead; the class teacher will watch for changes.",
    }
    return entry("acknowledgement", **(fields | overrides))


def problems_of(app: Partnership, data: dict[str, Any]) -> dict[str, str]:
    before = stored_count(app)
    with pytest.raises(EntriesRejected) as rejected:
        app.record(data)
    assert stored_count(app) == before, "a rejected entry must store nothing"
    return {p.column: p.message for p in rejected.value.problems}


def test_an_acknowledgement_goes_back_to_the_sender_only(app: Partnership) -> None:
    app.record(share(to_agencies="school-elm;csc-north", channel="secure_email"))
    app.record(acknowledgement())
    stored = app.find_entry("school-elm:ACK-1")
    assert stored.to_agencies == ("police-north",)
    assert stored.outcome == "action_planned"


def test_an_acknowledgement_reaches_only_the_sender_s_feed(app: Partnership) -> None:
    app.record(share(to_agencies="school-elm;csc-north", channel="secure_email"))
    app.record(acknowledgement())
    records = dict(
        (r["entry_id"], r)
        for _, r in records_from_notifications(
            app.mapper, app.recorder.select_notifications(start=1, limit=100)
        )
        if "entry_id" in r
    )
    assert agencies_allowed_to_see(records["school-elm:ACK-1"]) == ["school-elm", "police-north"]


def test_only_a_recipient_may_acknowledge(app: Partnership) -> None:
    app.record(share(channel="secure_email"))
    problems = problems_of(app, acknowledgement(agency="health-visiting"))
    assert set(problems) == {"refers_to"}


def test_telling_anyone_but_the_sender_is_refused(app: Partnership) -> None:
    app.record(share(to_agencies="school-elm;csc-north", channel="secure_email"))
    problems = problems_of(app, acknowledgement(to_agencies="csc-north"))
    assert "only to the agency that sent" in problems["to_agencies"]


def test_an_acknowledgement_needs_an_outcome_from_the_vocabulary(app: Partnership) -> None:
    app.record(share(channel="secure_email"))
    assert "outcome" in problems_of(app, acknowledgement(outcome=""))
    assert "not_for_us" in problems_of(app, acknowledgement(outcome="binned"))["outcome"]


def test_only_a_share_follow_up_or_answer_can_be_acknowledged(app: Partnership) -> None:
    app.record(request())
    problems = problems_of(
        app, acknowledgement(agency="health-visiting", refers_to="csc-north:R-1")
    )
    assert "not a share or followup or response" in problems["refers_to"]


def test_an_answer_is_acknowledged_by_the_agency_that_asked(app: Partnership) -> None:
    app.record(request())
    app.record(
        entry("response", agency="health-visiting", entry_ref="A-1", refers_to="csc-north:R-1")
    )
    app.record(acknowledgement(agency="csc-north", refers_to="health-visiting:A-1"))
    assert app.find_entry("csc-north:ACK-1").to_agencies == ("health-visiting",)


# The detector -----------------------------------------------------------------------------------

CONFIG = load_pattern_config()


def written_share(day: str, channel: str = "secure_email") -> dict[str, Any]:
    return rec("share", "P-1", day, "police-north", to_agencies=["school-elm"], channel=channel)


def acknowledged(day: str, agency: str = "school-elm") -> dict[str, Any]:
    return rec(
        "acknowledgement",
        "ACK-1",
        day,
        agency,
        refers_to="police-north:P-1",
        to_agencies=["police-north"],
        outcome="noted",
    )


def raised(records: list[dict[str, Any]], as_at: date = MONDAY) -> list[Any]:
    return evaluate_child(
        records, "C-0001", as_at, CONFIG, load_glossary(), ["share_not_acknowledged"]
    )


def test_five_working_days_from_a_friday_end_the_next_friday() -> None:
    assert add_working_days(date(2025, 6, 20), 5) == date(2025, 6, 27)
    assert add_working_days(date(2025, 6, 20), 5, frozenset({date(2025, 6, 23)})) == date(
        2025, 6, 30
    )


def test_a_written_share_unacknowledged_after_five_working_days_is_flagged() -> None:
    [alert] = raised([written_share("2025-06-20")])
    assert alert.evidence == ("police-north:P-1",)
    assert alert.first_raised == "2025-06-28"
    assert "school-elm" in alert.explanation and "5 working days" in alert.explanation


def test_six_calendar_days_but_four_working_days_is_not_yet_due() -> None:
    assert raised([written_share("2025-06-24")]) == []


def test_an_acknowledged_share_is_not_flagged() -> None:
    assert raised([written_share("2025-06-20"), acknowledged("2025-06-27")]) == []


def test_the_gap_stays_open_until_acknowledged_however_late() -> None:
    records = [written_share("2025-01-06"), acknowledged("2025-06-10")]
    assert raised(records, as_at=date(2025, 6, 9))
    assert raised(records, as_at=date(2025, 6, 10)) == []


def test_an_acknowledgement_by_another_agency_does_not_count() -> None:
    assert raised([written_share("2025-06-20"), acknowledged("2025-06-23", agency="csc-north")])


def test_a_spoken_share_is_left_to_its_written_follow_up() -> None:
    assert raised([written_share("2025-06-02", channel="phone")]) == []
    followup = rec(
        "followup",
        "F-1",
        "2025-06-03",
        "police-north",
        refers_to="police-north:P-1",
        to_agencies=["school-elm"],
        channel="secure_email",
    )
    [alert] = raised([written_share("2025-06-02", channel="phone"), followup])
    assert alert.evidence == ("police-north:F-1",)


def test_holidays_from_the_settings_push_the_due_day() -> None:
    config = load_pattern_config()
    config["share_not_acknowledged"]["holidays"] = ["2025-06-23", "2025-06-24", "2025-06-25"]
    found = evaluate_child(
        [written_share("2025-06-20")],
        "C-0001",
        MONDAY,
        config,
        load_glossary(),
        ["share_not_acknowledged"],
    )
    assert found == []


# The doors: the command line's flags, a JSON entry, a spreadsheet row -------------------------


@pytest.fixture
def cli_partnership(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(config.STATE_DIR, str(tmp_path / "state"))
    assert main(["user", "add", "adm", "--name", "Ada", "--role", "administrator"]) == 0
    for code, (name, kind) in AGENCIES.items():
        assert (
            main(["--as", "adm", "agency", "register", code, "--name", name, "--type", kind]) == 0
        )
    for user, agency in (("pat", "police-north"), ("sam", "school-elm")):
        assert main(["--as", "adm", "user", "add", user, "--name", user, "--agency", agency,
                     "--role", "practitioner"]) == 0  # fmt: skip
    path = tmp_path / "share.json"
    path.write_text(json.dumps(share(entry_ref="P-1", channel="secure_email")))
    assert main(["--as", "pat", "record", "--json", str(path)]) == 0
    return tmp_path


def chronology_of(user: str, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    capsys.readouterr()
    assert main(["--as", user, "chronology", "C-0001", "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_record_acknowledgement_on_the_command_line_reaches_the_sender_s_chronology(
    cli_partnership: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "--as",
                "sam",
                "record",
                "acknowledgement",
                "--entry-ref",
                "ACK-1",
                "--child",
                "C-0001",
                "--occurred-at",
                "2025-03-04",
                "--refers-to",
                "police-north:P-1",
                "--outcome",
                "passed_on",
                "--summary",
                "Passed to the class teacher.",
            ]
        )
        == 0
    )
    entries = {e["id"]: e for e in chronology_of("pat", capsys)}
    assert entries["school-elm:ACK-1"]["outcome"] == "passed_on"
    assert entries["police-north:P-1"]["acknowledged_by"] == ["school-elm:ACK-1"]


def test_a_spreadsheet_row_carries_the_outcome(
    cli_partnership: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = cli_partnership / "school.csv"
    sheet.write_text(
        "entry_ref,child_ref,kind,occurred_at,agency,summary,refers_to,outcome\n"
        "ACK-2,C-0001,acknowledgement,04/03/2025,school-elm,Read by the lead.,"
        "police-north:P-1,not_for_us\n"
    )
    assert main(["--as", "sam", "import", str(sheet)]) == 0
    entries = {e["id"]: e for e in chronology_of("pat", capsys)}
    assert entries["school-elm:ACK-2"]["outcome"] == "not_for_us"
    bad = cli_partnership / "bad.csv"
    bad.write_text(
        "entry_ref,child_ref,kind,occurred_at,agency,summary,refers_to,outcome\n"
        "ACK-3,C-0001,acknowledgement,04/03/2025,school-elm,Read.,police-north:P-1,shrugged\n"
    )
    assert main(["--as", "sam", "import", str(bad)]) == USER_ERROR
    assert "row 2, column outcome" in capsys.readouterr().err
