"""The distributed projection runner: `<prefix>.events` through a consumer group into read models.

Offsets are stored with the read-model rows in one database transaction (source
`<topic>:<partition>`), and on every assignment the consumer seeks to the stored offsets, so a
crash or a rebalance never applies an event twice or skips one. Kafka's own committed offsets are
written afterwards only so that lag is visible to operators. Messages that cannot be decoded go to
`<prefix>.deadletter` with the error in headers, and the runner carries on.

While batches are written to the database (`BatchWriter`: a thread of its own, in the order they
were read), the next ones are fetched and decoded; a batch that fails is never followed by one
read after it (those are read again from the stored positions).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kafka import ConsumerRebalanceListener, OffsetAndMetadata, TopicPartition
from kafka.errors import CommitFailedError, KafkaError, RebalanceInProgressError

from consumers import kafka_io, run_loop
from consumers.batch_writer import BatchWriter
from consumers.deadletter import DeadLetters
from consumers.garbage import CyclesCollectedWhenIdle
from consumers.kafka_names import projector_group
from consumers.kafka_settings import KafkaSettings
from consumers.run_loop import BUSY, IDLE, Outcome
from consumers.sealed_messages import opened
from consumers.topic_reader import topic_extent
from domain.child_keys import ChildKeys, key_wrapper
from domain.records import FOR_CHILD, EventRecord
from projections.database import DATABASE_UNAVAILABLE
from projections.positions import StalePosition
from projections.read_models import ReadModels
from schemas.codec import UndecodableMessage, decode

log = logging.getLogger(__name__)

# Under constant load, alerts are brought up to date at least this often.
ALERT_REFRESH_SECONDS = 5.0
# Further behind than this many messages, the projector is catching up (a rebuild, a restart
# after a long stop): alerts wait until it has caught up, as each refresh evaluates every child
# touched since the last. Measured on a 100,000-entry rebuild: refreshing every 5 s evaluated
# each child 3.7 times and took a third of the projector's time (at 20,000, the refresh a few
# batches before the end still evaluated half the children twice). Under a load it never
# catches up with, they are still refreshed this often.
CATCHING_UP_MESSAGES = 5_000
ALERT_REFRESH_WHILE_CATCHING_UP_SECONDS = 60.0
# A running projector refreshes alerts for about this long before it polls again (a run `--once`
# refreshes them all before it stops): a member evaluating children for as long as the others
# keep marking them would hold up the group's rebalances.
ALERT_REFRESH_BUDGET_SECONDS = 1.0
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
        # Called on kafka-python's I/O thread: wait for the database only, no Kafka request.
        self.projector.settle_in_flight()  # its rows are stored before another member reads on
        self.projector.assigned -= set(revoked)
        self.projector.settled = False

    def on_partitions_assigned(self, assigned: Any) -> None:
        self.projector.settle_in_flight()  # its positions are stored before seeking to them
        self.projector.assigned |= set(assigned)
        self.projector.settled = True
        self.projector.given_partitions(bool(assigned))
        log.info("projector: assigned partitions %s", sorted(p.partition for p in assigned))
        try:
            self.projector.seek_to_stored(assigned)
        except DATABASE_UNAVAILABLE as error:  # the run loop seeks once the database is back
            log.warning("projector: database unavailable (%s); will seek when it is back", error)
            self.projector.seek_pending = True


@dataclass
class _Batch:
    """One poll's messages, decoded: what the writer stores, and what Kafka is told afterwards."""

    records: list[EventRecord] = field(default_factory=list)
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    offsets: dict[TopicPartition, OffsetAndMetadata] = field(default_factory=dict)
    undecodable: list[tuple[Any, Exception]] = field(default_factory=list)


@dataclass
class _Run:
    """What one call of `run` keeps between its steps."""

    once: bool
    poll_timeout_ms: int
    report: Callable[[], None]  # the events applied so far, to the caller's `on_batch`
    cycles: CyclesCollectedWhenIdle
    last_refresh: float = field(default_factory=time.monotonic)


class KafkaProjector:
    def __init__(
        self,
        settings: KafkaSettings,
        read_models: ReadModels,
        group_id: str | None = None,
        poll_timeout_ms: int = 500,
        child_keys: ChildKeys | None = None,
    ) -> None:
        self.settings = settings
        self.read_models = read_models
        # The key store sits in the read models' database (the chronology's).
        self.child_keys = child_keys or ChildKeys(
            read_models.db, key_wrapper(getattr(settings, "cipher_key", None))
        )
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
        self._writer: BatchWriter[_Batch] | None = None
        self.applied = 0  # events stored by this runner, counted when their batch is stored
        self._run: _Run  # set by `run`, for its steps

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
        should_stop: Callable[[], bool] = run_loop.never,
        on_batch: Callable[[int], None] | None = None,
    ) -> int:
        """Apply events until stopped; with `once`, until every assigned partition is caught up."""
        kafka_io.ensure_topics(self.settings, [self.topic, self.settings.topics.deadletter])
        self.consumer = kafka_io.consumer(self.settings, self.group_id)
        self._writer = BatchWriter(self._store, thread_name="projector-writer")
        kafka_io.subscribe(self.consumer, [self.topic], _SeekToStoredPositions(self))
        applied_before = self.applied

        def report() -> None:
            if on_batch is not None:
                on_batch(self.applied - applied_before)

        # A run `--once` ends at its first empty poll once caught up: it need not wait long.
        poll_timeout_ms = min(self.poll_timeout_ms, ONCE_POLL_MS) if once else self.poll_timeout_ms
        self._run = _Run(once, poll_timeout_ms, report, CyclesCollectedWhenIdle())
        run_loop.run(self._step, "projector", once=once, should_stop=should_stop, close=self._close)
        return self.applied - applied_before

    def _step(self) -> Outcome:
        """Start writing the next poll's batch; when there is none (or a run `--once` has read to
        the ends), finish what is in flight and refresh alerts. A stale position or the database
        away: seek to the stored positions before the next poll (once the database is back)."""
        try:
            if self.seek_pending:  # unstored batches: read again
                self._seek_again()
            polled = self.consumer.poll(timeout_ms=self._run.poll_timeout_ms)
            if polled:
                self._write(polled)
                if not (self._run.once and kafka_io.caught_up(self.consumer, ask_broker=False)):
                    return BUSY
                # A run `--once` that has read to the ends the fetches reported ends now, not
                # after an empty poll saying so (ONCE_POLL_MS of waiting).
            if not self.assigned:
                return self._without_partitions()
            return self._caught_up()
        except StalePosition as stale:
            log.info("projector: %s; re-seeking to stored positions", stale)
            self.seek_pending = True
            return BUSY
        except DATABASE_UNAVAILABLE as error:
            self.seek_pending = True
            return Outcome(failure=error)

    def _seek_again(self) -> None:
        self.settle_in_flight()  # the positions to seek to are the last stored
        self.seek_to_stored(list(self.consumer.assignment()))
        self.seek_pending = False

    def _write(self, polled: dict[TopicPartition, list[Any]]) -> None:
        """Decode the batch and hand it to the writer (waiting for room), refreshing alerts
        between batches when they are due."""
        assert self._writer is not None
        batch = self._decoded(polled)
        while self._writer.full:
            self._finish_oldest()
        self._start_writing(batch)
        self._run.cycles.batch_written()
        self._run.report()
        if self._alerts_due(time.monotonic() - self._run.last_refresh, self._run.once):
            self._finish_in_flight()
            self.read_models.refresh_alerts(ALERT_REFRESH_BUDGET_SECONDS)
            self._run.last_refresh = time.monotonic()

    def _without_partitions(self) -> Outcome:
        """In a rebalance, or given no partitions: straight back into poll, which waits for the
        group without using the CPU. Work done here instead would leave the group's join
        unattended (see kafka_io.consumer)."""
        self._finish_in_flight()
        return IDLE if self._left_with_nothing_to_do(self._run.once) else BUSY

    def _caught_up(self) -> Outcome:
        """Nothing more polled: finish the batches in flight, then refresh alerts and collect
        garbage (idle), unless a run `--once` is not at the end yet."""
        self._finish_in_flight()
        self._run.report()
        if self._run.once and not kafka_io.caught_up(self.consumer):
            # A fetch slower than the short poll, not the end: alerts wait for the end, or a
            # rebuild evaluates every child it has touched so far twice.
            return BUSY
        self.read_models.refresh_alerts(None if self._run.once else ALERT_REFRESH_BUDGET_SECONDS)
        self._run.cycles.collect()
        self._run.last_refresh = time.monotonic()
        return IDLE

    def _close(self) -> None:
        self._run.cycles.resume()
        self.settle_in_flight(commit_offsets=True)
        assert self._writer is not None
        self._writer.close()
        self.consumer.close()
        self.dead_letters.close()

    def _alerts_due(self, since_refresh: float, once: bool) -> bool:
        """Whether to refresh alerts between batches (they are always refreshed when idle). A run
        `--once` that is nearly caught up refreshes them all at its end, soon: refreshing some
        before its last batches would evaluate again each child those batches touch."""
        if since_refresh > ALERT_REFRESH_WHILE_CATCHING_UP_SECONDS:
            return True
        if once:
            return False
        return since_refresh > ALERT_REFRESH_SECONDS and self._behind() < CATCHING_UP_MESSAGES

    def _behind(self) -> int:
        """Messages still to read in the assigned partitions, as the last fetches reported them
        (no request to the broker)."""
        behind = 0
        for partition in self.consumer.assignment():
            highwater = self.consumer.highwater(partition)
            if highwater is None:  # not fetched yet: nothing says it is nearly caught up
                return CATCHING_UP_MESSAGES
            behind += max(0, highwater - self.consumer.position(partition))
        return behind

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

    def _decoded(self, polled: dict[TopicPartition, list[Any]]) -> _Batch:
        batch = _Batch()
        decoded: list[tuple[Any, EventRecord]] = []
        for partition, messages in polled.items():
            if not messages:
                continue
            source = source_name(partition.topic, partition.partition)
            batch.positions[source] = (messages[0].offset, messages[-1].offset)
            batch.offsets[partition] = OffsetAndMetadata(messages[-1].offset + 1, "", -1)
            for message in messages:
                try:
                    decoded.append((message, decode(message.value)))
                except UndecodableMessage as error:
                    batch.undecodable.append((message, error))
        # The batch's keys in a few queries, not one for each child not seen yet.
        self.child_keys.fetch(
            (child, record.get("agency") or "")
            for _, record in decoded
            for child in record.get("child_refs") or ()
        )
        for message, record in decoded:
            child = message.key.decode("utf-8") if message.key else None
            found = opened(record, message.headers, child, self.child_keys)
            if found is None:  # sealed under a deleted key: the child was erased
                continue
            if found.get("child_refs") and child:
                found[FOR_CHILD] = child
            batch.records.append(found)
        return batch

    def _start_writing(self, batch: _Batch) -> None:
        """Put the batch's dead letters on the broker, then store its rows and positions in the
        writer thread (so the positions never move past a dead letter that is not yet sent)."""
        assert self._writer is not None
        for message, error in batch.undecodable:
            self.dead_letters.send(message, error)
        if batch.undecodable:
            self.dead_letters.flush()
        self._writer.write(batch)

    def _store(self, batch: _Batch) -> None:
        self.read_models.apply(batch.records, batch.positions)

    def _finish_in_flight(self, commit_offsets: bool = True) -> None:
        """Wait for every batch in flight, oldest first, and count their events. The first error
        is raised here (a stale position, the database away), and the batches read after it are
        dropped."""
        while self._writer is not None and len(self._writer):
            self._finish_oldest(commit_offsets)

    def _finish_oldest(self, commit_offsets: bool = True) -> None:
        assert self._writer is not None
        batch = self._writer.wait_oldest()
        if batch is None:  # settled meanwhile by a rebalance
            return
        self.applied += len(batch.records)
        if not commit_offsets:
            return
        try:
            self.consumer.commit(batch.offsets)  # for operators' lag only
        except (CommitFailedError, RebalanceInProgressError) as error:
            log.info("projector: Kafka offsets not committed (%s); stored with the rows", error)

    def settle_in_flight(self, commit_offsets: bool = False) -> None:
        """Finish the batches in flight, if any, before partitions move or the runner stops; a
        failure needs nothing more (the next owner seeks to the positions stored with the rows)."""
        try:
            self._finish_in_flight(commit_offsets)
        except (StalePosition, *DATABASE_UNAVAILABLE) as error:
            log.info("projector: the batches in flight were not stored (%s)", error)
            self.seek_pending = True


def wait_until_assigned(projector: KafkaProjector, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not projector.assigned and time.monotonic() < deadline:
        time.sleep(0.1)


def total_events(settings: KafkaSettings) -> int:
    """Messages on the events topic (an upper bound for a rebuild's progress bar)."""
    reader = kafka_io.consumer(settings, group_id=None)
    try:
        return topic_extent(reader, settings.topics.events).messages
    finally:
        reader.close()
