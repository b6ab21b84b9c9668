"""`fullpicture report` on the demo partnership, checked field by field against counts worked out
here from the stored events (and, for the patterns, from `fullpicture patterns` over the same
period), with small numbers suppressed; the report names no child, and only analysts get one.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pypdf
import pytest

from domain.records import records_from_notifications
from domain.vocabulary import SPOKEN_CHANNELS
from fullpicture import config
from fullpicture.bootstrap import Wiring, bootstrap
from fullpicture.cli import main
from fullpicture.config import load_settings
from projections.suppression import SUPPRESSED
from tests.test_dashboard import demo_state  # noqa: F401 - the same synthetic partnership

TO = date.today()
FROM = date(TO.year - 1, TO.month, 1)


@pytest.fixture
def state(demo_state: Path, monkeypatch: pytest.MonkeyPatch) -> Path:  # noqa: F811
    monkeypatch.setenv(config.STATE_DIR, str(demo_state))
    return demo_state


@pytest.fixture
def wiring(state: Path) -> Iterator[Wiring]:
    opened = bootstrap(load_settings({config.STATE_DIR: str(state)}))
    yield opened
    opened.close()


def report(tmp_path: Path, kind: str, *more: str, user: str = "analyst") -> Path:
    out = tmp_path / f"report.{kind}"
    argv = ["report", "--as", user, "--from", FROM.isoformat(), "--to", TO.isoformat()]
    assert main([*argv, "--format", kind, "--out", str(out), *more]) == 0
    return out


def entries(wiring: Wiring) -> list[dict[str, Any]]:
    """Every entry in the store, as recorded (one record per entry, whatever its children)."""
    app = wiring.partnership
    notifications = app.recorder.select_notifications(start=1, limit=1_000_000)
    return [r for _, r in records_from_notifications(app.mapper, notifications) if "entry_id" in r]


def day(record: dict[str, Any], field: str = "occurred_at") -> date:
    return date.fromisoformat(str(record[field])[:10])


def in_period(record: dict[str, Any]) -> bool:
    return FROM <= day(record) <= TO


def shown(count: int) -> int | str:
    return SUPPRESSED if 0 < count < 5 else count


def agrees(published: Any, truth: int) -> bool:
    """A published count is the truth, or `<5` (the truth small, or hidden to protect one)."""
    return published in (SUPPRESSED, truth)


def test_the_json_report_holds_the_entry_counts_worked_out_from_the_store(
    tmp_path: Path, wiring: Wiring
) -> None:
    figures = json.loads(report(tmp_path, "json").read_text())
    truth: Counter[tuple[str, str]] = Counter()
    for record in entries(wiring):
        if in_period(record):
            truth[(str(record["occurred_at"])[:7], record["agency"])] += 1
    assert figures["period"] == {"from": FROM.isoformat(), "to": TO.isoformat()}
    assert figures["marking"] == "OFFICIAL"
    hidden = 0
    for cell in figures["entries_by_month"]:
        true_count = truth[(cell["month"], cell["agency"])]
        assert agrees(cell["entries"], true_count), cell
        if 0 < true_count < 5:
            assert cell["entries"] == SUPPRESSED
        hidden += cell["entries"] == SUPPRESSED
    assert figures["entry_totals"]["all"] == sum(truth.values())
    for by_agency in figures["entry_totals"]["by_agency"]:
        true_total = sum(n for (_, a), n in truth.items() if a == by_agency["agency"])
        assert agrees(by_agency["entries"], true_total)
    assert figures["suppressed"] >= hidden


def test_the_json_report_holds_each_agencys_request_measures(
    tmp_path: Path, wiring: Wiring
) -> None:
    figures = json.loads(report(tmp_path, "json").read_text())
    records = entries(wiring)
    replies: dict[str, dict[str, Any]] = {}
    for record in sorted(records, key=lambda r: str(r["occurred_at"])):
        if record["kind"] == "response" and day(record) <= TO:
            replies.setdefault(record["refers_to"], record)
    asked: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        if record["kind"] == "request" and in_period(record):
            for agency in record["to_agencies"]:
                asked[agency].append(record)
    rows = {row["agency"]: row for row in figures["agencies"]}
    checked = 0
    for agency, requests in asked.items():
        row = rows[agency]
        assert row["requests"] == shown(len(requests)), agency
        due = [r for r in requests if r["due_by"] and str(r["due_by"])[:10] <= TO.isoformat()]
        on_time = [
            r
            for r in due
            if r["entry_id"] in replies
            and str(replies[r["entry_id"]]["occurred_at"])[:10] <= str(r["due_by"])[:10]
        ]
        expected = expected_percent(len(on_time), len(due))
        assert row["answered_by_due_pct"] == expected, agency
        days = sorted(
            (day(replies[r["entry_id"]]) - day(r)).days
            for r in requests
            if r["entry_id"] in replies
        )
        if len(days) >= 5:
            assert row["answer_days_p90"] == days[-(-9 * len(days) // 10) - 1]
            middle = len(days) // 2
            median = days[middle] if len(days) % 2 else (days[middle - 1] + days[middle]) / 2
            assert row["answer_days_median"] == median
            checked += 1
    assert checked, "the demo has agencies with five or more answered requests"


def expected_percent(met: int, base: int) -> float | str | None:
    if base == 0:
        return None
    if any(0 < n < 5 for n in (met, base - met, base)):
        return SUPPRESSED
    return round(100 * met / base, 1)


def test_the_json_report_holds_each_agencys_written_follow_ups(
    tmp_path: Path, wiring: Wiring
) -> None:
    figures = json.loads(report(tmp_path, "json").read_text())
    records = entries(wiring)
    followed: dict[str, date] = {}
    for record in sorted(records, key=lambda r: str(r["occurred_at"])):
        if record["kind"] == "followup":
            followed.setdefault(record["refers_to"], day(record))
    met: Counter[str] = Counter()
    base: Counter[str] = Counter()
    for record in records:
        if record["kind"] != "share" or record["channel"] not in SPOKEN_CHANNELS:
            continue
        if not in_period(record):
            continue
        due, left = day(record), 5
        while left:
            due += timedelta(days=1)
            left -= due.weekday() < 5
        if due > TO:
            continue
        base[record["agency"]] += 1
        met[record["agency"]] += (
            record["entry_id"] in followed and followed[record["entry_id"]] <= due
        )
    rows = {row["agency"]: row for row in figures["agencies"]}
    for agency in base:
        assert rows[agency]["followed_up_in_writing_pct"] == expected_percent(
            met[agency], base[agency]
        ), agency


def test_the_json_report_counts_the_alerts_the_patterns_command_lists_for_the_period(
    tmp_path: Path, state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    figures = json.loads(report(tmp_path, "json").read_text())
    capsys.readouterr()
    period = ["--from", FROM.isoformat(), "--to", TO.isoformat()]
    assert main(["patterns", "--as", "analyst", *period, "--format", "json"]) == 0
    alerts = json.loads(capsys.readouterr().out)
    raised: Counter[tuple[str, str]] = Counter()
    resolved: Counter[tuple[str, str]] = Counter()
    for alert in alerts:
        if alert["first_raised"][:10] >= FROM.isoformat():
            raised[(alert["first_raised"][:7], alert["pattern"])] += 1
        if alert["resolved_at"]:
            resolved[(alert["resolved_at"][:7], alert["pattern"])] += 1
    assert sum(raised.values()) > 0
    for cell in figures["patterns_by_month"]:
        key = (cell["month"], cell["pattern"])
        assert agrees(cell["raised"], raised[key]), cell
        assert agrees(cell["resolved"], resolved[key]), cell
        for measure, truth in (("raised", raised[key]), ("resolved", resolved[key])):
            assert not 0 < truth < 5 or cell[measure] == SUPPRESSED
    grand = figures["pattern_totals"][-1]
    assert agrees(grand["raised"], sum(raised.values()))


def test_the_csv_report_holds_the_same_figures_as_the_json(tmp_path: Path, state: Path) -> None:
    figures = json.loads(report(tmp_path, "json").read_text())
    rows = list(csv.DictReader(io.StringIO(report(tmp_path, "csv").read_text())))
    cells = {
        (r["month"], r["pattern"], r["measure"]): r["value"]
        for r in rows
        if r["section"] == "patterns_by_month"
    }
    for cell in figures["patterns_by_month"]:
        for measure in ("raised", "resolved"):
            assert cells[(cell["month"], cell["pattern"], measure)] == str(cell[measure])
    entries_rows = {
        (r["month"], r["agency"]): r["value"] for r in rows if r["section"] == "entries_by_month"
    }
    assert entries_rows == {
        (c["month"], c["agency"]): str(c["entries"]) for c in figures["entries_by_month"]
    }
    for agency in figures["agencies"]:
        for r in rows:
            if r["section"] == "agencies" and r["agency"] == agency["agency"]:
                value = agency[r["measure"]]
                assert r["value"] == ("" if value is None else str(value))
    assert {r["value"] for r in rows if r["measure"] == "suppressed"} == {
        str(figures["suppressed"])
    }


def test_the_pdf_report_is_marked_official_numbered_and_charted(
    tmp_path: Path, state: Path
) -> None:
    pdf = pypdf.PdfReader(report(tmp_path, "pdf"))
    pages = [page.extract_text() for page in pdf.pages]
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert "OFFICIAL" in text and "OFFICIAL-SENSITIVE" not in text
        assert f"Page {number} of {len(pages)}" in text
    whole = "\n".join(pages)
    assert f"{FROM:%d/%m/%Y} to {TO:%d/%m/%Y}" in whole
    assert "Alerts raised and resolved per month" in whole  # a chart's title
    assert "Elm Primary School" in whole.replace("\n", " ")  # agency names, not codes


def test_an_analysts_report_names_no_child(tmp_path: Path, wiring: Wiring) -> None:
    children = {c for r in entries(wiring) for c in r["child_refs"]}
    assert children
    texts = [report(tmp_path, kind).read_text() for kind in ("json", "csv")]
    texts.append(
        "\n".join(p.extract_text() for p in pypdf.PdfReader(report(tmp_path, "pdf")).pages)
    )
    for text in texts:
        assert not [c for c in children if c in text]


def test_the_report_is_for_analysts_only(
    tmp_path: Path, state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "refused.json"
    argv = ["report", "--as", "police.practitioner", "--from", "2025-01-01", "--to", "2025-12-31"]
    assert main([*argv, "--format", "json", "--out", str(out)]) == 2
    assert "partnership analysts" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(
    ("more", "says"),
    [
        (["--agency", "nowhere"], "agency: agency 'nowhere' is not registered"),
        (["--concern", "nothing"], "concern: 'nothing' is not one of"),
        (["--to", "2020-01-01"], "--to: 2020-01-01 is before --from"),
    ],
)
def test_a_bad_filter_is_named_and_writes_nothing(
    tmp_path: Path, state: Path, capsys: pytest.CaptureFixture[str], more: list[str], says: str
) -> None:
    out = tmp_path / "bad.json"
    argv = ["report", "--as", "analyst", "--from", "2025-01-01", "--to", "2025-12-31"]
    assert main([*argv, "--format", "json", "--out", str(out), *more]) == 2
    assert says in capsys.readouterr().err
    assert not out.exists()


def test_an_agency_report_shows_that_agency_alone(tmp_path: Path, state: Path) -> None:
    figures = json.loads(report(tmp_path, "json", "--agency", "school-elm").read_text())
    assert [row["agency"] for row in figures["agencies"]] == ["school-elm"]
    assert {c["agency"] for c in figures["entries_by_month"]} == {"school-elm"}
    assert figures["filters"]["agency"] == "school-elm"
