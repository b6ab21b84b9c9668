"""One information share, end to end, in both modes.

Embedded: SQLite store -> notification log -> read models.
Distributed: PostgreSQL store -> relay -> Kafka -> projection consumer group -> PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from consumers.kafka_projector import KafkaProjector
from consumers.relay import Relay
from consumers.store_feed import catch_up
from fullpicture.bootstrap import Wiring
from fullpicture.config import Settings
from projections.chronology import chronology_for
from tests.builders import register_agencies, share


def project(wiring: Wiring) -> None:
    if wiring.kafka is not None:
        Relay(wiring.settings, wiring.partnership, wiring.read_model_database()).run(once=True)
        KafkaProjector(wiring.settings, wiring.read_models).run(once=True)
    else:
        catch_up(wiring.partnership, wiring.read_models)


@pytest.fixture(
    params=[
        "embedded",
        pytest.param("distributed", marks=[pytest.mark.postgres, pytest.mark.kafka]),
    ]
)
def wiring(request: pytest.FixtureRequest, wiring_for: Callable[[Settings], Wiring]) -> Wiring:
    if request.param == "embedded":
        settings = request.getfixturevalue("embedded_settings")
    else:
        settings = request.getfixturevalue("distributed_settings")
    return wiring_for(settings)


def test_a_recorded_share_reaches_every_child_s_chronology(wiring: Wiring) -> None:
    # Given a registered partnership
    register_agencies(wiring.partnership)
    # When police record a verbal share about two siblings with the school
    wiring.partnership.record(share(child_ref="C-0001;C-0002"))
    project(wiring)
    # Then each child's chronology shows it, with both clocks and the recipient
    for child in ("C-0001", "C-0002"):
        [entry] = chronology_for(wiring.read_models.db, child)
        assert (entry.id, entry.kind, entry.agency, entry.to_agencies) == (
            "police-north:P-100",
            "share",
            "police-north",
            ("school-elm",),
        )
        assert entry.occurred_at == "2025-03-01" and entry.recorded_at.startswith("2025-06-30")


def test_running_the_flow_again_applies_nothing_twice(wiring: Wiring) -> None:
    register_agencies(wiring.partnership)
    wiring.partnership.record(share())
    project(wiring)
    project(wiring)
    assert len(chronology_for(wiring.read_models.db, "C-0001")) == 1
