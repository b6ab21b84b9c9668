"""A property over generated partnerships: whatever a practitioner opens, they see only entries
their agency knows, and no alert cites evidence outside that.

"Knows" is worked out here from the stored events themselves (the agency recorded the entry, or
the entry was addressed to it), not from the read models the query layer reads.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path

import pytest

from consumers.store_feed import catch_up
from domain.records import records_from_notifications
from fullpicture import config
from fullpicture.bootstrap import Wiring
from fullpicture.config import load_settings
from fullpicture.review_pack import chronology_csv
from fullpicture.tools.synthetic import generate_partnership, record_partnership

TODAY = date(2026, 6, 30)


@pytest.fixture(params=[11, 23, 37], ids=lambda seed: f"seed-{seed}")
def partnership(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Wiring, int]]:
    seed = request.param
    wiring = Wiring(
        load_settings({config.STATE_DIR: str(tmp_path / "state")}),
        now=lambda: datetime(2026, 6, 30, 12, 0),
    )
    data = generate_partnership(children=25, seed=seed, today=TODAY)
    record_partnership(wiring.partnership, data)
    catch_up(wiring.partnership, wiring.read_models)
    yield wiring, seed
    wiring.close()


def known_entries(wiring: Wiring, agency: str) -> dict[str, set[str]]:
    """child -> ids of the entries the agency recorded or was sent, from the store."""
    app = wiring.partnership
    notifications = app.recorder.select_notifications(start=1, limit=1_000_000)
    known: dict[str, set[str]] = {}
    for _, record in records_from_notifications(app.mapper, notifications):
        if "entry_id" not in record:
            continue
        if record["agency"] == agency or agency in (record.get("to_agencies") or []):
            for child in record["child_refs"]:
                known.setdefault(child, set()).add(record["entry_id"])
    return known


def test_a_random_practitioner_sees_only_what_their_agency_knows(
    partnership: tuple[Wiring, int],
) -> None:
    wiring, seed = partnership
    pick = random.Random(seed)
    agency = pick.choice([a.code for a in wiring.partnership.agencies()])
    wiring.directory.register_person("admin", "Admin", ["administrator"])
    wiring.directory.register_person("p", "Practitioner", ["practitioner"], agency=agency)
    queries = wiring.queries
    known = known_entries(wiring, agency)

    assert {c.child_ref for c in queries.children("p")} == set(known)
    opened = 0
    for child in sorted(known):
        for asked in (
            {},
            {"as_at": pick.choice(["2025-06-30T23:59:59", "2026-01-31T23:59:59"])},
            {"system_time": "2026-03-31T23:59:59"},
        ):
            for view in ("chronology", "patterns", "export"):
                read = queries.read_child("p", child, view, **asked)
                opened += 1
                shown = {e.id for e in read.entries}
                assert shown <= known[child], (child, view, asked)
                for alert in read.alerts:
                    assert set(alert.evidence) <= shown, alert
                if view == "export":
                    exported = csv.DictReader(
                        io.StringIO(chronology_csv([asdict(e) for e in read.entries]))
                    )
                    assert {row["id"] for row in exported} == shown
        # Everything known and nothing else, in the unreplayed view.
        assert {e.id for e in queries.read_child("p", child, "chronology").entries} == known[child]
    for alert in queries.alert_list("p"):
        assert set(alert.evidence) <= known[alert.child_ref], alert
    for alert in queries.alert_list("p", as_at=date(2025, 12, 31)):
        assert set(alert.evidence) <= known[alert.child_ref], alert
    assert len(list(wiring.access_log.accesses())) == opened + len(known)
