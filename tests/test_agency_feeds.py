"""Agency feeds hold exactly what each agency may see; poison messages are dead-lettered."""

from __future__ import annotations

import io
import json
import random
from collections import defaultdict

import pytest

from consumers import kafka_io
from consumers.feed_router import FeedRouter
from consumers.kafka_projector import KafkaProjector
from consumers.relay import Relay
from consumers.subscriber import subscribe
from domain.records import EventRecord, agencies_allowed_to_see, records_from_notifications
from fullpicture import config
from fullpicture.cli import main
from fullpicture.config import Settings
from projections.chronology import chronology_for
from tests.builders import AGENCIES, register_agencies, request, share
from tests.kafka_helpers import header, read_topic
from tests.people import REVIEWER, practitioner_of, register_people

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]


def random_exchanges(seed: int, count: int) -> list[dict[str, str]]:
    """Shares and requests between random agencies, with answers and declines to some requests."""
    rng = random.Random(seed)
    codes = sorted(AGENCIES)
    entries: list[dict[str, str]] = []
    for n in range(count):
        sender, *recipients = rng.sample(codes, k=rng.randint(2, 3))
        child = f"C-{rng.randint(1, 12):04d}"
        if rng.random() < 0.5:
            entries.append(
                share(
                    agency=sender,
                    entry_ref=f"S-{n}",
                    child_ref=child,
                    to_agencies=";".join(recipients),
                    channel="secure_email",
                )
            )
            continue
        entries.append(
            request(agency=sender, entry_ref=f"R-{n}", child_ref=child, to_agencies=recipients[0])
        )
        answer = rng.choice(["response", "decline", None])
        if answer:
            entries.append(
                {
                    "kind": answer,
                    "agency": recipients[0],
                    "entry_ref": f"A-{n}",
                    "child_ref": child,
                    "occurred_at": "2025-03-04",
                    "summary": "Reply to the request.",
                    "refers_to": f"{sender}:R-{n}",
                    **({"reason": "Not held."} if answer == "decline" else {}),
                }
            )
    return entries


def stored_records(wiring) -> list[EventRecord]:  # type: ignore[no-untyped-def]
    app = wiring.partnership
    notifications = app.recorder.select_notifications(start=1, limit=100_000)
    return [r for _, r in records_from_notifications(app.mapper, notifications)]


def test_each_agency_feed_holds_exactly_the_events_it_may_see(
    distributed_settings: Settings,
    wiring_for,  # type: ignore[no-untyped-def]
) -> None:
    wiring = wiring_for(distributed_settings)
    register_agencies(wiring.partnership)
    for seed in range(5):
        entries = random_exchanges(seed, 40)
        for entry in entries:
            entry["entry_ref"] = f"{entry['entry_ref']}-{seed}"
            if "refers_to" in entry:
                entry["refers_to"] = f"{entry['refers_to']}-{seed}"
        wiring.partnership.record_all([(None, e) for e in entries])
    Relay(distributed_settings, wiring.partnership, wiring.read_model_database()).run(once=True)
    FeedRouter(distributed_settings).run(once=True)

    expected: dict[str, set[str]] = defaultdict(set)
    for record in stored_records(wiring):
        for agency in agencies_allowed_to_see(record):
            expected[agency].add(record["event_id"])
    for agency in AGENCIES:
        delivered: list[str] = []

        def collect(record: EventRecord, into: list[str] = delivered) -> None:
            into.append(record["event_id"])

        subscribe(distributed_settings, agency, collect, from_beginning=True)
        assert set(delivered) == expected[agency], agency
        never_more = set(delivered) - expected[agency]
        assert never_more == set()


def test_a_poison_message_is_dead_lettered_and_the_next_message_is_applied(
    distributed_settings: Settings,
    wiring_for,  # type: ignore[no-untyped-def]
) -> None:
    wiring = wiring_for(distributed_settings)
    register_agencies(wiring.partnership)
    wiring.partnership.record(share(entry_ref="P-1"))
    Relay(distributed_settings, wiring.partnership, wiring.read_model_database()).run(once=True)
    producer = kafka_io.producer(distributed_settings)
    producer.send(distributed_settings.topics.events, value=b"not avro at all", key=b"C-0001")
    producer.flush()
    producer.close()
    wiring.partnership.record(share(entry_ref="P-2"))
    Relay(distributed_settings, wiring.partnership, wiring.read_model_database()).run(once=True)

    KafkaProjector(distributed_settings, wiring.read_models).run(once=True)
    FeedRouter(distributed_settings).run(once=True)

    ids = [e.id for e in chronology_for(wiring.read_models.db, "C-0001")]
    assert ids == ["police-north:P-1", "police-north:P-2"]
    dead = read_topic(distributed_settings, distributed_settings.topics.deadletter)
    assert [m.value for m in dead] == [b"not avro at all", b"not avro at all"]
    assert {header(m, "consumer") for m in dead} == {
        f"{distributed_settings.topics.prefix}-projections",
        f"{distributed_settings.topics.prefix}-feeds",
    }
    assert all("single-object" in (header(m, "error") or "") for m in dead)


def test_the_cli_relays_routes_and_prints_an_agency_feed_as_json_lines(
    distributed_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(config.DATABASE_URL, distributed_settings.database.url)
    for key, value in config.kafka_environ(distributed_settings).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv(config.TOPIC_PREFIX, distributed_settings.topics.prefix)
    monkeypatch.setenv(config.STATE_DIR, str(distributed_settings.state_dir))
    for code, (name, agency_type) in AGENCIES.items():
        assert main(["agency", "register", code, "--name", name, "--type", agency_type]) == 0
    register_people(main, AGENCIES, ["C-0001", "C-0002"])
    data = share(entry_ref="P-9", child_ref=["C-0001", "C-0002"])
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(data)))
    assert main(["--as", practitioner_of(data["agency"]), "record", "--json", "-"]) == 0
    assert main(["relay", "--once"]) == 0
    assert main(["feeds", "--once"]) == 0
    assert main(["project", "--once"]) == 0
    capsys.readouterr()
    assert (
        main(
            ["--as", practitioner_of("school-elm"), "subscribe", "--agency", "school-elm"]
            + ["--from-beginning", "--format", "jsonl"]
        )
        == 0
    )
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sorted((r["event_type"], r["entry_ref"]) for r in lines) == [
        ("AgencyRegistered", "school-elm"),
        ("InformationShared", "P-9"),  # once per sibling
        ("InformationShared", "P-9"),
    ]
    assert main(["--as", REVIEWER, "chronology", "C-0002", "--format", "json"]) == 0
    [entry] = json.loads(capsys.readouterr().out)
    assert entry["id"] == "police-north:P-9"
