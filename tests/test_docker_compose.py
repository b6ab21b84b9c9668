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
