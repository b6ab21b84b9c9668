"""A person's review of a pattern alert: noted, action taken, or dismissed, and why.

Alerts are advice for a person to review (DOMAIN.md); what that person decided is a record of its
own, immutable like every entry. Each review is its own aggregate, so reviews of one alert never
contend, and keeps the evidence the alert had when reviewed: a dismissed alert whose evidence has
grown since is shown again.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from eventsourcing.domain import Aggregate

TRIAGE_OUTCOMES = ("noted", "action_taken", "dismissed")


class AlertReview(Aggregate):
    def __init__(self) -> None:
        self.alert_id = ""
        self.outcome = ""


class AlertReviewed(Aggregate.Created):
    alert_id: str
    child_ref: str
    pattern: str
    evidence: list[str]
    outcome: str
    reason: str
    reviewed_by: str
    recorded_at: str

    kind = "alert_review"

    def apply(self, aggregate: Any) -> None:
        aggregate.alert_id = self.alert_id
        aggregate.outcome = self.outcome


def new_alert_review(
    alert_id: str,
    child_ref: str,
    pattern: str,
    evidence: list[str],
    outcome: str,
    reason: str,
    reviewed_by: str,
    recorded_at: str,
) -> AlertReview:
    return AlertReview._create(
        AlertReviewed,
        id=uuid4(),  # every review is a new decision, even one repeating an earlier one
        alert_id=alert_id,
        child_ref=child_ref,
        pattern=pattern,
        evidence=list(evidence),
        outcome=outcome,
        reason=reason,
        reviewed_by=reviewed_by,
        recorded_at=recorded_at,
    )
