"""The composition root: turns settings into the concrete application, read models and feeds."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from eventsourcing.application import Application

from domain import clock
from domain.access_log import AccessLog
from domain.application import Partnership
from domain.directory import Directory
from domain.disposition import Disposition
from domain.retention_schedule import RetentionSchedule
from domain.vocabulary import Vocabulary
from fullpicture.config import (
    CIPHER_KEY,
    PATTERNS_FILE,
    ConfigurationError,
    Settings,
    load_settings,
)
from fullpicture.mailer import MailNotSent
from fullpicture.notifier import Notifier
from fullpicture.private_files import prepare_private_database
from fullpicture.projection import KafkaProjection, Projection, Recorder, StoreProjection
from fullpicture.queries import Queries
from fullpicture.records_office import RecordsOffice
from fullpicture.retention_file import load_schedule
from fullpicture.vocabulary_file import load_vocabulary
from projections.alerts import PatternContext
from projections.database import ReadModelDatabase, open_read_models
from projections.kept_chronologies import KeptChronologies
from projections.patterns.settings import PatternConfigError
from projections.read_models import ReadModels

log = logging.getLogger(__name__)

CIPHER_TOPIC = "eventsourcing.cipher:AESCipher"
RECORDER_TOPIC = "fullpicture.event_store:BinaryBatchRecorder"  # PostgreSQL only
ACCESS_LOG_RECORDER_TOPIC = "fullpicture.event_store:OneTripRecorder"  # PostgreSQL only
CHRONOLOGY_RECORDER_TOPIC = "fullpicture.event_store:ChronologyRecorder"  # PostgreSQL only


# Embedded mode keeps each store in a file of its own beside the chronology's (SQLite names every
# application's table alike); PostgreSQL names each application's table after it.
DIRECTORY_FILE = "people.sqlite"
ACCESS_LOG_FILE = "access.sqlite"
DISPOSITION_FILE = "disposition.sqlite"

App = TypeVar("App", bound=Application[Any])


def event_store_env(
    settings: Settings,
    sqlite_file: str | None = None,
    recorder_topic: str = CHRONOLOGY_RECORDER_TOPIC,
) -> dict[str, str]:
    """eventsourcing's own environment keys for the configured database (and cipher); in
    embedded mode `sqlite_file` names another store beside the chronology's; on PostgreSQL
    `recorder_topic` names the recorder class."""
    database = settings.database
    env: dict[str, str] = {}
    if database.is_sqlite:
        path: Path = database.sqlite_path
        if sqlite_file is not None:
            path = path.with_name(sqlite_file)
        prepare_private_database(path, settings.state_dir)
        env |= {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(path),
            "SQLITE_LOCK_TIMEOUT": "30",
        }
    else:
        parts = database.postgres_parts()
        env |= {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "APPLICATION_RECORDER_TOPIC": recorder_topic,
            "POSTGRES_DBNAME": parts["dbname"],
            "POSTGRES_HOST": parts["host"],
            "POSTGRES_PORT": parts["port"],
            "POSTGRES_USER": parts["user"],
            "POSTGRES_PASSWORD": parts["password"],
        }
    if settings.cipher_key:
        env |= {"CIPHER_TOPIC": CIPHER_TOPIC, "CIPHER_KEY": settings.cipher_key}
    return env


# Held while an event-sourced application starts on PostgreSQL (see `stores_made_one_at_a_time`).
STORE_CREATION_LOCK = "SELECT pg_advisory_lock(hashtext('fullpicture event stores'))"


@contextmanager
def stores_made_one_at_a_time(settings: Settings) -> Iterator[None]:
    """An event-sourced application makes its tables as it starts (CREATE TABLE IF NOT EXISTS,
    in eventsourcing); two processes starting together on PostgreSQL could both run that, and
    one then failed with "tuple concurrently updated" (1 run in ~12 of two `project --once`
    started at once). Here they take turns, under a lock of the session's own (SQLite: one
    writer at a time already)."""
    if settings.database.is_sqlite:
        yield
        return
    import psycopg

    with psycopg.connect(settings.database.url, autocommit=True) as connection:
        connection.execute(STORE_CREATION_LOCK)  # released as the connection closes
        yield


# Held while an erasure is checked and carried out, and while a legal hold is placed.
DISPOSITION_LOCK = "SELECT pg_advisory_lock(hashtext('fullpicture disposition'))"


@contextmanager
def disposition_one_at_a_time(settings: Settings) -> Iterator[None]:
    """An erasure (its checks, then the shredding) and the placing of a legal hold take turns,
    across processes: a hold placed while an erasure runs is placed after it, never between
    its check and its shredding. PostgreSQL: a session lock of the database's; embedded: a lock
    on a file beside the disposition store."""
    if settings.database.is_sqlite:
        import fcntl

        path = settings.database.sqlite_path.with_name(DISPOSITION_FILE + ".lock")
        with path.open("a") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)  # released as the file closes
            yield
        return
    import psycopg

    with psycopg.connect(settings.database.url, autocommit=True) as connection:
        connection.execute(DISPOSITION_LOCK)  # released as the connection closes
        yield


def read_models_url(settings: Settings) -> str:
    database = settings.database
    if database.is_sqlite:
        return f"sqlite:///{database.sqlite_path}"
    return database.url


@dataclass(frozen=True)
class EventStore(Generic[App]):
    """One of the three event stores: its application, its SQLite file beside the chronology's
    (None: the chronology's own) and its PostgreSQL recorder."""

    application: type[App]
    sqlite_file: str | None
    recorder_topic: str


CHRONOLOGY_STORE = EventStore(Partnership, None, CHRONOLOGY_RECORDER_TOPIC)
DIRECTORY_STORE = EventStore(Directory, DIRECTORY_FILE, RECORDER_TOPIC)
ACCESS_LOG_STORE = EventStore(AccessLog, ACCESS_LOG_FILE, ACCESS_LOG_RECORDER_TOPIC)
DISPOSITION_STORE = EventStore(Disposition, DISPOSITION_FILE, RECORDER_TOPIC)
EVENT_STORES = (CHRONOLOGY_STORE, DIRECTORY_STORE, ACCESS_LOG_STORE, DISPOSITION_STORE)


def open_event_store(
    store: EventStore[App],
    settings: Settings,
    now: Callable[[], datetime] = clock.system_time,
    **options: Any,
) -> App:
    """The one way a process opens an event store: one process at a time on PostgreSQL, a
    malformed cipher key as a clean error, and the first event read before anything is written.
    `options` go to the application (the chronology's vocabulary)."""
    env = event_store_env(settings, store.sqlite_file, store.recorder_topic)
    try:
        with stores_made_one_at_a_time(settings):
            app = store.application(env=env, now=now, **options)
    except ConfigurationError:  # a missing event table (`EventTableMissing`)
        raise
    except (ValueError, TypeError) as error:  # eventsourcing refuses a malformed key
        raise ConfigurationError(CIPHER_KEY, f"is not a usable key ({error})") from None
    check_store_is_readable(app, settings)
    return app


@dataclass
class Wiring:
    """Everything a command needs, built once from settings. Tests and tools pass overrides
    here (`now`, `recording_now`, `keep_chronologies`), never set what it built."""

    settings: Settings
    now: Callable[[], datetime] = clock.system_time
    # The clock entries are recorded with, when it is not `now` (tests and the bench fix it).
    recording_now: Callable[[], datetime] | None = None
    # Children's chronology rows kept between reads while nothing new is projected (the bench
    # turns it off to time a read that goes to the database).
    keep_chronologies: bool = True
    _partnership: Partnership | None = field(default=None, init=False, repr=False)
    _read_models: ReadModels | None = field(default=None, init=False, repr=False)
    _directory: Directory | None = field(default=None, init=False, repr=False)
    _access_log: AccessLog | None = field(default=None, init=False, repr=False)
    _queries: Queries | None = field(default=None, init=False, repr=False)
    _projection: Projection | None = field(default=None, init=False, repr=False)
    _disposition: Disposition | None = field(default=None, init=False, repr=False)
    _retention_schedule: RetentionSchedule | None = field(default=None, init=False, repr=False)
    _notifier: Notifier | None = field(default=None, init=False, repr=False)

    @property
    def partnership(self) -> Partnership:
        if self._partnership is None:
            vocabulary = configured_vocabulary(self.settings)
            self._partnership = open_event_store(
                CHRONOLOGY_STORE,
                self.settings,
                self.recording_now or self.now,
                vocabulary=vocabulary,
            )
        return self._partnership

    @property
    def directory(self) -> Directory:
        """People, roles, passwords and review grants."""
        if self._directory is None:
            self._directory = open_event_store(
                DIRECTORY_STORE, self.settings, self.now, local_signin=self.settings.local_signin
            )
        return self._directory

    @property
    def access_log(self) -> AccessLog:
        if self._access_log is None:
            self._access_log = open_event_store(ACCESS_LOG_STORE, self.settings, self.now)
        return self._access_log

    @property
    def disposition(self) -> Disposition:
        """Retention decisions, approvals, erasures carried out and legal holds."""
        if self._disposition is None:
            self._disposition = open_event_store(DISPOSITION_STORE, self.settings, self.now)
        return self._disposition

    @property
    def retention_schedule(self) -> RetentionSchedule:
        if self._retention_schedule is None:
            self._retention_schedule = load_schedule(self.settings.retention_file)
        return self._retention_schedule

    @property
    def records_office(self) -> RecordsOffice:
        """Disposition review, decisions, holds and the guarded way to erasure."""
        return RecordsOffice(
            self.queries,
            self.disposition,
            self.read_models.db,
            self.retention_schedule,
            agency_types=lambda: {a.code: a.agency_type for a in self.partnership.agencies()},
            now=self.now,
            child_is_recorded=self.partnership.knows_child,
            one_at_a_time=lambda: disposition_one_at_a_time(self.settings),
        )

    @property
    def projection(self) -> Projection:
        """What keeps the read models current: the store's log (embedded) or Kafka."""
        if self._projection is None:
            chosen = KafkaProjection if self.settings.distributed else StoreProjection
            self._projection = chosen(self)
        return self._projection

    @property
    def recorder(self) -> Recorder:
        """The partnership's writes, each followed by the projection's catch-up."""
        return Recorder(self)

    @property
    def kafka(self) -> Settings | None:
        """The settings Kafka clients are made with; None without a broker (embedded)."""
        return self.settings if self.settings.distributed else None

    def require_kafka(self, command: str) -> Settings:
        if self.kafka is None:
            raise NotConfiguredFor(
                f"{command} needs FULLPICTURE_KAFKA_BOOTSTRAP (distributed mode)"
            )
        return self.kafka

    @property
    def issues_kafka_credentials(self) -> bool:
        """A secured broker: registering an agency also issues its Kafka principal."""
        return self.kafka is not None and self.settings.kafka_security.uses_sasl

    def require_servers(self, command: str, how: str) -> Settings:
        """The administrative settings of a tool that needs PostgreSQL and Kafka both."""
        if self.kafka is None or not self.settings.database.is_postgres:
            raise NotConfiguredFor(f"{command} needs PostgreSQL and Kafka: {how}")
        return self.settings.as_service("admin")

    @property
    def queries(self) -> Queries:
        """The one way to read child data: scoped to a person, every read logged."""
        if self._queries is None:
            self._queries = Queries(
                self.directory,
                self.access_log,
                self.read_models.db,
                self.read_models.patterns,
                agency_is_registered=self.partnership.agency_is_registered,
                resolve_children=self.partnership.resolve_children,
                today=lambda: self.now().date(),
                kept=KeptChronologies() if self.keep_chronologies else None,
                chronology_holds_entries=self.partnership.holds_entries,
            )
        return self._queries

    @property
    def notifier(self) -> Notifier | None:
        """E-mail to people about work waiting for them; None without FULLPICTURE_SMTP_URL."""
        if self.settings.mail is None:
            return None
        if self._notifier is None:
            self._notifier = Notifier(
                self.read_models.db,
                self.directory,
                self.settings.mail,
                today=lambda: self.now().date(),
            )
        return self._notifier

    def after_writes(self) -> None:
        """In embedded mode people are told straight after a write (distributed mode runs
        `fullpicture notify` beside the projector); a failed send is tried again next time."""
        if self.settings.distributed or self.notifier is None:
            return
        try:
            self.notifier.run_once()
        except MailNotSent as error:
            log.warning("notifications not sent yet: %s", error)

    @property
    def read_models(self) -> ReadModels:
        if self._read_models is None:
            self._read_models = ReadModels(self.read_model_database(), self.pattern_context())
        return self._read_models

    def pattern_context(self) -> PatternContext:
        try:
            # The kept alerts are as at the day the queries take for today.
            return PatternContext.from_files(
                self.settings.patterns_file,
                self.settings.glossary_file,
                lambda: self.now().date(),
            )
        except (PatternConfigError, OSError, KeyError) as error:
            raise ConfigurationError(PATTERNS_FILE, str(error)) from None

    def read_model_database(self) -> ReadModelDatabase:
        return open_read_models(read_models_url(self.settings))

    def close(self) -> None:
        """Close what was opened; safe to call twice."""
        if self._partnership is not None:
            self._partnership.close()
            self._partnership = None
        if self._read_models is not None:
            self._read_models.db.close()
            self._read_models = None
        for app in (self._directory, self._access_log, self._disposition):
            if app is not None:
                app.close()
        self._directory = self._access_log = self._queries = self._projection = None
        self._disposition = None
        self._notifier = None


def check_store_is_readable(app: Application[Any], settings: Settings) -> None:
    """Read the first stored event before anything else happens: a wrong or missing cipher key
    on an encrypted store (or a key on a plain one) is then one clear error, not a failure
    half-way through a command that has already changed something."""
    first = app.recorder.select_notifications(start=1, limit=1)
    if not first:
        return
    try:
        app.mapper.to_domain_event(first[0])
    except Exception:  # noqa: BLE001 - whatever the cipher or codec raises, the key is wrong
        app.close()
        problem = (
            "the stored events cannot be decrypted with this key (wrong key, or the store is "
            "not encrypted)"
            if settings.cipher_key
            else "is not set, but the stored events cannot be read without a key (encrypted?)"
        )
        raise ConfigurationError(CIPHER_KEY, f"{problem}; nothing was changed") from None


class NotConfiguredFor(Exception):
    """A command needs a server these settings do not name (Kafka, PostgreSQL)."""


def configured_vocabulary(settings: Settings) -> Vocabulary:
    """The partnership's words; with Kafka, only words the published Avro contract carries."""
    return load_vocabulary(settings.vocabulary_file, within_contract=settings.distributed)


def bootstrap(settings: Settings | None = None) -> Wiring:
    return Wiring(settings or load_settings())
