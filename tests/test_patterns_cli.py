"""`fullpicture patterns` for a review period, and `fullpicture evaluate`, from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fullpicture import config
from fullpicture.bootstrap import bootstrap
from fullpicture.cli import USER_ERROR, main
from tests.people import REVIEWER, practitioner_of, register_people
from tests.test_cli import REGISTER, SHARE_FLAGS

# The command line's verbal share (to the school, about two siblings), made on 10 March.
VERBAL_SHARE_IN_MARCH = ["2025-03-10" if flag == "2025-01-03" else flag for flag in SHARE_FLAGS]
WRITTEN_AT_THE_END_OF_MARCH = [
    "record",
    "followup",
    "--child",
    "C-0001",
    "--agency",
    "police-north",
    "--entry-ref",
    "P-2",
    "--occurred-at",
    "2025-03-31",
    "--summary",
    "Written summary of the call.",
    "--refers-to",
    "police-north:P-1",
    "--channel",
    "written",
]
# The school acknowledges the written follow-up the next day: nothing else is left open.
ACKNOWLEDGED_THE_NEXT_DAY = [
    "record",
    "acknowledgement",
    "--child",
    "C-0001",
    "--entry-ref",
    "S-1",
    "--occurred-at",
    "2025-04-01",
    "--summary",
    "Read by the school.",
    "--refers-to",
    "police-north:P-2",
    "--outcome",
    "noted",
]


@pytest.fixture(autouse=True)
def share_followed_up_late(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A verbal share on 10 March, followed up in writing only on 31 March (and acknowledged
    by the school the next day)."""
    monkeypatch.setenv(config.STATE_DIR, str(tmp_path / "state"))
    for command in REGISTER:
        assert main(command) == 0
    register_people(main, ["police-north", "school-elm"], ["C-0001", "C-0002"])
    for command in [VERBAL_SHARE_IN_MARCH, WRITTEN_AT_THE_END_OF_MARCH]:
        assert main(["--as", practitioner_of("police-north"), *command]) == 0
    assert main(["--as", practitioner_of("school-elm"), *ACKNOWLEDGED_THE_NEXT_DAY]) == 0
    monkeypatch.setenv(config.ACTING_USER, REVIEWER)


def patterns_json(capsys: pytest.CaptureFixture[str], *options: str) -> list[dict]:
    capsys.readouterr()
    assert main(["patterns", "--child", "C-0001", *options, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_an_alert_that_held_only_in_march_is_listed_for_january_to_june(
    capsys: pytest.CaptureFixture[str],
) -> None:
    [alert] = patterns_json(capsys, "--from", "2025-01-01", "--to", "2025-06-30")
    assert alert["pattern"] == "no_written_followup"
    assert (alert["first_raised"], alert["resolved_at"], alert["as_at"]) == (
        "2025-03-13",
        "2025-03-31",
        "2025-03-30",
    )
    assert alert["evidence"] == ["police-north:P-1"]
    assert alert["id"].startswith("A-")


def test_an_alert_that_held_only_in_march_is_not_listed_for_july_to_december(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert patterns_json(capsys, "--from", "2025-07-01", "--to", "2025-12-31") == []


def test_as_at_keeps_its_meaning_and_gives_the_same_alert_id(
    capsys: pytest.CaptureFixture[str],
) -> None:
    [in_period] = patterns_json(capsys, "--from", "2025-01-01", "--to", "2025-06-30")
    [on_the_day] = patterns_json(capsys, "--as-at", "2025-03-20")
    assert on_the_day["id"] == in_period["id"]
    assert (on_the_day["as_at"], on_the_day["resolved_at"]) == ("2025-03-20", None)
    assert patterns_json(capsys, "--as-at", "2025-04-01") == []


@pytest.mark.parametrize(
    ("options", "named"),
    [
        (["--from", "2025-07-01", "--to", "2025-01-01"], "--to"),
        (["--from", "2025-01-01", "--as-at", "2025-03-01"], "--as-at"),
        (["--to", "2025-01-01"], "--from"),
        (["--from", "2025-13-01"], "--from"),
    ],
)
def test_a_bad_review_period_is_one_clear_error_naming_the_option(
    options: list[str], named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["patterns", *options]) == USER_ERROR
    err = capsys.readouterr().err
    assert err.startswith(f"error: {named}") and "Traceback" not in err


def test_evaluate_reports_every_pattern_as_a_json_list(capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["evaluate", "--children", "200", "--seed", "2", "--format", "json"]) == 0
    measured = json.loads(capsys.readouterr().out)
    assert isinstance(measured, list)
    assert len(measured) == 14
    for row in measured:
        assert set(row) == {"pattern", "planted", "recall", "false_alarms"}
        assert row["planted"] > 0
        assert 0.0 <= row["recall"] <= 1.0 and 0.0 <= row["false_alarms"] <= 1.0


def test_evaluate_refuses_too_few_children_to_plant_every_pattern(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["evaluate", "--children", "20"]) == USER_ERROR
    assert "--children" in capsys.readouterr().err


def test_a_reviewed_alert_shows_its_triage_history_in_json(
    capsys: pytest.CaptureFixture[str],
) -> None:
    [alert] = patterns_json(capsys, "--as-at", "2025-03-20")
    assert "triage" not in alert
    wiring = bootstrap()
    wiring.partnership.review_alert(
        alert["id"], "C-0001", alert["pattern"], alert["evidence"], "noted", "Chased.", "analyst"
    )
    wiring.close()
    [reviewed] = patterns_json(capsys, "--as-at", "2025-03-20")
    assert reviewed["triage"]["state"] == "noted"
    assert [
        (h["outcome"], h["reason"], h["reviewed_by"]) for h in reviewed["triage"]["history"]
    ] == [("noted", "Chased.", "analyst")]
