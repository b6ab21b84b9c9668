"""Every dashboard page, driven headless with Streamlit's AppTest on a synthetic partnership,
signed in as each of the demo's people: what each role sees, and what it is refused."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, timedelta
from datetime import time as time_of_day
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from consumers.store_feed import catch_up
from dashboard import session
from dashboard.navigation import PAGES
from domain import clock
from domain.access_log import AccessEvent
from fullpicture import config
from fullpicture.bootstrap import Wiring, bootstrap
from fullpicture.config import load_settings
from fullpicture.demo_accounts import DEMO_PASSWORD
from fullpicture.review_pack import scoped_export
from fullpicture.tools.demo import register_demo_people
from fullpicture.tools.synthetic import generate_partnership, record_partnership

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
REFUSED = "It is not part of your role."
# The demo's person for each role (fullpicture/tools/demo.py).
PERSON = {
    "practitioner": "police.practitioner",
    "safeguarding_lead": "school.lead",
    "case_reviewer": "reviewer",
    "analyst": "analyst",
    "administrator": "admin",
}
ALLOWED = {
    "practitioner": {"chronology", "my_work", "patterns", "requests", "record"},
    "safeguarding_lead": {"chronology", "my_work", "patterns", "requests", "record", "access_log"},
    "case_reviewer": {"chronology", "patterns", "requests", "record", "access_log"},
    "analyst": {"chronology", "patterns", "partnership"},
    "administrator": {"access_log", "feeds", "records"},
}


@pytest.fixture(scope="module")
def demo_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    state = tmp_path_factory.mktemp("dashboard") / "state"
    wiring = bootstrap(load_settings({config.STATE_DIR: str(state)}))
    data = generate_partnership(children=60, seed=5, today=date.today())
    record_partnership(wiring.partnership, data)
    catch_up(wiring.partnership, wiring.read_models)
    register_demo_people(wiring)
    wiring.close()
    return state


@pytest.fixture
def wiring(demo_state: Path) -> Iterator[Wiring]:
    """The test's own view of the same stores (to check the access log, change roles)."""
    opened = bootstrap(load_settings({config.STATE_DIR: str(demo_state)}))
    yield opened
    opened.close()


@pytest.fixture
def app(demo_state: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    monkeypatch.setenv(config.STATE_DIR, str(demo_state))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield AppTest.from_file(APP, default_timeout=30)
    st.cache_resource.clear()


def signed_in(app: AppTest, user: str) -> AppTest:
    app.session_state[session.SESSION] = session.SignedIn(user, session.PASSWORD, clock.now())
    return app


def open_page(app: AppTest, page: str, child: str | None = None) -> AppTest:
    app.run()
    if child is not None:
        app.query_params["child"] = child
    app.switch_page(f"views/{page}.py").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def accesses_of(wiring: Wiring, user: str) -> list[AccessEvent]:
    return [a for a in wiring.access_log.accesses() if a.user == user]


def texts(app: AppTest) -> str:
    parts = [*app.markdown, *app.text, *app.caption, *app.info, *app.error, *app.warning]
    return "\n".join(str(p.value) for p in parts)


# What each page shows whoever may use it.
PAGE_SHOWS = {
    "chronology": lambda at: any(e.label.startswith("Open a child outside") for e in at.expander),
    "patterns": lambda at: any("Never a score on a child" in c.value for c in at.caption),
    "partnership": lambda at: (
        "Verbal shares followed up in writing" in [m.label for m in at.metric]
    ),
    "requests": lambda at: any(h.value.startswith("Overdue requests") for h in at.subheader),
    "record": lambda at: any("spreadsheet" in h.value for h in at.subheader),
    "access_log": lambda at: any(h.value.endswith("newest first") for h in at.subheader),
    "feeds": lambda at: any("Embedded mode" in i.value for i in at.info),
    "records": lambda at: any(h.value.startswith("Due for review") for h in at.subheader),
    "my_work": lambda at: any(h.value.startswith("Received, to acknowledge") for h in at.subheader),
}


@pytest.mark.parametrize("role", sorted(PERSON))
@pytest.mark.parametrize("page", [p.url_path for p in PAGES])
def test_each_role_sees_its_pages_and_is_refused_the_others(
    app: AppTest, role: str, page: str
) -> None:
    open_page(signed_in(app, PERSON[role]), page)
    refusals = [e.value for e in app.error if REFUSED in e.value]
    if page in ALLOWED[role]:
        assert not refusals
        assert PAGE_SHOWS[page](app), f"{role} should see the {page} page"
    else:
        assert refusals, f"{role} should be refused the {page} page"
        assert not PAGE_SHOWS[page](app)
        assert not app.dataframe


def test_without_a_session_there_is_only_the_sign_in_page(app: AppTest) -> None:
    app.query_params["child"] = "C-00002"
    app.run()
    assert [t.value for t in app.title] == ["Sign in to FullPicture"]
    assert not app.dataframe and not app.selectbox
    assert [t.label for t in app.text_input] == ["User name", "Password"]


def sign_in(app: AppTest, user: str, password: str) -> AppTest:
    app.text_input[0].set_value(user)
    app.text_input[1].set_value(password)
    app.button[0].click().run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_signing_in_with_a_password_opens_the_persons_first_page(app: AppTest) -> None:
    app.run()
    sign_in(app, "police.practitioner", DEMO_PASSWORD)
    assert [t.value for t in app.title] == ["Child chronology"]
    assert "police.practitioner" in texts(app)


def test_a_wrong_password_is_refused_without_saying_which_part(app: AppTest) -> None:
    app.run()
    sign_in(app, "school.practitioner", "not-the-password")
    assert [e.value for e in app.error] == ["Not signed in: wrong user name or password"]
    assert [t.value for t in app.title] == ["Sign in to FullPicture"]


def test_five_wrong_passwords_hold_off_this_address_for_fifteen_minutes(
    app: AppTest, wiring: Wiring
) -> None:
    wiring.directory.register_person("held.off", "Throttle Test", ["analyst"], by="test")
    wiring.directory.set_password("held.off", "right-password", by="test")
    app.run()
    for _ in range(5):
        sign_in(app, "held.off", "wrong-password")
        assert [e.value for e in app.error] == ["Not signed in: wrong user name or password"]
    sign_in(app, "held.off", "right-password")
    assert "too many failed sign-ins from this address" in app.error[0].value
    assert [t.value for t in app.title] == ["Sign in to FullPicture"]


def test_a_password_an_administrator_reset_signs_in_only_to_choose_a_new_one(
    app: AppTest, wiring: Wiring
) -> None:
    wiring.directory.register_person("reset.analyst", "Reset Test", ["analyst"], by="test")
    wiring.directory.reset_password("reset.analyst", "given-password", by="admin")
    app.run()
    sign_in(app, "reset.analyst", "given-password")
    assert [t.value for t in app.title] == ["Choose a new password"]
    app.run()
    assert [t.value for t in app.title] == ["Choose a new password"]
    assert not app.dataframe and not app.metric
    app.text_input[0].set_value("chosen-password")
    app.text_input[1].set_value("chosen-password")
    app.button[0].click().run()
    assert not wiring.directory.must_change_password("reset.analyst")
    assert [t.value for t in app.title] != ["Choose a new password"]


def test_a_session_idle_for_thirty_minutes_ends(app: AppTest) -> None:
    app.session_state[session.SESSION] = session.SignedIn(
        "analyst", session.PASSWORD, clock.now() - timedelta(minutes=31)
    )
    app.run()
    assert [t.value for t in app.title] == ["Sign in to FullPicture"]
    assert session.IDLE_ENDED in [i.value for i in app.info]


def test_signing_out_ends_the_session(app: AppTest) -> None:
    open_page(signed_in(app, "analyst"), "partnership")
    next(b for b in app.button if b.label == "Sign out").click().run()
    assert [t.value for t in app.title] == ["Sign in to FullPicture"]
    assert "You have signed out." in [i.value for i in app.info]


def test_a_revoked_role_counts_on_the_next_click(app: AppTest, wiring: Wiring) -> None:
    wiring.directory.register_person(
        "revoked.lead", "Revoke Test", ["practitioner", "safeguarding_lead"], agency="school-elm"
    )
    open_page(signed_in(app, "revoked.lead"), "access_log")
    assert PAGE_SHOWS["access_log"](app)
    wiring.directory.revoke_role("revoked.lead", "safeguarding_lead", by="test")
    app.run()
    assert any(REFUSED in e.value for e in app.error)


def test_a_withdrawn_review_grant_counts_on_the_next_click(app: AppTest, wiring: Wiring) -> None:
    wiring.directory.register_person("withdrawn.reviewer", "Withdraw Test", ["case_reviewer"])
    today = date.today()
    wiring.directory.grant_review(
        "withdraw-test",
        "withdrawn.reviewer",
        ["C-00003"],
        period_from=(today - timedelta(days=1000)).isoformat(),
        period_to=today.isoformat(),
        expires=today.isoformat(),
        by="test",
    )
    wiring.directory.approve_review("withdraw-test", by="second.test")
    open_page(signed_in(app, "withdrawn.reviewer"), "chronology")
    assert app.selectbox[0].options == ["C-00003"]
    wiring.directory.withdraw_review("withdraw-test", "withdrawn.reviewer", by="test")
    app.run()
    assert not app.selectbox and not app.dataframe
    assert any("C-00003 is outside your scope" in e.value for e in app.error)


def test_a_practitioner_sees_their_agencys_view_with_nothing_to_widen_it(
    app: AppTest, wiring: Wiring
) -> None:
    before = len(accesses_of(wiring, "school.practitioner"))
    open_page(signed_in(app, "school.practitioner"), "chronology")
    assert [s.label for s in app.selectbox] == ["Child"]  # no "Known by"
    assert "As known by school-elm" in texts(app)
    table = app.dataframe[0].value
    assert len(table) > 0
    assert all(
        a == "school-elm" or "school-elm" in t
        for a, t in zip(table["agency"], table["to_agencies"], strict=True)
    )
    app.toggle[0].set_value(False).run()  # a page drawn again reads again, unlogged
    app.multiselect[0].set_value(["school-elm"]).run()
    opened = accesses_of(wiring, "school.practitioner")[before:]
    assert [(a.view, a.known_by, a.break_glass) for a in opened] == [
        ("chronology", "school-elm", False)
    ]


def test_a_practitioner_deep_link_outside_their_agency_is_refused(app: AppTest) -> None:
    open_page(signed_in(app, "school.practitioner"), "chronology", child="C-99999")
    assert any("outside your scope" in e.value for e in app.error)
    assert not app.dataframe


def test_a_case_reviewer_sees_their_review_and_may_narrow_it_to_an_agency(
    app: AppTest, wiring: Wiring
) -> None:
    granted = sorted(c for g in wiring.directory.reviews_for("reviewer") for c in g.children)
    open_page(signed_in(app, "reviewer"), "chronology")
    assert app.selectbox[0].options == granted
    everything = len(app.dataframe[0].value)
    app.selectbox[1].set_value("school-elm").run()
    known = app.dataframe[0].value
    assert 0 < len(known) < everything
    assert all(
        a == "school-elm" or "school-elm" in t
        for a, t in zip(known["agency"], known["to_agencies"], strict=True)
    )
    last = accesses_of(wiring, "reviewer")[-1]
    assert (last.role, last.known_by) == ("case_reviewer", "school-elm")


def test_as_at_replays_the_timeline_to_a_date(app: AppTest) -> None:
    open_page(signed_in(app, "reviewer"), "chronology")
    everything = len(app.dataframe[0].value)
    a_year_ago = date.today() - timedelta(days=365)
    app.toggle[0].set_value(True).run()
    app.date_input[0].set_value(a_year_ago).run()
    replayed = app.dataframe[0].value
    assert len(replayed) < everything
    assert max(replayed["occurred_at"], default="") <= a_year_ago.isoformat() + "T23:59:59"


def test_an_analyst_opens_a_chronology_only_by_break_glass_with_a_reason(
    app: AppTest, wiring: Wiring
) -> None:
    before = len(accesses_of(wiring, "analyst"))
    open_page(signed_in(app, "analyst"), "chronology", child="C-00002")
    assert not app.dataframe
    assert any("outside your scope" in e.value for e in app.error)
    assert app.text_input[0].value == "C-00002"
    app.text_area[0].set_value("Checking a cluster of missing episodes for the board.")
    app.button[0].click().run()
    assert not app.exception
    assert len(app.dataframe[0].value) > 10
    assert any("Break-glass" in w.value for w in app.warning)
    opened = accesses_of(wiring, "analyst")[before:]
    assert [(a.child_refs, a.break_glass, a.purpose) for a in opened] == [
        (("C-00002",), True, "Checking a cluster of missing episodes for the board.")
    ]


def test_the_access_log_page_shows_a_lead_the_reads_of_their_agencys_children(
    app: AppTest, wiring: Wiring
) -> None:
    child = wiring.queries.children("school.lead")[0].child_ref
    wiring.queries.open_child("school.practitioner", child, "chronology")
    open_page(signed_in(app, "school.lead"), "access_log")
    table = app.dataframe[0].value
    assert child in set(table["child_refs"])
    assert "school.practitioner" in set(table["user"])


def test_the_patterns_page_lists_an_analyst_every_alert_with_a_drill_down(app: AppTest) -> None:
    open_page(signed_in(app, "analyst"), "patterns")
    table = app.dataframe[0].value
    assert len(table) > 0
    assert {"child_ref", "pattern", "explanation"} <= set(table.columns)
    assert app.selectbox[0].options


def test_the_partnership_page_shows_the_analyst_figures(app: AppTest) -> None:
    open_page(signed_in(app, "analyst"), "partnership")
    assert len(app.dataframe[0].value) > 0  # response times by agency


def test_the_requests_page_shows_only_what_concerns_the_agency(app: AppTest) -> None:
    open_page(signed_in(app, "school.practitioner"), "requests")
    overdue, waiting = app.dataframe[0].value, app.dataframe[1].value
    assert len(waiting) > 0
    for table in (overdue, waiting):
        assert all(
            a == "school-elm" or "school-elm" in t
            for a, t in zip(table.get("agency", []), table.get("to_agencies", []), strict=True)
        )


def fill_share(app: AppTest, entry_ref: str) -> None:
    app.text_input[0].set_value(entry_ref)
    app.text_input[1].set_value("C-00001")
    app.date_input[0].set_value(date.today() - timedelta(days=1))
    app.time_input[0].set_value(time_of_day(9, 35))
    app.text_area[0].set_value("Police attended a noise complaint.")
    app.multiselect[0].set_value(["school-elm"])
    app.text_input[3].set_value("So the school can support the child.")


def choice(app: AppTest, label: str) -> Any:
    [found] = [s for s in app.selectbox if s.label == label]
    return found


def test_the_record_form_has_no_preset_answers_and_says_what_is_missing_in_its_words(
    app: AppTest,
) -> None:
    open_page(signed_in(app, "police.practitioner"), "record")
    for label in ("How", "Lawful basis", "Consent", "Was the family told?"):
        assert choice(app, label).value is None
    fill_share(app, "P-DASH-1")
    app.button[0].click().run()
    errors = [e.value for e in app.error]
    assert any("“Lawful basis”" in e for e in errors)
    assert any("“Consent”" in e for e in errors)
    assert any("“Was the family told?”" in e for e in errors)
    assert not any("lawful_basis" in e or "family_informed" in e for e in errors)
    assert not app.success


def test_an_acronym_is_flagged_as_the_summary_is_typed(app: AppTest) -> None:
    open_page(signed_in(app, "police.practitioner"), "record")
    app.text_area[0].set_value("Discussed at the CP conference.").run()
    assert any("CP — child protection" in w.value for w in app.warning)
    app.text_area[0].set_value("Discussed at the child protection (CP) conference.").run()
    assert not app.warning


def test_a_practitioner_records_as_their_own_agency_without_choosing_it(
    app: AppTest, wiring: Wiring
) -> None:
    open_page(signed_in(app, "police.practitioner"), "record")
    assert "Your agency" not in [s.label for s in app.selectbox]
    fill_share(app, "P-DASH-2")
    choice(app, "How").set_value("phone")
    choice(app, "Lawful basis").set_value("public_task")
    choice(app, "Consent").set_value("not_needed")
    choice(app, "Was the family told?").set_value("yes")
    app.button[0].click().run()
    assert [s.value for s in app.success] == ["Recorded police-north:P-DASH-2"]
    recorded = wiring.queries.read_child("police.practitioner", "C-00001", "chronology")
    [entry] = [e for e in recorded.entries if e.id == "police-north:P-DASH-2"]
    assert entry.occurred_at[11:16] == "09:35"
    # The form never asks who recorded it: the signed-in person is recorded as its author.
    assert (entry.recorded_by, entry.imported_for_review) == ("police.practitioner", "")


def test_the_answer_form_warns_before_an_answer_without_a_lawful_basis_is_saved(
    app: AppTest,
) -> None:
    open_page(signed_in(app, "police.practitioner"), "record")
    app.radio[0].set_value("Answer to a request").run()
    for label in ("How", "Lawful basis", "Consent", "Was the family told?"):
        assert choice(app, label).value is None  # each may be left as not recorded
    assert any("“lawful basis not recorded”" in w.value for w in app.warning)
    choice(app, "Lawful basis").set_value("public_task").run()
    assert not any("lawful basis not recorded" in w.value for w in app.warning)


def test_a_case_reviewer_may_import_but_not_record_a_form(app: AppTest) -> None:
    open_page(signed_in(app, "reviewer"), "record")
    assert not app.text_area
    assert any("recorded by practitioners" in i.value for i in app.info)


def test_an_export_is_read_when_clicked_and_logged_as_one_export(wiring: Wiring) -> None:
    child = wiring.queries.children("school.practitioner")[0].child_ref
    before = len(accesses_of(wiring, "school.practitioner"))
    build = scoped_export(wiring.queries, "school.practitioner", child, {}, lambda e: True, "html")
    page = build()
    assert "known by school-elm" in page
    opened = accesses_of(wiring, "school.practitioner")[before:]
    assert [(a.view, a.child_refs) for a in opened] == [("export", (child,))]


def test_demo_accounts_are_listed_in_demo_mode_only(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.run()
    assert DEMO_PASSWORD not in texts(app)
    st.cache_resource.clear()
    monkeypatch.setenv(config.DEMO, "1")
    demo = AppTest.from_file(APP, default_timeout=30).run()
    assert any(DEMO_PASSWORD in c.value for c in demo.caption)
    assert "police.practitioner" in set(demo.dataframe[0].value["user name"])


TEST_ISSUER = "http://127.0.0.1:9/realms/test"


def oidc_app(monkeypatch: pytest.MonkeyPatch, claims: dict[str, object]) -> AppTest:
    monkeypatch.setenv(config.OIDC_ISSUER, TEST_ISSUER)
    monkeypatch.setenv(config.OIDC_CLIENT_ID, "fullpicture")
    monkeypatch.setenv(config.OIDC_CLIENT_SECRET, "not-a-real-secret")
    st.cache_resource.clear()
    app = AppTest.from_file(APP, default_timeout=30)
    app.user = {"is_logged_in": True, "iss": TEST_ISSUER, "sub": "a-subject", **claims}
    return app.run()


def test_an_identity_provider_sign_in_maps_to_the_registered_person_by_verified_email(
    app: AppTest, wiring: Wiring, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = wiring.directory.recorder.max_notification_id()
    now = int(time.time())
    claims = {"email": "school.lead@demo.invalid", "email_verified": True, "iat": now}
    signed = oidc_app(monkeypatch, claims)
    assert not signed.exception
    assert "school.lead" in texts(signed)
    assert [t.value for t in signed.title] == ["Child chronology"]
    recorded = wiring.directory.recorder.select_notifications(start=before + 1, limit=10)
    kinds = [n.topic.rsplit(".", 1)[-1] for n in recorded]
    assert kinds == ["IdentityLinked", "Linked", "SignedIn"]  # linked at the first sign-in
    assert wiring.directory.linked_identities("school.lead") == [(TEST_ISSUER, "a-subject")]


def test_an_unregistered_identity_is_refused(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    now = int(time.time())
    claims = {
        "sub": "another-subject",
        "email": "stranger@example.invalid",
        "email_verified": True,
        "preferred_username": "x",
        "iat": now,
    }
    refused = oidc_app(monkeypatch, claims)
    assert [t.value for t in refused.title] == ["Sign in to FullPicture"]
    assert any("not linked to anyone who is registered" in e.value for e in refused.error)


def test_an_unverified_email_signs_in_no_one(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    claims = {
        "sub": "impostor-subject",
        "email": "admin@demo.invalid",
        "email_verified": False,
        "iat": int(time.time()),
    }
    refused = oidc_app(monkeypatch, claims)
    assert [t.value for t in refused.title] == ["Sign in to FullPicture"]
    assert any("not linked to anyone who is registered" in e.value for e in refused.error)


def test_the_feeds_page_explains_embedded_mode(app: AppTest) -> None:
    open_page(signed_in(app, "admin"), "feeds")
    assert "Embedded mode" in app.info[0].value


def test_the_patterns_page_filters_by_severity_and_orders_by_severity_then_date(
    app: AppTest,
) -> None:
    open_page(signed_in(app, PERSON["analyst"]), "patterns")
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
    practitioner = PERSON["practitioner"]
    open_page(signed_in(app, practitioner), "patterns")
    query = parse_qs(urlsplit(app.dataframe[0].value["open"][0]).query)
    evidence = query["highlight"][0].split(",")
    app = signed_in(AppTest.from_file(APP, default_timeout=30), practitioner)
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
    practitioner = PERSON["practitioner"]
    wiring = bootstrap(load_settings({config.STATE_DIR: str(demo_state)}))
    [first, *_] = wiring.queries.alert_list(practitioner)
    wiring.partnership.review_alert(
        first.id, first.child_ref, first.pattern, first.evidence, "dismissed", "Known.", "analyst"
    )
    catch_up(wiring.partnership, wiring.read_models)
    wiring.close()
    open_page(signed_in(app, practitioner), "patterns")
    app.multiselect[3].set_value(["dismissed"]).run()
    [dismissed] = app.dataframe[0].value.to_dict("records")
    assert first.id in dismissed["ids"] and dismissed["triage"] == "dismissed"
    chronology = signed_in(AppTest.from_file(APP, default_timeout=30), practitioner)
    chronology.query_params["child"] = first.child_ref
    open_page(chronology, "chronology")
    assert "by analyst: dismissed — Known." in texts(chronology)


def test_a_review_recorded_on_the_patterns_page_shows_as_the_alert_s_triage(
    app: AppTest, wiring: Wiring
) -> None:
    practitioner = PERSON["practitioner"]
    open_page(signed_in(app, practitioner), "patterns")
    [alert] = [s for s in app.selectbox if s.label == "Alert"]
    chosen = alert.value
    app.radio[0].set_value("action_taken")
    app.text_area[0].input("Referred to the family support team.")
    [record] = [b for b in app.button if b.label == "Record the review"]
    record.click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]
    [review] = [
        r
        for r in wiring.queries.with_triage(wiring.queries.alert_list(practitioner))
        if r["id"] == chosen
    ]
    assert review["triage"]["state"] == "action_taken"
    assert review["triage"]["history"][-1]["reviewed_by"] == practitioner


def test_the_chronology_puts_the_child_first_with_their_own_words(
    app: AppTest, wiring: Wiring
) -> None:
    child = wiring.queries.children("reviewer")[0].child_ref
    read = wiring.queries.read_child("reviewer", child, "chronology")
    before = len(accesses_of(wiring, "reviewer"))
    open_page(signed_in(app, "reviewer"), "chronology", child=child)
    shown = texts(app)
    header = read.header
    assert header.date_of_birth and header.age
    assert header.date_of_birth[8:10] + "/" + header.date_of_birth[5:7] in shown  # dd/mm
    assert ", ".join(header.siblings) in shown
    assert "Northshire Children's Social Care" in shown  # agencies by name
    [*_, latest] = read.voice
    assert f"“{latest.entry.child_words}”" in shown
    assert latest.entry.captured_how.replace("_", " ") in shown and latest.heard_by in shown
    assert any(e.label.startswith(f"Every voice entry ({len(read.voice)})") for e in app.expander)
    [knowledge] = [t for t in app.toggle if t.label.startswith("Show when each agency learned")]
    knowledge.set_value(True).run()
    assert len(app.dataframe[1].value) == len(read.knowledge.entries)
    assert len(app.dataframe[0].value) == len(read.entries)  # every entry, none cut off
    # The header, voice and knowledge view are part of the one chronology read.
    opened = accesses_of(wiring, "reviewer")[before:]
    assert [a.view for a in opened] == ["chronology"]


def test_replay_shows_the_alerts_of_that_day_from_that_day_s_entries_only(
    app: AppTest, wiring: Wiring
) -> None:
    child = wiring.queries.children("reviewer")[0].child_ref
    today = wiring.queries.child_alerts("reviewer", child)
    past = (date.today() - timedelta(days=days) for days in range(60, 1000, 30))
    day, expected = next(
        (day, found)
        for day in past
        for found in [wiring.queries.child_alerts("reviewer", child, as_at=f"{day}T23:59:59")]
        if found and found != today
    )
    open_page(signed_in(app, "reviewer"), "chronology", child=child)
    app.toggle[0].set_value(True).run()
    app.date_input[0].set_value(day).run()
    titles = [e.label for e in app.expander if " — " in e.label]
    assert titles == [f"{a.pattern.replace('_', ' ')} — {a.severity}" for a in expected]
    assert max(app.dataframe[0].value["occurred_at"]) <= f"{day}T23:59:59"


def test_records_management_shows_an_administrator_what_is_due_without_child_content(
    app: AppTest, wiring: Wiring
) -> None:
    open_page(signed_in(app, PERSON["administrator"]), "records")
    app.date_input[0].set_value(date(2100, 1, 1)).run()
    [due] = [t for t in app.dataframe if "due_on" in t.value.columns]
    assert len(due.value) > 0
    assert not {"summary", "child_words", "practitioner"} & set(due.value.columns)
    listed = [a for a in accesses_of(wiring, PERSON["administrator"]) if a.view == "retention due"]
    assert listed and set(listed[-1].child_refs) == set(due.value["child_ref"])


def test_an_administrator_places_a_legal_hold_on_the_records_management_page(
    app: AppTest, wiring: Wiring
) -> None:
    open_page(signed_in(app, PERSON["administrator"]), "records")
    label = {t.label: t for t in app.text_input}
    label["Hold name, e.g. INQUIRY-2026"].set_value("PAGE-HOLD-1")
    label["Basis: the inquiry, claim or notice"].set_value("retention notice 12")
    label["Children (references, separated by spaces)"].set_value("C-00001 C-00002")
    next(b for b in app.button if b.label == "Place the hold").click().run()
    assert [s.value for s in app.success] == ["Placed PAGE-HOLD-1: children C-00001, C-00002"]
    [held] = [h for h in wiring.disposition.holds() if h.hold == "PAGE-HOLD-1"]
    assert held.placed_by == PERSON["administrator"] and held.in_force


def test_an_administrator_approves_another_s_decision_on_the_records_management_page(
    app: AppTest, wiring: Wiring
) -> None:
    if wiring.directory.person("admin.second") is None:
        wiring.directory.register_person(
            "admin.second", "Second Administrator", ["administrator"], by=PERSON["administrator"]
        )
    theirs = wiring.records_office.decide("admin.second", "C-00003", "destroy", "due")
    own = wiring.records_office.decide(PERSON["administrator"], "C-00004", "destroy", "due")
    open_page(signed_in(app, PERSON["administrator"]), "records")
    [choice] = [s for s in app.selectbox if s.label.startswith("Approve another person's")]
    assert theirs.decision_id in choice.options and own.decision_id not in choice.options
    choice.set_value(theirs.decision_id)
    next(b for b in app.button if b.label == "Approve").click().run()
    assert f"Approved {theirs.decision_id}" in [s.value for s in app.success]
    assert wiring.disposition.decision(theirs.decision_id).approved_by == PERSON["administrator"]
def test_the_household_toggle_adds_the_adults_around_the_child_and_is_logged(
    app: AppTest, wiring: Wiring
) -> None:
    open_page(signed_in(app, "reviewer"), "chronology")
    [household] = [t for t in app.toggle if t.label == "With the household"]
    household.set_value(True).run()
    assert not app.exception, [e.value for e in app.exception]
    assert any(str(c.value).startswith("Household: ") for c in app.caption)
    assert "about" in app.dataframe[0].value.columns
    assert "with the household" in accesses_of(wiring, "reviewer")[-1].scope


def test_the_record_form_names_adults_and_refuses_one_never_registered(
    app: AppTest, wiring: Wiring
) -> None:
    adult = "A-00001"  # the synthetic partnership's first adult
    assert wiring.partnership.adult_is_registered(adult)
    open_page(signed_in(app, "police.practitioner"), "record")
    fill_share(app, "P-DASH-ADULT")
    choice(app, "How").set_value("phone")
    choice(app, "Lawful basis").set_value("public_task")
    choice(app, "Consent").set_value("not_needed")
    choice(app, "Was the family told?").set_value("yes")
    [adults] = [t for t in app.text_input if t.label.startswith("Adults it names")]
    adults.set_value("A-NEVER-REGISTERED")
    app.button[0].click().run()
    assert not app.success
    assert any("A-NEVER-REGISTERED" in str(e.value) for e in app.error)
    [adults] = [t for t in app.text_input if t.label.startswith("Adults it names")]
    adults.set_value(adult)
    app.button[0].click().run()
    assert [s.value for s in app.success] == ["Recorded police-north:P-DASH-ADULT"]
    recorded = wiring.queries.read_child("police.practitioner", "C-00001", "chronology")
    [entry] = [e for e in recorded.entries if e.id == "police-north:P-DASH-ADULT"]
    assert entry.adults == (adult,)


def test_a_pattern_about_adults_opens_the_chronology_with_the_household(app: AppTest) -> None:
    open_page(signed_in(app, PERSON["analyst"]), "patterns")
    rows = app.dataframe[0].value
    households = {
        pattern: [parse_qs(urlsplit(link).query).get("household") for link in links]
        for pattern, links in rows.groupby("pattern")["open"]
    }
    assert households.get("adult_known_elsewhere") or households.get("new_adult_in_household")
    for pattern, shown in households.items():
        adults = pattern in ("adult_known_elsewhere", "new_adult_in_household")
        assert all(h == (["1"] if adults else None) for h in shown), pattern
