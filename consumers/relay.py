"""The relay: the event store's notification log, in order, onto `<prefix>.events`.

Each stored event is published once per child it concerns (key = child reference, so each child's
order holds within its partition); agency registrations are keyed by the agency code. Headers carry
`event_type`, `event_id` and the store position `notification_id`.

Batches are published in Kafka transactions, then the position is stored in the database. On
start (and after any broker failure) the relay resumes from the later of that stored position and
the highest `notification_id` committed on the topic, so a crash between the two steps neither
loses nor repeats a batch. It only ever reads from the store, so it never publishes an event the
store does not hold.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.application import Application
from kafka.errors import KafkaError

from consumers import kafka_io, run_loop
from consumers.kafka_names import relay_transactional_id
from consumers.kafka_settings import KafkaSettings
from consumers.run_loop import Outcome
from consumers.sealed_messages import blanked, seal_header
from consumers.topic_reader import read_to_end
from domain.child_keys import ChildKeys
from domain.records import EventRecord, records_from_notifications
from domain.sealing import ERASED_CHILD
from projections.database import DATABASE_UNAVAILABLE, ReadModelDatabase
from schemas.codec import encode

log = logging.getLogger(__name__)

TABLE = "relay_positions"
CREATE = f"CREATE TABLE IF NOT EXISTS {TABLE} (topic TEXT PRIMARY KEY, position BIGINT NOT NULL)"
TAIL_SCAN = 500
# How long a resuming relay reads the topic's tail for the highest position committed on it.
TAIL_READ_SECONDS = 15.0


def message_keys(record: EventRecord) -> list[bytes]:
    """One message per child (none for a child whose content was erased); events about no
    child (agency registrations) keyed by agency."""
    children = record.get("child_refs") or []
    if children:
        return [child.encode("utf-8") for child in children if child != ERASED_CHILD]
    return [f"agency:{record['agency']}".encode()]


class Relay:
    """Publishes one application's notification log to one topic (the chronology's events to
    `<prefix>.events`, the access log to `<prefix>.audit`)."""

    def __init__(
        self,
        settings: KafkaSettings,
        application: Application[Any],
        db: ReadModelDatabase,
        batch_size: int = 2000,
        sleep: Callable[[float], None] = time.sleep,
        topic: str | None = None,
        transactional_id: str | None = None,
        child_keys: ChildKeys | None = None,
    ) -> None:
        self.settings = settings
        self.application = application
        # The chronology's personal content is sealed per child (`consumers.sealed_messages`);
        # an application without a key store (the access log) is published as it is.
        self.child_keys = child_keys or getattr(application, "child_keys", None)
        self.db = db
        self.topic = topic or settings.topics.events
        self.transactional_id = transactional_id or relay_transactional_id(
            settings.topics, self.topic
        )
        self.batch_size = batch_size
        self._sleep = sleep
        self._producer = None
        self._position: int | None = None
        with db.transaction() as cursor:
            cursor.execute(CREATE)

    def run(
        self,
        once: bool = False,
        poll_seconds: float = 0.5,
        should_stop: Callable[[], bool] = run_loop.never,
    ) -> int:
        """Publish until stopped (or, with `once`, until the store has nothing more)."""
        return run_relays([self], once, poll_seconds, should_stop)

    def step(self) -> Outcome:
        """Publish the next batch (idle when the store has nothing more). After a broker or
        database failure, the next step resumes from what was committed."""
        try:
            if self._position is None:
                self._position = self._resume_position()
            sent, self._position = self._publish_batch(self._position)
        except (KafkaError, *DATABASE_UNAVAILABLE) as error:
            self.close()
            self._position = None
            return Outcome(failure=error)
        return Outcome(done=sent, idle=sent == 0)

    def _publish_batch(self, position: int) -> tuple[int, int]:
        notifications = self.application.recorder.select_notifications(
            start=position + 1, limit=self.batch_size
        )
        if not notifications:
            return 0, position
        producer = self._ensure_producer()
        producer.begin_transaction()
        sends = []
        try:
            for notification_id, record in records_from_notifications(
                self.application.mapper, notifications
            ):
                personal = b""
                if self.child_keys is not None and record.get("child_refs"):
                    record, personal = blanked(record)
                value = encode(record)
                headers = [
                    ("event_type", record["event_type"].encode()),
                    ("event_id", record["event_id"].encode()),
                    ("notification_id", str(notification_id).encode()),
                ]
                for key in message_keys(record):
                    sent_headers = headers
                    if personal and self.child_keys is not None:
                        agency = record.get("agency") or ""
                        seal = seal_header(personal, key.decode(), agency, self.child_keys)
                        if seal is None:
                            continue
                        sent_headers = [*headers, seal]
                    sends.append(
                        producer.send(self.topic, value=value, key=key, headers=sent_headers)
                    )
            kafka_io.commit_transaction(producer, sends)
        except BaseException:
            self.close()
            raise
        last = notifications[-1].id
        self._store_position(last)
        return len(notifications), last

    def _ensure_producer(self):  # type: ignore[no-untyped-def]
        if self._producer is None:
            kafka_io.ensure_topics(self.settings, [self.topic])
            self._producer = kafka_io.producer(
                self.settings, transactional_id=self.transactional_id
            )
            self._producer.init_transactions()
        return self._producer

    def close(self) -> None:
        """Let go of the producer (a later step makes a new one)."""
        if self._producer is not None:
            try:
                self._producer.close(timeout=2)
            except Exception:  # noqa: BLE001 - closing a broken producer must not hide the cause
                log.debug("relay: producer close failed", exc_info=True)
            self._producer = None

    def _resume_position(self) -> int:
        stored = self._stored_position()
        committed = self._highest_committed_notification()
        return max(stored, committed)

    def _stored_position(self) -> int:
        rows = self.db.query(f"SELECT position FROM {TABLE} WHERE topic = ?", (self.topic,))
        return int(rows[0][0]) if rows else 0

    def _store_position(self, position: int) -> None:
        with self.db.transaction() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE topic = ?", (self.topic,))
            cursor.execute(
                f"INSERT INTO {TABLE} (topic, position) VALUES (?, ?)", (self.topic, position)
            )

    def _highest_committed_notification(self) -> int:
        """The highest store position already committed on the topic (0 if none)."""
        kafka_io.ensure_topics(self.settings, [self.topic])
        tail, _ = read_to_end(self.settings, self.topic, TAIL_READ_SECONDS, tail=TAIL_SCAN)
        found = (kafka_io.header(message.headers, "notification_id") for message in tail)
        return max((int(position) for position in found if position is not None), default=0)


def run_relays(
    relays: Sequence[Relay],
    once: bool = False,
    poll_seconds: float = 0.5,
    should_stop: Callable[[], bool] = run_loop.never,
) -> int:
    """Take turns publishing a batch from each relay until stopped (or, with `once`, until none
    has anything more); returns how many stored events were published."""

    def turn() -> Outcome:
        outcomes = [relay.step() for relay in relays]
        failures = [o.failure for o in outcomes if o.failure is not None]
        return Outcome(
            done=sum(o.done for o in outcomes),
            idle=all(o.idle for o in outcomes),
            failure=failures[0] if failures else None,
        )

    def close() -> None:
        for relay in relays:
            relay.close()

    return run_loop.run(
        turn,
        "relay",
        once=once,
        should_stop=should_stop,
        idle_seconds=poll_seconds,
        close=close,
        sleep=relays[0]._sleep,
    )
