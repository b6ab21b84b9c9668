"""The embedded projection runner: feeds read models straight from the event store's log.

eventsourcing's SQLite recorder has no subscriptions, so this polls `select_notifications` from the
position stored beside the read models; the same code serves PostgreSQL without Kafka. Processes
catching up at once take turns (the read models' work lock), so none finds its batch applied by
another.
"""

from __future__ import annotations

from collections.abc import Callable

from consumers import run_loop
from consumers.run_loop import Outcome
from domain.application import Partnership
from domain.records import records_from_notifications
from projections.read_models import ReadModels

SOURCE = "store"
DEFAULT_BATCH = 2000

Progress = Callable[[int], None]


def catch_up(
    partnership: Partnership,
    read_models: ReadModels,
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
) -> int:
    """Apply every stored event not yet applied; returns how many were applied."""
    with read_models.db.exclusive_work():
        return _catch_up(partnership, read_models, batch_size, progress)


def rebuild(
    partnership: Partnership, read_models: ReadModels, progress: Progress | None = None
) -> int:
    """Empty every read model and apply the whole store again, holding the work lock throughout,
    so no other process catches up into half-emptied tables."""
    with read_models.db.exclusive_work():
        read_models.reset()
        return _catch_up(partnership, read_models, DEFAULT_BATCH, progress)


def _catch_up(
    partnership: Partnership,
    read_models: ReadModels,
    batch_size: int,
    progress: Progress | None,
) -> int:
    applied = 0
    position = read_models.position(SOURCE) or 0
    while True:
        notifications = partnership.recorder.select_notifications(
            start=position + 1, limit=batch_size
        )
        if not notifications:
            read_models.refresh_alerts()
            return applied
        records = [r for _, r in records_from_notifications(partnership.mapper, notifications)]
        first, last = notifications[0].id, notifications[-1].id
        read_models.apply(records, {SOURCE: (first, last)})
        applied += len(records)
        position = last
        if progress is not None:
            progress(applied)


def follow(
    partnership: Partnership,
    read_models: ReadModels,
    poll_seconds: float = 0.5,
    should_stop: Callable[[], bool] = run_loop.never,
) -> None:
    """Keep the read models current until asked to stop."""

    def step() -> Outcome:
        applied = catch_up(partnership, read_models)
        return Outcome(done=applied, idle=applied == 0)

    run_loop.run(step, "store feed", should_stop=should_stop, idle_seconds=poll_seconds)
