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


@pytest.mark.parametrize("prefix", ["fullpicture.north", "north shire", "north/shire", "é"])
def test_a_topic_prefix_that_could_reach_into_another_partnerships_names_is_refused(
    prefix: str,
) -> None:
    """`a` and `a.agency` would share names (`a.agency.agency.x`); only one `.` ends a prefix."""
    with pytest.raises(ConfigurationError) as refused:
        load_settings({config.TOPIC_PREFIX: prefix})
    assert refused.value.key == config.TOPIC_PREFIX


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


SECURED = {
    config.KAFKA_BOOTSTRAP: "127.0.0.1:19092",
    config.KAFKA_SECURITY_PROTOCOL: "SASL_PLAINTEXT",
    config.KAFKA_USERNAME: "shared-user",
    config.KAFKA_PASSWORD: "shared-password",
    config.service_username_key("relay"): "fullpicture-relay",
    config.service_password_key("relay"): "relay-password",
}


def test_every_kafka_client_gets_the_configured_protocol_mechanism_and_principal() -> None:
    from consumers.kafka_io import security_config

    assert security_config(load_settings(SECURED)) == {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "shared-user",
        "sasl_plain_password": "shared-password",
    }
    assert security_config(load_settings({})) == {"security_protocol": "PLAINTEXT"}


def test_a_service_uses_its_own_principal_when_the_environment_has_one() -> None:
    settings = load_settings(SECURED)
    relay = settings.as_service("relay").kafka_security.credentials
    projector = settings.as_service("projector").kafka_security.credentials
    assert relay is not None and relay.username == "fullpicture-relay"
    assert projector is not None and projector.username == "shared-user"
    assert "relay-password" not in repr(settings)


def test_unusable_kafka_security_settings_name_their_key() -> None:
    with pytest.raises(ConfigurationError) as protocol:
        load_settings({config.KAFKA_SECURITY_PROTOCOL: "SASL_WHATEVER"})
    assert protocol.value.key == config.KAFKA_SECURITY_PROTOCOL
    with pytest.raises(ConfigurationError) as password:
        load_settings({config.KAFKA_USERNAME: "someone"})
    assert password.value.key == config.KAFKA_PASSWORD
    with pytest.raises(ConfigurationError) as ca_file:
        load_settings({config.KAFKA_CA_FILE: "/no/such/ca.pem"})
    assert ca_file.value.key == config.KAFKA_CA_FILE


def test_a_sasl_client_without_a_principal_is_a_configuration_error() -> None:
    from consumers.kafka_io import security_config

    anonymous = load_settings({config.KAFKA_SECURITY_PROTOCOL: "SASL_SSL"})
    with pytest.raises(ConfigurationError) as missing:
        security_config(anonymous)
    assert missing.value.key == config.KAFKA_USERNAME
