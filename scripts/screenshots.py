"""Take a screenshot of every dashboard page from the real dashboard, for the README.

    .venv/bin/python scripts/screenshots.py   (needs Debian's chromium: make browser)

Serves the embedded demo partnership (recorded first if missing) on a spare port.
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

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
PORT = 8599
PAGES = {
    "chronology": "/?child=C-00002",
    "patterns": "/patterns",
    "partnership": "/partnership",
    "requests": "/requests",
    "record": "/record",
    "feeds": "/feeds",
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
    server = subprocess.Popen([*cli, "dashboard", "--port", str(PORT)], env=env)
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
            page = browser.new_page(viewport={"width": 1400, "height": 1200})
            for name, path in PAGES.items():
                page.goto(f"http://127.0.0.1:{PORT}{path}")
                page.get_by_role("heading").first.wait_for(timeout=30_000)
                page.wait_for_timeout(3000)
                page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
                print(f"saved {OUT / (name + '.png')}")
            browser.close()
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
