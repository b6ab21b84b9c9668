"""A topic's extent, and its committed messages read to the end, outside any consumer group.

The relay reads its topic's tail to resume where it stopped, the Feeds page sizes topics, the
projector sizes a rebuild, and checks read whole topics back: all of them through these two.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from consumers import kafka_io
from consumers.kafka_settings import KafkaSettings


@dataclass(frozen=True)
class TopicExtent:
    """Where each partition of a topic starts and ends (its earliest and next offsets)."""

    starts: dict[TopicPartition, int]
    ends: dict[TopicPartition, int]

    @property
    def partitions(self) -> list[TopicPartition]:
        return list(self.ends)

    @property
    def messages(self) -> int:
        """Offsets between the starts and the ends (transaction markers take one each)."""
        return sum(self.ends[p] - self.starts[p] for p in self.ends)


def topic_extent(reader: KafkaConsumer, topic: str) -> TopicExtent:
    """The extent of every partition the reader's metadata knows (none for an unknown topic)."""
    partitions = [TopicPartition(topic, p) for p in reader.partitions_for_topic(topic) or ()]
    if not partitions:
        return TopicExtent({}, {})
    return TopicExtent(reader.beginning_offsets(partitions), reader.end_offsets(partitions))


def read_to_end(
    settings: KafkaSettings,
    topic: str,
    timeout: float,
    tail: int | None = None,
    poll_timeout_ms: int = 500,
) -> tuple[list[Any], bool]:
    """Every committed message on `topic` (or only each partition's last `tail` offsets) up to
    the ends it had when reading began; and whether those ends were reached in `timeout` seconds
    (if not, the messages read until then)."""
    reader = kafka_io.consumer(settings, group_id=None)
    try:
        extent = topic_extent(reader, topic)
        if not extent.partitions:
            return [], True
        reader.assign(extent.partitions)
        for partition, end in extent.ends.items():
            start = extent.starts[partition]
            reader.seek(partition, start if tail is None else max(start, end - tail))
        pending = {p for p, end in extent.ends.items() if end > extent.starts[p]}
        messages: list[Any] = []
        deadline = time.monotonic() + timeout
        while pending:
            if time.monotonic() > deadline:
                return messages, False
            for batch in reader.poll(timeout_ms=poll_timeout_ms).values():
                messages.extend(batch)
            pending = {p for p in pending if reader.position(p) < extent.ends[p]}
        return messages, True
    finally:
        reader.close()
