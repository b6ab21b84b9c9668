"""The board's figures as they may leave the system: every count suppressed by
`projections.suppression`, so the page, the report and its exports show the same safe numbers.

Shapes are plain dicts and lists (the report's JSON), a suppressed value is the string `<5`, and a
figure with nothing to measure is `None`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from projections.board_figures import (
    AgencyPractice,
    BoardFigures,
    Proportion,
    median_days,
    percentile,
)
from projections.suppression import (
    SUPPRESSED,
    ProtectedTable,
    Shown,
    is_small,
    protect,
    rate_is_disclosive,
    shown_count,
)

P90 = 0.9
Figure = Shown | float | None


@dataclass(frozen=True)
class PublishedFigures:
    """What the Partnership page and `fullpicture report` show, suppressed."""

    period: dict[str, str]
    filters: dict[str, str]
    children: Shown
    patterns_by_month: list[dict[str, Any]]
    pattern_totals: list[dict[str, Any]]
    entries_by_month: list[dict[str, Any]]
    entry_totals: dict[str, Any]
    agencies: list[dict[str, Any]]
    partnership: dict[str, Figure]
    suppressed: int

    def as_json(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "filters": self.filters,
            "children": self.children,
            "patterns_by_month": self.patterns_by_month,
            "pattern_totals": self.pattern_totals,
            "entries_by_month": self.entries_by_month,
            "entry_totals": self.entry_totals,
            "agencies": self.agencies,
            "partnership": self.partnership,
            "suppressed": self.suppressed,
        }


def percent(share: Proportion) -> Figure:
    """A share as a percentage (one decimal), `<5` when it would give a small count away, None
    when there is nothing to measure."""
    if share.base == 0:
        return None
    if rate_is_disclosive(share.met, share.base):
        return SUPPRESSED
    return round(100.0 * share.met / share.base, 1)


def days_figure(days: Sequence[int], measure: Callable[[Sequence[int]], float]) -> Figure:
    """A median or percentile of days, `<5` when it rests on 1-4 requests (it would be one of
    them), None when none was answered."""
    if not days:
        return None
    return SUPPRESSED if is_small(len(days)) else measure(days)


def agency_row(practice: AgencyPractice) -> tuple[dict[str, Any], int]:
    """One agency's practice measures, and how many of them were suppressed."""
    row: dict[str, Any] = {
        "agency": practice.agency,
        "requests": shown_count(practice.requests),
        "answered_by_due_pct": percent(practice.answered_by_due),
        "answer_days_median": days_figure(practice.answer_days, median_days),
        "answer_days_p90": days_figure(practice.answer_days, lambda d: percentile(d, P90)),
        "followed_up_in_writing_pct": percent(practice.followed_up_in_writing),
        "voice_known_at_decision_pct": percent(practice.voice_known_at_decision),
        "closures_checked_pct": percent(practice.closures_checked),
    }
    return row, sum(value == SUPPRESSED for value in row.values())


def publish(figures: BoardFigures) -> PublishedFigures:
    months, patterns, agencies = figures.cohort.months, figures.patterns, figures.agencies
    raised = protect([[figures.raised[m][p] for p in patterns] for m in months])
    resolved = protect([[figures.resolved[m][p] for p in patterns] for m in months])
    entries = protect([[figures.entries[m][a] for a in agencies] for m in months])
    rows = [agency_row(p) for p in figures.practice]
    partnership, partnership_suppressed = _partnership_row(figures.practice)
    children = shown_count(figures.children)
    cohort = figures.cohort
    return PublishedFigures(
        period={"from": cohort.from_day.isoformat(), "to": cohort.to_day.isoformat()},
        filters={"agency": cohort.agency, "age_band": cohort.age_band, "concern": cohort.concern},
        children=children,
        patterns_by_month=[
            {
                "month": month,
                "pattern": pattern,
                "raised": raised.cells[r][c],
                "resolved": resolved.cells[r][c],
            }
            for r, month in enumerate(months)
            for c, pattern in enumerate(patterns)
        ],
        pattern_totals=[
            {"pattern": "all patterns", "month": month, **_totals(raised, resolved, r, "row")}
            for r, month in enumerate(months)
        ]
        + [
            {"pattern": pattern, "month": "all months", **_totals(raised, resolved, c, "column")}
            for c, pattern in enumerate(patterns)
        ]
        + [
            {
                "pattern": "all patterns",
                "month": "all months",
                "raised": raised.grand_total,
                "resolved": resolved.grand_total,
            }
        ],
        entries_by_month=[
            {"month": month, "agency": agency, "entries": entries.cells[r][c]}
            for r, month in enumerate(months)
            for c, agency in enumerate(agencies)
        ],
        entry_totals={
            "by_month": [
                {"month": m, "entries": entries.row_totals[r]} for r, m in enumerate(months)
            ],
            "by_agency": [
                {"agency": a, "entries": entries.column_totals[c]} for c, a in enumerate(agencies)
            ],
            "all": entries.grand_total,
        },
        agencies=[row for row, _ in rows],
        partnership=partnership,
        suppressed=raised.suppressed
        + resolved.suppressed
        + entries.suppressed
        + sum(n for _, n in rows)
        + partnership_suppressed
        + (children == SUPPRESSED),
    )


def _totals(
    raised: ProtectedTable, resolved: ProtectedTable, index: int, line: str
) -> dict[str, Any]:
    if line == "row":
        return {"raised": raised.row_totals[index], "resolved": resolved.row_totals[index]}
    return {"raised": raised.column_totals[index], "resolved": resolved.column_totals[index]}


def _partnership_row(practice: Sequence[AgencyPractice]) -> tuple[dict[str, Figure], int]:
    """The shares across every agency shown (each verbal share and decision has one agency)."""

    def pooled(measure: Callable[[AgencyPractice], Proportion]) -> Proportion:
        return Proportion(
            sum(measure(p).met for p in practice), sum(measure(p).base for p in practice)
        )

    row = {
        "followed_up_in_writing_pct": percent(pooled(lambda p: p.followed_up_in_writing)),
        "voice_known_at_decision_pct": percent(pooled(lambda p: p.voice_known_at_decision)),
        "closures_checked_pct": percent(pooled(lambda p: p.closures_checked)),
    }
    return row, sum(value == SUPPRESSED for value in row.values())
