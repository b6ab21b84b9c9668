"""Closing the loop end to end, on a real PostgreSQL, a real Kafka broker and a real SMTP server.

Police share with a school in writing; the school's safeguarding lead receives one e-mail with no
child data; left unacknowledged the share is a practice gap; the school acknowledges it and the
police's chronology shows the acknowledgement, the gap resolved. A task past its due date e-mails
the school's lead once, even when the notifier is killed (kill -9) in the middle of sending it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from email.message import Message
from pathlib import Path

import pytest

from consumers.kafka_projector import KafkaProjector
from consumers.relay import Relay
from domain.drafts import Authorship, acknowledgement_of
from domain.tasks import checked_task
from fullpicture import config
from fullpicture.bootstrap import Wiring
from fullpicture.config import Settings, kafka_environ, load_settings
from tests.builders import register_agencies, share
from tests.smtp_server import Inbox, smtp_server

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]

POLICE, SCHOOL_LEAD, SCHOOL = "pc.kaur", "dsl.elm", "teacher.elm"
LEAD_MAIL = "dsl@school-elm.invalid"
SUMMARY = "Police attended a domestic incident at Elm Road; both children were present."
CHILD_DATA = ("C-0001", "P-100", "Elm Road", "domestic", "police-north", "Kaur")
RECORDED_ON = datetime(2025, 6, 30, 12, 0)


@pytest.fixture
def mail(tmp_path: Path) -> Iterator[tuple[Inbox, dict[str, str]]]:
    with smtp_server(tmp_path) as found:
        yield found


@pytest.fixture
def wiring(
    distributed_settings: Settings,
    mail: tuple[Inbox, dict[str, str]],
    wiring_for: Callable[[Settings], Wiring],
) -> Wiring:
    _, environ = mail
    settings = replace(distributed_settings, mail=load_settings(environ).mail)
    built = wiring_for(settings)
    register_agencies(built.partnership)
    people = (
        (POLICE, "police-north", "practitioner", "pc.kaur@police-north.invalid"),
        (SCHOOL_LEAD, "school-elm", "safeguarding_lead", LEAD_MAIL),
        (SCHOOL, "school-elm", "practitioner", "teacher@school-elm.invalid"),
    )
    for user, agency, role, email in people:
        built.directory.register_person(user, f"{user} (synthetic)", [role], agency, email)
    return built


def project(wiring: Wiring) -> None:
    Relay(wiring.settings, wiring.partnership, wiring.read_model_database()).run(once=True)
    KafkaProjector(wiring.settings, wiring.read_models).run(once=True)


def record_as(wiring: Wiring, user: str, row: dict[str, object]) -> None:
    rows = wiring.queries.rows_to_record(user, [(None, row)], importing=False)
    wiring.partnership.record_all(rows, author=Authorship(user), lists_as_text=False)


def holds_no_child_data(message: Message) -> None:
    everything = "\n".join(f"{k}: {v}" for k, v in message.items()) + str(message.get_payload())
    for word in CHILD_DATA:
        assert word not in everything, word


def notify_process(wiring: Wiring, environ: dict[str, str], *argv: str) -> subprocess.Popen[str]:
    settings = wiring.settings
    env = {
        **os.environ,
        **kafka_environ(settings),
        **environ,
        config.DATABASE_URL: settings.database.url,
        config.TOPIC_PREFIX: settings.topics.prefix,
        config.STATE_DIR: str(settings.state_dir),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "fullpicture", "notify", *argv],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_a_share_is_told_acknowledged_and_its_gap_resolved(
    wiring: Wiring, mail: tuple[Inbox, dict[str, str]]
) -> None:
    inbox, _ = mail
    # Police share with the school in writing
    record_as(wiring, POLICE, share(summary=SUMMARY, channel="secure_email"))
    project(wiring)
    assert wiring.notifier is not None
    assert wiring.notifier.run_once() == 1
    # The school's lead receives one e-mail, with no child reference, name or summary
    [message] = inbox.to(LEAD_MAIL)
    holds_no_child_data(message)
    assert wiring.notifier.run_once() == 0
    # Left unacknowledged, the share is a practice gap the police see
    police_view = wiring.queries.read_child(POLICE, "C-0001", "chronology")
    assert [a.pattern for a in police_view.alerts] == ["share_not_acknowledged"]
    # The school acknowledges it; the police's chronology shows the acknowledgement
    row = acknowledgement_of(
        "police-north:P-100",
        ["C-0001"],
        "action_planned",
        "Read by the lead; the class teacher will watch.",
        "2025-06-30",
    )
    record_as(wiring, SCHOOL_LEAD, row)
    project(wiring)
    police_view = wiring.queries.read_child(POLICE, "C-0001", "chronology")
    [acknowledged] = [e for e in police_view.entries if e.kind == "acknowledgement"]
    assert (acknowledged.agency, acknowledged.outcome) == ("school-elm", "action_planned")
    [shared] = [e for e in police_view.entries if e.kind == "share"]
    assert shared.acknowledged_by == (acknowledged.id,)
    assert police_view.alerts == []


def test_an_overdue_task_e_mails_the_lead_once_across_a_kill_mid_send(
    wiring: Wiring, mail: tuple[Inbox, dict[str, str]]
) -> None:
    inbox, environ = mail
    record_as(wiring, POLICE, share(summary=SUMMARY, channel="secure_email"))
    project(wiring)
    # A task given on 30 June 2025, due the next day: long overdue today
    with wiring.partnership.using_clock(lambda: RECORDED_ON):
        owner_agency = wiring.queries.task_owner_agency(
            SCHOOL_LEAD, "C-0001", SCHOOL, "police-north:P-100"
        )
        wiring.partnership.add_task(
            checked_task("C-0001", "police-north:P-100", SCHOOL, "2025-07-01", "Call Elm Road."),
            owner_agency,
            SCHOOL_LEAD,
        )
    project(wiring)
    # The notifier is killed while its first message (the lead's) is being sent
    inbox.hold_recipients = True
    process = notify_process(wiring, environ, "--interval", "1")
    deadline = time.monotonic() + 60
    while inbox.sessions_held == 0:
        assert process.poll() is None, process.communicate()[0]
        assert time.monotonic() < deadline, "the notifier never started sending"
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    inbox.hold_recipients = False
    assert inbox.messages == []
    # Started again, it sends every message once; again, nothing more
    for _ in range(2):
        again = notify_process(wiring, environ, "--once")
        output, _ = again.communicate(timeout=120)
        assert again.returncode == 0, output
    subjects = sorted(m["Subject"] for m in inbox.to(LEAD_MAIL))
    assert subjects == ["FullPicture: 1 new item waits", "FullPicture: 1 task past its due date"]
    for message in inbox.messages:
        holds_no_child_data(message)
    [assigned] = inbox.to("teacher@school-elm.invalid")
    assert assigned["Subject"] == "FullPicture: 1 new task waits"
