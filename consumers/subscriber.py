"""An agency's subscriber: reads `<prefix>.feed.<agency>` in its own consumer group.

This is what an agency's own system does with any Avro library; FullPicture's version decodes with
the project codec and hands each event record to a callback (the CLI prints it). A person reading
the feed does so in a group of their own, and each batch is shown to `on_batch` first (the CLI
records it in the access log) so nothing is delivered that was not recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from consumers import kafka_io, kafka_names, run_loop
from consumers.kafka_settings import KafkaSettings
from consumers.run_loop import BUSY, Outcome
from domain.records import EventRecord
from schemas.codec import UndecodableMessage, decode_as_sent

OnEvent = Callable[[EventRecord], None]
OnBatch = Callable[[list[EventRecord]], None]


def subscriber_group(settings: KafkaSettings, agency: str) -> str:
    """Under the prefix the agency's own principal may use for its groups."""
    return kafka_names.subscriber_group(settings.topics, agency)


def subscribe(
    settings: KafkaSettings,
    agency: str,
    on_event: OnEvent,
    from_beginning: bool = False,
    follow: bool = False,
    should_stop: Callable[[], bool] = run_loop.never,
    poll_timeout_ms: int = 500,
    group: str | None = None,
    on_batch: OnBatch | None = None,
) -> int:
    """Deliver the agency's feed from the group's committed position (or the beginning).

    `group` defaults to the agency's own subscriber group. Without `follow`, returns once the
    feed is caught up. Offsets are committed after delivery.
    """
    topic = settings.topics.feed(agency)
    kafka_io.ensure_topics(settings, [topic])
    consumer = kafka_io.consumer(settings, group or subscriber_group(settings, agency))
    kafka_io.subscribe(consumer, [topic])
    rewound = not from_beginning

    def step() -> Outcome:
        nonlocal rewound
        batch = consumer.poll(timeout_ms=poll_timeout_ms)
        if not rewound and consumer.assignment():
            consumer.seek_to_beginning(*consumer.assignment())
            rewound = True
            return BUSY
        records = [_decoded(message) for messages in batch.values() for message in messages]
        if records and on_batch is not None:
            on_batch(records)
        for record in records:
            on_event(record)
        if batch:
            consumer.commit()
            return Outcome(done=len(records))
        return Outcome(idle=not follow and rewound and kafka_io.caught_up(consumer))

    return run_loop.run(
        step, "subscriber", once=not follow, should_stop=should_stop, close=consumer.close
    )


def _decoded(message: Any) -> EventRecord:
    try:
        return decode_as_sent(message.value)
    except UndecodableMessage as error:
        return {"event_type": "Undecodable", "error": str(error), "offset": message.offset}
