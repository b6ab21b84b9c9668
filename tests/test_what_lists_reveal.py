"""What a list of alerts shows, and that showing it is recorded.

An analyst sees the partnership's alerts by child reference, pattern, severity, dates and counts:
never a word taken from the entries behind them (an agency, a day, an acronym a summary used).
Every list that names children is one access event naming the children it showed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fullpicture import config
from fullpicture.bootstrap import bootstrap
from fullpicture.cli import main
from tests.builders import AGENCIES, share

ANALYST, PRACTITIONER, ADMIN = "ann", "pat", "adm"
AS_AT = "2025-03-10"


def cli(*argv: str) -> int:
    return main(list(argv))


@pytest.fixture(autouse=True)
def partnership(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """C-0001: a police share to the school whose summary uses an acronym (CP) unexplained,
    with no written follow-up by AS_AT."""
    monkeypatch.setenv(config.STATE_DIR, str(tmp_path / "state"))
    assert cli("user", "add", ADMIN, "--name", "Ada Administrator", "--role", "administrator") == 0
    for code, (name, agency_type) in AGENCIES.items():
        assert (
            cli("--as", ADMIN, "agency", "register", code, "--name", name, "--type", agency_type)
            == 0
        )
    assert cli("--as", ADMIN, "user", "add", ANALYST, "--name", "Ann", "--role", "analyst") == 0
    assert (
        cli(
            "--as",
            ADMIN,
            "user",
            "add",
            PRACTITIONER,
            "--name",
            "Pat",
            "--agency",
            "police-north",
            "--role",
            "practitioner",
        )  # fmt: skip
        == 0
    )
    path = tmp_path / "share.json"
    summary = "Mother says the CP conference upset the children; police attended at Elm Road."
    path.write_text(json.dumps(share(entry_ref="P-1", summary=summary)))
    assert cli("--as", PRACTITIONER, "record", "--json", str(path)) == 0
    return tmp_path


def alerts_as(user: str, capsys: pytest.CaptureFixture[str], *extra: str) -> list[dict]:
    capsys.readouterr()
    assert cli("--as", user, "patterns", "--as-at", AS_AT, *extra, "--format", "json") == 0
    return json.loads(capsys.readouterr().out)


def accesses(view: str) -> list[tuple[str, tuple[str, ...]]]:
    wiring = bootstrap()
    try:
        return [(a.user, a.child_refs) for a in wiring.access_log.accesses() if a.view == view]
    finally:
        wiring.close()


def test_an_analyst_sees_no_text_taken_from_the_entries_behind_an_alert(
    capsys: pytest.CaptureFixture[str],
) -> None:
    alerts = alerts_as(ANALYST, capsys)
    assert {a["pattern"] for a in alerts} >= {"jargon", "no_written_followup"}
    for alert in alerts:
        shown = json.dumps(alert).lower()
        for taken_from_entries in ("child protection", "cp ", "police", "school", "march", "elm"):
            assert taken_from_entries not in shown, (alert["pattern"], alert["explanation"])
        assert alert["child_ref"] == "C-0001" and alert["severity"] and alert["first_raised"]
        assert alert["evidence"] == [] and "1 entry" in alert["explanation"]


def test_the_practitioner_whose_scope_holds_the_evidence_still_reads_the_explanation(
    capsys: pytest.CaptureFixture[str],
) -> None:
    [jargon] = [a for a in alerts_as(PRACTITIONER, capsys) if a["pattern"] == "jargon"]
    assert "CP (ambiguous: child protection" in jargon["explanation"]
    assert jargon["evidence"] == ["police-north:P-1"]


def test_the_alert_list_is_one_access_event_naming_the_children_shown(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert accesses("alerts") == []
    alerts_as(ANALYST, capsys)
    assert accesses("alerts") == [(ANALYST, ("C-0001",))]
    alerts_as(PRACTITIONER, capsys, "--pattern", "jargon")
    assert accesses("alerts")[-1] == (PRACTITIONER, ("C-0001",))


def test_a_list_that_names_no_child_records_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    assert alerts_as(ANALYST, capsys, "--pattern", "repeat_missing") == []
    assert accesses("alerts") == []
