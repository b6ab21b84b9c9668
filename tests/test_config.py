"""Configuration comes from the environment, in one place, with sensible defaults."""

from __future__ import annotations

import pytest

from fullpicture import config
from fullpicture.bootstrap import event_store_env
from fullpicture.config import ConfigurationError, load_settings


def test_with_nothing_set_the_mode_is_embedded_sqlite_under_the_state_folder() -> None:
    settings = load_settings({})
    assert settings.mode == "embedded"
    assert settings.database.url == "sqlite:///.fullpicture/fullpicture.sqlite"
    assert settings.topics.events == "fullpicture.events"


def test_a_kafka_bootstrap_switches_on_distributed_mode() -> None:
    settings = load_settings({config.KAFKA_BOOTSTRAP: "127.0.0.1:19092"})
    assert settings.mode == "distributed"


def test_topic_names_come_from_the_prefix() -> None:
    topics = load_settings({config.TOPIC_PREFIX: "northshire"}).topics
    assert (topics.events, topics.feed("school-elm"), topics.deadletter) == (
        "northshire.events",
        "northshire.feed.school-elm",
        "northshire.deadletter",
    )


def test_a_postgresql_url_configures_eventsourcing_for_postgres() -> None:
    settings = load_settings(
        {config.DATABASE_URL: "postgresql://fp:secret@db.example.invalid:5433/chronology"}
    )
    env = event_store_env(settings)
    assert env["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"], env["POSTGRES_DBNAME"]) == (
        "db.example.invalid",
        "5433",
        "chronology",
    )


def test_an_unknown_database_scheme_names_the_setting() -> None:
    with pytest.raises(ConfigurationError, match=config.DATABASE_URL):
        load_settings({config.DATABASE_URL: "mysql://nope"})


def test_partitions_must_be_a_positive_number() -> None:
    with pytest.raises(ConfigurationError, match=config.TOPIC_PARTITIONS):
        load_settings({config.TOPIC_PARTITIONS: "lots"})
