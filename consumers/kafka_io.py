"""The one place that builds Kafka clients from settings, and creates topics as configured.

Every producer, consumer and admin client is made here, so each carries the configured security
(protocol, SASL mechanism, the principal's credentials, the CA file) without any caller asking.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.errors import KafkaTimeoutError, TopicAlreadyExistsError
from kafka.structs import MemberState

from consumers.kafka_names import Topics
from consumers.kafka_settings import KAFKA_USERNAME, ConfigurationError, KafkaSettings

log = logging.getLogger(__name__)

# Low enough that a test or a restarted process gets its partitions back in seconds.
SESSION_TIMEOUT_MS = 10_000
HEARTBEAT_INTERVAL_MS = 1_000
RECONNECT_BACKOFF_MAX_MS = 2_000
INFINITE_RETENTION = {"retention.ms": "-1"}
# The erasure ledger (`<prefix>.erasures`): the latest record per key, kept for ever.
COMPACTED = {"cleanup.policy": "compact", "retention.ms": "-1"}
DAY_MS = 24 * 60 * 60 * 1000


def feed_retention(days: int) -> dict[str, str]:
    """An agency's feed keeps messages this many days (FULLPICTURE_FEED_RETENTION_DAYS)."""
    return {"retention.ms": str(days * DAY_MS)}


# The most messages one poll hands back (a batch: one transaction of a projector). Each batch
# costs a projector's writer ~18 round trips to PostgreSQL whatever its size; at 20,000 instead
# of 5,000 a one-process rebuild of 187,000 messages took ~0.6 s (8 %) less, three alternating
# pairs, for ~30 MB more memory. A poll returns what has arrived, so light load is unaffected.
MAX_POLL_RECORDS = 20_000


def security_config(settings: KafkaSettings) -> dict[str, Any]:
    """kafka-python's settings for the configured protocol, SASL mechanism and principal."""
    security = settings.kafka_security
    config: dict[str, Any] = {"security_protocol": security.protocol}
    if security.uses_sasl:
        if security.credentials is None:
            raise ConfigurationError(
                KAFKA_USERNAME,
                f"is required with {security.protocol} (this process has no Kafka principal)",
            )
        config["sasl_mechanism"] = security.mechanism
        config["sasl_plain_username"] = security.credentials.username
        config["sasl_plain_password"] = security.credentials.password
    if security.uses_tls and security.ca_file is not None:
        config["ssl_cafile"] = str(security.ca_file)
    return config


def _client_config(settings: KafkaSettings, **config: Any) -> dict[str, Any]:
    return {"bootstrap_servers": settings.kafka_bootstrap, **security_config(settings), **config}


def producer(
    settings: KafkaSettings, transactional_id: str | None = None, **extra: Any
) -> KafkaProducer:
    """An idempotent, acks=all producer; transactional when given an id."""
    config = _client_config(
        settings,
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        batch_size=256 * 1024,
        compression_type=None,
        bootstrap_timeout_ms=10_000,
        # Fail a stuck send within seconds, so a process notices a broker outage and retries.
        max_block_ms=10_000,
        request_timeout_ms=5_000,
        delivery_timeout_ms=15_000,
        transaction_timeout_ms=30_000,
        reconnect_backoff_max_ms=RECONNECT_BACKOFF_MAX_MS,
    )
    if transactional_id:
        config["transactional_id"] = transactional_id
    config.update(extra)
    return KafkaProducer(**config)


def consumer(settings: KafkaSettings, group_id: str | None, **extra: Any) -> KafkaConsumer:
    """A consumer that reads only committed messages and never auto-commits."""
    config = _client_config(
        settings,
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        session_timeout_ms=SESSION_TIMEOUT_MS,
        heartbeat_interval_ms=HEARTBEAT_INTERVAL_MS,
        max_poll_records=MAX_POLL_RECORDS,
        bootstrap_timeout_ms=10_000,
        reconnect_backoff_max_ms=RECONNECT_BACKOFF_MAX_MS,
    )
    config.update(extra)
    made = KafkaConsumer(**config)
    if group_id is not None:
        _keep_joins_finished_between_polls(made)
    return made


def _keep_joins_finished_between_polls(consumer: KafkaConsumer) -> None:
    """Finish every group join the consumer starts, even one that completed between two polls.

    Two faults of kafka-python 3.0's join loop, both seen to leave a projector without
    partitions: (1) `poll` takes part in a join only while `need_rejoin()` holds, but a join
    the leader started because its metadata changed stops "needing" it as soon as the leader's
    own assignment records that metadata, so a join that completed while no `poll` waited is
    never used: the member stays "rebalancing" with heartbeats off until the group drops it.
    (2) When `poll` does come back to a completed join, the loop throws the result away and
    joins again; for the group's leader the broker then starts another rebalance, and every
    member gives up its partitions once more. The Java client keeps a started join until it is
    used; so does this: the join goes on while one is under way, and a completed one is used
    with the library's own completion steps (unless the member has left the group since). A
    library version without these internals keeps its own loop.
    """
    coordinator = getattr(consumer, "_coordinator", None)
    if not all(
        hasattr(coordinator, name)
        for name in (
            "_join_task",
            "join_group_async",
            "need_rejoin",
            "_on_join_complete_async",
            "_enable_heartbeat",
            "_generation",
            "_lock",
            "rejoining",
            "state",
        )
    ):
        return
    join_group, need_rejoin = coordinator.join_group_async, coordinator.need_rejoin

    def need_rejoin_or_joining() -> bool:
        return bool(need_rejoin() or coordinator.rejoining or coordinator._join_task is not None)

    async def join_group_keeping_a_finished_join(timeout_ms: Any = None) -> bool:
        finished = coordinator._join_task
        if (
            finished is None
            or not finished.succeeded()
            or coordinator.state is not MemberState.REBALANCING
        ):
            return await join_group(timeout_ms)
        log.debug("using a group join that finished between two polls")
        coordinator._join_task = None
        with coordinator._lock:
            coordinator.rejoining = False
            coordinator.rejoin_needed = False
            coordinator.state = MemberState.STABLE
            coordinator._enable_heartbeat()
        generation = coordinator._generation
        await coordinator._on_join_complete_async(
            generation.generation_id, generation.member_id, generation.protocol, finished.value
        )
        return True

    coordinator.need_rejoin = need_rejoin_or_joining
    coordinator.join_group_async = join_group_keeping_a_finished_join


def admin(settings: KafkaSettings) -> KafkaAdminClient:
    return KafkaAdminClient(**_client_config(settings, bootstrap_timeout_ms=10_000))


def ensure_topics(
    settings: KafkaSettings, names: Iterable[str], configs: Mapping[str, str] | None = None
) -> None:
    """Create the topics that do not exist yet, with the configured partitions and replication
    (and kept for ever, unless `configs` says otherwise)."""
    client = admin(settings)
    try:
        existing = set(client.list_topics())
        wanted = {
            name: {
                "num_partitions": settings.topic_partitions,
                "replication_factor": settings.topic_replication_factor,
                "configs": dict(configs or INFINITE_RETENTION),
            }
            for name in names
            if name not in existing
        }
        if wanted:
            try:
                client.create_topics(wanted, wait_for_metadata=True)
            except TopicAlreadyExistsError:
                log.debug("topics created concurrently: %s", sorted(wanted))
    finally:
        client.close()


def delete_topics_with_prefixes(settings: KafkaSettings, prefixes: Iterable[str]) -> list[str]:
    """Delete every topic named `<prefix>.…` (a bench run's or a test's own); returns them."""
    starts = tuple(Topics(prefix).all_topics_prefix for prefix in prefixes)
    client = admin(settings)
    try:
        own = [t for t in client.list_topics() if t.startswith(starts)]  # () matches none
        if own:
            client.delete_topics(own)
        return own
    finally:
        client.close()


def header(headers: Iterable[tuple[str, bytes]] | None, name: str) -> str | None:
    for key, value in headers or ():
        if key == name:
            return value.decode("utf-8")
    return None


def partitions_without_owner(
    settings: KafkaSettings, group_id: str, topic: str, partitions: Iterable[int]
) -> set[int] | None:
    """Which of these partitions of `topic` no member of the group holds, as the group's
    coordinator says; None while the group is rebalancing (its members are being given them)."""
    client = admin(settings)
    try:
        group = client.describe_groups([group_id])[group_id]
    finally:
        client.close()
    if group.get("group_state") != "Stable":
        return None
    held = {
        partition
        for member in group.get("members") or ()
        for owned in (member.get("member_assignment") or {}).get("assigned_partitions") or ()
        if owned["topic"] == topic
        for partition in owned["partitions"]
    }
    return set(partitions) - held


def caught_up(consumer: KafkaConsumer, ask_broker: bool = True) -> bool:
    """True once the consumer has read everything committed in every partition it holds.

    The ends the last fetches reported answer first: asking the broker costs up to a fetch's
    wait (~0.5 s), as the request queues behind the fetch the consumer keeps open, and every
    `--once` run asks at least once. Only an end not reported, or not reached (a transaction
    marker may sit there), is asked for (unless not `ask_broker`: then the answer is False)."""
    assigned = consumer.assignment()
    if not assigned:
        return False
    reported = {p: consumer.highwater(p) for p in assigned}
    if all(end is not None and consumer.position(p) >= end for p, end in reported.items()):
        return True
    if not ask_broker:
        return False
    ends = consumer.end_offsets(list(assigned))
    return all(consumer.position(p) >= ends[p] for p in assigned)


TRANSACTION_WAIT_SECONDS = 20.0


def commit_transaction(producer: KafkaProducer, futures: Iterable[Any] = ()) -> None:
    """Commit, or raise a KafkaError within a bounded time; never hang on a dead broker.

    kafka-python's `commit_transaction()` waits without a limit, and after a failed send during an
    outage it can wait forever. So: flush with a timeout, check every send, and wait for the
    commit's result with a timeout (through the transaction manager that method itself uses).
    """
    producer.flush(timeout=TRANSACTION_WAIT_SECONDS)
    for future in futures:
        if future.failed():
            raise future.exception
    result = producer._transaction_manager.begin_commit()
    producer._sender.wakeup()
    if not result.wait(timeout_ms=TRANSACTION_WAIT_SECONDS * 1000):
        raise KafkaTimeoutError("transaction commit did not complete in time")


def subscribe(consumer: KafkaConsumer, topics: list[str], listener: Any = None) -> None:
    """Subscribe once the topics' partitions are known, so the first assignment is never empty.

    Joining a group before the consumer has the topics' metadata can give an empty assignment
    that kafka-python does not always revisit until its next metadata refresh (minutes).
    """
    for topic in topics:
        deadline = time.monotonic() + 30
        while not consumer.partitions_for_topic(topic) and time.monotonic() < deadline:
            time.sleep(0.1)
    if listener is None:
        consumer.subscribe(topics)
    else:
        consumer.subscribe(topics, listener=listener)
