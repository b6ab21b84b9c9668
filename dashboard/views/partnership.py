"""Partnership: the analyst's board figures for a period and cohort, in counts that name no
child, small numbers suppressed (the same figures `fullpicture report` writes).

The page is a list of blocks, each a function of the figures, so another block can be added
beside them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import data, session
from domain.errors import DomainError
from domain.scopes import AccessRefused
from domain.vocabulary import CONCERN_CATEGORIES
from fullpicture.board_report import PRACTICE_MEASURES, SUPPRESSION_NOTE, board_report
from fullpicture.presentation import agency_name, uk_date
from projections.board_figures import AGE_BANDS, Cohort
from projections.published_figures import PublishedFigures
from projections.suppression import SUPPRESSED, protect

ALL = "All"
MIME_TYPES = {"pdf": "application/pdf", "csv": "text/csv", "json": "application/json"}


def chosen_cohort(names: dict[str, str]) -> Cohort:
    """The period and filters, from the controls at the top of the page."""
    today = date.today()
    period, agency, band, concern = st.columns([2, 2, 1, 2])
    chosen = period.date_input(
        "Period",
        value=(today.replace(day=1) - timedelta(days=365), today),
        max_value=today,
        format="DD/MM/YYYY",
    )
    first, last = chosen if isinstance(chosen, tuple) and len(chosen) == 2 else (today, today)
    codes = [ALL, *sorted(names, key=lambda c: names[c])]
    picked = agency.selectbox(
        "Agency", codes, format_func=lambda c: c if c == ALL else agency_name(names, c)
    )
    age = band.selectbox("Age band", [ALL, *AGE_BANDS])
    category = concern.selectbox(
        "Concern category", [ALL, *CONCERN_CATEGORIES], format_func=lambda c: c.replace("_", " ")
    )
    return Cohort(
        first,
        last,
        agency="" if picked == ALL else picked,
        age_band="" if age == ALL else age,
        concern="" if category == ALL else category,
    )


SUPPRESSED_SHARE = (
    "<5 means suppressed: 1 to 4 people or entries met the standard, missed it, or were measured, "
    "and a percentage would give them away."
)


def headline(figures: PublishedFigures) -> None:
    left, middle, right, far = st.columns(4)
    left.metric("Children in the cohort", _shown(figures.children))
    partnership = figures.partnership
    for column, label, key in (
        (middle, "Verbal shares followed up in writing", "followed_up_in_writing_pct"),
        (right, "Child's voice known at assessment or closure", "voice_known_at_decision_pct"),
        (far, "Closures checked with partners", "closures_checked_pct"),
    ):
        column.metric(label, _percent(partnership[key]), help=SUPPRESSED_SHARE)


def practice_measures(figures: PublishedFigures, names: dict[str, str]) -> None:
    st.subheader("How each agency shares information")
    rows = [
        {
            "Agency": agency_name(names, row["agency"]),
            **{label: _shown(row[key]) for key, label in PRACTICE_MEASURES.items()},
        }
        for row in figures.agencies
    ]
    st.dataframe(rows, hide_index=True, width="stretch")
    st.bar_chart(
        {
            "answered by due date (%)": _by_agency(figures, names, "answered_by_due_pct"),
            "confirmed in writing (%)": _by_agency(figures, names, "followed_up_in_writing_pct"),
        },
        stack=False,
    )


def pattern_trends(figures: PublishedFigures) -> None:
    st.subheader("Pattern alerts raised and resolved per month")
    totals = figures.pattern_totals[:-1]
    by_month = [t for t in totals if t["pattern"] == "all patterns"]
    st.bar_chart(
        _chart_data(
            {
                "raised": {_month(t["month"]): _number(t["raised"]) for t in by_month},
                "resolved": {_month(t["month"]): _number(t["resolved"]) for t in by_month},
            }
        ),
        stack=False,
    )
    patterns = list(dict.fromkeys(r["pattern"] for r in figures.patterns_by_month))
    raised: dict[str, dict[Any, float | None]] = {p: {} for p in patterns}
    for cell in figures.patterns_by_month:
        raised[cell["pattern"]][_month(cell["month"])] = _number(cell["raised"])
    shown = {p.replace("_", " "): months for p, months in raised.items() if any(months.values())}
    if shown:
        st.caption("Raised per pattern and month")
        st.line_chart(_chart_data(shown))
    st.dataframe(
        [
            {
                "Pattern": t["pattern"].replace("_", " "),
                "Raised": _shown(t["raised"]),
                "Resolved": _shown(t["resolved"]),
            }
            for t in totals
            if t["month"] == "all months"
        ],
        hide_index=True,
    )


def entries_by_agency(figures: PublishedFigures, names: dict[str, str]) -> None:
    st.subheader("Entries by agency and month")
    series: dict[str, dict[Any, float | None]] = {}
    for cell in figures.entries_by_month:
        name = agency_name(names, cell["agency"])
        series.setdefault(name, {})[_month(cell["month"])] = _number(cell["entries"])
    st.bar_chart(_chart_data(series))


def recorded_so_far(user: str) -> None:
    """Concern categories and share channels over everything recorded (not the cohort), each a
    one-column table published with its total and suppressed like the rest."""
    counts = data.queries().partnership_figures(user, data.today())
    st.subheader("Everything recorded so far: concern categories and channels of shares")
    left, right = st.columns(2)
    for column, key, label in ((left, "concerns", "entries"), (right, "channels", "shares")):
        found = data.rows(counts[key])
        table = protect([[row["count"]] for row in found])
        column.dataframe(
            [
                {key[:-1].replace("_", " "): row["key"].replace("_", " "), label: _shown(n[0])}
                for row, n in zip(found, table.cells, strict=True)
            ]
            + [{key[:-1]: "all", label: _shown(table.grand_total)}],
            hide_index=True,
        )


def closing_the_loop(user: str) -> None:
    """Time to acknowledge and overdue tasks per agency (figures only)."""
    st.subheader("Closing the loop: acknowledgements and overdue tasks by agency")
    loop = data.queries().practice_loop_figures(user, data.today())
    acknowledging, tasks_overdue = st.columns(2)
    acknowledging.caption("Time to acknowledge what an agency received (calendar days)")
    acknowledging.dataframe(loop["time_to_acknowledge"], hide_index=True, width="stretch")
    tasks_overdue.caption("Open tasks past their due date, by the owner's agency")
    tasks_overdue.dataframe(
        [{"agency": agency, "overdue tasks": n} for agency, n in loop["overdue_tasks"].items()],
        hide_index=True,
        width="stretch",
    )


def downloads(figures: PublishedFigures, names: dict[str, str], user: str) -> None:
    """The same figures as `fullpicture report` writes them, built when clicked."""
    stamp = f"{figures.period['from']}-to-{figures.period['to']}"
    for column, kind in zip(st.columns(len(MIME_TYPES)), MIME_TYPES, strict=True):
        column.download_button(
            f"Board report ({kind.upper()})",
            _report_of(figures, kind, names, user),
            f"board-report-{stamp}.{kind}",
            MIME_TYPES[kind],
            on_click="ignore",
        )


def _report_of(
    figures: PublishedFigures, kind: str, names: dict[str, str], user: str
) -> Callable[[], str | bytes]:
    def build() -> str | bytes:
        from domain.clock import now

        return board_report(figures, kind, names, user, now().isoformat())

    return build


def _by_agency(figures: PublishedFigures, names: dict[str, str], key: str) -> dict[str, Any]:
    return {agency_name(names, row["agency"]): _number(row[key]) for row in figures.agencies}


def _month(month: str) -> pd.Timestamp:
    """A month as a time, so charts keep time order and label it in words (`Mar 2025`)."""
    return pd.Timestamp(f"{month}-01")


def _chart_data(series: dict[str, dict[Any, float | None]]) -> pd.DataFrame:
    return pd.DataFrame(series)


def _number(value: Any) -> float | None:
    """A chart's value: a suppressed or missing one is left out, never drawn."""
    return None if value is None or value == SUPPRESSED else float(value)


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _percent(value: Any) -> str:
    return _shown(value) + ("%" if isinstance(value, float) else "")


st.title("Partnership")
names = data.agency_names()
user = session.user()
try:
    cohort = chosen_cohort(names)
    # Everything but the alert trends first (a second); the trends, which evaluate every
    # child's patterns over the period, after it (kept for the next look at the same period).
    quick = data.queries().board_figures(user, cohort, with_trends=False)
except AccessRefused as refused:
    st.error(refused.message)
    st.stop()
except DomainError as problem:
    st.error(str(problem))
    st.stop()
st.caption(f"{uk_date(quick.period['from'])} to {uk_date(quick.period['to'])}. {SUPPRESSION_NOTE}")
headline(quick)
practice_measures(quick, names)
entries_by_agency(quick, names)
with st.spinner("Working out the alert trends (the first time for a period takes a while)…"):
    figures = data.queries().board_figures(user, cohort)
pattern_trends(figures)
recorded_so_far(user)
closing_the_loop(user)
downloads(figures, names, user)
