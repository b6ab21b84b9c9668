"""The synthetic partnership: deterministic, valid through the real domain, patterns planted."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest

from domain.application import Partnership
from domain.records import records_from_notifications
from domain.vocabulary import AGENCY_TYPES
from fullpicture.tools.synthetic import PLANTED, generate_partnership, record_partnership
from projections.patterns.evaluation import evaluate_child
from projections.patterns.glossary import load_glossary
from projections.patterns.settings import load_pattern_config

TODAY = date(2025, 6, 30)


@pytest.fixture(scope="module")
def partnership_data():  # type: ignore[no-untyped-def]
    return generate_partnership(children=150, seed=3, today=TODAY)


def test_the_same_seed_gives_the_same_partnership(partnership_data) -> None:  # type: ignore[no-untyped-def]
    assert generate_partnership(children=150, seed=3, today=TODAY) == partnership_data
    assert generate_partnership(children=150, seed=4, today=TODAY) != partnership_data


def test_every_agency_type_and_families_with_siblings_are_present(partnership_data) -> None:  # type: ignore[no-untyped-def]
    assert {t for _, _, t in partnership_data.agencies} == set(AGENCY_TYPES)
    assert any(";" in e["child_ref"] for e in partnership_data.entries)


def test_references_only_point_at_earlier_entries(partnership_data) -> None:  # type: ignore[no-untyped-def]
    seen: set[str] = set()
    for entry in partnership_data.entries:
        if entry.get("refers_to"):
            assert entry["refers_to"] in seen
        seen.add(f"{entry['agency']}:{entry['entry_ref']}")


def test_everything_records_through_the_domain_and_each_planted_pattern_is_found(
    partnership_data,
    embedded_partnership: Partnership,  # type: ignore[no-untyped-def]
) -> None:
    recorded = record_partnership(embedded_partnership, partnership_data)
    assert recorded == len(partnership_data.entries)

    by_child = defaultdict(list)
    notifications = embedded_partnership.recorder.select_notifications(start=1, limit=10**6)
    for _, record in records_from_notifications(embedded_partnership.mapper, notifications):
        if "entry_id" in record:
            for child in record["child_refs"]:
                by_child[child].append(record)
    config, glossary = load_pattern_config(), load_glossary()
    alerts = {c: evaluate_child(r, c, TODAY, config, glossary) for c, r in by_child.items()}

    assert all(partnership_data.planted[p] for p in PLANTED), "every pattern is planted"
    for pattern, children in partnership_data.planted.items():
        for child in children:
            assert any(a.pattern == pattern for a in alerts[child]), (pattern, child)
    noisy = {c: [a.pattern for a in alerts[c]] for c in partnership_data.well_handled if alerts[c]}
    assert noisy == {}
    near_misses = [c for children in partnership_data.near_misses.values() for c in children]
    assert near_misses and not {c: alerts[c] for c in near_misses if alerts[c]}
    assert len(partnership_data.well_handled) > len(partnership_data.children) / 2
