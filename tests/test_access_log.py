"""The access log: exactly one access event per read of child-level data, break-glass flagged,
grants and roles checked on every request, an address held off after five failed sign-ins."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from consumers.kafka_projector import KafkaProjector
from consumers.relay import Relay, run_relays
from domain.directory import SignInRefused
from domain.errors import UnknownAgency
from domain.scopes import AccessRefused
from fullpicture import config
from fullpicture.bootstrap import Wiring
from fullpicture.cli import main
from fullpicture.config import Settings, load_settings
from schemas.codec import decode
from tests.builders import register_agencies, share
from tests.kafka_helpers import header, read_topic

AUDIT_FIELDS = {
    "at",
    "user",
    "role",
    "agency",
    "child_refs",
    "view",
    "scope",
    "purpose",
    "break_glass",
    "as_at",
    "known_by",
    "system_time",
}


class Clock:
    """A clock the test moves on."""

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2025, 6, 30, 9, 0, 0))


def recorded_partnership(wiring: Wiring) -> Wiring:
    app = wiring.partnership
    register_agencies(app)
    app.record(share(entry_ref="P-1", child_ref="C-0001;C-0002"))
    wiring.directory.register_person("adm", "Ada Administrator", ["administrator"])
    wiring.directory.register_person("pat", "Pat", ["practitioner"], agency="school-elm")
    wiring.directory.register_person("rev", "Rev", ["case_reviewer"])
    return wiring


@pytest.fixture
def wiring(tmp_path: Path, clock: Clock) -> Iterator[Wiring]:
    built = Wiring(load_settings({config.STATE_DIR: str(tmp_path / "state")}), now=clock)
    recorded_partnership(built)
    from consumers.store_feed import catch_up

    catch_up(built.partnership, built.read_models)
    yield built
    built.close()


def test_each_cli_read_of_a_child_records_exactly_one_access_event_checked_field_by_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(config.STATE_DIR, str(tmp_path / "cli"))
    wiring = Wiring(load_settings({config.STATE_DIR: str(tmp_path / "cli")}))
    recorded_partnership(wiring).close()
    reads = [
        ["chronology", "C-0001", "--as-at", "2025-03-01", "--known-by", "school-elm"],
        ["patterns", "--child", "C-0002"],
        ["export", "C-0001", "--out", str(tmp_path / "out.csv")],
        ["chronology", "C-0002", "--system-time", "2030-01-01", "--purpose", "strategy meeting"],
    ]
    for n, read in enumerate(reads, start=1):
        assert main(["--as", "pat", *read]) == 0
        capsys.readouterr()
        assert main(["--as", "adm", "audit", "--format", "json"]) == 0
        assert len(json.loads(capsys.readouterr().out)) == n
    assert main(["--as", "adm", "audit", "--format", "json"]) == 0
    events = json.loads(capsys.readouterr().out)
    today = datetime.now().date().isoformat()
    for event in events:
        assert set(event) == AUDIT_FIELDS
        assert event["at"][:10] == today
        assert (event["user"], event["role"], event["agency"]) == (
            "pat",
            "practitioner",
            "school-elm",
        )
    assert [(e["view"], e["child_refs"]) for e in events] == [
        ("chronology", ["C-0001"]),
        ("patterns", ["C-0002"]),
        ("export", ["C-0001"]),
        ("chronology", ["C-0002"]),
    ]
    first = events[0]
    assert first["as_at"] == "2025-03-01T23:59:59" and first["known_by"] == "school-elm"
    assert first["scope"] == "known by school-elm; as at 2025-03-01T23:59:59"
    assert (first["purpose"], first["break_glass"], first["system_time"]) == ("", False, "")
    last = events[-1]
    assert last["system_time"] == "2030-01-01T23:59:59"
    assert (last["purpose"], last["break_glass"]) == ("strategy meeting", False)
    capsys.readouterr()
    assert main(["--as", "adm", "audit", "--child", "C-0002", "--user", "pat"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert len(table) == 3 and "patterns" in table[1] and "chronology" in table[2]


def test_break_glass_is_flagged_with_its_reason(wiring: Wiring) -> None:
    with pytest.raises(AccessRefused):
        wiring.queries.read_child("rev", "C-0001", "chronology")
    wiring.queries.read_child("rev", "C-0001", "chronology", purpose="police strategy call")
    refused, access = wiring.queries.audit("adm")  # the refusal is recorded too
    assert (refused.break_glass, refused.scope[:8]) == (False, "refused:")
    assert (access.break_glass, access.purpose, access.role) == (
        True,
        "police strategy call",
        "case_reviewer",
    )
    assert access.scope == "every agency; break-glass"


def test_a_view_as_known_by_an_unregistered_agency_is_refused_by_every_door(wiring: Wiring) -> None:
    # Decided in the query layer, so the dashboard, the CLI and the exports all refuse it
    with pytest.raises(UnknownAgency) as refused:
        wiring.queries.open_child("pat", "C-0001", "chronology", known_by="no-such-agency")
    assert refused.value.field == "known_by"
    assert wiring.queries.audit("adm") == []  # nothing was read, so nothing is logged


def test_the_lists_of_waiting_requests_and_follow_ups_are_logged_naming_every_child(
    wiring: Wiring,
) -> None:
    # Given a verbal share from the school about two siblings, waiting for its written follow-up
    # When the school's practitioner lists what is waiting
    waiting = wiring.queries.pending_followups("pat", "2025-06-30")
    requests = wiring.queries.requests("pat", "2025-06-30")
    # Then the list that names the children is one access event naming them all
    assert {c for s in waiting for c in s.child_refs} == {"C-0001", "C-0002"}
    assert requests == []  # a list naming nobody is not a read of anyone
    [access] = wiring.queries.audit("adm")
    assert (access.user, access.role, access.agency, access.view) == (
        "pat",
        "practitioner",
        "school-elm",
        "follow-ups",
    )
    assert access.child_refs == ("C-0001", "C-0002")
    assert access.scope == "known by school-elm"


def test_a_page_drawn_again_reads_without_a_new_access_event_until_its_scope_changes(
    wiring: Wiring,
) -> None:
    queries = wiring.queries
    scope = queries.open_child("pat", "C-0001", "chronology")
    for _ in range(3):
        assert [e.id for e in queries.chronology("pat", scope).entries] == ["police-north:P-1"]
    assert len(queries.audit("adm")) == 1


def test_an_expired_review_grant_stops_working_on_the_next_request(
    wiring: Wiring, clock: Clock
) -> None:
    wiring.directory.grant_review(
        "CSPR-7", "rev", ["C-0001"], "2025-01-01", "2025-06-30", "2025-06-30", by="adm"
    )
    wiring.directory.approve_review("CSPR-7", by="adm.second")
    scope = wiring.queries.open_child("rev", "C-0001", "chronology")
    assert wiring.queries.chronology("rev", scope).entries
    clock.advance(days=1)
    with pytest.raises(AccessRefused, match="outside your scope"):
        wiring.queries.chronology("rev", scope)
    with pytest.raises(AccessRefused):
        wiring.queries.open_child("rev", "C-0001", "chronology")


def test_a_revoked_role_stops_an_open_page_on_its_next_read(wiring: Wiring) -> None:
    scope = wiring.queries.open_child("pat", "C-0001", "chronology")
    wiring.directory.revoke_role("pat", "practitioner", by="adm")
    with pytest.raises(AccessRefused):
        wiring.queries.chronology("pat", scope)


@pytest.fixture(params=["embedded", pytest.param("postgres", marks=pytest.mark.postgres)])
def reader_and_administrator(
    request: pytest.FixtureRequest, tmp_path: Path, clock: Clock
) -> Iterator[tuple[Wiring, Wiring]]:
    """The same stores opened by two processes: a dashboard reading, an administrator's command
    changing people and grants."""
    if request.param == "postgres":
        settings = request.getfixturevalue("postgres_settings")
    else:
        settings = load_settings({config.STATE_DIR: str(tmp_path / "state")})
    reader = recorded_partnership(Wiring(settings, now=clock))
    from consumers.store_feed import catch_up

    catch_up(reader.partnership, reader.read_models)
    administrator = Wiring(settings, now=clock)
    yield reader, administrator
    administrator.close()
    reader.close()


def test_a_role_revoked_by_another_process_stops_the_next_read(
    reader_and_administrator: tuple[Wiring, Wiring],
) -> None:
    reader, administrator = reader_and_administrator
    scope = reader.queries.open_child("pat", "C-0001", "chronology")
    assert reader.queries.chronology("pat", scope).entries
    administrator.directory.revoke_role("pat", "practitioner", by="adm")
    with pytest.raises(AccessRefused):
        reader.queries.chronology("pat", scope)
    with pytest.raises(AccessRefused):
        reader.queries.open_child("pat", "C-0001", "chronology")
    administrator.directory.grant_role("pat", "practitioner", by="adm")
    assert reader.queries.chronology("pat", scope).entries


def test_an_open_page_shows_an_entry_another_process_recorded_since_its_last_read(
    reader_and_administrator: tuple[Wiring, Wiring],
) -> None:
    # Given a practitioner's page read once (its rows kept between reads)
    reader, other = reader_and_administrator
    scope = reader.queries.open_child("pat", "C-0001", "chronology")
    assert [e.id for e in reader.queries.chronology("pat", scope).entries] == ["police-north:P-1"]
    # When another process records a share to the practitioner's agency and projects it
    from consumers.store_feed import catch_up

    other.partnership.record(share(entry_ref="P-2", occurred_at="2025-03-02"))
    catch_up(other.partnership, other.read_models)
    # Then the page's next read shows it
    shown = [e.id for e in reader.queries.chronology("pat", scope).entries]
    assert shown == ["police-north:P-1", "police-north:P-2"]


def test_a_review_granted_then_withdrawn_by_another_process_counts_on_the_next_read(
    reader_and_administrator: tuple[Wiring, Wiring],
) -> None:
    reader, administrator = reader_and_administrator
    with pytest.raises(AccessRefused):
        reader.queries.open_child("rev", "C-0001", "chronology")
    administrator.directory.grant_review(
        "CSPR-8", "rev", ["C-0001"], "2025-01-01", "2025-06-30", "2025-12-31", by="adm"
    )
    administrator.directory.approve_review("CSPR-8", by="adm.second")
    scope = reader.queries.open_child("rev", "C-0001", "chronology")
    assert scope.period == ("2025-01-01", "2025-06-30")
    administrator.directory.withdraw_review("CSPR-8", "rev", by="adm")
    with pytest.raises(AccessRefused, match="outside your scope"):
        reader.queries.chronology("rev", scope)


def test_five_failed_sign_ins_hold_off_that_address_for_fifteen_minutes_not_the_account(
    wiring: Wiring, clock: Clock
) -> None:
    directory = wiring.directory
    directory.set_password("pat", "a long passphrase", by="adm")
    assert directory.authenticate("pat", "a long passphrase", address="203.0.113.9").user == "pat"
    for _ in range(5):
        with pytest.raises(SignInRefused, match="^wrong user name or password$"):
            directory.authenticate("pat", "wrong", address="203.0.113.9")
    with pytest.raises(SignInRefused, match="from this address; try again after 09:15"):
        directory.authenticate("pat", "a long passphrase", address="203.0.113.9")
    # The account itself is not locked: its owner signs in from anywhere else.
    assert directory.authenticate("pat", "a long passphrase", address="198.51.100.7").user == "pat"
    clock.advance(minutes=15)
    assert directory.authenticate("pat", "a long passphrase", address="203.0.113.9").user == "pat"


def test_a_password_is_kept_only_as_an_argon2id_hash(wiring: Wiring) -> None:
    wiring.directory.set_password("pat", "a long passphrase", by="adm")
    stored = b"".join(
        n.state for n in wiring.directory.recorder.select_notifications(start=1, limit=100)
    )
    assert b"a long passphrase" not in stored and b"argon2id" in stored


@pytest.mark.postgres
@pytest.mark.kafka
def test_access_events_reach_the_audit_topic_in_distributed_mode(
    distributed_settings: Settings, wiring_for: Callable[[Settings], Wiring]
) -> None:
    wiring = recorded_partnership(wiring_for(distributed_settings))
    events = Relay(distributed_settings, wiring.partnership, wiring.read_model_database())
    events.run(once=True)
    KafkaProjector(distributed_settings, wiring.read_models).run(once=True)
    wiring.queries.read_child("pat", "C-0002", "chronology", purpose="")
    audit = Relay(
        distributed_settings,
        wiring.access_log,
        wiring.read_model_database(),
        topic=distributed_settings.topics.audit,
    )
    assert run_relays([events, audit], once=True) == 1
    [message] = read_topic(distributed_settings, distributed_settings.topics.audit)
    record = decode(message.value)
    assert (record["user"], record["child_refs"], record["view"]) == (
        "pat",
        ["C-0002"],
        "chronology",
    )
    assert header(message, "event_type") == "AccessRecorded"
    assert message.key == b"C-0002"
