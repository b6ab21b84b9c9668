"""Take a screenshot of every dashboard page from the real dashboard, for the README.

    .venv/bin/python scripts/screenshots.py   (needs Debian's chromium: make browser)

Serves the embedded demo partnership (recorded first if missing) on a spare port, and signs in
as a demo person whose role uses each page.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from fullpicture.demo_accounts import DEMO_PASSWORD  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
PORT = 8599
# page -> (address, the demo person who signs in for it)
PAGES = {
    "signin": ("/", ""),
    "chronology": ("/chronology", "reviewer"),
    "patterns": ("/patterns", "analyst"),
    "partnership": ("/partnership", "analyst"),
    "requests": ("/requests", "school.lead"),
    "record": ("/record", "police.practitioner"),
    "access_log": ("/access_log", "school.lead"),
    "feeds": ("/feeds", "admin"),
}
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def main() -> None:
    state = Path(tempfile.mkdtemp()) / "state"
    env = {**os.environ, "FULLPICTURE_STATE_DIR": str(state), "PYTHONPATH": str(ROOT)}
    cli = [sys.executable, "-m", "fullpicture.cli"]
    subprocess.run([*cli, "demo", "--no-dashboard"], env=env, check=True)
    # The demo's own dashboard (demo mode: the sign-in page lists the demo accounts).
    server = subprocess.Popen([*cli, "demo", "--port", str(PORT)], env=env)
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        OUT.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            for name, (path, user) in PAGES.items():
                page = browser.new_page(viewport={"width": 1400, "height": 1200})
                page.goto(f"http://127.0.0.1:{PORT}{path}")
                page.get_by_role("heading").first.wait_for(timeout=30_000)
                if user:
                    page.get_by_label("User name").fill(user)
                    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
                    page.get_by_role("button", name="Sign in", exact=True).click()
                    page.get_by_role("button", name="Sign out").wait_for(timeout=30_000)
                page.wait_for_timeout(3000)
                page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
                print(f"saved {OUT / (name + '.png')}")
                page.close()
            browser.close()
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
