"""A person reading their agency's feed: with the agency's own Kafka principal, in a consumer
group of their own, and recorded in the access log batch by batch.

The agency's system keeps its position (a person's read never commits its group), and the
process's administrative principal is never what a person reads a feed with.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest

from consumers import kafka_io, kafka_names, kafka_security
from fullpicture.bootstrap import bootstrap
from fullpicture.cli import main
from fullpicture.config import Settings
from tests.builders import AGENCIES, share
from tests.people import practitioner_of, register_people
from tests.test_kafka_access_control import (  # noqa: F401 - fixtures
    admin_settings,
    cli_as_admin,
    principals,
)

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]

SCHOOL = "school-elm"
READ = ["subscribe", "--agency", SCHOOL, "--format", "jsonl"]


@pytest.fixture
def partnership(
    admin_settings: Settings,  # noqa: F811
    principals: list[str],  # noqa: F811
    cli_as_admin: None,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Settings]:
    """Agencies registered through the CLI (their credentials kept in the state folder), and a
    police share to the school about two siblings, relayed and routed."""
    for code, (name, agency_type) in AGENCIES.items():
        principals.append(kafka_names.agency_username(admin_settings.topics, code))
        assert main(["agency", "register", code, "--name", name, "--type", agency_type]) == 0
    register_people(main, AGENCIES, ["C-0001", "C-0002"])
    data = share(entry_ref="P-9", child_ref=["C-0001", "C-0002"], to_agencies=SCHOOL)
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(data)))
    assert main(["--as", practitioner_of(data["agency"]), "record", "--json", "-"]) == 0
    assert main(["relay", "--once"]) == 0
    assert main(["feeds", "--once"]) == 0
    yield admin_settings


def printed(capsys: pytest.CaptureFixture[str]) -> list[tuple[str, str]]:
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    return sorted((r["event_type"], r["entry_ref"]) for r in lines)


def feed_reads() -> list[tuple[str, tuple[str, ...], str]]:
    wiring = bootstrap()
    try:
        return [
            (a.user, a.child_refs, a.scope)
            for a in wiring.access_log.accesses()
            if a.view == "feed"
        ]
    finally:
        wiring.close()


def committed(settings: Settings, group: str) -> dict:
    client = kafka_io.admin(settings)
    try:
        return dict(client.list_group_offsets(group).get(group, {}))
    finally:
        client.close()


WHOLE_FEED = [
    ("AgencyRegistered", SCHOOL),
    ("InformationShared", "P-9"),  # once per sibling
    ("InformationShared", "P-9"),
]


def test_a_person_reads_in_a_group_of_their_own_and_each_batch_is_recorded(
    partnership: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    reader = practitioner_of(SCHOOL)
    capsys.readouterr()
    assert main(["--as", reader, *READ, "--from-beginning"]) == 0
    assert printed(capsys) == WHOLE_FEED

    reads = feed_reads()
    assert reads, "a person's read of a feed is in the access log"
    assert {user for user, _, _ in reads} == {reader}
    assert {child for _, children, _ in reads for child in children} == {"C-0001", "C-0002"}
    assert all(scope == f"known by {SCHOOL}" for _, _, scope in reads)

    topics = partnership.topics
    assert committed(partnership, kafka_names.subscriber_group(topics, SCHOOL)) == {}
    assert committed(partnership, kafka_names.person_reader_group(topics, SCHOOL, reader))
    # The agency's system still starts where it stood: nothing was taken from it.
    system = kafka_security.stored_agency_credentials(partnership.state_dir, SCHOOL)
    assert main([*READ, "--credentials", str(system)]) == 0
    assert printed(capsys) == WHOLE_FEED
    assert len(feed_reads()) == len(reads)  # the agency's system is no person
    # The person goes on from their own position: nothing new, nothing recorded.
    assert main(["--as", reader, *READ]) == 0
    assert printed(capsys) == []
    assert len(feed_reads()) == len(reads)


def test_a_person_reads_a_feed_only_with_the_agency_s_credentials(
    partnership: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    kafka_security.stored_agency_credentials(partnership.state_dir, SCHOOL).unlink()
    capsys.readouterr()
    # The process has the broker's administrative principal configured: it is not used.
    assert main(["--as", practitioner_of(SCHOOL), *READ, "--from-beginning"]) == 2
    said = capsys.readouterr()
    assert said.out == ""
    assert "--credentials" in said.err and f"agency credentials {SCHOOL}" in said.err
    assert feed_reads() == []
