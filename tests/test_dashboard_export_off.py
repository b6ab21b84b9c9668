"""The dashboard's tables offer no download: exports go through `fullpicture export` only.

Streamlit's own "Download as CSV" would be an export that is neither logged, marked nor
formula-safe; the served dashboard switches it off in Streamlit's configuration. Checked in
Chromium against `fullpicture dashboard`, as a person would meet it: a table's toolbar appears
when the pointer is over it, and only a table with rows offers search (or a download).
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Locator, Page

from fullpicture.demo_accounts import DEMO_PASSWORD
from tests.test_dashboard import demo_state  # noqa: F401 - the same synthetic partnership
from tests.test_dashboard_browser import (  # noqa: F401 - fixtures
    WAIT_MS,
    browser,
    dashboard_url,
    new_page,
    sign_in,
)


def toolbar_under_pointer(page: Page, table: Locator) -> list[str]:
    """The labels of the toolbar buttons shown while the pointer rests on the table."""
    table.scroll_into_view_if_needed()
    box = table.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(1000)
    buttons = page.locator("[data-testid='stBaseButton-elementToolbar']")
    return [b.get_attribute("aria-label") or "" for b in buttons.all() if b.is_visible()]


def test_no_dashboard_table_offers_a_download_in_chromium(
    browser: Browser,  # noqa: F811
    dashboard_url: str,  # noqa: F811
    demo_state: Path,  # noqa: F811
) -> None:
    page = new_page(browser)
    page.goto(f"{dashboard_url}/requests")
    sign_in(page, "school.lead", DEMO_PASSWORD)
    page.get_by_text("Verbal shares waiting for writing").first.wait_for(timeout=WAIT_MS)
    tables = page.locator("[data-testid='stDataFrame']")
    tables.first.wait_for(timeout=WAIT_MS)
    toolbars = [toolbar_under_pointer(page, table) for table in tables.all()]
    # A table with rows was under the pointer, and its own toolbar was the one shown.
    assert any("Search" in labels for labels in toolbars), toolbars
    assert not [label for labels in toolbars for label in labels if "download" in label.lower()]
    page.context.close()
