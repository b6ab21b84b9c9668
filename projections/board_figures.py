"""The partnership board's figures for a period and a cohort, as raw counts (not yet published).

Pure: each child's entries as the detectors see them in, counts out. Where a figure asks the same
question as a pattern ("was the child's voice known to the decider?", "was the closure checked
with a partner?") it asks the pattern's own detector, so the rule is written once.
`projections.published_figures` applies small-number suppression before anything is shown.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import median

from domain.errors import DomainError
from domain.vocabulary import CONCERN_CATEGORIES, SPOKEN_CHANNELS
from projections.patterns.alerts import Alert
from projections.patterns.detectors import PATTERNS
from projections.patterns.evaluation import alerts_in_period
from projections.patterns.glossary import Glossary
from projections.patterns.settings import PatternConfig
from projections.patterns.timeline import Item, Timeline, build_timeline

AGE_BANDS = ("under 1", "1 to 4", "5 to 9", "10 to 15", "16 and over", "not known")
FOLLOW_UP_WORKING_DAYS = 5
DECISIONS = ("assessment", "closure")  # the transfer points a child's voice should inform


class UnknownFilter(DomainError):
    """A filter naming something the partnership does not have."""

    def __init__(self, field_name: str, value: str, choices: Iterable[str]) -> None:
        super().__init__(field_name, f"{value!r} is not one of {', '.join(choices) or 'none'}")


@dataclass(frozen=True)
class Cohort:
    """The period and the children the figures are about; each filter left empty means all."""

    from_day: date
    to_day: date
    agency: str = ""
    age_band: str = ""
    concern: str = ""

    def __post_init__(self) -> None:
        if self.to_day < self.from_day:
            raise DomainError("to", f"{self.to_day} is before the period's start {self.from_day}")
        if self.age_band and self.age_band not in AGE_BANDS:
            raise UnknownFilter("age_band", self.age_band, AGE_BANDS)

    def holds(self, item: Item) -> bool:
        return self.from_day <= item.day <= self.to_day

    @property
    def months(self) -> list[str]:
        first = self.from_day.year * 12 + self.from_day.month - 1
        last = self.to_day.year * 12 + self.to_day.month - 1
        return [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(first, last + 1)]


@dataclass(frozen=True)
class Proportion:
    """How many of a base met a standard."""

    met: int = 0
    base: int = 0


@dataclass
class AgencyPractice:
    """How one agency practised information sharing in the period."""

    agency: str
    requests: int = 0  # requests made to it in the period
    answered_by_due: Proportion = Proportion()  # of those due by the period's end
    answer_days: list[int] = field(default_factory=list)  # of those answered
    followed_up_in_writing: Proportion = Proportion()  # its verbal shares
    voice_known_at_decision: Proportion = Proportion()  # its assessments and closures
    closures_checked: Proportion = Proportion()  # its closures


@dataclass(frozen=True)
class BoardFigures:
    """Raw counts: `raised[month][pattern]`, `resolved[...]`, `entries[month][agency]`."""

    cohort: Cohort
    patterns: list[str]
    agencies: list[str]
    raised: dict[str, Counter[str]]
    resolved: dict[str, Counter[str]]
    entries: dict[str, Counter[str]]
    practice: list[AgencyPractice]
    children: int


def age_band(born: str | None, on: date) -> str:
    if not born:
        return AGE_BANDS[-1]
    birth = date.fromisoformat(born[:10])
    years = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    if years < 1:
        return AGE_BANDS[0]
    bounds = ((4, 1), (9, 2), (15, 3))
    return next((AGE_BANDS[band] for upper, band in bounds if years <= upper), AGE_BANDS[4])


def known_to(agency: str, item: Item) -> bool:
    return item.agency == agency or agency in item.to_agencies


def in_cohort(items: Sequence[Item], born: str | None, cohort: Cohort) -> bool:
    """A child is in the cohort with an entry in the period that meets every filter given."""
    during = [i for i in items if cohort.holds(i)]
    if not during or (cohort.age_band and age_band(born, cohort.to_day) != cohort.age_band):
        return False
    if cohort.agency and not any(known_to(cohort.agency, i) for i in during):
        return False
    return not cohort.concern or any(cohort.concern in i.concerns for i in during)


def add_working_days(start: date, days: int) -> date:
    """The day `days` working days (Monday to Friday; bank holidays not known) after `start`."""
    end = start
    while days:
        end += timedelta(days=1)
        days -= end.weekday() < 5
    return end


def percentile(values: Sequence[int], share: float) -> int:
    """The nearest-rank percentile: a value that was observed, never an interpolation."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def median_days(values: Sequence[int]) -> float:
    return float(median(values))


class PeriodAlerts:
    """Each child's alerts over a period (`alerts_in_period`), kept while the chronology they
    came from is unchanged: evaluating a child's period is the board's dear part (0.1-0.2 s a
    child, measured on a 300-child synthetic partnership), and the filters only choose among
    children, so a changed filter re-evaluates nobody."""

    def __init__(self, config: PatternConfig, glossary: Glossary) -> None:
        self.config = config
        self.glossary = glossary
        self._version: object = None
        self._kept: dict[tuple[str, date, date], list[Alert]] = {}

    def for_version(
        self, version: object, config: PatternConfig, glossary: Glossary
    ) -> PeriodAlerts:
        """Forget everything kept when the chronology (or the patterns' settings) is no longer
        the one it came from."""
        version = (version, id(config), id(glossary))
        if version != self._version:
            self._kept = {}
            self._version = version
            self.config, self.glossary = config, glossary
        return self

    def __call__(self, child: str, items: Sequence[Item], first: date, last: date) -> list[Alert]:
        key = (child, first, last)
        found = self._kept.get(key)
        if found is None:
            found = alerts_in_period(items, child, first, last, self.config, self.glossary)
            self._kept[key] = found
        return found


def board_figures(
    items_by_child: Mapping[str, Sequence[Item]],
    births: Mapping[str, str | None],
    cohort: Cohort,
    config: PatternConfig,
    glossary: Glossary,
    period_alerts: PeriodAlerts | None = None,
) -> BoardFigures:
    if cohort.concern:
        known = set(CONCERN_CATEGORIES) | {
            c for items in items_by_child.values() for i in items for c in i.concerns
        }
        if cohort.concern not in known:
            raise UnknownFilter("concern", cohort.concern, sorted(known))
    period_alerts = period_alerts or PeriodAlerts(config, glossary)
    children = sorted(
        child
        for child, items in items_by_child.items()
        if in_cohort(items, births.get(child), cohort)
    )
    months = cohort.months
    raised: dict[str, Counter[str]] = {m: Counter() for m in months}
    resolved: dict[str, Counter[str]] = {m: Counter() for m in months}
    entries: dict[str, Counter[str]] = {m: Counter() for m in months}
    counted: set[str] = set()
    practice: dict[str, _Tally] = {}
    for child in children:
        items = items_by_child[child]
        for alert in period_alerts(child, items, cohort.from_day, cohort.to_day):
            if cohort.from_day.isoformat() <= alert.first_raised[:10]:
                raised[alert.first_raised[:7]][alert.pattern] += 1
            if alert.resolved_at:
                resolved[alert.resolved_at[:7]][alert.pattern] += 1
        for item in items:
            if cohort.holds(item) and item.id not in counted:
                entries[item.occurred_at[:7]][item.agency] += 1
        _tally_practice(child, items, cohort, config, glossary, practice, counted)
        counted.update(i.id for i in items if cohort.holds(i))
    shown_agencies = sorted(
        {a for month in entries.values() for a in month} | set(practice)
        if not cohort.agency
        else {cohort.agency}
    )
    return BoardFigures(
        cohort=cohort,
        patterns=list(PATTERNS),
        agencies=shown_agencies,
        raised=raised,
        resolved=resolved,
        entries={
            m: Counter({a: n for a, n in c.items() if a in shown_agencies})
            for m, c in entries.items()
        },
        practice=[practice.get(a, _Tally()).of(a) for a in shown_agencies],
        children=len(children),
    )


@dataclass
class _Tally:
    requests: set[str] = field(default_factory=set)
    due: set[str] = field(default_factory=set)
    answered_by_due: set[str] = field(default_factory=set)
    answer_days: dict[str, int] = field(default_factory=dict)
    verbal_shares: set[str] = field(default_factory=set)
    followed_up: set[str] = field(default_factory=set)
    decisions: set[tuple[str, str]] = field(default_factory=set)
    voice_known: set[tuple[str, str]] = field(default_factory=set)
    closures: set[tuple[str, str]] = field(default_factory=set)
    checked: set[tuple[str, str]] = field(default_factory=set)

    def of(self, agency: str) -> AgencyPractice:
        return AgencyPractice(
            agency,
            requests=len(self.requests),
            answered_by_due=Proportion(len(self.answered_by_due), len(self.due)),
            answer_days=sorted(self.answer_days.values()),
            followed_up_in_writing=Proportion(len(self.followed_up), len(self.verbal_shares)),
            voice_known_at_decision=Proportion(len(self.voice_known), len(self.decisions)),
            closures_checked=Proportion(len(self.checked), len(self.closures)),
        )


def _tally_practice(
    child: str,
    items: Sequence[Item],
    cohort: Cohort,
    config: PatternConfig,
    glossary: Glossary,
    practice: dict[str, _Tally],
    counted: set[str],
) -> None:
    """Add one child's requests, verbal shares and decisions in the period to their agencies'
    tallies (an entry about several children counts once; a decision counts per child)."""
    timeline = build_timeline(child, items, cohort.to_day)
    first_reply: dict[str, Item] = {}
    followups: dict[str, Item] = {}
    for item in timeline.items:
        if item.kind == "response" and item.refers_to not in first_reply:
            first_reply[item.refers_to] = item
        elif item.kind == "followup" and item.refers_to not in followups:
            followups[item.refers_to] = item
    for item in timeline.items:
        if not cohort.holds(item) or item.id in counted:
            continue
        if item.kind == "request":
            for asked in item.to_agencies:
                _tally_request(practice.setdefault(asked, _Tally()), item, first_reply, cohort)
        elif item.kind == "share" and item.channel in SPOKEN_CHANNELS:
            due = add_working_days(item.day, FOLLOW_UP_WORKING_DAYS)
            if due <= cohort.to_day:
                tally = practice.setdefault(item.agency, _Tally())
                tally.verbal_shares.add(item.id)
                written = followups.get(item.id)
                if written is not None and written.day <= due:
                    tally.followed_up.add(item.id)
    points = [i for i in timeline.kind("transfer") if cohort.holds(i) and i.transfer in DECISIONS]
    if not points:
        return
    unheard = _flagged(timeline, "voice_absent", config, glossary)
    unchecked = _flagged(timeline, "closed_without_partnership_check", config, glossary)
    for point in points:
        tally = practice.setdefault(point.agency, _Tally())
        decision = (child, point.id)
        tally.decisions.add(decision)
        if point.id not in unheard:
            tally.voice_known.add(decision)
        if point.transfer == "closure":
            tally.closures.add(decision)
            if point.id not in unchecked:
                tally.checked.add(decision)


def _tally_request(
    tally: _Tally, request: Item, first_reply: Mapping[str, Item], cohort: Cohort
) -> None:
    tally.requests.add(request.id)
    reply = first_reply.get(request.id)
    if reply is not None and reply.day <= cohort.to_day:
        tally.answer_days[request.id] = (reply.day - request.day).days
    if request.due_by and request.due_by[:10] <= cohort.to_day.isoformat():
        tally.due.add(request.id)
        if reply is not None and reply.occurred_at[:10] <= request.due_by[:10]:
            tally.answered_by_due.add(request.id)


def _flagged(
    timeline: Timeline, pattern: str, config: PatternConfig, glossary: Glossary
) -> set[str]:
    """The entries a pattern's detector raises an alert about (its subjects)."""
    return {a.subject for a in PATTERNS[pattern](timeline, config[pattern], glossary)}
