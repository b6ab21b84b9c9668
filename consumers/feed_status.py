"""How the topics and agency feeds stand: sizes, subscriber lag, dead letters (read-only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from consumers import kafka_io
from consumers.kafka_settings import KafkaSettings
from consumers.subscriber import subscriber_group
from consumers.topic_reader import TopicExtent, topic_extent


@dataclass(frozen=True)
class FeedStatus:
    events: int
    dead_letters: int
    feeds: list[dict[str, Any]]


def feed_status(settings: KafkaSettings, agencies: list[str]) -> FeedStatus:
    admin = kafka_io.admin(settings)
    reader = kafka_io.consumer(settings, group_id=None)
    try:
        existing = set(admin.list_topics())

        def extent(topic: str) -> TopicExtent:
            return topic_extent(reader, topic) if topic in existing else TopicExtent({}, {})

        feeds = []
        for agency in agencies:
            topic = settings.topics.feed(agency)
            feed = extent(topic)
            lag = 0
            if feed.partitions:
                group = subscriber_group(settings, agency)
                committed = admin.list_group_offsets(group).get(group, {})
                ends = reader.end_offsets(feed.partitions)  # after the commits: never below them
                lag = sum(ends[p] - (committed[p].offset if p in committed else 0) for p in ends)
            feeds.append({"agency": agency, "topic": topic, "messages": feed.messages, "lag": lag})
        return FeedStatus(
            extent(settings.topics.events).messages,
            extent(settings.topics.deadletter).messages,
            feeds,
        )
    finally:
        reader.close()
        admin.close()
