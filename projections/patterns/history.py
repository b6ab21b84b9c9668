"""When an alert was first raised, and the days on which any alert could start or stop holding.

A detector's answer can only change on a day some entry starts or stops counting: the day it
happened (or a correction took effect, or a request fell due) plus a whole number of one of the
pattern's day settings (a window, a grace period). Between two such change days every alert holds,
with the same evidence, or does not; so an alert's life is found by evaluating the detectors on
change days alone, each time with only the entries up to that day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from projections.patterns.alerts import Alert
from projections.patterns.detectors import PATTERNS
from projections.patterns.glossary import Glossary
from projections.patterns.settings import PatternConfig
from projections.patterns.timeline import Item, Timeline, counts_from

Settings = dict[str, object]


def change_offsets(settings: Settings) -> set[int]:
    """Days after an entry's date on which a pattern's answer may change (0: the entry arrives;
    a window, and twice it for a window compared with the one before; a grace period, plus one)."""
    offsets = {0}
    for key, value in settings.items():
        if not isinstance(value, int) or isinstance(value, bool):
            continue
        if key.endswith("_working_days"):
            # N working days span N to N + two days a weekend (holidays may add more).
            offsets |= set(range(value, value + 2 * (value // 5 + 1) + 2))
        elif key.endswith("_days"):
            offsets |= {value, value + 1, 2 * value}
        elif key.endswith("_hours"):
            whole_days = value // 24
            offsets |= {whole_days, whole_days + 1, whole_days + 2}
    return offsets


def change_days(items: Iterable[Item], offsets: Iterable[int]) -> list[date]:
    """Every day on which an answer built from these entries and offsets may change, in order."""
    starts: set[date] = set()
    for item in items:
        starts.add(item.day)
        if item.kind == "correction":
            starts.add(counts_from(item))
        if item.due_by:
            starts.add(date.fromisoformat(item.due_by[:10]))
    steps = [timedelta(days=o) for o in sorted(set(offsets))]
    return sorted({start + step for start in starts for step in steps})


def first_raised(
    alert: Alert, timeline: Timeline, config: PatternConfig, glossary: Glossary
) -> date:
    """The first day of the unbroken run of days, ending on the timeline's day, on which the
    alert held.

    Detectors that know it (a gap opens on a fixed day) say so; otherwise the pattern is evaluated
    on the change days before, latest first, until the alert did not hold.
    """
    if alert.first_raised:
        return date.fromisoformat(alert.first_raised)
    offsets = change_offsets(config[alert.pattern])
    days = [d for d in change_days(timeline.source, offsets) if d <= timeline.as_at]
    if not days:
        return timeline.as_at
    first = days[-1]  # the alert holds from here to the timeline's day: nothing changes between
    detector, settings = PATTERNS[alert.pattern], config[alert.pattern]
    for day in reversed(days[:-1]):
        if not any(a.key == alert.key for a in detector(timeline.until(day), settings, glossary)):
            break
        first = day
    return first
