"""`fullpicture demo`: a synthetic partnership recorded once, projected, ready for the dashboard."""

from __future__ import annotations

from datetime import date, timedelta

from consumers.store_feed import catch_up
from fullpicture.bootstrap import Wiring
from fullpicture.demo_accounts import DEMO_PASSWORD, DEMO_PEOPLE, DEMO_REVIEW
from fullpicture.progress import ProgressBar
from fullpicture.tools.synthetic import describe, generate_partnership, record_partnership
from projections.alerts import stored_alerts
from projections.chronology import children_with_entries


def record_demo_partnership(wiring: Wiring, children: int, seed: int) -> str:
    """Record the demo partnership unless the store already holds one, then catch up."""
    app = wiring.partnership
    if (app.recorder.max_notification_id() or 0) > 0:
        applied = catch_up(app, wiring.read_models)
        return f"reusing the recorded partnership ({applied} new events projected)"
    data = generate_partnership(children=children, seed=seed, today=date.today())
    recording = ProgressBar("recording the synthetic partnership", len(data.entries))
    record_partnership(app, data, progress=recording.update)
    recording.finish()
    events = app.recorder.max_notification_id()
    projecting = ProgressBar("building the read models", events)
    catch_up(app, wiring.read_models, progress=projecting.update)
    projecting.finish()
    summary = describe(data)
    return (
        f"demo partnership: {summary['agencies']} agencies, {summary['children']} children, "
        f"{summary['entries']} entries (seed {seed})"
    )


REVIEW_CHILDREN = 3


def register_demo_people(wiring: Wiring) -> str:
    """Register the demo people and the case reviewer's review grant, unless already there."""
    directory = wiring.directory
    added = 0
    for user, name, role, agency in DEMO_PEOPLE:
        if directory.person(user) is None:
            directory.register_person(
                user, name, [role], agency=agency, email=f"{user}@demo.invalid", by="demo"
            )
            directory.set_password(user, DEMO_PASSWORD, by="demo")
            added += 1
    today = wiring.now().date()
    if not any(
        g.review == DEMO_REVIEW and g.is_active_on(today) for g in directory.reviews_for("reviewer")
    ):
        directory.grant_review(
            DEMO_REVIEW,
            "reviewer",
            review_children(wiring),
            period_from=(today - timedelta(days=3 * 365)).isoformat(),
            period_to=today.isoformat(),
            expires=(today + timedelta(days=180)).isoformat(),
            by="admin",
        )
        directory.approve_review(DEMO_REVIEW, by="admin.second", reviewer="reviewer")
    people = "registered" if added else "reusing"
    return (
        f"demo people ({people}): {', '.join(u for u, *_ in DEMO_PEOPLE)}; password {DEMO_PASSWORD}"
    )


def review_children(wiring: Wiring) -> list[str]:
    """A few children whose chronologies carry a priority pattern: what a review would look at."""
    db = wiring.read_models.db
    flagged = sorted({a.child_ref for a in stored_alerts(db) if a.severity == "priority"})
    others = [c.child_ref for c in children_with_entries(db) if c.child_ref not in flagged]
    chosen = flagged + others
    return chosen[:REVIEW_CHILDREN]
