"""Running the detectors for one child: the alerts on a day, or every alert of a review period."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from domain.records import EventRecord
from projections.patterns.alerts import Alert
from projections.patterns.detectors import PATTERNS
from projections.patterns.glossary import Glossary
from projections.patterns.history import change_days, change_offsets, first_raised
from projections.patterns.household import HOUSEHOLD_PATTERNS, HouseholdFacts
from projections.patterns.settings import PatternConfig
from projections.patterns.timeline import Item, Timeline, build_timeline, item_of


class UnknownPattern(ValueError):
    pass


def evaluate_child(
    records: Iterable[EventRecord],
    child_ref: str,
    as_at: date,
    config: PatternConfig,
    glossary: Glossary,
    patterns: Sequence[str] | None = None,
) -> list[Alert]:
    """The alerts for one child's event records (entries only; other records are ignored)."""
    items = [item_of(r) for r in records if "entry_id" in r]
    return evaluate_items(items, child_ref, as_at, config, glossary, patterns)


def evaluate_items(
    items: Iterable[Item],
    child_ref: str,
    as_at: date,
    config: PatternConfig,
    glossary: Glossary,
    patterns: Sequence[str] | None = None,
    household: HouseholdFacts | None = None,
) -> list[Alert]:
    """The alerts holding on `as_at` for one child's entries, as read models keep them
    (`pattern_items_by_child`), each with its id and the day it was first raised; with the
    `household`'s facts, those of the patterns about adults after them (one timeline for both)."""
    names = [n for n in pattern_names(patterns) if n in PATTERNS]
    timeline = build_timeline(child_ref, items, as_at)
    alerts = [
        alert.living(first_raised(alert, timeline, config, glossary), as_at)
        for alert in _raised(timeline, names, config, glossary)
    ]
    alerts.sort(key=_alert_order)
    if household is None:
        return alerts
    return alerts + _household_alerts(timeline, household, patterns, config, glossary)


def evaluate_household(
    items: Iterable[Item],
    child_ref: str,
    as_at: date,
    facts: HouseholdFacts,
    config: PatternConfig,
    glossary: Glossary,
    patterns: Sequence[str] | None = None,
) -> list[Alert]:
    """The patterns about the adults around the child holding on `as_at`, from facts already
    scoped to the viewer (`projections.household_view.household_facts`)."""
    timeline = build_timeline(child_ref, items, as_at)
    return _household_alerts(timeline, facts, patterns, config, glossary)


def _household_alerts(
    timeline: Timeline,
    facts: HouseholdFacts,
    patterns: Sequence[str] | None,
    config: PatternConfig,
    glossary: Glossary,
) -> list[Alert]:
    names = [n for n in pattern_names(patterns) if n in HOUSEHOLD_PATTERNS]
    as_at = timeline.as_at

    def gaps_open_on(day: date) -> list[Item]:
        """The entries of the practice gaps open on `day` (a gap counts as a concern does)."""
        then = timeline.until(day)
        by_id = {i.id: i for i in then.items}
        gaps = _raised(then, list(PATTERNS), config, glossary)
        return [by_id[e] for a in gaps if a.severity == "practice" for e in a.evidence]

    alerts = [
        alert.living(date.fromisoformat(alert.first_raised), as_at)
        for name in names
        for alert in HOUSEHOLD_PATTERNS[name](timeline, facts, config[name], gaps_open_on)
    ]
    return sorted(alerts, key=_alert_order)


def alerts_in_period(
    items: Iterable[Item],
    child_ref: str,
    from_day: date,
    to_day: date,
    config: PatternConfig,
    glossary: Glossary,
    patterns: Sequence[str] | None = None,
) -> list[Alert]:
    """Every alert that held on any day from `from_day` to `to_day`, for a case review.

    Each is reported for the last day it held in the period (`as_at`), with the evidence and
    explanation of that day, from the entries up to that day only; `resolved_at` is the first
    day it no longer held, if that is in the period.
    """
    names = [n for n in pattern_names(patterns) if n in PATTERNS]
    whole = build_timeline(child_ref, items, to_day)
    offsets = {o for n in names for o in change_offsets(config[n])}
    days = [from_day, *(d for d in change_days(whole.source, offsets) if from_day < d <= to_day)]
    holding: dict[tuple[str, str], Alert] = {}
    ended: list[Alert] = []
    for day in days:
        timeline = whole.until(day)
        now = {a.key: a for a in _raised(timeline, names, config, glossary)}
        for key, alert in now.items():
            before = holding.get(key)
            if before is not None:
                raised = date.fromisoformat(before.first_raised)
            elif day == from_day or alert.first_raised:
                raised = first_raised(alert, timeline, config, glossary)
            else:
                raised = day
            holding[key] = alert.living(raised, day)
        for key in [k for k in holding if k not in now]:
            last = holding.pop(key)
            ended.append(
                last.living(date.fromisoformat(last.first_raised), day - timedelta(days=1), day)
            )
    still = [a.living(date.fromisoformat(a.first_raised), to_day) for a in holding.values()]
    return sorted(ended + still, key=lambda a: (a.first_raised, *_alert_order(a)))


def pattern_names(patterns: Sequence[str] | None) -> list[str]:
    known = [*PATTERNS, *HOUSEHOLD_PATTERNS]
    names = list(patterns or known)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UnknownPattern(f"unknown pattern(s): {', '.join(unknown)}; one of {', '.join(known)}")
    return names


def _raised(
    timeline: Timeline, names: Sequence[str], config: PatternConfig, glossary: Glossary
) -> list[Alert]:
    return [a for n in names for a in PATTERNS[n](timeline, config[n], glossary)]


def _alert_order(alert: Alert) -> tuple[str, tuple[str, ...], str]:
    return (alert.pattern, alert.evidence, alert.subject)
