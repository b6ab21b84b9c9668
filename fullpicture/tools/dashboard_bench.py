"""Dashboard timings in real Chromium: a case reviewer's first render of a ~500-entry child's
chronology, and a replay change (a new "as at" date), against `fullpicture dashboard` serving an
embedded partnership in a temporary state directory.

Also the one place that knows how to serve the dashboard for a browser and how to launch
Debian's Chromium headless (the browser tests use the same).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fullpicture import config

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
REPO_ROOT = Path(__file__).resolve().parent.parent
DASHBOARD_TARGETS = {"dashboard_first_render_s": "<= 1.5", "dashboard_replay_s": "<= 1"}
SAMPLES = 3
WAIT_MS = 60_000
BENCH_PERSON, BENCH_PASSWORD = "bench.reviewer", "bench-reviewer-password"


DASHBOARD_FIGURES = ("dashboard_entries", "dashboard_first_render_s", "dashboard_replay_s")


class DashboardDidNotStart(RuntimeError):
    pass


def dashboard_timing_unavailable() -> str | None:
    """Why the browser timing cannot run here (it needs a package only the test extras install,
    and a Chromium), as one line saying what to install; None when it can. Asked before the
    long work starts, so a missing package never costs the other figures."""
    missing = []
    if importlib.util.find_spec("playwright") is None:
        missing.append(
            "the playwright package (pip install 'fullpicture[test]' or pip install playwright)"
        )
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    if not missing:
        return None
    return "dashboard timing skipped (null): install " + " and ".join(missing)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def serving(state: Path, port: int, settings: dict[str, str] | None = None) -> Iterator[str]:
    """`fullpicture dashboard` on a spare port, embedded in `state`, until the block ends."""
    server_keys = (config.DATABASE_URL, config.KAFKA_BOOTSTRAP)
    env = {
        **{k: v for k, v in os.environ.items() if k not in server_keys},
        config.STATE_DIR: str(state),
        "PYTHONPATH": str(REPO_ROOT),
        **(settings or {}),
    }
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
            raise DashboardDidNotStart("the dashboard did not answer /_stcore/health within 60 s")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def _partnership_with_a_long_chronology(state: Path) -> tuple[str, int]:
    """Ten years of a small partnership: its longest-known child has ~500 entries."""
    from consumers.store_feed import catch_up
    from fullpicture.bootstrap import bootstrap
    from fullpicture.config import load_settings
    from fullpicture.tools.synthetic import generate_partnership, record_partnership

    wiring = bootstrap(load_settings({config.STATE_DIR: str(state)}))
    try:
        today = date.today()
        data = generate_partnership(children=4, seed=2, months=120, today=today)
        record_partnership(wiring.partnership, data)
        catch_up(wiring.partnership, wiring.read_models)
        child = max(_children(wiring), key=lambda c: c[1])
        directory = wiring.directory
        directory.register_person(BENCH_PERSON, "Bench Reviewer", ["case_reviewer"], by="bench")
        directory.set_password(BENCH_PERSON, BENCH_PASSWORD, by="bench")
        directory.grant_review(
            "bench-review",
            BENCH_PERSON,
            [child[0]],
            period_from=(today - timedelta(days=3700)).isoformat(),
            period_to=today.isoformat(),
            expires=(today + timedelta(days=30)).isoformat(),
            by="bench",
        )
        directory.approve_review("bench-review", by="bench-approver")
        return child
    finally:
        wiring.close()


def _children(wiring: Any) -> list[tuple[str, int]]:
    from projections.chronology import children_with_entries

    return [(c.child_ref, c.entries) for c in children_with_entries(wiring.read_models.db)]


def _idle(page: Any, text: str) -> None:
    """Until `text` is on the page, the chart is drawn and the script run has ended."""
    page.get_by_text(text).first.wait_for(timeout=WAIT_MS)
    page.locator("[data-testid='stVegaLiteChart'] .marks").first.wait_for(
        state="attached", timeout=WAIT_MS
    )
    page.wait_for_function(
        "!document.querySelector(\"[data-testid='stStatusWidget'], [data-stale='true']\")",
        timeout=WAIT_MS,
    )


def _sign_in(page: Any, url: str) -> None:
    page.goto(f"{url}/patterns")
    page.get_by_label("User name").fill(BENCH_PERSON)
    page.get_by_label("Password", exact=True).fill(BENCH_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_text("Patterns of concern").first.wait_for(timeout=WAIT_MS)


def _first_render(page: Any, url: str) -> float:
    _sign_in(page, url)
    started = time.perf_counter()
    page.get_by_role("link", name="Child chronology").click()
    _idle(page, "Timeline (")
    return time.perf_counter() - started


def _replay(page: Any, day: date) -> float:
    page.get_by_role("spinbutton", name="day, As at").click()
    page.keyboard.type(day.strftime("%d%m%Y"))
    started = time.perf_counter()
    page.get_by_role("heading", name="Child chronology").click()  # leaving the field sets it
    _idle(page, f"as at {day.strftime('%d/%m/%Y')} 23:59")
    return time.perf_counter() - started


def measure_dashboard(say: Callable[[str], None]) -> dict[str, Any]:
    """Median of `SAMPLES` first renders (each in a new session, after one that fills the
    browser's cache) and replay changes."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="fullpicture-dashboard-bench-") as work:
        state = Path(work) / "state"
        say("dashboard: a partnership whose longest chronology has ~500 entries")
        child, entries = _partnership_with_a_long_chronology(state)
        firsts, replays = [], []
        with serving(state, free_port()) as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            try:
                say(f"dashboard: {child} ({entries} entries) in Chromium, {SAMPLES} sessions")
                # One browser profile, as a person who has used the dashboard before: its
                # scripts are in the browser's cache; each sample is a new session (a new tab).
                context = browser.new_context(viewport={"width": 1400, "height": 1600})
                for sample in range(SAMPLES + 1):
                    # A new session: the session cookie goes, the browser's cache stays.
                    context.clear_cookies()
                    page = context.new_page()
                    first = _first_render(page, url)
                    page.get_by_text("Replay as at a date").click()
                    page.locator(
                        "[role='group'][aria-label='As at']:not([aria-disabled='true'])"
                    ).wait_for(timeout=WAIT_MS)
                    _idle(page, "as at ")
                    replay = _replay(page, date.today() - timedelta(days=400 + sample))
                    page.close()
                    if sample:  # the first fills the browser's cache
                        firsts.append(first)
                        replays.append(replay)
                context.close()
            finally:
                browser.close()
    return {
        "dashboard_entries": entries,
        "dashboard_first_render_s": round(statistics.median(firsts), 2),
        "dashboard_replay_s": round(statistics.median(replays), 2),
    }
