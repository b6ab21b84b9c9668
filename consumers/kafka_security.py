"""Kafka principals and their ACLs: one per FullPicture service, one per agency.

The broker allows nothing without an ACL (TRUST.md, "Servers"). Each service principal gets only
what its job needs, and each agency's principal may read only its own feed, with consumer groups
under its own prefix. Everything here runs with an administrative principal's settings.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TypeVar

from kafka.admin import (
    ACL,
    ACLFilter,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    KafkaAdminClient,
    ResourcePattern,
    ResourcePatternFilter,
    ResourceType,
    UserScramCredentialDeletion,
    UserScramCredentialUpsertion,
)
from kafka.errors import KafkaError

from consumers import kafka_io
from consumers.kafka_names import (
    Topics,
    agency_group_prefix,
    agency_groups_prefix,
    agency_username,
    audit_transactional_id_prefix,
    feeds_group,
    feeds_transactional_id,
    legacy_agency_username,
    projector_group,
    relay_transactional_id,
    service_username,
)
from consumers.kafka_settings import (
    KafkaCredentials,
    KafkaSettings,
    service_password_key,
    service_username_key,
)

READ, WRITE, CREATE, DESCRIBE = (
    ACLOperation.READ,
    ACLOperation.WRITE,
    ACLOperation.CREATE,
    ACLOperation.DESCRIBE,
)
TOPIC, GROUP, TRANSACTIONAL_ID = (
    ResourceType.TOPIC,
    ResourceType.GROUP,
    ResourceType.TRANSACTIONAL_ID,
)
SERVICES = ("relay", "projector", "feeds", "audit", "dashboard")

# The settings a caller passes in, handed back with the agency's principal.
AnySettings = TypeVar("AnySettings", bound=KafkaSettings)


class KafkaSecurityError(Exception):
    """The broker refused to create a principal or an ACL (or could not be asked)."""


@dataclass(frozen=True)
class Grant:
    """Operations a principal may perform on one resource (a literal name or a name prefix)."""

    resource_type: ResourceType
    name: str
    operations: tuple[ACLOperation, ...]
    prefixed: bool = False

    def acls(self, username: str) -> list[ACL]:
        pattern = (
            ACLResourcePatternType.PREFIXED if self.prefixed else ACLResourcePatternType.LITERAL
        )
        return [
            ACL(
                principal=f"User:{username}",
                host="*",
                operation=operation,
                permission_type=ACLPermissionType.ALLOW,
                resource_pattern=ResourcePattern(self.resource_type, self.name, pattern),
            )
            for operation in self.operations
        ]


def service_grants(topics: Topics, service: str) -> list[Grant]:
    """What each service's job needs, and nothing more."""
    events, deadletter = topics.events, topics.deadletter
    grants = {
        # Publishes the store; reads the topic's tail to resume where it stopped.
        "relay": [
            Grant(TOPIC, events, (READ, WRITE, DESCRIBE)),
            Grant(TRANSACTIONAL_ID, relay_transactional_id(topics, events), (WRITE, DESCRIBE)),
        ],
        "projector": [
            Grant(TOPIC, events, (READ, DESCRIBE)),
            Grant(GROUP, projector_group(topics), (READ,)),
            Grant(TOPIC, deadletter, (WRITE, DESCRIBE)),
        ],
        # Creates an agency's feed the first time it has something for it; tells feeds of an
        # erasure (`RecordsErased`) and keeps the erasure ledger's topic.
        "feeds": [
            Grant(TOPIC, events, (READ, DESCRIBE)),
            Grant(TOPIC, topics.erasures, (READ, WRITE, CREATE, DESCRIBE)),
            Grant(GROUP, feeds_group(topics), (READ,)),
            Grant(TOPIC, topics.feed_prefix, (WRITE, CREATE, DESCRIBE), prefixed=True),
            Grant(TRANSACTIONAL_ID, feeds_transactional_id(topics), (WRITE, DESCRIBE)),
            Grant(TOPIC, deadletter, (WRITE, DESCRIBE)),
        ],
        "audit": [
            # Read too: the audit relay resumes from the highest position on the topic's tail.
            Grant(TOPIC, topics.audit, (READ, WRITE, DESCRIBE)),
            Grant(TRANSACTIONAL_ID, audit_transactional_id_prefix(topics), (WRITE, DESCRIBE), True),
        ],
        # The Feeds page: sizes of FullPicture's topics and the agencies' subscriber lag.
        "dashboard": [
            Grant(TOPIC, topics.all_topics_prefix, (DESCRIBE,), prefixed=True),
            Grant(GROUP, agency_groups_prefix(topics), (DESCRIBE,), prefixed=True),
        ],
    }
    return grants[service]


def agency_grants(topics: Topics, agency: str) -> list[Grant]:
    """Read its own feed, in consumer groups under its own prefix: nothing else."""
    return [
        Grant(TOPIC, topics.feed(agency), (READ, DESCRIBE)),
        Grant(GROUP, agency_group_prefix(topics, agency), (READ, DESCRIBE), prefixed=True),
    ]


def new_password() -> str:
    return secrets.token_urlsafe(24)


# Talking to the broker ------------------------------------------------------------------------


@contextmanager
def _as_administrator(settings: KafkaSettings) -> Iterator[KafkaAdminClient]:
    """An admin client; any Kafka failure becomes one KafkaSecurityError saying what to check."""
    try:
        client = kafka_io.admin(settings)
    except KafkaError as error:
        raise KafkaSecurityError(
            f"cannot connect to Kafka at {settings.kafka_bootstrap} as an administrator "
            f"({type(error).__name__}): is it running, and are the credentials right? "
            "The broker's log says which"
        ) from None
    try:
        yield client
    except KafkaError as error:
        raise KafkaSecurityError(f"Kafka refused: {error!r}") from None
    finally:
        client.close()


def set_password(
    client: KafkaAdminClient, settings: KafkaSettings, credentials: KafkaCredentials
) -> None:
    """Create the SCRAM credential, or replace it (the old password stops working)."""
    mechanism = settings.kafka_security.mechanism
    upsert = UserScramCredentialUpsertion(credentials.username, mechanism, credentials.password)
    errors = client.alter_user_scram_credentials([upsert])
    if errors.get(credentials.username):
        raise KafkaSecurityError(
            f"SCRAM credential for {credentials.username}: {errors[credentials.username]}"
        )


def has_credential(client: KafkaAdminClient, username: str) -> bool:
    found = client.describe_user_scram_credentials([username]).get(username)
    return bool(found and not found["error"] and found["credential_infos"])


def grant(client: KafkaAdminClient, username: str, grants: Iterable[Grant]) -> int:
    """Create the ACLs (creating one that exists already changes nothing); returns how many."""
    acls = [acl for g in grants for acl in g.acls(username)]
    result = client.create_acls(acls)
    if result["failed"]:
        raise KafkaSecurityError(f"ACLs for {username}: {result['failed'][0]!r}")
    return len(acls)


def grant_exactly(client: KafkaAdminClient, username: str, grants: Iterable[Grant]) -> None:
    """Leave the principal with exactly these ACLs: add what is missing, remove anything else.

    Never revokes first, so a running service keeps every permission it still needs.
    """
    grants = list(grants)
    wanted = [acl for g in grants for acl in g.acls(username)]
    grant(client, username, grants)
    keep = {_acl_key(acl) for acl in wanted}
    extra = [acl for acl in acls_of(client, username) if _acl_key(acl) not in keep]
    if extra:
        client.delete_acls([_exact_filter(acl) for acl in extra])


def _acl_key(acl: ACL) -> tuple[object, ...]:
    pattern = acl.resource_pattern
    return (
        int(pattern.resource_type),
        pattern.resource_name,
        int(pattern.pattern_type),
        int(acl.operation),
        int(acl.permission_type),
        acl.host,
    )


def _exact_filter(acl: ACL) -> ACLFilter:
    pattern = acl.resource_pattern
    return ACLFilter(
        principal=acl.principal,
        host=acl.host,
        operation=acl.operation,
        permission_type=acl.permission_type,
        resource_pattern=ResourcePatternFilter(
            pattern.resource_type, pattern.resource_name, pattern.pattern_type
        ),
    )


def acls_of(client: KafkaAdminClient, username: str) -> list[ACL]:
    acls, _ = client.describe_acls(_principal_filter(username))
    return acls


def revoke_all(client: KafkaAdminClient, username: str) -> None:
    client.delete_acls([_principal_filter(username)])


def _principal_filter(username: str) -> ACLFilter:
    return ACLFilter(
        principal=f"User:{username}",
        host="*",
        operation=ACLOperation.ANY,
        permission_type=ACLPermissionType.ANY,
        resource_pattern=ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY),
    )


# Service principals ---------------------------------------------------------------------------


def setup_services(
    admin_settings: KafkaSettings, known: Mapping[str, KafkaCredentials] | None = None
) -> dict[str, KafkaCredentials]:
    """Create FullPicture's topics and one principal per service with its ACLs.

    Passwords already `known` (from an earlier run) are kept, so running it again is harmless.
    """
    topics = admin_settings.topics
    known = known or {}
    issued: dict[str, KafkaCredentials] = {}
    with _as_administrator(admin_settings) as client:
        kafka_io.ensure_topics(admin_settings, [topics.events, topics.deadletter, topics.audit])
        kafka_io.ensure_topics(admin_settings, [topics.erasures], kafka_io.COMPACTED)
        for service in SERVICES:
            username = service_username(topics, service)
            previous = known.get(service)
            password = previous.password if previous and previous.username == username else None
            credentials = KafkaCredentials(username, password or new_password())
            set_password(client, admin_settings, credentials)
            grant_exactly(client, username, service_grants(topics, service))
            issued[service] = credentials
    return issued


def read_service_env_file(path: Path) -> dict[str, KafkaCredentials]:
    """The service credentials an earlier `kafka setup` wrote (missing file: none)."""
    if not path.exists():
        return {}
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        key, sep, value = line.removeprefix("export ").partition("=")
        if sep:
            values[key.strip()] = value.strip().strip("'\"")
    found = {}
    for service in SERVICES:
        username = values.get(service_username_key(service))
        password = values.get(service_password_key(service))
        if username and password:
            found[service] = KafkaCredentials(username, password)
    return found


def write_service_env_file(path: Path, issued: Mapping[str, KafkaCredentials]) -> None:
    lines = []
    for service, credentials in issued.items():
        lines.append(f"export {service_username_key(service)}={credentials.username}")
        lines.append(f"export {service_password_key(service)}={credentials.password}")
    write_private_file(path, "\n".join(lines) + "\n")


# Agency principals ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AgencyCredentials:
    """What an agency's own system needs to read its feed (the credentials file's fields)."""

    bootstrap: str
    security_protocol: str
    mechanism: str
    username: str
    password: str
    topic: str
    group_prefix: str

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"


def issue_agency_credentials(
    admin_settings: KafkaSettings, agency: str, rotate: bool = False
) -> AgencyCredentials | None:
    """Give the agency its principal, password and ACLs; None if it has them and not `rotate`.

    The feed topic is created too, so the agency can subscribe before its first event arrives.
    """
    topics = admin_settings.topics
    username = agency_username(topics, agency)
    with _as_administrator(admin_settings) as client:
        kafka_io.ensure_topics(
            admin_settings,
            [topics.feed(agency)],
            kafka_io.feed_retention(admin_settings.feed_retention_days),
        )
        grant(client, username, agency_grants(topics, agency))
        _revoke_legacy_grants(client, topics, agency)
        if has_credential(client, username) and not rotate:
            return None
        password = new_password()
        set_password(client, admin_settings, KafkaCredentials(username, password))
    return AgencyCredentials(
        bootstrap=admin_settings.kafka_bootstrap or "",
        security_protocol=admin_settings.kafka_security.protocol,
        mechanism=admin_settings.kafka_security.mechanism,
        username=username,
        password=password,
        topic=topics.feed(agency),
        group_prefix=agency_group_prefix(topics, agency),
    )


def stored_agency_credentials(state_dir: Path, agency: str) -> Path:
    """Where an agency's credentials file is kept when no other place is given for it."""
    return state_dir / "credentials" / f"agency-{agency}.json"


def _revoke_legacy_grants(client: KafkaAdminClient, topics: Topics, agency: str) -> None:
    """The shared `agency-<code>` principal of older installations loses this partnership's
    feed and groups (another partnership's ACLs on it are its own to remove)."""
    legacy = legacy_agency_username(agency)
    ours = [
        Grant(TOPIC, topics.feed(agency), (READ, DESCRIBE)),
        Grant(GROUP, f"{topics.prefix}.agency.{agency}.", (READ, DESCRIBE), prefixed=True),
    ]
    client.delete_acls([_exact_filter(acl) for g in ours for acl in g.acls(legacy)])


def withdraw_agency(admin_settings: KafkaSettings, agency: str) -> int:
    """Remove every ACL of the agency's principal and its SCRAM credential: its system can no
    longer sign in or read its feed. Returns how many ACLs were removed."""
    username = agency_username(admin_settings.topics, agency)
    mechanism = admin_settings.kafka_security.mechanism
    with _as_administrator(admin_settings) as client:
        removed = len(acls_of(client, username))
        revoke_all(client, username)
        _revoke_legacy_grants(client, admin_settings.topics, agency)
        if has_credential(client, username):
            errors = client.alter_user_scram_credentials(
                [UserScramCredentialDeletion(username, mechanism)]
            )
            if errors.get(username):
                raise KafkaSecurityError(f"SCRAM credential for {username}: {errors[username]}")
    return removed


class CredentialsFileError(ValueError):
    """A credentials file that cannot be used; carries the field that is wrong."""

    def __init__(self, path: Path, field: str, problem: str) -> None:
        super().__init__(f"{path}: {field}: {problem}")
        self.field = field


def read_agency_credentials(path: Path) -> AgencyCredentials:
    try:
        data = json.loads(path.read_text())
    except OSError as error:
        raise CredentialsFileError(path, "file", error.strerror or str(error)) from None
    except json.JSONDecodeError as error:
        raise CredentialsFileError(path, "file", f"not JSON ({error.msg})") from None
    if not isinstance(data, dict):
        raise CredentialsFileError(path, "file", "expected a JSON object")
    values = {}
    for name in AgencyCredentials.__dataclass_fields__:
        value = data.get(name)
        if not isinstance(value, str) or not value:
            raise CredentialsFileError(path, name, "is required")
        values[name] = value
    return AgencyCredentials(**values)


def settings_for_agency(settings: AnySettings, credentials: AgencyCredentials) -> AnySettings:
    """Settings that connect as the agency (its broker, protocol, mechanism and principal)."""
    security = replace(
        settings.kafka_security,
        protocol=credentials.security_protocol,
        mechanism=credentials.mechanism,
        credentials=KafkaCredentials(credentials.username, credentials.password),
    )
    return replace(settings, kafka_bootstrap=credentials.bootstrap, kafka_security=security)


def write_private_file(path: Path, text: str) -> None:
    """Write a secret: the file is 0600 from its first byte, and replaced whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w") as out:
            out.write(text)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
