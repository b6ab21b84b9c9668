"""The one place that reads the environment: every setting FullPicture has, with its default."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

DATABASE_URL = "FULLPICTURE_DATABASE_URL"
KAFKA_BOOTSTRAP = "FULLPICTURE_KAFKA_BOOTSTRAP"
TOPIC_PREFIX = "FULLPICTURE_TOPIC_PREFIX"
TOPIC_PARTITIONS = "FULLPICTURE_TOPIC_PARTITIONS"
TOPIC_REPLICATION_FACTOR = "FULLPICTURE_TOPIC_REPLICATION_FACTOR"
CIPHER_KEY = "FULLPICTURE_CIPHER_KEY"
STATE_DIR = "FULLPICTURE_STATE_DIR"
VOCABULARY_FILE = "FULLPICTURE_VOCABULARY_FILE"
PATTERNS_FILE = "FULLPICTURE_PATTERNS_FILE"
GLOSSARY_FILE = "FULLPICTURE_GLOSSARY_FILE"
ACTING_USER = "FULLPICTURE_USER"

ALL_KEYS = (
    DATABASE_URL,
    KAFKA_BOOTSTRAP,
    TOPIC_PREFIX,
    TOPIC_PARTITIONS,
    TOPIC_REPLICATION_FACTOR,
    CIPHER_KEY,
    STATE_DIR,
    VOCABULARY_FILE,
    PATTERNS_FILE,
    GLOSSARY_FILE,
    ACTING_USER,
)

DEFAULT_STATE_DIR = ".fullpicture"
DEFAULT_SQLITE_FILE = "fullpicture.sqlite"
DEFAULT_TOPIC_PREFIX = "fullpicture"
DEFAULT_TOPIC_PARTITIONS = 6
DEFAULT_TOPIC_REPLICATION_FACTOR = 1


class ConfigurationError(ValueError):
    """A setting is present but unusable; carries the environment key that is wrong."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key


@dataclass(frozen=True)
class Topics:
    """The one place that knows topic names."""

    prefix: str

    @property
    def events(self) -> str:
        return f"{self.prefix}.events"

    @property
    def audit(self) -> str:
        """The access log: one message per child a read concerned."""
        return f"{self.prefix}.audit"

    @property
    def deadletter(self) -> str:
        return f"{self.prefix}.deadletter"

    def feed(self, agency: str) -> str:
        return f"{self.prefix}.feed.{agency}"

    @property
    def feed_prefix(self) -> str:
        return f"{self.prefix}.feed."


@dataclass(frozen=True)
class Database:
    """Where the event store and the read models live (one database for both)."""

    url: str

    @property
    def scheme(self) -> str:
        return urlparse(self.url).scheme.split("+")[0]

    @property
    def is_sqlite(self) -> bool:
        return self.scheme == "sqlite"

    @property
    def is_postgres(self) -> bool:
        return self.scheme in ("postgresql", "postgres")

    @property
    def sqlite_path(self) -> Path:
        """`sqlite:///relative.db` and `sqlite:////absolute.db`, as SQLAlchemy spells them."""
        return Path(self.url.removeprefix("sqlite:///"))

    def postgres_parts(self) -> dict[str, str]:
        parsed = urlparse(self.url)
        return {
            "host": parsed.hostname or "127.0.0.1",
            "port": str(parsed.port or 5432),
            "user": unquote(parsed.username or "postgres"),
            "password": unquote(parsed.password or ""),
            "dbname": parsed.path.lstrip("/") or "postgres",
        }


@dataclass(frozen=True)
class Settings:
    database: Database
    kafka_bootstrap: str | None
    topics: Topics
    topic_partitions: int
    topic_replication_factor: int
    cipher_key: str | None
    state_dir: Path
    vocabulary_file: Path | None = None
    patterns_file: Path | None = None
    glossary_file: Path | None = None
    acting_user: str | None = None
    """The person CLI commands act as when `--as` is not given."""

    @property
    def distributed(self) -> bool:
        """Distributed mode (Kafka between store and projections) is on when a broker is named."""
        return bool(self.kafka_bootstrap)

    @property
    def mode(self) -> str:
        return "distributed" if self.distributed else "embedded"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    state_dir = Path(env.get(STATE_DIR) or DEFAULT_STATE_DIR)
    url = env.get(DATABASE_URL) or f"sqlite:///{state_dir / DEFAULT_SQLITE_FILE}"
    database = Database(url)
    if not (database.is_sqlite or database.is_postgres):
        raise ConfigurationError(
            DATABASE_URL, f"expected sqlite:///path or postgresql://..., got {url!r}"
        )
    return Settings(
        database=database,
        kafka_bootstrap=env.get(KAFKA_BOOTSTRAP) or None,
        topics=Topics(env.get(TOPIC_PREFIX) or DEFAULT_TOPIC_PREFIX),
        topic_partitions=_positive_int(env, TOPIC_PARTITIONS, DEFAULT_TOPIC_PARTITIONS),
        topic_replication_factor=_positive_int(
            env, TOPIC_REPLICATION_FACTOR, DEFAULT_TOPIC_REPLICATION_FACTOR
        ),
        cipher_key=env.get(CIPHER_KEY) or None,
        state_dir=state_dir,
        vocabulary_file=_optional_path(env, VOCABULARY_FILE),
        patterns_file=_optional_path(env, PATTERNS_FILE),
        glossary_file=_optional_path(env, GLOSSARY_FILE),
        acting_user=(env.get(ACTING_USER) or "").strip() or None,
    )


def _optional_path(env: Mapping[str, str], key: str) -> Path | None:
    return Path(env[key]) if env.get(key) else None


def _positive_int(env: Mapping[str, str], key: str, default: int) -> int:
    raw = env.get(key)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(key, f"expected a whole number, got {raw!r}") from None
    if value < 1:
        raise ConfigurationError(key, f"must be at least 1, got {value}")
    return value
