"""Routing follows the entry referred to: answers go to the asker, follow-ups to the verbal
share's recipients, corrections to every agency that knew the original (TRUST.md, "Known by an
agency"). Checked in the known-by view (embedded) and on the real agency feeds (Kafka)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from consumers.feed_router import FeedRouter
from consumers.relay import Relay
from consumers.store_feed import catch_up
from consumers.subscriber import subscribe
from domain.application import EntriesRejected, Partnership
from domain.records import EventRecord
from fullpicture.bootstrap import Wiring
from fullpicture.config import Settings
from projections.chronology import chronology_for
from tests.builders import AGENCIES, entry, register_agencies, request, share, stored_count

ANSWER = entry("response", agency="health-visiting", entry_ref="H-1", refers_to="csc-north:R-1")
DECLINE = entry(
    "decline",
    agency="health-visiting",
    entry_ref="H-2",
    refers_to="csc-north:R-1",
    reason="Not ours to share.",
)
FOLLOW_UP = entry(
    "followup", agency="police-north", entry_ref="P-101", refers_to="police-north:P-100"
)


def correction(**overrides: str) -> dict[str, str]:
    fields = {
        "agency": "police-north",
        "entry_ref": "P-COR",
        "refers_to": "police-north:P-100",
        "summary": "Corrected: the incident was on the Saturday.",
    }
    return entry("correction", **{**fields, **overrides})


@pytest.fixture
def app(embedded_partnership: Partnership) -> Partnership:
    register_agencies(embedded_partnership)
    embedded_partnership.record(share())  # police-north -> school-elm, verbal
    embedded_partnership.record(request())  # csc-north asks health-visiting
    return embedded_partnership


def refusal(app: Partnership, data: dict[str, str]) -> list[str]:
    before = stored_count(app)
    with pytest.raises(EntriesRejected) as rejected:
        app.record(data)
    assert stored_count(app) == before
    return [str(problem) for problem in rejected.value.problems]


@pytest.mark.parametrize("linked", [ANSWER, DECLINE], ids=["response", "decline"])
def test_an_answer_or_decline_goes_to_the_requester_only(app: Partnership, linked: dict) -> None:
    app.record(linked)
    assert app.find_entry(f"health-visiting:{linked['entry_ref']}").to_agencies == ("csc-north",)


@pytest.mark.parametrize("linked", [ANSWER, DECLINE], ids=["response", "decline"])
def test_an_answer_sent_elsewhere_is_refused_naming_to_agencies(
    app: Partnership, linked: dict
) -> None:
    assert refusal(app, {**linked, "to_agencies": "school-elm"}) == [
        "to_agencies: an answer or decline goes only to the agency that asked "
        "(csc-north); telling anyone else is a new share with its own lawful basis"
    ]


def test_an_answer_copied_to_the_requester_and_another_is_refused(app: Partnership) -> None:
    assert refusal(app, {**ANSWER, "to_agencies": "csc-north;school-elm"})[0].startswith(
        "to_agencies: an answer or decline goes only to the agency that asked"
    )


def test_naming_the_requester_itself_is_accepted(app: Partnership) -> None:
    app.record({**ANSWER, "to_agencies": "csc-north"})
    assert app.find_entry("health-visiting:H-1").to_agencies == ("csc-north",)


def test_a_written_follow_up_goes_to_the_verbal_share_s_recipients(app: Partnership) -> None:
    app.record(FOLLOW_UP)
    assert app.find_entry("police-north:P-101").to_agencies == ("school-elm",)


def test_a_follow_up_sent_to_someone_else_is_refused(app: Partnership) -> None:
    assert refusal(app, {**FOLLOW_UP, "to_agencies": "csc-north"}) == [
        "to_agencies: a written follow-up goes to the recipients of the verbal share it follows "
        "up (school-elm); telling anyone else is a new share with its own lawful basis"
    ]


def test_only_the_recording_agency_may_correct_an_entry(app: Partnership) -> None:
    assert refusal(app, correction(agency="school-elm")) == [
        "refers_to: 'police-north:P-100': was recorded by police-north; "
        "only police-north may correct it"
    ]


def test_a_correction_reaches_every_agency_that_knew_the_original(app: Partnership) -> None:
    app.record(correction())
    assert app.find_entry("police-north:P-COR").to_agencies == ("school-elm",)


def test_a_correction_of_a_correction_still_reaches_them(app: Partnership) -> None:
    app.record(correction())
    app.record(correction(entry_ref="P-COR-2", refers_to="police-north:P-COR"))
    assert app.find_entry("police-north:P-COR-2").to_agencies == ("school-elm",)


def test_a_correction_of_an_answer_reaches_the_requester(app: Partnership) -> None:
    app.record(ANSWER)
    app.record(
        entry(
            "correction",
            agency="health-visiting",
            entry_ref="H-COR",
            refers_to="health-visiting:H-1",
        )
    )
    assert app.find_entry("health-visiting:H-COR").to_agencies == ("csc-north",)


def test_a_correction_s_recipients_are_not_chosen(app: Partnership) -> None:
    assert refusal(app, correction(to_agencies="csc-north")) == [
        "to_agencies: a correction reaches every agency that knew the corrected entry "
        "(school-elm); telling anyone else is a new share with its own lawful basis"
    ]


@pytest.mark.parametrize("kind", ["concern", "consent", "voice", "action", "transfer"])
def test_recipients_on_a_kind_that_carries_none_are_an_error(app: Partnership, kind: str) -> None:
    assert refusal(app, entry(kind, to_agencies="police-north")) == [
        f"to_agencies: a {kind} does not carry to_agencies: only share, followup, request, "
        "response, decline, correction, acknowledgement carry it; to tell another agency, "
        "record a share "
        "(with its own lawful basis)"
    ]


def known_by(wiring: Wiring, agency: str, child: str = "C-0001") -> list[str]:
    catch_up(wiring.partnership, wiring.read_models)
    return [e.id for e in chronology_for(wiring.read_models.db, child, known_by=agency)]


def record_linked_entries(app: Partnership) -> None:
    register_agencies(app)
    app.record(share())
    app.record(request())
    app.record(ANSWER)
    app.record(FOLLOW_UP)
    app.record(correction())


def test_known_by_views_follow_the_routing(
    embedded_settings: Settings, wiring_for: Callable[[Settings], Wiring]
) -> None:
    wiring = wiring_for(embedded_settings)
    record_linked_entries(wiring.partnership)
    assert known_by(wiring, "school-elm") == [
        "police-north:P-100",
        "police-north:P-101",
        "police-north:P-COR",
    ]
    assert known_by(wiring, "csc-north") == ["csc-north:R-1", "health-visiting:H-1"]
    assert "health-visiting:H-1" not in known_by(wiring, "school-elm")


@pytest.mark.postgres
@pytest.mark.kafka
def test_each_agency_feed_carries_exactly_what_routing_sends_it(
    distributed_settings: Settings, wiring_for: Callable[[Settings], Wiring]
) -> None:
    wiring = wiring_for(distributed_settings)
    record_linked_entries(wiring.partnership)
    Relay(distributed_settings, wiring.partnership, wiring.read_model_database()).run(once=True)
    FeedRouter(distributed_settings).run(once=True)
    delivered: dict[str, set[str]] = {}
    for agency in AGENCIES:
        received: set[str] = set()

        def collect(record: EventRecord, into: set[str] = received) -> None:
            if "entry_id" in record:
                into.add(record["entry_id"])

        subscribe(distributed_settings, agency, collect, from_beginning=True)
        delivered[agency] = received
    assert delivered == {
        "police-north": {"police-north:P-100", "police-north:P-101", "police-north:P-COR"},
        "school-elm": {"police-north:P-100", "police-north:P-101", "police-north:P-COR"},
        "csc-north": {"csc-north:R-1", "health-visiting:H-1"},
        "health-visiting": {"csc-north:R-1", "health-visiting:H-1"},
    }
