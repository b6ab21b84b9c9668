"""The real dashboard in a real browser: Debian's Chromium, headless, driven by Playwright.

Signing in with a local account and with a real OpenID Connect provider (Keycloak, started by
scripts/keycloak.sh), a refused password and an address held off after five, a practitioner's
view that cannot be widened, and the access log showing the reads just made.
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from fullpicture import config
from fullpicture.bootstrap import bootstrap
from fullpicture.cli import main
from fullpicture.config import load_settings
from fullpicture.demo_accounts import DEMO_PASSWORD
from fullpicture.presentation import KIND_STYLE
from fullpicture.tools.dashboard_bench import CHROMIUM, CHROMIUM_FLAGS, free_port, serving
from tests.conftest import REPO_ROOT
from tests.keycloak import KeycloakAdmin, keycloak_url  # noqa: F401 - a session fixture
from tests.test_dashboard import demo_state  # noqa: F401 - the same synthetic partnership

SCREENSHOTS = REPO_ROOT / "tests" / "artifacts"
WAIT_MS = 30_000
ENTRY_ID = re.compile(r"\b[a-z]+(?:-[a-z]+)*:[A-Z]+-\d+\b")


@pytest.fixture
def dashboard_url(demo_state: Path) -> Iterator[str]:  # noqa: F811
    with serving(demo_state, free_port()) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "make test installs Debian's chromium"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


def new_page(browser: Browser) -> Page:
    return browser.new_context(viewport={"width": 1400, "height": 1600}).new_page()


def sign_in(page: Page, user: str, password: str) -> None:
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def body_when(page: Page, text: str) -> str:
    page.get_by_text(text).first.wait_for(timeout=WAIT_MS)
    page.wait_for_timeout(800)  # let the rest of the run arrive
    return page.inner_text("body")


def test_a_practitioner_signs_in_sees_only_their_agencys_view_and_the_lead_sees_the_read(
    browser: Browser,
    dashboard_url: str,
    demo_state: Path,  # noqa: F811
) -> None:
    wiring = bootstrap(load_settings({config.STATE_DIR: str(demo_state)}))
    child = wiring.queries.children("school.practitioner")[0].child_ref
    wiring.close()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page(browser)
    page.goto(f"{dashboard_url}/chronology?child={child}")
    page.get_by_role("heading", name="Sign in to FullPicture").wait_for(timeout=WAIT_MS)
    assert "Child chronology" not in page.inner_text("body")

    sign_in(page, "school.practitioner", "not-the-password")
    assert "wrong user name or password" in body_when(page, "Not signed in")

    sign_in(page, "school.practitioner", DEMO_PASSWORD)
    page.get_by_role("heading", name="Child chronology").wait_for(timeout=WAIT_MS)
    page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=WAIT_MS)
    body = body_when(page, "As known by school-elm")
    page.screenshot(path=str(SCREENSHOTS / "chronology-practitioner.png"), full_page=True)
    assert f"child={child}" in page.url
    assert "Known by" not in body.replace("As known by", "")  # no selector to widen it
    assert "Timeline (" in body and "Patterns for review" in body
    menu = page.get_by_test_id("stSidebarNav").inner_text()
    assert "Record" in menu and "Partnership" not in menu and "Access log" not in menu

    # A page's address opens a new session, still signed in (the session cookie), and a page
    # not theirs is refused.
    page.goto(f"{dashboard_url}/partnership")
    assert "It is not part of your role" in body_when(page, "It is not part of your role")

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="Sign in to FullPicture").wait_for(timeout=WAIT_MS)
    sign_in(page, "school.lead", DEMO_PASSWORD)
    page.get_by_role("link", name="Access log").click()  # a lead's menu has it
    body_when(page, "newest first")
    page.screenshot(path=str(SCREENSHOTS / "access-log.png"), full_page=True)
    cells = page.locator("[data-testid='stDataFrame'] [role='gridcell']").all_inner_texts()
    assert "school.practitioner" in cells and child in cells
    page.context.close()


def test_five_wrong_passwords_hold_off_the_address_not_the_account_in_chromium(
    browser: Browser,
    dashboard_url: str,
    demo_state: Path,  # noqa: F811
) -> None:
    wiring = bootstrap(load_settings({config.STATE_DIR: str(demo_state)}))
    wiring.directory.register_person("browser.held", "Browser Throttle", ["analyst"], by="test")
    wiring.directory.set_password("browser.held", "right-password", by="test")
    wiring.close()
    page = new_page(browser)
    page.goto(dashboard_url)
    page.get_by_role("heading", name="Sign in to FullPicture").wait_for(timeout=WAIT_MS)
    for attempt in range(5):
        sign_in(page, "browser.held", f"wrong-{attempt}")
        page.wait_for_timeout(600)
    sign_in(page, "browser.held", "right-password")
    body = body_when(page, "too many failed sign-ins from this address")
    assert "Partnership" not in body
    page.context.close()
    # The account is not locked: a sign-in from elsewhere (here: in the server, another
    # address) still succeeds.
    wiring = bootstrap(load_settings({config.STATE_DIR: str(demo_state)}))
    signed_in = wiring.directory.authenticate("browser.held", "right-password", address="elsewhere")
    assert signed_in.user == "browser.held"
    wiring.close()


@pytest.fixture
def identity_provider(
    keycloak_url: str,  # noqa: F811
    demo_state: Path,  # noqa: F811
) -> Iterator[dict[str, Any]]:
    """A realm with a confidential client for a dashboard about to start on `port`, a user
    registered in FullPicture (by e-mail) and one who is not."""
    port = free_port()
    admin = KeycloakAdmin(keycloak_url)
    realm = admin.create_realm(f"http://127.0.0.1:{port}/oauth2callback")
    admin.create_user(realm, "kc-school-lead", "school.lead@demo.invalid", "Kc-password-1")
    admin.create_user(realm, "kc-stranger", "stranger@example.invalid", "Kc-password-2")
    settings = {
        config.OIDC_ISSUER: realm.issuer,
        config.OIDC_CLIENT_ID: realm.client_id,
        config.OIDC_CLIENT_SECRET: realm.client_secret,
    }
    try:
        with serving(demo_state, port, settings) as url:
            yield {"url": url}
    finally:
        admin.delete_realm(realm)


def sign_in_at_provider(page: Page, url: str, user: str, password: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="Sign in with the partnership's identity provider").click()
    page.locator("#username").wait_for(timeout=WAIT_MS)  # Keycloak's own sign-in form
    page.locator("#username").fill(user)
    page.locator("#password").fill(password)
    page.locator("#kc-login").click()


def test_signing_in_through_the_identity_provider_maps_to_the_registered_person(
    browser: Browser, identity_provider: dict[str, Any]
) -> None:
    url = identity_provider["url"]
    page = new_page(browser)
    sign_in_at_provider(page, url, "kc-school-lead", "Kc-password-1")
    page.get_by_role("heading", name="Child chronology").wait_for(timeout=WAIT_MS)
    body = body_when(page, "school.lead")
    page.screenshot(path=str(SCREENSHOTS / "signed-in-with-keycloak.png"), full_page=True)
    assert page.url.startswith(url)
    assert "Demo School Safeguarding Lead" in body and "safeguarding lead" in body

    page.get_by_role("button", name="Sign out").click()  # here and at the provider
    page.get_by_role("heading", name="Sign in to FullPicture").wait_for(timeout=WAIT_MS)
    page.goto(url)  # no identity cookie is left to sign in with
    body = body_when(page, "Sign in to FullPicture")
    assert "Child chronology" not in body and "school.lead" not in body
    page.context.close()

    stranger = new_page(browser)
    sign_in_at_provider(stranger, url, "kc-stranger", "Kc-password-2")
    body = body_when(stranger, "is registered in FullPicture")
    assert "stranger@example.invalid" in body
    assert "Child chronology" not in body
    stranger.context.close()


# A case reviewer's chronology ---------------------------------------------------------------------

LEGEND_WIDTH_PX = 230  # the chart's legend, on its right, shows every kind: left out of the count


def open_chronology(page: Page, url: str, user: str, query: str) -> str:
    """Open the address, signing in the first time (the session cookie keeps later visits)."""
    page.goto(f"{url}/chronology?{query}")
    chart = page.locator("[data-testid='stVegaLiteChart']").first
    form = page.get_by_label("User name")
    chart.or_(form).first.wait_for(timeout=WAIT_MS)
    if form.is_visible():
        sign_in(page, user, DEMO_PASSWORD)
    chart.wait_for(timeout=WAIT_MS)
    return body_when(page, "Timeline (")


def rgb_of(colour: str) -> tuple[int, ...]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


# Greys (correction, decline) also come from text anti-aliasing: only the colours are counted.
COLOURED = {kind for kind, (colour, _) in KIND_STYLE.items() if len(set(rgb_of(colour))) > 1}


def kinds_drawn(page: Page) -> set[str]:
    """The entry kinds whose exact colour is painted in the timeline's plot (legend left out)."""
    from PIL import Image

    chart = page.locator("[data-testid='stVegaLiteChart']").first
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    image = Image.open(io.BytesIO(chart.screenshot())).convert("RGB")
    plot = image.crop((0, 0, image.width - LEGEND_WIDTH_PX, image.height)).tobytes()
    counts = Counter(zip(plot[0::3], plot[1::3], plot[2::3], strict=True))
    return {kind for kind in COLOURED if counts[rgb_of(KIND_STYLE[kind][0])] >= 5}


def coloured_kinds(entries: list[Any]) -> set[str]:
    return {e.kind for e in entries} & COLOURED


def test_a_case_reviewer_s_chronology_is_honest_in_chromium(
    browser: Browser,
    dashboard_url: str,
    demo_state: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    wiring = bootstrap(load_settings({config.STATE_DIR: str(demo_state)}))
    queries = wiring.queries
    first, second, *_ = [c.child_ref for c in queries.children("reviewer")]
    today = queries.child_alerts("reviewer", first)
    days_back = (date.today() - timedelta(days=n) for n in range(60, 1000, 30))
    day = next(d for d in days_back if queries.child_alerts("reviewer", first, as_at=f"{d}T23:59"))
    read = {child: queries.read_child("reviewer", child, "chronology") for child in (first, second)}
    voices = {child: chronology.voice for child, chronology in read.items()}
    replayed = queries.read_child("reviewer", first, "chronology", as_at=f"{day}T23:59:59")
    school = queries.read_child("reviewer", first, "chronology", known_by="school-elm")
    school_ids = {e.id for e in school.entries}
    wiring.close()
    monkeypatch.setenv(config.STATE_DIR, str(demo_state))
    capsys.readouterr()
    cli_args = ["--as", "reviewer", "patterns", "--child", first, "--as-at", day.isoformat()]
    assert main([*cli_args, "--format", "json"]) == 0
    cli_alerts = json.loads(capsys.readouterr().out)
    assert cli_alerts and {a["id"] for a in cli_alerts} != {a.id for a in today}
    page = new_page(browser)

    # The child first, in their own words; one colour per kind, whichever child.
    for child in (first, second):
        body = open_chronology(page, dashboard_url, "reviewer", f"child={child}")
        if voices[child]:
            assert f"“{voices[child][-1].entry.child_words}”" in body
            assert f"heard by {voices[child][-1].heard_by}" in body
        else:
            assert "The child's voice is not recorded in this scope" in body
        assert "Date of birth" in body and "Agencies involved" in body
        assert kinds_drawn(page) == coloured_kinds(read[child].entries)
    page.screenshot(path=str(SCREENSHOTS / "chronology-reviewer.png"), full_page=True)
    assert page.get_by_role("button", name="Deploy").count() == 0  # nothing for developers

    # Replay as at a past day: that day's alerts only, exactly the CLI's, the same colours.
    open_chronology(page, dashboard_url, "reviewer", f"child={first}")
    page.get_by_text("Replay as at a date").click()
    page.locator("[role='group'][aria-label='As at']:not([aria-disabled='true'])").wait_for()
    page.get_by_role("spinbutton", name="day, As at").click()
    page.keyboard.type(day.strftime("%d%m%Y"))  # day, month, year: each segment moves on
    page.get_by_role("heading", name="Child chronology").click()  # leaving the field sets it
    body = body_when(page, f"as at {day.strftime('%d/%m/%Y')} 23:59")
    body = body_when(page, f"Patterns for review ({len(cli_alerts)})")
    for alert in cli_alerts:
        assert f"{alert['pattern'].replace('_', ' ')} — {alert['severity']}" in body
    for alert in today:
        if alert.id not in {a["id"] for a in cli_alerts}:
            assert f"{alert.pattern.replace('_', ' ')} — {alert.severity}" not in body
    assert kinds_drawn(page) == coloured_kinds(replayed.entries)

    # Known by the school: no entry id outside what the school knew, evidence included.
    open_chronology(page, dashboard_url, "reviewer", f"child={first}")
    page.locator("[data-testid='stSelectbox']").filter(has_text="Known by").click()
    page.get_by_role("option", name="Elm Primary School").click()
    body_when(page, "known by school-elm")
    for summary in page.locator("[data-testid='stExpander'] summary").all():
        summary.click()
    page.wait_for_timeout(800)
    shown_ids = set(ENTRY_ID.findall(page.inner_text("body")))
    assert shown_ids and shown_ids <= school_ids
    page.context.close()

    # The Patterns page opens the alert's child, its evidence highlighted.
    patterns = new_page(browser)
    patterns.goto(f"{dashboard_url}/patterns")
    sign_in(patterns, "police.practitioner", DEMO_PASSWORD)
    patterns.get_by_role("button", name="Open chronology").click()
    body = body_when(patterns, "The alert's evidence")
    assert "/chronology?" in patterns.url and "highlight=" in patterns.url
    assert "Page not found" not in body and "Date of birth" in body
    patterns.context.close()
