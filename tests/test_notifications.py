"""Notifications to people, against a real SMTP server (STARTTLS and login): who is told, that
an e-mail holds no child data, that nothing is sent twice, and each person's choices.

Embedded mode: the notifier runs straight after each write, and `fullpicture notify --once`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from email.message import Message
from pathlib import Path

import pytest

from fullpicture import config
from fullpicture.cli import USER_ERROR, main
from tests.builders import AGENCIES, entry, share
from tests.smtp_server import Inbox, smtp_server

ADMIN, POLICE, SCHOOL_LEAD, SCHOOL = "adm", "pat", "lee", "sam"
LEAD_MAIL, SCHOOL_MAIL = "lee@school-elm.invalid", "sam@school-elm.invalid"
SUMMARY = "Police attended a domestic incident at Elm Road; the children were present."
# What identifies a child or what was shared: none of it may appear in an e-mail.
CHILD_DATA = ("C-0001", "C-0002", "P-100", "P-101", "Elm Road", "domestic", "police-north")


def cli(*argv: str) -> int:
    return main(list(argv))


@pytest.fixture
def inbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    monkeypatch.setenv(config.STATE_DIR, str(tmp_path / "state"))
    with smtp_server(tmp_path) as (inbox, environ):
        for key, value in environ.items():
            monkeypatch.setenv(key, value)
        yield inbox


@pytest.fixture
def partnership(inbox: Inbox, tmp_path: Path) -> Path:
    assert cli("user", "add", ADMIN, "--name", "Ada Administrator", "--role", "administrator") == 0
    for code, (name, kind) in AGENCIES.items():
        assert cli("--as", ADMIN, "agency", "register", code, "--name", name, "--type", kind) == 0
    people = (
        (POLICE, "police-north", "practitioner", "pat@police-north.invalid"),
        (SCHOOL_LEAD, "school-elm", "safeguarding_lead", LEAD_MAIL),
        (SCHOOL, "school-elm", "practitioner", SCHOOL_MAIL),
    )
    for user, agency, role, email in people:
        assert cli("--as", ADMIN, "user", "add", user, "--name", f"{user} Example",
                   "--agency", agency, "--role", role, "--email", email) == 0  # fmt: skip
    return tmp_path


def record_share(folder: Path, entry_ref: str, child: str = "C-0001") -> None:
    path = folder / f"{entry_ref}.json"
    data = share(entry_ref=entry_ref, child_ref=child, summary=SUMMARY, channel="secure_email")
    path.write_text(json.dumps(data))
    assert cli("--as", POLICE, "record", "--json", str(path)) == 0


def holds_no_child_data(message: Message) -> None:
    everything = "\n".join(f"{k}: {v}" for k, v in message.items()) + str(message.get_payload())
    for word in CHILD_DATA:
        assert word not in everything, word


def test_a_share_e_mails_the_recipient_agency_s_lead_once_and_holds_no_child_data(
    partnership: Path, inbox: Inbox
) -> None:
    record_share(partnership, "P-100")
    [message] = inbox.to(LEAD_MAIL)
    assert message["Subject"] == "FullPicture: 1 new item waits"
    assert "http://127.0.0.1:8501/" in str(message.get_payload())
    holds_no_child_data(message)
    assert inbox.to(SCHOOL_MAIL) == [], "a practitioner is not told of every incoming item"
    assert cli("notify", "--once") == 0
    assert len(inbox.to(LEAD_MAIL)) == 1, "a restart never sends the same notification again"


def test_the_next_e_mail_counts_only_what_is_new(partnership: Path, inbox: Inbox) -> None:
    record_share(partnership, "P-100")
    record_share(partnership, "P-101", child="C-0002")
    assert [m["Subject"] for m in inbox.to(LEAD_MAIL)] == ["FullPicture: 1 new item waits"] * 2


def test_a_person_who_turned_a_kind_off_is_not_told(partnership: Path, inbox: Inbox) -> None:
    assert cli("--as", SCHOOL_LEAD, "user", "notifications", SCHOOL_LEAD, "--off", "incoming") == 0
    record_share(partnership, "P-100")
    assert inbox.to(LEAD_MAIL) == []
    assert cli("--as", SCHOOL_LEAD, "user", "notifications", SCHOOL_LEAD, "--on", "incoming") == 0
    assert cli("notify", "--once") == 0
    assert len(inbox.to(LEAD_MAIL)) == 1


def test_only_the_person_or_an_administrator_chooses_their_notifications(
    partnership: Path,
) -> None:
    assert (
        cli("--as", SCHOOL, "user", "notifications", SCHOOL_LEAD, "--off", "incoming") == USER_ERROR
    )
    assert cli("--as", ADMIN, "user", "notifications", SCHOOL_LEAD, "--off", "incoming") == 0
    with pytest.raises(SystemExit) as refused:
        cli("--as", SCHOOL, "user", "notifications", SCHOOL, "--off", "horoscope")
    assert refused.value.code == USER_ERROR


def test_a_task_s_owner_is_told_it_was_given_to_them(partnership: Path, inbox: Inbox) -> None:
    record_share(partnership, "P-100")
    assert cli("--as", SCHOOL_LEAD, "task", "add", "--child", "C-0001", "--about",
               "police-north:P-100", "--owner", SCHOOL, "--due", "2099-01-01", "--what",
               "Speak to the class teacher about the children at Elm Road.") == 0  # fmt: skip
    [message] = inbox.to(SCHOOL_MAIL)
    assert message["Subject"] == "FullPicture: 1 new task waits"
    holds_no_child_data(message)
    assert "class teacher" not in str(message.get_payload())


def test_notify_without_a_mail_server_says_what_to_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(config.STATE_DIR, str(tmp_path / "state"))
    monkeypatch.delenv("FULLPICTURE_SMTP_URL", raising=False)
    assert cli("notify", "--once") == USER_ERROR
    assert "FULLPICTURE_SMTP_URL" in capsys.readouterr().err


def test_a_priority_alert_e_mails_the_leads_of_agencies_that_know_the_child(
    partnership: Path, inbox: Inbox
) -> None:
    record_share(partnership, "P-100")  # the school knows C-0001 from here on
    assert len(inbox.to(LEAD_MAIL)) == 1
    today = date.today()
    for number, category in enumerate(
        ("domestic_abuse", "parental_mental_health", "parental_substance_misuse"), start=1
    ):
        concern = entry("concern", agency="police-north", entry_ref=f"P-{200 + number}",
                        occurred_at=(today - timedelta(days=number)).isoformat(),
                        concerns=category, summary="Seen at Elm Road.")  # fmt: skip
        path = partnership / f"concern-{number}.json"
        path.write_text(json.dumps(concern))
        assert cli("--as", POLICE, "record", "--json", str(path)) == 0
    # Three concerns in a week: the toxic trio, and an escalation (none in the 90 days before)
    subjects = [m["Subject"] for m in inbox.to(LEAD_MAIL)]
    assert subjects[-1] == "FullPicture: 2 priority alerts wait"
    assert subjects.count("FullPicture: 2 priority alerts wait") == 1
    for message in inbox.to(LEAD_MAIL):
        holds_no_child_data(message)
        assert "toxic" not in str(message.get_payload())
