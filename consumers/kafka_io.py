"""The one place that builds Kafka clients from settings, and creates topics as configured."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.errors import TopicAlreadyExistsError

from fullpicture.config import Settings

log = logging.getLogger(__name__)

# Low enough that a test or a restarted process gets its partitions back in seconds.
SESSION_TIMEOUT_MS = 10_000
HEARTBEAT_INTERVAL_MS = 1_000
INFINITE_RETENTION = {"retention.ms": "-1"}


def producer(settings: Settings, transactional_id: str | None = None, **extra: Any) -> KafkaProducer:
    """An idempotent, acks=all producer; transactional when given an id."""
    config: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap,
        "acks": "all",
        "enable_idempotence": True,
        "linger_ms": 5,
        "batch_size": 256 * 1024,
        "compression_type": None,
        "bootstrap_timeout_ms": 10_000,
        "max_block_ms": 30_000,
    }
    if transactional_id:
        config["transactional_id"] = transactional_id
    config.update(extra)
    return KafkaProducer(**config)


def consumer(settings: Settings, group_id: str | None, **extra: Any) -> KafkaConsumer:
    """A consumer that reads only committed messages and never auto-commits."""
    config: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap,
        "group_id": group_id,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "isolation_level": "read_committed",
        "session_timeout_ms": SESSION_TIMEOUT_MS,
        "heartbeat_interval_ms": HEARTBEAT_INTERVAL_MS,
        "max_poll_records": 5000,
        "bootstrap_timeout_ms": 10_000,
    }
    config.update(extra)
    return KafkaConsumer(**config)


def admin(settings: Settings) -> KafkaAdminClient:
    return KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap, bootstrap_timeout_ms=10_000)


def ensure_topics(settings: Settings, names: Iterable[str]) -> None:
    """Create the topics that do not exist yet, with the configured partitions and replication."""
    client = admin(settings)
    try:
        existing = set(client.list_topics())
        wanted = {
            name: {
                "num_partitions": settings.topic_partitions,
                "replication_factor": settings.topic_replication_factor,
                "configs": INFINITE_RETENTION,
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


def header(headers: Iterable[tuple[str, bytes]] | None, name: str) -> str | None:
    for key, value in headers or ():
        if key == name:
            return value.decode("utf-8")
    return None


def caught_up(consumer: KafkaConsumer) -> bool:
    """True once the consumer has read everything committed in every partition it holds."""
    assigned = consumer.assignment()
    if not assigned:
        return False
    ends = consumer.end_offsets(list(assigned))
    return all(consumer.position(p) >= ends[p] for p in assigned)
