"""Keeping the read models current, in the mode the settings chose (bootstrap chooses, once).

Embedded, no process of its own projects: each write is followed by a catch-up from the store's
notification log, and `fullpicture project` follows the log. Distributed, projector processes
read Kafka; a write or a read here leaves the read models to them. Entry points call
`catch_up`, `run` and `rebuild` and never ask which mode it is. (Kafka's client is imported
only when a Kafka projection runs: every command starts without it.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from consumers import store_feed
from consumers.garbage import collect_less_often
from domain.application import Partnership, RecordingOutcome
from domain.drafts import Authorship
from fullpicture.config import Settings
from projections.read_models import ReadModels

Progress = Callable[[int], None]


class Projection(Protocol):
    # Where a rebuild reads from, as a progress line says it ("rebuilding from Kafka").
    source: str

    def catch_up(self) -> int:
        """Bring the read models up to what is stored, if this process is the one that does."""
        ...

    def run(self, once: bool = False) -> int:
        """Keep the read models current until stopped (`once`: apply what is there, then stop)."""
        ...

    def events_to_rebuild(self) -> int:
        """How many events a rebuild will apply, at most (for its progress bar)."""
        ...

    def rebuild(self, progress: Progress | None = None) -> int:
        """Empty every read model and apply every event again."""
        ...


class Wiring(Protocol):
    """What the projection and the recorder take from `bootstrap.Wiring` (each opened when
    first asked for)."""

    settings: Settings

    @property
    def partnership(self) -> Partnership: ...

    @property
    def read_models(self) -> ReadModels: ...

    @property
    def projection(self) -> Projection: ...

    def after_writes(self) -> None: ...


class StoreProjection:
    """Embedded: the read models fed straight from the chronology's notification log."""

    source = "the store"

    def __init__(self, wiring: Wiring) -> None:
        self._wiring = wiring

    def catch_up(self) -> int:
        return store_feed.catch_up(self._wiring.partnership, self._wiring.read_models)

    def run(self, once: bool = False) -> int:
        collect_less_often()
        applied = self.catch_up()
        if not once:
            store_feed.follow(self._wiring.partnership, self._wiring.read_models)
        return applied

    def events_to_rebuild(self) -> int:
        # Opening the store checks its cipher key, before anything is emptied.
        return self._wiring.partnership.recorder.max_notification_id() or 0

    def rebuild(self, progress: Progress | None = None) -> int:
        collect_less_often()
        wiring = self._wiring
        return store_feed.rebuild(wiring.partnership, wiring.read_models, progress=progress)


class KafkaProjection:
    """Distributed: projector processes in one consumer group read the events topic."""

    source = "Kafka"

    def __init__(self, wiring: Wiring) -> None:
        self._wiring = wiring
        self._settings = wiring.settings.as_service("projector")

    def catch_up(self) -> int:
        return 0  # the projector processes keep the read models current

    def run(self, once: bool = False) -> int:
        from consumers.kafka_projector import KafkaProjector

        collect_less_often()
        return KafkaProjector(self._settings, self._wiring.read_models).run(once=once)

    def events_to_rebuild(self) -> int:
        from consumers.kafka_projector import total_events

        return total_events(self._settings)

    def rebuild(self, progress: Progress | None = None) -> int:
        from consumers.kafka_projector import KafkaProjector

        collect_less_often()
        read_models = self._wiring.read_models
        with read_models.db.exclusive_work():  # never two resets of the same tables at once
            read_models.reset()
        return KafkaProjector(self._settings, read_models).run(once=True, on_batch=progress)


class Recorder:
    """The partnership's writes for entry points: each one followed by the projection's
    catch-up, so in embedded mode the read models are current when a write returns, whoever
    wrote it."""

    def __init__(self, wiring: Wiring) -> None:
        self._wiring = wiring

    def _caught_up(self, result: Any) -> Any:
        self._wiring.projection.catch_up()
        self._wiring.after_writes()
        return result

    def record(
        self, data: Mapping[str, Any], author: Authorship, lists_as_text: bool = True
    ) -> RecordingOutcome:
        """`author` is required: an entry point always knows who is recording."""
        partnership = self._wiring.partnership
        return self._caught_up(partnership.record(data, lists_as_text=lists_as_text, author=author))

    def record_all(
        self,
        rows: Sequence[tuple[int | None, Mapping[str, Any]]],
        author: Authorship,
        progress: Callable[[int, int], None] | None = None,
    ) -> RecordingOutcome:
        partnership = self._wiring.partnership
        return self._caught_up(partnership.record_all(rows, progress=progress, author=author))

    def register_child(self, child_ref: str, date_of_birth: str, agency: str) -> bool:
        partnership = self._wiring.partnership
        return self._caught_up(partnership.register_child(child_ref, date_of_birth, agency))

    def add_task(self, values: Mapping[str, str], owner_agency: str, added_by: str) -> str:
        partnership = self._wiring.partnership
        return self._caught_up(partnership.add_task(values, owner_agency, added_by))

    def reassign_task(self, task_id: str, owner: str, owner_agency: str, by: str) -> None:
        partnership = self._wiring.partnership
        self._caught_up(partnership.reassign_task(task_id, owner, owner_agency, by))

    def finish_task(self, task_id: str, outcome: str, by: str) -> None:
        partnership = self._wiring.partnership
        self._caught_up(partnership.finish_task(task_id, outcome, by))

    def review_alert(
        self,
        alert_id: str,
        child_ref: str,
        pattern: str,
        evidence: Sequence[str],
        outcome: str,
        reason: str,
        reviewed_by: str,
    ) -> str:
        partnership = self._wiring.partnership
        return self._caught_up(
            partnership.review_alert(
                alert_id, child_ref, pattern, evidence, outcome, reason, reviewed_by=reviewed_by
            )
        )
