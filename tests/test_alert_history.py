"""Alerts have a life: an id, the day first raised, the day resolved; a review period lists them."""

from __future__ import annotations

from datetime import date
from typing import Any

from projections.patterns.evaluation import alerts_in_period, evaluate_items
from projections.patterns.glossary import load_glossary
from projections.patterns.settings import load_pattern_config
from projections.patterns.timeline import Item, item_of
from tests.test_patterns import concern, mash_share, rec, spelled_out_later, well_handled_case

CONFIG = load_pattern_config()
GLOSSARY = load_glossary()
CHILD = "C-0001"


def items(records: list[dict[str, Any]]) -> list[Item]:
    return [item_of(r) for r in records]


def on(records: list[dict[str, Any]], day: str) -> list[Any]:
    return evaluate_items(items(records), CHILD, date.fromisoformat(day), CONFIG, GLOSSARY)


def period(records: list[dict[str, Any]], first: str, last: str) -> list[Any]:
    return alerts_in_period(
        items(records),
        CHILD,
        date.fromisoformat(first),
        date.fromisoformat(last),
        CONFIG,
        GLOSSARY,
    )


def request_answered_on(day: str) -> list[dict[str, Any]]:
    """A request due on the last day of February, answered on `day` (and the answer
    acknowledged the same day)."""
    return [
        rec(
            "request",
            "r1",
            "2025-02-01",
            "csc-north",
            to_agencies=["health-visiting"],
            reason="Assessment.",
            due_by="2025-02-28",
        ),
        rec(
            "response",
            "a1",
            day,
            "health-visiting",
            refers_to="csc-north:r1",
            to_agencies=["csc-north"],
        ),
        rec(
            "acknowledgement",
            "k1",
            day,
            "csc-north",
            refers_to="health-visiting:a1",
            to_agencies=["health-visiting"],
            outcome="noted",
        ),
    ]


def test_an_alert_that_held_only_in_march_is_listed_for_january_to_june_with_its_dates() -> None:
    [alert] = period(request_answered_on("2025-03-31"), "2025-01-01", "2025-06-30")
    assert alert.pattern == "unanswered_request"
    assert (alert.first_raised, alert.resolved_at, alert.as_at) == (
        "2025-03-01",
        "2025-03-31",
        "2025-03-30",
    )


def test_an_alert_that_held_only_in_march_is_not_listed_for_july_to_december() -> None:
    assert period(request_answered_on("2025-03-31"), "2025-07-01", "2025-12-31") == []


def test_an_alert_still_holding_at_the_end_of_the_period_has_no_resolved_date() -> None:
    [alert] = period(request_answered_on("2025-08-01"), "2025-01-01", "2025-06-30")
    assert (alert.first_raised, alert.resolved_at, alert.as_at) == (
        "2025-03-01",
        None,
        "2025-06-30",
    )


def neglect_three_times() -> list[dict[str, Any]]:
    return [
        concern("1", "2025-04-10", "neglect"),
        concern("2", "2025-05-10", "neglect"),
        concern("3", "2025-06-20", "neglect"),
    ]


def test_a_trend_alert_keeps_its_id_and_first_day_while_it_holds() -> None:
    [first] = [
        a for a in on(neglect_three_times(), "2025-06-20") if a.pattern == "recurring_concern"
    ]
    [later] = [
        a for a in on(neglect_three_times(), "2025-07-08") if a.pattern == "recurring_concern"
    ]
    assert first.first_raised == later.first_raised == "2025-06-20"
    assert first.id == later.id
    assert not [
        a for a in on(neglect_three_times(), "2025-07-09") if a.pattern == "recurring_concern"
    ]


def test_a_trend_alert_resolves_when_its_window_moves_past_the_first_concern() -> None:
    [alert] = [
        a
        for a in period(neglect_three_times(), "2025-06-01", "2025-12-31")
        if a.pattern == "recurring_concern"
    ]
    assert (alert.first_raised, alert.resolved_at) == ("2025-06-20", "2025-07-09")


def test_the_same_pattern_raised_again_later_is_a_new_alert_with_a_new_id() -> None:
    again = [concern(f"x{n}", f"2025-10-0{n}", "neglect") for n in range(1, 4)]
    found = [
        a
        for a in period(neglect_three_times() + again, "2025-01-01", "2025-12-31")
        if a.pattern == "recurring_concern"
    ]
    assert [a.first_raised for a in found] == ["2025-06-20", "2025-10-03"]
    assert found[0].id != found[1].id


def busy_case() -> list[dict[str, Any]]:
    """A well-handled case with gaps and trends coming and going over two years."""
    return [
        *well_handled_case(),
        *request_answered_on("2025-03-31"),
        *neglect_three_times(),
        rec(
            "share", "s9", "2024-11-02", "police-north", to_agencies=["csc-north"], channel="phone"
        ),
        rec(
            "share",
            "s8",
            "2024-12-02",
            "police-north",
            to_agencies=["csc-north"],
            channel="portal",
            summary="DV incident; MARAC referral.",
        ),
        concern("m1", "2024-12-05", "missing", agency="police-north"),
        concern("m2", "2025-01-20", "missing", agency="police-north"),
        rec("transfer", "t9", "2025-02-10", "csc-north", transfer="closure"),
    ]


def test_no_alert_in_a_period_uses_an_entry_after_the_day_it_is_reported_for() -> None:
    days = {f"{r['agency']}:{r['entry_ref']}": r["occurred_at"][:10] for r in busy_case()}
    found = period(busy_case(), "2024-10-01", "2025-09-30")
    assert len({a.pattern for a in found}) >= 6
    for alert in found:
        assert all(days[e] <= alert.as_at for e in alert.evidence), alert
        assert alert.first_raised <= alert.as_at
        assert alert.resolved_at is None or alert.resolved_at > alert.as_at


def test_each_alert_of_a_period_is_what_evaluation_on_its_day_gives() -> None:
    for alert in period(busy_case(), "2024-10-01", "2025-09-30"):
        assert alert.as_dict() | {"resolved_at": None} in [
            a.as_dict() for a in on(busy_case(), alert.as_at)
        ]


def school_acknowledged() -> dict[str, Any]:
    """The school acknowledges the police's share three days later: no gap but the jargon."""
    return rec(
        "acknowledgement",
        "k1",
        "2025-01-13",
        "school-elm",
        refers_to="police-north:s1",
        to_agencies=["police-north"],
        outcome="noted",
    )


def test_jargon_held_from_the_share_until_the_correction_that_spelled_it_out() -> None:
    records = [mash_share(), spelled_out_later("2025-03-15T09:00:00"), school_acknowledged()]
    [alert] = period(records, "2025-01-01", "2025-06-30")
    assert (alert.pattern, alert.first_raised, alert.resolved_at) == (
        "jargon",
        "2025-01-10",
        "2025-03-15",
    )
