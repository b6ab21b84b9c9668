"""The read models hold the same content, table by table, as before their storage was made cheaper.

The fingerprint in `tests/snapshots/demo-read-models.json` was taken from the demo partnership's
read models as the earlier code built them (`tests/read_model_snapshot.py`); both paths that build
read models must still give it: the embedded store feed, and Kafka into PostgreSQL.
"""

from __future__ import annotations

import json
from pathlib import Path

from consumers.kafka_projector import KafkaProjector
from consumers.relay import Relay
from consumers.store_feed import catch_up
from fullpicture import config
from fullpicture.config import Settings, load_settings
from projections.database import open_read_models
from tests.read_model_snapshot import (
    SNAPSHOT,
    demo_read_models,
    fingerprint,
    record_demo_partnership,
)

EXPECTED = json.loads(SNAPSHOT.read_text())


def assert_same_tables(found: dict[str, dict[str, object]]) -> None:
    assert sorted(found) == sorted(EXPECTED)
    for table, expected in EXPECTED.items():
        assert found[table] == expected, f"read model table {table} differs"


def test_the_embedded_read_models_of_the_demo_partnership_are_unchanged(tmp_path: Path) -> None:
    settings = load_settings({config.STATE_DIR: str(tmp_path)})
    app = record_demo_partnership(settings)
    db = open_read_models(settings.database.url)
    catch_up(app, demo_read_models(db))
    try:
        assert_same_tables(fingerprint(db))
    finally:
        db.close()
        app.close()


def test_the_read_models_built_from_kafka_into_postgresql_are_unchanged(
    distributed_settings: Settings,
) -> None:
    app = record_demo_partnership(distributed_settings)
    db = open_read_models(distributed_settings.database.url)
    relay_db = open_read_models(distributed_settings.database.url)
    try:
        Relay(distributed_settings, app, relay_db).run(once=True)
        KafkaProjector(distributed_settings, demo_read_models(db)).run(once=True)
        assert_same_tables(fingerprint(db))
    finally:
        relay_db.close()
        db.close()
        app.close()
