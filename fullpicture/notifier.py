"""Telling people by e-mail that work waits for them, once, and never what the work is about.

Each pass finds, for every registered person with an e-mail address, the items of each kind of
notification they have not turned off (`domain.notices`) that no earlier message covered: one
message per person and kind, counting them. The outbox keeps every item a message covers:

  1. the items are written to the outbox as `pending` under the message's id (one transaction);
  2. the message is sent;
  3. its rows are marked `sent`.

A crash (even kill -9) between 1 and 3 leaves the rows pending, and the next pass sends that
message again, with the same Message-ID, before anything new; items in the outbox are never
counted again. So a restart never sends a message twice, unless the process dies in the moment
between the server accepting the message and step 3 (SMTP gives no way to ask a server whether it
has a message) - and then the repeat carries the same Message-ID.
The outbox lives beside the read models but is not one: a rebuild of the read models keeps it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from domain.directory import Directory
from domain.notices import NOTIFICATION_KINDS, email_body, email_subject
from domain.people import SAFEGUARDING_LEAD, PersonView
from fullpicture.config import MailServer
from fullpicture.mailer import send_mail
from projections import work
from projections.database import ReadModelDatabase

log = logging.getLogger(__name__)

OUTBOX = "notifications_sent"
CREATE_OUTBOX = f"""CREATE TABLE IF NOT EXISTS {OUTBOX} (
    user_name TEXT NOT NULL, kind TEXT NOT NULL, item TEXT NOT NULL, message_id TEXT NOT NULL,
    status TEXT NOT NULL, recorded_at TEXT NOT NULL, PRIMARY KEY (user_name, kind, item))"""
PENDING, SENT = "pending", "sent"

Send = Callable[[MailServer, str, str, str, str], None]


@dataclass(frozen=True)
class Notice:
    """One message to one person about `items` of one kind (only their count is sent)."""

    user: str
    email: str
    kind: str
    items: tuple[str, ...]

    @property
    def message_id(self) -> str:
        digest = hashlib.sha256("\x1f".join((self.user, self.kind, *self.items)).encode())
        return f"<{digest.hexdigest()[:40]}@fullpicture.invalid>"


def waiting_items(db: ReadModelDatabase, person: PersonView, kind: str, today: str) -> list[str]:
    """What a person is told about, by kind: their own open tasks; and, for a safeguarding lead,
    what reached their agency, its overdue tasks and priority alerts about children it knows."""
    if kind == "task_assigned":
        return work.open_tasks_of(db, person.user, today)
    if not (person.has(SAFEGUARDING_LEAD) and person.agency):
        return []
    if kind == "incoming":
        return [item.entry_id for item in work.incoming_for(db, person.agency)]
    if kind == "task_overdue":
        return work.overdue_tasks_of_agency(db, person.agency, today)
    return work.priority_alerts_for(db, person.agency)


class Notifier:
    def __init__(
        self,
        db: ReadModelDatabase,
        directory: Directory,
        mail: MailServer,
        today: Callable[[], date],
        send: Send = send_mail,
    ) -> None:
        self.db = db
        self.directory = directory
        self.mail = mail
        self.today = today
        self._send = send
        with db.transaction() as cursor:
            cursor.execute(CREATE_OUTBOX)

    def run_once(self) -> int:
        """One pass: messages left pending by a crash first, then what is new; returns how many
        messages were sent. One notifier runs per deployment (`fullpicture notify`)."""
        sent = 0
        for notice in [*self._pending(), *self.notices_due()]:
            self._hold(notice)
            self._send(
                self.mail,
                notice.email,
                email_subject(notice.kind, len(notice.items)),
                email_body(notice.kind, len(notice.items), self.mail.dashboard_url),
                notice.message_id,
            )
            self._mark_sent(notice)
            sent += 1
        return sent

    def notices_due(self) -> Iterator[Notice]:
        today = self.today().isoformat()
        covered = self._covered()
        for person in self.directory.people():
            if not person.email:
                continue
            off = self.directory.notifications_off(person.user)
            for kind in NOTIFICATION_KINDS:
                if kind in off:
                    continue
                new = [
                    item
                    for item in waiting_items(self.db, person, kind, today)
                    if (person.user, kind, item) not in covered
                ]
                if new:
                    yield Notice(person.user, person.email, kind, tuple(sorted(new)))

    def _covered(self) -> set[tuple[str, str, str]]:
        return {
            (str(r[0]), str(r[1]), str(r[2]))
            for r in self.db.query(f"SELECT user_name, kind, item FROM {OUTBOX}")
        }

    def _pending(self) -> list[Notice]:
        """Messages held but not known to be sent (the process stopped in between)."""
        rows = self.db.query(
            f"SELECT message_id, user_name, kind, item FROM {OUTBOX} WHERE status = ? "
            "ORDER BY message_id, item",
            (PENDING,),
        )
        held: dict[str, tuple[str, str, list[str]]] = {}
        for message_id, user, kind, item in rows:
            held.setdefault(message_id, (user, kind, []))[2].append(item)
        found = []
        for user, kind, items in held.values():
            person = self.directory.person(user)
            if person is not None and person.email:
                found.append(Notice(user, person.email, kind, tuple(items)))
        return found

    def _hold(self, notice: Notice) -> None:
        stamp = self.today().isoformat()
        with self.db.transaction() as cursor:
            cursor.execute(
                f"DELETE FROM {OUTBOX} WHERE user_name = ? AND kind = ? AND status = ?",
                (notice.user, notice.kind, PENDING),
            )
            cursor.executemany(
                f"INSERT INTO {OUTBOX} (user_name, kind, item, message_id, status, recorded_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (notice.user, notice.kind, item, notice.message_id, PENDING, stamp)
                    for item in notice.items
                ],
            )

    def _mark_sent(self, notice: Notice) -> None:
        with self.db.transaction() as cursor:
            cursor.execute(
                f"UPDATE {OUTBOX} SET status = ? WHERE message_id = ?",
                (SENT, notice.message_id),
            )
