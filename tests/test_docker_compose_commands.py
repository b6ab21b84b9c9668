"""Each docker-compose.yml service's exact command line does its job against the real servers.

No Docker engine runs here, so the compose environment is mapped onto the servers `make test`
uses: the compose database, broker and topic prefix become a fresh test database, the secured
test broker and a fresh prefix; the compose principals become this prefix's principals (made by
the initialiser itself, with the administrator's credentials from .fullpicture/services.env); a
path mounted into the container becomes the file it mounts. Then the commands run as installed
programs, in the order compose starts them.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from consumers import kafka_security
from fullpicture import config
from fullpicture.config import Settings
from tests.conftest import REPO_ROOT, in_database, postgres_owner_url
from tests.test_kafka_access_control import admin_settings, principals  # noqa: F401 - fixtures

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]

FULLPICTURE = [sys.executable, "-m", "fullpicture"]
VARIABLE = re.compile(r"\$\{(\w+)(?::([-?])([^}]*))?\}")


def compose() -> dict[str, Any]:
    return yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's `${NAME}`, `${NAME:-default}` and `${NAME:?error}`."""

    def one(match: re.Match[str]) -> str:
        name, how, default = match.groups()
        if variables.get(name):
            return variables[name]
        assert how == "-", f"compose needs {name}: {default}"
        return default

    return VARIABLE.sub(one, value)


class Stack:
    """The compose file's services, mapped onto this test's servers."""

    def __init__(self, settings: Settings, tmp_path: Path, agencies_file: Path) -> None:
        self.settings = settings
        self.prefix = settings.topics.prefix
        self.state_dir = tmp_path / "state"  # the image's FULLPICTURE_STATE_DIR
        admin = settings.kafka_security.credentials
        assert admin is not None
        self.admin = admin
        self.variables = {
            "FULLPICTURE_KAFKA_ADMIN_PASSWORD": admin.password,
            "FULLPICTURE_DATABASE_PASSWORD": "the test database's URL is used instead",
            "FULLPICTURE_OWNER_DATABASE_PASSWORD": "the test database's owner URL is used instead",
        }
        for service in kafka_security.SERVICES:
            key = f"FULLPICTURE_KAFKA_{service.upper()}_PASSWORD"
            self.variables[key] = secrets.token_urlsafe(24)
        self.mounts = {"/etc/fullpicture/agencies.csv": str(agencies_file)}

    def environment(self, service: str) -> dict[str, str]:
        declared = compose()["services"][service]["environment"]
        mapped = {k: v for k, v in os.environ.items() if not k.startswith("FULLPICTURE_")}
        mapped[config.STATE_DIR] = str(self.state_dir)
        for key, raw in declared.items():
            value = interpolate(str(raw), self.variables)
            if key == config.DATABASE_URL:
                value = self.settings.database.url
            elif key == config.OWNER_DATABASE_URL:
                database = self.settings.database.postgres_parts()["dbname"]
                value = in_database(postgres_owner_url(), database)
            elif key == config.KAFKA_BOOTSTRAP:
                value = self.settings.kafka_bootstrap or ""
            elif key == config.TOPIC_PREFIX:
                value = self.prefix
            elif key.endswith("_USERNAME"):
                value = self.admin.username if value == "admin" else self._principal(value)
            mapped[key] = value
        return mapped

    def _principal(self, compose_name: str) -> str:
        assert compose_name.startswith("fullpicture-"), compose_name
        return f"{self.prefix}-{compose_name.removeprefix('fullpicture-')}"

    def command(self, service: str) -> list[str]:
        line = [
            interpolate(str(part), self.variables)
            for part in compose()["services"][service]["command"]
        ]
        return [self.mounts.get(part, part) for part in line]

    def run(self, service: str, *extra: str, command: list[str] | None = None) -> str:
        argv = [*FULLPICTURE, *(command or self.command(service)), *extra]
        done = subprocess.run(
            argv,
            env=self.environment(service),
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )
        assert done.returncode == 0, f"{service}: {argv}\n{done.stdout}\n{done.stderr}"
        return done.stdout + done.stderr

    def health(self, service: str) -> str:
        test = compose()["services"][service]["healthcheck"]["test"]
        assert test[0] == "CMD" and test[1] == "fullpicture", test
        return self.run(service, command=test[2:])

    def credentials(self, code: str) -> Path:
        """The agency's credentials file the initialiser wrote, as this machine sees it."""
        return self.state_dir / "credentials" / f"agency-{code}.json"

    def subscribe(self, code: str) -> str:
        """The agency's own system reading its feed with that file."""
        read = ["subscribe", "--agency", code, "--from-beginning", "--format", "jsonl"]
        return self.run("feeds", command=[*read, "--credentials", str(self.credentials(code))])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def agencies_file(
    tmp_path: Path,
    admin_settings: Settings,  # noqa: F811
    principals: list[str],  # noqa: F811
) -> tuple[Path, list[str]]:
    """Like deploy/agencies.csv, with codes of this test's own."""
    codes = [f"dc-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    topics = admin_settings.topics
    principals.extend(kafka_security.agency_username(topics, code) for code in codes)
    path = tmp_path / "agencies.csv"
    path.write_text(
        "code,name,type,contact\n"
        f"{codes[0]},Northshire Police,police,mash@police.example\n"
        f"{codes[1]},Elm Primary School,education,\n"
    )
    return path, codes


def each_service_does_its_job(stack: Stack, codes: list[str]) -> None:
    """The initialiser (twice), then the relay, projector and feed router once each, an agency
    reading its feed, and the services' health checks: in the order compose starts them."""
    first = stack.run("init")
    assert "first administrator registered: admin" in first
    assert all(f"registered: {code}" in first for code in codes)
    again = stack.run("init")  # a restarted initialiser changes nothing
    assert all(f"already registered: {code}" in again for code in codes)
    assert "first administrator" not in again
    credentials = json.loads(stack.credentials(codes[1]).read_text())
    assert credentials["topic"] == stack.settings.topics.feed(codes[1])

    published = re.search(r"published (\d+) events", stack.run("relay", "--once"))
    assert published and int(published.group(1)) >= len(codes)
    assert f"applied {published.group(1)} events" in stack.run("projector", "--once")
    assert "routed" in stack.run("feeds", "--once")
    feed = stack.subscribe(codes[1])
    [event] = [json.loads(line) for line in feed.splitlines() if line.startswith("{")]
    assert (event["event_type"], event["code"]) == ("AgencyRegistered", codes[1])

    for service in ("relay", "projector", "feeds"):
        listed = json.loads(stack.health(service))
        assert sorted(a["code"] for a in listed) == sorted(codes), service


def test_each_compose_service_s_command_does_its_job(
    admin_settings: Settings,  # noqa: F811
    principals: list[str],  # noqa: F811
    agencies_file: tuple[Path, list[str]],
    tmp_path: Path,
) -> None:
    path, codes = agencies_file
    stack = Stack(admin_settings, tmp_path, path)
    principals.extend(
        kafka_security.service_username(admin_settings.topics, s) for s in kafka_security.SERVICES
    )

    each_service_does_its_job(stack, codes)

    port = str(free_port())
    command = [port if part == "8501" else part for part in stack.command("dashboard")]
    server = subprocess.Popen(
        [*FULLPICTURE, *command],
        env=stack.environment("dashboard"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        probe = compose()["services"]["dashboard"]["healthcheck"]["test"]
        assert probe[:2] == ["CMD", "python"]
        check = [sys.executable, *probe[2:]]
        check[-1] = check[-1].replace("8501", port)
        deadline = time.monotonic() + 60
        while subprocess.run(check, capture_output=True, check=False).returncode != 0:
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            assert time.monotonic() < deadline, "the dashboard never answered its health check"
            time.sleep(0.5)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5) as r:
            assert r.read() == b"ok"
    finally:
        server.terminate()
        server.wait(timeout=20)
