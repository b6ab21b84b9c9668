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
    for service, command in {**APP_SERVICES, "init": "init"}.items():
        line = compose()["services"][service]["command"]
        assert isinstance(line, list) and line[0] == command, service  # the image's ENTRYPOINT
        assert command in commands, f"{service} runs unknown command {command}"
        build_parser().parse_args(line)  # every option it passes exists


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
    initialiser = config.load_settings(services["init"]["environment"])
    assert initialiser.kafka_security.credentials.username == "admin"  # type: ignore[union-attr]
    assert set(initialiser.kafka_security.services) >= {*APP_SERVICES, "audit"}


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
    assert "CREATE ROLE fullpicture_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE" in init
    # The owner role owns the database and makes the event tables (only `init` has its URL);
    # the application role may only read and append to them.
    assert "CREATE DATABASE fullpicture OWNER fullpicture_owner;" in init
    services = compose()["services"]
    assert "fullpicture_owner" in services["init"]["environment"][config.OWNER_DATABASE_URL]
    for name in APP_SERVICES:
        assert config.OWNER_DATABASE_URL not in services[name].get("environment", {}), name


def test_every_fullpicture_service_runs_the_built_image_without_source_or_installs() -> None:
    services = compose()["services"]
    for name in [*APP_SERVICES, "init"]:
        service = services[name]
        assert (service["build"], service["image"]) == (".", "fullpicture:local"), name
        assert "working_dir" not in service, name
        mounted = [volume.split(":")[0] for volume in service.get("volumes", [])]
        assert [m for m in mounted if m.startswith(".")] in ([], ["./deploy/agencies.csv"]), name
        assert "pip" not in " ".join(service["command"]), name
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    assert "pip wheel" in dockerfile and "pip install --no-cache-dir /wheels/" in dockerfile
    assert "\nUSER fullpicture\n" in dockerfile


def test_the_initialiser_runs_once_before_the_services_and_the_projector_scales() -> None:
    services = compose()["services"]
    init = services["init"]
    assert init["restart"] == "no"
    assert init["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert "./deploy/agencies.csv:/etc/fullpicture/agencies.csv:ro" in init["volumes"]
    for name in APP_SERVICES:
        after = services[name]["depends_on"]
        assert after["init"]["condition"] == "service_completed_successfully", name
        assert after["postgres"]["condition"] == "service_healthy", name
    projector = services["projector"]
    assert "container_name" not in projector and "ports" not in projector


def test_every_long_running_service_has_a_health_check_and_data_lives_in_named_volumes() -> None:
    stack = compose()
    for name, service in stack["services"].items():
        if name != "init":
            assert service["healthcheck"]["test"], name
    named = set(stack["volumes"])
    used = {
        volume.split(":")[0]
        for service in stack["services"].values()
        for volume in service.get("volumes", [])
        if not volume.startswith(".")
    }
    assert used == named == {"kafka-data", "postgres-data", "agency-credentials"}


def test_the_dashboard_listens_on_every_interface_of_its_container() -> None:
    dashboard = compose()["services"]["dashboard"]
    command = dashboard["command"]
    assert command[command.index("--address") + 1] == "0.0.0.0"
    port = command[command.index("--port") + 1]
    assert dashboard["ports"] == [f"{port}:{port}"]
    assert f"http://127.0.0.1:{port}/_stcore/health" in " ".join(dashboard["healthcheck"]["test"])


def test_the_shipped_agencies_file_is_valid() -> None:
    from domain.vocabulary import DEFAULT_VOCABULARY
    from fullpicture.agencies_file import read_agencies_file

    agencies = read_agencies_file(REPO_ROOT / "deploy" / "agencies.csv", DEFAULT_VOCABULARY)
    assert len(agencies) >= 2
