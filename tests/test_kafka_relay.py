"""The relay publishes the store once per child, in store order, through crashes and outages."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator

import avro.io
import avro.schema
import pytest

from consumers.kafka_projector import KafkaProjector
from consumers.relay import Relay
from fullpicture import config
from fullpicture.bootstrap import Wiring
from fullpicture.config import Settings, load_settings
from projections.chronology import chronology_for
from schemas.codec import HEADER_SIZE, writer_schema_of
from tests.builders import register_agencies
from tests.conftest import REPO_ROOT
from tests.kafka_helpers import header, read_topic
from tests.test_chronology_import import synthetic_rows

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]


def record_rows(wiring: Wiring, count: int, seed: int = 7) -> None:
    rows = synthetic_rows(count, seed=seed)
    for row in rows:
        row["entry_ref"] = f"{row['entry_ref']}-{seed}"
        if row.get("refers_to"):
            agency, ref = row["refers_to"].split(":")
            row["refers_to"] = f"{agency}:{ref}-{seed}"
    wiring.partnership.record_all([(n, row) for n, row in enumerate(rows)])


def expected_messages(wiring: Wiring) -> Counter[tuple[int, str]]:
    """(notification id, key) for every event the store holds: one per child (or agency)."""
    expected: Counter[tuple[int, str]] = Counter()
    app = wiring.partnership
    for notification in app.recorder.select_notifications(start=1, limit=100_000):
        event = app.mapper.to_domain_event(notification)
        children = getattr(event, "child_refs", None) or [f"agency:{event.code}"]
        for key in children:
            expected[(notification.id, key)] += 1
    return expected


def published_messages(settings: Settings) -> Counter[tuple[int, str]]:
    return Counter(
        (int(header(m, "notification_id") or 0), m.key.decode())
        for m in read_topic(settings, settings.topics.events)
    )


def test_every_event_reaches_the_topic_once_per_child_in_store_order(
    distributed_settings: Settings,
    wiring_for,  # type: ignore[no-untyped-def]
) -> None:
    wiring = wiring_for(distributed_settings)
    register_agencies(wiring.partnership)
    record_rows(wiring, 300)
    Relay(distributed_settings, wiring.partnership, wiring.read_model_database()).run(once=True)

    messages = read_topic(distributed_settings, distributed_settings.topics.events)
    assert published_messages(distributed_settings) == expected_messages(wiring)
    by_child: dict[str, list[int]] = defaultdict(list)
    for message in messages:
        by_child[message.key.decode()].append(int(header(message, "notification_id") or 0))
        writer = writer_schema_of(message.value)
        official = avro.io.DatumReader(avro.schema.parse(json.dumps(writer.expanded)))
        decoded = official.read(avro.io.BinaryDecoder(io.BytesIO(message.value[HEADER_SIZE:])))
        assert decoded["event_id"] == header(message, "event_id")
        assert decoded["event_type"] == header(message, "event_type")
        if decoded["child_refs"]:
            assert message.key.decode() in decoded["child_refs"]
    assert all(ids == sorted(ids) for ids in by_child.values())


def test_a_restarted_relay_continues_where_it_stopped(
    distributed_settings: Settings,
    wiring_for,  # type: ignore[no-untyped-def]
) -> None:
    wiring = wiring_for(distributed_settings)
    register_agencies(wiring.partnership)
    record_rows(wiring, 100)
    Relay(distributed_settings, wiring.partnership, wiring.read_model_database()).run(once=True)
    record_rows(wiring, 50, seed=8)
    Relay(distributed_settings, wiring.partnership, wiring.read_model_database()).run(once=True)
    assert published_messages(distributed_settings) == expected_messages(wiring)


def cli_environment(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FULLPICTURE_")}
    env |= config.kafka_environ(settings)
    env |= {
        config.DATABASE_URL: settings.database.url,
        config.TOPIC_PREFIX: settings.topics.prefix,
        config.TOPIC_PARTITIONS: str(settings.topic_partitions),
        "PYTHONPATH": str(REPO_ROOT),
    }
    return env


def test_a_relay_killed_mid_stream_loses_and_repeats_nothing(
    distributed_settings: Settings,
    wiring_for,  # type: ignore[no-untyped-def]
) -> None:
    wiring = wiring_for(distributed_settings)
    register_agencies(wiring.partnership)
    record_rows(wiring, 3000)
    env = cli_environment(distributed_settings)
    relay = subprocess.Popen(
        [sys.executable, "-m", "fullpicture.cli", "relay"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not read_topic(
        distributed_settings, distributed_settings.topics.events, timeout=2
    ):
        time.sleep(0.2)
    relay.send_signal(signal.SIGKILL)
    relay.wait()
    subprocess.run(
        [sys.executable, "-m", "fullpicture.cli", "relay", "--once"],
        env=env,
        check=True,
        capture_output=True,
    )
    assert published_messages(distributed_settings) == expected_messages(wiring)


PRIVATE_KAFKA_PORT = os.environ.get("FULLPICTURE_TEST_OUTAGE_KAFKA_PORT", "19192")


def private_broker(action: str, admin_password: str = "") -> None:
    """Start or stop a private secured broker, whose super user has the shared broker's password."""
    env = {
        **os.environ,
        "FULLPICTURE_KAFKA_PORT": PRIVATE_KAFKA_PORT,
        "FULLPICTURE_KAFKA_ADMIN_PASSWORD": admin_password,
    }
    subprocess.run(
        ["bash", str(REPO_ROOT / "scripts" / "services.sh"), f"kafka-{action}"],
        env=env,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def outage_settings(distributed_settings: Settings) -> Iterator[Settings]:
    """Settings pointing at a private broker this test may stop and start (stopped after)."""
    environ = {
        **config.kafka_environ(distributed_settings),
        config.DATABASE_URL: distributed_settings.database.url,
        config.KAFKA_BOOTSTRAP: f"127.0.0.1:{PRIVATE_KAFKA_PORT}",
        config.TOPIC_PREFIX: distributed_settings.topics.prefix,
        config.TOPIC_PARTITIONS: "3",
        config.STATE_DIR: str(distributed_settings.state_dir),
    }
    private_broker("up", environ.get(config.KAFKA_PASSWORD, ""))
    yield load_settings(environ)
    private_broker("down")


def test_the_relay_waits_out_a_broker_outage_and_read_models_get_each_event_once(
    outage_settings: Settings,
    wiring_for,  # type: ignore[no-untyped-def]
) -> None:
    wiring = wiring_for(outage_settings)
    credentials = outage_settings.kafka_security.credentials
    password = credentials.password if credentials else ""
    register_agencies(wiring.partnership)
    record_rows(wiring, 200)
    stop = threading.Event()
    relay = Relay(outage_settings, wiring.partnership, wiring.read_model_database(), batch_size=50)
    worker = threading.Thread(
        target=relay.run, kwargs={"should_stop": stop.is_set, "poll_seconds": 0.2}
    )
    worker.start()
    try:
        time.sleep(2)
        private_broker("down")
        record_rows(wiring, 200, seed=9)
        time.sleep(3)
        private_broker("up", password)
        deadline = time.monotonic() + 120
        expected = expected_messages(wiring)
        while time.monotonic() < deadline and published_messages(outage_settings) != expected:
            time.sleep(1)
    finally:
        stop.set()
        worker.join(timeout=60)
        private_broker("up", password)
    assert published_messages(outage_settings) == expected
    KafkaProjector(outage_settings, wiring.read_models).run(once=True)
    for child in {key for _, key in expected if not key.startswith("agency:")}:
        ids = [e.id for e in chronology_for(wiring.read_models.db, child)]
        assert len(ids) == len(set(ids)) == sum(1 for (_, key) in expected if key == child)
