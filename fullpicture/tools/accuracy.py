"""How well the detectors find what they are meant to: recall and false alarms, measured.

A synthetic partnership is generated with each pattern planted on known children and near misses of
each on others (`fullpicture.tools.synthetic`); every entry is recorded through the real domain (in
memory), and the detectors run over what was recorded, on the generator's day. Per pattern:
`recall` is the fraction of the children it was planted on where it fired; `false_alarms` the
fraction of the other children where it fired anyway.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

from domain.application import Partnership
from domain.records import records_from_notifications
from fullpicture.tools.synthetic import PLANTED, SyntheticPartnership, generate_partnership
from fullpicture.tools.synthetic import record_partnership as record_synthetic
from fullpicture.tools.synthetic_households import HOUSEHOLD_PLANTED
from projections.patterns.evaluation import evaluate_household, evaluate_items
from projections.patterns.glossary import Glossary, load_glossary
from projections.patterns.household import HouseholdFacts, household_facts_by_child
from projections.patterns.settings import PatternConfig, load_pattern_config
from projections.patterns.timeline import Item, item_of

IN_MEMORY = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
# Every fourth family has a pattern planted, each pattern in turn: with fewer children, some
# patterns would be planted on nobody.
MIN_CHILDREN = 200


@dataclass(frozen=True)
class PatternAccuracy:
    pattern: str
    planted: int  # children it was planted on
    recall: float  # of those, the fraction on which it fired
    false_alarms: float  # of the other children, the fraction on which it fired

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class AccuracyReport:
    patterns: list[PatternAccuracy]
    well_handled_families: int
    well_handled_raising_anything: float  # fraction of well-handled families with any alert


def measure_accuracy(
    children: int = 1000,
    seed: int = 1,
    config: PatternConfig | None = None,
    glossary: Glossary | None = None,
) -> AccuracyReport:
    data = generate_partnership(children=children, seed=seed)
    fired = patterns_fired(data, config or load_pattern_config(), glossary or load_glossary())
    return accuracy_against_plan(data, fired)


def patterns_fired(
    data: SyntheticPartnership, config: PatternConfig, glossary: Glossary
) -> dict[str, set[str]]:
    """Each child's patterns that fired on the generator's day, from the entries as recorded
    (and, for the patterns about adults, the households as recorded, every child named)."""
    items, households = recorded_items(data)
    fired = {}
    for child, _ in data.children:
        alerts = evaluate_items(items[child], child, data.today, config, glossary)
        facts = households.get(child, HouseholdFacts())
        alerts += evaluate_household(items[child], child, data.today, facts, config, glossary)
        fired[child] = {a.pattern for a in alerts}
    return fired


def recorded_items(
    data: SyntheticPartnership,
) -> tuple[dict[str, list[Item]], dict[str, HouseholdFacts]]:
    """Every child's entries as the detectors see them, after the domain has recorded them, and
    every child's household facts."""
    app = Partnership(env=IN_MEMORY)
    try:
        record_synthetic(app, data)
        notifications = app.recorder.select_notifications(start=1, limit=10**9)
        by_child: dict[str, list[Item]] = defaultdict(list)
        records = [record for _, record in records_from_notifications(app.mapper, notifications)]
        for record in records:
            if "entry_id" in record:
                item = item_of(record)
                for child in record["child_refs"]:
                    by_child[child].append(item)
        return by_child, household_facts_by_child(records)
    finally:
        app.close()


def accuracy_against_plan(data: SyntheticPartnership, fired: dict[str, set[str]]) -> AccuracyReport:
    """Recall and false alarms of each pattern against where the generator planted it."""
    everyone = [child for child, _ in data.children]
    results = []
    plans = {**data.planted, **data.people.planted}
    for pattern in (*PLANTED, *HOUSEHOLD_PLANTED):
        planted = set(plans[pattern])
        others = [c for c in everyone if c not in planted]
        hits = sum(pattern in fired[c] for c in planted)
        alarms = sum(pattern in fired[c] for c in others)
        results.append(
            PatternAccuracy(
                pattern,
                len(planted),
                round(hits / len(planted), 3) if planted else 0.0,
                round(alarms / len(others), 3) if others else 0.0,
            )
        )
    families = data.well_handled_families
    noisy = sum(any(fired[c] for c in family) for family in families)
    return AccuracyReport(
        results, len(families), round(noisy / len(families), 3) if families else 0.0
    )
