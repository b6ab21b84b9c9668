"""Shared fixtures: an embedded partnership, a fresh real PostgreSQL database, a real Kafka broker.

Integration fixtures talk to the servers `make services` starts (settings in
`.fullpicture/services.env`, or FULLPICTURE_TEST_DATABASE_URL / FULLPICTURE_TEST_KAFKA_BOOTSTRAP).
They fail, never skip, when a server is missing: a green run means the real thing was exercised.
The broker is secured: fixtures connect as its administrative principal unless a test says
otherwise, and throwaway databases are made by the admin role, owned by the application role.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from consumers import kafka_io
from domain.application import Partnership
from fullpicture import config
from fullpicture.bootstrap import Wiring, event_store_env
from fullpicture.config import Settings, load_settings

REPO_ROOT = Path(__file__).resolve().parent.parent
SERVICES_ENV = REPO_ROOT / ".fullpicture" / "services.env"
FIXED_NOW = datetime(2025, 6, 30, 12, 0, 0)


def _service_settings() -> dict[str, str]:
    found: dict[str, str] = {}
    if SERVICES_ENV.exists():
        for line in SERVICES_ENV.read_text().splitlines():
            match = re.match(r"export (\w+)=(.*)", line.strip())
            if match:
                found[match.group(1)] = match.group(2).strip("'\"")
    for key in (
        config.DATABASE_URL,
        config.ADMIN_DATABASE_URL,
        config.OWNER_DATABASE_URL,
        config.KAFKA_BOOTSTRAP,
        config.KAFKA_SECURITY_PROTOCOL,
        config.KAFKA_SASL_MECHANISM,
        config.service_username_key("admin"),
        config.service_password_key("admin"),
    ):
        test_key = key.replace("FULLPICTURE_", "FULLPICTURE_TEST_")
        if os.environ.get(test_key):
            found[key] = os.environ[test_key]
        elif os.environ.get(key):
            found.setdefault(key, os.environ[key])
    return found


SERVICES = _service_settings()


def kafka_admin_environ() -> dict[str, str]:
    """The broker's security settings with its administrative principal (nothing if unsecured)."""
    found = {
        key: SERVICES[key]
        for key in (config.KAFKA_SECURITY_PROTOCOL, config.KAFKA_SASL_MECHANISM)
        if SERVICES.get(key)
    }
    username = SERVICES.get(config.service_username_key("admin"))
    if username:
        found[config.KAFKA_USERNAME] = username
        found[config.KAFKA_PASSWORD] = SERVICES.get(config.service_password_key("admin"), "")
    return found


@pytest.fixture(autouse=True)
def hermetic_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's own FULLPICTURE_* settings by accident."""
    for key in config.ALL_KEYS:
        monkeypatch.delenv(key, raising=False)


@pytest.fixture
def embedded_settings(tmp_path: Path) -> Settings:
    return load_settings({config.STATE_DIR: str(tmp_path / "state")})


@pytest.fixture
def clock() -> Callable[[], datetime]:
    return lambda: FIXED_NOW


@pytest.fixture
def embedded_partnership(
    embedded_settings: Settings, clock: Callable[[], datetime]
) -> Iterator[Partnership]:
    app = Partnership(env=event_store_env(embedded_settings), now=clock)
    yield app
    app.close()


def postgres_app_url() -> str:
    """The application role's database (the role every FullPicture process connects as)."""
    url = SERVICES.get(config.DATABASE_URL, "")
    if not url.startswith("postgres"):
        pytest.fail(
            "No PostgreSQL configured: run `make services` (or set FULLPICTURE_TEST_DATABASE_URL)"
        )
    return url


def postgres_admin_url() -> str:
    """The role that may create databases (the app role may not); the app URL if none is set."""
    return SERVICES.get(config.ADMIN_DATABASE_URL) or postgres_app_url()


def postgres_owner_url() -> str:
    """The role that owns the event tables (`fullpicture init` only)."""
    url = SERVICES.get(config.OWNER_DATABASE_URL, "")
    if not url.startswith("postgres"):
        pytest.fail(
            "No PostgreSQL owner role configured: run `make services` "
            "(or set FULLPICTURE_TEST_OWNER_DATABASE_URL)"
        )
    return url


def in_database(url: str, name: str) -> str:
    return f"{url.rpartition('/')[0]}/{name}"


@pytest.fixture
def new_postgres_database() -> Iterator[Callable[[], str]]:
    """Make brand-new databases as a deployment has them: owned by the owner role, the event
    tables made by it, the application role (whose URL is returned) only reading and
    appending to them; all dropped afterwards."""
    import psycopg

    from fullpicture.store_privileges import prepare_event_stores

    admin_url = postgres_admin_url()
    app = config.Database(postgres_app_url())
    owner_url = postgres_owner_url()
    owner_role = config.Database(owner_url).postgres_parts()["user"]
    made: list[str] = []

    def make() -> str:
        name = f"fp_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE {name} OWNER "{owner_role}"')
        made.append(name)
        prepare_event_stores(in_database(owner_url, name), app.postgres_parts()["user"])
        return in_database(app.url, name)

    yield make
    with psycopg.connect(admin_url, autocommit=True) as connection:
        for name in made:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def postgres_url(new_postgres_database: Callable[[], str]) -> str:
    """A brand-new, empty database on the real server, dropped afterwards."""
    return new_postgres_database()


@pytest.fixture
def kafka_bootstrap() -> str:
    bootstrap = SERVICES.get(config.KAFKA_BOOTSTRAP, "")
    if not bootstrap:
        pytest.fail(
            "No Kafka broker configured: run `make services` "
            "(or set FULLPICTURE_TEST_KAFKA_BOOTSTRAP)"
        )
    return bootstrap


@pytest.fixture(scope="session")
def topic_prefixes_used() -> Iterator[list[str]]:
    """Every test's topic prefix; their topics are deleted when the run ends, in one call."""
    prefixes: list[str] = []
    yield prefixes
    bootstrap = SERVICES.get(config.KAFKA_BOOTSTRAP, "")
    if prefixes and bootstrap:
        settings = load_settings({config.KAFKA_BOOTSTRAP: bootstrap, **kafka_admin_environ()})
        kafka_io.delete_topics_with_prefixes(settings, prefixes)


@pytest.fixture
def topic_prefix(topic_prefixes_used: list[str]) -> str:
    """Topics no other test uses (deleted at the end of the run)."""
    prefix = f"fptest{uuid.uuid4().hex[:10]}"
    topic_prefixes_used.append(prefix)
    return prefix


@pytest.fixture
def postgres_settings(postgres_url: str, tmp_path: Path) -> Settings:
    return load_settings({config.DATABASE_URL: postgres_url, config.STATE_DIR: str(tmp_path)})


@pytest.fixture
def distributed_settings(
    postgres_url: str, kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> Settings:
    return load_settings(
        {
            config.DATABASE_URL: postgres_url,
            config.KAFKA_BOOTSTRAP: kafka_bootstrap,
            config.TOPIC_PREFIX: topic_prefix,
            config.TOPIC_PARTITIONS: "3",
            config.STATE_DIR: str(tmp_path),
            config.ADMIN_DATABASE_URL: postgres_admin_url(),
            **kafka_admin_environ(),
        }
    )


@pytest.fixture
def wiring_for(clock: Callable[[], datetime]) -> Iterator[Callable[[Settings], Wiring]]:
    """Build wirings for settings; every one is closed at the end of the test."""
    built: list[Wiring] = []

    def build(settings: Settings) -> Wiring:
        wiring = Wiring(settings, recording_now=clock)
        built.append(wiring)
        return wiring

    yield build
    for wiring in built:
        wiring.close()
