"""The one place that reads the environment: every setting FullPicture has, with its default."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlparse

# Kafka's names and settings types belong to the consumers that use them; they are re-exported
# here, where the environment is read.
from consumers.kafka_names import Topics
from consumers.kafka_settings import (
    DEFAULT_SASL_MECHANISM,
    KAFKA_PASSWORD,
    KAFKA_USERNAME,
    ConfigurationError,
    KafkaCredentials,
    KafkaSecurity,
    service_password_key,
    service_username_key,
)
from domain.sign_in import LOCAL_SIGNIN_ALL, LOCAL_SIGNIN_CHOICES, LOCAL_SIGNIN_OFF

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
RETENTION_FILE = "FULLPICTURE_RETENTION_FILE"
OIDC_ISSUER = "FULLPICTURE_OIDC_ISSUER"
OIDC_CLIENT_ID = "FULLPICTURE_OIDC_CLIENT_ID"
OIDC_CLIENT_SECRET = "FULLPICTURE_OIDC_CLIENT_SECRET"
OIDC_REDIRECT_URI = "FULLPICTURE_OIDC_REDIRECT_URI"
LOCAL_SIGNIN = "FULLPICTURE_LOCAL_SIGNIN"
COOKIE_SECRET = "FULLPICTURE_COOKIE_SECRET"
# Minutes without a click before a dashboard session ends (a fraction for tests: 0.1 is 6 s).
IDLE_MINUTES = "FULLPICTURE_IDLE_MINUTES"
DEFAULT_IDLE_MINUTES = 30.0
DEMO = "FULLPICTURE_DEMO"
ACTING_USER = "FULLPICTURE_USER"
KAFKA_SECURITY_PROTOCOL = "FULLPICTURE_KAFKA_SECURITY_PROTOCOL"
KAFKA_SASL_MECHANISM = "FULLPICTURE_KAFKA_SASL_MECHANISM"
KAFKA_CA_FILE = "FULLPICTURE_KAFKA_CA_FILE"
ADMIN_DATABASE_URL = "FULLPICTURE_ADMIN_DATABASE_URL"
# The role that owns the event tables; only `fullpicture init` connects as it (TRUST.md, "Servers").
OWNER_DATABASE_URL = "FULLPICTURE_OWNER_DATABASE_URL"
# How long an agency's feed keeps a message: feeds are disclosures, kept for the agency to read,
# not for ever (an erased child's entries must not stay on them).
FEED_RETENTION_DAYS = "FULLPICTURE_FEED_RETENTION_DAYS"
# Notifications to people by e-mail (`fullpicture notify`).
SMTP_URL = "FULLPICTURE_SMTP_URL"
SMTP_FROM = "FULLPICTURE_SMTP_FROM"
SMTP_CA_FILE = "FULLPICTURE_SMTP_CA_FILE"
DASHBOARD_URL = "FULLPICTURE_DASHBOARD_URL"
DEFAULT_SMTP_FROM = "fullpicture@localhost"
DEFAULT_DASHBOARD_URL = "http://127.0.0.1:8501/"
# smtp: plain (loopback only, or a relay that needs nothing); smtp+starttls: STARTTLS required;
# smtps: TLS from the first byte.
SMTP_SCHEMES = {"smtp": (25, "plain"), "smtp+starttls": (587, "starttls"), "smtps": (465, "tls")}

# Each FullPicture process may have its own Kafka principal in the same environment:
# FULLPICTURE_KAFKA_RELAY_USERNAME / _PASSWORD and so on; without one it uses
# FULLPICTURE_KAFKA_USERNAME / _PASSWORD.
KAFKA_SERVICES = ("relay", "projector", "feeds", "audit", "dashboard", "admin")


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
    RETENTION_FILE,
    OIDC_ISSUER,
    OIDC_CLIENT_ID,
    OIDC_CLIENT_SECRET,
    OIDC_REDIRECT_URI,
    LOCAL_SIGNIN,
    COOKIE_SECRET,
    IDLE_MINUTES,
    DEMO,
    ACTING_USER,
    KAFKA_SECURITY_PROTOCOL,
    KAFKA_SASL_MECHANISM,
    KAFKA_USERNAME,
    KAFKA_PASSWORD,
    KAFKA_CA_FILE,
    ADMIN_DATABASE_URL,
    OWNER_DATABASE_URL,
    FEED_RETENTION_DAYS,
    *(service_username_key(s) for s in KAFKA_SERVICES),
    *(service_password_key(s) for s in KAFKA_SERVICES),
)

SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
SASL_MECHANISMS = ("SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN")

DEFAULT_STATE_DIR = ".fullpicture"
DEFAULT_SQLITE_FILE = "fullpicture.sqlite"
DEFAULT_TOPIC_PREFIX = "fullpicture"
DEFAULT_TOPIC_PARTITIONS = 6
DEFAULT_TOPIC_REPLICATION_FACTOR = 1
DEFAULT_FEED_RETENTION_DAYS = 30
# Streamlit fills in `{port}` with the port the dashboard serves on.
DEFAULT_OIDC_REDIRECT_URI = "http://127.0.0.1:{port}/oauth2callback"


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
class OpenIdProvider:
    """The partnership's OpenID Connect identity provider, for signing in to the dashboard."""

    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str

    @property
    def metadata_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


@dataclass(frozen=True)
class MailServer:
    """Where notifications are sent from (FULLPICTURE_SMTP_URL, _FROM) and what they link to."""

    host: str
    port: int
    security: str  # plain, starttls or tls
    username: str = field(default="", repr=False)
    password: str = field(default="", repr=False)
    sender: str = DEFAULT_SMTP_FROM
    dashboard_url: str = DEFAULT_DASHBOARD_URL
    ca_file: Path | None = None  # the authorities the server's certificate is checked against


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
    retention_file: Path | None = None
    """The retention schedule; None: the one shipped with the package."""
    oidc: OpenIdProvider | None = None
    local_signin: str = LOCAL_SIGNIN_ALL
    """Who may sign in with a local password: off, administrators or all."""
    cookie_secret: str | None = None
    idle_minutes: float = DEFAULT_IDLE_MINUTES
    demo: bool = False
    acting_user: str | None = None
    """The person CLI commands act as when `--as` is not given."""
    kafka_security: KafkaSecurity = field(default_factory=KafkaSecurity)
    # Only for creating and dropping throwaway databases (the bench, the test suite).
    admin_database_url: str | None = field(default=None, repr=False)
    # Only for making the event tables and granting the application role its privileges.
    owner_database_url: str | None = field(default=None, repr=False)
    feed_retention_days: int = DEFAULT_FEED_RETENTION_DAYS
    mail: MailServer | None = None

    @property
    def distributed(self) -> bool:
        """Distributed mode (Kafka between store and projections) is on when a broker is named."""
        return bool(self.kafka_bootstrap)

    def as_service(self, service: str) -> Settings:
        """These settings with the Kafka principal of one FullPicture service, when it has one."""
        own = self.kafka_security.services.get(service)
        if own is None:
            return self
        return self.as_kafka_user(own)

    def as_kafka_user(self, credentials: KafkaCredentials) -> Settings:
        return replace(self, kafka_security=replace(self.kafka_security, credentials=credentials))

    @property
    def idle_limit(self) -> timedelta:
        return timedelta(minutes=self.idle_minutes)

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
    oidc = _open_id_provider(env)
    return Settings(
        database=database,
        kafka_bootstrap=env.get(KAFKA_BOOTSTRAP) or None,
        topics=Topics(_topic_prefix(env)),
        topic_partitions=_positive_int(env, TOPIC_PARTITIONS, DEFAULT_TOPIC_PARTITIONS),
        topic_replication_factor=_positive_int(
            env, TOPIC_REPLICATION_FACTOR, DEFAULT_TOPIC_REPLICATION_FACTOR
        ),
        cipher_key=env.get(CIPHER_KEY) or None,
        state_dir=state_dir,
        vocabulary_file=_optional_path(env, VOCABULARY_FILE),
        patterns_file=_optional_path(env, PATTERNS_FILE),
        glossary_file=_optional_path(env, GLOSSARY_FILE),
        retention_file=_optional_path(env, RETENTION_FILE),
        oidc=oidc,
        local_signin=_local_signin(env, oidc),
        cookie_secret=env.get(COOKIE_SECRET) or None,
        idle_minutes=_positive_number(env, IDLE_MINUTES, DEFAULT_IDLE_MINUTES),
        demo=env.get(DEMO) == "1",
        acting_user=(env.get(ACTING_USER) or "").strip() or None,
        kafka_security=_kafka_security(env),
        admin_database_url=env.get(ADMIN_DATABASE_URL) or None,
        owner_database_url=env.get(OWNER_DATABASE_URL) or None,
        feed_retention_days=_positive_int(env, FEED_RETENTION_DAYS, DEFAULT_FEED_RETENTION_DAYS),
        mail=_mail_server(env),
    )


def _mail_server(env: Mapping[str, str]) -> MailServer | None:
    url = env.get(SMTP_URL)
    if not url:
        return None
    parsed = urlparse(url)
    if parsed.scheme not in SMTP_SCHEMES or not parsed.hostname:
        raise ConfigurationError(
            SMTP_URL,
            f"expected {' | '.join(f'{s}://' for s in SMTP_SCHEMES)}[user:password@]host[:port]",
        )
    default_port, security = SMTP_SCHEMES[parsed.scheme]
    try:
        port = parsed.port or default_port
    except ValueError:
        raise ConfigurationError(SMTP_URL, "the port is not a number") from None
    return MailServer(
        host=parsed.hostname,
        port=port,
        security=security,
        username=unquote(parsed.username or ""),
        password=unquote(parsed.password or ""),
        sender=env.get(SMTP_FROM) or DEFAULT_SMTP_FROM,
        dashboard_url=env.get(DASHBOARD_URL) or DEFAULT_DASHBOARD_URL,
        ca_file=_existing_file(env, SMTP_CA_FILE),
    )


def _existing_file(env: Mapping[str, str], key: str) -> Path | None:
    path = _optional_path(env, key)
    if path is not None and not path.is_file():
        raise ConfigurationError(key, f"no such file: {path}")
    return path


def kafka_environ(settings: Settings) -> dict[str, str]:
    """The environment that gives a child process the same broker and principal as `settings`."""
    security = settings.kafka_security
    found = {
        KAFKA_BOOTSTRAP: settings.kafka_bootstrap or "",
        KAFKA_SECURITY_PROTOCOL: security.protocol,
        KAFKA_SASL_MECHANISM: security.mechanism,
    }
    if security.credentials is not None:
        found[KAFKA_USERNAME] = security.credentials.username
        found[KAFKA_PASSWORD] = security.credentials.password
    if security.ca_file is not None:
        found[KAFKA_CA_FILE] = str(security.ca_file)
    if settings.admin_database_url:
        found[ADMIN_DATABASE_URL] = settings.admin_database_url
    return found


def _kafka_security(env: Mapping[str, str]) -> KafkaSecurity:
    protocol = (env.get(KAFKA_SECURITY_PROTOCOL) or "PLAINTEXT").upper()
    if protocol not in SECURITY_PROTOCOLS:
        raise ConfigurationError(
            KAFKA_SECURITY_PROTOCOL,
            f"expected one of {', '.join(SECURITY_PROTOCOLS)}, got {protocol!r}",
        )
    mechanism = (env.get(KAFKA_SASL_MECHANISM) or DEFAULT_SASL_MECHANISM).upper()
    if mechanism not in SASL_MECHANISMS:
        raise ConfigurationError(
            KAFKA_SASL_MECHANISM, f"expected one of {', '.join(SASL_MECHANISMS)}, got {mechanism!r}"
        )
    ca_file = _optional_path(env, KAFKA_CA_FILE)
    if ca_file is not None and not ca_file.is_file():
        raise ConfigurationError(KAFKA_CA_FILE, f"no such file: {ca_file}")
    services = {
        service: found
        for service in KAFKA_SERVICES
        if (
            found := _credentials(env, service_username_key(service), service_password_key(service))
        )
    }
    return KafkaSecurity(
        protocol=protocol,
        mechanism=mechanism,
        credentials=_credentials(env, KAFKA_USERNAME, KAFKA_PASSWORD),
        ca_file=ca_file,
        services=services,
    )


def _credentials(
    env: Mapping[str, str], username_key: str, password_key: str
) -> KafkaCredentials | None:
    username = env.get(username_key)
    if not username:
        return None
    password = env.get(password_key)
    if not password:
        raise ConfigurationError(password_key, f"is required with {username_key}")
    return KafkaCredentials(username, password)


def _open_id_provider(env: Mapping[str, str]) -> OpenIdProvider | None:
    """All three of issuer, client id and client secret, or none of them."""
    keys = (OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET)
    given = {key: (env.get(key) or "").strip() for key in keys}
    if not any(given.values()):
        return None
    for key in keys:
        if not given[key]:
            together = f"{', '.join(keys[:-1])} and {keys[-1]}"
            raise ConfigurationError(key, f"is required: {together} are set together")
    issuer = given[OIDC_ISSUER]
    if urlparse(issuer).scheme not in ("http", "https") or not urlparse(issuer).netloc:
        raise ConfigurationError(OIDC_ISSUER, f"expected the issuer's URL, got {issuer!r}")
    redirect_uri = (env.get(OIDC_REDIRECT_URI) or "").strip() or DEFAULT_OIDC_REDIRECT_URI
    if not redirect_uri.endswith("/oauth2callback"):
        raise ConfigurationError(
            OIDC_REDIRECT_URI, f"must end with /oauth2callback, got {redirect_uri!r}"
        )
    return OpenIdProvider(issuer, given[OIDC_CLIENT_ID], given[OIDC_CLIENT_SECRET], redirect_uri)


def _local_signin(env: Mapping[str, str], oidc: OpenIdProvider | None) -> str:
    """Off by default once an identity provider is configured (so its own checks, such as a
    second factor, cannot be walked round), all otherwise."""
    raw = (env.get(LOCAL_SIGNIN) or "").strip().lower()
    if not raw:
        return LOCAL_SIGNIN_OFF if oidc is not None else LOCAL_SIGNIN_ALL
    if raw not in LOCAL_SIGNIN_CHOICES:
        raise ConfigurationError(
            LOCAL_SIGNIN, f"expected one of {', '.join(LOCAL_SIGNIN_CHOICES)}, got {raw!r}"
        )
    return raw


def _optional_path(env: Mapping[str, str], key: str) -> Path | None:
    return Path(env[key]) if env.get(key) else None


TOPIC_PREFIX_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,100}", re.ASCII)


def _topic_prefix(env: Mapping[str, str]) -> str:
    """Letters, digits, `-` and `_`: no `.`, so one partnership's names (`<prefix>.…`) never
    start with another's on a shared broker."""
    prefix = env.get(TOPIC_PREFIX) or DEFAULT_TOPIC_PREFIX
    if not TOPIC_PREFIX_PATTERN.fullmatch(prefix):
        raise ConfigurationError(
            TOPIC_PREFIX,
            f"expected 1 to 100 ASCII letters, digits, '-' or '_' (no '.'), got {prefix!r}",
        )
    return prefix


def _positive_number(env: Mapping[str, str], key: str, default: float) -> float:
    raw = env.get(key)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(key, f"expected a number, got {raw!r}") from None
    if not value > 0:
        raise ConfigurationError(key, f"must be more than 0, got {raw}")
    return value


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
