"""What Kafka is told of an erasure: each agency feed that carried the child's entries gets a
`RecordsErased` notice (UK GDPR Article 19: recipients are told), and the erasure ledger is kept,
compacted, on `<prefix>.erasures`, where a database restored from an older backup learns it again
(`fullpicture retention reapply`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from uuid import UUID, uuid5

from consumers import kafka_io
from consumers.kafka_settings import KafkaSettings
from consumers.topic_reader import read_to_end
from domain.records import EventRecord
from schemas.codec import UndecodableMessage, decode, encode

ERASURES_READ_SECONDS = 30.0


def notice(
    ledger_id: str, agency: str, ledger: EventRecord, entry_ids: Sequence[str]
) -> EventRecord:
    """The notice for one agency's feed; its id is stable for the erasure and the agency, so a
    notice sent again (an erasure run twice) is recognisably the same."""
    return {
        "event_id": str(uuid5(UUID(ledger_id), agency)),
        "event_type": "RecordsErased",
        "kind": "records_erased",
        "child_ref": ledger["child_ref"],
        "erased_agency": ledger["erased_agency"],
        "entry_ids": sorted(entry_ids),
        "decision_id": ledger["decision_id"],
        "erased_at": ledger["erased_at"],
        "agency": "",
        "entry_ref": ledger["decision_id"],
        "child_refs": [ledger["child_ref"]],
        "occurred_at": ledger["erased_at"],
        "recorded_at": ledger["erased_at"],
    }


def tell_feeds(
    settings: KafkaSettings,
    ledger_id: str,
    ledger: EventRecord,
    carried: Mapping[str, Sequence[str]],
) -> list[str]:
    """Send each agency whose feed carried the child's entries its notice; returns the
    agencies told."""
    if not carried:
        return []
    topics = settings.topics
    feeds = [topics.feed(agency) for agency in carried]
    kafka_io.ensure_topics(settings, feeds, kafka_io.feed_retention(settings.feed_retention_days))
    producer = kafka_io.producer(settings)
    try:
        for agency, entry_ids in carried.items():
            record = notice(ledger_id, agency, ledger, entry_ids)
            producer.send(
                topics.feed(agency),
                value=encode(record),
                key=ledger["child_ref"].encode(),
                headers=_headers(record),
            )
        producer.flush()
    finally:
        producer.close()
    return sorted(carried)


def publish_erasure(settings: KafkaSettings, ledger_id: str, ledger: EventRecord) -> None:
    """The ledger event on the compacted `<prefix>.erasures` topic, keyed by its id."""
    topic = settings.topics.erasures
    kafka_io.ensure_topics(settings, [topic], kafka_io.COMPACTED)
    producer = kafka_io.producer(settings)
    try:
        producer.send(topic, value=encode(ledger), key=ledger_id.encode(), headers=_headers(ledger))
        producer.flush()
    finally:
        producer.close()


def read_erasures(settings: KafkaSettings) -> list[EventRecord]:
    """Every erasure on `<prefix>.erasures`, oldest first (what cannot be decoded is skipped:
    the store's ledger is the record, the topic its copy)."""
    topic = settings.topics.erasures
    kafka_io.ensure_topics(settings, [topic], kafka_io.COMPACTED)
    messages, _ = read_to_end(settings, topic, ERASURES_READ_SECONDS)
    found = []
    for message in sorted(messages, key=lambda m: m.timestamp):
        try:
            found.append(decode(message.value))
        except UndecodableMessage:
            continue
    return found


def _headers(record: EventRecord) -> list[tuple[str, bytes]]:
    return [
        ("event_type", record["event_type"].encode()),
        ("event_id", record["event_id"].encode()),
    ]
