"""An alert's triage: its reviews, and where it stands now.

The latest review decides the state (`noted`, `action_taken`, `dismissed`), except that a dismissed
alert whose evidence has grown since it was dismissed is `reopened`, and says why: a person
dismissed what they saw, not what came after.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from projections.alert_reviews import AlertReviewRow
from projections.patterns.alerts import Alert

NOT_REVIEWED = "not_reviewed"
TRIAGE_STATES = (NOT_REVIEWED, "noted", "action_taken", "dismissed", "reopened")


def triage_of(evidence: Sequence[str], reviews: Sequence[AlertReviewRow]) -> dict[str, Any]:
    """The triage of an alert with this evidence and these reviews (oldest first)."""
    history = [
        {
            "outcome": r.outcome,
            "reason": r.reason,
            "reviewed_by": r.reviewed_by,
            "reviewed_at": r.recorded_at,
            "evidence": list(r.evidence),
        }
        for r in reviews
    ]
    if not reviews:
        return {"state": NOT_REVIEWED, "note": "", "history": history}
    latest = reviews[-1]
    new = [e for e in evidence if e not in latest.evidence]
    if latest.outcome == "dismissed" and new:
        note = (
            f"re-opened: new evidence since it was dismissed on {latest.recorded_at[:10]} "
            f"({', '.join(new)})"
        )
        return {"state": "reopened", "note": note, "history": history}
    return {"state": latest.outcome, "note": "", "history": history}


def with_triage(
    alerts: Iterable[Alert], reviews: Mapping[str, Sequence[AlertReviewRow]]
) -> list[dict[str, Any]]:
    """Alerts as dicts, each reviewed one with its `triage`."""
    shown = []
    for alert in alerts:
        row = alert.as_dict()
        if alert.id in reviews:
            row["triage"] = triage_of(alert.evidence, reviews[alert.id])
        shown.append(row)
    return shown


def triage_state(alert: Mapping[str, Any]) -> str:
    triage = alert.get("triage")
    return str(triage["state"]) if triage else NOT_REVIEWED
