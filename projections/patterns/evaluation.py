"""Running the detectors for one child, or for every child in the read models."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from domain.records import EventRecord
from projections.patterns.alerts import Alert
from projections.patterns.detectors import PATTERNS
from projections.patterns.glossary import Glossary
from projections.patterns.settings import PatternConfig
from projections.patterns.timeline import build_timeline


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
    names = list(patterns or PATTERNS)
    unknown = [n for n in names if n not in PATTERNS]
    if unknown:
        raise UnknownPattern(
            f"unknown pattern(s): {', '.join(unknown)}; one of {', '.join(PATTERNS)}"
        )
    timeline = build_timeline(child_ref, records, as_at)
    alerts = [a for n in names for a in PATTERNS[n](timeline, config[n], glossary)]
    return sorted(alerts, key=lambda a: (a.pattern, a.evidence))
