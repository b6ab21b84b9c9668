"""The projector's batch writer: batches stored in the order read, none after one that failed."""

from __future__ import annotations

import pytest

from consumers.batch_writer import BatchWriter
from domain.records import EventRecord
from projections.positions import StalePosition
from projections.read_models import ReadModels
from tests.test_read_models import read_models, records  # noqa: F401 - fixtures

Batch = tuple[list[EventRecord], dict[str, tuple[int, int]]]


def storing_into(models: ReadModels) -> BatchWriter[Batch]:
    return BatchWriter(lambda batch: models.apply(*batch), in_flight=3)


def test_batches_are_stored_in_the_order_given_and_handed_back_in_it(
    read_models: ReadModels,  # noqa: F811
    records: list[EventRecord],  # noqa: F811
) -> None:
    # Given one batch per record, each following on from the one before
    batches: list[Batch] = [([r], {"events:0": (n, n)}) for n, r in enumerate(records)]
    writer = storing_into(read_models)
    # When they are written a few at a time and waited for
    stored = []
    for batch in batches:
        while writer.full:
            stored.append(writer.wait_oldest())
        writer.write(batch)
    while len(writer):
        stored.append(writer.wait_oldest())
    writer.close()
    # Then each was stored, in order (out of order, a position would have been refused)
    assert stored == batches
    assert read_models.positions("events:") == {"events:0": len(records) - 1}


def test_a_batch_read_after_one_that_failed_is_never_stored(
    read_models: ReadModels,  # noqa: F811
    records: list[EventRecord],  # noqa: F811
) -> None:
    # Given three batches in flight, the second from a position applied already
    first: Batch = (records[:2], {"events:0": (0, 1)})
    stale: Batch = (records[2:4], {"events:0": (1, 3)})
    after: Batch = (records[4:6], {"events:0": (4, 5)})
    writer = storing_into(read_models)
    for batch in (first, stale, after):
        writer.write(batch)
    # When they are waited for
    assert writer.wait_oldest() is first
    with pytest.raises(StalePosition):
        writer.wait_oldest()
    # Then the third was dropped unstored (it would have skipped the second's events)
    assert len(writer) == 0
    assert writer.wait_oldest() is None
    assert read_models.positions("events:") == {"events:0": 1}
    writer.close()
