"""Sessions that survive a reload, in Debian's Chromium driven by Playwright: a signed, HttpOnly,
SameSite cookie names a server-side session, so a reload or a deep link opened in a new tab finds
the person again; signing out, the idle limit and a revoked role still end it on the next request.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from consumers.store_feed import catch_up
from dashboard.browser_sessions import COOKIE
from fullpicture import config
from fullpicture.bootstrap import Wiring, bootstrap
from fullpicture.config import load_settings
from fullpicture.demo_accounts import DEMO_PASSWORD
from fullpicture.tools.dashboard_bench import free_port, serving
from projections.chronology import children_with_entries
from tests.builders import AUTHOR, entry
from tests.keycloak import keycloak_url  # noqa: F401 - a session fixture
from tests.test_dashboard import demo_state  # noqa: F401 - the same synthetic partnership
from tests.test_dashboard_browser import (  # noqa: F401 - fixtures too
    WAIT_MS,
    body_when,
    browser,
    identity_provider,
    sign_in,
    wait_for_session_cookie,
)

IDLE_SECONDS = 6


@pytest.fixture
def dashboard_url(demo_state: Path) -> Iterator[str]:  # noqa: F811
    with serving(demo_state, free_port()) as url:
        yield url


def children_of(state: Path, user: str) -> tuple[str, str]:
    """A child in the person's scope, and one outside it."""
    wiring = bootstrap(load_settings({config.STATE_DIR: str(state)}))
    try:
        mine = {c.child_ref for c in wiring.queries.children(user)}
        others = {c.child_ref for c in children_with_entries(wiring.queries.db)} - mine
        if not others:  # the person's agency knows every child of the synthetic partnership
            others = {child_outside_scope(wiring, user)}
    finally:
        wiring.close()
    return sorted(mine)[0], sorted(others)[0]


def child_outside_scope(wiring: Wiring, user: str) -> str:
    """A child only another agency has recorded anything about (recorded now, for this test)."""
    person = wiring.directory.person(user)
    assert person is not None
    own = person.agency
    other = next(a.code for a in wiring.partnership.agencies() if a.code != own)
    child = "C-OUTSIDE-SCOPE"
    concern = entry("concern", agency=other, entry_ref="OUTSIDE-1", child_ref=child)
    wiring.partnership.record(concern, author=AUTHOR)
    catch_up(wiring.partnership, wiring.read_models)
    return child


def new_context(browser: Browser) -> BrowserContext:  # noqa: F811
    return browser.new_context(viewport={"width": 1400, "height": 1400})


def signed_in_at(context: BrowserContext, address: str, user: str) -> Page:
    page = context.new_page()
    page.goto(address)
    page.get_by_role("heading", name="Sign in to FullPicture").wait_for(timeout=WAIT_MS)
    sign_in(page, user, DEMO_PASSWORD)
    page.get_by_role("button", name="Sign out").wait_for(timeout=WAIT_MS)
    wait_for_session_cookie(context)
    return page


def session_cookie(context: BrowserContext) -> dict:
    found = [c for c in context.cookies() if c["name"] == COOKIE]
    assert len(found) == 1, context.cookies()
    return dict(found[0])


def test_a_reload_and_a_deep_link_in_a_new_tab_keep_the_person_signed_in(
    browser: Browser,  # noqa: F811
    dashboard_url: str,
    demo_state: Path,  # noqa: F811
) -> None:
    mine, outside = children_of(demo_state, "police.practitioner")
    context = new_context(browser)
    page = signed_in_at(context, f"{dashboard_url}/chronology?child={mine}", "police.practitioner")
    body_when(page, "As known by police-north")
    assert page.url == f"{dashboard_url}/chronology?child={mine}"  # where the link asked
    cookie = session_cookie(context)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert "police.practitioner" not in cookie["value"]  # an id and its signature, nothing more

    page.reload()
    assert mine in body_when(page, "As known by police-north")
    assert page.get_by_role("button", name="Sign out").is_visible()

    tab = context.new_page()
    tab.goto(f"{dashboard_url}/chronology?child={mine}")
    body = body_when(tab, "As known by police-north")
    assert mine in body and "Sign in to FullPicture" not in body

    refused = context.new_page()
    refused.goto(f"{dashboard_url}/chronology?child={outside}")
    body = body_when(refused, "is outside your scope")
    assert "Sign in to FullPicture" not in body
    assert "As known by" not in body  # nothing of the child's chronology
    context.close()


def test_signing_out_ends_the_session_in_every_tab_and_its_cookie_opens_nothing(
    browser: Browser,  # noqa: F811
    dashboard_url: str,
    demo_state: Path,  # noqa: F811
) -> None:
    mine, _ = children_of(demo_state, "police.practitioner")
    context = new_context(browser)
    page = signed_in_at(context, f"{dashboard_url}/chronology?child={mine}", "police.practitioner")
    other_tab = context.new_page()
    other_tab.goto(f"{dashboard_url}/chronology?child={mine}")
    body_when(other_tab, "As known by police-north")
    stolen = session_cookie(context)

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="Sign in to FullPicture").wait_for(timeout=WAIT_MS)
    other_tab.reload()
    other_tab.get_by_role("heading", name="Sign in to FullPicture").wait_for(timeout=WAIT_MS)
    assert mine not in other_tab.inner_text("body")

    replayed = new_context(browser)
    replayed.add_cookies([stolen])
    again = replayed.new_page()
    again.goto(f"{dashboard_url}/chronology?child={mine}")
    again.get_by_role("heading", name="Sign in to FullPicture").wait_for(timeout=WAIT_MS)
    assert mine not in again.inner_text("body")
    replayed.close()
    context.close()


def test_a_forged_cookie_signs_in_no_one(
    browser: Browser,  # noqa: F811
    dashboard_url: str,
) -> None:
    context = new_context(browser)
    signed_in_at(context, f"{dashboard_url}/", "police.practitioner")
    cookie = session_cookie(context)
    session_id, _, signature = cookie["value"].partition(".")
    forged = new_context(browser)
    forged.add_cookies([{**cookie, "value": f"{session_id}.{'0' * len(signature)}"}])
    page = forged.new_page()
    page.goto(f"{dashboard_url}/")
    page.get_by_role("heading", name="Sign in to FullPicture").wait_for(timeout=WAIT_MS)
    forged.close()
    context.close()


def test_a_revoked_role_ends_the_session_on_the_next_request(
    browser: Browser,  # noqa: F811
    dashboard_url: str,
    demo_state: Path,  # noqa: F811
) -> None:
    wiring = bootstrap(load_settings({config.STATE_DIR: str(demo_state)}))
    wiring.directory.register_person(
        "short.stay", "Short Stay", ["practitioner"], agency="school-elm", by="admin"
    )
    wiring.directory.set_password("short.stay", DEMO_PASSWORD, by="short.stay")
    context = new_context(browser)
    page = signed_in_at(context, f"{dashboard_url}/", "short.stay")
    page.reload()
    page.get_by_role("button", name="Sign out").wait_for(timeout=WAIT_MS)
    wiring.directory.revoke_role("short.stay", "practitioner", by="admin")
    wiring.close()
    page.reload()
    assert "holds no role in FullPicture any more" in body_when(page, "holds no role")
    context.close()


@pytest.fixture
def quickly_idle_url(demo_state: Path) -> Iterator[str]:  # noqa: F811
    idle = {config.IDLE_MINUTES: str(IDLE_SECONDS / 60)}
    with serving(demo_state, free_port(), idle) as url:
        yield url


def test_the_idle_limit_ends_a_session_kept_by_its_cookie(
    browser: Browser,  # noqa: F811
    quickly_idle_url: str,
) -> None:
    context = new_context(browser)
    page = signed_in_at(context, f"{quickly_idle_url}/", "police.practitioner")
    page.reload()
    page.get_by_role("button", name="Sign out").wait_for(timeout=WAIT_MS)
    page.wait_for_timeout((IDLE_SECONDS + 3) * 1000)
    page.reload()
    body = body_when(page, "without activity")
    assert "Sign in to FullPicture" in body
    context.close()


def test_a_deep_link_opens_its_page_after_signing_in_at_the_identity_provider(
    browser: Browser,  # noqa: F811
    identity_provider: dict[str, Any],  # noqa: F811
    demo_state: Path,  # noqa: F811
) -> None:
    url = identity_provider["url"]
    wiring = bootstrap(load_settings({config.STATE_DIR: str(demo_state)}))
    child = wiring.queries.children("school.lead")[0].child_ref
    wiring.close()
    context = new_context(browser)
    page = context.new_page()
    page.goto(f"{url}/chronology?child={child}")
    page.get_by_role("button", name="Sign in with the partnership's identity provider").click()
    page.locator("#username").wait_for(timeout=WAIT_MS)  # Keycloak's own sign-in form
    page.locator("#username").fill("kc-school-lead")
    page.locator("#password").fill("Kc-password-1")
    page.locator("#kc-login").click()
    page.wait_for_url(f"{url}/chronology?child={child}", timeout=WAIT_MS)
    wait_for_session_cookie(context)
    assert child in body_when(page, "As known by school-elm")
    assert session_cookie(context)["httpOnly"]
    page.reload()
    assert child in body_when(page, "As known by school-elm")
    page.get_by_role("button", name="Sign out").click()  # here and at the provider
    page.get_by_role("heading", name="Sign in to FullPicture").wait_for(timeout=WAIT_MS)
    context.close()
