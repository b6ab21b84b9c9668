"""The secured broker: each agency reads only its own feed, each service does only its job.

Against the real broker `make services` starts (SASL SCRAM-SHA-512, StandardAuthorizer, nothing
allowed without an ACL). Principals made here are deleted again at the end of each test.
"""

from __future__ import annotations

import json
import os
import stat
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from kafka import TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, UserScramCredentialDeletion
from kafka.errors import (
    AuthorizationError,
    GroupAuthorizationFailedError,
    KafkaTimeoutError,
    TopicAuthorizationFailedError,
)

from consumers import kafka_io, kafka_names, kafka_security
from consumers.feed_router import FeedRouter
from consumers.feed_status import feed_status
from consumers.kafka_names import Topics
from consumers.kafka_projector import KafkaProjector
from consumers.relay import Relay
from consumers.subscriber import subscribe
from fullpicture import config
from fullpicture.cli import main
from fullpicture.config import KafkaCredentials, Settings
from projections.chronology import chronology_for
from tests.builders import register_agencies, share
from tests.kafka_helpers import read_topic

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]

FAST_BOOTSTRAP = {"bootstrap_timeout_ms": 4_000}


@pytest.fixture
def admin_settings(distributed_settings: Settings) -> Settings:
    """The fixtures' settings: the broker's administrative principal, over SASL."""
    security = distributed_settings.kafka_security
    if not (security.uses_sasl and security.credentials):
        pytest.fail("The broker from `make services` must be secured (SASL with admin credentials)")
    return distributed_settings


@pytest.fixture
def principals(admin_settings: Settings) -> Iterator[list[str]]:
    """User names whose ACLs and SCRAM credentials are deleted after the test."""
    made: list[str] = []
    yield made
    client = kafka_io.admin(admin_settings)
    try:
        for username in made:
            kafka_security.revoke_all(client, username)
        mechanism = admin_settings.kafka_security.mechanism
        client.alter_user_scram_credentials(
            [UserScramCredentialDeletion(u, mechanism) for u in made]
        )
    finally:
        client.close()


@pytest.fixture
def new_agency(admin_settings: Settings, principals: list[str]) -> Callable[[], str]:
    """A fresh agency code (its principal is deleted after the test)."""

    def make() -> str:
        code = f"acl-{uuid.uuid4().hex[:8]}"
        principals.append(kafka_security.agency_username(admin_settings.topics, code))
        return code

    return make


@pytest.fixture
def cli_as_admin(monkeypatch: pytest.MonkeyPatch, admin_settings: Settings) -> None:
    """`main()` in this process runs with the fixtures' settings (the administrative principal)."""
    environ = {
        **config.kafka_environ(admin_settings),
        config.DATABASE_URL: admin_settings.database.url,
        config.TOPIC_PREFIX: admin_settings.topics.prefix,
        config.STATE_DIR: str(admin_settings.state_dir),
    }
    for key, value in environ.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def registered_by_cli(
    new_agency: Callable[[], str], cli_as_admin: None, tmp_path: Path
) -> Callable[[], tuple[str, Path]]:
    """`fullpicture agency register` for a fresh agency: its code and its credentials file."""

    def register() -> tuple[str, Path]:
        code = new_agency()
        issued = tmp_path / f"{code}.json"
        assert main(["agency", "register", code, "--name", f"School {code}",
                     "--type", "education", "--credentials-out", str(issued)]) == 0  # fmt: skip
        return code, issued

    return register


def with_wrong_password(settings: Settings) -> Settings:
    credentials = settings.kafka_security.credentials
    assert credentials is not None
    return settings.as_kafka_user(KafkaCredentials(credentials.username, "not-the-password"))


def as_agency(admin: Settings, issued: kafka_security.AgencyCredentials) -> Settings:
    return kafka_security.settings_for_agency(admin, issued)


def put_messages(settings: Settings, topic: str, values: list[bytes]) -> None:
    kafka_io.ensure_topics(settings, [topic])
    producer = kafka_io.producer(settings)
    try:
        for value in values:
            producer.send(topic, value=value, key=b"C-0001").get(timeout=10)
    finally:
        producer.close()


def first_poll(settings: Settings, topic: str, group: str | None = None) -> None:
    """Read the topic (in `group`, or by assigning its first partition), raising Kafka's refusal.

    In a group, kafka-python raises the broker's authorization errors itself. Without one it only
    records the broker's refusal of the topic's metadata (so it never fetches); that refusal is
    raised here as kafka-python's own group path raises it.
    """
    consumer = kafka_io.consumer(settings, group, **FAST_BOOTSTRAP)
    received = []
    try:
        if group is None:
            partition = TopicPartition(topic, 0)
            consumer.assign([partition])
            consumer.seek_to_beginning(partition)
        else:
            consumer.subscribe([topic])
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not received:
            for batch in consumer.poll(timeout_ms=300).values():
                received.extend(batch)
            refused = consumer._client.cluster.unauthorized_topics  # noqa: SLF001
            if topic in refused:
                raise TopicAuthorizationFailedError(refused)
    finally:
        consumer.close()


def send_one(settings: Settings, topic: str, transactional_id: str | None = None) -> None:
    """Write one message; without a transaction, not idempotent, so the topic's ACL decides.

    (An idempotent producer is refused earlier, for the whole cluster, when its principal may
    write to no topic at all.)
    """
    plain = {} if transactional_id else {"enable_idempotence": False, "acks": 1}
    producer = kafka_io.producer(settings, transactional_id, **FAST_BOOTSTRAP, **plain)
    try:
        if transactional_id:
            producer.init_transactions()
            producer.begin_transaction()
        producer.send(topic, value=b"not allowed", key=b"C-0001").get(timeout=10)
        if transactional_id:
            kafka_io.commit_transaction(producer)
    finally:
        producer.close(timeout=2)


# Agencies -------------------------------------------------------------------------------------


def test_an_agency_reads_its_own_feed_from_the_beginning_and_nothing_else(
    admin_settings: Settings, new_agency: Callable[[], str]
) -> None:
    agency_a, agency_b = new_agency(), new_agency()
    topics = admin_settings.topics
    issued = kafka_security.issue_agency_credentials(admin_settings, agency_a)
    kafka_security.issue_agency_credentials(admin_settings, agency_b)
    assert issued is not None
    put_messages(admin_settings, topics.feed(agency_a), [b"for-a-1", b"for-a-2"])
    put_messages(admin_settings, topics.feed(agency_b), [b"for-b"])
    put_messages(admin_settings, topics.events, [b"everything"])
    agency = as_agency(admin_settings, issued)

    assert [m.value for m in read_topic(agency, topics.feed(agency_a))] == [b"for-a-1", b"for-a-2"]
    own_group = f"{issued.group_prefix}case-system"
    consumer = kafka_io.consumer(agency, own_group)
    try:
        kafka_io.subscribe(consumer, [topics.feed(agency_a)])
        received: list[bytes] = []
        deadline = time.monotonic() + 30
        while len(received) < 2 and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=300).values():
                received.extend(m.value for m in batch)
        consumer.commit()
    finally:
        consumer.close()
    assert received == [b"for-a-1", b"for-a-2"]

    for other in (topics.feed(agency_b), topics.events):
        with pytest.raises(TopicAuthorizationFailedError):
            first_poll(agency, other, group=f"{issued.group_prefix}case-system")
        with pytest.raises(TopicAuthorizationFailedError):
            first_poll(agency, other)
    with pytest.raises(GroupAuthorizationFailedError):
        first_poll(agency, topics.feed(agency_a), group=f"{topics.prefix}-projections")
    with pytest.raises(GroupAuthorizationFailedError):
        first_poll(agency, topics.feed(agency_a), group=f"{topics.prefix}.agency.{agency_b}/x")
    for topic in (topics.feed(agency_a), topics.feed(agency_b), topics.events):
        with pytest.raises(TopicAuthorizationFailedError):
            send_one(agency, topic)


def test_a_client_without_credentials_or_with_a_wrong_password_is_refused(
    admin_settings: Settings,
) -> None:
    """kafka-python reports a refused SASL login as a bootstrap that never completes."""
    anonymous = config.load_settings({config.KAFKA_BOOTSTRAP: admin_settings.kafka_bootstrap or ""})
    with pytest.raises(KafkaTimeoutError):
        kafka_io.consumer(anonymous, None, **FAST_BOOTSTRAP)
    no_password = admin_settings.as_kafka_user(KafkaCredentials("agency-nobody", "guessed"))
    with pytest.raises(KafkaTimeoutError):
        kafka_io.consumer(no_password, None, **FAST_BOOTSTRAP)
    with pytest.raises(KafkaTimeoutError):
        kafka_io.consumer(with_wrong_password(admin_settings), None, **FAST_BOOTSTRAP)
    kafka_io.consumer(admin_settings, None).close()  # the broker itself was up all along


def test_rotating_an_agency_credential_retires_the_old_password(
    admin_settings: Settings,
    registered_by_cli: Callable[[], tuple[str, Path]],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    code, first = registered_by_cli()
    second = tmp_path / "second.json"
    assert main(["agency", "credentials", code, "--rotate", "--credentials-out", str(second)]) == 0
    old, new = (json.loads(path.read_text()) for path in (first, second))
    printed = capsys.readouterr()
    assert old["password"] not in printed.out + printed.err
    assert new["password"] not in printed.out + printed.err
    assert old["username"] == new["username"] == f"{admin_settings.topics.prefix}.agency.{code}"
    assert old["password"] != new["password"]

    topic = admin_settings.topics.feed(code)
    old_settings = as_agency(admin_settings, kafka_security.read_agency_credentials(first))
    new_settings = as_agency(admin_settings, kafka_security.read_agency_credentials(second))
    with pytest.raises(KafkaTimeoutError):
        kafka_io.consumer(old_settings, None, **FAST_BOOTSTRAP)
    assert read_topic(new_settings, topic, timeout=10) == []  # connects; the feed is empty


def test_registering_an_agency_writes_its_credentials_file_once_and_private(
    admin_settings: Settings,
    new_agency: Callable[[], str],
    cli_as_admin: None,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    code = new_agency()
    target = tmp_path / "agency.json"
    register = ["agency", "register", code, "--name", "Oak School", "--type", "education"]
    assert main([*register, "--credentials-out", str(target)]) == 0
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    issued = json.loads(target.read_text())
    assert issued == {
        "bootstrap": admin_settings.kafka_bootstrap,
        "security_protocol": "SASL_PLAINTEXT",
        "mechanism": "SCRAM-SHA-512",
        "username": f"{admin_settings.topics.prefix}.agency.{code}",
        "password": issued["password"],
        "topic": admin_settings.topics.feed(code),
        "group_prefix": f"{admin_settings.topics.prefix}.agency.{code}/",
    }
    assert len(issued["password"]) >= 24
    again = tmp_path / "again.json"
    assert main([*register, "--credentials-out", str(again)]) == 0
    assert not again.exists()  # issued once; replacing it is `agency credentials --rotate`
    assert "--rotate" in capsys.readouterr().err


def test_an_agency_subscribes_with_its_credentials_file_and_only_to_its_own_feed(
    admin_settings: Settings,
    registered_by_cli: Callable[[], tuple[str, Path]],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    (code, mine), (other, theirs) = registered_by_cli(), registered_by_cli()
    assert main(["relay", "--once"]) == 0
    assert main(["feeds", "--once"]) == 0
    capsys.readouterr()
    read = ["subscribe", "--agency", code, "--from-beginning", "--format", "jsonl"]
    assert main([*read, "--credentials", str(mine)]) == 0
    [event] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (event["event_type"], event["entry_ref"]) == ("AgencyRegistered", code)

    assert main([*read, "--credentials", str(theirs)]) == 2
    assert f"is for {admin_settings.topics.feed(other)}" in capsys.readouterr().err
    forged = json.loads(theirs.read_text()) | {"topic": admin_settings.topics.feed(code)}
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    assert main([*read, "--credentials", str(tmp_path / "forged.json")]) == 2
    assert "Kafka refused" in capsys.readouterr().err
    (tmp_path / "broken.json").write_text(json.dumps({"bootstrap": "x"}))
    assert main([*read, "--credentials", str(tmp_path / "broken.json")]) == 2
    assert "security_protocol: is required" in capsys.readouterr().err


# Services -------------------------------------------------------------------------------------


@pytest.fixture
def services(admin_settings: Settings, principals: list[str]) -> dict[str, Settings]:
    """Each service's principal for this test's prefix, as `fullpicture kafka setup` makes it."""
    issued = kafka_security.setup_services(admin_settings)
    principals.extend(c.username for c in issued.values())
    return {service: admin_settings.as_kafka_user(c) for service, c in issued.items()}


def test_each_service_principal_does_its_job_and_an_agency_reads_the_result(
    admin_settings: Settings,
    services: dict[str, Settings],
    new_agency: Callable[[], str],
    wiring_for: Any,
) -> None:
    wiring = wiring_for(admin_settings)
    school = new_agency()
    register_agencies(wiring.partnership)
    wiring.partnership.register_agency(school, "Acl Primary", "education", "")
    wiring.partnership.record(share(entry_ref="P-1", to_agencies=school, child_ref="C-0001"))
    issued = kafka_security.issue_agency_credentials(admin_settings, school)
    assert issued is not None

    relay = Relay(services["relay"], wiring.partnership, wiring.read_model_database())
    assert relay.run(once=True) >= 2
    assert KafkaProjector(services["projector"], wiring.read_models).run(once=True) >= 2
    assert [e.id for e in chronology_for(wiring.read_models.db, "C-0001")] == ["police-north:P-1"]
    assert FeedRouter(services["feeds"]).run(once=True) >= 1
    audit_transaction = f"{admin_settings.topics.prefix}.audit-relay-0"
    send_one(services["audit"], admin_settings.topics.audit, transactional_id=audit_transaction)
    status = feed_status(services["dashboard"], [school])
    assert status.events >= 2 and status.feeds[0]["messages"] >= 2  # offsets: with markers

    received: list[dict[str, Any]] = []
    subscribe(as_agency(admin_settings, issued), school, received.append, from_beginning=True)
    assert sorted(r["event_type"] for r in received) == ["AgencyRegistered", "InformationShared"]


def test_each_service_principal_can_do_nothing_beyond_its_job(
    admin_settings: Settings, services: dict[str, Settings]
) -> None:
    topics = admin_settings.topics
    put_messages(admin_settings, topics.feed("school-elm"), [b"a feed message"])
    put_messages(admin_settings, topics.events, [b"an event"])
    with pytest.raises(AuthorizationError):
        send_one(services["projector"], topics.feed("school-elm"))
    with pytest.raises(AuthorizationError):
        send_one(services["projector"], topics.events)
    with pytest.raises(TopicAuthorizationFailedError):
        first_poll(services["relay"], topics.feed("school-elm"))
    with pytest.raises(AuthorizationError):
        send_one(services["relay"], topics.events, transactional_id=f"{topics.prefix}-feeds-router")
    with pytest.raises(AuthorizationError):
        send_one(services["feeds"], topics.events)
    with pytest.raises(GroupAuthorizationFailedError):
        first_poll(services["feeds"], topics.events, group=f"{topics.prefix}-projections")
    with pytest.raises(TopicAuthorizationFailedError):
        first_poll(services["dashboard"], topics.events)
    with pytest.raises(TopicAuthorizationFailedError):
        first_poll(services["audit"], topics.events)
    with pytest.raises(AuthorizationError):
        send_one(services["audit"], topics.events)


def test_the_broker_log_records_failed_authentications_and_denied_requests(
    admin_settings: Settings, services: dict[str, Settings]
) -> None:
    port = (admin_settings.kafka_bootstrap or "").rpartition(":")[2]
    cache = Path(os.environ.get("FULLPICTURE_CACHE_DIR") or Path.home() / ".cache/fullpicture")
    log = cache / f"kafka-run-{port}" / "server.log"
    if not log.exists():
        pytest.fail(f"no broker log at {log}: is this the broker `make services` started?")
    before = log.stat().st_size
    with pytest.raises(KafkaTimeoutError):
        kafka_io.consumer(with_wrong_password(admin_settings), None, **FAST_BOOTSTRAP)
    with pytest.raises(TopicAuthorizationFailedError):
        first_poll(services["dashboard"], admin_settings.topics.events)
    written = log.read_text()[before:]
    assert "Failed authentication" in written
    assert f"User:{admin_settings.topics.prefix}-dashboard" in written and "Denied" in written


def test_kafka_setup_writes_private_service_credentials_and_keeps_them_when_run_again(
    admin_settings: Settings,
    cli_as_admin: None,
    principals: list[str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    env_file = tmp_path / "services.env"
    principals.extend(
        kafka_security.service_username(admin_settings.topics, s) for s in kafka_security.SERVICES
    )
    assert main(["kafka", "setup", "--env-file", str(env_file)]) == 0
    first = kafka_security.read_service_env_file(env_file)
    assert stat.S_IMODE(os.stat(env_file).st_mode) == 0o600
    assert set(first) == set(kafka_security.SERVICES)
    printed = capsys.readouterr().out
    assert all(c.password not in printed for c in first.values())
    assert main(["kafka", "setup", "--env-file", str(env_file)]) == 0
    assert kafka_security.read_service_env_file(env_file) == first
    relay = admin_settings.as_kafka_user(first["relay"])
    kafka_io.consumer(relay, None).close()  # the kept password still works


def test_registering_without_an_administrative_principal_is_refused_before_recording(
    cli_as_admin: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(config.KAFKA_USERNAME)
    monkeypatch.delenv(config.KAFKA_PASSWORD)
    register = ["agency", "register", "acl-unissued", "--name", "Unissued", "--type", "education"]
    assert main(register) == 2
    assert "needs an administrative principal" in capsys.readouterr().err
    assert main(["agency", "list", "--format", "json"]) == 0
    assert "acl-unissued" not in capsys.readouterr().out


def test_an_unwritable_credentials_file_is_refused_before_the_password_changes(
    admin_settings: Settings,
    registered_by_cli: Callable[[], tuple[str, Path]],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    code, issued = registered_by_cli()
    rotate = ["agency", "credentials", code, "--rotate", "--credentials-out", str(tmp_path)]
    assert main(rotate) == 2
    assert "--credentials-out: cannot write" in capsys.readouterr().err
    kept = as_agency(admin_settings, kafka_security.read_agency_credentials(issued))
    assert read_topic(kept, admin_settings.topics.feed(code), timeout=10) == []  # still works


# Names that cannot collide, sessions that end, access that is withdrawn ------------------------


def test_the_broker_makes_every_session_reauthenticate(admin_settings: Settings) -> None:
    """Without an interval a session opened with a rotated password lives on for ever."""
    client = kafka_io.admin(admin_settings)
    try:
        found = client.describe_configs(
            [ConfigResource(ConfigResourceType.BROKER, "1")], config_filter="all"
        )
    finally:
        client.close()
    [broker] = found["broker"].values()
    interval = int(broker["connections.max.reauth.ms"]["value"])
    assert 0 < interval <= 60 * 60 * 1000


def test_a_second_partnership_on_the_broker_registers_its_own_agency_of_the_same_code(
    admin_settings: Settings,
    new_agency: Callable[[], str],
    principals: list[str],
    topic_prefixes_used: list[str],
) -> None:
    code = new_agency()
    other = replace(admin_settings, topics=Topics(f"{admin_settings.topics.prefix}x"))
    topic_prefixes_used.append(other.topics.prefix)
    principals.append(kafka_security.agency_username(other.topics, code))
    ours = kafka_security.issue_agency_credentials(admin_settings, code)
    theirs = kafka_security.issue_agency_credentials(other, code)
    assert ours is not None and theirs is not None
    assert ours.username != theirs.username and ours.group_prefix != theirs.group_prefix
    put_messages(admin_settings, ours.topic, [b"ours"])
    put_messages(admin_settings, theirs.topic, [b"theirs"])
    assert [m.value for m in read_topic(as_agency(admin_settings, ours), ours.topic)] == [b"ours"]
    reader = as_agency(other, theirs)
    assert [m.value for m in read_topic(reader, theirs.topic)] == [b"theirs"]
    with pytest.raises(TopicAuthorizationFailedError):
        first_poll(reader, ours.topic)


def test_an_agencys_group_prefix_does_not_cover_an_agency_whose_code_extends_it(
    admin_settings: Settings, new_agency: Callable[[], str], principals: list[str]
) -> None:
    code = new_agency()
    longer = f"{code}.annex"
    principals.append(kafka_security.agency_username(admin_settings.topics, longer))
    issued = kafka_security.issue_agency_credentials(admin_settings, code)
    kafka_security.issue_agency_credentials(admin_settings, longer)
    assert issued is not None
    agency = as_agency(admin_settings, issued)
    feed = admin_settings.topics.feed(code)
    put_messages(admin_settings, feed, [b"mine"])
    with pytest.raises(GroupAuthorizationFailedError):
        first_poll(agency, feed, group=kafka_names.subscriber_group(admin_settings.topics, longer))
    first_poll(agency, feed, group=kafka_names.subscriber_group(admin_settings.topics, code))


def test_withdrawing_an_agency_removes_its_acls_and_its_password(
    admin_settings: Settings,
    registered_by_cli: Callable[[], tuple[str, Path]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, issued = registered_by_cli()
    agency = as_agency(admin_settings, kafka_security.read_agency_credentials(issued))
    assert read_topic(agency, admin_settings.topics.feed(code), timeout=10) == []
    capsys.readouterr()
    assert main(["agency", "withdraw", code]) == 0
    assert "withdrawn: 4 ACLs" in capsys.readouterr().out
    username = kafka_security.agency_username(admin_settings.topics, code)
    client = kafka_io.admin(admin_settings)
    try:
        assert kafka_security.acls_of(client, username) == []
        assert not kafka_security.has_credential(client, username)
    finally:
        client.close()
    with pytest.raises(KafkaTimeoutError):
        kafka_io.consumer(agency, None, **FAST_BOOTSTRAP)
    assert main(["agency", "withdraw", "acl-never-registered"]) == 2
    assert "code: agency 'acl-never-registered' is not registered" in capsys.readouterr().err
