"""The patterns about adults in the stored alert list: kept current as events arrive (SQLite
and PostgreSQL), raised on planted cases, not on near misses, never naming the other child."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from consumers.store_feed import SOURCE, catch_up
from domain.application import Partnership
from domain.records import records_from_notifications
from fullpicture.bootstrap import Wiring
from projections.alerts import PENDING, stored_alerts
from projections.read_models import ReadModels
from tests.builders import register_agencies
from tests.conftest import FIXED_NOW
from tests.people import REVIEWER
from tests.test_household_patterns import (  # noqa: F401 - the planted partnership
    HOUSEHOLD_PATTERNS,
    POLICE,
    SCHOOL,
    planted,
    run,
)
from tests.test_read_models import read_models  # noqa: F401 - the SQLite and PostgreSQL fixture
from tests.test_walking_skeleton import project


def concern(app: Partnership, ref: str, child: str, day: str, *adults: str) -> None:
    app.record(
        {
            "kind": "concern",
            "agency": "police-north" if adults else "school-elm",
            "entry_ref": ref,
            "child_ref": [child],
            "adults": list(adults),
            "occurred_at": day,
            "summary": "Concern.",
            "concerns": ["domestic_abuse"],
        },
        lists_as_text=False,
    )


def household_alerts(models: ReadModels) -> dict[tuple[str, str], Any]:
    return {
        (a.child_ref, a.pattern): a
        for a in stored_alerts(models.db)
        if a.pattern in HOUSEHOLD_PATTERNS
    }


@pytest.fixture
def households(embedded_partnership: Partnership) -> Partnership:
    """As at 30 June 2025: C-0001 had a concern, then A-0001 joined (1 May); C-0002's new adult
    joined with no concern before; C-0003's adult left before being named; C-0004's adult
    joined long ago."""
    app = embedded_partnership
    register_agencies(app)
    for adult in ("A-0001", "A-0002", "A-0003", "A-0004"):
        app.register_adult(adult, "csc-north")
    concern(app, "S-1", "C-0001", "2025-04-01")
    app.join_household("C-0001", "A-0001", "partner_of_parent", "2025-05-01", "csc-north")
    app.join_household("C-0002", "A-0002", "partner_of_parent", "2025-05-01", "csc-north")
    app.join_household("C-0003", "A-0003", "father", "2024-01-01", "csc-north")
    app.leave_household("C-0003", "A-0003", "2025-03-01", "csc-north")
    concern(app, "S-4", "C-0004", "2024-06-01")
    app.join_household("C-0004", "A-0004", "father", "2024-07-01", "csc-north")
    return app


def test_a_new_adult_after_a_concern_is_in_the_stored_list_and_the_near_misses_are_not(
    households: Partnership,
    read_models: ReadModels,  # noqa: F811
) -> None:
    catch_up(households, read_models)
    found = household_alerts(read_models)
    assert set(found) == {("C-0001", "new_adult_in_household")}
    new_adult = found["C-0001", "new_adult_in_household"]
    assert new_adult.evidence == ("school-elm:S-1",)
    assert new_adult.first_raised == "2025-05-01"
    assert "A-0001 (partner of parent) joined the household on 1 May 2025" in (
        new_adult.explanation
    )


def test_a_concern_about_another_child_naming_the_adult_raises_an_alert_on_the_household_s_child(
    households: Partnership,
    read_models: ReadModels,  # noqa: F811
) -> None:
    catch_up(households, read_models)
    # C-0001 is not touched again: only the police's concern about C-0009 names its adult
    concern(households, "P-1", "C-0009", "2025-06-01", "A-0001")
    concern(households, "P-2", "C-0009", "2025-06-02", "A-0003")  # left C-0003 before
    catch_up(households, read_models)
    found = household_alerts(read_models)
    assert set(found) == {
        ("C-0001", "new_adult_in_household"),
        ("C-0001", "adult_known_elsewhere"),
    }
    elsewhere = found["C-0001", "adult_known_elsewhere"]
    assert elsewhere.evidence == ("police-north:P-1",)
    assert elsewhere.severity == "priority"
    assert "C-0009" not in elsewhere.explanation
    assert "(another child)" in elsewhere.explanation


def test_a_concern_naming_an_adult_marks_every_child_of_their_households_pending(
    households: Partnership,
    read_models: ReadModels,  # noqa: F811
) -> None:
    catch_up(households, read_models)
    concern(households, "P-3", "C-0009", "2025-06-01", "A-0003")
    position = read_models.position(SOURCE) or 0
    records = [r for _, r in _records_after(households, position)]  # not yet applied
    read_models.apply(records, {SOURCE: (position + 1, position + len(records))})
    pending = {r[0] for r in read_models.db.query(f"SELECT child_ref FROM {PENDING}")}
    assert pending == {"C-0003", "C-0009"}  # A-0003 was in C-0003's household


def test_joining_a_household_marks_the_child_pending(
    households: Partnership,
    read_models: ReadModels,  # noqa: F811
) -> None:
    catch_up(households, read_models)
    households.join_household("C-0002", "A-0004", "other_carer", "2025-06-01", "csc-north")
    position = read_models.position(SOURCE) or 0
    records = [r for _, r in _records_after(households, position)]
    read_models.apply(records, {SOURCE: (position + 1, position + len(records))})
    pending = {r[0] for r in read_models.db.query(f"SELECT child_ref FROM {PENDING}")}
    assert pending == {"C-0002"}


def _records_after(app: Partnership, position: int) -> list[tuple[Any, Any]]:
    notifications = app.recorder.select_notifications(start=position + 1, limit=100)
    return list(records_from_notifications(app.mapper, notifications))


def listed(capsys: pytest.CaptureFixture[str], user: str) -> dict[tuple[str, str], Any]:
    capsys.readouterr()
    run("--as", user, "patterns", "--as-at", "2025-04-15", "--format", "json")
    return {
        (a["child_ref"], a["pattern"]): a
        for a in json.loads(capsys.readouterr().out)
        if a["pattern"] in HOUSEHOLD_PATTERNS
    }


def test_the_planted_cases_are_in_the_alert_list_of_those_who_see_their_evidence(
    planted: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The reviewer's grant covers C-0001 to C-0004, not C-0009 the police's concern is about
    reviewer = listed(capsys, REVIEWER)
    assert set(reviewer) == {
        ("C-0001", "new_adult_in_household"),
        ("C-0004", "new_adult_in_household"),
    }
    assert reviewer["C-0004", "new_adult_in_household"]["evidence"] == ["school-elm:Q-4"]
    # The police know their concern about C-0009, but not the others' concerns before the joining
    police = listed(capsys, POLICE)
    assert set(police) == {("C-0001", "adult_known_elsewhere")}
    elsewhere = police["C-0001", "adult_known_elsewhere"]
    assert elsewhere["evidence"] == ["police-north:P-1"]
    # a list is shown to many: even the police, who know C-0009, see it unnamed there
    assert "C-0009" not in elsewhere["explanation"]
    assert "(another child)" in elsewhere["explanation"]
    # The school made Q-4 but never heard of the adult who joined C-0004
    assert listed(capsys, SCHOOL) == {}


@pytest.fixture(
    params=[
        "embedded",
        pytest.param("distributed", marks=[pytest.mark.postgres, pytest.mark.kafka]),
    ]
)
def wiring(request: pytest.FixtureRequest) -> Iterator[Wiring]:
    """Both modes, the kept alerts evaluated as at the suite's fixed day."""
    settings = request.getfixturevalue(f"{request.param}_settings")
    built = Wiring(settings, now=lambda: FIXED_NOW)
    yield built
    built.close()


def test_in_both_modes_a_concern_naming_the_adult_raises_an_alert_on_the_household_s_child(
    wiring: Wiring,
) -> None:
    app = wiring.partnership
    register_agencies(app)
    app.register_adult("A-0001", "csc-north")
    concern(app, "S-1", "C-0001", "2025-04-01")
    app.join_household("C-0001", "A-0001", "partner_of_parent", "2025-05-01", "csc-north")
    project(wiring)
    assert set(household_alerts(wiring.read_models)) == {("C-0001", "new_adult_in_household")}
    concern(app, "P-1", "C-0009", "2025-06-01", "A-0001")  # C-0001 is not touched again
    project(wiring)
    found = household_alerts(wiring.read_models)
    elsewhere = found["C-0001", "adult_known_elsewhere"]
    assert elsewhere.evidence == ("police-north:P-1",)
    assert "C-0009" not in elsewhere.explanation
