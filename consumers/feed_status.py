"""How the topics and agency feeds stand: sizes, subscriber lag, dead letters (read-only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kafka import TopicPartition

from consumers import kafka_io
from consumers.subscriber import subscriber_group
from fullpicture.config import Settings


@dataclass(frozen=True)
class FeedStatus:
    events: int
    dead_letters: int
    feeds: list[dict[str, Any]]


def feed_status(settings: Settings, agencies: list[str]) -> FeedStatus:
    admin = kafka_io.admin(settings)
    reader = kafka_io.consumer(settings, group_id=None)
    try:
        existing = set(admin.list_topics())

        def size(topic: str) -> tuple[int, list[TopicPartition]]:
            if topic not in existing:
                return 0, []
            partitions = [
                TopicPartition(topic, p) for p in reader.partitions_for_topic(topic) or ()
            ]
            ends = reader.end_offsets(partitions)
            starts = reader.beginning_offsets(partitions)
            return sum(ends[p] - starts[p] for p in partitions), partitions

        feeds = []
        for agency in agencies:
            topic = settings.topics.feed(agency)
            messages, partitions = size(topic)
            lag = 0
            if partitions:
                group = subscriber_group(settings, agency)
                committed = admin.list_group_offsets(group).get(group, {})
                ends = reader.end_offsets(partitions)
                lag = sum(
                    ends[p] - (committed[p].offset if p in committed else 0) for p in partitions
                )
            feeds.append({"agency": agency, "topic": topic, "messages": messages, "lag": lag})
        return FeedStatus(
            size(settings.topics.events)[0], size(settings.topics.deadletter)[0], feeds
        )
    finally:
        reader.close()
        admin.close()
