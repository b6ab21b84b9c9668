"""My work in a real browser (Debian's Chromium through Playwright): a school's safeguarding lead
acknowledges a police share in one click, and the police's chronology shows it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from domain.drafts import Authorship
from fullpicture import config
from fullpicture.bootstrap import bootstrap
from fullpicture.config import load_settings
from fullpicture.demo_accounts import DEMO_PASSWORD
from fullpicture.tools.dashboard_bench import free_port, serving
from tests.builders import share
from tests.test_dashboard import demo_state  # noqa: F401 - the same synthetic partnership
from tests.test_dashboard_browser import (
    SCREENSHOTS,
    WAIT_MS,
    body_when,
    browser,  # noqa: F401 - the module's Chromium
    new_page,
    sign_in,
)

POLICE, SCHOOL_LEAD = "police.practitioner", "school.lead"


@pytest.fixture
def dashboard_url(demo_state: Path) -> Iterator[str]:  # noqa: F811
    with serving(demo_state, free_port()) as url:
        yield url


def test_the_lead_acknowledges_a_share_in_one_click_and_the_police_see_it(
    browser: Browser,  # noqa: F811
    dashboard_url: str,
    demo_state: Path,  # noqa: F811
) -> None:
    wiring = bootstrap(load_settings({config.STATE_DIR: str(demo_state)}))
    child = wiring.queries.children(POLICE)[0].child_ref
    row = share(entry_ref="P-LOOP-1", child_ref=child, channel="secure_email",
                occurred_at=date.today().isoformat(), to_agencies="school-elm")  # fmt: skip
    rows = wiring.queries.rows_to_record(POLICE, [(None, row)], importing=False)
    wiring.recorder.record_all(rows, Authorship(POLICE))
    wiring.close()
    shared = "police-north:P-LOOP-1"

    page = new_page(browser)
    page.goto(f"{dashboard_url}/my_work")
    page.get_by_role("heading", name="Sign in to FullPicture").wait_for(timeout=WAIT_MS)
    sign_in(page, SCHOOL_LEAD, DEMO_PASSWORD)
    page.get_by_role("heading", name="My work").wait_for(timeout=WAIT_MS)
    body_when(page, shared)
    page.locator(".st-key-ack-police-north--P-LOOP-1 button").click()
    body_when(page, f"Acknowledged {shared}")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "my-work-acknowledged.png"), full_page=True)
    page.context.close()

    wiring = bootstrap(load_settings({config.STATE_DIR: str(demo_state)}))
    try:
        seen = wiring.queries.read_child(POLICE, child, "chronology").entries
        [acknowledgement] = [
            e for e in seen if e.kind == "acknowledgement" and e.refers_to == shared
        ]
        assert (acknowledgement.agency, acknowledgement.outcome) == ("school-elm", "noted")
        assert acknowledgement.recorded_by == SCHOOL_LEAD
        assert [e.acknowledged_by for e in seen if e.id == shared] == [(acknowledgement.id,)]
        assert shared not in [
            i.entry_id for i in wiring.queries.incoming_to_acknowledge(SCHOOL_LEAD)
        ]
    finally:
        wiring.close()
