"""The distributed projection runner: `<prefix>.events` through a consumer group into read models.

Offsets are stored with the read-model rows in one database transaction (source
`<topic>:<partition>`), and on every assignment the consumer seeks to the stored offsets, so a
crash or a rebalance never applies an event twice or skips one. Kafka's own committed offsets are
written afterwards only so that lag is visible to operators. Messages that cannot be decoded go to
`<prefix>.deadletter` with the error in headers, and the runner carries on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from kafka import ConsumerRebalanceListener, OffsetAndMetadata, TopicPartition
from kafka.errors import CommitFailedError, KafkaError, RebalanceInProgressError

from consumers import kafka_io
from consumers.deadletter import DeadLetters
from consumers.kafka_security import projector_group
from domain.records import FOR_CHILD
from fullpicture.config import Settings
from projections.database import DATABASE_UNAVAILABLE
from projections.positions import StalePosition
from projections.read_models import ReadModels
from schemas.codec import UndecodableMessage, decode

log = logging.getLogger(__name__)

# Under constant load, alerts are brought up to date at least this often.
ALERT_REFRESH_SECONDS = 5.0
MAX_BACKOFF_SECONDS = 10.0
ONCE_POLL_MS = 100
# A member the group gave no partitions asks the group whether the others hold them all: first
# after this long, then less and less often (a standby member beside busy ones).
IDLE_CHECK_SECONDS = 1.0
IDLE_CHECK_MAX_SECONDS = 30.0


def source_name(topic: str, partition: int) -> str:
    return f"{topic}:{partition}"


class _SeekToStoredPositions(ConsumerRebalanceListener):
    def __init__(self, projector: KafkaProjector) -> None:
        self.projector = projector

    def on_partitions_revoked(self, revoked: Any) -> None:
        self.projector.assigned -= set(revoked)
        self.projector.settled = False

    def on_partitions_assigned(self, assigned: Any) -> None:
        self.projector.assigned |= set(assigned)
        self.projector.settled = True
        self.projector.given_partitions(bool(assigned))
        log.info("projector: assigned partitions %s", sorted(p.partition for p in assigned))
        try:
            self.projector.seek_to_stored(assigned)
        except DATABASE_UNAVAILABLE as error:  # the run loop seeks once the database is back
            log.warning("projector: database unavailable (%s); will seek when it is back", error)
            self.projector.seek_pending = True


class KafkaProjector:
    def __init__(
        self,
        settings: Settings,
        read_models: ReadModels,
        group_id: str | None = None,
        poll_timeout_ms: int = 500,
    ) -> None:
        self.settings = settings
        self.read_models = read_models
        self.topic = settings.topics.events
        self.group_id = group_id or projector_group(settings.topics)
        self.poll_timeout_ms = poll_timeout_ms
        self.assigned: set[TopicPartition] = set()
        self.settled = False  # the group's last rebalance is over for this member
        self._idle_check_every = IDLE_CHECK_SECONDS
        self._idle_check_at = 0.0
        self.consumer = None
        self.seek_pending = False  # assigned partitions not yet moved to their stored positions
        self.dead_letters = DeadLetters(settings, consumer_name=self.group_id)

    def seek_to_stored(self, partitions: Sequence[TopicPartition]) -> None:
        stored = self.read_models.positions(prefix=f"{self.topic}:")
        for partition in partitions:
            offset = stored.get(source_name(partition.topic, partition.partition))
            if offset is None:
                self.consumer.seek_to_beginning(partition)
            else:
                self.consumer.seek(partition, offset + 1)

    def run(
        self,
        once: bool = False,
        should_stop: Callable[[], bool] = lambda: False,
        on_batch: Callable[[int], None] | None = None,
    ) -> int:
        """Apply events until stopped; with `once`, until every assigned partition is caught up."""
        kafka_io.ensure_topics(self.settings, [self.topic, self.settings.topics.deadletter])
        self.consumer = kafka_io.consumer(self.settings, self.group_id)
        kafka_io.subscribe(self.consumer, [self.topic], _SeekToStoredPositions(self))
        applied = 0
        last_refresh = time.monotonic()
        # A run `--once` ends at its first empty poll once caught up: it need not wait long.
        poll_timeout_ms = min(self.poll_timeout_ms, ONCE_POLL_MS) if once else self.poll_timeout_ms
        backoff: float | None = None  # seconds to wait, while the database is away
        try:
            while not should_stop():
                if backoff is not None:
                    time.sleep(backoff)
                try:
                    if backoff is not None or self.seek_pending:  # unstored batches: read again
                        self.seek_to_stored(list(self.consumer.assignment()))
                        backoff, self.seek_pending = None, False
                    batch = self.consumer.poll(timeout_ms=poll_timeout_ms)
                    if batch:
                        try:
                            applied += self._apply(batch)
                        except (CommitFailedError, RebalanceInProgressError) as error:
                            # The rows and positions are stored; only the group's copy of the
                            # offsets was refused: the group moved on without this member (it
                            # stopped answering for a session). The next poll rejoins it.
                            log.info("projector: group membership lost (%s); rejoining", error)
                            continue
                        if on_batch is not None:
                            on_batch(applied)
                        if time.monotonic() - last_refresh > ALERT_REFRESH_SECONDS:
                            self.read_models.refresh_alerts()
                            last_refresh = time.monotonic()
                        continue
                    if not self.assigned:
                        # In a rebalance, or given no partitions: straight back into poll, which
                        # waits for the group without using the CPU. Work done here instead
                        # would leave the group's join unattended (see kafka_io.consumer).
                        if self._left_with_nothing_to_do(once):
                            break
                        continue
                    self.read_models.refresh_alerts()  # idle: caught up for now
                except DATABASE_UNAVAILABLE as error:
                    backoff = min(2 * (backoff or 0.25), MAX_BACKOFF_SECONDS)
                    log.warning(
                        "projector: database unavailable (%s); retrying in %.1fs", error, backoff
                    )
                    continue
                last_refresh = time.monotonic()
                if once and kafka_io.caught_up(self.consumer):
                    break
        finally:
            self.consumer.close()
            self.dead_letters.close()
        return applied

    def given_partitions(self, some: bool) -> None:
        """A new assignment: given none, ask the group about it soon, then less often."""
        self._idle_check_every = IDLE_CHECK_SECONDS
        self._idle_check_at = time.monotonic() + (0.0 if some else IDLE_CHECK_SECONDS)

    def _left_with_nothing_to_do(self, once: bool) -> bool:
        """Given no partitions: with `once`, leave when the others hold them all; when some have
        no owner (an assignment made from stale metadata), rejoin the group at once."""
        if not self.settled or time.monotonic() < self._idle_check_at:
            return False
        self._idle_check_every = min(2 * self._idle_check_every, IDLE_CHECK_MAX_SECONDS)
        self._idle_check_at = time.monotonic() + self._idle_check_every
        partitions = self.consumer.partitions_for_topic(self.topic)
        if not partitions:
            return False
        try:
            unowned = kafka_io.partitions_without_owner(
                self.settings, self.group_id, self.topic, partitions
            )
        except KafkaError as error:  # asked again later; meanwhile the polls go on
            log.warning("projector: could not describe the group (%s)", error)
            return False
        if unowned is None:  # the group is rebalancing: the next polls take part
            return False
        if not unowned:
            if once:
                log.info("projector: the other members hold every partition; nothing to do")
            return once
        log.info("projector: no partitions while %s have no owner; rejoining", sorted(unowned))
        self.consumer.unsubscribe()
        self.settled = False
        kafka_io.subscribe(self.consumer, [self.topic], _SeekToStoredPositions(self))
        return False

    def _apply(self, batch: dict[TopicPartition, list[Any]]) -> int:
        records = []
        positions: dict[str, tuple[int, int]] = {}
        for partition, messages in batch.items():
            if not messages:
                continue
            source = source_name(partition.topic, partition.partition)
            positions[source] = (messages[0].offset, messages[-1].offset)
            for message in messages:
                try:
                    record = decode(message.value)
                except UndecodableMessage as error:
                    self.dead_letters.send(message, error)
                    continue
                if record.get("child_refs") and message.key:
                    record[FOR_CHILD] = message.key.decode("utf-8")
                records.append(record)
        try:
            self.read_models.apply(records, positions)
        except StalePosition as stale:
            log.info("projector: %s; re-seeking to stored positions", stale)
            self.seek_to_stored(list(batch))
            return 0
        self.dead_letters.flush()
        self.consumer.commit(
            {p: OffsetAndMetadata(m[-1].offset + 1, "", -1) for p, m in batch.items() if m}
        )
        return len(records)


def wait_until_assigned(projector: KafkaProjector, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not projector.assigned and time.monotonic() < deadline:
        time.sleep(0.1)


def total_events(settings: Settings) -> int:
    """Messages on the events topic (an upper bound for a rebuild's progress bar)."""
    reader = kafka_io.consumer(settings, group_id=None)
    try:
        partitions = [
            TopicPartition(settings.topics.events, p)
            for p in reader.partitions_for_topic(settings.topics.events) or ()
        ]
        ends = reader.end_offsets(partitions)
        starts = reader.beginning_offsets(partitions)
        return sum(ends[p] - starts[p] for p in partitions)
    finally:
        reader.close()
