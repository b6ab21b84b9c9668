"""An answer and a written follow-up are disclosures: what they state is kept, gaps included.

An answer without a lawful basis is recorded (a case review imports what agencies wrote) with a
warning, and shown as "lawful basis not recorded"; a follow-up that states no decision of its own
shows its share's, marked as inherited; events stored before the new fields existed read back
with them empty, in SQLite and in PostgreSQL, through the store and into the chronology.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from consumers.store_feed import catch_up
from domain.application import Partnership
from domain.records import records_from_notifications
from fullpicture import config
from fullpicture.bootstrap import event_store_env
from fullpicture.cli import main
from fullpicture.config import Settings
from projections.alerts import PatternContext
from projections.chronology import ChronologyEntry, chronology_for
from projections.database import open_read_models
from projections.read_models import ReadModels
from tests.builders import AGENCIES, entry, request, share, stored_before_sealing
from tests.people import practitioner_of


def chronology(settings: Settings, app: Partnership, child: str = "C-0001") -> dict[str, Any]:
    """The child's chronology as projected from the store, by entry id."""
    db = open_read_models(settings.database.url)
    try:
        catch_up(app, ReadModels(db, PatternContext(today=lambda: date(2025, 6, 30))))
        return {e.id: e for e in chronology_for(db, child)}
    finally:
        db.close()


@pytest.fixture
def app(embedded_settings: Settings, clock: Callable[[], datetime]) -> Iterator[Partnership]:
    app = Partnership(env=event_store_env(embedded_settings), now=clock)
    for code, (name, agency_type) in AGENCIES.items():
        app.register_agency(code, name, agency_type)
    yield app
    app.close()


def test_an_answer_without_a_lawful_basis_is_kept_and_shown_as_not_recorded(
    app: Partnership, embedded_settings: Settings
) -> None:
    app.record(request())
    outcome = app.record(entry("response", agency="health-visiting", refers_to="csc-north:R-1"))
    assert outcome.recorded == ["health-visiting:RESPONSE-1"]
    assert [(w.column, w.message.split(":")[0]) for w in outcome.warnings] == [
        ("lawful_basis", "not recorded")
    ]
    answer: ChronologyEntry = chronology(embedded_settings, app)["health-visiting:RESPONSE-1"]
    assert (answer.lawful_basis, answer.lawful_basis_status) == ("", "not recorded")
    assert answer.lawful_basis_shown() == "lawful basis not recorded"


def test_an_answer_stating_its_lawful_basis_records_it_without_a_warning(
    app: Partnership, embedded_settings: Settings
) -> None:
    app.record(request())
    stated = {"lawful_basis": "public_task", "consent": "not_needed", "family_informed": "yes"}
    answer = entry("response", agency="health-visiting", refers_to="csc-north:R-1", **stated)
    assert app.record({**answer, "channel": "secure_email"}).warnings == []
    shown = chronology(embedded_settings, app)["health-visiting:RESPONSE-1"]
    assert (shown.channel, shown.lawful_basis, shown.lawful_basis_status) == (
        "secure_email",
        "public_task",
        "recorded",
    )
    assert (shown.consent, shown.family_informed) == ("not_needed", "yes")


def test_a_share_still_needs_a_lawful_basis(app: Partnership) -> None:
    with pytest.raises(Exception, match="lawful_basis: is required"):
        app.record(share(lawful_basis=""))


def test_a_follow_up_without_a_decision_of_its_own_shows_its_share_s_as_inherited(
    app: Partnership, embedded_settings: Settings
) -> None:
    app.record(share())
    app.record(entry("followup", agency="police-north", refers_to="police-north:P-100"))
    followup = chronology(embedded_settings, app)["police-north:FOLLOWUP-1"]
    assert (followup.lawful_basis, followup.consent, followup.family_informed) == (
        "public_task",
        "not_sought_unsafe",
        "no_unsafe",
    )
    assert followup.inherited == ("lawful_basis", "consent", "family_informed")
    assert followup.lawful_basis_status == "inherited"
    assert followup.lawful_basis_shown() == "public_task (inherited from police-north:P-100)"


def test_a_follow_up_s_own_decision_is_shown_and_only_the_rest_inherited(
    app: Partnership, embedded_settings: Settings
) -> None:
    app.record(share())
    app.record(
        entry(
            "followup",
            agency="police-north",
            refers_to="police-north:P-100",
            lawful_basis="legal_obligation",
        )
    )
    followup = chronology(embedded_settings, app)["police-north:FOLLOWUP-1"]
    assert (followup.lawful_basis, followup.lawful_basis_status) == ("legal_obligation", "recorded")
    assert followup.inherited == ("consent", "family_informed")


def test_a_follow_up_seen_without_its_share_in_view_still_shows_the_share_s_decision(
    app: Partnership, embedded_settings: Settings
) -> None:
    app.record(share(occurred_at="2025-02-27"))
    app.record(entry("followup", agency="police-north", refers_to="police-north:P-100"))
    db = open_read_models(embedded_settings.database.url)
    try:
        catch_up(app, ReadModels(db, PatternContext(today=lambda: date(2025, 6, 30))))
        shown = chronology_for(db, "C-0001", period=("2025-03-01", "2025-03-31"))
    finally:
        db.close()
    assert [(e.id, e.lawful_basis_status) for e in shown] == [
        ("police-north:FOLLOWUP-1", "inherited")
    ]


@pytest.mark.parametrize(
    ("kind", "field", "carriers"),
    [
        ("concern", "channel", "share, followup, request, response, decline"),
        ("action", "lawful_basis", "share, followup, response, consent"),
        ("voice", "reason", "share, request, decline, consent, transfer"),
    ],
)
def test_a_field_a_kind_does_not_carry_names_the_kinds_that_do(
    app: Partnership, kind: str, field: str, carriers: str
) -> None:
    with pytest.raises(Exception) as refused:
        app.record(entry(kind, **{field: "public_task" if field == "lawful_basis" else "phone"}))
    assert f"{field}: a {kind} does not carry {field}: only {carriers} carry it" in str(
        refused.value
    )


def test_an_unknown_word_in_a_new_field_is_refused_naming_the_field(app: Partnership) -> None:
    app.record(request())
    with pytest.raises(Exception) as refused:
        app.record(
            entry("response", agency="health-visiting", refers_to="csc-north:R-1", channel="fax")
        )
    assert "channel" in str(refused.value) and "'fax'" in str(refused.value)


def test_record_warns_before_keeping_an_answer_without_a_lawful_basis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(config.STATE_DIR, str(tmp_path / "state"))
    assert (
        main(["user", "add", "admin", "--name", "Synthetic Admin", "--role", "administrator"]) == 0
    )
    for code, (name, agency_type) in AGENCIES.items():
        assert main(["--as", "admin", "agency", "register", code, "--name", name,
                     "--type", agency_type]) == 0  # fmt: skip
    for agency in ("csc-north", "health-visiting"):
        assert main(["--as", "admin", "user", "add", practitioner_of(agency), "--name", "Worker",
                     "--agency", agency, "--role", "practitioner"]) == 0  # fmt: skip
    asked = tmp_path / "request.json"
    asked.write_text(json.dumps(request()))
    assert main(["--as", practitioner_of("csc-north"), "record", "--json", str(asked)]) == 0
    capsys.readouterr()
    answer = ["--as", practitioner_of("health-visiting"), "record", "response", "--child",
              "C-0001", "--entry-ref", "A-1", "--occurred-at", "2025-03-04", "--summary",
              "Seen twice since January.", "--refers-to", "csc-north:R-1",
              "--channel", "phone"]  # fmt: skip
    assert main(answer) == 0
    printed = capsys.readouterr()
    assert printed.err.startswith("warning: lawful_basis: not recorded: an answer is a disclosure")
    assert printed.out == "recorded: health-visiting:A-1\n"
    capsys.readouterr()
    assert main(["--as", practitioner_of("health-visiting"), "chronology", "C-0001",
                 "--format", "json"]) == 0  # fmt: skip
    [shown] = [e for e in json.loads(capsys.readouterr().out) if e["id"] == "health-visiting:A-1"]
    assert (shown["channel"], shown["lawful_basis_status"]) == ("phone", "not recorded")


# Events stored before the disclosure fields existed (version 2), in each store -----------------

NEW_FIELDS = {
    "response": ("channel", "lawful_basis", "consent", "family_informed"),
    "followup": ("lawful_basis", "consent", "family_informed"),
    "request": ("channel",),
    "decline": ("channel",),
    "transfer": ("reason",),
}


def store_as_version_2(app: Partnership, entry_id: str, kind: str) -> str:
    """A copy of a stored entry in the shape version 2 stored it (no new fields), under a new
    reference: what a store written before this version holds. Returns the copy's entry id."""
    agency, _, ref = entry_id.partition(":")
    [stored] = app.recorder.select_events(app.find_entry_uuid(entry_id))
    state = stored_before_sealing(app, stored)
    for name in NEW_FIELDS[kind]:
        del state[name]
    state["class_version"] = 2
    state["entry_ref"] = f"{ref}-V2"
    copy_id = f"{agency}:{ref}-V2"
    old = replace(
        stored, state=json.dumps(state).encode(), originator_id=app.find_entry_uuid(copy_id)
    )
    app.recorder.insert_events([old])
    return copy_id


def record_one_of_each_new_shape(app: Partnership) -> dict[str, str]:
    """A request, answer, decline, follow-up and transfer with every new field given."""
    decision = {"lawful_basis": "public_task", "consent": "given", "family_informed": "yes"}
    app.record(request(channel="phone"))
    app.record(entry("response", agency="health-visiting", refers_to="csc-north:R-1",
                     channel="letter", **decision))  # fmt: skip
    app.record(entry("decline", agency="health-visiting", refers_to="csc-north:R-1",
                     reason="Answered already.", channel="phone"))  # fmt: skip
    app.record(share(channel="phone"))
    app.record(entry("followup", agency="police-north", refers_to="police-north:P-100", **decision))
    app.record(entry("transfer", reason="Assessment finished."))
    return {
        "request": "csc-north:R-1",
        "response": "health-visiting:RESPONSE-1",
        "decline": "health-visiting:DECLINE-1",
        "followup": "police-north:FOLLOWUP-1",
        "transfer": "school-elm:TRANSFER-1",
    }


def assert_old_events_read_with_the_new_fields_empty(settings: Settings, app: Partnership) -> None:
    for code, (name, agency_type) in AGENCIES.items():
        app.register_agency(code, name, agency_type)
    made = record_one_of_each_new_shape(app)
    copies = {kind: store_as_version_2(app, entry_id, kind) for kind, entry_id in made.items()}
    for kind, copy_id in copies.items():
        loaded = app.find_entry(copy_id)
        assert loaded is not None, copy_id
        assert all(getattr(loaded, name) == "" for name in NEW_FIELDS[kind]), kind
    records = {
        r["entry_id"]: r
        for _, r in records_from_notifications(
            app.mapper, app.recorder.select_notifications(start=1, limit=1000)
        )
        if "entry_id" in r
    }
    for kind, copy_id in copies.items():
        assert all(records[copy_id][name] == "" for name in NEW_FIELDS[kind]), kind
        assert all(records[made[kind]][name] for name in NEW_FIELDS[kind]), kind
    shown = chronology(settings, app)
    assert shown[copies["response"]].lawful_basis_status == "not recorded"
    assert shown[copies["response"]].channel == ""
    assert shown[made["response"]].lawful_basis_status == "recorded"
    # An old follow-up stated nothing: it shows its share's decision, as inherited.
    assert shown[copies["followup"]].lawful_basis_status == "inherited"
    assert shown[copies["transfer"]].reason == ""
    assert shown[made["transfer"]].reason == "Assessment finished."


def test_events_stored_before_the_new_fields_read_back_empty_in_sqlite(
    embedded_settings: Settings, clock: Callable[[], datetime]
) -> None:
    app = Partnership(env=event_store_env(embedded_settings), now=clock)
    try:
        assert_old_events_read_with_the_new_fields_empty(embedded_settings, app)
    finally:
        app.close()


@pytest.mark.postgres
def test_events_stored_before_the_new_fields_read_back_empty_in_postgresql(
    postgres_settings: Settings, clock: Callable[[], datetime]
) -> None:
    app = Partnership(env=event_store_env(postgres_settings), now=clock)
    try:
        assert_old_events_read_with_the_new_fields_empty(postgres_settings, app)
    finally:
        app.close()
