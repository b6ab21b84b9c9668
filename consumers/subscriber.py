"""An agency's subscriber: reads `<prefix>.feed.<agency>` in its own consumer group.

This is what an agency's own system does with any Avro library; FullPicture's version decodes with
the project codec and hands each event record to a callback (the CLI prints it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from consumers import kafka_io
from consumers.kafka_security import agency_group_prefix
from domain.records import EventRecord
from fullpicture.config import Settings
from schemas.codec import UndecodableMessage, decode_as_sent

OnEvent = Callable[[EventRecord], None]


def subscriber_group(settings: Settings, agency: str) -> str:
    """Under the prefix the agency's own principal may use for its groups."""
    return f"{agency_group_prefix(settings.topics, agency)}subscriber"


def subscribe(
    settings: Settings,
    agency: str,
    on_event: OnEvent,
    from_beginning: bool = False,
    follow: bool = False,
    should_stop: Callable[[], bool] = lambda: False,
    poll_timeout_ms: int = 500,
) -> int:
    """Deliver the agency's feed from its group's committed position (or the beginning).

    Without `follow`, returns once the feed is caught up. Offsets are committed after delivery.
    """
    topic = settings.topics.feed(agency)
    kafka_io.ensure_topics(settings, [topic])
    consumer = kafka_io.consumer(settings, subscriber_group(settings, agency))
    kafka_io.subscribe(consumer, [topic])
    delivered = 0
    rewound = not from_beginning
    try:
        while not should_stop():
            batch = consumer.poll(timeout_ms=poll_timeout_ms)
            if not rewound and consumer.assignment():
                consumer.seek_to_beginning(*consumer.assignment())
                rewound = True
                continue
            for messages in batch.values():
                for message in messages:
                    on_event(_decoded(message))
                    delivered += 1
            if batch:
                consumer.commit()
            elif not follow and rewound and kafka_io.caught_up(consumer):
                break
    finally:
        consumer.close()
    return delivered


def _decoded(message: Any) -> EventRecord:
    try:
        return decode_as_sent(message.value)
    except UndecodableMessage as error:
        return {"event_type": "Undecodable", "error": str(error), "offset": message.offset}
