"""Every dashboard page, driven headless with Streamlit's AppTest on a synthetic partnership."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from consumers.store_feed import catch_up
from fullpicture import config
from fullpicture.bootstrap import bootstrap
from fullpicture.config import load_settings
from fullpicture.synthetic import generate_partnership, record_partnership
from projections.alerts import stored_alerts

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")


@pytest.fixture(scope="module")
def demo_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    state = tmp_path_factory.mktemp("dashboard") / "state"
    wiring = bootstrap(load_settings({config.STATE_DIR: str(state)}))
    data = generate_partnership(children=60, seed=5, today=date.today())
    record_partnership(wiring.partnership, data)
    catch_up(wiring.partnership, wiring.read_models)
    wiring.close()
    return state


@pytest.fixture
def app(demo_state: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    monkeypatch.setenv(config.STATE_DIR, str(demo_state))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield AppTest.from_file(APP, default_timeout=30)
    st.cache_resource.clear()


def open_page(app: AppTest, page: str) -> AppTest:
    app.run()
    if page != "chronology":
        app.switch_page(f"pages/{page}.py").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_the_chronology_deep_link_shows_entries_from_every_agency(app: AppTest) -> None:
    app.query_params["child"] = "C-00002"
    open_page(app, "chronology")
    assert app.selectbox[0].value == "C-00002"
    table = app.dataframe[0].value
    assert len(table) > 10
    assert table["agency"].nunique() >= 3
    assert any("The child's voice" in s.value for s in app.success)


def test_known_by_replays_what_one_agency_knew(app: AppTest) -> None:
    app.query_params["child"] = "C-00002"
    open_page(app, "chronology")
    everything = len(app.dataframe[0].value)
    app.selectbox[1].set_value("school-elm").run()
    known = app.dataframe[0].value
    assert 0 < len(known) < everything
    assert all(
        a == "school-elm" or "school-elm" in t
        for a, t in zip(known["agency"], known["to_agencies"], strict=True)
    )


def test_as_at_replays_the_timeline_to_a_date(app: AppTest) -> None:
    app.query_params["child"] = "C-00002"
    open_page(app, "chronology")
    everything = len(app.dataframe[0].value)
    app.toggle[0].set_value(True).run()
    app.date_input[0].set_value(date.today().replace(year=date.today().year - 1)).run()
    replayed = app.dataframe[0].value
    assert len(replayed) < everything
    assert (
        max(replayed["occurred_at"])
        <= date.today().replace(year=date.today().year - 1).isoformat() + "T23:59:59"
    )


def test_the_patterns_page_lists_alerts_with_a_drill_down(app: AppTest) -> None:
    open_page(app, "patterns")
    table = app.dataframe[0].value
    assert len(table) > 0
    assert {"child_ref", "pattern", "explanation"} <= set(table.columns)
    assert app.selectbox[0].options


def test_the_partnership_page_shows_the_analyst_figures(app: AppTest) -> None:
    open_page(app, "partnership")
    labels = [m.label for m in app.metric]
    assert "Verbal shares followed up in writing" in labels
    assert len(app.dataframe[0].value) > 0  # response times by agency


def test_the_requests_page_lists_what_is_overdue_and_waiting(app: AppTest) -> None:
    open_page(app, "requests")
    headers = [h.value for h in app.subheader]
    assert any(h.startswith("Overdue requests") for h in headers)
    assert len(app.dataframe[0].value) > 0


def test_the_record_form_shows_the_rule_broken_beside_the_field(app: AppTest) -> None:
    open_page(app, "record")
    app.text_input[0].set_value("P-DASH-1")
    app.text_input[1].set_value("C-00001")
    app.text_area[0].set_value("Police attended a noise complaint.")
    app.multiselect[0].set_value(["school-elm"])
    app.text_input[3].set_value("So the school can support the child.")
    app.button[0].click().run()
    errors = [e.value for e in app.error]
    assert any("lawful_basis" in e for e in errors)


def test_a_valid_share_recorded_in_the_form_is_stored(app: AppTest) -> None:
    open_page(app, "record")
    app.text_input[0].set_value("P-DASH-2")
    app.text_input[1].set_value("C-00001")
    app.text_area[0].set_value("Police attended a noise complaint.")
    app.multiselect[0].set_value(["school-elm"])
    app.text_input[3].set_value("So the school can support the child.")
    app.selectbox[2].set_value("public_task")
    app.button[0].click().run()
    assert [s.value for s in app.success] == ["Recorded police-north:P-DASH-2"]


def test_the_feeds_page_explains_embedded_mode(app: AppTest) -> None:
    open_page(app, "feeds")
    assert "Embedded mode" in app.info[0].value


def test_the_patterns_page_filters_by_severity_and_orders_by_severity_then_date(
    app: AppTest,
) -> None:
    open_page(app, "patterns")
    everything = app.dataframe[0].value
    assert list(everything["severity"]) == sorted(
        everything["severity"], key=["priority", "concern", "practice"].index
    )
    app.multiselect[0].set_value(["practice"]).run()
    practice = app.dataframe[0].value
    assert 0 < len(practice) < len(everything)
    assert set(practice["severity"]) == {"practice"}
    assert list(practice["first_raised"]) == sorted(practice["first_raised"], reverse=True)


def test_an_alert_s_link_opens_the_chronology_with_its_evidence_highlighted(
    app: AppTest,
) -> None:
    open_page(app, "patterns")
    query = parse_qs(urlsplit(app.dataframe[0].value["open"][0]).query)
    evidence = query["highlight"][0].split(",")
    app = AppTest.from_file(APP, default_timeout=30)
    app.query_params["child"] = query["child"][0]
    app.query_params["highlight"] = query["highlight"][0]
    open_page(app, "chronology")
    table = app.dataframe[0].value
    marked = set(table[table["evidence"] == "◆"]["id"])
    assert marked == set(evidence)
    assert any("The alert's evidence" in i.value for i in app.info)


def test_the_patterns_page_shows_and_filters_by_triage_state(
    app: AppTest, demo_state: Path
) -> None:
    wiring = bootstrap(load_settings({config.STATE_DIR: str(demo_state)}))
    [first, *_] = stored_alerts(wiring.read_models.db)
    wiring.partnership.review_alert(
        first.id, first.child_ref, first.pattern, first.evidence, "dismissed", "Known.", "analyst"
    )
    catch_up(wiring.partnership, wiring.read_models)
    wiring.close()
    open_page(app, "patterns")
    app.multiselect[3].set_value(["dismissed"]).run()
    [dismissed] = app.dataframe[0].value.to_dict("records")
    assert first.id in dismissed["ids"] and dismissed["triage"] == "dismissed"
    chronology = AppTest.from_file(APP, default_timeout=30)
    chronology.query_params["child"] = first.child_ref
    open_page(chronology, "chronology")
    assert any("by analyst: dismissed — Known." in c.value for c in chronology.caption)
