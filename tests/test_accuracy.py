"""Recall and false alarms are computed against the generator's plan, and meet their targets."""

from __future__ import annotations

import pytest

from fullpicture.tools.accuracy import accuracy_against_plan, measure_accuracy
from fullpicture.tools.synthetic import PLANTED, SyntheticPartnership, generate_partnership


@pytest.fixture(scope="module")
def partnership() -> SyntheticPartnership:
    return generate_partnership(children=300, seed=5)


def test_recall_and_false_alarms_are_fractions_of_the_planted_and_other_children(
    partnership: SyntheticPartnership,
) -> None:
    everyone = [child for child, _ in partnership.children]
    planted = partnership.planted["jargon"]
    missed, *found = planted
    others = [c for c in everyone if c not in planted]
    raised_wrongly = others[:3]
    fired = {c: set() for c in everyone} | {c: {"jargon"} for c in [*found, *raised_wrongly]}

    report = accuracy_against_plan(partnership, fired)

    [jargon] = [p for p in report.patterns if p.pattern == "jargon"]
    assert jargon.planted == len(planted) >= 2
    assert jargon.recall == round((len(planted) - 1) / len(planted), 3)
    assert jargon.false_alarms == round(3 / len(others), 3)
    [quiet] = [p for p in report.patterns if p.pattern == "toxic_trio"]
    assert (quiet.recall, quiet.false_alarms) == (0.0, 0.0)


def test_a_well_handled_family_raising_anything_counts_against_the_detectors(
    partnership: SyntheticPartnership,
) -> None:
    fired = {child: set() for child, _ in partnership.children}
    first_family = partnership.well_handled_families[0]
    fired[first_family[0]] = {"escalation"}
    report = accuracy_against_plan(partnership, fired)
    assert report.well_handled_families == len(partnership.well_handled_families)
    assert report.well_handled_raising_anything == round(1 / report.well_handled_families, 3)


def test_every_pattern_is_planted_and_has_near_misses(partnership: SyntheticPartnership) -> None:
    assert all(partnership.planted[p] for p in PLANTED)
    assert all(partnership.near_misses[p] for p in PLANTED)
    planted = {c for children in partnership.planted.values() for c in children}
    near = {c for children in partnership.near_misses.values() for c in children}
    assert not planted & near
    assert not (planted | near) & set(partnership.well_handled)


def test_the_detectors_meet_their_accuracy_targets_on_a_synthetic_partnership() -> None:
    report = measure_accuracy(children=400, seed=9)
    for pattern in report.patterns:
        assert pattern.recall >= 0.95, pattern
        assert pattern.false_alarms <= 0.05, pattern
    assert report.well_handled_raising_anything <= 0.05
