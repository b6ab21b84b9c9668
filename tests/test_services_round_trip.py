"""The real servers answer: round trips through PostgreSQL and through a Kafka consumer group."""

from __future__ import annotations

import uuid

import pytest
from kafka import TopicPartition

from consumers import kafka_io
from domain.application import Partnership
from fullpicture.bootstrap import event_store_env
from fullpicture.config import Settings
from tests.builders import register_agencies, share

pytestmark = [pytest.mark.postgres]


def test_an_entry_stored_in_postgresql_is_read_back_by_a_new_process(
    postgres_settings: Settings,
    clock,  # type: ignore[no-untyped-def]
) -> None:
    writer = Partnership(env=event_store_env(postgres_settings), now=clock)
    register_agencies(writer)
    writer.record(share(child_ref="C-0001;C-0002"))
    writer.close()
    reader = Partnership(env=event_store_env(postgres_settings), now=clock)
    stored = reader.find_entry("police-north:P-100")
    reader.close()
    assert stored is not None and stored.child_refs == ("C-0001", "C-0002")


@pytest.mark.kafka
def test_messages_round_trip_through_a_consumer_group_with_committed_offsets(
    distributed_settings: Settings,
) -> None:
    topic = distributed_settings.topics.events
    group = f"roundtrip-{uuid.uuid4().hex[:8]}"
    kafka_io.ensure_topics(distributed_settings, [topic])
    producer = kafka_io.producer(distributed_settings)
    sent = [f"message-{n}".encode() for n in range(20)]
    for n, value in enumerate(sent):
        producer.send(topic, value=value, key=f"C-{n % 4:04d}".encode())
    producer.flush()
    producer.close()

    consumer = kafka_io.consumer(distributed_settings, group)
    consumer.subscribe([topic])
    received: list[bytes] = []
    for _ in range(60):
        for messages in consumer.poll(timeout_ms=500).values():
            received.extend(m.value for m in messages)
        if len(received) >= len(sent):
            break
    consumer.commit()
    consumer.close()
    assert sorted(received) == sorted(sent)

    admin = kafka_io.admin(distributed_settings)
    try:
        offsets = admin.list_group_offsets(group)[group]
    finally:
        admin.close()
    committed = sum(meta.offset for tp, meta in offsets.items() if tp.topic == topic)
    assert committed == len(sent)
    assert all(isinstance(tp, TopicPartition) for tp in offsets)
