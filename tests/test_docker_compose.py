"""docker-compose.yml runs the same stack with the same configuration keys as a local run."""

from __future__ import annotations

from typing import Any

import yaml

from fullpicture import config
from fullpicture.cli import build_parser
from tests.conftest import REPO_ROOT

APP_SERVICES = {
    "relay": "relay",
    "projector": "project",
    "feeds": "feeds",
    "dashboard": "dashboard",
}


def compose() -> dict[str, Any]:
    return yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())


def test_the_stack_has_kafka_postgres_and_every_long_running_process() -> None:
    assert {"kafka", "postgres", *APP_SERVICES} <= set(compose()["services"])


def test_kafka_runs_in_kraft_mode_without_zookeeper() -> None:
    services = compose()["services"]
    kafka = services["kafka"]["environment"]
    assert kafka["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert not any("zookeeper" in name for name in services)


def test_app_services_use_exactly_the_configuration_module_s_keys() -> None:
    for name in APP_SERVICES:
        environment = compose()["services"][name]["environment"]
        assert set(environment) <= set(config.ALL_KEYS), name
        assert {config.DATABASE_URL, config.KAFKA_BOOTSTRAP, config.TOPIC_PREFIX} <= set(
            environment
        )


def test_app_services_point_at_the_compose_servers() -> None:
    environment = compose()["services"]["relay"]["environment"]
    settings = config.load_settings(environment)
    assert (
        settings.database.is_postgres and settings.database.postgres_parts()["host"] == "postgres"
    )
    assert settings.kafka_bootstrap == "kafka:9092" and settings.distributed


def test_each_app_service_runs_a_real_fullpicture_command() -> None:
    commands = set(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    for service, command in APP_SERVICES.items():
        line = compose()["services"][service]["command"]
        assert f"fullpicture {command}" in line
        assert command in commands, f"{service} runs unknown command {command}"


def test_each_app_service_connects_to_the_secured_broker_as_its_own_principal() -> None:
    services = compose()["services"]
    principals = set()
    for name in APP_SERVICES:
        settings = config.load_settings(services[name]["environment"])
        assert settings.kafka_security.protocol == "SASL_PLAINTEXT"
        assert settings.kafka_security.mechanism == "SCRAM-SHA-512"
        assert settings.kafka_security.credentials is not None
        principals.add(settings.kafka_security.credentials.username)
    assert principals == {f"fullpicture-{name}" for name in APP_SERVICES}
    assert "fullpicture kafka setup" in services["kafka-setup"]["command"]


def test_the_compose_broker_authorizes_every_request_and_the_app_role_is_no_superuser() -> None:
    broker = (REPO_ROOT / "scripts" / "compose" / "kafka-broker.sh").read_text()
    for setting in (
        "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "allow.everyone.if.no.acl.found=false",
        "sasl.enabled.mechanisms=$MECHANISM",
        '--add-scram "$MECHANISM=[name=admin',
    ):
        assert setting in broker
    postgres = compose()["services"]["postgres"]["environment"]
    assert postgres["POSTGRES_USER"] != "fullpicture"  # the image's user is a superuser
    init = (REPO_ROOT / "scripts" / "compose" / "postgres-init.sh").read_text()
    assert "CREATE ROLE fullpicture LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE" in init
    assert "CREATE DATABASE fullpicture OWNER fullpicture" in init
