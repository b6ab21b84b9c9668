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
from kafka import TopicPartition
from kafka.errors import KafkaError

from consumers import kafka_io
from consumers.kafka_security import relay_transactional_id
from domain.records import EventRecord, records_from_notifications
from fullpicture.config import Settings
from projections.database import DATABASE_UNAVAILABLE, ReadModelDatabase
from schemas.codec import encode

log = logging.getLogger(__name__)

TABLE = "relay_positions"
CREATE = f"CREATE TABLE IF NOT EXISTS {TABLE} (topic TEXT PRIMARY KEY, position BIGINT NOT NULL)"
TAIL_SCAN = 500
MAX_BACKOFF_SECONDS = 10.0


def message_keys(record: EventRecord) -> list[bytes]:
    """One message per child; events about no child (agency registrations) keyed by agency."""
    children = record.get("child_refs") or []
    if children:
        return [child.encode("utf-8") for child in children]
    return [f"agency:{record['agency']}".encode()]


class Relay:
    """Publishes one application's notification log to one topic (the chronology's events to
    `<prefix>.events`, the access log to `<prefix>.audit`)."""

    def __init__(
        self,
        settings: Settings,
        application: Application[Any],
        db: ReadModelDatabase,
        batch_size: int = 2000,
        sleep: Callable[[float], None] = time.sleep,
        topic: str | None = None,
        transactional_id: str | None = None,
    ) -> None:
        self.settings = settings
        self.application = application
        self.db = db
        self.topic = topic or settings.topics.events
        # The chronology's relay keeps its original id; another topic's relay is named after it.
        # The chronology's relay keeps its original id; another topic's relay is named after it
        # (`<prefix>.audit-relay`), as `fullpicture kafka setup` grants them.
        self.transactional_id = transactional_id or (
            relay_transactional_id(settings.topics)
            if self.topic == settings.topics.events
            else f"{self.topic}-relay"
        )
        self.batch_size = batch_size
        self._sleep = sleep
        self._producer = None
        self._position: int | None = None
        self._backoff = 0.5
        with db.transaction() as cursor:
            cursor.execute(CREATE)

    def run(
        self,
        once: bool = False,
        poll_seconds: float = 0.5,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> int:
        """Publish until stopped (or, with `once`, until the store has nothing more)."""
        return run_relays([self], once, poll_seconds, should_stop)

    def step(self) -> int | None:
        """Publish the next batch: how many were published (0 when caught up), or None after a
        broker failure (already backed off; the next step resumes from what was committed)."""
        try:
            if self._position is None:
                self._position = self._resume_position()
            sent, self._position = self._publish_batch(self._position)
        except (KafkaError, *DATABASE_UNAVAILABLE) as error:
            away = "broker" if isinstance(error, KafkaError) else "database"
            log.warning("relay: %s unavailable (%s); retrying in %.1fs", away, error, self._backoff)
            self._reset_producer()
            self._position = None
            self._sleep(self._backoff)
            self._backoff = min(self._backoff * 2, MAX_BACKOFF_SECONDS)
            return None
        self._backoff = 0.5
        return sent

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
                value = encode(record)
                headers = [
                    ("event_type", record["event_type"].encode()),
                    ("event_id", record["event_id"].encode()),
                    ("notification_id", str(notification_id).encode()),
                ]
                for key in message_keys(record):
                    sends.append(producer.send(self.topic, value=value, key=key, headers=headers))
            kafka_io.commit_transaction(producer, sends)
        except BaseException:
            self._reset_producer()
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

    def _reset_producer(self) -> None:
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
        reader = kafka_io.consumer(self.settings, group_id=None)
        try:
            partitions = [
                TopicPartition(self.topic, p) for p in reader.partitions_for_topic(self.topic) or ()
            ]
            if not partitions:
                return 0
            reader.assign(partitions)
            ends = reader.end_offsets(partitions)
            starts = reader.beginning_offsets(partitions)
            highest = 0
            for partition in partitions:
                end = ends[partition]
                if end <= starts[partition]:
                    continue
                reader.seek(partition, max(starts[partition], end - TAIL_SCAN))
            deadline = time.monotonic() + 15
            pending = {p for p in partitions if ends[p] > starts[p]}
            while pending and time.monotonic() < deadline:
                for messages in reader.poll(timeout_ms=500).values():
                    for message in messages:
                        found = kafka_io.header(message.headers, "notification_id")
                        if found is not None:
                            highest = max(highest, int(found))
                pending = {p for p in pending if reader.position(p) < ends[p]}
            return highest
        finally:
            reader.close()


def run_relays(
    relays: Sequence[Relay],
    once: bool = False,
    poll_seconds: float = 0.5,
    should_stop: Callable[[], bool] = lambda: False,
) -> int:
    """Take turns publishing a batch from each relay until stopped (or, with `once`, until none
    has anything more); returns how many stored events were published."""
    published = 0
    try:
        while not should_stop():
            sent = [relay.step() for relay in relays]
            published += sum(n or 0 for n in sent)
            if all(n == 0 for n in sent):
                if once:
                    break
                relays[0]._sleep(poll_seconds)
    finally:
        for relay in relays:
            relay._reset_producer()
    return published
