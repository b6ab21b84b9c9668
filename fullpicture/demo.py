"""`fullpicture demo`: a synthetic partnership recorded once, projected, ready for the dashboard."""

from __future__ import annotations

from datetime import date

from consumers.store_feed import catch_up
from fullpicture.bootstrap import Wiring
from fullpicture.progress import ProgressBar
from fullpicture.synthetic import describe, generate_partnership, record_partnership


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
