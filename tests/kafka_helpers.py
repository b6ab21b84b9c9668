"""Reading whole topics back in tests (committed messages only, as every consumer sees them)."""

from __future__ import annotations

import time
from typing import Any

from kafka import TopicPartition

from consumers import kafka_io
from fullpicture.config import Settings


def read_topic(settings: Settings, topic: str, timeout: float = 30.0) -> list[Any]:
    """Every committed message on the topic, partition by partition, in offset order."""
    reader = kafka_io.consumer(settings, group_id=None)
    try:
        deadline = time.monotonic() + timeout
        partitions: set[int] = set()
        while not partitions and time.monotonic() < deadline:
            partitions = reader.partitions_for_topic(topic) or set()
            if not partitions:
                time.sleep(0.2)
        if not partitions:  # the topic is not there (yet): nothing is on it
            return []
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        reader.assign(assigned)
        reader.seek_to_beginning(*assigned)
        ends = reader.end_offsets(assigned)
        messages: list[Any] = []
        while time.monotonic() < deadline:
            for batch in reader.poll(timeout_ms=300).values():
                messages.extend(batch)
            if all(reader.position(p) >= ends[p] for p in assigned):
                break
        return sorted(messages, key=lambda m: (m.partition, m.offset))
    finally:
        reader.close()


def header(message: Any, name: str) -> str | None:
    return kafka_io.header(message.headers, name)
