"""Each golden rule gives a clear error naming the field, and nothing is stored."""

from __future__ import annotations

import pytest

from domain.application import EntriesRejected, Partnership
from domain.errors import ConflictingEntry, InvalidEntry
from tests.builders import (
    entry,
    record_every_kind,
    register_agencies,
    request,
    share,
    stored_count,
)


@pytest.fixture
def app(embedded_partnership: Partnership) -> Partnership:
    register_agencies(embedded_partnership)
    return embedded_partnership


def rejected_fields(app: Partnership, data: dict) -> set[str]:
    before = stored_count(app)
    with pytest.raises(EntriesRejected) as rejected:
        app.record(data)
    assert stored_count(app) == before, "a rejected entry must store nothing"
    return {problem.column for problem in rejected.value.problems}


@pytest.mark.parametrize(
    "missing", ["to_agencies", "channel", "reason", "lawful_basis", "consent", "family_informed"]
)
def test_a_share_without_each_required_decision_is_rejected(app: Partnership, missing: str) -> None:
    assert missing in rejected_fields(app, share(**{missing: ""}))


def test_a_share_without_lawful_basis_says_every_share_needs_one(app: Partnership) -> None:
    with pytest.raises(EntriesRejected) as rejected:
        app.record(share(lawful_basis=""))
    assert "every share needs a lawful basis" in str(rejected.value)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("channel", "carrier_pigeon"),
        ("consent", "maybe"),
        ("family_informed", "perhaps"),
        ("lawful_basis", "because"),
        ("concerns", "domestic_abuse;spooky"),
        ("significance", "enormous"),
    ],
)
def test_a_value_outside_the_vocabulary_is_rejected(
    app: Partnership, field: str, value: str
) -> None:
    assert field in rejected_fields(app, share(**{field: value}))


@pytest.mark.parametrize("missing", ["to_agencies", "reason"])
def test_a_request_needs_a_recipient_and_a_reason(app: Partnership, missing: str) -> None:
    assert missing in rejected_fields(app, request(**{missing: ""}))


def test_a_request_is_due_in_five_days_by_default(app: Partnership) -> None:
    app.record(request(occurred_at="2025-03-02"))
    assert app.find_entry("csc-north:R-1").due_by == "2025-03-07"


def test_a_decline_needs_a_reason(app: Partnership) -> None:
    app.record(request())
    decline = entry("decline", agency="health-visiting", refers_to="csc-north:R-1")
    assert "reason" in rejected_fields(app, decline)


@pytest.mark.parametrize("kind", ["response", "decline", "followup", "correction"])
def test_a_linking_entry_must_refer_to_an_existing_entry(app: Partnership, kind: str) -> None:
    linked = entry(kind, refers_to="school-elm:NOPE", reason="x")
    assert "refers_to" in rejected_fields(app, linked)


def test_an_answer_goes_back_to_the_agency_that_asked(app: Partnership) -> None:
    app.record(request())
    app.record(
        entry("response", agency="health-visiting", entry_ref="A-1", refers_to="csc-north:R-1")
    )
    assert app.find_entry("health-visiting:A-1").to_agencies == ("csc-north",)


def test_only_an_agency_asked_can_answer_a_request(app: Partnership) -> None:
    app.record(request())
    answer = entry("response", agency="school-elm", refers_to="csc-north:R-1")
    assert "refers_to" in rejected_fields(app, answer)


def test_a_written_follow_up_must_follow_a_verbal_share(app: Partnership) -> None:
    app.record(share(channel="secure_email"))
    followup = entry("followup", agency="police-north", refers_to="police-north:P-100")
    assert "refers_to" in rejected_fields(app, followup)


def test_a_written_follow_up_is_addressed_like_the_share(app: Partnership) -> None:
    app.record(share())
    app.record(
        entry(
            "followup",
            agency="police-north",
            entry_ref="F-1",
            refers_to="police-north:P-100",
            channel="secure_email",
        )
    )
    assert app.find_entry("police-north:F-1").to_agencies == ("school-elm",)


@pytest.mark.parametrize("missing", ["child_words", "captured_how"])
def test_a_voice_entry_needs_the_words_and_how_they_were_captured(
    app: Partnership, missing: str
) -> None:
    assert missing in rejected_fields(app, entry("voice", **{missing: ""}))


def test_an_unregistered_agency_cannot_record(app: Partnership) -> None:
    assert "agency" in rejected_fields(app, share(agency="nobody"))


def test_an_unregistered_recipient_cannot_be_shared_with(app: Partnership) -> None:
    assert "to_agencies" in rejected_fields(app, share(to_agencies="nobody"))


@pytest.mark.parametrize("field", ["occurred_at", "agency_recorded_at", "due_by"])
def test_dates_must_be_iso_8601(app: Partnership, field: str) -> None:
    data = request(**{field: "03/02/2025"})
    assert field in rejected_fields(app, data)


def test_an_entry_cannot_have_happened_in_the_future(app: Partnership) -> None:
    # The fixture clock says 2025-06-30.
    assert "occurred_at" in rejected_fields(app, share(occurred_at="2025-07-01"))


def test_a_consent_decision_records_what_was_decided_and_why(app: Partnership) -> None:
    assert {"reason", "consent"} <= rejected_fields(app, entry("consent", reason="", consent=""))


def test_a_transfer_point_says_which_kind(app: Partnership) -> None:
    assert "transfer" in rejected_fields(app, entry("transfer", transfer="holiday"))


def test_an_entry_needs_a_child(app: Partnership) -> None:
    assert "child_ref" in rejected_fields(app, share(child_ref=""))


def test_every_kind_keeps_world_time_the_agency_s_time_and_the_system_s_stamp(
    app: Partnership,
) -> None:
    record_every_kind(app, agency_recorded_at="2025-03-06T09:30")
    voice = app.find_entry("school-elm:VOICE-1")
    assert (voice.occurred_at, voice.agency_recorded_at, voice.recorded_at) == (
        "2025-03-05",
        "2025-03-06T09:30:00",
        "2025-06-30T12:00:00",  # the fixture clock, not anything given
    )
    assert stored_count(app) == len(app.agencies()) + 12


def test_recording_the_same_entry_again_changes_nothing(app: Partnership) -> None:
    first = app.record(share())
    again = app.record(share())
    assert (first.recorded, again.recorded, again.unchanged) == (
        ["police-north:P-100"],
        [],
        ["police-north:P-100"],
    )


def test_a_different_entry_under_the_same_reference_is_a_conflict(app: Partnership) -> None:
    app.record(share())
    assert "entry_ref" in rejected_fields(app, share(summary="Something else entirely."))


def test_an_entry_about_siblings_concerns_each_child(app: Partnership) -> None:
    app.record(share(child_ref="C-0001; C-0002"))
    assert app.find_entry("police-north:P-100").child_refs == ("C-0001", "C-0002")


def test_a_child_s_date_of_birth_cannot_be_in_the_future(app: Partnership) -> None:
    with pytest.raises(InvalidEntry) as invalid:
        app.register_child("C-0001", "2026-01-01", "csc-north")
    assert invalid.value.problems[0].field == "date_of_birth"


def test_a_different_date_of_birth_for_the_same_child_is_a_conflict(app: Partnership) -> None:
    assert app.register_child("C-0001", "2020-01-01", "csc-north") is True
    assert app.register_child("C-0001", "2020-01-01", "csc-north") is False
    with pytest.raises(ConflictingEntry):
        app.register_child("C-0001", "2020-02-01", "csc-north")


def test_an_agency_code_that_only_looks_like_a_registered_one_is_refused(
    app: Partnership,
) -> None:
    with pytest.raises(InvalidEntry) as invalid:
        app.register_agency("School-Elm", "Elm Primary School", "education")
    assert str(invalid.value.problems[0]) == (
        "code: 'School-Elm' looks like 'school-elm', which is known already (it differs only by "
        "case, spaces or look-alike characters); use 'school-elm'"
    )


def test_a_child_registered_under_a_look_alike_reference_is_refused(app: Partnership) -> None:
    app.record(share(child_ref="C-0052"))
    with pytest.raises(InvalidEntry) as invalid:
        app.register_child("c-0052", "2020-01-01", "csc-north")
    assert invalid.value.problems[0].field == "child_ref"
    assert "looks like 'C-0052'" in invalid.value.problems[0].message
