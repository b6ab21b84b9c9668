"""What a Partnership remembers between batches (the entries it recorded lately, the children it
has seen) never lets through what the store would refuse: another process may write to the same
store at any time. Run on the embedded store and on the real PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import pytest

from domain.application import EntriesRejected, Partnership
from fullpicture import config
from fullpicture.bootstrap import event_store_env
from fullpicture.config import Settings, load_settings
from tests.builders import entry, record_every_kind, register_agencies, request, share

ENTRY_IDS = (
    "police-north:P-100",
    "csc-north:R-1",
    "school-elm:CONCERN-1",
    "school-elm:CONSENT-1",
    "school-elm:VOICE-1",
    "school-elm:ACTION-1",
    "school-elm:TRANSFER-1",
    "police-north:FOLLOWUP-1",
    "health-visiting:RESPONSE-1",
    "health-visiting:D-1",
    "school-elm:COR-1",
)


@pytest.fixture(params=["embedded", "postgres"])
def store(request: pytest.FixtureRequest, embedded_settings: Settings) -> Settings:
    if request.param == "embedded":
        return embedded_settings
    url = request.getfixturevalue("postgres_url")
    return load_settings({config.DATABASE_URL: url})


@pytest.fixture
def processes(
    store: Settings, clock: Callable[[], datetime]
) -> Iterator[Callable[[], Partnership]]:
    """Start another recording process on the same store (each its own Partnership)."""
    started: list[Partnership] = []

    def start() -> Partnership:
        started.append(Partnership(env=event_store_env(store), now=clock))
        return started[-1]

    yield start
    for app in started:
        app.close()


def problems_of(app: Partnership, *rows: dict[str, str]) -> list[str]:
    with pytest.raises(EntriesRejected) as rejected:
        app.record_all([(number, row) for number, row in enumerate(rows, start=1)])
    return [str(problem) for problem in rejected.value.problems]


def test_an_entry_remembered_after_recording_is_the_entry_the_store_holds(
    processes: Callable[[], Partnership],
) -> None:
    recorder, reader = processes(), processes()
    register_agencies(recorder)
    record_every_kind(recorder)
    for entry_id in ENTRY_IDS:
        assert recorder.find_entry(entry_id) == reader.find_entry(entry_id), entry_id


def test_an_answer_still_goes_only_to_the_asker_once_the_request_is_remembered(
    processes: Callable[[], Partnership],
) -> None:
    app = processes()
    register_agencies(app)
    app.record(request())  # csc-north asks health-visiting
    app.record(entry("response", agency="health-visiting", refers_to="csc-north:R-1"))
    assert problems_of(
        app,
        entry(
            "response",
            agency="health-visiting",
            entry_ref="RESPONSE-2",
            refers_to="csc-north:R-1",
            to_agencies="school-elm",
        ),
        entry("response", agency="school-elm", refers_to="csc-north:R-1"),
    ) == [
        "row 1, column to_agencies: an answer or decline goes only to the agency that asked "
        "(csc-north); telling anyone else is a new share with its own lawful basis",
        "row 2, column refers_to: 'csc-north:R-1': no such entry",  # not school-elm's to know
    ]


def test_an_entry_another_process_records_later_is_found_though_it_was_missing_before(
    processes: Callable[[], Partnership],
) -> None:
    first, other = processes(), processes()
    register_agencies(first)
    answer = entry("response", agency="health-visiting", refers_to="csc-north:R-1")
    assert problems_of(first, answer) == ["row 1, column refers_to: 'csc-north:R-1': no such entry"]
    other.record(request())
    assert first.record(answer).recorded == ["health-visiting:RESPONSE-1"]


def test_an_entry_of_a_refused_batch_is_not_remembered(
    processes: Callable[[], Partnership],
) -> None:
    app = processes()
    register_agencies(app)
    problems_of(app, request(), entry("concern", summary=""))
    answer = entry("response", agency="health-visiting", refers_to="csc-north:R-1")
    assert problems_of(app, answer) == ["row 1, column refers_to: 'csc-north:R-1': no such entry"]


def test_routing_follows_the_stored_entry_when_another_process_stored_a_different_one_first(
    processes: Callable[[], Partnership],
) -> None:
    first, other = processes(), processes()
    register_agencies(first)
    first.find_entry("csc-north:R-1")  # looked for, and not there yet
    other.record(request(to_agencies="school-elm"))
    assert any(
        "recorded already with different content" in problem
        for problem in problems_of(first, request(to_agencies="health-visiting"))
    )
    assert problems_of(
        first, entry("response", agency="health-visiting", refers_to="csc-north:R-1")
    ) == ["row 1, column refers_to: 'csc-north:R-1': no such entry"]  # not addressed to it


def test_a_child_another_process_recorded_during_a_batch_still_refuses_a_look_alike(
    processes: Callable[[], Partnership],
) -> None:
    first, other = processes(), processes()
    register_agencies(first)

    def other_records_meanwhile(done: int, total: int) -> None:
        other.record(entry("concern", entry_ref="OTHER-1", child_ref="K-0007"))

    # The first process has read the store's children before the other one writes.
    first.record_all([(1, share())], progress=other_records_meanwhile)
    problems = problems_of(first, entry("concern", entry_ref="MINE-1", child_ref="k-0007"))
    assert len(problems) == 1 and "looks like 'K-0007'" in problems[0]


def test_a_child_this_process_recorded_in_an_earlier_batch_refuses_a_look_alike(
    processes: Callable[[], Partnership],
) -> None:
    app = processes()
    register_agencies(app)
    app.record(share())
    app.record(entry("concern", entry_ref="ONE-1", child_ref="K-0007"))
    problems = problems_of(app, entry("concern", entry_ref="TWO-1", child_ref="k-0007"))
    assert len(problems) == 1 and "looks like 'K-0007'" in problems[0]
