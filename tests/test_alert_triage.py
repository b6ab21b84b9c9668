"""Triage: a person's review of an alert is an event; it replays, and a dismissed alert re-opens
when new evidence arrives."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from itertools import count

import pytest

from consumers.relay import Relay
from consumers.store_feed import catch_up
from domain.application import Partnership
from domain.errors import InvalidEntry
from fullpicture.config import Settings
from projections.alert_reviews import AlertReviewRow, reviews_of
from projections.alerts import stored_alert, stored_alerts
from projections.patterns.alerts import Alert
from projections.patterns.triage import triage_of, with_triage
from projections.read_models import ReadModels, table_dump
from tests.builders import register_agencies
from tests.conftest import FIXED_NOW
from tests.test_kafka_projector import clean_rebuild
from tests.test_read_models import read_models  # noqa: F401 - the SQLite and PostgreSQL fixture

CHILD = "C-0001"


@pytest.fixture
def clock() -> Callable[[], datetime]:
    """System time moving a minute at each reading, from the suite's fixed day."""
    readings = count()
    return lambda: FIXED_NOW + timedelta(minutes=next(readings))


def neglect(app: Partnership, ref: str, day: str) -> None:
    app.record(
        {
            "kind": "concern",
            "agency": "school-elm",
            "entry_ref": ref,
            "child_ref": CHILD,
            "occurred_at": day,
            "summary": "Arrived hungry.",
            "concerns": "neglect",
        }
    )


def recurring(models: ReadModels) -> Alert:
    [alert] = stored_alerts(models.db, CHILD, "recurring_concern")
    return alert


def triage(models: ReadModels, alert: Alert) -> dict:
    [shown] = with_triage([alert], reviews_of(models.db, [alert.id]))
    return shown["triage"]


@pytest.fixture
def dismissed(embedded_partnership: Partnership, read_models: ReadModels) -> Alert:  # noqa: F811
    """Three neglect concerns in ninety days, the alert noted, then dismissed."""
    app = embedded_partnership
    register_agencies(app)
    for ref, day in (("N-1", "2025-04-10"), ("N-2", "2025-05-10"), ("N-3", "2025-06-20")):
        neglect(app, ref, day)
    catch_up(app, read_models)
    alert = recurring(read_models)
    for outcome, reason in (
        ("noted", "Seen; checking with the school."),
        ("dismissed", "The school's plan covers it."),
    ):
        app.review_alert(
            alert.id, CHILD, alert.pattern, alert.evidence, outcome, reason, "analyst.one"
        )
    catch_up(app, read_models)
    return alert


def test_a_review_is_recorded_with_its_outcome_reason_and_reviewer(
    dismissed: Alert,
    read_models: ReadModels,  # noqa: F811
) -> None:
    shown = triage(read_models, dismissed)
    assert shown["state"] == "dismissed"
    assert [(h["outcome"], h["reviewed_by"]) for h in shown["history"]] == [
        ("noted", "analyst.one"),
        ("dismissed", "analyst.one"),
    ]
    assert shown["history"][1]["reason"] == "The school's plan covers it."
    assert shown["history"][1]["evidence"] == list(dismissed.evidence)


def test_reviews_replay_into_the_same_read_models(
    dismissed: Alert,
    read_models: ReadModels,  # noqa: F811
    embedded_partnership: Partnership,
) -> None:
    before = table_dump(read_models.db)
    history = triage(read_models, dismissed)
    read_models.reset()
    catch_up(embedded_partnership, read_models)
    assert table_dump(read_models.db) == before
    assert triage(read_models, recurring(read_models)) == history


def test_a_dismissed_alert_re_opens_when_new_evidence_arrives_and_says_so(
    dismissed: Alert,
    read_models: ReadModels,  # noqa: F811
    embedded_partnership: Partnership,
) -> None:
    neglect(embedded_partnership, "N-4", "2025-06-25")
    catch_up(embedded_partnership, read_models)
    alert = recurring(read_models)
    assert alert.id == dismissed.id  # the same alert, still holding
    shown = triage(read_models, alert)
    assert shown["state"] == "reopened"
    assert "new evidence since it was dismissed on 2025-06-30" in shown["note"]
    assert "school-elm:N-4" in shown["note"]


def test_an_alert_holding_now_is_found_by_its_id(
    dismissed: Alert,
    read_models: ReadModels,  # noqa: F811
) -> None:
    assert stored_alert(read_models.db, dismissed.id) == dismissed
    assert stored_alert(read_models.db, "A-000000000000") is None


def test_a_review_with_an_unknown_outcome_or_no_reason_is_refused_naming_the_field(
    embedded_partnership: Partnership,
) -> None:
    before = embedded_partnership.recorder.max_notification_id()
    with pytest.raises(InvalidEntry) as refused:
        embedded_partnership.review_alert(
            "A-1", CHILD, "jargon", ["police-north:P-1"], "ignored", " ", "analyst.one"
        )
    assert {p.field for p in refused.value.problems} == {"outcome", "reason"}
    assert embedded_partnership.recorder.max_notification_id() == before


def review(outcome: str, evidence: tuple[str, ...]) -> AlertReviewRow:
    return AlertReviewRow(
        "A-1", "2025-06-01T09:00:00", "analyst.one", CHILD, "jargon", outcome, "Why.", evidence
    )


def test_a_dismissal_stands_while_the_evidence_is_what_was_dismissed() -> None:
    assert triage_of(["x:1"], [review("dismissed", ("x:1",))])["state"] == "dismissed"


def test_only_a_dismissal_re_opens_on_new_evidence() -> None:
    assert triage_of(["x:1", "x:2"], [review("noted", ("x:1",))])["state"] == "noted"
    assert triage_of(["x:1", "x:2"], [review("dismissed", ("x:1",))])["state"] == "reopened"


@pytest.mark.postgres
@pytest.mark.kafka
def test_reviews_replay_from_kafka_into_a_clean_rebuild(
    distributed_settings: Settings,
    wiring_for,  # type: ignore[no-untyped-def]
    new_postgres_database,  # type: ignore[no-untyped-def]
) -> None:
    wiring = wiring_for(distributed_settings)
    register_agencies(wiring.partnership)
    neglect(wiring.partnership, "N-1", "2025-04-10")
    wiring.partnership.review_alert(
        "A-0123456789ab", CHILD, "jargon", ["school-elm:N-1"], "action_taken", "Asked.", "analyst"
    )
    Relay(distributed_settings, wiring.partnership, wiring.read_model_database()).run(once=True)
    rebuilt = clean_rebuild(distributed_settings, new_postgres_database)
    [review] = reviews_of(rebuilt.db, ["A-0123456789ab"])["A-0123456789ab"]
    assert (review.child_ref, review.outcome, review.evidence) == (
        CHILD,
        "action_taken",
        ("school-elm:N-1",),
    )
    rebuilt.db.close()
