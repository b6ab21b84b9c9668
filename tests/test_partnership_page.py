"""The Partnership page shows the board figures `fullpicture report` writes: agency names, no count
of 1-4 in any table, and the same practice measures for the same period and filters."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from fullpicture import config
from fullpicture.board_report import PRACTICE_MEASURES
from fullpicture.bootstrap import bootstrap
from fullpicture.config import load_settings
from projections.board_figures import Cohort
from tests.test_dashboard import (
    APP,
    demo_state,  # noqa: F401 - the same synthetic partnership
    open_page,
    signed_in,
)


@pytest.fixture
def app(demo_state: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:  # noqa: F811
    monkeypatch.setenv(config.STATE_DIR, str(demo_state))
    st.cache_resource.clear()
    yield AppTest.from_file(APP, default_timeout=60)
    st.cache_resource.clear()


COUNT_COLUMNS = {PRACTICE_MEASURES["requests"], "Raised", "Resolved", "entries", "shares"}


def shown_counts(app: AppTest) -> list[str]:
    return [
        str(value)
        for frame in app.dataframe
        for column in frame.value.columns
        if column in COUNT_COLUMNS
        for value in frame.value[column]
    ]


def test_the_partnership_page_shows_the_report_figures_by_agency_name(
    app: AppTest,
    demo_state: Path,  # noqa: F811
) -> None:
    open_page(signed_in(app, "analyst"), "partnership")
    practice = app.dataframe[0].value
    assert list(practice.columns) == ["Agency", *PRACTICE_MEASURES.values()]
    assert "Elm Primary School" in list(practice["Agency"])
    wiring = bootstrap(load_settings({config.STATE_DIR: str(demo_state)}))
    today = date.today()
    cohort = Cohort(today.replace(day=1) - timedelta(days=365), today)
    figures = wiring.queries.board_figures("analyst", cohort)
    names = {a.code: a.name for a in wiring.partnership.agencies()}
    wiring.close()
    by_name = {names[row["agency"]]: row for row in figures.agencies}
    for _, row in practice.iterrows():
        expected = by_name[row["Agency"]]
        for key, label in PRACTICE_MEASURES.items():
            value = expected[key]
            assert row[label] == (
                "—" if value is None else f"{value:g}" if isinstance(value, float) else str(value)
            )


def test_no_table_on_the_partnership_page_shows_a_count_of_one_to_four(app: AppTest) -> None:
    open_page(signed_in(app, "analyst"), "partnership")
    counts = [c for c in shown_counts(app) if c.isdigit()]
    assert counts
    assert not [c for c in counts if 0 < int(c) < 5]


def test_filtering_by_agency_shows_that_agency_alone(app: AppTest) -> None:
    open_page(signed_in(app, "analyst"), "partnership")
    agency = next(s for s in app.selectbox if s.label == "Agency")
    agency.set_value("school-elm").run()
    assert not app.exception
    assert list(app.dataframe[0].value["Agency"]) == ["Elm Primary School"]
