"""The Patterns page's list: filters, severity-then-date order, siblings' shared alerts together."""

from __future__ import annotations

from typing import Any

from projections.patterns.listing import (
    alert_agencies,
    filtered,
    in_review_order,
    siblings_together,
)


def alert(
    child: str, pattern: str, severity: str, first_raised: str, *evidence: str
) -> dict[str, Any]:
    return {
        "id": f"A-{child}-{pattern}",
        "child_ref": child,
        "pattern": pattern,
        "severity": severity,
        "first_raised": first_raised,
        "evidence": list(evidence),
    }


JARGON = alert("C-1", "jargon", "practice", "2025-06-01", "police-north:P-1")
TRIO = alert("C-2", "toxic_trio", "priority", "2025-03-01", "gp-willow:G-1", "police-north:P-9")
TRIO_SIBLING = {**TRIO, "id": "A-C-3-toxic_trio", "child_ref": "C-3"}
RECENT_TRIO = alert("C-4", "toxic_trio", "priority", "2025-05-01", "gp-willow:G-7")
MOVES = alert("C-5", "frequent_moves", "concern", "2025-06-20", "housing-north:H-1")


def test_an_alert_s_agencies_are_those_of_its_evidence() -> None:
    assert alert_agencies(TRIO) == {"gp-willow", "police-north"}


def test_filters_by_severity_pattern_and_agency_all_apply() -> None:
    everything = [JARGON, TRIO, MOVES]
    assert filtered(everything) == everything
    assert filtered(everything, severities=["priority", "concern"]) == [TRIO, MOVES]
    assert filtered(everything, patterns=["jargon"]) == [JARGON]
    assert filtered(everything, agencies=["police-north"]) == [JARGON, TRIO]
    assert filtered(everything, severities=["practice"], agencies=["gp-willow"]) == []


def test_alerts_are_in_order_of_severity_then_most_recently_raised() -> None:
    assert in_review_order([JARGON, MOVES, TRIO, RECENT_TRIO]) == [
        RECENT_TRIO,
        TRIO,
        MOVES,
        JARGON,
    ]


def test_siblings_alerts_on_the_same_shared_entries_are_one_row() -> None:
    rows = siblings_together([TRIO, JARGON, TRIO_SIBLING])
    assert [r["children"] for r in rows] == [["C-2", "C-3"], ["C-1"]]
    assert rows[0]["ids"] == [TRIO["id"], TRIO_SIBLING["id"]]


def test_the_same_pattern_on_different_entries_is_not_grouped() -> None:
    assert len(siblings_together([TRIO, RECENT_TRIO])) == 2


def test_alerts_shown_without_their_evidence_are_never_grouped() -> None:
    hidden = {**TRIO, "evidence": []}
    assert len(siblings_together([hidden, {**hidden, "child_ref": "C-9", "id": "A-9"}])) == 2
