"""Running the detectors for one child, or for every child in the read models."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from domain.records import EventRecord
from projections.patterns.alerts import Alert
from projections.patterns.detectors import PATTERNS
from projections.patterns.glossary import Glossary
from projections.patterns.settings import PatternConfig
from projections.patterns.timeline import Item, build_timeline, item_of


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
) -> list[Alert]:
    """The alerts for one child's entries, as read models keep them (`pattern_items_by_child`)."""
    names = list(patterns or PATTERNS)
    unknown = [n for n in names if n not in PATTERNS]
    if unknown:
        raise UnknownPattern(
            f"unknown pattern(s): {', '.join(unknown)}; one of {', '.join(PATTERNS)}"
        )
    timeline = build_timeline(child_ref, items, as_at)
    alerts = [a for n in names for a in PATTERNS[n](timeline, config[n], glossary)]
    return sorted(alerts, key=lambda a: (a.pattern, a.evidence))
