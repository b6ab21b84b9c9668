"""The soak's checks, each a number: what the store holds, compared with what the writers were
told was written, with the events topic, the chronology read model, a clean rebuild of every read
model and every agency's feed (the need-to-know recomputed from the store).
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from consumers import kafka_io
from consumers.kafka_projector import KafkaProjector
from consumers.relay import message_keys
from consumers.sealed_messages import child_keys_for
from consumers.topic_reader import read_to_end
from domain.notification_log import notifications
from domain.records import agencies_allowed_to_see, records_from_notifications
from fullpicture.bootstrap import CHRONOLOGY_STORE, open_event_store, read_models_url
from fullpicture.config import Settings
from fullpicture.tools.bench import drop_database, fresh_database
from projections.database import open_read_models
from projections.read_models import ReadModels, table_dump
from schemas.codec import UndecodableMessage, decode

POISON = b"\x00not an event: the soak's poison message"
PAGE = 5000
# (event id, message key): one message on a topic; an entry about siblings is one per child.
Message = tuple[str, str]


def poison_message(settings: Settings) -> dict[str, Any]:
    """Drop one undecodable message onto the events topic; where it landed."""
    producer = kafka_io.producer(settings)
    try:
        sent = producer.send(settings.topics.events, value=POISON, key=b"soak-poison")
        metadata = sent.get(timeout=60)
    finally:
        producer.close()
    return {"topic": metadata.topic, "partition": metadata.partition, "offset": metadata.offset}


class EntryLatencies:
    """How long each acknowledged entry took to appear in the chronology read model: the writers'
    acknowledgement files are followed, and the read model asked which pending entries it has."""

    def __init__(self, settings: Settings, ack_files: list[Path]) -> None:
        self.url = read_models_url(settings)
        self.ack_files = ack_files
        self.read_at: dict[Path, int] = dict.fromkeys(ack_files, 0)
        self.pending: dict[str, float] = {}
        self.seconds: dict[str, float] = {}

    def follow(self, should_stop: Callable[[], bool]) -> None:
        import psycopg

        while not should_stop():
            try:
                with psycopg.connect(self.url, connect_timeout=5) as connection:
                    while not should_stop():
                        self._look(connection)
                        time.sleep(0.5)
            except psycopg.Error:
                time.sleep(1.0)  # PostgreSQL is restarting: the entries wait, and it counts

    def _look(self, connection: Any) -> None:
        for path in self.ack_files:
            if not path.exists():
                continue
            with path.open() as acks:
                acks.seek(self.read_at[path])
                text = acks.read()
            complete = text[: text.rfind("\n") + 1]
            self.read_at[path] += len(complete.encode())
            for line in complete.splitlines():
                entry_id, stamp = line.split("\t")
                if entry_id not in self.seconds:
                    self.pending.setdefault(entry_id, float(stamp))
        if not self.pending:
            return
        rows = connection.execute(
            "SELECT DISTINCT entry_id FROM chronology WHERE entry_id = ANY(%s)",
            (list(self.pending),),
        ).fetchall()
        now = time.time()
        for (entry_id,) in rows:
            self.seconds[entry_id] = now - self.pending.pop(entry_id)

    def untimed(self, written: Iterable[str]) -> int:
        return sum(1 for entry_id in written if entry_id not in self.seconds)

    def longest(self) -> float:
        return round(max(self.seconds.values(), default=0.0), 1)


def check_everything(
    settings: Settings,
    written: set[str],
    poison: dict[str, Any] | None,
    say: Callable[[str], None],
) -> dict[str, Any]:
    store = _store_records(settings)
    expected_pairs = {
        (child, record["entry_id"])
        for record in store
        if "entry_id" in record
        for child in record["child_refs"]
    }
    store_entries = [r["entry_id"] for r in store if "entry_id" in r]
    topic, undecodable = _topic_messages(settings, settings.topics.events)
    topic_pairs = {
        (key, record["entry_id"]) for (_, key), record in topic.items() if "entry_id" in record
    }
    chronology = _chronology_pairs(settings)
    lost_from_store = written - set(store_entries)
    lost = (
        len(lost_from_store) + len(expected_pairs - topic_pairs) + len(expected_pairs - chronology)
    )
    say(
        f"store {len(store_entries)} entries; topic {len(topic)} messages; "
        f"chronology {len(chronology)} rows"
    )

    feeds_expected: dict[str, set[Message]] = {}
    for record in store:
        for agency in agencies_allowed_to_see(record):
            feeds_expected.setdefault(agency, set()).update(
                (record["event_id"], key.decode()) for key in message_keys(record)
            )
    feeds = _feed_messages(settings)
    misrouted = missing = feed_duplicates = 0
    for agency in set(feeds_expected) | set(feeds):
        seen = feeds.get(agency, Counter())
        misrouted += len(set(seen) - feeds_expected.get(agency, set()))
        missing += len(feeds_expected.get(agency, set()) - set(seen))
        feed_duplicates += sum(count - 1 for count in seen.values())
    dead = _dead_letter_sources(settings)
    report = {
        "entries_written": len(written),
        "entries_in_store": len(set(store_entries)),
        "entries_on_topic": len({entry for _, entry in topic_pairs}),
        "entries_in_chronology": len({entry for _, entry in chronology}),
        "lost": lost,
        "unacknowledged_in_store": len(set(store_entries) - written),
        "duplicated": (len(store_entries) - len(set(store_entries)))
        + sum(count - 1 for count in topic.counts.values())
        + feed_duplicates,
        "read_model_diffs": _read_model_diffs(settings, say),
        "misrouted": misrouted,
        "missing_from_feeds": missing,
        "dead_letters": len(dead),
        "dead_letter_is_the_poison": poison is not None and dead == {_source(poison)},
        "undecodable_on_topic": undecodable,
        "feeds": len(feeds),
    }
    return report


def _source(poison: dict[str, Any]) -> tuple[str, int, int]:
    return (poison["topic"], poison["partition"], poison["offset"])


def _store_records(settings: Settings) -> list[dict[str, Any]]:
    app = open_event_store(CHRONOLOGY_STORE, settings)
    try:
        every = notifications(app.recorder, PAGE)
        return [record for _, record in records_from_notifications(app.mapper, every)]
    finally:
        app.close()


class _TopicMessages(dict[Message, dict[str, Any]]):
    """Decoded messages by (event id, key), and how many times each was on the topic."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: Counter[Message] = Counter()


def _read_topic(settings: Settings, topic: str) -> list[Any]:
    """Every committed message on `topic`, from the beginning."""
    messages, complete = read_to_end(settings, topic, timeout=300, poll_timeout_ms=1000)
    if not complete:
        raise TimeoutError(f"could not read {topic} to its end")
    return messages


def _topic_messages(settings: Settings, topic: str) -> tuple[_TopicMessages, int]:
    found = _TopicMessages()
    undecodable = 0
    for message in _read_topic(settings, topic):
        try:
            record = decode(message.value)
        except UndecodableMessage:
            undecodable += 1
            continue
        key = (record["event_id"], (message.key or b"").decode())
        found[key] = record
        found.counts[key] += 1
    return found, undecodable


def _feed_messages(settings: Settings) -> dict[str, Counter[Message]]:
    prefix = settings.topics.feed_prefix
    client = kafka_io.admin(settings)
    try:
        topics = [name for name in client.list_topics() if name.startswith(prefix)]
    finally:
        client.close()
    feeds: dict[str, Counter[Message]] = {}
    for topic in topics:
        messages, _ = _topic_messages(settings, topic)
        feeds[topic[len(prefix) :]] = messages.counts
    return feeds


def _dead_letter_sources(settings: Settings) -> set[tuple[str, int, int]]:
    """Distinct messages dead-lettered (each consumer group that met one sends its own copy)."""
    return {
        (
            kafka_io.header(message.headers, "source_topic") or "",
            int(kafka_io.header(message.headers, "source_partition") or -1),
            int(kafka_io.header(message.headers, "source_offset") or -1),
        )
        for message in _read_topic(settings, settings.topics.deadletter)
    }


def _chronology_pairs(settings: Settings) -> set[tuple[str, str]]:
    db = open_read_models(read_models_url(settings))
    try:
        return {
            (child, entry)
            for child, entry in db.query("SELECT child_ref, entry_id FROM chronology")
        }
    finally:
        db.close()


def _read_model_diffs(settings: Settings, say: Callable[[str], None]) -> int:
    """Tables that differ from a clean rebuild: every read model projected afresh from the topic
    into a new database, by a consumer group of its own."""
    say("rebuilding every read model afresh, to compare table by table")
    clean = replace(settings, database=fresh_database(settings, "soak"))
    try:
        models = ReadModels(open_read_models(read_models_url(clean)))
        KafkaProjector(
            clean,
            models,
            group_id=f"{settings.topics.prefix}-clean-{uuid.uuid4().hex[:6]}",
            child_keys=child_keys_for(settings),  # the keys stay in the soaked database
        ).run(once=True)
        rebuilt = table_dump(models.db)
        models.db.close()
        soaked_db = open_read_models(read_models_url(settings))
        soaked = table_dump(soaked_db)
        soaked_db.close()
    finally:
        drop_database(settings, clean)
    return sum(1 for table in set(rebuilt) | set(soaked) if rebuilt.get(table) != soaked.get(table))
