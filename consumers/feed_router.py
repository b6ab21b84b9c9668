"""The feed router: `<prefix>.events` -> `<prefix>.feed.<agency>`, need-to-know only.

Consume-transform-produce in Kafka transactions (the consumed offsets commit with the routed
messages), so each event reaches each feed it belongs in exactly once, and never any other feed.
Messages that cannot be decoded go to the dead-letter topic in the same transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from kafka import OffsetAndMetadata

from consumers import kafka_io, run_loop
from consumers.deadletter import dead_letter_headers
from consumers.kafka_names import feeds_group, feeds_transactional_id
from consumers.kafka_settings import KafkaSettings
from consumers.run_loop import Outcome
from consumers.sealed_messages import child_keys_for, opened, without_seal
from domain.child_keys import ChildKeys
from domain.records import agencies_allowed_to_see
from schemas.codec import UndecodableMessage, decode, encode

log = logging.getLogger(__name__)


class FeedRouter:
    def __init__(
        self,
        settings: KafkaSettings,
        poll_timeout_ms: int = 500,
        child_keys: ChildKeys | None = None,
    ) -> None:
        self.settings = settings
        # Feeds carry the content opened: each is a disclosure to its agency.
        self.child_keys = child_keys or child_keys_for(settings)  # type: ignore[arg-type]
        self.topics = settings.topics
        self.group_id = feeds_group(settings.topics)
        self.poll_timeout_ms = poll_timeout_ms
        self._known_topics: set[str] = set()

    def run(self, once: bool = False, should_stop: Callable[[], bool] = run_loop.never) -> int:
        """Route until stopped; with `once`, until caught up. Returns messages routed."""
        kafka_io.ensure_topics(self.settings, [self.topics.events, self.topics.deadletter])
        self._known_topics |= {self.topics.events, self.topics.deadletter}
        consumer = kafka_io.consumer(self.settings, self.group_id)
        producer = kafka_io.producer(
            self.settings, transactional_id=feeds_transactional_id(self.topics)
        )
        producer.init_transactions()
        kafka_io.subscribe(consumer, [self.topics.events])

        def step() -> Outcome:
            batch = consumer.poll(timeout_ms=self.poll_timeout_ms)
            if batch:
                return Outcome(done=self._route(batch, consumer, producer))
            return Outcome(idle=once and kafka_io.caught_up(consumer))

        def close() -> None:
            producer.close()
            consumer.close()

        return run_loop.run(step, "feeds", once=once, should_stop=should_stop, close=close)

    def _route(self, batch: dict[Any, list[Any]], consumer: Any, producer: Any) -> int:
        outgoing: list[tuple[str, Any, bytes, list[tuple[str, bytes]]]] = []
        for messages in batch.values():
            for message in messages:
                try:
                    record = decode(message.value)
                except UndecodableMessage as error:
                    log.warning("feeds: dead letter at offset %s: %s", message.offset, error)
                    headers = dead_letter_headers(message, error, self.group_id)
                    outgoing.append((self.topics.deadletter, message.key, message.value, headers))
                    continue
                value, headers = self._opened(message, record)
                if value is None:  # sealed under a deleted key: the child was erased
                    continue
                for agency in agencies_allowed_to_see(record):
                    outgoing.append((self.topics.feed(agency), message.key, value, headers))
        self._ensure_feed_topics({topic for topic, _, _, _ in outgoing})
        producer.begin_transaction()
        try:
            sends = [
                producer.send(topic, value=value, key=key, headers=headers)
                for topic, key, value, headers in outgoing
            ]
            offsets = {
                p: OffsetAndMetadata(m[-1].offset + 1, "", -1) for p, m in batch.items() if m
            }
            producer.send_offsets_to_transaction(offsets, consumer.group_metadata())
            kafka_io.commit_transaction(producer, sends)
        except BaseException:
            producer.abort_transaction()
            raise
        return len(outgoing)

    def _opened(
        self, message: Any, record: dict[str, Any]
    ) -> tuple[bytes | None, list[tuple[str, bytes]]]:
        """The message as a feed carries it: its personal content opened, without the seal."""
        headers = list(message.headers or ())
        if headers == without_seal(headers):
            return message.value, headers
        child = message.key.decode("utf-8") if message.key else None
        found = opened(record, headers, child, self.child_keys)
        return (None if found is None else encode(found)), without_seal(headers)

    def _ensure_feed_topics(self, topics: set[str]) -> None:
        missing = topics - self._known_topics
        if missing:
            feeds = sorted(t for t in missing if t.startswith(self.topics.feed_prefix))
            others = sorted(missing - set(feeds))
            retention = kafka_io.feed_retention(self.settings.feed_retention_days)
            kafka_io.ensure_topics(self.settings, feeds, retention)
            kafka_io.ensure_topics(self.settings, others)
            self._known_topics |= missing
