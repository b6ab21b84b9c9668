"""The Kafka projection runner: exactly-once through SIGKILL, and a consumer group sharing work."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable

import pytest

from consumers import kafka_projector
from consumers.kafka_projector import KafkaProjector
from consumers.relay import Relay
from consumers.sealed_messages import child_keys_for
from fullpicture import config
from fullpicture.bootstrap import Wiring
from fullpicture.config import Settings, load_settings
from projections.database import open_read_models
from projections.read_models import ReadModels, table_dump
from tests.builders import register_agencies
from tests.kafka_helpers import read_topic
from tests.test_kafka_relay import cli_environment, record_rows

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]


@pytest.fixture
def published(distributed_settings: Settings, wiring_for) -> Wiring:  # type: ignore[no-untyped-def]
    """A store of several thousand events, all relayed to Kafka."""
    wiring = wiring_for(distributed_settings)
    register_agencies(wiring.partnership)
    for seed in range(2):
        record_rows(wiring, 3000, seed=seed)
    Relay(distributed_settings, wiring.partnership, wiring.read_model_database()).run(once=True)
    return wiring


def clean_rebuild(settings: Settings, new_database: Callable[[], str]) -> ReadModels:
    """Every read model projected afresh into a new database; the data keys stay in the
    chronology's database (`settings`')."""
    environ = {
        **config.kafka_environ(settings),
        config.DATABASE_URL: new_database(),
        config.TOPIC_PREFIX: settings.topics.prefix,
    }
    models = ReadModels(open_read_models(environ[config.DATABASE_URL]))
    KafkaProjector(
        load_settings(environ),
        models,
        group_id="clean-rebuild",
        child_keys=child_keys_for(settings),
    ).run(once=True)
    return models


def start_projector(settings: Settings, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "fullpicture.cli", "project", *extra],
        env=cli_environment(settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_for_positions(models: ReadModels, topic: str, at_least: int, timeout: float = 120) -> int:
    deadline = time.monotonic() + timeout
    applied = 0
    while time.monotonic() < deadline:
        applied = sum(p + 1 for p in models.positions(prefix=f"{topic}:").values())
        if applied >= at_least:
            break
        time.sleep(0.05)
    return applied


def test_a_projector_killed_mid_batch_and_restarted_equals_a_clean_rebuild(
    published: Wiring,
    distributed_settings: Settings,
    new_postgres_database,  # type: ignore[no-untyped-def]
) -> None:
    topic = distributed_settings.topics.events
    projector = start_projector(distributed_settings)
    assert wait_for_positions(published.read_models, topic, at_least=1) >= 1
    projector.send_signal(signal.SIGKILL)
    projector.wait()
    partial = sum(p + 1 for p in published.read_models.positions(prefix=f"{topic}:").values())

    restarted = start_projector(distributed_settings, "--once")
    _, err = restarted.communicate(timeout=240)
    assert restarted.returncode == 0, err.decode()[-2000:]

    expected = table_dump(clean_rebuild(distributed_settings, new_postgres_database).db)
    assert table_dump(published.read_models.db) == expected
    assert partial < sum(len(rows) for rows in expected.values())


def test_two_projectors_in_one_group_split_the_partitions_and_agree_with_one(
    published: Wiring,
    distributed_settings: Settings,
    new_postgres_database,  # type: ignore[no-untyped-def]
) -> None:
    expected = table_dump(clean_rebuild(distributed_settings, new_postgres_database).db)
    first, second = start_projector(distributed_settings), start_projector(distributed_settings)
    try:
        deadline = time.monotonic() + 120
        while table_dump(published.read_models.db) != expected and time.monotonic() < deadline:
            time.sleep(1)
    finally:
        for process in (first, second):
            process.send_signal(signal.SIGTERM)
        logs = [p.communicate(timeout=60)[1].decode() for p in (first, second)]
    assigned = [
        [line for line in log.splitlines() if "assigned partitions" in line] for log in logs
    ]
    assert all(assigned), "each process should have been given partitions"
    final = [lines[-1] for lines in assigned]
    assert "[]" not in " ".join(final)
    assert table_dump(published.read_models.db) == expected


def test_a_run_once_stops_soon_after_catching_up_even_with_a_long_poll_timeout(
    published: Wiring,
    distributed_settings: Settings,
    new_postgres_database,  # type: ignore[no-untyped-def]
) -> None:
    models = ReadModels(open_read_models(new_postgres_database()))
    patient = KafkaProjector(
        distributed_settings,
        models,
        group_id="once-stops",
        poll_timeout_ms=120_000,
        child_keys=published.partnership.child_keys,
    )
    started = time.monotonic()
    applied = patient.run(once=True)
    assert applied == len(read_topic(distributed_settings, distributed_settings.topics.events))
    assert time.monotonic() - started < 60  # its last, empty poll did not wait two minutes


def test_a_run_once_evaluates_alerts_once_at_its_end_however_its_polls_come(
    published: Wiring,
    distributed_settings: Settings,
    new_postgres_database,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An empty poll before the end (a fetch slower than the short poll of a run `--once`) is not
    the end, nor is being nearly caught up: refreshing there would evaluate the children touched
    so far, and again at the end."""
    real_consumer = kafka_projector.kafka_io.consumer

    def slow_fetching_consumer(*args: object, **kwargs: object) -> object:
        consumer = real_consumer(*args, **kwargs, max_poll_records=500)  # type: ignore[arg-type]
        poll, polls = consumer.poll, 0

        def every_other_poll_empty(*poll_args: object, **poll_kwargs: object) -> object:
            nonlocal polls
            polls += 1
            return {} if polls % 2 == 0 else poll(*poll_args, **poll_kwargs)

        consumer.poll = every_other_poll_empty  # type: ignore[method-assign]
        return consumer

    monkeypatch.setattr(kafka_projector.kafka_io, "consumer", slow_fetching_consumer)
    # However soon a projector nearly caught up would refresh some alerts, a run --once waits.
    monkeypatch.setattr(kafka_projector, "ALERT_REFRESH_SECONDS", 0.0)
    refreshes: list[tuple[float | None, int]] = []

    class CountingRefreshes(ReadModels):
        def refresh_alerts(self, budget_seconds: float | None = None) -> int:
            evaluated = super().refresh_alerts(budget_seconds)
            refreshes.append((budget_seconds, evaluated))
            return evaluated

    models = CountingRefreshes(open_read_models(new_postgres_database()))
    KafkaProjector(
        distributed_settings,
        models,
        group_id="once-slow-fetches",
        child_keys=published.partnership.child_keys,
    ).run(once=True)

    children = models.db.query("SELECT COUNT(DISTINCT child_ref) FROM chronology")[0][0]
    assert children > 0
    assert refreshes == [(None, children)]
