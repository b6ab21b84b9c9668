"""The real dashboard in a real browser: Debian's Chromium, headless, driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from fullpicture import config
from tests.conftest import REPO_ROOT
from tests.test_dashboard import demo_state  # noqa: F401 - the same synthetic partnership

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = REPO_ROOT / "tests" / "artifacts"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def dashboard_url(demo_state: Path) -> Iterator[str]:  # noqa: F811
    with serving_dashboard(demo_state) as url:
        yield url


@contextmanager
def serving_dashboard(state: Path) -> Iterator[str]:
    """The real dashboard (`fullpicture dashboard`) on a free port, serving `state`."""
    port = free_port()
    env = {**os.environ, config.STATE_DIR: str(state), "PYTHONPATH": str(REPO_ROOT)}
    server = subprocess.Popen(
        [sys.executable, "-m", "fullpicture.cli", "dashboard", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("the dashboard did not answer /_stcore/health within 60 s")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_chronology_page_renders_in_chromium(dashboard_url: str) -> None:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "make test installs Debian's chromium"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        page.goto(f"{dashboard_url}/?child=C-00002")
        page.get_by_role("heading", name="Child chronology").wait_for(timeout=30_000)
        page.get_by_text("The child's voice").first.wait_for(timeout=30_000)
        page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=30_000)
        page.wait_for_timeout(1500)
        body = page.inner_text("body")
        address = page.url
        page.screenshot(path=str(SCREENSHOTS / "chronology.png"), full_page=True)
        browser.close()
    assert address.endswith("child=C-00002")
    assert "The child's voice" in body and "“" in body
    assert "Patterns for review" in body
    assert "Timeline (" in body
