"""Messages that cannot be decoded or applied go to `<prefix>.deadletter`, error in headers.

The original key and value are kept byte for byte, so a message can be replayed once its cause is
fixed. Headers: `error`, `error_type`, `source_topic`, `source_partition`, `source_offset`,
`consumer`.
"""

from __future__ import annotations

import logging
from typing import Any

from consumers import kafka_io
from consumers.kafka_settings import KafkaSettings

log = logging.getLogger(__name__)


def dead_letter_headers(
    message: Any, error: Exception, consumer_name: str
) -> list[tuple[str, bytes]]:
    return [
        ("error", str(error).encode("utf-8")),
        ("error_type", type(error).__name__.encode()),
        ("source_topic", message.topic.encode()),
        ("source_partition", str(message.partition).encode()),
        ("source_offset", str(message.offset).encode()),
        ("consumer", consumer_name.encode()),
    ]


class DeadLetters:
    def __init__(self, settings: KafkaSettings, consumer_name: str) -> None:
        self.settings = settings
        self.topic = settings.topics.deadletter
        self.consumer_name = consumer_name
        self._producer = None

    def send(self, message: Any, error: Exception) -> None:
        log.warning(
            "dead letter: %s[%s]@%s: %s", message.topic, message.partition, message.offset, error
        )
        if self._producer is None:
            self._producer = kafka_io.producer(self.settings)
        headers = dead_letter_headers(message, error, self.consumer_name)
        self._producer.send(self.topic, value=message.value, key=message.key, headers=headers)

    def flush(self) -> None:
        """Make sure dead letters are on the broker before the source offsets move past them."""
        if self._producer is not None:
            self._producer.flush()

    def close(self) -> None:
        if self._producer is not None:
            self._producer.flush()
            self._producer.close()
            self._producer = None
